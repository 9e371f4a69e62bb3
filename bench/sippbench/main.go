// Command sippbench runs gossip and the real SIPp side by side on one
// machine and prints how they compare.
//
// For each pair of UAC and UAS (sipp → sipp, gossip → gossip, gossip →
// sipp, sipp → gossip, and gossip → gossip on one shard) it searches for
// the highest call rate at which a fixed-duration run of the built-in uac
// and uas scenarios (-d 0) ends with every call successful on both sides
// and no datagram dropped by the kernel. It then runs every pair at one
// common rate and measures each process's user and system CPU time per
// call (the split sampled with perf when it can attach) and its peak RSS, measures the machine's raw loopback datagram
// ceiling with a bare Go sender/receiver set, and prints one markdown
// table with the machine it ran on.
//
// Usage:
//
//	go run ./bench/sippbench [flags]
//
// `make bench-sipp` runs the full mode and rewrites bench/RESULTS.md;
// -short runs a coarse search of a few seconds per pair, for CI.
// Run `go run ./bench/sippbench -h` for the flags.
//
// The harness reads /proc (kernel UDP counters, per-socket drops), so it
// measures on Linux only.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
	"github.com/gossip-sip/gossip/internal/testcert"
)

// pairNames lists the pairs -pairs accepts, in the order the table shows
// them.
var pairNames = []string{"sipp-sipp", "gossip-gossip", "gossip1-gossip1", "gossip-sipp", "gossip1-sipp", "sipp-gossip", "sipp-gossip1"}

// options is the harness configuration, from the command line.
type options struct {
	// bins are -sipp, -gossip and -rev; run finds or builds what they
	// leave out.
	bins benchkit.Binaries

	short       bool            // coarse, quick run for CI
	duration    time.Duration   // length of one search probe
	cpuDuration time.Duration   // length of the CPU run at the common rate
	cpuRuns     int             // CPU runs of each pair; the median counts
	startRate   int             // first rate the search tries
	maxRate     int             // highest rate the search tries
	precision   float64         // bisection stops when high/low is at most this
	confirm     int             // times a failing rate is tried again before it counts as failed
	commonRate  int             // rate of the CPU runs; 0: 0.8 × the lowest maximum
	out         string          // markdown file to write; "" writes none
	pairs       []string        // pair ids to run, in table order
	dataplane   string          // -dataplane passed to gossip; "" passes none
	threads     int             // -threads of gossip sides
	loopback    time.Duration   // length of the loopback ceiling measurement
	timeout     time.Duration   // bound on the whole run
	keep        bool            // keep the work directory (stat files, outputs)
	cpuSplit    string          // how the CPU runs split user and system time: auto, perf or rusage
	transport   string          // -t of both sides: u1 (default), t1, tn or l1
	certs       *testcert.Certs // l1: the certificates both sides use
	command     string          // the command line, for the report
}

// modeDefaults are the defaults that differ between full and -short mode.
type modeDefaults struct {
	duration, cpuDuration, loopback, timeout time.Duration
	maxRate, confirm, cpuRuns                int
	precision                                float64
}

// defaultsFor returns the defaults of -short (a coarse search capped at
// 16,000 calls/s, 1 s runs: about half a minute) or of the full mode (5 s
// probes, three 10 s CPU runs, 5% precision: about seven minutes on 2
// cores).
func defaultsFor(short bool) modeDefaults {
	if short {
		return modeDefaults{duration: time.Second, cpuDuration: time.Second, loopback: 500 * time.Millisecond,
			timeout: 3 * time.Minute, maxRate: 16000, confirm: 0, cpuRuns: 1, precision: 1.5}
	}
	return modeDefaults{duration: 5 * time.Second, cpuDuration: 10 * time.Second, loopback: 2 * time.Second,
		timeout: 20 * time.Minute, maxRate: 256000, confirm: 1, cpuRuns: 3, precision: 1.05}
}

