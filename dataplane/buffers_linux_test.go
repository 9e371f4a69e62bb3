package dataplane

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"golang.org/x/sys/unix"
)

// TestBuffersPastRmemMax: a root process gets the buffer sizes it asks
// for even above net.core.rmem_max and wmem_max, on both backends.
func TestBuffersPastRmemMax(t *testing.T) {
	testpeer.Require(t, os.Geteuid() == 0, "SO_RCVBUFFORCE needs CAP_NET_ADMIN (run as root)")
	limit := 0
	for _, f := range []string{"/proc/sys/net/core/rmem_max", "/proc/sys/net/core/wmem_max"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		limit = max(limit, n)
	}
	want := limit + 1<<20
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, err := Open(Config{Backend: backend, Local: loopback, BufferSize: want})
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		rcv, snd, err := bufferSizes(ep.(syscall.Conn))
		if err != nil {
			t.Fatal(err)
		}
		// The kernel reports twice the size set (its bookkeeping).
		if rcv != 2*want || snd != 2*want {
			t.Errorf("SO_RCVBUF %d, SO_SNDBUF %d; want %d each (asked %d, caps %d)", rcv, snd, 2*want, want, limit)
		}
	})
}

// bufferSizes reads a socket's receive and send buffer sizes as the kernel
// reports them (twice what was set: it counts its own overhead).
func bufferSizes(c syscall.Conn) (rcv, snd int, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var gerr error
	err = rc.Control(func(fd uintptr) {
		if rcv, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF); gerr == nil {
			snd, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
		}
	})
	if err == nil {
		err = gerr
	}
	return rcv, snd, err
}
