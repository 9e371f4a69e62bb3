package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// pairResult is everything measured for one pair.
type pairResult struct {
	Pair             pair
	DatagramsPerCall int           // sends of the uac plus the uas scenario
	Max              int           // highest passing rate; 0 when none passed
	Capped           bool          // Max is -max-rate: the pair may do more
	Probes           []probeResult // the search, in order
	CPURuns          []probeResult // the runs at the common rate, in order
	CPU              *probeResult  // the median of CPURuns, which the table shows
	CPUFailed        []probeResult // CPU runs that failed and were repeated
}

// cpuPerCall is a CPU run's CPU time per call, both sides, user and system.
func (p *probeResult) cpuPerCall() float64 {
	return perCall(p.UAC.User+p.UAC.Sys+p.UAS.User+p.UAS.Sys, p.Calls)
}

// medianRun is the run of median CPU per call (the lower middle one of an
// even count), preferring runs that passed; nil when there is none.
func medianRun(runs []probeResult) *probeResult {
	var pick []*probeResult
	for i := range runs {
		if runs[i].OK() {
			pick = append(pick, &runs[i])
		}
	}
	if len(pick) == 0 {
		for i := range runs {
			pick = append(pick, &runs[i])
		}
	}
	if len(pick) == 0 {
		return nil
	}
	slices.SortStableFunc(pick, func(a, b *probeResult) int { return cmp.Compare(a.cpuPerCall(), b.cpuPerCall()) })
	return pick[(len(pick)-1)/2]
}

// report is the outcome of a harness run.
type report struct {
	Options           options
	Machine           benchkit.Machine
	Loopback          loopbackResult
	WakeCost          time.Duration // CPU per timer sleep of wakeSleep (timerWakeCost)
	WakeSleeps        int           // sleeps it was measured over
	WakeErr           string        // why it was not measured
	CommonRate        int
	CPUDuration       time.Duration
	Split             *benchkit.CPUSplitter // how the CPU runs split user and system time
	Pairs             []*pairResult
	Started, Finished time.Time
}

// wakeSleep is the sleep timerWakeCost times: a busy shard's drain period.
const wakeSleep = time.Millisecond

// wakeSleeps is how many sleeps timerWakeCost averages over.
func wakeSleeps(short bool) int {
	if short {
		return 100
	}
	return 500
}

// wakePerCall is the timer wake-ups of one busy shard, 1,000 a second, in
// CPU µs per call at the common rate.
func (r *report) wakePerCall() float64 {
	if r.CommonRate <= 0 {
		return 0
	}
	return float64(r.WakeCost.Nanoseconds()) / 1e3 * float64(time.Second/wakeSleep) / float64(r.CommonRate)
}

// perCall is a CPU time per call in microseconds.
func perCall(d time.Duration, calls int) float64 {
	if calls <= 0 {
		return 0
	}
	return float64(d.Nanoseconds()) / 1e3 / float64(calls)
}

// callCeiling is the loopback ceiling in calls/s for a pair that puts
// datagrams datagrams on the wire per call.
func (r *report) callCeiling(datagrams int) float64 {
	if datagrams <= 0 {
		return 0
	}
	return r.Loopback.PerSecond / float64(datagrams)
}

// baseline is the sipp → sipp maximum, or 0 when that pair did not run or
// sustained nothing.
func (r *report) baseline() (int, bool) {
	for _, p := range r.Pairs {
		if p.Pair.id == "sipp-sipp" {
			return p.Max, p.Capped
		}
	}
	return 0, false
}

// tableHeader is the results table's header row; the test finds the table
// by it.
const tableHeader = "| pair | max calls/s | vs sipp → sipp | share of loopback ceiling | UAC user µs/call | UAS user µs/call | UAC sys µs/call | UAS sys µs/call | CPU µs/call, both sides | UAC peak RSS MiB | UAS peak RSS MiB |"

