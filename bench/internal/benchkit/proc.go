package benchkit

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

// outputTail is how much of a process's output a Proc keeps: enough for
// gossip's final summary after a long run's progress lines.
const outputTail = 64 << 10

// Proc is a started sipp or gossip process.
type Proc struct {
	// Name is the binary's base name.
	Name string
	// Started is when the process was started; Ended is when it was
	// reaped (zero until then).
	Started, Ended time.Time

	cmd    *exec.Cmd
	gate   *os.File // StartGated: the write end of the pipe the process waits on
	out    *TailBuffer
	done   chan struct{}
	err    error
	cancel context.CancelFunc
}

// Start runs bin with args in dir; it is killed after timeout or when ctx
// ends, and by the kernel if the harness dies (on Linux). Its standard
// output and error are kept together in a bounded buffer.
func Start(ctx context.Context, timeout time.Duration, dir, bin string, args ...string) (*Proc, error) {
	return start(ctx, timeout, dir, bin, args, false)
}

// StartGated is Start for a process that must not begin before the caller
// is ready for it, for instance before a profiler has attached to it: the
// process is a shell waiting on a pipe, which execs bin (same process, same
// PID) once Release is called. Every thread bin makes is then born under
// whatever watches the PID.
func StartGated(ctx context.Context, timeout time.Duration, dir, bin string, args ...string) (*Proc, error) {
	return start(ctx, timeout, dir, bin, args, true)
}

// Release lets a process started with StartGated go on, and restarts its
// Started clock. It does nothing for other processes.
func (p *Proc) Release() {
	if p.gate == nil {
		return
	}
	p.Started = time.Now()
	_, _ = p.gate.Write([]byte("go\n"))
	_ = p.gate.Close()
	p.gate = nil
}

func start(ctx context.Context, timeout time.Duration, dir, bin string, args []string, gated bool) (*Proc, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	p := &Proc{Name: filepath.Base(bin), out: &TailBuffer{Max: outputTail}, done: make(chan struct{}), cancel: cancel}
	var gateR *os.File
	if gated {
		r, w, err := os.Pipe()
		if err != nil {
			cancel()
			return nil, fmt.Errorf("start %s: gate: %w", bin, err)
		}
		gateR, p.gate = r, w
		// The shell reads one line from descriptor 3, closes it and
		// becomes bin; $0 is bin, "$@" its arguments.
		args = append([]string{"-c", `read -r _ <&3; exec 3<&-; exec "$0" "$@"`, bin}, args...)
		bin = "/bin/sh"
	}
	p.cmd = exec.CommandContext(ctx, bin, args...)
	if gateR != nil {
		p.cmd.ExtraFiles = []*os.File{gateR}
	}
	p.cmd.Dir = dir
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.WaitDelay = 2 * time.Second
	setDeathSignal(p.cmd)
	p.Started = time.Now()
	err := p.cmd.Start()
	if gateR != nil {
		_ = gateR.Close() // the child has its own copy
	}
	if err != nil {
		cancel()
		if p.gate != nil {
			_ = p.gate.Close()
		}
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.Ended = time.Now()
		cancel()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Done is closed once the process has ended and been reaped.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitFor waits up to d for the process to end and reports whether it did.
func (p *Proc) WaitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
		return true
	case <-t.C:
		return false
	}
}

// Interrupt stops the process the way a user at the terminal would: SIGINT
// (gossip stops new calls and drains, SIPp ends at once), a second SIGINT
// after a moment (gossip aborts the calls still running), and SIGKILL if it
// is still there after grace.
func (p *Proc) Interrupt(grace time.Duration) {
	for i := 0; i < 2 && !p.Exited(); i++ {
		_ = p.cmd.Process.Signal(syscall.SIGINT)
		if p.WaitFor(300 * time.Millisecond) {
			return
		}
	}
	if !p.WaitFor(grace) {
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the process at once (used when the harness itself fails) and
// waits until it is reaped.
func (p *Proc) Kill() {
	p.Release()
	if !p.Exited() {
		_ = p.cmd.Process.Kill()
	}
	<-p.done
}

// ExitCode waits for the process and returns its exit status, or -1 when a
// signal ended it.
func (p *Proc) ExitCode() int {
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

// Usage waits for the process and returns its CPU time and peak RSS.
func (p *Proc) Usage() (user, sys time.Duration, maxRSSKiB int64) {
	<-p.done
	st := p.cmd.ProcessState
	if st == nil {
		return 0, 0, 0
	}
	return st.UserTime(), st.SystemTime(), maxRSS(st.SysUsage())
}

// Output returns the tail of what the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// SaveOutput writes what the process printed to file (best effort: the
// work directory is for a human who asked to keep it).
func (p *Proc) SaveOutput(file string) {
	_ = os.WriteFile(file, []byte(p.out.String()), 0o644)
}

// TailBuffer is an io.Writer that keeps the last Max bytes written to it;
// it is safe for concurrent use.
type TailBuffer struct {
	// Max is how many bytes are kept.
	Max int

	mu  sync.Mutex
	buf []byte
}

// Write appends b, dropping the oldest bytes beyond Max.
func (t *TailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.Max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

// String returns the bytes kept.
func (t *TailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
