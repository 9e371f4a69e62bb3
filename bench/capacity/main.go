// Command capacity measures what holding many concurrent calls costs:
// issue 5, "a million concurrent calls on one machine".
//
// For each pair of UAC and UAS (gossip → gossip, and with a smaller number
// of calls sipp → gossip and gossip → sipp, as SIPp needs about 3 KB per
// call per side) it runs the built-in uac and uas scenarios on 127.0.0.1:
// the UAC starts N calls at -rate calls/s (-m N -l N) with a call length
// (-d) of the ramp time plus a hold window, so every call is held at once
// for the window and then ends by itself with a BYE, in the order the
// calls started; both sides exit once every call has ended (-m N). It
// records for each process the RSS per held call (RSS at full hold minus
// RSS before the ramp, divided by N) and the CPU it uses per second while
// holding (utime+stime from /proc/PID/stat over a few seconds), for the
// UAC the response-time percentiles of the ramp (gossip's final summary;
// SIPp's -trace_stat has only the mean), and checks that every call
// succeeded and was released on both sides. A pair with a SIPp side that
// fails is run again with half the calls, down to 10,000, so the report
// shows what SIPp manages. A gossip → gossip run of
// -baseline-calls (10,000) at the same rate gives the response-time p99
// the big run is held against.
//
// Usage:
//
//	go run ./bench/capacity [flags]
//
// `make bench-capacity` runs the full mode (1,000,000 held calls, SIPp
// pairs at 200,000) and rewrites its section of bench/RESULTS.md; -short
// runs 100,000 calls (SIPp pairs 20,000) with a shorter hold, for CI.
// Run `go run ./bench/capacity -h` for the flags.
//
// The harness reads /proc, so it measures on Linux only.
package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// section is the name of this harness's section of bench/RESULTS.md.
const section = "capacity"

// options is the harness configuration, from the command line.
type options struct {
	// bins are -sipp, -gossip and -rev; run finds or builds what they
	// leave out.
	bins benchkit.Binaries

	short         bool          // smaller, quicker run for CI
	calls         int           // held calls of gossip → gossip
	sippCalls     int           // held calls of the pairs with a sipp side
	baselineCalls int           // held calls of the gossip → gossip baseline run; 0: none
	rate          int           // calls/s of every ramp
	hold          time.Duration // hold window: every call held at once
	cpuWindow     time.Duration // part of the hold window the CPU is measured over
	p99Margin     float64       // how much worse than the baseline's p99 the big run's may be
	pairs         []string      // pair ids to run, in run order
	threads       int           // -threads of gossip sides
	out           string        // results file whose section is rewritten; "" writes none
	timeout       time.Duration // bound on the whole run
	keep          bool          // keep the work directory (statistics files, outputs)
	command       string        // the command line, for the report
}

// sippFloor is the fewest calls a failing pair with a SIPp side is run
// again with (each retry halves them).
const sippFloor = 10_000

// Targets of issue 5.
const (
	targetBytesPerCall = 512  // RSS per held call of each gossip side, at most
	targetCPUShare     = 0.05 // CPU while holding, below this share of one core
)

