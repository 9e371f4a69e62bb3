package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// runner runs probes: one UAS and one UAC process against each other.
type runner struct {
	opt  options
	work string
	logf func(format string, a ...any)
	seq  int
}

// sideResult is what one process of a probe did.
type sideResult struct {
	Exit      int
	Stats     benchkit.CallStats
	StatsErr  string        // why the statistics file could not be read
	User, Sys time.Duration // CPU time; the split is Split's
	// Split says how User and Sys were divided (CPU runs: perf samples
	// when usable; search probes: getrusage).
	Split benchkit.CPUSplit
	// RUser and RSys are getrusage's own split, for comparison.
	RUser, RSys time.Duration
	MaxRSSKiB   int64
	Drops       uint64 // kernel receive drops seen on this process's sockets
	Output      string // tail of what it printed, kept for failures
}

// probeResult is one run of a pair at one rate.
type probeResult struct {
	Rate     int
	Calls    int
	Duration time.Duration
	UAC, UAS sideResult
	// Kernel counter deltas across the probe (whole network namespace).
	RcvbufErrors, InErrors uint64
	Wall                   time.Duration // UAC start to exit
	Unfinished             bool          // the UAC was stopped at the deadline
	AbortedOnDrops         bool          // the UAC was stopped early: its or the UAS's sockets dropped datagrams
	Attempts               int           // runs, counting retries for drops elsewhere on the machine
	Stream                 bool          // TCP or TLS: the kernel's UDP drop counters are other programs'
	Problems               []string      // why it failed; empty when it passed
}

// OK reports whether the probe passed: every call successful on both
// sides and no kernel receive drops.
func (p probeResult) OK() bool { return len(p.Problems) == 0 }

// onlyForeignDrops reports whether the probe failed only because the
// namespace-wide drop counters moved while nothing points at this probe:
// no drops on its sockets and no retransmission on either side.
func (p probeResult) onlyForeignDrops() bool {
	return len(p.Problems) == 1 && (p.RcvbufErrors > 0 || p.InErrors > 0) &&
		p.UAC.Drops == 0 && p.UAS.Drops == 0 &&
		p.UAC.Stats.Retransmissions == 0 && p.UAS.Stats.Retransmissions == 0
}

// foreignRetries is how many times a probe is repeated when it failed only
// on drops that other programs caused.
const foreignRetries = 2

// probe runs pair p at rate for d, repeating it when only other programs'
// drops failed it. With split, both processes' user/system split comes from
// its samplers; without, from getrusage. An error means the harness could
// not run it at all.
func (r *runner) probe(ctx context.Context, p pair, rate int, d time.Duration, abortOnDrops bool, split *benchkit.CPUSplitter) (probeResult, error) {
	var res probeResult
	for attempt := 1; ; attempt++ {
		var err error
		res, err = r.probeOnce(ctx, p, rate, d, abortOnDrops, split)
		if err != nil {
			return res, err
		}
		res.Attempts = attempt
		r.logf("[%s] %s", p.id, res.summary())
		if !res.onlyForeignDrops() || attempt > foreignRetries {
			return res, nil
		}
		r.logf("[%s] the drops were not on this probe's sockets and nothing was retransmitted: another program's; repeating", p.id)
	}
}

