package guard

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/parapet-sec/parapet/internal/guard/dnstest"
)

func TestEgressProxyChecksEveryConnection(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/security-credentials/", http.StatusFound)
		case "/redirect-by-name":
			http.Redirect(w, r, "http://imds.evil.test/latest/meta-data/", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer backend.Close()
	port := backend.URL[strings.LastIndexByte(backend.URL, ':')+1:]

	dns := dnstest.Start(t)
	dns.Set("imds.evil.test", netip.MustParseAddr("169.254.169.254"))
	dns.Set("good.test", netip.MustParseAddr("127.0.0.1"))
	res := dns.Resolver()
	var decisions []string
	proxy := &EgressProxy{
		Rules: HostRules{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: res},
		OnDecision: func(up, target string, err error) {
			d := up + " " + target + " allow"
			if err != nil {
				d = up + " " + target + " deny"
			}
			decisions = append(decisions, d)
		},
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	pu, _ := url.Parse(ps.URL)
	pu.User = url.UserPassword("fetch", "x")
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}

	cases := []struct {
		name   string
		url    string
		status int
	}{
		{"an allowed address passes", backend.URL + "/ok", 200},
		{"a name resolved by DNS to an allowed address passes", "http://good.test:" + port + "/ok", 200},
		{"the metadata address is refused", "http://169.254.169.254/latest/meta-data/", 403},
		{"a name resolving to the metadata address is refused", "http://imds.evil.test/latest/meta-data/", 403},
		{"a redirect to the metadata address is refused", backend.URL + "/redirect", 403},
		{"a redirect to a name resolving to it is refused", backend.URL + "/redirect-by-name", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := client.Get(c.url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, c.status)
			}
			if c.status == 200 && string(body) != "ok" {
				t.Fatalf("body %q", body)
			}
		})
	}
	t.Run("a CONNECT tunnel to a name resolving to the metadata address is refused", func(t *testing.T) {
		conn, err := net.Dial("tcp", pu.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "CONNECT imds.evil.test:443 HTTP/1.1\r\nHost: imds.evil.test:443\r\n\r\n")
		buf := make([]byte, 64)
		n, _ := conn.Read(buf)
		if !strings.Contains(string(buf[:n]), "403") {
			t.Fatalf("got %q", buf[:n])
		}
	})
	if len(decisions) == 0 || !strings.HasPrefix(decisions[0], "fetch ") {
		t.Fatalf("decisions do not name the upstream: %v", decisions)
	}
}

func TestEgressProxyServesOnlyItsUpstreams(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	proxy := &EgressProxy{
		Rules:  HostRules{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}},
		Secret: []byte("0123456789abcdef0123456789abcdef"),
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	get := func(user *url.Userinfo) int {
		pu, _ := url.Parse(ps.URL)
		pu.User = user
		client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
		resp, err := client.Get(backend.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name string
		user *url.Userinfo
		want int
	}{
		{"an upstream with its credentials is served", url.UserPassword("fetch", proxy.Password("fetch")), http.StatusOK},
		{"a client without credentials is refused", nil, http.StatusProxyAuthRequired},
		{"an upstream naming another upstream with its own password is refused", url.UserPassword("shell", proxy.Password("fetch")), http.StatusProxyAuthRequired},
		{"a guessed password is refused", url.UserPassword("fetch", "x"), http.StatusProxyAuthRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := get(c.user); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
		})
	}
}

func TestEgressProxyAppliesEachUpstreamsOwnRules(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer backend.Close()
	proxy := &EgressProxy{
		Rules:     HostRules{},
		PerClient: map[string]HostRules{"fetch": {AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}},
		Secret:    []byte("0123456789abcdef0123456789abcdef"),
	}
	ps := httptest.NewServer(proxy)
	defer ps.Close()
	get := func(name string) int {
		pu, _ := url.Parse(ps.URL)
		pu.User = url.UserPassword(name, proxy.Password(name))
		client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu)}}
		resp, err := client.Get(backend.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// fetch first, so a pooled connection to the backend exists.
	if got := get("fetch"); got != http.StatusOK {
		t.Fatalf("the upstream whose rules allow loopback got %d", got)
	}
	if got := get("shell"); got != http.StatusForbidden {
		t.Fatalf("an upstream under the default rules reached loopback: %d", got)
	}
}
