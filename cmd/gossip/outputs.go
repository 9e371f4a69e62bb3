package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/cmd/gossip/internal/live"
	"github.com/gossip-sip/gossip/engine"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// outputs are the files a run writes besides the screen: SIPp's trace files
// under SIPp's names (<scenario>_<pid>_*.csv|log, or the -stf,
// -message_file, ... names) and gossip's -trace_hdr and -summary_json; and
// the -rate_increase ramp, which ticks with them.
//
// openOutputs opens every file before the engine is built (a file that
// cannot be created is a fatal error before any traffic), configure hands
// the engine its tracer and observers, start begins the -fd rows once the
// run has started, finish writes the last rows and the end-of-run files,
// and close flushes and closes everything (safe to call more than once).
type outputs struct {
	opts   *cli.Options
	scn    *scenario.Scenario
	args   []string
	base   string // "<scenario>_<pid>_"
	stderr io.Writer

	mu      sync.Mutex // guards closers (the error log opens late)
	closers []io.Closer
	closed  bool

	// Written by the shards, through the engine's tracer and observers.
	files *trace.Files         // -trace_msg, -trace_err
	short *trace.ShortMessages // -trace_shortmsg
	rtt   *trace.RTTLog        // -trace_rtt
	codes *trace.ErrorCodes    // -trace_error_codes
	alog  *trace.ActionLog     // -trace_logs
	cdbg  *trace.CallDebug     // -trace_calldebug

	// Written every -fd by the output goroutine, then by finish.
	statW, countsW, codesW, hdrW io.Writer
	eng                          *engine.Engine
	period                       *stats.Period // -trace_stat, -trace_counts, -trace_error_codes
	hdrPeriod                    *stats.Period // -trace_hdr
	stat                         *stats.StatFile
	counts                       *stats.CountsFile
	codesFile                    *stats.ErrorCodesFile
	hdr                          *stats.HdrLog
	codeBuf                      []int
	stop, done                   chan struct{}
}

// openOutputs opens the files the command line asks for.
func openOutputs(opts *cli.Options, scn *scenario.Scenario, args []string, stderr io.Writer) (*outputs, error) {
	o := &outputs{opts: opts, scn: scn, args: args, stderr: stderr,
		base: fmt.Sprintf("%s_%d_", scenarioBase(opts, scn), os.Getpid())}
	if err := o.open(); err != nil {
		o.close()
		return nil, err
	}
	return o, nil
}

// name is the file name of a trace file: the flag's value, or SIPp's.
func (o *outputs) name(given, suffix string) string {
	if given != "" {
		return given
	}
	return o.base + suffix
}