// probeOnce starts the UAS, waits until it is bound, runs the UAC with
// -m rate×d, stops the UAS (SIGINT) once the UAC is done, and judges the
// result.
func (r *runner) probeOnce(ctx context.Context, p pair, rate int, d time.Duration, abortOnDrops bool, split *benchkit.CPUSplitter) (probeResult, error) {
	calls := max(int(math.Round(float64(rate)*d.Seconds())), 1)
	res := probeResult{Rate: rate, Calls: calls, Duration: d, Stream: r.opt.transport != "u1"}
	r.seq++
	dir := filepath.Join(r.work, fmt.Sprintf("%03d-%s-%d", r.seq, p.id, rate))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, fmt.Errorf("probe directory: %w", err)
	}
	// Every process is bounded: far past the deadline below, it is killed.
	hardTimeout := 3*d + 60*time.Second

	if split == nil {
		// The search probes need no split: getrusage's will do.
		split = &benchkit.CPUSplitter{Method: benchkit.SplitRusage}
	}
	uas, uasCPU, port, err := r.startUAS(ctx, p.uas, dir, hardTimeout, split)
	if err != nil {
		return res, err
	}
	defer uas.Kill()
	uacPort, err := benchkit.FreeUDPPort()
	if err != nil {
		return res, err
	}
	before, err := benchkit.ReadSNMP()
	if err != nil {
		return res, fmt.Errorf("kernel UDP counters: %w", err)
	}
	mon := newDropMonitor()
	// With perf, the UAC waits until perf is attached (as the UAS did): a
	// thread it made while perf scanned its threads would go unsampled.
	startUAC := benchkit.Start
	if split.Method == benchkit.SplitPerf {
		startUAC = benchkit.StartGated
	}
	uac, err := startUAC(ctx, hardTimeout, dir, r.opt.bins.Path(p.uac.kind),
		r.sideArgs(p.uac, "uac", port, uacPort, rate, calls, "uac.csv")...)
	if err != nil {
		return res, err
	}
	defer uac.Kill()
	uacCPU := split.Attach(ctx, uac)
	uac.Release()
	procs := map[string]*benchkit.Proc{"uac": uac, "uas": uas}

	// The last call is due at d; allow a little for start-up and the last
	// call's messages. A UAC later than that did not sustain the rate (or
	// waits on retransmissions): stop it.
	deadline := uac.Started.Add(d + max(500*time.Millisecond, d/10))
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case <-uac.Done():
			break wait
		case <-ctx.Done():
			return res, ctx.Err()
		case now := <-tick.C:
			mon.sample(procs)
			if abortOnDrops && (mon.drops("uac") > 0 || mon.drops("uas") > 0) {
				res.AbortedOnDrops = true
				uac.Interrupt(3 * time.Second)
				break wait
			}
			if now.After(deadline) {
				res.Unfinished = true
				uac.Interrupt(3 * time.Second)
				break wait
			}
		}
	}
	res.Wall = uac.Ended.Sub(uac.Started)
	// Let the UAS take in the last messages, then stop it: it would
	// otherwise wait out its scenario's final timewait.
	time.Sleep(100 * time.Millisecond)
	mon.sample(procs)
	uas.Interrupt(5 * time.Second)
	after, err := benchkit.ReadSNMP()
	if err != nil {
		return res, fmt.Errorf("kernel UDP counters: %w", err)
	}
	res.RcvbufErrors = after.RcvbufErrors - before.RcvbufErrors
	res.InErrors = after.InErrors - before.InErrors

	res.UAC = collect(ctx, uac, uacCPU, filepath.Join(dir, "uac.csv"), mon.drops("uac"))
	res.UAS = collect(ctx, uas, uasCPU, filepath.Join(dir, "uas.csv"), mon.drops("uas"))
	if r.opt.keep {
		uac.SaveOutput(filepath.Join(dir, "uac.out"))
		uas.SaveOutput(filepath.Join(dir, "uas.out"))
	}
	res.Problems = judge(res)
	return res, nil
}

// startUAS starts the UAS on a free port and waits until all its sockets
// are bound; it tries a few ports, as another program may take the one
// found free.
//
// With perf, the UAS waits until perf is attached before it starts, like
// the UAC: attached to a running gossip, perf missed the threads the Go
// runtime made meanwhile, and a CPU run's UAS showed 3% sample coverage.
func (r *runner) startUAS(ctx context.Context, s impl, dir string, timeout time.Duration, split *benchkit.CPUSplitter) (*benchkit.Proc, *benchkit.CPUSampler, int, error) {
	want := 1
	if s.kind == benchkit.KindGossip {
		want = s.threads // one SO_REUSEPORT socket per shard
	}
	start := benchkit.Start
	if split.Method == benchkit.SplitPerf {
		start = benchkit.StartGated
	}
	var cpu *benchkit.CPUSampler
	p, port, err := benchkit.StartUAS(ctx, r.opt.transport != "u1", want, func(port int) (*benchkit.Proc, error) {
		p, err := start(ctx, timeout, dir, r.opt.bins.Path(s.kind), r.sideArgs(s, "uas", port, 0, 0, 0, "uas.csv")...)
		if err != nil {
			return nil, err
		}
		cpu = split.Attach(ctx, p)
		p.Release()
		return p, nil
	}, func() {
		_ = cpu.Split(ctx) // reaps its perf record
	})
	if err != nil {
		return nil, nil, 0, err
	}
	return p, cpu, port, nil
}

