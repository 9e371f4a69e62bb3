package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestHarnessShort runs the harness in -short mode end to end against the
// real sipp and gossip binaries (about 30 s on a 2-core machine) and checks
// that the table has every pair with a positive rate and CPU figures.
func TestHarnessShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sipp and gossip under load for about half a minute")
	}
	if runtime.GOOS != "linux" {
		testpeer.Require(t, false, "the harness reads /proc: Linux only")
	}
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	out := filepath.Join(t.TempDir(), "RESULTS.md")
	// Another harness's section of the file (make bench-capacity's) must
	// survive the rewrite.
	other := "old sippbench text\n\n<!-- capacity:begin -->\n# Capacity\n\nkept\n<!-- capacity:end -->\n"
	if err := os.WriteFile(out, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, doc, err := benchkit.Capture(3*time.Minute, run, []string{"-short", "-gossip", gossip, "-sipp", sipp, "-out", out, "-timeout", "150s"}, t.Log)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("-out file: %v", err)
	}
	if want := doc + "\n<!-- capacity:begin -->\n# Capacity\n\nkept\n<!-- capacity:end -->\n"; string(file) != want {
		t.Errorf("-out file is not what was printed followed by the capacity section it held:\n%s", file)
	}
	for _, want := range []string{"## Machine", "- CPU: ", "- Kernel: ", "- SIPp: SIPp v", "- gossip: gossip ", "built from ", "- Command: `go run ./bench/sippbench -short",
		"- User/system split: ", "- CPU run: ", "- Timer wake-up: "} {
		if !strings.Contains(doc, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	rows := tableRows(t, doc)
	for _, id := range pairNames {
		label := pairByID(id, runtime.NumCPU()).label
		cells, ok := rows[label]
		if !ok {
			t.Errorf("table has no row %q", label)
			continue
		}
		if rate := number(cells[1]); rate <= 0 {
			t.Errorf("%s: max calls/s %q, want > 0", label, cells[1])
		}
		// Without perf the kernel splits CPU time into user and system at
		// clock ticks, so on a 1 s run either may read 0; their sum may not.
		uac, uas := number(cells[4])+number(cells[6]), number(cells[5])+number(cells[7])
		if uac <= 0 || uas <= 0 || number(cells[8]) <= 0 {
			t.Errorf("%s: CPU µs/call uac %.1f, uas %.1f, total %q; want all > 0", label, uac, uas, cells[8])
		}
		if number(cells[9]) <= 0 || number(cells[10]) <= 0 {
			t.Errorf("%s: RSS %q %q, want > 0", label, cells[9], cells[10])
		}
	}
	if rep.Loopback.PerSecond <= 0 || rep.CommonRate <= 0 {
		t.Errorf("loopback %.0f datagrams/s, common rate %d: want both > 0", rep.Loopback.PerSecond, rep.CommonRate)
	}
	for _, p := range rep.Pairs {
		if p.DatagramsPerCall != 6 {
			t.Errorf("%s: %d datagrams per call, want 6 (uac 3 + uas 3)", p.Pair.label, p.DatagramsPerCall)
		}
	}
}

// tableRows finds the results table and returns its rows by pair label.
func tableRows(t *testing.T, doc string) map[string][]string {
	t.Helper()
	table, err := benchkit.TableRows(doc, tableHeader)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, cells := range table {
		rows[cells[0]] = cells
	}
	return rows
}

// number reads a table cell such as "≥16000", "12.5†" or "2.00×"; -1 when
// it holds none.
func number(cell string) float64 {
	cell = strings.TrimPrefix(cell, "≥")
	end := strings.IndexFunc(cell, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end >= 0 {
		cell = cell[:end]
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil {
		return -1
	}
	return v
}

func TestSearch(t *testing.T) {
	sp := searchParams{start: 2000, max: 256000, min: 50, factor: 2, precision: 1.05}
	cases := []struct {
		name      string
		threshold int // highest rate that passes
		sp        searchParams
		wantLo    int // best must be in [wantLo, threshold]
		capped    bool
	}{
		{"ramp up then bisect", 37000, sp, 37000 * 100 / 105, false},
		{"start fails, ramp down", 700, sp, 700 * 100 / 105, false},
		{"everything passes", 1 << 30, sp, 256000, true},
		{"nothing passes", 10, sp, 0, false},
		{"start is max", 1 << 30, searchParams{start: 100, max: 100, min: 50, factor: 2, precision: 1.5}, 100, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var tried []int
			res, err := search(context.Background(), tc.sp, func(_ context.Context, rate int) (bool, error) {
				tried = append(tried, rate)
				return rate <= tc.threshold, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantLo == 0 {
				if res.best != 0 {
					t.Fatalf("best %d, want 0 (tried %v)", res.best, tried)
				}
				return
			}
			if res.best < tc.wantLo || res.best > tc.threshold || res.capped != tc.capped {
				t.Fatalf("best %d capped %v, want in [%d, %d] capped %v (tried %v)",
					res.best, res.capped, tc.wantLo, tc.threshold, tc.capped, tried)
			}
			if len(tried) > 20 || res.probes != len(tried) {
				t.Fatalf("%d probes (counted %d): %v", len(tried), res.probes, tried)
			}
		})
	}
}

func TestSearchStopsOnContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := search(ctx, searchParams{start: 100, max: 1 << 20, min: 1, factor: 2, precision: 1.05},
		func(context.Context, int) (bool, error) {
			if n++; n == 3 {
				cancel()
			}
			return true, nil
		})
	if err == nil || n != 3 {
		t.Fatalf("err %v after %d probes, want context error after 3", err, n)
	}
}

func TestRoundRate(t *testing.T) {
	for in, want := range map[float64]int{45254.8: 45300, 999.6: 1000, 123456: 123000, 50: 50, 1414.2: 1410} {
		if got := roundRate(in); got != want {
			t.Errorf("roundRate(%g) = %d, want %d", in, got, want)
		}
	}
}

func TestCountSendElements(t *testing.T) {
	in := `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="x">
  <!-- <send> in a comment does not count -->
  <send retrans="500"><![CDATA[INVITE sip:a@b SIP/2.0 <send>]]></send>
  <recv response="200"/>
  <send><![CDATA[ACK]]></send>
</scenario>`
	n, err := countSendElements(strings.NewReader(in))
	if err != nil || n != 2 {
		t.Fatalf("got %d, %v; want 2", n, err)
	}
}

func TestJudge(t *testing.T) {
	good := probeResult{Rate: 1000, Calls: 1000, Duration: time.Second,
		UAC: sideResult{Stats: benchkit.CallStats{Found: true, Successful: 1000, Outgoing: 1000}},
		UAS: sideResult{Stats: benchkit.CallStats{Found: true, Incoming: 1000, Retransmissions: 3}}}
	if p := judge(good); len(p) != 0 {
		t.Fatalf("good probe judged %v (retransmissions alone must not fail it)", p)
	}
	cases := map[string]func(*probeResult){
		"uac failed":    func(p *probeResult) { p.UAC.Stats.Successful, p.UAC.Stats.Failed = 999, 1 },
		"uac short":     func(p *probeResult) { p.UAC.Stats.Successful = 998 },
		"uac exit":      func(p *probeResult) { p.UAC.Exit = 1 },
		"uas failed":    func(p *probeResult) { p.UAS.Stats.Failed = 1 },
		"uas missed":    func(p *probeResult) { p.UAS.Stats.Incoming = 999 },
		"no stats":      func(p *probeResult) { p.UAS.Stats = benchkit.CallStats{} },
		"kernel drops":  func(p *probeResult) { p.RcvbufErrors, p.InErrors = 2, 2 },
		"socket drops":  func(p *probeResult) { p.UAS.Drops = 1 },
		"unfinished":    func(p *probeResult) { p.Unfinished = true },
		"aborted drops": func(p *probeResult) { p.AbortedOnDrops = true },
	}
	for name, mutate := range cases {
		p := good
		mutate(&p)
		if got := judge(p); len(got) == 0 {
			t.Errorf("%s: judged ok", name)
		}
	}
	foreign := good
	foreign.UAS.Stats.Retransmissions = 0
	foreign.RcvbufErrors, foreign.InErrors = 5, 5
	foreign.Problems = judge(foreign)
	if !foreign.onlyForeignDrops() {
		t.Errorf("drops on no socket of the probe, no retransmission: want onlyForeignDrops")
	}
	foreign.UAS.Drops = 1
	foreign.Problems = judge(foreign)
	if foreign.onlyForeignDrops() {
		t.Errorf("drops on the UAS socket: want not onlyForeignDrops")
	}
}

func TestParseFlags(t *testing.T) {
	var errs bytes.Buffer
	o, err := parseFlags([]string{"-short"}, &errs)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != time.Second || o.maxRate != 16000 || o.out != "" || len(o.pairs) != len(pairNames) || o.cpuSplit != benchkit.SplitAuto || o.cpuRuns != 1 {
		t.Errorf("short defaults: %+v", o)
	}
	o, err = parseFlags([]string{"-pairs", "sipp-gossip,sipp-sipp", "-duration", "3s", "-common-rate", "5000"}, &errs)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 3*time.Second || o.maxRate != 256000 || o.commonRate != 5000 || o.cpuRuns != 3 ||
		strings.Join(o.pairs, ",") != "sipp-sipp,sipp-gossip" {
		t.Errorf("full mode: %+v", o)
	}
	if o.command != "go run ./bench/sippbench -pairs sipp-gossip,sipp-sipp -duration 3s -common-rate 5000" {
		t.Errorf("command %q", o.command)
	}
	for _, bad := range [][]string{
		{"-pairs", "sipp-kamailio"}, {"-dataplane", "xdp"}, {"-max-rate", "10", "-start-rate", "20"},
		{"-precision", "1"}, {"stray"}, {"-duration", "1ms"}, {"-cpu-split", "ticks"}, {"-cpu-runs", "0"},
	} {
		if _, err := parseFlags(bad, &errs); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

func TestMedianRun(t *testing.T) {
	run := func(us int, ok bool) probeResult {
		r := probeResult{Calls: 1000, UAC: sideResult{User: time.Duration(us) * time.Millisecond}}
		if !ok {
			r.Problems = []string{"failed"}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		runs []probeResult
		want float64 // CPU µs per call of the pick; 0: none
	}{
		{"none", nil, 0},
		{"one", []probeResult{run(30, true)}, 30},
		{"odd count: the middle", []probeResult{run(50, true), run(30, true), run(40, true)}, 40},
		{"even count: the lower middle", []probeResult{run(50, true), run(30, true), run(40, true), run(60, true)}, 40},
		{"failed runs do not count while some passed", []probeResult{run(10, false), run(30, true), run(20, false), run(40, true), run(50, true)}, 40},
		{"all failed: the median of them", []probeResult{run(10, false), run(30, false), run(20, false)}, 20},
	} {
		got := medianRun(tc.runs)
		switch {
		case got == nil && tc.want != 0:
			t.Errorf("%s: nil, want the %.0f µs run", tc.name, tc.want)
		case got != nil && got.cpuPerCall() != tc.want:
			t.Errorf("%s: the %.0f µs run, want %.0f", tc.name, got.cpuPerCall(), tc.want)
		}
	}
}

func TestTimerWakeCost(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("per-thread CPU time is Linux's")
	}
	d, err := timerWakeCost(20)
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 || d >= wakeSleep {
		t.Fatalf("%v of CPU per %v sleep", d, wakeSleep)
	}
	t.Logf("%v of CPU per %v sleep", d, wakeSleep)
}

func TestLoopbackCeiling(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	res, err := loopbackCeiling(context.Background(), 300*time.Millisecond, loopbackPairs, loopbackSize)
	if err != nil {
		t.Fatal(err)
	}
	if res.PerSecond <= 0 || res.Median <= 0 || res.Median > res.PerSecond || res.Windows < 1 {
		t.Fatalf("got %+v", res)
	}
	t.Logf("%.0f datagrams/s (median %.0f) over %d windows, %d RcvbufErrors meanwhile", res.PerSecond, res.Median, res.Windows, res.Drops)
}

func TestSplitNote(t *testing.T) {
	side := func(m string, u, k int, fallback string) sideResult {
		return sideResult{User: 3 * time.Second, Sys: time.Second,
			Split: benchkit.CPUSplit{User: 3 * time.Second, Sys: time.Second, Method: m, UserSamples: u, KernelSamples: k, Fallback: fallback}}
	}
	pr := func(id string, uac, uas sideResult) *pairResult {
		return &pairResult{Pair: pairByID(id, 2), CPU: &probeResult{Calls: 1000, UAC: uac, UAS: uas}}
	}
	perf := &benchkit.CPUSplitter{Method: benchkit.SplitPerf, PerfVersion: "perf version 6.1"}
	cases := []struct {
		name string
		rep  report
		want []string
	}{
		{"perf", report{Split: perf, Pairs: []*pairResult{
			pr("sipp-sipp", side(benchkit.SplitPerf, 12000, 4000, ""), side(benchkit.SplitPerf, 8000, 4000, "")),
		}}, []string{"sampled with perf", "-c 250000", "one sample per 250 µs", "12000 to 16000 samples per process", "covering 75% to 100%", "1 ms boundary"}},
		{"perf fell back on one side", report{Split: perf, Pairs: []*pairResult{
			pr("gossip-gossip", side(benchkit.SplitPerf, 12000, 4000, ""), side(benchkit.SplitRusage, 0, 0, "perf record exited 1")),
		}}, []string{"16000 to 16000 samples", "perf could not sample gossip → gossip (-threads 2) UAS (perf record exited 1): their split is getrusage's."}},
		{"rusage asked", report{Split: &benchkit.CPUSplitter{Method: benchkit.SplitRusage}, Pairs: []*pairResult{
			pr("sipp-sipp", side(benchkit.SplitRusage, 0, 0, ""), side(benchkit.SplitRusage, 0, 0, "")),
		}}, []string{"getrusage's (`-cpu-split rusage`)", "4 ms at HZ=250"}},
		{"auto without perf", report{Split: &benchkit.CPUSplitter{Method: benchkit.SplitRusage, Reason: "no perf binary on PATH"}, Pairs: []*pairResult{
			pr("sipp-sipp", side(benchkit.SplitRusage, 0, 0, ""), side(benchkit.SplitRusage, 0, 0, "")),
		}}, []string{"getrusage's (perf could not sample here: no perf binary on PATH)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.rep.splitNote()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("note lacks %q:\n%s", w, got)
				}
			}
		})
	}
}
