// Command soak holds gossip's built-in uac against gossip's built-in uas on
// 127.0.0.1 at a steady call rate for a long time (30 minutes by default)
// and watches both processes for growth: every -sample it reads each one's
// RSS from /proc and its goroutine count and live heap from the file
// GOSSIP_RUNTIME_STATS makes it write. After a warm-up (the UAS's 4 s
// linger and the 33 s dead-call window fill their tables; the first
// garbage collections size the heap) it fits a least-squares line to each
// series and reports the slope and the growth it projects over the held
// part of the run, with the calls' conservation from both JSON summaries.
// It rewrites the soak section of bench/RESULTS.md.
//
//	make bench-soak                            # 30 minutes
//	go run ./bench/soak -duration 3m -out ''   # a short check
//
// The CI soak (engine.TestSoak, 2 minutes, goleak and -race) runs the two
// engines in one test process; this one runs the real binaries.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// section is this harness's section of bench/RESULTS.md.
const section = "soak"

type options struct {
	duration, warmup, sample time.Duration
	rate, threads            int
	callLength               time.Duration
	out, gossip              string
	keep                     bool
	command                  string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 30*time.Minute, "how long the calls are held at the steady rate")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Minute, "start of the run left out of the slopes (at most a third of -duration)")
	fs.DurationVar(&o.sample, "sample", 10*time.Second, "time between samples")
	fs.IntVar(&o.rate, "rate", 500, "calls per second (-r)")
	fs.DurationVar(&o.callLength, "d", 2*time.Second, "length of each call's pause (-d)")
	fs.IntVar(&o.threads, "threads", 2, "shards of each process (-threads)")
	fs.StringVar(&o.out, "out", "", "results file whose soak section is rewritten (default bench/RESULTS.md in the module; '' with -duration under 30m)")
	fs.StringVar(&o.gossip, "gossip", "", "gossip binary (default: build ./cmd/gossip from the working tree)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (logs, summaries, runtime samples)")
	if _, err := benchkit.Parse(fs, args); err != nil {
		return o, err
	}
	if o.duration <= 0 || o.sample <= 0 || o.rate <= 0 || o.threads <= 0 || o.callLength < 0 {
		return o, errors.New("-duration, -sample, -rate and -threads must be positive")
	}
	o.warmup = min(o.warmup, o.duration/3)
	o.command = benchkit.CommandLine("go run ./bench/soak", args)
	return o, nil
}

func main() {
	benchkit.Main("soak", func(ctx context.Context, args []string, stdout, stderr io.Writer) (any, error) {
		return nil, run(ctx, args, stdout, stderr)
	})
}

// sample is one reading of both processes.
type sample struct {
	at           time.Duration // since the start of the run
	rss          [2]int64      // bytes; uac, uas
	goroutines   [2]int64
	heap         [2]int64 // bytes of live and not yet swept heap objects
	createdCalls int64    // the uac's, from its progress line
}

