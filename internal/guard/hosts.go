// Package guard checks the arguments of an agent's tool calls before they
// run, and the connections its tools make while they run: hosts and URLs
// against SSRF rules (instance metadata, link-local, private ranges), and
// cloud and cluster command lines (aws, kubectl, terraform, gcloud, az, helm)
// classified by what they would change.
package guard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// metadataHosts are names of cloud instance-metadata services. They are
// blocked by name, before any resolution, whatever the rules allow.
var metadataHosts = []string{
	"metadata.google.internal",
	"metadata.goog",
	"metadata.azure.com",
	"instance-data", // EC2's legacy name, resolvable inside a VPC
	"instance-data.ec2.internal",
}

// metadataAddrs are instance-metadata endpoints; always blocked.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, Azure, GCP, OpenStack, ...
	netip.MustParseAddr("169.254.170.2"),   // ECS task metadata and credentials
	netip.MustParseAddr("169.254.170.23"),  // EKS pod identity agent
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
	netip.MustParseAddr("fd00:ec2::23"),    // EKS pod identity agent over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// alwaysBlocked ranges can never be allowed: link-local (where metadata
// services live), unspecified and multicast.
var alwaysBlocked = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("255.255.255.255/32"),
}

// privateRanges are blocked unless the rules allow them: loopback, RFC 1918,
// carrier-grade NAT, unique-local IPv6 and the other internal ranges.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// ErrBlocked is wrapped by every error that refuses a host, address or URL.
var ErrBlocked = errors.New("blocked")

// Resolver looks up a host's addresses; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// HostRules decide which hosts and addresses tools may reach. The zero value
// blocks metadata services, link-local and private ranges and allows public
// addresses.
type HostRules struct {
	// AllowPrivate lets tools reach loopback and private ranges (never
	// link-local or metadata addresses).
	AllowPrivate bool
	// AllowCIDRs lets tools reach these private ranges only.
	AllowCIDRs []netip.Prefix
	// AllowHosts, when not empty, is the only set of host names tools may
	// reach: exact names, or "*.example.com" for any subdomain.
	AllowHosts []string
	// DenyHosts are names tools may never reach, in the same syntax.
	DenyHosts []string
	// Resolver resolves names; nil uses net.DefaultResolver.
	Resolver Resolver
}

// CheckAddr reports whether a connection to ip is allowed.
func (r *HostRules) CheckAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%w: %s is an instance-metadata address", ErrBlocked, ip)
		}
	}
	if ip.Is6() {
		// IPv4-compatible, IPv4-translated, NAT64, 6to4 and Teredo
		// addresses embed an IPv4 address; check it too.
		if embedded, ok := embeddedIPv4(ip); ok {
			if err := r.CheckAddr(embedded); err != nil {
				return fmt.Errorf("%w (embedded in %s)", err, ip)
			}
		}
	}
	for _, p := range alwaysBlocked {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is link-local, unspecified or multicast", ErrBlocked, ip)
		}
	}
	for _, p := range privateRanges {
		if !p.Contains(ip) {
			continue
		}
		if r.AllowPrivate {
			return nil
		}
		for _, a := range r.AllowCIDRs {
			if a.Contains(ip) {
				return nil
			}
		}
		return fmt.Errorf("%w: %s is in the private range %s", ErrBlocked, ip, p)
	}
	return nil
}