// renderMarkdown renders the report: intro, machine, the table, notes and
// the search log.
func renderMarkdown(r *report) string {
	var b strings.Builder
	o := r.Options
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }

	w("# gossip and SIPp, side by side\n\n")
	w("Written by `make bench-sipp` (`go run ./bench/sippbench`, see `-h`); rerun it to refresh. ")
	w("Each row is one UAC → UAS pair on 127.0.0.1 running the built-in `uac` and `uas` scenarios with `-d 0`. ")
	w("**max calls/s** is the highest `-r` at which a fixed-length run ended with every call successful on both sides ")
	w("and no datagram dropped by the kernel; **vs sipp → sipp** divides it by the SIPp pair's maximum from the same run. ")
	w("The CPU and memory columns come from runs of every pair at one common rate, so they compare directly. ")
	w("Read the ratios first: they are measured side by side, in one run, on one machine. Absolute numbers are context and move between runs. ")
	if r.Machine.CPUs <= 4 {
		w("Caveat: this machine has %d logical CPUs, so both ends of a pair share the same cores, and the kernel's loopback path ", r.Machine.CPUs)
		w("(a copy, a wake-up and a system call per datagram on each end) takes much of the CPU and dominates the result; ")
	} else {
		w("Both ends of a pair run on this one machine, and the kernel's loopback path ")
		w("(a copy, a wake-up and a system call per datagram on each end) takes a large part of the CPU; ")
	}
	w("**share of loopback ceiling** sets each rate against what bare Go sockets move on the same machine.\n\n")

	w("## Machine\n\n")
	w("- CPU: %s, %d logical CPUs\n", r.Machine.CPU, r.Machine.CPUs)
	w("- Kernel: %s\n", r.Machine.Kernel)
	w("- Go: %s\n", r.Machine.Go)
	if r.Machine.SIPp != "" {
		w("- SIPp: %s\n", r.Machine.SIPp)
	}
	if r.Machine.Gossip != "" {
		dp := "`-dataplane " + o.dataplane + "`"
		if o.dataplane == "" {
			dp = "gossip's default"
			if r.Machine.GossipDataplane != "" {
				dp += " (" + r.Machine.GossipDataplane + ")"
			}
		}
		w("- gossip: %s, built from %s; dataplane %s\n", r.Machine.Gossip, r.Machine.GossipSource, dp)
	}
	if r.Split != nil && r.Split.Method == benchkit.SplitPerf {
		w("- perf: %s (user/system split of the CPU runs)\n", strings.TrimPrefix(r.Split.PerfVersion, "perf version "))
	}
	if r.WakeErr == "" && r.WakeSleeps > 0 {
		w("- Timer wake-up: %.1f µs of CPU per %s sleep (%d in a row on one thread, getrusage RUSAGE_THREAD). ",
			float64(r.WakeCost.Nanoseconds())/1e3, wakeSleep, r.WakeSleeps)
		w("A busy gossip shard sleeps to every 1 ms drain boundary and pays this a thousand times a second, so at the common rate each `-threads` shard adds about %.1f µs of CPU per call to its side.\n",
			r.wakePerCall())
	}
	w("- Date: %s (the run took %s)\n", r.Started.UTC().Format("2006-01-02 15:04 MST"), r.Finished.Sub(r.Started).Round(time.Second))
	if o.transport != "u1" {
		w("- Transport: `-t %s` on both sides (%s), `-max_socket 1000`; the loopback ceiling column still counts UDP datagrams, so read it as context only\n", o.transport,
			map[string]string{"t1": "TCP, one connection per gossip shard, one for sipp", "tn": "TCP, one connection per call",
				"l1": "TLS, one connection per shard, certificates verified both ways"}[o.transport])
	}
	w("- Command: `%s`\n\n", o.command)

	w("## Results\n\n")
	base, baseCapped := r.baseline()
	w("%s\n", tableHeader)
	w("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	cpuFailed := false
	for _, p := range r.Pairs {
		rate := fmt.Sprint(p.Max)
		if p.Capped {
			rate = "≥" + rate
		}
		ratio := "n/a"
		if base > 0 && p.Max > 0 {
			ratio = fmt.Sprintf("%.2f×", float64(p.Max)/float64(base))
			if p.Pair.id == "sipp-sipp" {
				ratio = "1.00×"
			} else if baseCapped || p.Capped {
				ratio += " (capped)"
			}
		}
		share := "n/a"
		if c := r.callCeiling(p.DatagramsPerCall); c > 0 {
			share = fmt.Sprintf("%.0f%%", 100*float64(p.Max)/c)
		}
		cells := []string{"n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"}
		if c := p.CPU; c != nil {
			mark := ""
			if !c.OK() {
				mark, cpuFailed = "†", true
			}
			cells = []string{
				fmt.Sprintf("%.1f%s", perCall(c.UAC.User, c.Calls), mark),
				fmt.Sprintf("%.1f%s", perCall(c.UAS.User, c.Calls), mark),
				fmt.Sprintf("%.1f%s", perCall(c.UAC.Sys, c.Calls), mark),
				fmt.Sprintf("%.1f%s", perCall(c.UAS.Sys, c.Calls), mark),
				fmt.Sprintf("%.1f%s", perCall(c.UAC.User+c.UAC.Sys+c.UAS.User+c.UAS.Sys, c.Calls), mark),
				fmt.Sprintf("%.1f", float64(c.UAC.MaxRSSKiB)/1024),
				fmt.Sprintf("%.1f", float64(c.UAS.MaxRSSKiB)/1024),
			}
		}
		w("| %s | %s | %s | %s | %s |\n", p.Pair.label, rate, ratio, share, strings.Join(cells, " | "))
	}

	w("\nNotes:\n\n")
	w("- **max calls/s**: ramp ×2 from %d calls/s (halving if that fails), then bisection until the failing rate is within %.0f%% of the passing one; ", o.startRate, 100*(o.precision-1))
	if o.confirm > 0 {
		w("a rate counts as failed only when %d tries in a row fail (other programs share the machine); ", o.confirm+1)
	}
	w("each probe runs the UAC with `-d 0 -r RATE -m RATE×%s` and both sides with `-trace_stat -fd 1`. ", o.duration)
	w("A probe fails when the UAC is not done 0.5 s (or 10%%) after its last call was due (it is then stopped), ")
	w("when the UAC's last `-trace_stat` row has `SuccessfulCall(C)` short of the calls or `FailedCall(C)` above 0, ")
	w("when the UAS saw fewer calls or failed one, when either exits non-zero, or when the kernel's UDP `RcvbufErrors`/`InErrors` ")
	w("(`/proc/net/snmp`) moved during the probe. A probe that failed only on drops that were not on its own sockets, with no retransmission, is repeated up to %d times (other programs on a shared machine). ", foreignRetries)
	w("Retransmissions alone do not fail a probe; they are in the search log. ≥ marks the `-max-rate` cap (%d).\n", o.maxRate)
	w("- Both sides run with `-buff_size %d` (the kernel caps sipp's at `net.core.rmem_max`; gossip run as root sets its buffers past that cap). With its default buffers SIPp fails early: on the 2-core machine this harness was written on, sipp → sipp without `-buff_size` lost datagrams and failed calls at 10,000 calls/s, where gossip → gossip did not.\n", bufSize)
	if r.CommonRate > 0 && len(r.Pairs) > 0 {
		calls := 0
		if r.Pairs[0].CPU != nil {
			calls = r.Pairs[0].CPU.Calls
		}
		src := "0.8 × the lowest maximum"
		if o.commonRate > 0 {
			src = "`-common-rate`"
		}
		runs := "one run of each pair"
		if n := o.cpuRuns; n > 1 {
			runs = fmt.Sprintf("the median of %d runs of each pair (by CPU per call, both sides; the pairs take turns, so that a slow spell of the machine does not fall on one pair; all runs are in the search log)", n)
		}
		w("- CPU and RSS: %s at %d calls/s (%s) for %s (%d calls); CPU time of each process after it exited (getrusage's user + system, which is exact), divided by the calls: µs per call = ms per 1,000 calls. Peak RSS is `ru_maxrss`.\n",
			runs, r.CommonRate, src, r.CPUDuration, calls)
		w("- %s\n", r.splitNote())
	}
	if cpuFailed {
		w("- † The CPU run of this pair had failures every time it was tried (see the search log); its figures are per call started and include retransmissions.\n")
	}
	w("- The UAS is stopped with SIGINT 0.1 s after the UAC exits instead of waiting out the scenario's final 4 s `timewait` (both implementations alike), so the UAS figures cover the calls, not that idle wait.\n")
	if len(r.Pairs) > 0 {
		dpc := r.Pairs[0].DatagramsPerCall
		same := true
		for _, p := range r.Pairs {
			same = same && p.DatagramsPerCall == dpc
		}
		per := fmt.Sprintf("%d datagrams per call", dpc)
		if !same {
			per = "each pair's datagrams per call"
		}
		mode := "on one port with SO_REUSEPORT"
		if !r.Loopback.ReusePort {
			mode = "on one port each"
		}
		w("- Loopback ceiling: %.0f datagrams/s (best %s window; median %.0f) received by %d bare Go receivers %s from %d senders with at most %d datagrams in flight, %d-byte datagrams, over %s; ",
			r.Loopback.PerSecond, loopbackWindowLength, r.Loopback.Median, r.Loopback.Pairs, mode, r.Loopback.Pairs,
			loopbackWindow, r.Loopback.Size, r.Loopback.Duration.Round(10*time.Millisecond))
		w("at %s (the `<send>`s of `-sd uac` plus `-sd uas`: INVITE, ACK, BYE and 180, 200, 200; SIPp's uas sends no 100 Trying) that is %.0f calls/s. ",
			per, r.callCeiling(dpc))
		w("The pairs do more per datagram than these bare sockets (parse, match, timers, statistics), so 100%% is out of reach; the column shows how much of the machine's loopback capacity each pair turns into calls.\n")
	}
	w("- gossip sides run `-threads %d` (the CPUs) except in the `-threads 1` row; SIPp is single-threaded.\n", o.threads)

	w("\n## Search log\n")
	for _, p := range r.Pairs {
		w("\n%s (%d datagrams per call):\n\n", p.Pair.label, p.DatagramsPerCall)
		for _, pr := range p.Probes {
			w("- %s%s\n", pr.summary(), retried(pr))
		}
		for _, c := range p.CPUFailed {
			w("- CPU run: %s%s\n", c.summary(), retried(c))
		}
		for i := range p.CPURuns {
			c := &p.CPURuns[i]
			mark := ""
			if c == p.CPU && len(p.CPURuns) > 1 {
				mark = " — the median, in the table"
			}
			w("- CPU run: %s%s%s; %.1f CPU µs/call both sides%s\n", c.summary(), retried(*c), cpuDetail(*c), c.cpuPerCall(), mark)
		}
	}
	return b.String()
}

