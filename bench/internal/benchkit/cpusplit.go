package benchkit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The methods a CPUSplitter can use to divide a process's CPU time into
// user and system time.
const (
	// SplitAuto uses perf when it can attach, getrusage's split otherwise.
	SplitAuto = "auto"
	// SplitPerf samples the process with perf's cpu-clock software event,
	// once in user mode and once in kernel mode, and applies the user
	// share of the samples to getrusage's total.
	SplitPerf = "perf"
	// SplitRusage takes getrusage's own split (tick-based on most kernels).
	SplitRusage = "rusage"
)

// ErrPerfUnusable is returned when perf was asked for and cannot sample.
var ErrPerfUnusable = errors.New("perf cannot sample here")

// PerfSamplePeriod is the cpu-clock sampling period: one sample per 250 µs
// of the task's own running time (4,000 per CPU-second). The period runs on
// the task's clock, not the wall clock, so it does not lock onto a
// process's wake-up cycle the way the scheduler tick does.
const PerfSamplePeriod = 250 * time.Microsecond

// perfWait bounds how long perf record may take to notice that its target
// exited (and then to write its file after SIGINT) before it is stopped.
const perfWait = 3 * time.Second

// CPUSplit is a process's CPU time divided into user and system time.
type CPUSplit struct {
	// User and Sys add up to getrusage's total (utime + stime), which is
	// exact; only the split between them comes from Method.
	User, Sys time.Duration
	// Method is SplitPerf or SplitRusage: what gave the split.
	Method string
	// UserSamples and KernelSamples are perf's cpu-clock:u and
	// cpu-clock:k sample counts (zero with SplitRusage).
	UserSamples, KernelSamples int
	// Fallback says why the split is getrusage's although perf was
	// tried; "" when it was not tried or worked.
	Fallback string
}

// Total is the CPU time, user plus system.
func (s CPUSplit) Total() time.Duration { return s.User + s.Sys }

// Samples is the number of perf samples behind the split.
func (s CPUSplit) Samples() int { return s.UserSamples + s.KernelSamples }

// Coverage is the share of the total CPU time that perf's samples account
// for (samples × PerfSamplePeriod / total): near 1 when perf watched the
// process and all its threads for all its life; 0 without perf.
func (s CPUSplit) Coverage() float64 {
	if s.Method != SplitPerf || s.Total() <= 0 {
		return 0
	}
	return float64(time.Duration(s.Samples())*PerfSamplePeriod) / float64(s.Total())
}

// SplitByShare divides total into user and system time with user share
// u/(u+k) of the samples; ok is false when there are no samples.
func SplitByShare(total time.Duration, u, k int) (user, sys time.Duration, ok bool) {
	if u < 0 || k < 0 || u+k == 0 {
		return 0, 0, false
	}
	user = time.Duration(float64(total) * float64(u) / float64(u+k))
	return user, total - user, true
}

// CPUSplitter attaches CPU-split samplers to started processes with one
// method for a whole harness run.
type CPUSplitter struct {
	// Method is what the samplers use: SplitPerf or SplitRusage.
	Method string
	// PerfVersion is what perf --version printed (SplitPerf only).
	PerfVersion string
	// Reason says why Method is SplitRusage under SplitAuto; "" otherwise.
	Reason string

	perf string // perf binary
	dir  string // where perf writes its data files
	seq  atomic.Int64
}

// NewCPUSplitter returns a splitter for method (SplitAuto, SplitPerf or
// SplitRusage). With SplitAuto it tries perf once (a short perf record of
// a process of its own, in dir) and settles on SplitRusage, with the reason,
// when that fails; with SplitPerf that failure is an error wrapping
// ErrPerfUnusable.
func NewCPUSplitter(ctx context.Context, method, dir string) (*CPUSplitter, error) {
	s := &CPUSplitter{Method: SplitRusage, dir: dir}
	switch method {
	case SplitRusage:
		return s, nil
	case SplitAuto, SplitPerf:
	default:
		return nil, fmt.Errorf("cpu split method %q: want %s, %s or %s", method, SplitAuto, SplitPerf, SplitRusage)
	}
	version, bin, err := s.tryPerf(ctx)
	if err != nil {
		if method == SplitPerf {
			return nil, fmt.Errorf("%w: %w", ErrPerfUnusable, err)
		}
		s.Reason = err.Error()
		return s, nil
	}
	s.Method, s.PerfVersion, s.perf = SplitPerf, version, bin
	return s, nil
}

// tryPerf finds perf and checks that it can sample both events of a
// process of its own that makes system calls for a moment.
func (s *CPUSplitter) tryPerf(ctx context.Context) (version, bin string, err error) {
	if !perfSupported {
		return "", "", errors.New("perf sampling is Linux-only")
	}
	bin, err = exec.LookPath("perf")
	if err != nil {
		return "", "", fmt.Errorf("no perf binary on PATH (Debian: apt-get install linux-perf): %w", err)
	}
	version = strings.TrimSpace(VersionOutput(ctx, bin, "--version"))
	if !strings.HasPrefix(version, "perf version") {
		return "", "", fmt.Errorf("%s --version printed %q (no perf for this kernel?)", bin, LastLines(version, 1))
	}
	s.perf = bin
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// A shell that loops for a moment once perf is attached.
	p, err := StartGated(tctx, 15*time.Second, s.dir, "/bin/sh", "-c", "i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done")
	if err != nil {
		return "", "", fmt.Errorf("perf trial: %w", err)
	}
	defer p.Kill()
	sp, err := s.startPerf(tctx, p)
	p.Release()
	if err != nil {
		return "", "", err
	}
	u, k, err := sp.finish(tctx)
	if err != nil {
		return "", "", err
	}
	if u+k == 0 {
		return "", "", fmt.Errorf("perf trial: %s recorded no sample", bin)
	}
	return version, bin, nil
}

