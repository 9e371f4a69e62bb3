package benchkit

import (
	"context"
	"errors"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// cpuHelperEnv makes the test binary a busy helper process
// (TestCPUSplitHelper) instead of running tests; its value is the file
// whose creation tells the helper to start working.
const cpuHelperEnv = "BENCHKIT_CPU_SPLIT_HELPER"

// TestCPUSplitHelper is the process TestCPUSplitPerf measures: it
// alternates user-space arithmetic and system calls on two goroutines for
// half a second.
func TestCPUSplitHelper(t *testing.T) {
	if os.Getenv(cpuHelperEnv) == "" {
		t.Skip("helper process for TestCPUSplitPerf")
	}
	end := time.Now().Add(500 * time.Millisecond)
	done := make(chan uint64)
	for range 2 {
		go func() {
			var x uint64
			for time.Now().Before(end) {
				for i := range 20000 {
					x = x*6364136223846793005 + uint64(i)
				}
				for range 20 {
					_ = syscall.Getppid()
				}
			}
			done <- x
		}()
	}
	<-done
	<-done
}

func TestCPUSplitPerf(t *testing.T) {
	if runtime.GOOS != "linux" {
		testpeer.Require(t, false, "perf sampling is Linux-only")
	}
	ctx := context.Background()
	sp, err := NewCPUSplitter(ctx, SplitPerf, t.TempDir())
	if errors.Is(err, ErrPerfUnusable) {
		testpeer.Require(t, false, err.Error())
	}
	if err != nil {
		t.Fatal(err)
	}
	if sp.Method != SplitPerf || sp.PerfVersion == "" {
		t.Fatalf("splitter %+v, want perf with its version", sp)
	}
	t.Setenv(cpuHelperEnv, "1")
	// Gated: the test binary starts only once perf is attached, so every
	// thread it makes is born under perf (a thread the Go runtime started
	// while perf read the task list would escape it).
	p, err := StartGated(ctx, time.Minute, t.TempDir(), os.Args[0], "-test.run=^TestCPUSplitHelper$")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	sampler := sp.Attach(ctx, p)
	p.Release()
	s := sampler.Split(ctx)
	if code := p.ExitCode(); code != 0 {
		t.Fatalf("helper exit %d: %s", code, p.Output())
	}
	user, sys, _ := p.Usage()
	t.Logf("perf %s: user %s sys %s (getrusage: %s, %s); samples u %d k %d, coverage %.2f",
		sp.PerfVersion, s.User, s.Sys, user, sys, s.UserSamples, s.KernelSamples, s.Coverage())
	if s.Method != SplitPerf || s.Fallback != "" {
		t.Fatalf("method %s, fallback %q; want perf", s.Method, s.Fallback)
	}
	if s.UserSamples <= 0 || s.KernelSamples <= 0 || s.User <= 0 || s.Sys <= 0 {
		t.Fatalf("split %+v: want user and kernel samples and time", s)
	}
	if s.Total() != user+sys {
		t.Fatalf("user+sys %s, want getrusage's total %s", s.Total(), user+sys)
	}
	// Both goroutines' threads are sampled for nearly all their running
	// time: the samples must account for most of the total (perf misses
	// the start-up before it attached; one thread missed would be 0.5).
	if c := s.Coverage(); c < 0.65 || c > 1.5 {
		t.Fatalf("samples cover %.2f of the CPU time, want about 1", c)
	}

	// A process perf cannot attach to (it has ended) gets getrusage's
	// split and the reason.
	gone, err := Start(ctx, time.Minute, t.TempDir(), "/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	gone.Kill()
	s = sp.Attach(ctx, gone).Split(ctx)
	user, sys, _ = gone.Usage()
	if s.Method != SplitRusage || s.Fallback == "" || s.User != user || s.Sys != sys {
		t.Fatalf("split of an ended process %+v: want getrusage's with a reason", s)
	}
	t.Logf("ended process: %s", s.Fallback)
}

func TestCPUSplitWithoutPerf(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ctx := context.Background()
	sp, err := NewCPUSplitter(ctx, SplitAuto, t.TempDir())
	if err != nil || sp.Method != SplitRusage || sp.Reason == "" {
		t.Fatalf("auto without perf: %+v, %v; want rusage with a reason", sp, err)
	}
	if _, err := NewCPUSplitter(ctx, SplitPerf, t.TempDir()); !errors.Is(err, ErrPerfUnusable) {
		t.Fatalf("perf without perf: %v, want ErrPerfUnusable", err)
	}
}

func TestCPUSplitRusage(t *testing.T) {
	ctx := context.Background()
	sp, err := NewCPUSplitter(ctx, SplitRusage, t.TempDir())
	if err != nil || sp.Method != SplitRusage {
		t.Fatalf("splitter %+v, %v", sp, err)
	}
	p, err := Start(ctx, time.Minute, t.TempDir(), "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done")
	if err != nil {
		t.Fatal(err)
	}
	s := sp.Attach(ctx, p).Split(ctx)
	user, sys, _ := p.Usage()
	if s.Method != SplitRusage || s.User != user || s.Sys != sys || s.Samples() != 0 || s.Fallback != "" {
		t.Fatalf("split %+v, want getrusage's %s + %s", s, user, sys)
	}
	if _, err := NewCPUSplitter(ctx, "ticks", t.TempDir()); err == nil {
		t.Fatal("method ticks accepted")
	}
}

func TestSplitByShare(t *testing.T) {
	cases := []struct {
		total     time.Duration
		u, k      int
		user, sys time.Duration
		ok        bool
	}{
		{time.Second, 3, 1, 750 * time.Millisecond, 250 * time.Millisecond, true},
		{time.Second, 0, 5, 0, time.Second, true},
		{time.Second, 5, 0, time.Second, 0, true},
		{999 * time.Microsecond, 1, 2, 333 * time.Microsecond, 666 * time.Microsecond, true},
		{time.Second, 0, 0, 0, 0, false},
	}
	for _, tc := range cases {
		user, sys, ok := SplitByShare(tc.total, tc.u, tc.k)
		if user != tc.user || sys != tc.sys || ok != tc.ok {
			t.Errorf("SplitByShare(%s, %d, %d) = %s, %s, %v; want %s, %s, %v", tc.total, tc.u, tc.k, user, sys, ok, tc.user, tc.sys, tc.ok)
		}
	}
}

func TestCountPerfEvents(t *testing.T) {
	u, k, err := CountPerfEvents([]byte("     cpu-clock:u: \n     cpu-clock:k: \ncpu-clock:u:\n\n"))
	if err != nil || u != 2 || k != 1 {
		t.Fatalf("got %d, %d, %v; want 2, 1", u, k, err)
	}
	if _, _, err := CountPerfEvents([]byte("cpu-clock:u:\ncycles:\n")); err == nil {
		t.Fatal("an unknown event line was counted")
	}
}
