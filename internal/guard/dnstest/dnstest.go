// Package dnstest runs a real DNS server on loopback for tests of name
// resolution, so that code under test resolves through Go's resolver as in
// production while the test decides the answers, including answers that
// change between queries (DNS rebinding).
package dnstest

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

// Server answers A and AAAA queries from its table; unknown names get
// NXDOMAIN. It stops when the test ends.
type Server struct {
	mu     sync.Mutex
	static map[string]netip.Addr
	rebind map[string][2]netip.Addr
	asked  map[string]int
	addr   string
}

// Start runs a server on a free loopback UDP port.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	s := &Server{static: map[string]netip.Addr{}, rebind: map[string][2]netip.Addr{}, asked: map[string]int{}, addr: pc.LocalAddr().String()}
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := s.answer(buf[:n]); resp != nil {
				pc.WriteTo(resp, from)
			}
		}
	}()
	return s
}

// Set makes name resolve to a (an A record for IPv4, AAAA for IPv6).
func (s *Server) Set(name string, a netip.Addr) {
	s.mu.Lock()
	s.static[strings.ToLower(name)] = a
	s.mu.Unlock()
}

// Rebind makes name answer its first A query with first and every later
// one with later.
func (s *Server) Rebind(name string, first, later netip.Addr) {
	s.mu.Lock()
	s.rebind[strings.ToLower(name)] = [2]netip.Addr{first, later}
	s.mu.Unlock()
}

// Resolver returns a resolver that asks only this server.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.addr)
	}}
}

func (s *Server) lookup(name string, qtype uint16) (netip.Addr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.rebind[name]; ok && qtype == 1 {
		s.asked[name]++
		if s.asked[name] == 1 {
			return r[0], true
		}
		return r[1], true
	}
	a, ok := s.static[name]
	return a, ok
}

// answer builds the response to one query (RFC 1035 section 4.1).
func (s *Server) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	resp := append([]byte{}, q[:i+5]...)
	resp[2], resp[3] = 0x81, 0x80 // a response, recursion available
	binary.BigEndian.PutUint16(resp[6:], 0)
	binary.BigEndian.PutUint16(resp[8:], 0)
	binary.BigEndian.PutUint16(resp[10:], 0)
	ip, ok := s.lookup(strings.ToLower(strings.Join(labels, ".")), qtype)
	if !ok {
		resp[3] |= 3 // NXDOMAIN
		return resp
	}
	var rdata []byte
	switch {
	case qtype == 1 && ip.Is4():
		b := ip.As4()
		rdata = b[:]
	case qtype == 28 && ip.Is6():
		b := ip.As16()
		rdata = b[:]
	default:
		return resp // the name exists, with no record of this type
	}
	binary.BigEndian.PutUint16(resp[6:], 1)
	rr := []byte{0xc0, 12, 0, byte(qtype), 0, 1, 0, 0, 0, 30, 0, byte(len(rdata))}
	return append(append(resp, rr...), rdata...)
}
