// Command cpuab compares the CPU that two gossip builds spend per call, side
// by side on one machine. Each round runs both builds at once, each against
// its own sipp peer at the same rate, and samples both with perf over their
// whole run; the builds swap ports and start order every round. A change
// worth a few percent of a shard's CPU is lost in a shared machine's drift
// between one run and the next, but both builds of a round share that
// drift, so the paired difference shows it: the report gives each build's
// mean, the mean difference with its standard error, and in how many rounds
// B spent less.
//
//	go run ./bench/cpuab -a HEAD~1 -b HEAD              # gossip uas under sipp uac
//	go run ./bench/cpuab -a old/gossip -b ./gossip -side uac -threads 1
//	go run ./bench/cpuab -a ./gossip -b ./gossip -b-args '-timer_resol 2'
//
// -a and -b name a gossip binary or a git revision to build.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

func main() { benchkit.Main("cpuab", run) }

type options struct {
	a, b     string
	aArgs    []string // more gossip arguments for A (-a-args)
	bArgs    []string // and for B (-b-args)
	side     string
	threads  int
	rate     int
	duration time.Duration
	rounds   int
	sipp     string
	split    string
	keep     bool
	short    bool
}

// build is one side of the comparison: what the user named, the binary
// and the arguments it gets beyond the common ones.
type build struct {
	name, bin, source string
	extra             []string
}

// round is one round's measurement of both builds, in µs per call.
type round struct {
	aFirst               bool // A had the first port pair and started first
	aUser, aSys          float64
	bUser, bSys          float64
	aFallback, bFallback string
}

// report is what run measured, for the caller and for tests.
type report struct {
	opts   options
	a, b   build
	rounds []round
	method string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := benchkit.NewFlagSet("cpuab", "Usage: go run ./bench/cpuab -a BIN|REV [-b BIN|REV] [flags]\n\n"+
		"Runs two gossip builds side by side, each against its own sipp, and reports the\n"+
		"paired difference of their user and system CPU per call.\n\n", stderr)
	fs.StringVar(&o.a, "a", "", "build A: a gossip binary, or a git revision to build (required)")
	fs.StringVar(&o.b, "b", "", "build B: a gossip binary, or a git revision to build; empty builds the working tree")
	aArgs := fs.String("a-args", "", "more gossip arguments for A, space-separated (e.g. '-timer_resol 2'); they come last, so they override")
	bArgs := fs.String("b-args", "", "more gossip arguments for B, as -a-args")
	fs.StringVar(&o.side, "side", "uas", "which side gossip plays: uas (under sipp -sn uac) or uac (against sipp -sn uas)")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "gossip -threads")
	fs.IntVar(&o.rate, "rate", 8000, "calls/s of each pair (both pairs share the machine: keep the sum within what it sustains)")
	fs.DurationVar(&o.duration, "duration", 6*time.Second, "length of each pair's run in a round (default 6s, -short 1s)")
	fs.IntVar(&o.rounds, "rounds", 8, "rounds; A and B swap places every round (default 8, -short 2)")
	fs.StringVar(&o.sipp, "sipp", "sipp", "sipp binary")
	fs.StringVar(&o.split, "cpu-split", benchkit.SplitAuto, "user/system split: perf, rusage or auto")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory with every process's output")
	fs.BoolVar(&o.short, "short", false, "two 1 s rounds, for CI")
	given, err := benchkit.Parse(fs, args)
	if err != nil {
		return o, err
	}
	o.aArgs, o.bArgs = strings.Fields(*aArgs), strings.Fields(*bArgs)
	if o.short {
		benchkit.Default(given, "duration", &o.duration, time.Second)
		benchkit.Default(given, "rounds", &o.rounds, 2)
	}
	switch {
	case o.a == "":
		return o, errors.New("-a is required (a gossip binary or a git revision)")
	case o.side != "uas" && o.side != "uac":
		return o, fmt.Errorf("-side %q: want uas or uac", o.side)
	case o.threads < 1, o.rate < 1, o.rounds < 1, o.duration <= 0:
		return o, errors.New("-threads, -rate, -rounds and -duration must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (*report, error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return nil, err
	}
	logf := benchkit.Logger(stderr, "cpuab")
	dir, cleanup, err := benchkit.WorkDir("cpuab", o.keep, logf)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	sipp, err := benchkit.ResolveBinary(o.sipp)
	if err != nil {
		return nil, err
	}
	rep := &report{opts: o}
	for _, bd := range []struct {
		dst   *build
		name  string
		sub   string
		extra []string
	}{{&rep.a, o.a, "a", o.aArgs}, {&rep.b, o.b, "b", o.bArgs}} {
		if *bd.dst, err = resolveBuild(ctx, bd.name, filepath.Join(dir, bd.sub)); err != nil {
			return nil, err
		}
		bd.dst.extra = bd.extra
		logf("%s: %s%s", strings.ToUpper(bd.sub), bd.dst.source, argsNote(bd.extra))
	}
	splitter, err := benchkit.NewCPUSplitter(ctx, o.split, dir)
	if err != nil {
		return nil, err
	}
	rep.method = splitter.Method
	if splitter.Reason != "" {
		logf("user/system split from getrusage: %s", splitter.Reason)
	}
	for i := 0; i < o.rounds; i++ {
		aFirst := i%2 == 0
		r, err := measureRound(ctx, o, sipp, splitter, dir, rep.a, rep.b, aFirst)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", i+1, err)
		}
		logf("round %d of %d: A user %.2f sys %.2f, B user %.2f sys %.2f µs/call", i+1, o.rounds, r.aUser, r.aSys, r.bUser, r.bSys)
		rep.rounds = append(rep.rounds, r)
	}
	rep.write(stdout)
	return rep, nil
}