// collect gathers one ended process's statistics and resource usage.
func collect(ctx context.Context, p *benchkit.Proc, cpu *benchkit.CPUSampler, statFile string, drops uint64) sideResult {
	s := sideResult{Exit: p.ExitCode(), Drops: drops}
	s.RUser, s.RSys, s.MaxRSSKiB = p.Usage()
	s.Split = cpu.Split(ctx)
	s.User, s.Sys = s.Split.User, s.Split.Sys
	st, err := benchkit.ReadStatFile(statFile)
	if err != nil {
		s.StatsErr = err.Error()
	}
	s.Stats = st
	s.Output = p.Output()
	return s
}

// judge lists why a probe failed: the UAC did not end by itself with
// status 0, not every call succeeded on the UAC, the UAS did not see every
// call or failed one, or the kernel dropped datagrams. Retransmissions
// alone do not fail a probe; they are reported.
func judge(p probeResult) []string {
	var out []string
	if p.Unfinished {
		out = append(out, fmt.Sprintf("uac not done %s after start (last call due at %s): stopped",
			p.Wall.Round(10*time.Millisecond), p.Duration))
	}
	if p.AbortedOnDrops {
		out = append(out, "stopped early: kernel dropped datagrams on the probe's sockets")
	}
	out = append(out, sideProblems("uac", p.UAC, p.UAC.Stats.Successful == p.Calls,
		fmt.Sprintf("%d/%d calls successful", p.UAC.Stats.Successful, p.Calls))...)
	out = append(out, sideProblems("uas", p.UAS, p.UAS.Stats.Incoming == p.Calls,
		fmt.Sprintf("saw %d/%d calls", p.UAS.Stats.Incoming, p.Calls))...)
	if !p.Stream && (p.RcvbufErrors > 0 || p.InErrors > 0 || p.UAC.Drops > 0 || p.UAS.Drops > 0) {
		out = append(out, fmt.Sprintf("kernel receive drops: RcvbufErrors +%d, InErrors +%d (on uac sockets %d, on uas sockets %d)",
			p.RcvbufErrors, p.InErrors, p.UAC.Drops, p.UAS.Drops))
	}
	return out
}

// sideProblems lists why one side of a probe failed: it did not exit with
// status 0 (with the last line it printed), or its statistics are missing,
// or it failed calls or did not count them all (complete is false; tally
// says what it counted, such as "999/1000 calls successful").
func sideProblems(role string, s sideResult, complete bool, tally string) []string {
	var out []string
	if s.Exit != 0 {
		hint := ""
		if l := benchkit.LastLines(s.Output, 1); l != "" {
			hint = ": " + l
		}
		out = append(out, fmt.Sprintf("%s exit %d%s", role, s.Exit, hint))
	}
	if !s.Stats.Found {
		return append(out, role+" statistics: "+s.StatsErr)
	}
	if !complete || s.Stats.Failed != 0 {
		msg := fmt.Sprintf("%s %s, %d failed", role, tally, s.Stats.Failed)
		if c := s.Stats.Classes(); c != "" {
			msg += " (" + c + ")"
		}
		out = append(out, msg)
	}
	return out
}

// summary is the probe in one line, for the log and the search log.
func (p probeResult) summary() string {
	verdict := "ok"
	if !p.OK() {
		verdict = "FAIL: " + strings.Join(p.Problems, "; ")
	}
	return fmt.Sprintf("%d calls/s × %s: %s (retransmissions uac %d, uas %d; uac %s)",
		p.Rate, p.Duration, verdict, p.UAC.Stats.Retransmissions, p.UAS.Stats.Retransmissions,
		p.Wall.Round(10*time.Millisecond))
}
