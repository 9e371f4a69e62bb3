package testpeer

import (
	"net"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testcert"
)

// Certs are the certificates TLSCerts writes (see testcert.Certs).
type Certs = testcert.Certs

// TLSCerts writes a CA and a leaf certificate signed by it in dir, named
// name+"-ca.pem", name+".pem" and name+"-key.pem" (testcert.Write).
func TLSCerts(t testing.TB, dir, name string) *Certs {
	t.Helper()
	c, err := testcert.Write(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitTCPListening waits until something accepts TCP connections on addr.
func WaitTCPListening(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on TCP %s within %s", addr, timeout)
}

// HasIPv6Loopback reports whether ::1 can be bound.
func HasIPv6Loopback() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// WaitUDPBoundOn waits until something is bound to ip:port (UDP).
func WaitUDPBoundOn(t testing.TB, ip string, port int, timeout time.Duration) {
	t.Helper()
	addr := &net.UDPAddr{IP: net.ParseIP(ip), Port: port}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := net.ListenUDP("udp", addr)
		if err != nil {
			return // in use: the peer is up
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing bound UDP %s within %s", addr, timeout)
}
