package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// pair is a UAC and a UAS that run against each other.
type pair struct {
	id       string // as -pairs spells it
	label    string // as the tables show it
	uac, uas benchkit.Kind
}

// pairNames lists the pairs -pairs accepts, in the order they run.
var pairNames = []string{"gossip-gossip", "sipp-gossip", "gossip-sipp"}

// pairByID returns the pair named id (one of pairNames).
func pairByID(id string) pair {
	switch id {
	case "sipp-gossip":
		return pair{id, "sipp → gossip", benchkit.KindSIPp, benchkit.KindGossip}
	case "gossip-sipp":
		return pair{id, "gossip → sipp", benchkit.KindGossip, benchkit.KindSIPp}
	default: // "gossip-gossip"; parseFlags admits nothing else
		return pair{id, "gossip → gossip", benchkit.KindGossip, benchkit.KindGossip}
	}
}

// hasSIPp reports whether either side of p is SIPp.
func (p pair) hasSIPp() bool { return p.uac == benchkit.KindSIPp || p.uas == benchkit.KindSIPp }

// bufSize is the -buff_size both sides get: a ramp at 20,000 calls/s
// needs more than the kernel's default socket buffers.
const bufSize = 8 << 20

// settle is how long the harness waits after the last call started before
// it measures the hold: the last calls' 180, 200 and ACK, and a moment for
// the processes to go quiet.
const settle = time.Second

// sideResult is what one process of a hold run did.
type sideResult struct {
	Kind     benchkit.Kind
	Exit     int
	Stats    benchkit.CallStats // the last -trace_stat row
	StatsErr string             // why the statistics file could not be read
	// RSSBefore is the RSS before the ramp: for the UAS once it is bound
	// and idle, for the UAC when its first socket appears (see
	// sampleStartRSS). RSSHeld is the highest RSS seen while every call
	// was held. Both in bytes; 0 when not measured.
	RSSBefore, RSSHeld int64
	// CPUHeld is the user+system CPU time the process used during the
	// hold window CPUWindow.
	CPUHeld, CPUWindow time.Duration
	// User, Sys and MaxRSSKiB are the whole run's, from getrusage.
	User, Sys time.Duration
	MaxRSSKiB int64
	Output    string // tail of what it printed
}

// measured reports whether the hold window was measured.
func (s sideResult) measured() bool { return s.RSSHeld > 0 && s.CPUWindow > 0 }

// bytesPerCall is the RSS growth from before the ramp to full hold,
// divided by the calls held.
func (s sideResult) bytesPerCall(calls int) float64 {
	if calls <= 0 || !s.measured() {
		return 0
	}
	return float64(s.RSSHeld-s.RSSBefore) / float64(calls)
}

// cpuShare is the CPU the process used while holding, as a share of one
// core (0.012 is 12 ms per second).
func (s sideResult) cpuShare() float64 {
	if s.CPUWindow <= 0 {
		return 0
	}
	return s.CPUHeld.Seconds() / s.CPUWindow.Seconds()
}

// holdResult is one hold run: a pair ramped to Calls held calls at Rate,
// held, then released.
type holdResult struct {
	Pair     pair
	Calls    int
	Rate     int
	Hold     time.Duration // hold window
	CallLen  time.Duration // the UAC's -d: ramp time plus hold window
	Baseline bool          // the small run the p99 of the big one is held against
	// Superseded says that the run failed and the pair ran again with
	// fewer calls (SIPp pairs): the tables show the later run.
	Superseded bool
	UAC, UAS   sideResult
	// Ramp is how long after the UAC started the harness saw every call
	// started in its statistics file (which it writes every second); 0 when
	// the ramp did not finish in time.
	Ramp time.Duration
	// Held says that the hold window lay inside the time every call was
	// established and none had ended; HeldCheck says why not.
	Held      bool
	HeldCheck string
	// RTD is the UAC's response time 1 over the run (gossip's summary).
	RTD    rtdSummary
	RTDErr string
	// RcvbufErrors is the kernel's receive-buffer drop counter's growth
	// during the run (the whole network namespace).
	RcvbufErrors uint64
	// OtherCores is the CPU the rest of the machine used during the run,
	// in cores on average: the machine's busy time (/proc/stat) less the
	// two processes' CPU time, over the run's wall time. Other programs on
	// a shared machine show here (and the harness's own polling, and
	// kernel work not charged to the pair); -1 when unknown.
	OtherCores float64
	Wall       time.Duration // UAC start to UAS exit
	Problems   []string      // why the run failed; empty when it passed
}

