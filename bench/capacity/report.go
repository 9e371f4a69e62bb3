package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// report is the outcome of a harness run.
type report struct {
	Options           options
	Machine           benchkit.Machine
	Runs              []*holdResult // in run order; the baseline before its big run
	Started, Finished time.Time
}

// target is one of issue 5's targets, checked against one run.
type target struct {
	What     string // the target
	Run      string // the run it was checked on
	Measured string
	Pass     bool
}

// baseline returns the baseline run of pair id, nil when there is none.
func (r *report) baseline(id string) *holdResult {
	for _, h := range r.Runs {
		if h.Baseline && h.Pair.id == id {
			return h
		}
	}
	return nil
}

// targets checks every non-baseline run against issue 5's targets: RSS
// per held call and CPU while holding of each gossip side, zero failed
// calls, every call released on both sides, and for gossip → gossip the
// ramp p99 against the baseline's.
func (r *report) targets() []target {
	var out []target
	for _, h := range r.Runs {
		if h.Baseline || h.Superseded {
			continue
		}
		run := h.label()
		for _, x := range []struct {
			role string
			s    sideResult
		}{{"UAC", h.UAC}, {"UAS", h.UAS}} {
			if x.s.Kind != benchkit.KindGossip {
				continue
			}
			who := "gossip " + x.role
			if !x.s.measured() || !h.Held {
				out = append(out, target{who + ": ≤ 512 B RSS per held call", run, "not measured: " + h.HeldCheck, false})
				out = append(out, target{who + ": CPU while holding < 5% of one core", run, "not measured: " + h.HeldCheck, false})
				continue
			}
			b := x.s.bytesPerCall(h.Calls)
			out = append(out, target{fmt.Sprintf("%s: ≤ %d B RSS per held call", who, targetBytesPerCall), run,
				fmt.Sprintf("%.0f B", b), b <= targetBytesPerCall})
			c := x.s.cpuShare()
			out = append(out, target{fmt.Sprintf("%s: CPU while holding < %.0f%% of one core", who, 100*targetCPUShare), run,
				fmt.Sprintf("%.1f%% (%.1f ms/s)", 100*c, 1000*c), c < targetCPUShare})
		}
		out = append(out, target{"zero failed calls, both sides", run,
			fmt.Sprintf("UAC %s, UAS %s failed", statCell(h.UAC, h.UAC.Stats.Failed), statCell(h.UAS, h.UAS.Stats.Failed)),
			h.UAC.Stats.Found && h.UAS.Stats.Found && h.UAC.Stats.Failed == 0 && h.UAS.Stats.Failed == 0})
		out = append(out, target{"every call released: SuccessfulCall(C) = N on both sides at the end", run,
			fmt.Sprintf("UAC %s, UAS %s of %s", statCell(h.UAC, h.UAC.Stats.Successful), statCell(h.UAS, h.UAS.Stats.Successful), thousands(h.Calls)),
			h.UAC.Stats.Successful == h.Calls && h.UAS.Stats.Successful == h.Calls})
		if b := r.baseline(h.Pair.id); b != nil {
			out = append(out, p99Target(h, b, r.Options.p99Margin))
		}
	}
	return out
}

// shown is the runs the tables show: all but those that were run again
// with fewer calls.
func (r *report) shown() []*holdResult {
	var out []*holdResult
	for _, h := range r.Runs {
		if !h.Superseded {
			out = append(out, h)
		}
	}
	return out
}

// p99Target compares the ramp p99 of run h with that of the baseline b.
func p99Target(h, b *holdResult, margin float64) target {
	t := target{What: fmt.Sprintf("ramp response-time p99 at %d calls/s no worse at %s held calls than at %s (within %.0f%% for noise)",
		h.Rate, thousands(h.Calls), thousands(b.Calls), 100*margin), Run: h.label()}
	if !h.RTD.Found || !b.RTD.Found || b.RTD.P99 <= 0 {
		t.Measured = "not measured: " + strings.TrimSpace(h.RTDErr+" "+b.RTDErr)
		return t
	}
	ratio := float64(h.RTD.P99)/float64(b.RTD.P99) - 1
	t.Measured = fmt.Sprintf("%s vs %s (%+.0f%%)", fmtDur(h.RTD.P99), fmtDur(b.RTD.P99), 100*ratio)
	t.Pass = ratio <= margin
	return t
}

// statCell is a counter of s's statistics, "?" when it has none.
func statCell(s sideResult, v int) string {
	if !s.Stats.Found {
		return "?"
	}
	return thousands(v)
}