// create opens a file for writing, truncated or (overwrite false, SIPp's
// -*_overwrite false) appended to, and closes it with the outputs.
func (o *outputs) create(name string, overwrite bool) (*os.File, error) {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if !overwrite {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.closers = append(o.closers, f)
	o.mu.Unlock()
	return f, nil
}

// opener defers creating a file to its first use, as SIPp opens its error
// and log-action files.
func (o *outputs) opener(name string, overwrite bool) func() (io.Writer, error) {
	return func() (io.Writer, error) {
		f, err := o.create(name, overwrite)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
}

func (o *outputs) open() error {
	opts := o.opts
	var err error
	mk := func(flag, name string, overwrite bool) io.Writer {
		if err != nil {
			return nil
		}
		var f *os.File
		if f, err = o.create(name, overwrite); err != nil {
			err = fmt.Errorf("-%s: %w", flag, err)
			return nil
		}
		return f
	}
	if opts.TraceStat {
		o.statW = mk("trace_stat", o.name(opts.StatFile, ".csv"), true)
	}
	if opts.TraceCounts {
		o.countsW = mk("trace_counts", o.base+"counts.csv", true)
	}
	if opts.TraceErrorCodes {
		o.codesW = mk("trace_error_codes", o.base+"error_codes.csv", true)
		o.codes = &trace.ErrorCodes{}
	}
	if opts.TraceHDR != "" {
		o.hdrW = mk("trace_hdr", opts.TraceHDR, true)
	}
	if opts.TraceRTT {
		if w := mk("trace_rtt", o.base+"rtt.csv", true); w != nil {
			o.rtt = trace.NewRTTLog(w, o.scn.RTDNames, opts.RTTFreq, "")
		}
	}
	if opts.TraceShortMsg {
		if w := mk("trace_shortmsg", o.name(opts.ShortMessageFile, "shortmessages.log"), opts.ShortMessageOverwrite); w != nil {
			o.short = trace.NewShortMessages(w)
		}
	}
	if opts.TraceMsg || opts.TraceErr {
		var msgs io.Writer
		if opts.TraceMsg {
			msgs = mk("trace_msg", o.name(opts.MessageFile, "messages.log"), opts.MessageOverwrite)
		}
		var openErrors func() (io.Writer, error)
		if opts.TraceErr {
			openErrors = o.opener(o.name(opts.ErrorFile, "errors.log"), opts.ErrorOverwrite)
		}
		o.files = trace.NewFiles(msgs, openErrors)
	}
	if opts.TraceCallDebug {
		// Created at start, as SIPp does, even if no call aborts.
		if w := mk("trace_calldebug", o.name(opts.CallDebugFile, "calldebug.log"), opts.CallDebugOverwrite); w != nil {
			o.cdbg = trace.NewCallDebug(w)
		}
	}
	if opts.TraceLogs {
		o.alog = trace.NewActionLog(o.opener(o.name(opts.LogFile, "logs.log"), opts.LogOverwrite))
	}
	if opts.SummaryJSON != "" {
		// Created at the end; check now that it can be.
		if f := mk("summary_json", opts.SummaryJSON, true); f != nil {
			o.closeOne(f.(*os.File))
		}
	}
	return err
}

// closeOne closes f now and forgets it.
func (o *outputs) closeOne(f *os.File) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, c := range o.closers {
		if c == f {
			o.closers = append(o.closers[:i], o.closers[i+1:]...)
			break
		}
	}
	_ = f.Close()
}

// configure gives the engine the tracers and observers the trace files
// need; nothing when no file needs them, so the shards pay one nil check.
func (o *outputs) configure(cfg *engine.Config) {
	var ts trace.Tracers
	if o.files != nil {
		ts = append(ts, o.files)
	}
	if o.short != nil {
		ts = append(ts, o.short)
	}
	switch len(ts) {
	case 0:
	case 1:
		cfg.Tracer = ts[0]
	default:
		cfg.Tracer = ts
	}
	if o.rtt != nil || o.codes != nil {
		cfg.Observer = &trace.Observers{RTT: o.rtt, Codes: o.codes}
	}
	if o.alog != nil {
		cfg.ActionLog = o.alog
	}
	if o.cdbg != nil {
		cfg.CallDebug = o.cdbg
	}
}

// start prepares the -fd files for eng's run and starts the goroutine that
// writes a first row when the run starts (as SIPp does), one row every -fd,
// and steps the -rate_increase ramp through c.
func (o *outputs) start(eng *engine.Engine, c *live.Controller) error {
	opts := o.opts
	o.eng = eng
	layout := eng.Collector().Layout()
	o.period = eng.Collector().NewPeriod()
	if o.hdrW != nil {
		// A period of its own: the first row, at the start, writes no
		// interval, and must not reset the histograms of the first one.
		o.hdrPeriod = eng.Collector().NewHistogramPeriod()
		o.hdr = stats.NewHdrLog(o.hdrW, layout)
		o.hdr.Comment = "Logged with gossip " + version + "; values in nanoseconds"
	}
	if o.statW != nil {
		o.stat = stats.NewStatFile(o.statW, layout)
		o.stat.PeriodicRepartition = opts.PeriodicRTD
		if err := o.stat.WriteHeader(); err != nil {
			return fmt.Errorf("-trace_stat: %w", err)
		}
	}
	if o.countsW != nil {
		o.counts = stats.NewCountsFile(o.countsW, scenarioSteps(o.scn, opts))
		if err := o.counts.WriteHeader(); err != nil {
			return fmt.Errorf("-trace_counts: %w", err)
		}
	}
	if o.codesW != nil {
		o.codesFile = stats.NewErrorCodesFile(o.codesW)
	}

	rows := o.stat != nil || o.counts != nil || o.codesFile != nil || o.hdr != nil
	flush := o.files != nil || o.short != nil || o.alog != nil || o.cdbg != nil
	ramp := opts.RateIncrease != 0 && opts.Users <= 0
	if !rows && !flush && !ramp {
		return nil
	}
	o.stop, o.done = make(chan struct{}), make(chan struct{})
	go o.run(eng, c, rows, flush, ramp)
	return nil
}

// run is the output goroutine: -fd rows (or, without any -fd file, a flush
// of the logs every -fd) and the ramp's steps.
func (o *outputs) run(eng *engine.Engine, c *live.Controller, rows, flush, ramp bool) {
	defer close(o.done)
	select {
	case <-eng.Collector().Started():
	case <-o.stop:
		return
	}
	var rowTick, rampTick <-chan time.Time
	if rows {
		o.row(time.Now(), true)
	}
	if rows || flush {
		t := time.NewTicker(o.opts.StatPeriod)
		defer t.Stop()
		rowTick = t.C
	}
	if ramp {
		every := o.opts.RateInterval
		if every <= 0 {
			every = o.opts.StatPeriod
		}
		t := time.NewTicker(every)
		defer t.Stop()
		rampTick = t.C
	}
	for {
		select {
		case now := <-rowTick:
			if rows {
				o.row(now, false)
			} else {
				_ = o.flushTraces() // errors are reported at the end
			}
		case <-rampTick:
			if o.rampStep(eng, c) {
				rampTick = nil
			}
		case <-o.stop:
			return
		}
	}
}

// rampStep adds -rate_increase to the rate as SIPp's rate task does: past
// -rate_max the rate stays at the maximum and, unless -no_rate_quit, the
// test stops like the q key. It reports whether the ramp is over.
func (o *outputs) rampStep(eng *engine.Engine, c *live.Controller) bool {
	opts := o.opts
	capped := false
	c.UpdateRate(func(r float64) float64 {
		r += float64(opts.RateIncrease)
		if opts.RateMax > 0 && r > float64(opts.RateMax) {
			r, capped = float64(opts.RateMax), true
		}
		return r
	})
	if capped && !opts.NoRateQuit {
		fmt.Fprintf(o.stderr, "gossip: -rate_max %d reached: stopping (running calls finish)\n", opts.RateMax)
		eng.Stop()
		return true
	}
	return false
}

// row writes one row of each -fd file for the period ending at now. The
// first row, at the start of the run, has no HDR interval.
func (o *outputs) row(now time.Time, first bool) {
	s := o.period.Snapshot(now)
	s.TargetRate, s.Users = targetOf(o.opts, o.eng)
	report := func(flag string, err error) {
		if err != nil {
			fmt.Fprintf(o.stderr, "gossip: -%s: %v\n", flag, err)
		}
	}
	if o.stat != nil {
		report("trace_stat", o.stat.WriteRow(s))
	}
	if o.counts != nil {
		report("trace_counts", o.counts.WriteRow(s))
	}
	if o.codesFile != nil {
		o.codeBuf = o.codes.Take(o.codeBuf[:0])
		report("trace_error_codes", o.codesFile.WriteRow(s.Now, s.Start, o.codeBuf))
	}
	if o.hdr != nil && !first {
		report("trace_hdr", o.hdr.WriteInterval(o.hdrPeriod.Snapshot(now)))
	}
	// Let tail -f follow the logs written by the shards.
	o.flushTraces()
}

// flushTraces writes out what the trace files buffer.
func (o *outputs) flushTraces() error {
	var errs []error
	if o.files != nil {
		errs = append(errs, wrapFlag("trace_msg", o.files.Flush()))
	}
	if o.short != nil {
		errs = append(errs, wrapFlag("trace_shortmsg", o.short.Flush()))
	}
	if o.alog != nil {
		errs = append(errs, wrapFlag("trace_logs", o.alog.Flush()))
	}
	if o.cdbg != nil {
		errs = append(errs, wrapFlag("trace_calldebug", o.cdbg.Flush()))
	}
	return errors.Join(errs...)
}

func wrapFlag(flag string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("-%s: %w", flag, err)
}

// finish ends the -fd goroutine, writes the last row of each -fd file, the
// -trace_screen screens and the -summary_json summary of final, the run's
// final snapshot, with health, the generator's own, and exit, the run's
// exit status. It returns an error when a file could not be written.
func (o *outputs) finish(final *stats.Snapshot, info stats.ScreenInfo, health engine.Health, exit int) error {
	if o.stop != nil {
		close(o.stop)
		<-o.done
		o.stop = nil
	}
	var errs []error
	if o.period != nil && (o.stat != nil || o.counts != nil || o.codesFile != nil || o.hdr != nil) {
		o.row(time.Now(), false)
	}
	if o.rtt != nil {
		errs = append(errs, wrapFlag("trace_rtt", o.rtt.Flush()))
	}
	errs = append(errs, o.flushTraces())
	if o.opts.TraceScreen {
		f, err := o.create(o.name(o.opts.ScreenFile, "screen.log"), o.opts.ScreenOverwrite)
		if err == nil {
			err = stats.WriteAllScreens(f, final, info)
		}
		errs = append(errs, wrapFlag("trace_screen", err))
	}
	if o.opts.SummaryJSON != "" {
		sum := stats.NewSummary(final, info)
		sum.Version = version
		sum.Args = append(sum.Args, o.args...)
		sum.Flags = cli.GivenFlags(o.args)
		sum.ExitStatus = exit
		sum.Generator = stats.SummaryGenerator{
			Saturated: health.Saturated(), Warning: health.String(),
			LateCalls: health.LateCalls, LateMaxMS: stats.SummaryMS(health.LateMax),
			LateWakeups: health.LaggedWakes, WakeupLagMaxMS: stats.SummaryMS(health.LagMax),
			KernelDrops: health.KernelDrops, HandoffDrops: health.HandoffDrops, SendErrors: health.SendErrors,
			HandedOff: health.HandedOff, KernelSteered: health.KernelSteered,
		}
		f, err := o.create(o.opts.SummaryJSON, true)
		if err == nil {
			err = sum.WriteJSON(f)
		}
		errs = append(errs, wrapFlag("summary_json", err))
	}
	return errors.Join(errs...)
}

// close flushes and closes every file; later calls do nothing.
func (o *outputs) close() {
	if o.stop != nil {
		close(o.stop)
		<-o.done
		o.stop = nil
	}
	if o.rtt != nil {
		_ = o.rtt.Flush()
	}
	_ = o.flushTraces()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.closed = true
	for _, c := range o.closers {
		_ = c.Close()
	}
}

// scenarioSteps describes the scenario's commands for the per-message
// outputs (the scenario screen, -trace_counts).
func scenarioSteps(scn *scenario.Scenario, opts *cli.Options) []stats.Step {
	steps := make([]stats.Step, len(scn.Commands))
	for i := range scn.Commands {
		c := &scn.Commands[i]
		st := &steps[i]
		st.Display, st.Hide, st.Crlf = c.Display, c.Hide, c.Crlf
		if c.StartRTD != scenario.NoIndex {
			st.StartRTD = c.StartRTD + 1
		}
		if c.StopRTD != scenario.NoIndex {
			st.StopRTD = c.StopRTD + 1
		}
		switch c.Kind {
		case scenario.KindSend:
			st.Kind = stats.StepSend
			st.Retrans = c.Retrans > 0
			if c.Message != nil {
				st.Method, st.Code = c.Message.Method, c.Message.Status
			}
		case scenario.KindRecv:
			st.Kind = stats.StepRecv
			st.Method, st.Code = c.Request, c.Response
		case scenario.KindPause:
			st.Kind = stats.StepPause
			d := c.Pause
			if c.PauseFromFlag {
				d = opts.CallDuration
			}
			st.Pause = strconv.FormatInt(d.Milliseconds(), 10) + "ms"
		case scenario.KindLabel:
			st.Kind = stats.StepLabel
		case scenario.KindSendCmd:
			st.Kind = stats.StepSendCmd
		case scenario.KindRecvCmd:
			st.Kind = stats.StepRecvCmd
		default:
			st.Kind = stats.StepNop
		}
	}
	return steps
}
