package media

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

func listen(t *testing.T) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// receive reads n datagrams (or fails after a generous deadline).
func receive(t *testing.T, c *net.UDPConn, n int) []string {
	t.Helper()
	var got []string
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(got) < n {
		k, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d of %d datagrams: %v", len(got), n, err)
		}
		got = append(got, fmt.Sprintf("%s from %d", buf[:k], from.Port()))
	}
	return got
}

func testPcap(n int, gap time.Duration) *Pcap {
	pc := &Pcap{Name: "t", Base: 6000}
	for i := range n {
		pc.Packets = append(pc.Packets, Packet{At: time.Duration(i) * gap, DstPort: 6000, Payload: fmt.Appendf(nil, "rtp%d", i)})
	}
	return pc
}

// TestPlayer: two calls play at once from one goroutine; every packet
// arrives once, in the capture's order, from the call's media port.
func TestPlayer(t *testing.T) {
	a, aAddr := listen(t)
	b, bAddr := listen(t)
	p := NewPlayer(PlayerConfig{Local: netip.MustParseAddr("127.0.0.1")})
	defer p.Close()
	src := freePort(t)
	pc := testPcap(20, time.Millisecond)
	p.Play(1, pc, src, aAddr)
	p.Play(2, pc, src, bAddr)
	for _, c := range []*net.UDPConn{a, b} {
		got := receive(t, c, 20)
		for i, g := range got {
			if want := fmt.Sprintf("rtp%d from %d", i, src); g != want {
				t.Fatalf("datagram %d = %q, want %q", i, g, want)
			}
		}
	}
	for p.Active() != 0 {
		time.Sleep(time.Millisecond)
	}
	if s := p.Stats(); s.Packets != 40 || s.Bytes != 2*(10*4+10*5) || s.Errors != 0 {
		t.Errorf("stats %+v, want 40 packets, 180 bytes, no error", s)
	}
}

// TestPlayerStop: Stop ends a play; a second Play for the same call
// replaces the first (SIPp cancels the call's media thread).
func TestPlayerStop(t *testing.T) {
	a, aAddr := listen(t)
	p := NewPlayer(PlayerConfig{})
	defer p.Close()
	long := testPcap(1000, time.Hour) // one packet now, the next in an hour
	p.Play(7, long, 0, aAddr)
	if got := receive(t, a, 1); len(got) != 1 || got[0][:4] != "rtp0" {
		t.Fatalf("got %q", got)
	}
	p.Play(7, testPcap(2, 0), 0, aAddr)
	receive(t, a, 2)
	p.Play(8, long, 0, aAddr)
	receive(t, a, 1)
	// The receiver can see a packet before the player has counted it:
	// wait for the count, then stop the play and wait for it to end.
	waitFor(t, "4 packets counted", func() bool { return p.Stats().Packets == 4 })
	p.Stop(8)
	waitFor(t, "no play active after Stop", func() bool { return p.Active() == 0 })
	if s := p.Stats(); s.Packets != 4 {
		t.Errorf("%d packets sent, want 4", s.Packets)
	}
}

// waitFor polls cond for up to 5 s and fails the test with what if it never holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
	}
}

// TestPlayerPortOffset: a packet captured to Base+1 goes to the remote
// media port plus 1 (RTCP beside RTP).
func TestPlayerPortOffset(t *testing.T) {
	a, aAddr := listen(t)
	b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(aAddr.Port()) + 1})
	if err != nil {
		t.Skipf("port %d+1 is taken: %v", aAddr.Port(), err)
	}
	defer b.Close()
	p := NewPlayer(PlayerConfig{})
	defer p.Close()
	pc := &Pcap{Base: 2000, Packets: []Packet{{DstPort: 2000, Payload: []byte("rtp")}, {DstPort: 2001, Payload: []byte("rtcp")}}}
	p.Play(1, pc, 0, aAddr)
	if g := receive(t, a, 1)[0]; g[:4] != "rtp " {
		t.Errorf("media port got %q", g)
	}
	if g := receive(t, b, 1)[0]; g[:5] != "rtcp " {
		t.Errorf("media port+1 got %q", g)
	}
}

func freePort(t *testing.T) uint16 {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Port()
}
