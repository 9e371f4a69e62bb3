package engine

import (
	"net/netip"
	"testing"
)

// TestPeerTableIntern: each address keeps the index it got first, whether
// it comes again at once (the last-peer shortcut) or after others (the map),
// with its [remote_ip] and [remote_port] texts.
func TestPeerTableIntern(t *testing.T) {
	var tab peerTable
	steps := []struct {
		addr       string
		want       uint32
		host, port string
	}{
		{"192.0.2.1:5060", 0, "192.0.2.1", "5060"},
		{"192.0.2.1:5060", 0, "192.0.2.1", "5060"},
		{"192.0.2.1:5061", 1, "192.0.2.1", "5061"},
		{"[2001:db8::1]:5060", 2, "[2001:db8::1]", "5060"},
		{"192.0.2.1:5060", 0, "192.0.2.1", "5060"},
		{"[2001:db8::1]:5060", 2, "[2001:db8::1]", "5060"},
		{"[2001:db8::1]:5060", 2, "[2001:db8::1]", "5060"},
		{"192.0.2.1:5061", 1, "192.0.2.1", "5061"},
	}
	for i, st := range steps {
		got := tab.intern(netip.MustParseAddrPort(st.addr))
		if got != st.want {
			t.Fatalf("step %d: intern(%s) = %d, want %d", i, st.addr, got, st.want)
		}
		if h, p := string(tab.hosts[got]), string(tab.ports[got]); h != st.host || p != st.port {
			t.Errorf("step %d: %s renders as %s and %s, want %s and %s", i, st.addr, h, p, st.host, st.port)
		}
	}
	if len(tab.addrs) != 3 {
		t.Errorf("%d addresses interned, want 3", len(tab.addrs))
	}
}
