package benchkit

import (
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// uasHelperEnv makes the test binary a listening helper process
// (TestUASHelper) instead of running tests.
const uasHelperEnv = "BENCHKIT_UAS_HELPER"

// TestUASHelper is the process TestStartUAS starts: it listens on
// 127.0.0.1 at the network and port its argument names ("udp:PORT" or
// "tcp:PORT") until it is killed.
func TestUASHelper(t *testing.T) {
	if os.Getenv(uasHelperEnv) == "" || flag.NArg() != 1 {
		t.Skip("helper process for TestStartUAS")
	}
	network, port, _ := strings.Cut(flag.Arg(0), ":")
	addr := "127.0.0.1:" + port
	if network == "tcp" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
	} else {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	time.Sleep(30 * time.Second)
}

func TestStartUAS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts bound sockets in /proc: Linux only")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tcp := range []bool{false, true} {
		network := map[bool]string{false: "udp", true: "tcp"}[tcp]
		t.Run(network, func(t *testing.T) {
			ctx := context.Background()
			failed := 0
			t.Setenv(uasHelperEnv, "1")
			p, port, err := StartUAS(ctx, tcp, 1, func(port int) (*Proc, error) {
				return Start(ctx, time.Minute, t.TempDir(), exe, "-test.run=^TestUASHelper$", "--", network+":"+strconv.Itoa(port))
			}, func() { failed++ })
			if err != nil {
				t.Fatal(err)
			}
			defer p.Kill()
			bound := BoundSockets(port)
			if tcp {
				bound = ListeningTCP(port)
			}
			if p.Exited() || bound != 1 || failed != 0 {
				t.Errorf("exited %v, %d sockets bound to %d, %d failed tries; want a running UAS with 1 socket",
					p.Exited(), bound, port, failed)
			}
		})
	}
}

func TestStartUASFails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts bound sockets in /proc: Linux only")
	}
	ctx := context.Background()
	failed, ports := 0, map[int]bool{}
	_, _, err := StartUAS(ctx, false, 1, func(port int) (*Proc, error) {
		ports[port] = true
		return Start(ctx, time.Minute, t.TempDir(), "/bin/sh", "-c", "echo no socket here; exit 3")
	}, func() { failed++ })
	if err == nil || !strings.Contains(err.Error(), "sh uas on 127.0.0.1:") ||
		!strings.Contains(err.Error(), "did not bind 1 socket(s) (exit 3): no socket here") {
		t.Fatalf("got %v", err)
	}
	if failed != uasTries || len(ports) < 1 {
		t.Errorf("%d failed tries on %d ports, want %d tries", failed, len(ports), uasTries)
	}

	errStart := errors.New("cannot start")
	calls := 0
	if _, _, err := StartUAS(ctx, false, 1, func(int) (*Proc, error) { calls++; return nil, errStart }, nil); err != errStart || calls != 1 {
		t.Errorf("start failing: %v after %d calls, want its error at once", err, calls)
	}
}
