package guard

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// DefaultSchemes are the URL schemes tools may use when the rules name none.
var DefaultSchemes = []string{"http", "https"}

// fetchSchemes are URL schemes that HTTP clients, fetchers and URL libraries
// dereference over the network or the local file system: the ones SSRF
// uses. Only DefaultSchemes (or the configured ones) of them are allowed.
var fetchSchemes = map[string]bool{
	"http": true, "https": true, "ws": true, "wss": true, "ftp": true, "ftps": true, "sftp": true, "tftp": true,
	"file": true, "gopher": true, "dict": true, "ldap": true, "ldaps": true, "jar": true, "netdoc": true,
	"smb": true, "telnet": true, "ssh": true, "scp": true, "rtsp": true, "imap": true, "pop3": true, "smtp": true,
}

// hostKeys are argument names whose string values are host names or
// addresses rather than URLs.
var hostKeys = map[string]bool{
	"host": true, "hostname": true, "server": true, "address": true, "addr": true,
	"ip": true, "domain": true, "endpoint": true, "target": true, "remote": true,
	"hosts": true, "hostnames": true, "servers": true, "addresses": true, "ips": true, "domains": true,
	"endpoints": true, "targets": true, "remotes": true,
}

// Violation is one argument that breaks the rules, named by its JSON path.
type Violation struct {
	Path   string `json:"path"`   // e.g. arguments.requests[2].url
	Value  string `json:"value"`  // the offending URL or host
	Reason string `json:"reason"` // why it is refused
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s", v.Path, v.Reason) }

// URLRules extend HostRules with the URL schemes tools may use.
type URLRules struct {
	HostRules
	// Schemes allowed in URLs; empty means DefaultSchemes.
	Schemes []string
}

// CheckURL checks one URL: its scheme, then its host by name and by every
// address it resolves to.
func (r *URLRules) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("%w: unparseable URL: %v", ErrBlocked, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if !fetchSchemes[scheme] {
		// Not a scheme a tool dereferences over the network (s3://, gs://,
		// arn-like strings): not this guard's business.
		return nil
	}
	schemes := r.Schemes
	if len(schemes) == 0 {
		schemes = DefaultSchemes
	}
	ok := false
	for _, s := range schemes {
		if strings.EqualFold(s, scheme) {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%w: scheme %q is not allowed", ErrBlocked, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: URL has no host", ErrBlocked)
	}
	_, err = r.Resolve(ctx, host)
	return err
}

// CheckArguments walks a tool call's arguments and checks every string that
// looks like a URL (it has "://") and every value of a host-like key. It
// returns the violations in path order; none means the arguments pass.
func (r *URLRules) CheckArguments(ctx context.Context, args map[string]any) []Violation {
	var out []Violation
	r.walk(ctx, "arguments", "", args, &out, 0)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// maxArgDepth bounds recursion into nested arguments; deeper values are
// refused rather than skipped, so nesting cannot hide a URL.
const maxArgDepth = 32

func (r *URLRules) walk(ctx context.Context, path, key string, v any, out *[]Violation, depth int) {
	if depth > maxArgDepth {
		*out = append(*out, Violation{Path: path, Reason: "arguments nested too deeply to check"})
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			r.walk(ctx, path+"."+k, strings.ToLower(k), e, out, depth+1)
		}
	case []any:
		for i, e := range x {
			r.walk(ctx, fmt.Sprintf("%s[%d]", path, i), key, e, out, depth+1)
		}
	case string:
		urls := findURLs(x)
		for _, u := range urls {
			if err := r.CheckURL(ctx, u); err != nil {
				*out = append(*out, Violation{Path: path, Value: u, Reason: err.Error()})
			}
		}
		if len(urls) == 0 && isURLKey(key) {
			if err := r.checkSchemeless(ctx, x); err != nil {
				*out = append(*out, Violation{Path: path, Value: x, Reason: err.Error()})
			}
		}
		if hostKeys[key] && !strings.Contains(x, "://") {
			host := strings.TrimSpace(x)
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			if host != "" {
				if _, err := r.Resolve(ctx, host); err != nil {
					*out = append(*out, Violation{Path: path, Value: x, Reason: err.Error()})
				}
			}
		}
	}
}

// specialSchemes are the schemes for which WHATWG URL parsers (browsers,
// Node's fetch, undici) accept any run of "/" and "\\" after the colon,
// including none: "http:/h", "http:\\\\h" and "http:h" all reach host h.
var specialSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true, "file": true}

// findURLs returns the URL-like substrings of s: each run of non-space
// characters containing "://", with a scheme of letters before it, and each
// run starting with a special scheme and a colon, normalised to
// "scheme://" with backslashes read as slashes, as lenient parsers read it.
func findURLs(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return out
		}
		start := i
		for start > 0 && isSchemeChar(s[start-1]) {
			start--
		}
		end := i + 1
		for end < len(s) && !isURLTerminator(s[end]) {
			end++
		}
		rest := s[i+1 : end]
		switch {
		case start < i && strings.HasPrefix(rest, "//"):
			u := s[start:end]
			out = append(out, u)
			if strings.Contains(u, "\\") {
				out = append(out, strings.ReplaceAll(u, "\\", "/"))
			}
		case start < i && specialSchemes[strings.ToLower(s[start:i])]:
			if h := strings.TrimLeft(rest, "/\\"); h != "" {
				out = append(out, s[start:i]+"://"+strings.ReplaceAll(h, "\\", "/"))
			}
		}
		s = s[end:]
	}
}

// urlKeys are argument names whose values are URLs, which a tool may
// complete with a scheme of its own when they have none.
func isURLKey(k string) bool {
	switch k {
	case "url", "uri", "href", "link", "src", "location":
		return true
	}
	return strings.HasSuffix(k, "_url") || strings.HasSuffix(k, "_uri")
}

// checkSchemeless checks a url argument with no scheme: scheme-relative
// ("//host/path") as http, and otherwise its first segment when it is an
// address or a metadata name ("169.254.169.254/latest"). Other first
// segments are left alone: "docs/index.html" is a relative path.
func (r *URLRules) checkSchemeless(ctx context.Context, v string) error {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "//") || strings.HasPrefix(v, "\\\\") {
		return r.CheckURL(ctx, "http://"+strings.ReplaceAll(strings.TrimLeft(v, "/\\"), "\\", "/"))
	}
	host := v
	if i := strings.IndexAny(host, "/\\?#"); i >= 0 {
		host = host[:i]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if err := r.checkMetadataName(host); err != nil {
		return err
	}
	ip, ok := ParseIPLiteral(host)
	if !ok || !strings.ContainsAny(host, ".:") && ip.As4()[0] == 0 {
		return nil // a bare small number reads as a path segment ("2024/report")
	}
	return r.CheckAddr(ip)
}

func (r *URLRules) checkMetadataName(host string) error {
	h := normalizeHost(host)
	for _, m := range metadataHosts {
		if h == m {
			return fmt.Errorf("%w: %s is an instance-metadata service", ErrBlocked, h)
		}
	}
	return nil
}

func isSchemeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func isURLTerminator(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', '(', ')':
		return true
	}
	return false
}
