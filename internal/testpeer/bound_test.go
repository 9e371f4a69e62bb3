package testpeer

import (
	"net"
	"testing"
	"time"
)

// TestWaitBound: a bound UDP socket and a listening TCP socket are seen,
// a free port is not, and looking does not take the port (the peer could
// not bind it if it did).
func TestWaitBound(t *testing.T) {
	u, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if !waitBound("udp", u.LocalAddr().(*net.UDPAddr).Port, time.Second) {
		t.Error("a bound UDP port was not seen")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !waitBound("tcp", l.Addr().(*net.TCPAddr).Port, time.Second) {
		t.Error("a listening TCP port was not seen")
	}
	free := FreeUDPPort(t, 1)
	if waitBound("udp", free, 50*time.Millisecond) {
		t.Errorf("free UDP port %d seen as bound", free)
	}
	if _, ok := procBound("udp", free); ok {
		// Looking at /proc leaves the port free for the peer.
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: free})
		if err != nil {
			t.Fatalf("port %d no longer free after waitBound: %v", free, err)
		}
		c.Close()
	}
}