// parseFlags reads the command line. Defaults depend on -short; flags given
// explicitly always win.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := benchkit.NewFlagSet("sippbench", "Usage: go run ./bench/sippbench [flags]\n\n"+
		"Finds the highest zero-failure call rate of sipp and gossip pairs on loopback,\n"+
		"measures CPU per call at a common rate, and prints one markdown table.\n\n", stderr)
	o.bins.Flags(fs)
	fs.BoolVar(&o.short, "short", false, "quick, coarse run (a few seconds per pair), for CI; writes no file unless -out is given")
	fs.DurationVar(&o.duration, "duration", 0, "length of one search probe (default 5s, -short 1s)")
	fs.DurationVar(&o.cpuDuration, "cpu-duration", 0, "length of each pair's CPU run at the common rate (default 10s, -short 1s)")
	fs.IntVar(&o.cpuRuns, "cpu-runs", 0, "CPU runs of each pair, the pairs taking turns; the table shows each pair's median run by CPU per call (default 3, -short 1)")
	fs.IntVar(&o.startRate, "start-rate", 4000, "first rate the search tries, calls/s")
	fs.IntVar(&o.maxRate, "max-rate", 0, "highest rate the search tries, calls/s (default 256000, -short 16000)")
	fs.Float64Var(&o.precision, "precision", 0, "stop bisecting when the failing rate is within this factor of the passing one (default 1.05, -short 1.5)")
	fs.IntVar(&o.confirm, "confirm", 0, "try a failing rate this many more times before it counts as failed, against noise from other programs (default 1, -short 0)")
	fs.IntVar(&o.commonRate, "common-rate", 0, "rate of the CPU runs, calls/s (default 0.8 × the lowest maximum found)")
	fs.StringVar(&o.out, "out", "", "markdown file to write (default bench/RESULTS.md in the module, none with -short)")
	pairs := benchkit.PairsFlag(fs, pairNames)
	fs.StringVar(&o.dataplane, "dataplane", "", "gossip -dataplane (std or mmsg); empty passes none, so gossip uses its default")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "gossip -threads (shards) of the gossip sides, except the -threads 1 pair")
	fs.DurationVar(&o.loopback, "loopback", 0, "length of the raw loopback datagram measurement (default 2s, -short 500ms)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long (default 20m, -short 3m)")
	fs.StringVar(&o.cpuSplit, "cpu-split", benchkit.SplitAuto, "how the CPU runs divide each process's CPU time into user and system time: perf (sample it with perf's cpu-clock:u and :k events), rusage (getrusage's split, decided at clock ticks) or auto (perf when it can attach)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory with every probe's statistics files and outputs")
	fs.StringVar(&o.transport, "t", "u1", "transport of both sides: u1 (UDP), t1 or tn (TCP), l1 (TLS: gossip pairs only, Debian's sipp has no TLS)")
	given, err := benchkit.Parse(fs, args)
	if err != nil {
		return o, err
	}
	d := defaultsFor(o.short)
	benchkit.Default(given, "duration", &o.duration, d.duration)
	benchkit.Default(given, "cpu-duration", &o.cpuDuration, d.cpuDuration)
	benchkit.Default(given, "cpu-runs", &o.cpuRuns, d.cpuRuns)
	benchkit.Default(given, "loopback", &o.loopback, d.loopback)
	benchkit.Default(given, "timeout", &o.timeout, d.timeout)
	benchkit.Default(given, "max-rate", &o.maxRate, d.maxRate)
	benchkit.Default(given, "confirm", &o.confirm, d.confirm)
	benchkit.Default(given, "start-rate", &o.startRate, min(o.startRate, o.maxRate))
	benchkit.Default(given, "precision", &o.precision, d.precision)
	switch {
	case o.duration < 100*time.Millisecond:
		return o, fmt.Errorf("-duration %s: want at least 100ms", o.duration)
	case o.cpuRuns < 1:
		return o, fmt.Errorf("-cpu-runs %d: want at least 1", o.cpuRuns)
	case o.cpuDuration < 100*time.Millisecond:
		return o, fmt.Errorf("-cpu-duration %s: want at least 100ms", o.cpuDuration)
	case o.startRate < 1:
		return o, fmt.Errorf("-start-rate %d: want at least 1", o.startRate)
	case o.maxRate < o.startRate:
		return o, fmt.Errorf("-max-rate %d: want at least -start-rate (%d)", o.maxRate, o.startRate)
	case o.precision <= 1:
		return o, fmt.Errorf("-precision %g: want more than 1", o.precision)
	case o.confirm < 0:
		return o, fmt.Errorf("-confirm %d: want 0 or more", o.confirm)
	case o.commonRate < 0:
		return o, fmt.Errorf("-common-rate %d: want 0 (automatic) or more", o.commonRate)
	case o.threads < 1:
		return o, fmt.Errorf("-threads %d: want at least 1", o.threads)
	case o.loopback <= 0:
		return o, fmt.Errorf("-loopback %s: want more than 0", o.loopback)
	case o.timeout <= 0:
		return o, fmt.Errorf("-timeout %s: want more than 0", o.timeout)
	}
	if err := o.bins.Check(); err != nil {
		return o, err
	}
	switch o.cpuSplit {
	case benchkit.SplitAuto, benchkit.SplitPerf, benchkit.SplitRusage:
	default:
		return o, fmt.Errorf("-cpu-split %q: want auto, perf or rusage", o.cpuSplit)
	}
	if o.dataplane != "" && o.dataplane != "std" && o.dataplane != "mmsg" {
		return o, fmt.Errorf("-dataplane %q: want std or mmsg", o.dataplane)
	}
	switch o.transport {
	case "u1", "t1", "tn", "l1":
	default:
		return o, fmt.Errorf("-t %q: want u1, t1, tn or l1", o.transport)
	}
	if o.transport == "l1" && !given["pairs"] {
		*pairs = "gossip-gossip,gossip1-gossip1"
	}
	o.pairs, err = benchkit.ChoosePairs(*pairs, pairNames, func(p string) error {
		if o.transport == "l1" && strings.Contains(p, "sipp") {
			return fmt.Errorf("-pairs %s: -t l1 runs gossip pairs only (the sipp of Debian is built without TLS)", p)
		}
		return nil
	})
	if err != nil {
		return o, err
	}
	o.command = benchkit.CommandLine("go run ./bench/sippbench", args)
	return o, nil
}