// resolveBuild takes name as a binary when such a file exists, else as a
// git revision to build into dir ("" builds the working tree).
func resolveBuild(ctx context.Context, name, dir string) (build, error) {
	if name != "" {
		if st, err := os.Stat(name); err == nil && !st.IsDir() {
			bin, err := filepath.Abs(name)
			return build{name: name, bin: bin, source: "binary " + name}, err
		}
	}
	root, err := benchkit.ModuleRoot(ctx)
	if err != nil {
		return build{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return build{}, err
	}
	bin, source, err := benchkit.BuildGossip(ctx, root, dir, name)
	return build{name: name, bin: bin, source: source}, err
}

// pairRun is one gossip of a round with its peer and CPU sampler.
type pairRun struct {
	port         int // the UAS's port
	gossip, peer *benchkit.Proc
	sampler      *benchkit.CPUSampler
}

// measureRound runs A and B at once, each with its own sipp, and returns
// their CPU per call. The first build started takes the first ports.
func measureRound(ctx context.Context, o options, sipp string, splitter *benchkit.CPUSplitter, dir string, a, b build, aFirst bool) (round, error) {
	builds := []build{a, b}
	if !aFirst {
		builds = []build{b, a}
	}
	calls := int(math.Round(float64(o.rate) * o.duration.Seconds()))
	timeout := o.duration + time.Minute
	var runs []*pairRun
	defer func() {
		for _, r := range runs {
			for _, p := range []*benchkit.Proc{r.gossip, r.peer} {
				if p != nil {
					p.Kill()
				}
			}
		}
	}()
	for _, bd := range builds {
		bin := bd.bin
		port, err := benchkit.FreeUDPPort()
		if err != nil {
			return round{}, err
		}
		r := &pairRun{port: port}
		runs = append(runs, r)
		common := []string{"-i", "127.0.0.1", "-nostdin", "-buff_size", "4194304"}
		threads := strconv.Itoa(o.threads)
		if o.side == "uas" {
			args := append([]string{"-sn", "uas", "-p", strconv.Itoa(port), "-threads", threads}, common...)
			if r.gossip, err = benchkit.StartGated(ctx, timeout, dir, bin, append(args, bd.extra...)...); err != nil {
				return round{}, err
			}
			r.sampler = splitter.Attach(ctx, r.gossip)
			r.gossip.Release()
			if !benchkit.WaitBound(r.gossip, port, threadsOf(bd.extra, o.threads), false, bindWait) {
				return round{}, fmt.Errorf("gossip uas did not bind 127.0.0.1:%d: %s", port, benchkit.LastLines(r.gossip.Output(), 5))
			}
			continue
		}
		if r.peer, err = benchkit.Start(ctx, timeout, dir, sipp, append([]string{"-sn", "uas", "-p", strconv.Itoa(port)}, common...)...); err != nil {
			return round{}, err
		}
		if !benchkit.WaitBound(r.peer, port, 1, false, bindWait) {
			return round{}, fmt.Errorf("sipp uas did not bind 127.0.0.1:%d: %s", port, benchkit.LastLines(r.peer.Output(), 5))
		}
		args := append([]string{"127.0.0.1:" + strconv.Itoa(port), "-sn", "uac", "-p", "0", "-threads", threads,
			"-d", "0", "-r", strconv.Itoa(o.rate), "-m", strconv.Itoa(calls)}, common...)
		if r.gossip, err = benchkit.StartGated(ctx, timeout, dir, bin, append(args, bd.extra...)...); err != nil {
			return round{}, err
		}
		r.sampler = splitter.Attach(ctx, r.gossip)
	}
	// Start the load of both pairs together.
	for _, r := range runs {
		if o.side == "uac" {
			r.gossip.Release()
			continue
		}
		p, err := benchkit.Start(ctx, timeout, dir, sipp, "127.0.0.1:"+strconv.Itoa(r.port), "-sn", "uac", "-i", "127.0.0.1", "-p", "0",
			"-nostdin", "-buff_size", "4194304", "-d", "0", "-r", strconv.Itoa(o.rate), "-m", strconv.Itoa(calls))
		if err != nil {
			return round{}, err
		}
		r.peer = p
	}
	// The UAC of each pair ends the pair's run; then its UAS is stopped.
	for _, r := range runs {
		uac, uas := r.gossip, r.peer
		if o.side == "uas" {
			uac, uas = r.peer, r.gossip
		}
		if !uac.WaitFor(timeout) {
			return round{}, fmt.Errorf("%s uac did not finish %d calls within %s", uac.Name, calls, timeout)
		}
		if code := uac.ExitCode(); code != 0 {
			return round{}, fmt.Errorf("%s uac exited %d (failed calls?): %s", uac.Name, code, benchkit.LastLines(uac.Output(), 8))
		}
		uas.Interrupt(5 * time.Second)
	}
	var out [2]benchkit.CPUSplit
	for i, r := range runs {
		out[i] = r.sampler.Split(ctx)
	}
	if !aFirst {
		out[0], out[1] = out[1], out[0]
	}
	perCall := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(calls) }
	return round{
		aFirst: aFirst,
		aUser:  perCall(out[0].User), aSys: perCall(out[0].Sys),
		bUser: perCall(out[1].User), bSys: perCall(out[1].Sys),
		aFallback: out[0].Fallback, bFallback: out[1].Fallback,
	}, nil
}

// threadsOf returns the shards a gossip started with extra after
// "-threads def" runs: the last -threads in extra wins, as in gossip.
func threadsOf(extra []string, def int) int {
	n := def
	for i := 0; i+1 < len(extra); i++ {
		if extra[i] == "-threads" || extra[i] == "--threads" {
			if v, err := strconv.Atoi(extra[i+1]); err == nil && v > 0 {
				n = v
			}
		}
	}
	return n
}

// argsNote is how the log and the report show a build's extra arguments.
func argsNote(extra []string) string {
	if len(extra) == 0 {
		return ""
	}
	return ", with " + strings.Join(extra, " ")
}

// bindWait is how long a round waits for a UAS to bind its sockets.
const bindWait = 3 * time.Second