func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	b := ip.As16()
	zero := func(from, to int) bool {
		for _, x := range b[from:to] {
			if x != 0 {
				return false
			}
		}
		return true
	}
	switch {
	case zero(0, 12) && !zero(12, 15): // ::a.b.c.d, IPv4-compatible (not :: or ::1)
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case zero(0, 8) && b[8] == 0xff && b[9] == 0xff && zero(10, 12): // ::ffff:0:a.b.c.d, IPv4-translated
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // 2001::/32 Teredo: the client address, inverted
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b: // 64:ff9b::/96
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case b[0] == 0x20 && b[1] == 0x02: // 2002::/16 (6to4)
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// CheckHostName applies the name rules only (metadata names, deny and allow
// lists), without resolving.
func (r *HostRules) CheckHostName(host string) error {
	h := normalizeHost(host)
	if h == "" {
		return fmt.Errorf("%w: empty host", ErrBlocked)
	}
	for _, m := range metadataHosts {
		if h == m {
			return fmt.Errorf("%w: %s is an instance-metadata service", ErrBlocked, h)
		}
	}
	if matchHost(r.DenyHosts, h) {
		return fmt.Errorf("%w: %s is denied by the host rules", ErrBlocked, h)
	}
	if len(r.AllowHosts) > 0 && !matchHost(r.AllowHosts, h) {
		return fmt.Errorf("%w: %s is not in the allowed hosts", ErrBlocked, h)
	}
	return nil
}

// Resolve checks host by name, resolves it, and checks every address it
// resolves to: a name is refused if any of its addresses is, so a record set
// that mixes a public and a metadata address cannot slip through. It returns
// the checked addresses; callers must connect to one of them rather than
// resolve again, or DNS rebinding could swap the answer.
func (r *HostRules) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if err := r.CheckHostName(host); err != nil {
		return nil, err
	}
	if ip, ok := ParseIPLiteral(host); ok {
		if err := r.CheckAddr(ip); err != nil {
			return nil, err
		}
		return []netip.Addr{ip}, nil
	}
	res := r.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, err := res.LookupNetIP(ctx, "ip", normalizeHost(host))
	if err != nil {
		return nil, fmt.Errorf("%w: cannot resolve %s: %v", ErrBlocked, host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %s resolves to no address", ErrBlocked, host)
	}
	for _, a := range addrs {
		if err := r.CheckAddr(a); err != nil {
			return nil, fmt.Errorf("%s resolves to %s: %w", host, a.Unmap(), err)
		}
	}
	return addrs, nil
}

func normalizeHost(h string) string {
	h = strings.TrimSpace(strings.ToLower(h))
	h = strings.TrimPrefix(strings.TrimSuffix(h, "]"), "[")
	if i := strings.IndexByte(h, '%'); i >= 0 { // IPv6 zone
		h = h[:i]
	}
	return strings.TrimSuffix(h, ".")
}

func matchHost(patterns []string, h string) bool {
	for _, p := range patterns {
		p = normalizeHost(p)
		if strings.HasPrefix(p, "*.") {
			if strings.HasSuffix(h, p[1:]) {
				return true
			}
			continue
		}
		if h == p {
			return true
		}
	}
	return false
}

// ParseIPLiteral parses host as an IP address in every form a URL library or
// HTTP client might accept: dotted quad, IPv6 (bracketed or not, with zone),
// and the legacy inet_aton forms (a single decimal, octal or hex number, or
// two or three parts), which attackers use to disguise 169.254.169.254 as
// 2852039166 or 0xA9FEA9FE.
func ParseIPLiteral(host string) (netip.Addr, bool) {
	h := normalizeHost(host)
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Unmap(), true
	}
	parts := strings.Split(h, ".")
	if len(parts) > 4 || len(parts) == 0 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, 0, 32) // base prefix: 0x hex, 0 octal
		if err != nil {
			// strconv rejects "08"-like octal mistakes; so do resolvers.
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	switch len(nums) {
	case 1:
		v = nums[0]
	case 2:
		if nums[0] > 0xff || nums[1] > 0xffffff {
			return netip.Addr{}, false
		}
		v = nums[0]<<24 | nums[1]
	case 3:
		if nums[0] > 0xff || nums[1] > 0xff || nums[2] > 0xffff {
			return netip.Addr{}, false
		}
		v = nums[0]<<24 | nums[1]<<16 | nums[2]
	case 4:
		for _, n := range nums {
			if n > 0xff {
				return netip.Addr{}, false
			}
		}
		v = nums[0]<<24 | nums[1]<<16 | nums[2]<<8 | nums[3]
	}
	if v > 0xffffffff {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