// CPUSampler measures one process's CPU split.
type CPUSampler struct {
	proc    *Proc
	perf    *perfRun // nil: getrusage's split
	attachE string   // why perf could not attach
}

// Attach starts measuring p's CPU split; call it right after p started (or
// became ready). With perf it waits (a second at most) until perf has
// opened its events. It never fails: a sampler that cannot use perf gives
// getrusage's split and says why.
func (s *CPUSplitter) Attach(ctx context.Context, p *Proc) *CPUSampler {
	c := &CPUSampler{proc: p}
	if s.Method != SplitPerf {
		return c
	}
	r, err := s.startPerf(ctx, p)
	if err != nil {
		c.attachE = err.Error()
		return c
	}
	c.perf = r
	return c
}

// Split waits for the process to end and returns its CPU time divided into
// user and system time.
func (c *CPUSampler) Split(ctx context.Context) CPUSplit {
	user, sys, _ := c.proc.Usage()
	rusage := CPUSplit{User: user, Sys: sys, Method: SplitRusage, Fallback: c.attachE}
	if c.perf == nil {
		return rusage
	}
	u, k, err := c.perf.finish(ctx)
	if err != nil {
		rusage.Fallback = err.Error()
		return rusage
	}
	pu, ps, ok := SplitByShare(user+sys, u, k)
	if !ok {
		rusage.Fallback = fmt.Sprintf("perf recorded no sample of %s (pid %d)", c.proc.Name, c.proc.PID())
		return rusage
	}
	return CPUSplit{User: pu, Sys: ps, Method: SplitPerf, UserSamples: u, KernelSamples: k}
}

// perfRun is one perf record attached to a process.
type perfRun struct {
	bin, file string
	target    *Proc
	rec       *Proc
}

// startPerf attaches perf record to p, writing to a new file in the
// splitter's directory, and waits until its events are open.
func (s *CPUSplitter) startPerf(ctx context.Context, p *Proc) (*perfRun, error) {
	file := filepath.Join(s.dir, fmt.Sprintf("perf-%d-%s-%d.data", s.seq.Add(1), p.Name, p.PID()))
	// -c gives one sample per PerfSamplePeriod of the task's running
	// time (the kernel turns -F 4000 into the same fixed period for
	// software clocks); -B -N skip the build-id pass, which this count
	// does not need.
	period := strconv.FormatInt(PerfSamplePeriod.Nanoseconds(), 10)
	rec, err := Start(ctx, 24*time.Hour, s.dir, s.perf, "record", "-q", "-B", "-N",
		"-e", "cpu-clock:u", "-e", "cpu-clock:k", "-c", period, "-p", strconv.Itoa(p.PID()), "-o", file)
	if err != nil {
		return nil, fmt.Errorf("perf record -p %d: %w", p.PID(), err)
	}
	r := &perfRun{bin: s.perf, file: file, target: p, rec: rec}
	deadline := time.Now().Add(time.Second)
	for !perfAttached(rec.PID()) && time.Now().Before(deadline) && !rec.Exited() && !p.Exited() {
		time.Sleep(5 * time.Millisecond)
	}
	// The first event open is not the last one, nor enabled yet: give
	// perf a moment to finish setting up.
	time.Sleep(50 * time.Millisecond)
	if rec.Exited() && !p.Exited() {
		err := fmt.Errorf("perf record -p %d (%s) exited %d at once%s", p.PID(), p.Name, rec.ExitCode(), said(rec))
		_ = os.Remove(file)
		return nil, err
	}
	return r, nil
}

// finish waits for the target to end and perf record to follow (stopping
// it with SIGINT if it does not notice), then counts the samples of each
// event in its file and removes the file.
func (r *perfRun) finish(ctx context.Context) (user, kernel int, err error) {
	defer os.Remove(r.file)
	<-r.target.Done()
	if !r.rec.WaitFor(perfWait) {
		_ = r.rec.cmd.Process.Signal(syscall.SIGINT)
		if !r.rec.WaitFor(perfWait) {
			r.rec.Kill()
			return 0, 0, fmt.Errorf("perf record -p %d did not end after its target and SIGINT", r.target.PID())
		}
	}
	if code := r.rec.ExitCode(); code != 0 && code != -1 {
		return 0, 0, fmt.Errorf("perf record -p %d exited %d%s", r.target.PID(), code, said(r.rec))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, r.bin, "script", "-i", r.file, "-F", "event")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("perf script -i %s: %w: %s", filepath.Base(r.file), err, LastLines(stderr.String(), 2))
	}
	return CountPerfEvents(out)
}

// CountPerfEvents counts the cpu-clock:u and cpu-clock:k lines that
// `perf script -F event` printed; any other non-empty line is an error
// (perf printed something this reader does not know).
func CountPerfEvents(out []byte) (user, kernel int, err error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		switch l := strings.TrimSpace(sc.Text()); l {
		case "":
		case "cpu-clock:u:":
			user++
		case "cpu-clock:k:":
			kernel++
		default:
			return user, kernel, fmt.Errorf("perf script: unexpected line %q", l)
		}
	}
	return user, kernel, sc.Err()
}

// said is ": " and the last lines p printed, or "" when it printed nothing
// (perf record -q is silent on most errors).
func said(p *Proc) string {
	if l := LastLines(p.Output(), 2); l != "" {
		return ": " + l
	}
	return ""
}