// OK reports whether every call succeeded on both sides and the hold was
// measured.
func (h *holdResult) OK() bool { return len(h.Problems) == 0 }

// label names the run in tables: the pair and the calls.
func (h *holdResult) label() string {
	return fmt.Sprintf("%s, %s calls", h.Pair.label, thousands(h.Calls))
}

// runner runs hold runs.
type runner struct {
	opt  options
	work string
	logf func(format string, a ...any)
	seq  int
}

// callLength is the UAC's -d for calls held at rate: the ramp (calls/rate)
// plus the hold window, in whole milliseconds, so that the first call ends
// just as the hold window closes.
func callLength(calls, rate int, hold time.Duration) time.Duration {
	ramp := time.Duration((int64(calls)*int64(time.Second) + int64(rate) - 1) / int64(rate))
	return (ramp + hold + time.Millisecond - 1).Truncate(time.Millisecond)
}

// sideArgs is the command line of one side: the built-in uac or uas on
// 127.0.0.1 with big socket buffers and SIPp's statistics file every
// second. -m makes both end once every call has ended; -l lets the UAC (and
// SIPp's UAS) hold all of them at once.
func (r *runner) sideArgs(k benchkit.Kind, role string, uasPort, uacPort, calls, rate int, callLen time.Duration) []string {
	a := []string{"-sn", role, "-i", "127.0.0.1", "-nostdin", "-buff_size", strconv.Itoa(bufSize),
		"-m", strconv.Itoa(calls), "-trace_stat", "-stf", role + ".csv", "-fd", "1"}
	if role == "uas" {
		a = append(a, "-p", strconv.Itoa(uasPort))
		if k == benchkit.KindSIPp {
			a = append(a, "-l", strconv.Itoa(calls))
		}
	} else {
		a = append(a, "127.0.0.1:"+strconv.Itoa(uasPort), "-r", strconv.Itoa(rate),
			"-l", strconv.Itoa(calls), "-d", strconv.FormatInt(callLen.Milliseconds(), 10))
		if k == benchkit.KindSIPp {
			a = append(a, "-p", strconv.Itoa(uacPort))
		}
	}
	if k == benchkit.KindGossip {
		a = append(a, "-threads", strconv.Itoa(r.opt.threads))
	}
	return a
}

