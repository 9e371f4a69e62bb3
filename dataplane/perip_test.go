package dataplane

import (
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// TestPerIP: one socket per address on one port; datagrams report the
// address they were sent to, and WriteFrom sends from the address asked.
func TestPerIP(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.2 is a loopback address on Linux only")
	}
	a1, a2 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	ep, err := Open(Config{Local: netip.AddrPortFrom(a1, 0), PerIP: []netip.Addr{a1, a2, a1}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	port := ep.LocalAddr().Port()
	if got := ep.(*perIPEndpoint).LocalAddrs(); len(got) != 2 || got[1] != netip.AddrPortFrom(a2, port) {
		t.Fatalf("bound %v, want both addresses on port %d", got, port)
	}
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	for _, a := range []netip.Addr{a1, a2} {
		if _, err := peer.WriteToUDPAddrPort([]byte("to "+a.String()), netip.AddrPortFrom(a, port)); err != nil {
			t.Fatal(err)
		}
		pkts := make([]Packet, ReadBatchSize)
		n, err := ep.Read(pkts, time.Now().Add(5*time.Second))
		if err != nil || n != 1 {
			t.Fatalf("read: %d, %v", n, err)
		}
		if pkts[0].To != netip.AddrPortFrom(a, port) || string(pkts[0].Data) != "to "+a.String() {
			t.Fatalf("got %q to %s, want to %s", pkts[0].Data, pkts[0].To, a)
		}
		if err := ep.(SourceWriter).WriteFrom([]byte("x"), netip.AddrPortFrom(a, port), peer.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, from, err := peer.ReadFromUDPAddrPort(buf)
		if err != nil || from != netip.AddrPortFrom(a, port) {
			t.Fatalf("reply from %s (%v), want %s", from, err, netip.AddrPortFrom(a, port))
		}
	}
}