var procNames = [2]string{"uac", "uas"}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := benchkit.Logger(stderr, "soak")
	work, cleanup, err := benchkit.WorkDir("soak", o.keep, logf)
	if err != nil {
		return err
	}
	defer cleanup()
	need := benchkit.Need{Gossip: true}
	if o.duration >= 30*time.Minute {
		need.Results = "RESULTS.md"
	}
	bins := benchkit.Binaries{Gossip: o.gossip}
	if err := bins.Prepare(ctx, work, &o.out, need, logf); err != nil {
		return err
	}
	o.gossip = bins.Gossip
	machine, err := bins.Machine(ctx)
	if err != nil {
		return err
	}

	port, err := benchkit.FreeUDPPort()
	if err != nil {
		return err
	}
	dirs := [2]string{filepath.Join(work, "uac"), filepath.Join(work, "uas")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// Each process writes its runtime figures to runtime.tsv in its own
	// directory (the variable is inherited by both).
	os.Setenv("GOSSIP_RUNTIME_STATS", "runtime.tsv")
	limit := o.duration + 5*time.Minute
	th := strconv.Itoa(o.threads)
	uas, err := benchkit.Start(ctx, limit, dirs[1], o.gossip, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port),
		"-nostdin", "-threads", th, "-summary_json", "summary.json")
	if err != nil {
		return err
	}
	defer uas.Kill()
	for i := 0; benchkit.BoundSockets(port) == 0; i++ {
		if i > 100 || uas.Exited() {
			return fmt.Errorf("the uas did not bind port %d:\n%s", port, benchkit.LastLines(uas.Output(), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	uacArgs := []string{"-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:" + strconv.Itoa(port),
		"-r", strconv.Itoa(o.rate), "-d", strconv.FormatInt(o.callLength.Milliseconds(), 10),
		"-nostdin", "-threads", th, "-summary_json", "summary.json"}
	uac, err := benchkit.Start(ctx, limit, dirs[0], o.gossip, uacArgs...)
	if err != nil {
		return err
	}
	defer uac.Kill()
	procs := [2]*benchkit.Proc{uac, uas}
	logf("uac (pid %d) → uas (pid %d) at %d calls/s, calls of %s, for %s; a sample every %s, slopes after %s",
		uac.PID(), uas.PID(), o.rate, o.callLength, o.duration, o.sample, o.warmup)

	start := time.Now()
	var samples []sample
	tick := time.NewTicker(o.sample)
	defer tick.Stop()
	deadline := time.NewTimer(o.duration)
	defer deadline.Stop()
	lastLog := time.Now()
loop:
	for {
		select {
		case <-ctx.Done():
			logf("interrupted: reporting what was sampled")
			break loop
		case <-deadline.C:
			break loop
		case <-tick.C:
			for i, p := range procs {
				if p.Exited() {
					return fmt.Errorf("the %s exited early (status %d):\n%s", procNames[i], p.ExitCode(), benchkit.LastLines(p.Output(), 30))
				}
			}
			s := sample{at: time.Since(start)}
			for i, p := range procs {
				if s.rss[i], err = benchkit.RSS(p.PID()); err != nil {
					return err
				}
				rt, err := lastRuntimeLine(filepath.Join(dirs[i], "runtime.tsv"))
				if err != nil {
					return fmt.Errorf("%s: %w", procNames[i], err)
				}
				s.goroutines[i], s.heap[i] = rt[1], rt[2]
			}
			s.createdCalls = createdSoFar(uac.Output())
			samples = append(samples, s)
			if time.Since(lastLog) >= time.Minute {
				lastLog = time.Now()
				logf("%s: uac RSS %.1f MiB, %d goroutines; uas RSS %.1f MiB, %d goroutines; %d calls",
					s.at.Round(time.Second), mib(s.rss[0]), s.goroutines[0], mib(s.rss[1]), s.goroutines[1], s.createdCalls)
			}
		}
	}
	held := time.Since(start)
	// Stop as a user would: one SIGINT, and the running calls finish
	// (gossip drains for up to 5 s); Interrupt's second SIGINT and SIGKILL
	// are for a process that does not end.
	for _, p := range procs {
		_ = syscall.Kill(p.PID(), syscall.SIGINT)
		if !p.WaitFor(15 * time.Second) {
			p.Interrupt(10 * time.Second)
		}
	}
	var sums [2]*summary
	var health [2]string
	for i, p := range procs {
		<-p.Done()
		p.SaveOutput(filepath.Join(dirs[i], "output.log"))
		if sums[i], err = readSummary(filepath.Join(dirs[i], "summary.json")); err != nil {
			return fmt.Errorf("%s (status %d): %w\n%s", procNames[i], p.ExitCode(), err, benchkit.LastLines(p.Output(), 30))
		}
		health[i] = saturation(p.Output())
	}
	rep := analyse(o, samples, held, sums)
	rep.health = health
	doc := render(o, machine, rep, time.Now())
	if _, err := io.WriteString(stdout, doc); err != nil {
		return err
	}
	if o.out != "" {
		if err := benchkit.WriteSection(o.out, section, doc); err != nil {
			return fmt.Errorf("-out: %w", err)
		}
		logf("wrote the %s section of %s", section, o.out)
	}
	if !rep.ok() {
		return errors.New("not flat, or calls not conserved: see the report")
	}
	return nil
}

// lastRuntimeLine returns the numbers of the last complete line of a
// GOSSIP_RUNTIME_STATS file.
func lastRuntimeLine(path string) ([]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("runtime figures (GOSSIP_RUNTIME_STATS; is the binary older than the harness?): %w", err)
	}
	s := strings.TrimRight(string(b[:strings.LastIndexByte(string(b), '\n')+1]), "\n")
	line := s[strings.LastIndexByte(s, '\n')+1:]
	f := strings.Split(line, "\t")
	if len(f) < 4 {
		return nil, fmt.Errorf("%s: no sample yet (last line %q)", path, line)
	}
	out := make([]int64, len(f))
	for i, v := range f {
		if out[i], err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("%s: line %q: %w", path, line, err)
		}
	}
	return out, nil
}

// createdSoFar reads the calls created from gossip's last progress line
// ("12s created=5000 current=...").
func createdSoFar(out string) int64 {
	i := strings.LastIndex(out, " created=")
	if i < 0 {
		return 0
	}
	rest := out[i+len(" created="):]
	if j := strings.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	n, _ := strconv.ParseInt(rest, 10, 64)
	return n
}

// saturation returns the last "generator saturated: ..." line a gossip
// process printed (on its warnings or under its summary), or "".
func saturation(out string) string {
	i := strings.LastIndex(out, "generator saturated: ")
	if i < 0 {
		return ""
	}
	line := out[i:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return strings.TrimSpace(line)
}

// summary is the part of -summary_json the report uses.
type summary struct {
	ExitStatus int `json:"exit_status"`
	Calls      struct {
		Created    uint64 `json:"created"`
		Successful uint64 `json:"successful"`
		Failed     uint64 `json:"failed"`
		Aborted    uint64 `json:"aborted"`
		Current    int    `json:"current"`
	} `json:"calls"`
	Messages struct {
		Retransmissions uint64 `json:"retransmissions"`
		DeadCall        uint64 `json:"dead_call"`
		OutOfCall       uint64 `json:"out_of_call"`
		Unexpected      uint64 `json:"unexpected"`
	} `json:"messages"`
}

func readSummary(path string) (*summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// series is one measured quantity of one process over the held part.
type series struct {
	name            string
	unit            string  // "MiB" or ""
	first, last     float64 // first and last held sample
	lo, hi          float64
	slopePerMin     float64 // least-squares slope, units per minute
	growth          float64 // slope × held duration
	allowed         float64 // growth below this is flat
	flat            bool
	samples, warmup int
}

type report struct {
	held    time.Duration
	steady  time.Duration // held minus warm-up
	series  [2][]series   // per process: RSS, heap, goroutines
	sums    [2]*summary
	health  [2]string // each process's own saturation report, "" when it kept up
	calls   int64
	samples int
}

func (r *report) conserved(i int) bool {
	c := r.sums[i].Calls
	return c.Successful+c.Failed+c.Aborted+uint64(max(c.Current, 0)) == c.Created
}

// ok reports whether memory and goroutines stayed flat and every call was
// counted. Failed calls are reported, not judged: on a shared machine a
// stalled process loses datagrams, which gossip then says (saturation).
func (r *report) ok() bool {
	for i := range r.series {
		for _, s := range r.series[i] {
			if !s.flat {
				return false
			}
		}
		if !r.conserved(i) {
			return false
		}
	}
	return true
}

// fit returns the least-squares slope of y over x.
func fit(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		sxy += x[i] * y[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// analyse fits each series after the warm-up. Flat means: RSS and heap
// project less growth over the held part than 5% of their level or 4 MiB,
// whichever is more; goroutines never change.
func analyse(o options, samples []sample, held time.Duration, sums [2]*summary) *report {
	r := &report{held: held, sums: sums, samples: len(samples)}
	var steady []sample
	for _, s := range samples {
		if s.at >= o.warmup {
			steady = append(steady, s)
		}
	}
	if len(samples) > 0 {
		r.calls = samples[len(samples)-1].createdCalls
	}
	if len(steady) > 0 {
		r.steady = steady[len(steady)-1].at - steady[0].at
	}
	minutes := r.steady.Minutes()
	for i := range procNames {
		get := []struct {
			name, unit string
			v          func(s sample) float64
		}{
			{"RSS", "MiB", func(s sample) float64 { return mib(s.rss[i]) }},
			{"heap objects", "MiB", func(s sample) float64 { return mib(s.heap[i]) }},
			{"goroutines", "", func(s sample) float64 { return float64(s.goroutines[i]) }},
		}
		for _, g := range get {
			se := series{name: g.name, unit: g.unit, samples: len(steady), warmup: len(samples) - len(steady)}
			if len(steady) < 3 {
				se.flat = false
				r.series[i] = append(r.series[i], se)
				continue
			}
			x, y := make([]float64, len(steady)), make([]float64, len(steady))
			se.lo, se.hi = math.Inf(1), math.Inf(-1)
			for k, s := range steady {
				x[k] = (s.at - steady[0].at).Minutes()
				y[k] = g.v(s)
				se.lo, se.hi = min(se.lo, y[k]), max(se.hi, y[k])
			}
			se.first, se.last = y[0], y[len(y)-1]
			se.slopePerMin = fit(x, y)
			se.growth = se.slopePerMin * minutes
			if g.unit == "" {
				se.flat = se.lo == se.hi
			} else {
				mean := 0.0
				for _, v := range y {
					mean += v
				}
				mean /= float64(len(y))
				se.allowed = max(0.05*mean, 4)
				se.flat = se.growth < se.allowed
			}
			r.series[i] = append(r.series[i], se)
		}
	}
	return r
}

func render(o options, m benchkit.Machine, r *report, finished time.Time) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("## Soak: a steady load held for %s\n\n", o.duration)
	w("gossip's built-in uac against its built-in uas on 127.0.0.1, both on this machine, at %d calls/s with calls of %s (about %d in flight), %d shards each, held for %s (%s sampled every %s, the first %s left out as warm-up). ",
		o.rate, o.callLength, int(float64(o.rate)*(o.callLength.Seconds()+0.01)), o.threads, r.held.Round(time.Second), plural(r.samples, "sample"), o.sample, o.warmup)
	w("Flat: RSS and live heap project less growth over the held part than 5%% of their level or 4 MiB, whichever is more, and the goroutine count never changes.\n\n")
	w("- Date: %s\n", finished.UTC().Format("2006-01-02 15:04 MST"))
	w("- Command: `%s`\n", o.command)
	w("- Machine: %s, %d logical CPUs", m.CPU, m.CPUs)
	if m.Memory > 0 {
		w(", %.1f GiB memory", float64(m.Memory)/(1<<30))
	}
	w("; kernel %s; %s\n", m.Kernel, m.Go)
	w("- gossip: %s, built from %s\n\n", m.Gossip, m.GossipSource)
	w("| process | series | first → last | min – max | slope per minute | growth over %s | allowed | flat |\n", r.steady.Round(time.Second))
	w("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, name := range procNames {
		for _, s := range r.series[i] {
			num := func(v float64) string {
				if s.unit == "" {
					return strconv.FormatFloat(v, 'f', 0, 64)
				}
				return strconv.FormatFloat(v, 'f', 1, 64) + " " + s.unit
			}
			slope := func(v float64) string {
				if s.unit == "" {
					return strconv.FormatFloat(v, 'f', 2, 64)
				}
				return strconv.FormatFloat(v*1024, 'f', 1, 64) + " KiB"
			}
			allowed := "no change"
			if s.unit != "" {
				allowed = num(s.allowed)
			}
			flat := "yes"
			if !s.flat {
				flat = "**no**"
			}
			if s.samples < 3 {
				w("| %s | %s | too few samples (%d) | | | | | **no** |\n", name, s.name, s.samples)
				continue
			}
			w("| %s | %s | %s → %s | %s – %s | %s | %s | %s | %s |\n", name, s.name, num(s.first), num(s.last),
				num(s.lo), num(s.hi), slope(s.slopePerMin), slope(s.growth), allowed, flat)
		}
	}
	w("\n| process | exit | created | successful | failed | aborted at stop | running at end | conserved | retransmissions | dead-call msgs | unexpected |\n")
	w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for i, name := range procNames {
		s := r.sums[i]
		c := s.Calls
		cons := "yes"
		if !r.conserved(i) {
			cons = "**no**"
		}
		w("| %s | %d | %d | %d | %d | %d | %d | %s | %d | %d | %d |\n", name, s.ExitStatus, c.Created, c.Successful, c.Failed,
			c.Aborted, c.Current, cons, s.Messages.Retransmissions, s.Messages.DeadCall, s.Messages.Unexpected)
	}
	for i, name := range procNames {
		if r.health[i] != "" {
			w("\nThe %s reported its own saturation: %s.\n", name, r.health[i])
		} else if r.sums[i].Calls.Failed > 0 {
			w("\nThe %s reported no saturation of its own: its %d failed calls are the peer's or the network's.\n", name, r.sums[i].Calls.Failed)
		}
	}
	w("\nThe run is stopped as a user would: SIGINT to the uac (no new calls; running calls may finish for up to 5 s, the rest are aborted and counted as such), then to the uas, whose last calls are in their 4 s linger.\n")
	if r.ok() {
		w("\nVerdict: flat, and every call counted once.\n")
	} else {
		w("\nVerdict: **not flat, or calls not conserved** (see the rows marked no).\n")
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