// run ramps pair p to calls held calls at the configured rate, measures
// RSS and CPU while they are all held, lets them end by themselves (the UAC
// sends BYE once -d is over) and judges the outcome. An error means the
// harness could not run it at all; a run that failed has Problems.
func (r *runner) run(ctx context.Context, p pair, calls int, baseline bool) (*holdResult, error) {
	o := r.opt
	h := &holdResult{Pair: p, Calls: calls, Rate: o.rate, Hold: o.hold, Baseline: baseline,
		CallLen: callLength(calls, o.rate, o.hold)}
	h.UAC.Kind, h.UAS.Kind = p.uac, p.uas
	r.seq++
	dir := filepath.Join(r.work, fmt.Sprintf("%02d-%s-%d", r.seq, p.id, calls))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	ramp := h.CallLen - o.hold
	// The last call ends about ramp + call length after the start; the UAS
	// then waits out its scenario's 4 s timewait. Past these bounds a side
	// is stopped, and far past them killed.
	uacDeadline := ramp + h.CallLen + max(30*time.Second, ramp/2)
	const uasGrace = 15 * time.Second
	hardTimeout := uacDeadline + uasGrace + time.Minute

	uas, port, err := r.startUAS(ctx, p.uas, dir, calls, hardTimeout)
	if err != nil {
		return nil, err
	}
	defer uas.Kill()
	time.Sleep(200 * time.Millisecond) // let it go idle after binding
	if h.UAS.RSSBefore, err = benchkit.RSS(uas.PID()); err != nil {
		return nil, fmt.Errorf("%s uas before the ramp: %w", p.uas, err)
	}
	uacPort, err := benchkit.FreeUDPPort()
	if err != nil {
		return nil, err
	}
	snmpBefore, err := benchkit.ReadSNMP()
	if err != nil {
		return nil, fmt.Errorf("kernel UDP counters: %w", err)
	}
	h.OtherCores = -1
	busyBefore, busyErr := benchkit.MachineCPU()
	// The busy time is counted from here, the UAS's rusage from its start:
	// the few milliseconds it took to start up count as its own.
	uasIdle := time.Since(uas.Started)
	uac, err := benchkit.Start(ctx, hardTimeout, dir, r.opt.bins.Path(p.uac),
		r.sideArgs(p.uac, "uac", port, uacPort, calls, o.rate, h.CallLen)...)
	if err != nil {
		return nil, err
	}
	defer uac.Kill()
	if h.UAC.RSSBefore, err = sampleStartRSS(uac, 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s uac before the ramp: %w", p.uac, err)
	}
	r.logf("[%s] ramping to %s calls at %d calls/s (-d %s), hold window %s",
		h.label(), thousands(calls), o.rate, h.CallLen, o.hold)

	if err := r.measureHold(ctx, h, uac, uas, filepath.Join(dir, "uac.csv")); err != nil {
		return nil, err
	}

	// Release: the calls end by themselves in the order they started.
	if !waitCtx(ctx, uac, time.Until(uac.Started.Add(uacDeadline))) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h.Problems = append(h.Problems, fmt.Sprintf("uac not done %s after it started: stopped", uacDeadline))
		uac.Interrupt(5 * time.Second)
	}
	if !waitCtx(ctx, uas, uasGrace) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		h.Problems = append(h.Problems, fmt.Sprintf("uas not done %s after the uac: stopped", uasGrace))
		uas.Interrupt(5 * time.Second)
	}
	h.Wall = uas.Ended.Sub(uac.Started)
	if after, err := benchkit.ReadSNMP(); err == nil {
		h.RcvbufErrors = after.RcvbufErrors - snmpBefore.RcvbufErrors
	}
	collect(&h.UAC, uac, filepath.Join(dir, "uac.csv"))
	collect(&h.UAS, uas, filepath.Join(dir, "uas.csv"))
	if busyAfter, err := benchkit.MachineCPU(); err == nil && busyErr == nil {
		ours := h.UAC.User + h.UAC.Sys + h.UAS.User + h.UAS.Sys
		if wall := uas.Ended.Sub(uas.Started) - uasIdle; wall > 0 {
			h.OtherCores = max(0, float64(busyAfter-busyBefore-ours)/float64(wall))
		}
	}
	if o.keep {
		uac.SaveOutput(filepath.Join(dir, "uac.out"))
		uas.SaveOutput(filepath.Join(dir, "uas.out"))
	}
	if p.uac == benchkit.KindGossip {
		if h.RTD, err = parseRTD(h.UAC.Output, "1"); err != nil {
			h.RTDErr = err.Error()
		}
	}
	h.Problems = append(h.Problems, judge(h)...)
	r.logf("[%s] %s", h.label(), h.summary())
	return h, nil
}

// measureHold follows the ramp in the UAC's statistics file, then, once
// every call has started and settle has passed, measures both processes'
// RSS and CPU time over the CPU window, and checks that the window lay
// inside the hold: no call had ended (the first BYE goes out one call
// length after the UAC started) and the next statistics row still has
// every call open. A ramp too slow to leave room for the window is a
// problem of the run, not an error.
func (r *runner) measureHold(ctx context.Context, h *holdResult, uac, uas *benchkit.Proc, uacCSV string) error {
	o := r.opt
	firstBye := uac.Started.Add(h.CallLen)
	// The window must close before the first BYE, with a second to spare.
	rampDeadline := firstBye.Add(-settle - o.cpuWindow - time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var st benchkit.CallStats
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			if uac.Exited() || uas.Exited() {
				h.HeldCheck = "a side ended during the ramp"
				h.Problems = append(h.Problems, h.HeldCheck)
				return nil
			}
			st, _ = benchkit.ReadStatFile(uacCSV) // not written yet: try again
			if st.Outgoing >= h.Calls {
				h.Ramp = now.Sub(uac.Started)
				r.logf("[%s] every call started after %s", h.label(), h.Ramp.Round(100*time.Millisecond))
				return r.window(ctx, h, uac, uas, uacCSV, firstBye)
			}
			if now.After(rampDeadline) {
				h.HeldCheck = fmt.Sprintf("ramp too slow: %s of %s calls started %s after the uac started, too late to measure before the first calls end",
					thousands(st.Outgoing), thousands(h.Calls), now.Sub(uac.Started).Round(100*time.Millisecond))
				h.Problems = append(h.Problems, h.HeldCheck)
				r.logf("[%s] %s", h.label(), h.HeldCheck)
				return nil
			}
		}
	}
}