// parseFlags reads the command line. Defaults depend on -short; flags given
// explicitly always win.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := benchkit.NewFlagSet("capacity", "Usage: go run ./bench/capacity [flags]\n\n"+
		"Ramps gossip and SIPp pairs to many held calls on loopback, measures RSS per held call\n"+
		"and CPU while holding, and prints the tables against issue 5's targets.\n\n", stderr)
	o.bins.Flags(fs)
	fs.BoolVar(&o.short, "short", false, "smaller, quicker run (100,000 calls, 8s hold), for CI; writes no file unless -out is given")
	fs.IntVar(&o.calls, "calls", 0, "held calls of gossip → gossip (default 1000000, -short 100000)")
	fs.IntVar(&o.sippCalls, "sipp-calls", 0, "held calls of the pairs with a sipp side, which needs about 3 KB per call per side (default 200000, -short 20000)")
	fs.IntVar(&o.baselineCalls, "baseline-calls", 10000, "held calls of the gossip → gossip run whose ramp p99 the big run is held against; 0 for none")
	fs.IntVar(&o.rate, "rate", 20000, "calls/s of every ramp (-r)")
	fs.DurationVar(&o.hold, "hold", 0, "hold window: how long every call is held at once (default 10s, -short 8s)")
	fs.DurationVar(&o.cpuWindow, "cpu-window", 0, "how long CPU time is measured while holding; at most -hold minus 3s (default 5s, -short 2s)")
	fs.Float64Var(&o.p99Margin, "p99-margin", 0.25, "the ramp p99 at -calls passes when it is at most this fraction worse than at -baseline-calls (0.25: 25%, room for noise)")
	pairs := benchkit.PairsFlag(fs, pairNames)
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "gossip -threads (shards) of the gossip sides")
	fs.StringVar(&o.out, "out", "", "results file whose capacity section is rewritten (default bench/RESULTS.md in the module, none with -short)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long (default 30m, -short 5m)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory with every run's statistics files and outputs")
	given, err := benchkit.Parse(fs, args)
	if err != nil {
		return o, err
	}
	pick := func(short, full int) int {
		if o.short {
			return short
		}
		return full
	}
	benchkit.Default(given, "calls", &o.calls, pick(100_000, 1_000_000))
	benchkit.Default(given, "sipp-calls", &o.sippCalls, pick(20_000, 200_000))
	benchkit.Default(given, "hold", &o.hold, time.Duration(pick(8, 10))*time.Second)
	benchkit.Default(given, "cpu-window", &o.cpuWindow, time.Duration(pick(2, 5))*time.Second)
	benchkit.Default(given, "timeout", &o.timeout, time.Duration(pick(5, 30))*time.Minute)
	switch {
	case o.calls < 1:
		return o, fmt.Errorf("-calls %d: want at least 1", o.calls)
	case o.sippCalls < 1:
		return o, fmt.Errorf("-sipp-calls %d: want at least 1", o.sippCalls)
	case o.baselineCalls < 0:
		return o, fmt.Errorf("-baseline-calls %d: want 0 (none) or more", o.baselineCalls)
	case o.rate < 1:
		return o, fmt.Errorf("-rate %d: want at least 1", o.rate)
	case o.cpuWindow < 500*time.Millisecond:
		return o, fmt.Errorf("-cpu-window %s: want at least 500ms (CPU time moves in 10 ms ticks)", o.cpuWindow)
	case o.hold < o.cpuWindow+settle+2*time.Second:
		return o, fmt.Errorf("-hold %s: want at least -cpu-window (%s) + 3s, to settle after the ramp and check the hold after the window", o.hold, o.cpuWindow)
	case o.p99Margin < 0:
		return o, fmt.Errorf("-p99-margin %g: want 0 or more", o.p99Margin)
	case o.threads < 1:
		return o, fmt.Errorf("-threads %d: want at least 1", o.threads)
	case o.timeout <= 0:
		return o, fmt.Errorf("-timeout %s: want more than 0", o.timeout)
	}
	if err := o.bins.Check(); err != nil {
		return o, err
	}
	if o.pairs, err = benchkit.ChoosePairs(*pairs, pairNames, nil); err != nil {
		return o, err
	}
	o.command = benchkit.CommandLine("go run ./bench/capacity", args)
	return o, nil
}

func main() { benchkit.Main("capacity", run) }

// run is the whole harness: it prints the report to stdout, progress to
// stderr, rewrites the capacity section of the -out file and returns the
// report. Targets that are missed are in the report, not errors.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (*report, error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	logf := benchkit.Logger(stderr, "capacity")

	work, cleanup, err := benchkit.WorkDir("capacity", o.keep, logf)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	need := benchkit.Need{Gossip: true, SIPpHint: "pass -sipp, or leave the sipp pairs out with -pairs gossip-gossip"}
	if !o.short {
		need.Results = "RESULTS.md"
	}
	for _, id := range o.pairs {
		need.SIPp = need.SIPp || pairByID(id).hasSIPp()
	}
	if err := o.bins.Prepare(ctx, work, &o.out, need, logf); err != nil {
		return nil, err
	}

	rep := &report{Options: o, Started: started}
	if rep.Machine, err = o.bins.Machine(ctx); err != nil {
		return nil, err
	}
	r := &runner{opt: o, work: work, logf: logf}
	for _, id := range o.pairs {
		p := pairByID(id)
		calls := o.calls
		if p.hasSIPp() {
			calls = o.sippCalls
		}
		if id == "gossip-gossip" && o.baselineCalls > 0 {
			h, err := r.run(ctx, p, o.baselineCalls, true)
			if err != nil {
				return nil, fmt.Errorf("%s, %d calls: %w", p.label, o.baselineCalls, err)
			}
			rep.Runs = append(rep.Runs, h)
		}
		h, err := r.run(ctx, p, calls, false)
		if err != nil {
			return nil, fmt.Errorf("%s, %d calls: %w", p.label, calls, err)
		}
		rep.Runs = append(rep.Runs, h)
		// Up to what SIPp manages: a pair with a SIPp side that fails is
		// run again with half the calls.
		for p.hasSIPp() && !h.OK() && calls/2 >= sippFloor {
			h.Superseded = true
			calls /= 2
			logf("[%s] failed; running it again with %s calls", h.label(), thousands(calls))
			if h, err = r.run(ctx, p, calls, false); err != nil {
				return nil, fmt.Errorf("%s, %d calls: %w", p.label, calls, err)
			}
			rep.Runs = append(rep.Runs, h)
		}
	}
	rep.Finished = time.Now()

	doc := renderMarkdown(rep)
	if _, err := io.WriteString(stdout, doc); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	if o.out != "" {
		if err := benchkit.WriteSection(o.out, section, doc); err != nil {
			return nil, fmt.Errorf("-out: %w", err)
		}
		logf("wrote the %s section of %s", section, o.out)
	}
	return rep, nil
}
