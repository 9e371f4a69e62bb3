// Package testpeer starts real peers for tests: the gossip binary built
// from this tree, the real sipp, and free loopback ports for them. Every
// process runs under a timeout and is killed when its test ends.
//
// A missing prerequisite (no sipp on PATH) skips the test on a developer's
// machine but fails it in CI (CI=true), where it is a broken setup.
package testpeer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// InCI reports whether the tests run in CI, where skipping is failing.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require skips (or, in CI, fails) the test with reason.
func Require(t testing.TB, ok bool, reason string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("prerequisite missing in CI: %s", reason)
	}
	t.Skipf("skipped: %s", reason)
}

// SIPp returns the path of the real sipp binary.
func SIPp(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("sipp")
	Require(t, err == nil, "sipp is not installed (apt-get install sip-tester)")
	return path
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Gossip builds ./cmd/gossip once per test binary and returns its path.
func Gossip(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "gossip-test-bin")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "gossip")
		cmd := exec.Command("go", "build", "-o", buildPath, "./cmd/gossip")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
// With consecutive > 1 it finds a run of that many free ports.
func FreeUDPPort(t testing.TB, consecutive int) int {
	t.Helper()
	for try := 0; try < 200; try++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		ok := true
		for k := 1; k < consecutive; k++ {
			c2, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port + k})
			if err != nil {
				ok = false
				break
			}
			c2.Close()
		}
		if ok && port+consecutive < 65535 {
			return port
		}
	}
	t.Fatal("no free UDP ports")
	return 0
}

// Proc is a started peer process.
type Proc struct {
	Name string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error
}

// Start runs name with args in dir (a fresh temp dir when dir is ""),
// killed after timeout or when the test ends.
func Start(t testing.TB, timeout time.Duration, dir, name string, args ...string) *Proc {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &Proc{Name: filepath.Base(name), done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, name, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = &syncWriter{w: &p.out}
	p.cmd.Stderr = p.cmd.Stdout
	p.cmd.Stdin = nil
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		cancel()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s %s output:\n%s", p.Name, strings.Join(args, " "), p.Output())
		}
	})
	return p
}

// Wait waits for the process and returns its exit status (-1 when it was
// killed by a signal or its timeout).
func (p *Proc) Wait() int {
	<-p.done
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		return -1
	}
	return 0
}

// Pid is the process's id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Output returns what the process printed so far.
func (p *Proc) Output() string {
	w := p.cmd.Stdout.(*syncWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return p.out.String()
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// WaitUDPBound waits until something is bound to 127.0.0.1:port (UDP).
func WaitUDPBound(t testing.TB, port int, timeout time.Duration) {
	t.Helper()
	if !waitBound("udp", port, timeout) {
		t.Fatalf("nothing bound UDP port %d within %s", port, timeout)
	}
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitTCPBound waits until something listens on 127.0.0.1:port (TCP),
// without connecting to it (a connection may mean something to the peer,
// as to a 3PCC twin).
func WaitTCPBound(t testing.TB, port int, timeout time.Duration) {
	t.Helper()
	if !waitBound("tcp", port, timeout) {
		t.Fatalf("nothing listens on TCP port %d within %s", port, timeout)
	}
}

// waitBound waits until a socket of proto ("udp" or "tcp", listening) is
// bound to 127.0.0.1:port. On Linux it reads /proc/net and leaves the port
// alone: a probe that binds the port itself could take it from the peer
// starting at that moment, which then fails with "address in use".
// Elsewhere it probes by binding.
func waitBound(proto string, port int, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if bound, ok := procBound(proto, port); ok {
			if bound {
				return true
			}
			continue
		}
		if probeBound(proto, port) {
			return true
		}
	}
	return false
}

// probeBound reports whether binding 127.0.0.1:port fails, i.e. whether
// something holds it.
func probeBound(proto string, port int) bool {
	if proto == "udp" {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			return true
		}
		c.Close()
		return false
	}
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return true
	}
	ln.Close()
	return false
}
