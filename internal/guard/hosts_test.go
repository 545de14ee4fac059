package guard

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// staticResolver answers from a fixed table, standing in for DNS in tests of
// the rules themselves; the egress proxy tests use a real DNS server.
type staticResolver map[string][]netip.Addr

func (s staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := s[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestHostRules(t *testing.T) {
	res := staticResolver{
		"example.com":     {netip.MustParseAddr("93.184.215.14")},
		"rebind.example":  {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("169.254.169.254")},
		"internal.corp":   {netip.MustParseAddr("10.1.2.3")},
		"localhost":       {netip.MustParseAddr("127.0.0.1")},
		"v6meta.example":  {netip.MustParseAddr("fd00:ec2::254")},
		"mapped.example":  {netip.MustParseAddr("::ffff:169.254.169.254")},
		"nat64.example":   {netip.MustParseAddr("64:ff9b::a9fe:a9fe")},
		"allowed.example": {netip.MustParseAddr("10.9.9.9")},
		"api.github.com":  {netip.MustParseAddr("140.82.112.6")},
	}
	cases := []struct {
		name  string
		rules HostRules
		host  string
		block bool
	}{
		{"a public name is allowed", HostRules{}, "example.com", false},
		{"the IMDS address is blocked", HostRules{}, "169.254.169.254", true},
		{"the IMDS address in decimal is blocked", HostRules{}, "2852039166", true},
		{"the IMDS address in hex is blocked", HostRules{}, "0xA9FEA9FE", true},
		{"the IMDS address in octal parts is blocked", HostRules{}, "0251.0376.0251.0376", true},
		{"the IMDS address in two parts is blocked", HostRules{}, "169.16689662", true},
		{"IMDS over IPv6 is blocked", HostRules{}, "[fd00:ec2::254]", true},
		{"the ECS credentials endpoint is blocked", HostRules{}, "169.254.170.2", true},
		{"metadata.google.internal is blocked by name", HostRules{}, "metadata.google.internal.", true},
		{"a name resolving to a metadata address is blocked", HostRules{}, "v6meta.example", true},
		{"a name with one link-local answer among public ones is blocked", HostRules{}, "rebind.example", true},
		{"an IPv4-mapped metadata address is blocked", HostRules{}, "mapped.example", true},
		{"a NAT64-embedded metadata address is blocked", HostRules{}, "nat64.example", true},
		{"private ranges are blocked by default", HostRules{}, "internal.corp", true},
		{"loopback is blocked by default", HostRules{}, "localhost", true},
		{"private ranges pass when allowed", HostRules{AllowPrivate: true}, "internal.corp", false},
		{"link-local stays blocked when private is allowed", HostRules{AllowPrivate: true}, "169.254.1.1", true},
		{"an allowed CIDR passes", HostRules{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}}, "allowed.example", false},
		{"an allowed CIDR does not open other private ranges", HostRules{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")}}, "internal.corp", true},
		{"an allow list refuses other names", HostRules{AllowHosts: []string{"*.github.com"}}, "example.com", true},
		{"an allow list admits subdomains", HostRules{AllowHosts: []string{"*.github.com"}}, "api.github.com", false},
		{"a deny list refuses its names", HostRules{DenyHosts: []string{"example.com"}}, "EXAMPLE.com", true},
		{"an unresolvable name is refused", HostRules{}, "nowhere.invalid", true},
		{"an IPv4-compatible IPv6 metadata address is blocked", HostRules{}, "[::a9fe:a9fe]", true},
		{"an IPv4-compatible IPv6 address written with a dotted quad is blocked", HostRules{}, "::169.254.169.254", true},
		{"an IPv4-translated IPv6 metadata address is blocked", HostRules{}, "::ffff:0:a9fe:a9fe", true},
		{"a Teredo address hiding the metadata address is blocked", HostRules{}, "2001:0:4136:e378:8000:63bf:5601:5601", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.rules.Resolver = res
			_, err := c.rules.Resolve(context.Background(), c.host)
			if (err != nil) != c.block {
				t.Fatalf("Resolve(%q) error = %v, want blocked=%v", c.host, err, c.block)
			}
			if err != nil && !errors.Is(err, ErrBlocked) {
				t.Fatalf("error %v does not wrap ErrBlocked", err)
			}
		})
	}
}

func TestCheckArgumentsFindsURLsAndHostsAnywhere(t *testing.T) {
	r := &URLRules{HostRules: HostRules{Resolver: staticResolver{"example.com": {netip.MustParseAddr("93.184.215.14")}}}}
	args := map[string]any{
		"url":   "https://example.com/page",
		"notes": "see http://169.254.169.254/latest/meta-data/iam/ for details",
		"nested": map[string]any{
			"requests": []any{map[string]any{"target": "10.0.0.5:8080"}},
		},
		"file":   "file:///etc/passwd",
		"bucket": "s3://data-bucket/key",
	}
	v := r.CheckArguments(context.Background(), args)
	want := []string{"arguments.file", "arguments.nested.requests[0].target", "arguments.notes"}
	if len(v) != len(want) {
		t.Fatalf("got %d violations %v, want %v", len(v), v, want)
	}
	for i, p := range want {
		if v[i].Path != p {
			t.Errorf("violation %d at %s, want %s (%v)", i, v[i].Path, p, v[i])
		}
	}
}

func TestCheckArgumentsFindsURLsThatLenientParsersAccept(t *testing.T) {
	r := &URLRules{HostRules: HostRules{Resolver: staticResolver{"example.com": {netip.MustParseAddr("93.184.215.14")}}}}
	cases := []struct {
		name  string
		args  map[string]any
		block bool
	}{
		{"a URL with one slash after the scheme is checked", map[string]any{"url": "http:/169.254.169.254/latest/meta-data/"}, true},
		{"a URL with backslashes after the scheme is checked", map[string]any{"url": `http:\\169.254.169.254\latest`}, true},
		{"a URL with no slashes after the scheme is checked", map[string]any{"url": "http:169.254.169.254/latest"}, true},
		{"a scheme-relative URL is checked", map[string]any{"url": "//169.254.169.254/latest"}, true},
		{"a URL without a scheme in a url argument is checked", map[string]any{"url": "169.254.169.254/latest/meta-data/"}, true},
		{"a metadata name without a scheme in a url argument is checked", map[string]any{"uri": "metadata.google.internal/computeMetadata/v1/"}, true},
		{"a lenient URL inside text is checked", map[string]any{"text": "fetch HTTPS:\\\\169.254.169.254 now"}, true},
		{"a relative path in a url argument passes", map[string]any{"url": "docs/index.html"}, false},
		{"a public URL written leniently passes", map[string]any{"url": "https:/example.com/a"}, false},
		{"a metadata address in a list of hosts is checked", map[string]any{"hosts": []any{"example.com", "169.254.169.254"}}, true},
		{"a metadata address in a list of targets is checked", map[string]any{"targets": []any{"169.254.169.254:80"}}, true},
		{"text with a colon after a scheme word passes", map[string]any{"text": "see http: the protocol"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := r.CheckArguments(context.Background(), c.args)
			if (len(v) > 0) != c.block {
				t.Fatalf("violations %v, want blocked=%v", v, c.block)
			}
		})
	}
}

func FuzzFindURLs(f *testing.F) {
	for _, s := range []string{"see http://169.254.169.254/x now", `http:\\\\h\\p`, "http:h", "a://b c://d", "https:", "::::", "x:y://z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, u := range findURLs(s) {
			if !strings.Contains(u, "://") {
				t.Fatalf("findURLs(%q) returned %q, which has no scheme separator", s, u)
			}
		}
		r := &URLRules{HostRules: HostRules{Resolver: staticResolver{}}}
		r.CheckArguments(context.Background(), map[string]any{"url": s, "host": s})
	})
}
