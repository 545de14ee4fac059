package guard

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EgressProxy is an HTTP forward proxy (CONNECT tunnels and absolute-URI
// requests) that applies HostRules when each connection is made: it resolves
// the name once, checks every address, and dials only a checked address. So
// neither DNS rebinding nor a redirect to a metadata address gets past it,
// whatever a tool's arguments said. The gateway points the HTTP_PROXY and
// HTTPS_PROXY of its stdio upstreams at it.
type EgressProxy struct {
	Rules HostRules
	// OnDecision, when set, is told of every connection decision: the
	// upstream that asked (from the proxy credentials, if any), the target
	// host:port, and nil or the reason it was refused.
	OnDecision func(upstream, target string, err error)
	// DialTimeout bounds each upstream dial; zero means 10 s.
	DialTimeout time.Duration
	// Secret, when set, makes the proxy serve only clients presenting
	// Proxy-Authorization Basic credentials of a name and Password(name):
	// other local processes cannot use it as a relay, and an upstream
	// cannot make its connections appear as another's.
	Secret []byte
	// PerClient replaces Rules for the clients it names (the authenticated
	// proxy user). It is honoured only with a Secret, since without one
	// the user name is the client's own claim.
	PerClient map[string]HostRules

	mu         sync.Mutex
	transports map[string]*http.Transport
}

type rulesKey struct{}

// rulesFor returns the rules for a client.
func (p *EgressProxy) rulesFor(client string) (string, *HostRules) {
	if p.Secret != nil {
		if r, ok := p.PerClient[client]; ok {
			return client, &r
		}
	}
	return "", &p.Rules
}

// transportFor returns the transport for the clients under one set of
// rules: connections are pooled per rule set, so a connection one client's
// rules allowed is never reused for a client whose rules refuse it.
func (p *EgressProxy) transportFor(key string) *http.Transport {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.transports == nil {
		p.transports = map[string]*http.Transport{}
	}
	t := p.transports[key]
	if t == nil {
		t = &http.Transport{
			DialContext:           p.DialContext,
			Proxy:                 nil, // never chain to the gateway's own proxy settings
			MaxIdleConns:          64,
			IdleConnTimeout:       60 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
		}
		p.transports[key] = t
	}
	return t
}

// DialContext connects to addr ("host:port") after checking it against the
// rules; it is the only way the proxy opens connections.
func (p *EgressProxy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: bad address %q: %v", ErrBlocked, addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("%w: bad port in %q", ErrBlocked, addr)
	}
	rules, _ := ctx.Value(rulesKey{}).(*HostRules)
	if rules == nil {
		rules = &p.Rules
	}
	addrs, err := rules.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	timeout := p.DialTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	var lastErr error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, netip.AddrPortFrom(a, mustPort(port)).String())
		if err == nil {
			return c, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func mustPort(s string) uint16 {
	n, _ := strconv.ParseUint(s, 10, 16)
	return uint16(n)
}

// hopHeaders are removed when forwarding (RFC 9110, section 7.6.1).
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// ServeHTTP implements the proxy.
func (p *EgressProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	upstream, ok := p.authenticate(r)
	if !ok {
		w.Header().Set("Proxy-Authenticate", `Basic realm="parapet egress"`)
		http.Error(w, "parapet egress proxy: proxy credentials required", http.StatusProxyAuthRequired)
		return
	}
	key, rules := p.rulesFor(upstream)
	r = r.WithContext(context.WithValue(r.Context(), rulesKey{}, rules))
	if r.Method == http.MethodConnect {
		p.connect(w, r, upstream)
		return
	}
	if !r.URL.IsAbs() || (r.URL.Scheme != "http") {
		http.Error(w, "parapet egress proxy: only absolute http:// requests and CONNECT are proxied", http.StatusBadRequest)
		return
	}
	target := r.URL.Host
	if r.URL.Port() == "" {
		target = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	resp, err := p.transportFor(key).RoundTrip(out)
	p.decide(upstream, target, err)
	if err != nil {
		refuse(w, err)
		return
	}
	defer resp.Body.Close()
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func (p *EgressProxy) decide(upstream, target string, err error) {
	if p.OnDecision == nil {
		return
	}
	if err != nil && !errors.Is(err, ErrBlocked) {
		return // a network failure, not a decision
	}
	p.OnDecision(upstream, target, err)
}

func refuse(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrBlocked) {
		w.Header().Set("X-Parapet-Blocked", "true")
		http.Error(w, "parapet egress proxy: "+err.Error(), http.StatusForbidden)
		return
	}
	http.Error(w, "parapet egress proxy: "+err.Error(), http.StatusBadGateway)
}

func (p *EgressProxy) connect(w http.ResponseWriter, r *http.Request, upstream string) {
	target := r.Host
	up, err := p.DialContext(r.Context(), "tcp", target)
	p.decide(upstream, target, err)
	if err != nil {
		refuse(w, err)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "parapet egress proxy: connection cannot be hijacked", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	go func() {
		// Bytes the client sent after the CONNECT line belong upstream.
		if n := buf.Reader.Buffered(); n > 0 {
			b, _ := buf.Reader.Peek(n)
			up.Write(b)
		}
		io.Copy(up, client)
		up.Close()
	}()
	io.Copy(client, up)
	client.Close()
}

// Password is the proxy password of the client named name: an HMAC of the
// name under Secret.
func (p *EgressProxy) Password(name string) string {
	m := hmac.New(sha256.New, p.Secret)
	m.Write([]byte(name))
	return hex.EncodeToString(m.Sum(nil))
}

// authenticate returns the user name of the Proxy-Authorization Basic
// credentials, which the gateway sets to the upstream's name so decisions
// name who asked. With a Secret, the password must match the name.
func (p *EgressProxy) authenticate(r *http.Request) (string, bool) {
	h := r.Header.Get("Proxy-Authorization")
	if h == "" {
		return "", p.Secret == nil
	}
	rr := &http.Request{Header: http.Header{"Authorization": {h}}}
	u, pw, ok := rr.BasicAuth()
	if !ok {
		return "", p.Secret == nil
	}
	if p.Secret != nil && !hmac.Equal([]byte(pw), []byte(p.Password(u))) {
		return "", false
	}
	return strings.TrimSpace(u), true
}