func main() { benchkit.Main("sippbench", run) }

// run is the whole harness: it prints the report to stdout, progress to
// stderr, writes the -out file and returns the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (*report, error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	logf := benchkit.Logger(stderr, "sippbench")

	work, cleanup, err := benchkit.WorkDir("sippbench", o.keep, logf)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	if o.transport == "l1" {
		if o.certs, err = testcert.Write(work, "bench"); err != nil {
			return nil, fmt.Errorf("test certificates: %w", err)
		}
	}
	need := benchkit.Need{SIPpHint: "or pass -sipp"}
	if !o.short {
		need.Results = "RESULTS.md"
		if o.transport != "u1" {
			need.Results = "RESULTS-" + o.transport + ".md"
		}
	}
	for _, id := range o.pairs {
		p := pairByID(id, o.threads)
		for _, s := range []impl{p.uac, p.uas} {
			need.SIPp = need.SIPp || s.kind == benchkit.KindSIPp
			need.Gossip = need.Gossip || s.kind == benchkit.KindGossip
		}
	}
	if err := o.bins.Prepare(ctx, work, &o.out, need, logf); err != nil {
		return nil, err
	}

	splitter, err := benchkit.NewCPUSplitter(ctx, o.cpuSplit, work)
	if err != nil {
		return nil, fmt.Errorf("-cpu-split %s: %w", o.cpuSplit, err)
	}
	if splitter.Method == benchkit.SplitPerf {
		logf("CPU runs: user/system split from perf samples (%s)", splitter.PerfVersion)
	} else if splitter.Reason != "" {
		logf("CPU runs: user/system split from getrusage: %s", splitter.Reason)
	}
	r := &runner{opt: o, work: work, logf: logf}
	rep := &report{Options: o, Started: started, Split: splitter}
	if rep.Machine, err = o.bins.Machine(ctx); err != nil {
		return nil, err
	}
	for _, id := range o.pairs {
		p := pairByID(id, o.threads)
		n, err := r.datagramsPerCall(ctx, p)
		if err != nil {
			return nil, err
		}
		rep.Pairs = append(rep.Pairs, &pairResult{Pair: p, DatagramsPerCall: n})
	}

	logf("loopback ceiling: %d socket pairs, %d-byte datagrams, %s", loopbackPairs, loopbackSize, o.loopback)
	if rep.Loopback, err = loopbackCeiling(ctx, o.loopback, loopbackPairs, loopbackSize); err != nil {
		return nil, fmt.Errorf("loopback ceiling: %w", err)
	}
	logf("loopback ceiling: %.0f datagrams/s", rep.Loopback.PerSecond)
	rep.WakeSleeps = wakeSleeps(o.short)
	if rep.WakeCost, err = timerWakeCost(rep.WakeSleeps); err != nil {
		rep.WakeErr = err.Error()
	} else {
		logf("timer wake-up: %.1f µs of CPU per sleep", float64(rep.WakeCost.Nanoseconds())/1e3)
	}

	for _, pr := range rep.Pairs {
		logf("[%s] searching from %d calls/s (max %d, probes of %s)", pr.Pair.id, o.startRate, o.maxRate, o.duration)
		res, err := search(ctx, searchParams{
			start: o.startRate, max: o.maxRate, min: minRate, factor: 2, precision: o.precision,
		}, func(ctx context.Context, rate int) (bool, error) {
			for try := 0; ; try++ {
				pres, err := r.probe(ctx, pr.Pair, rate, o.duration, true, nil)
				if err != nil {
					return false, err
				}
				pr.Probes = append(pr.Probes, pres)
				if pres.OK() || try >= o.confirm {
					return pres.OK(), nil
				}
				logf("[%s] trying %d calls/s again before counting it as failed (-confirm %d)", pr.Pair.id, rate, o.confirm)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pr.Pair.label, err)
		}
		pr.Max, pr.Capped = res.best, res.capped
		capped := ""
		if pr.Capped {
			capped = " (the -max-rate cap)"
		}
		logf("[%s] max %d calls/s%s", pr.Pair.id, pr.Max, capped)
	}

	rep.CommonRate = o.commonRate
	if rep.CommonRate == 0 {
		rep.CommonRate = commonRate(rep.Pairs)
	}
	rep.CPUDuration = o.cpuDuration
	// The pairs take turns, run after run, so that a slow spell of a
	// shared machine falls on all of them rather than on one pair's runs.
	for run := 1; run <= o.cpuRuns; run++ {
		for _, pr := range rep.Pairs {
			logf("[%s] CPU run %d of %d at %d calls/s for %s", pr.Pair.id, run, o.cpuRuns, rep.CommonRate, o.cpuDuration)
			// A CPU run with failures measures retransmissions too: repeat
			// it like a failing probe, and mark it in the table if it never
			// passed.
			for try := 0; ; try++ {
				cres, err := r.probe(ctx, pr.Pair, rep.CommonRate, o.cpuDuration, false, splitter)
				if err != nil {
					return nil, fmt.Errorf("%s: CPU run: %w", pr.Pair.label, err)
				}
				if cres.OK() || try >= o.confirm {
					pr.CPURuns = append(pr.CPURuns, cres)
					break
				}
				pr.CPUFailed = append(pr.CPUFailed, cres)
				logf("[%s] CPU run failed; running it again (-confirm %d)", pr.Pair.id, o.confirm)
			}
		}
	}
	for _, pr := range rep.Pairs {
		pr.CPU = medianRun(pr.CPURuns)
	}
	rep.Finished = time.Now()

	doc := renderMarkdown(rep)
	if _, err := io.WriteString(stdout, doc); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	if o.out != "" {
		// The file may hold other harnesses' sections (make
		// bench-capacity's): keep them.
		prev, err := benchkit.ReadResults(o.out)
		if err != nil {
			return nil, fmt.Errorf("-out: %w", err)
		}
		if err := os.WriteFile(o.out, []byte(benchkit.KeepSections(prev, doc)), 0o644); err != nil {
			return nil, fmt.Errorf("write -out %s: %w", o.out, err)
		}
		logf("wrote %s", o.out)
	}
	return rep, nil
}

// minRate is the lowest rate the search goes down to before it reports
// that a pair sustains nothing.
const minRate = 50

// commonRate is 0.8 × the lowest maximum found (ignoring pairs that
// sustained nothing), rounded to a readable number.
func commonRate(pairs []*pairResult) int {
	low := 0
	for _, p := range pairs {
		if p.Max > 0 && (low == 0 || p.Max < low) {
			low = p.Max
		}
	}
	if low == 0 {
		return minRate
	}
	return max(roundRate(float64(low)*0.8), 1)
}