// tableHeader is the held-calls table's header row; the test finds the
// table by it.
const tableHeader = "| run | process | RSS before ramp MiB | RSS at full hold MiB | bytes per held call | CPU while holding ms/s | share of one core | successful | failed | retransmissions |"

// rtdHeader is the response-time table's header row.
const rtdHeader = "| run | every call started after | RTD count | mean | p50 | p90 | p99 | p99.9 | max | other programs' CPU |"

// targetsHeader is the targets table's header row.
const targetsHeader = "| target | run | measured | verdict |"

// renderMarkdown renders the report: intro, machine, the three tables
// (held calls, ramp response times, targets), notes and the run log.
func renderMarkdown(r *report) string {
	var b strings.Builder
	o := r.Options
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("# Capacity: held calls\n\n")
	w("Written by `make bench-capacity` (`go run ./bench/capacity`, see `-h`); rerun it to refresh. ")
	w("Each run is one UAC → UAS pair on 127.0.0.1 running the built-in `uac` and `uas` scenarios: ")
	w("the UAC starts N calls at %d calls/s with `-m N -l N` and a call length `-d` of the ramp time (N / rate) plus a %s hold window, ", o.rate, o.hold)
	w("so every call is held at once for the window and then ends by itself with a BYE; both sides exit once every call has ended. ")
	w("**bytes per held call** is the RSS at full hold minus the RSS before the ramp, divided by N; ")
	w("**CPU while holding** is the user+system time the process used over %s of the hold window. ", o.cpuWindow)
	w("SIPp needs about 3 KB per call per side, so the pairs with a SIPp side hold %s calls instead of %s. ", thousands(o.sippCalls), thousands(o.calls))
	w("Both ends of a pair share this machine's %d logical CPUs.\n\n", r.Machine.CPUs)

	w("## Machine\n\n")
	w("- CPU: %s, %d logical CPUs", r.Machine.CPU, r.Machine.CPUs)
	if r.Machine.Memory > 0 {
		w(", %.1f GiB memory", float64(r.Machine.Memory)/(1<<30))
	}
	w("\n- Kernel: %s\n", r.Machine.Kernel)
	w("- Go: %s\n", r.Machine.Go)
	if r.Machine.SIPp != "" {
		w("- SIPp: %s\n", r.Machine.SIPp)
	}
	if r.Machine.Gossip != "" {
		dp := "gossip's default"
		if r.Machine.GossipDataplane != "" {
			dp += " (" + r.Machine.GossipDataplane + ")"
		}
		w("- gossip: %s, built from %s; dataplane %s; `-threads %d`\n", r.Machine.Gossip, r.Machine.GossipSource, dp, o.threads)
	}
	w("- Date: %s (the run took %s)\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Finished.Sub(r.Started).Round(time.Second))
	w("- Command: `%s`\n\n", o.command)

	w("## Held calls\n\n")
	w("%s\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n", tableHeader)
	for _, h := range r.shown() {
		for _, x := range []struct {
			role string
			s    sideResult
		}{{"UAC", h.UAC}, {"UAS", h.UAS}} {
			s := x.s
			cells := []string{h.label(), s.Kind.String() + " " + x.role, fmt.Sprintf("%.1f", mib(s.RSSBefore))}
			if s.measured() && h.Held {
				cells = append(cells, fmt.Sprintf("%.1f", mib(s.RSSHeld)), fmt.Sprintf("%.0f", s.bytesPerCall(h.Calls)),
					fmt.Sprintf("%.1f", 1000*s.cpuShare()), fmt.Sprintf("%.1f%%", 100*s.cpuShare()))
			} else {
				cells = append(cells, "n/a", "n/a", "n/a", "n/a")
			}
			cells = append(cells, statCell(s, s.Stats.Successful), statCell(s, s.Stats.Failed), statCell(s, s.Stats.Retransmissions))
			w("| %s |\n", strings.Join(cells, " | "))
		}
	}

	w("\n## Response time during the ramp\n\n")
	w("Response time 1 of the UAC (INVITE sent → 200 OK received) over every call of the run; all of them are measured during the ramp.\n\n")
	w("%s\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n", rtdHeader)
	for _, h := range r.shown() {
		ramp := "n/a"
		if h.Ramp > 0 {
			ramp = fmt.Sprintf("≈ %.0f s (planned %.1f s)", h.Ramp.Seconds(), (h.CallLen - h.Hold).Seconds())
		}
		switch {
		case h.RTD.Found:
			d := h.RTD
			w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", h.label(), ramp, thousands(d.Count),
				fmtDur(d.Mean), fmtDur(d.P50), fmtDur(d.P90), fmtDur(d.P99), fmtDur(d.P999), fmtDur(d.Max), h.otherCPU())
		case h.UAC.Kind == benchkit.KindSIPp && h.UAC.Stats.HasResponseTime1:
			w("| %s | %s | n/a | %d ms (SIPp: mean only, in whole ms) | n/a | n/a | n/a | n/a | n/a | %s |\n",
				h.label(), ramp, h.UAC.Stats.ResponseTime1.Milliseconds(), h.otherCPU())
		default:
			w("| %s | %s | n/a | n/a | n/a | n/a | n/a | n/a | n/a | %s |\n", h.label(), ramp, h.otherCPU())
		}
	}

	w("\n## Targets (issue 5)\n\n")
	w("%s\n|---|---|---|---|\n", targetsHeader)
	met, all := 0, 0
	for _, t := range r.targets() {
		verdict := "FAIL"
		if t.Pass {
			verdict, met = "PASS", met+1
		}
		all++
		w("| %s | %s | %s | %s |\n", t.What, t.Run, t.Measured, verdict)
	}
	w("\n%d of %d targets met.\n", met, all)

	w("\nNotes:\n\n")
	w("- Command lines: UAS `-sn uas -i 127.0.0.1 -p PORT -m N -nostdin -buff_size %d -trace_stat -fd 1` (SIPp's also `-l N`); ", bufSize)
	w("UAC `-sn uac -i 127.0.0.1 127.0.0.1:PORT -r %d -m N -l N -d RAMP+HOLD -nostdin -buff_size %d -trace_stat -fd 1`; gossip sides add `-threads %d`. ", o.rate, bufSize, o.threads)
	w("`-l N` is needed: SIPp's default `-l` (3 × call length × rate), which gossip keeps, would hold back the ramp.\n")
	w("- RSS is VmRSS of `/proc/PID/status`. Before the ramp: the UAS once it has bound its sockets and idled for 0.2 s; the UAC the moment its first socket appears (polled every millisecond: it binds before it starts calls). ")
	w("At full hold: the highest of the samples taken every 0.1 s over the CPU window. ")
	w("The hold is measured from %s after the harness saw every call started in the UAC's `-trace_stat` file (written every second: the \"every call started after\" column is good to about a second), ", settle)
	w("for %s; it counts only if the window closed before the first BYE was due (one call length after the UAC started) and the UAC's next statistics row still had all N calls open and none failed.\n", o.cpuWindow)
	w("- CPU while holding: utime+stime of `/proc/PID/stat` (all threads, in 10 ms ticks) at the start and end of the window, divided by its length; 50 ms/s is 5%% of one core.\n")
	w("- Response times: gossip's final summary (HDR histogram, count, mean and percentiles); SIPp's `-trace_stat` has only the mean (`ResponseTime1(C)`), which SIPp measures in whole milliseconds. ")
	if o.baselineCalls > 0 {
		w("The %s-call gossip → gossip run at the same rate is the baseline the big run's p99 is held against; a p99 more than %.0f%% above the baseline's fails (both are single runs on a shared machine).\n", thousands(o.baselineCalls), 100*o.p99Margin)
	} else {
		w("No baseline run (`-baseline-calls 0`).\n")
	}
	for _, h := range r.Runs {
		if h.Superseded {
			w("- %s failed, so the pair ran again with half the calls (down to %s at the least; the tables show the last run): %s.\n",
				h.label(), thousands(sippFloor), h.failure())
		}
	}
	w("- **other programs' CPU**: the machine's busy CPU time (`/proc/stat`) during the run less the two processes' own CPU time (getrusage), over the run's wall time, in cores: what other programs on a shared machine took (plus the harness's polling and kernel work not charged to the pair). ")
	w("On %d logical CPUs, a run where this is high measured a pair that had to compete for the CPUs; SIPp, single-threaded, suffers most. ", r.Machine.CPUs)
	w("The kernel's `RcvbufErrors` in the run log are namespace-wide too: a run with no retransmission lost nothing itself.\n")
	w("- Release: calls end in the order they started, at the ramp's rate; the UAS exits after its scenario's final 4 s timewait. **successful** and **failed** are `SuccessfulCall(C)` and `FailedCall(C)` of each side's last `-trace_stat` row.\n")

	w("\n## Run log\n\n")
	for _, h := range r.Runs {
		w("- %s: %s\n", h.label(), h.summary())
	}
	return b.String()
}

// fmtDur renders a response time: µs below a millisecond, then ms with
// three decimals, then seconds.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
}
