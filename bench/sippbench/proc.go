package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// proc is a started sipp or gossip process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	out    *tailBuffer
	done   chan struct{}
	err    error
	start  time.Time
	end    time.Time
	cancel context.CancelFunc
}

// startProc runs bin with args in dir; it is killed after timeout or when
// ctx ends. Its output is kept in a bounded buffer.
func startProc(ctx context.Context, timeout time.Duration, dir, bin string, args ...string) (*proc, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	p := &proc{name: filepath.Base(bin), out: &tailBuffer{max: 8 << 10}, done: make(chan struct{}), cancel: cancel}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.WaitDelay = 2 * time.Second
	setDeathSignal(p.cmd)
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.end = time.Now()
		cancel()
		close(p.done)
	}()
	return p, nil
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits up to d for the process to end and reports whether it did.
func (p *proc) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// interrupt stops the process the way a user at the terminal would: SIGINT
// (gossip stops new calls and drains, SIPp ends at once), a second SIGINT
// after a moment (gossip aborts the calls still running), and SIGKILL if it
// is still there after grace.
func (p *proc) interrupt(grace time.Duration) {
	for i := 0; i < 2 && !p.exited(); i++ {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		if p.waitFor(300 * time.Millisecond) {
			return
		}
	}
	if !p.waitFor(grace) {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill ends the process at once (used when the harness itself fails).
func (p *proc) kill() {
	if !p.exited() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// exitCode is the exit status, or -1 when a signal ended the process.
func (p *proc) exitCode() int {
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

// usage returns the CPU time and peak RSS of the ended process.
func (p *proc) usage() (user, sys time.Duration, maxRSSKiB int64) {
	<-p.done
	st := p.cmd.ProcessState
	if st == nil {
		return 0, 0, 0
	}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		maxRSSKiB = int64(ru.Maxrss) // kilobytes on Linux
	}
	return st.UserTime(), st.SystemTime(), maxRSSKiB
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// saveOutput writes what the process printed to file (best effort: the
// work directory is for a human who passed -keep).
func (p *proc) saveOutput(file string) {
	_ = os.WriteFile(file, []byte(p.out.String()), 0o644)
}