// splitNote says how the CPU runs' user/system split was measured and why.
func (r *report) splitNote() string {
	const why = "with tick-based accounting the kernel charges each whole clock tick (4 ms at HZ=250) to user or system by what the process is doing at that instant, " +
		"and gossip's shards wake on every 1 ms boundary, so the ticks hit one phase of its work cycle for a whole run and its split swings several-fold between identical runs (the total stays exact)"
	var perf, rusage []string
	minS, maxS := -1, 0
	minC, maxC := 0.0, 0.0
	for _, p := range r.Pairs {
		if p.CPU == nil {
			continue
		}
		for _, side := range []struct {
			name string
			s    sideResult
		}{{"UAC", p.CPU.UAC}, {"UAS", p.CPU.UAS}} {
			sp := side.s.Split
			if sp.Method != benchkit.SplitPerf {
				if sp.Fallback != "" {
					rusage = append(rusage, fmt.Sprintf("%s %s (%s)", p.Pair.label, side.name, sp.Fallback))
				}
				continue
			}
			perf = append(perf, p.Pair.label+" "+side.name)
			n, c := sp.Samples(), sp.Coverage()
			if minS < 0 || n < minS {
				minS = n
			}
			if len(perf) == 1 || c < minC {
				minC = c
			}
			maxS, maxC = max(maxS, n), max(maxC, c)
		}
	}
	if r.Split == nil || r.Split.Method != benchkit.SplitPerf || len(perf) == 0 {
		reason := "`-cpu-split rusage`"
		if r.Split != nil && r.Split.Reason != "" {
			reason = "perf could not sample here: " + r.Split.Reason
		} else if len(rusage) > 0 {
			reason = "perf could not sample any process: " + strings.Join(rusage, "; ")
		}
		return "User/system split: getrusage's (" + reason + "). Read it with care: " + why + "."
	}
	note := fmt.Sprintf("User/system split: sampled with perf (`perf record -e cpu-clock:u -e cpu-clock:k -c %d -p PID` on each process of the CPU runs): "+
		"one sample per %d µs of the process's own running time, in user or kernel mode, %d to %d samples per process (covering %.0f%% to %.0f%% of its CPU time); "+
		"the user share of the samples divides getrusage's exact total. The cpu-clock timer runs on the task's own clock, so it does not lock onto a wake-up cycle. "+
		"It replaces getrusage's own split: %s.",
		benchkit.PerfSamplePeriod.Nanoseconds(), benchkit.PerfSamplePeriod.Microseconds(), minS, maxS, 100*minC, 100*maxC, why)
	if len(rusage) > 0 {
		note += " perf could not sample " + strings.Join(rusage, "; ") + ": their split is getrusage's."
	}
	return note
}

// cpuDetail is the CPU run's split in the search log: perf's samples and
// what getrusage's split would have said.
func cpuDetail(c probeResult) string {
	side := func(s sideResult) string {
		if s.Split.Method != benchkit.SplitPerf {
			return fmt.Sprintf("user %.1f sys %.1f (getrusage)", perCall(s.User, c.Calls), perCall(s.Sys, c.Calls))
		}
		return fmt.Sprintf("user %.1f sys %.1f from %d:%d samples; getrusage's split %.1f/%.1f",
			perCall(s.User, c.Calls), perCall(s.Sys, c.Calls), s.Split.UserSamples, s.Split.KernelSamples,
			perCall(s.RUser, c.Calls), perCall(s.RSys, c.Calls))
	}
	return fmt.Sprintf(" — µs/call: uac %s; uas %s", side(c.UAC), side(c.UAS))
}

// retried notes how often a probe had to be repeated.
func retried(p probeResult) string {
	if p.Attempts > 1 {
		return fmt.Sprintf(" [run %d times: drops elsewhere on the machine]", p.Attempts)
	}
	return ""
}
