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
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// section is the name of this harness's section of bench/RESULTS.md.
const section = "capacity"

// options is the harness configuration, from the command line.
type options struct {
	gossip        string        // gossip binary; built from ./cmd/gossip when empty
	rev           string        // git revision to build gossip from; "" builds the working tree
	sipp          string        // sipp binary; found on PATH when empty
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
	fs := flag.NewFlagSet("capacity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./bench/capacity [flags]\n\n"+
			"Ramps gossip and SIPp pairs to many held calls on loopback, measures RSS per held call\n"+
			"and CPU while holding, and prints the tables against issue 5's targets.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.gossip, "gossip", "", "gossip binary to run (default: go build ./cmd/gossip into a temporary directory)")
	fs.StringVar(&o.rev, "rev", "", "build gossip from this git revision (git archive) instead of the working tree")
	fs.StringVar(&o.sipp, "sipp", "", "sipp binary to run (default: sipp on PATH)")
	fs.BoolVar(&o.short, "short", false, "smaller, quicker run (100,000 calls, 8s hold), for CI; writes no file unless -out is given")
	fs.IntVar(&o.calls, "calls", 0, "held calls of gossip → gossip (default 1000000, -short 100000)")
	fs.IntVar(&o.sippCalls, "sipp-calls", 0, "held calls of the pairs with a sipp side, which needs about 3 KB per call per side (default 200000, -short 20000)")
	fs.IntVar(&o.baselineCalls, "baseline-calls", 10000, "held calls of the gossip → gossip run whose ramp p99 the big run is held against; 0 for none")
	fs.IntVar(&o.rate, "rate", 20000, "calls/s of every ramp (-r)")
	fs.DurationVar(&o.hold, "hold", 0, "hold window: how long every call is held at once (default 10s, -short 8s)")
	fs.DurationVar(&o.cpuWindow, "cpu-window", 0, "how long CPU time is measured while holding; at most -hold minus 3s (default 5s, -short 2s)")
	fs.Float64Var(&o.p99Margin, "p99-margin", 0.25, "the ramp p99 at -calls passes when it is at most this fraction worse than at -baseline-calls (0.25: 25%, room for noise)")
	pairs := fs.String("pairs", strings.Join(pairNames, ","), "comma-separated pairs to run: "+strings.Join(pairNames, ", "))
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "gossip -threads (shards) of the gossip sides")
	fs.StringVar(&o.out, "out", "", "results file whose capacity section is rewritten (default bench/RESULTS.md in the module, none with -short)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long (default 30m, -short 5m)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory with every run's statistics files and outputs")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	pick := func(short, full int) int {
		if o.short {
			return short
		}
		return full
	}
	if !set["calls"] {
		o.calls = pick(100_000, 1_000_000)
	}
	if !set["sipp-calls"] {
		o.sippCalls = pick(20_000, 200_000)
	}
	if !set["hold"] {
		o.hold = time.Duration(pick(8, 10)) * time.Second
	}
	if !set["cpu-window"] {
		o.cpuWindow = time.Duration(pick(2, 5)) * time.Second
	}
	if !set["timeout"] {
		o.timeout = time.Duration(pick(5, 30)) * time.Minute
	}
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
	if o.rev != "" && o.gossip != "" {
		return o, errors.New("-rev and -gossip: give one (-rev builds the gossip binary)")
	}
	chosen := map[string]bool{}
	for _, p := range strings.Split(*pairs, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		known := false
		for _, n := range pairNames {
			known = known || n == p
		}
		if !known {
			return o, fmt.Errorf("-pairs: unknown pair %q (want some of %s)", p, strings.Join(pairNames, ", "))
		}
		chosen[p] = true
	}
	for _, p := range pairNames {
		if chosen[p] {
			o.pairs = append(o.pairs, p)
		}
	}
	if len(o.pairs) == 0 {
		return o, errors.New("-pairs: no pair chosen")
	}
	o.command = benchkit.CommandLine("go run ./bench/capacity", args)
	return o, nil
}

func main() {
	benchkit.Main("capacity", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		_, err := run(ctx, args, stdout, stderr)
		return err
	})
}

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
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "capacity: "+format+"\n", a...) }

	work, cleanup, err := benchkit.WorkDir("capacity", o.keep, logf)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	root, err := benchkit.ModuleRoot(ctx)
	if err != nil && (o.gossip == "" || (o.out == "" && !o.short)) {
		return nil, err
	}
	if o.out == "" && !o.short {
		o.out = filepath.Join(root, "bench", "RESULTS.md")
	}
	needSIPp := false
	for _, id := range o.pairs {
		needSIPp = needSIPp || pairByID(id).hasSIPp()
	}
	if needSIPp && o.sipp == "" {
		if o.sipp, err = exec.LookPath("sipp"); err != nil {
			return nil, fmt.Errorf("sipp is not on PATH (apt-get install sip-tester, pass -sipp, or leave the sipp pairs out with -pairs gossip-gossip): %w", err)
		}
	}
	gossipSource := "`-gossip " + o.gossip + "`"
	if o.gossip == "" {
		from := root
		if o.rev != "" {
			from += " at " + o.rev
		}
		logf("building gossip from %s", from)
		if o.gossip, gossipSource, err = benchkit.BuildGossip(ctx, root, work, o.rev); err != nil {
			return nil, err
		}
	}
	// Runs happen in their own directories: resolve the binaries first.
	for _, bin := range []*string{&o.sipp, &o.gossip} {
		if *bin == "" {
			continue
		}
		if *bin, err = benchkit.ResolveBinary(*bin); err != nil {
			return nil, err
		}
	}

	rep := &report{Options: o, Started: started}
	if rep.Machine, err = benchkit.DescribeMachine(ctx, o.sipp, o.gossip); err != nil {
		return nil, err
	}
	rep.Machine.GossipSource = gossipSource
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