// window measures the hold window (see measureHold).
func (r *runner) window(ctx context.Context, h *holdResult, uac, uas *benchkit.Proc, uacCSV string, firstBye time.Time) error {
	if !sleepCtx(ctx, settle) {
		return ctx.Err()
	}
	procs := []struct {
		p *benchkit.Proc
		s *sideResult
	}{{uac, &h.UAC}, {uas, &h.UAS}}
	cpuTimes := func() (cpu [2]time.Duration, err error) {
		for i, x := range procs {
			if cpu[i], err = benchkit.CPUTime(x.p.PID()); err != nil {
				return cpu, err
			}
		}
		return cpu, nil
	}
	t0 := time.Now()
	cpu0, err := cpuTimes()
	if err != nil {
		h.notHeld(err.Error())
		return nil
	}
	sample := func() {
		for _, x := range procs {
			if v, err := benchkit.RSS(x.p.PID()); err == nil && v > x.s.RSSHeld {
				x.s.RSSHeld = v
			}
		}
	}
	sample()
	tick := time.NewTicker(100 * time.Millisecond)
	deadline := time.NewTimer(r.opt.cpuWindow)
	defer tick.Stop()
	defer deadline.Stop()
measure:
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			sample()
		case <-deadline.C:
			break measure
		}
	}
	sample()
	t1 := time.Now()
	cpu1, err := cpuTimes()
	if err != nil {
		h.notHeld(err.Error())
		return nil
	}
	for i, x := range procs {
		x.s.CPUHeld, x.s.CPUWindow = cpu1[i]-cpu0[i], t1.Sub(t0)
	}
	r.logf("[%s] held: uac RSS %.1f MiB (%.0f B/call), %.1f ms/s CPU; uas RSS %.1f MiB (%.0f B/call), %.1f ms/s CPU",
		h.label(), mib(h.UAC.RSSHeld), h.UAC.bytesPerCall(h.Calls), 1000*h.UAC.cpuShare(),
		mib(h.UAS.RSSHeld), h.UAS.bytesPerCall(h.Calls), 1000*h.UAS.cpuShare())

	// Every call started before t0; none can have ended before the first
	// BYE; the first statistics row written after the window must still
	// have every call open and none failed.
	if t1.After(firstBye) {
		h.notHeld(fmt.Sprintf("the window closed %s after the first BYE was due", t1.Sub(firstBye).Round(time.Millisecond)))
		return nil
	}
	before, _ := benchkit.ReadStatFile(uacCSV)
	end := time.Now().Add(3 * time.Second)
	for {
		st, err := benchkit.ReadStatFile(uacCSV)
		if err == nil && st.Rows > before.Rows {
			if st.Current != h.Calls || st.Failed != 0 {
				h.notHeld(fmt.Sprintf("the uac's first statistics row after the window has %s calls open (want %s) and %d failed",
					thousands(st.Current), thousands(h.Calls), st.Failed))
				return nil
			}
			h.Held = true
			return nil
		}
		if time.Now().After(end) {
			h.notHeld("the uac wrote no statistics row within 3 s after the window")
			return nil
		}
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// notHeld records why the hold window could not be measured, as a problem
// of the run.
func (h *holdResult) notHeld(why string) {
	h.HeldCheck = why
	h.Problems = append(h.Problems, "hold not measured: "+why)
}

// sampleStartRSS returns the UAC's RSS before its ramp: polled every
// millisecond, the moment its first socket appears (it binds before it
// starts calls; at 20,000 calls/s a millisecond is 20 calls, about 8 KB
// of a gossip UAC's few MB at start).
func sampleStartRSS(p *benchkit.Proc, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.Exited() {
			return 0, fmt.Errorf("exited at start (status %d): %s", p.ExitCode(), benchkit.LastLines(p.Output(), 3))
		}
		if len(benchkit.SocketInodes(p.PID())) > 0 {
			return benchkit.RSS(p.PID())
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("opened no socket within %s", timeout)
}

// startUAS starts the UAS on a free port and waits until all its sockets
// are bound; it tries a few ports, as another program may take the one
// found free.
func (r *runner) startUAS(ctx context.Context, k benchkit.Kind, dir string, calls int, timeout time.Duration) (*benchkit.Proc, int, error) {
	want := 1
	if k == benchkit.KindGossip {
		want = r.opt.threads // one SO_REUSEPORT socket per shard
	}
	return benchkit.StartUAS(ctx, false, want, func(port int) (*benchkit.Proc, error) {
		return benchkit.Start(ctx, timeout, dir, r.opt.bins.Path(k), r.sideArgs(k, "uas", port, 0, calls, 0, 0)...)
	}, nil)
}

// collect gathers one ended process's statistics and resource usage.
func collect(s *sideResult, p *benchkit.Proc, statFile string) {
	s.Exit = p.ExitCode()
	s.User, s.Sys, s.MaxRSSKiB = p.Usage()
	st, err := benchkit.ReadStatFile(statFile)
	if err != nil {
		s.StatsErr = err.Error()
	}
	s.Stats = st
	s.Output = p.Output()
}

// judge lists why a run failed: a side did not exit with status 0, or did
// not count every call successful, or failed one. (Problems with the hold
// window are added while measuring.)
func judge(h *holdResult) []string {
	var out []string
	for _, x := range []struct {
		role string
		s    *sideResult
	}{{"uac", &h.UAC}, {"uas", &h.UAS}} {
		if x.s.Exit != 0 {
			hint := ""
			if l := benchkit.LastLines(x.s.Output, 1); l != "" {
				hint = ": " + l
			}
			out = append(out, fmt.Sprintf("%s exit %d%s", x.role, x.s.Exit, hint))
		}
		if !x.s.Stats.Found {
			out = append(out, x.role+" statistics: "+x.s.StatsErr)
			continue
		}
		if x.s.Stats.Successful != h.Calls || x.s.Stats.Failed != 0 {
			msg := fmt.Sprintf("%s %s/%s calls successful, %s failed", x.role,
				thousands(x.s.Stats.Successful), thousands(h.Calls), thousands(x.s.Stats.Failed))
			if c := x.s.Stats.Classes(); c != "" {
				msg += " (" + c + ")"
			}
			out = append(out, msg)
		}
	}
	return out
}

// summary is the run in one line, for the log.
func (h *holdResult) summary() string {
	verdict := "ok"
	if !h.OK() {
		verdict = "FAIL: " + strings.Join(h.Problems, "; ")
	}
	return fmt.Sprintf("%s (successful uac %s, uas %s; retransmissions uac %d, uas %d; kernel RcvbufErrors +%d; other programs' CPU %s; %s)",
		verdict, thousands(h.UAC.Stats.Successful), thousands(h.UAS.Stats.Successful),
		h.UAC.Stats.Retransmissions, h.UAS.Stats.Retransmissions, h.RcvbufErrors, h.otherCPU(), h.Wall.Round(100*time.Millisecond))
}

// otherCPU renders OtherCores.
func (h *holdResult) otherCPU() string {
	if h.OtherCores < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.2f cores", h.OtherCores)
}

// failure describes a failed run in a line for the report: the ramp, the
// calls on both sides, retransmissions and kernel drops.
func (h *holdResult) failure() string {
	var parts []string
	if h.Ramp > 0 {
		parts = append(parts, fmt.Sprintf("every call started after %.1f s (planned %.1f s)", h.Ramp.Seconds(), (h.CallLen-h.Hold).Seconds()))
	} else {
		parts = append(parts, "the ramp did not finish in time")
	}
	for _, x := range []struct {
		role string
		s    sideResult
	}{{"UAC", h.UAC}, {"UAS", h.UAS}} {
		p := fmt.Sprintf("%s %s %s/%s successful, %s failed", x.s.Kind, x.role, statCell(x.s, x.s.Stats.Successful),
			thousands(h.Calls), statCell(x.s, x.s.Stats.Failed))
		if c := x.s.Stats.Classes(); c != "" {
			p += " (" + c + ")"
		}
		parts = append(parts, p+fmt.Sprintf(", %s retransmissions", statCell(x.s, x.s.Stats.Retransmissions)))
	}
	parts = append(parts, fmt.Sprintf("kernel receive-buffer drops %s", thousands(int(h.RcvbufErrors))),
		"other programs' CPU "+h.otherCPU())
	return strings.Join(parts, "; ")
}

// waitCtx waits up to d for p to end; false when it did not or ctx ended.
func waitCtx(ctx context.Context, p *benchkit.Proc, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-p.Done():
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// sleepCtx sleeps for d; false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// mib is bytes in MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// thousands renders n with thousands separators: 1000000 → "1,000,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
