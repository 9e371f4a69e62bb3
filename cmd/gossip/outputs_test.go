package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/internal/testpeer"
)

// traceFile returns the lines of the one file in dir matching pattern
// (SIPp's names carry the process id).
func traceFile(t *testing.T, dir, pattern string) []string {
	t.Helper()
	s := strings.TrimSuffix(readOne(t, dir, pattern), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// epoch reads SIPp's "date<TAB>time<TAB>seconds.micros" time stamp.
func epoch(t *testing.T, field string) float64 {
	t.Helper()
	parts := strings.Split(field, "\t")
	v, err := strconv.ParseFloat(parts[len(parts)-1], 64)
	if err != nil {
		t.Fatalf("time stamp %q: %v", field, err)
	}
	return v
}

// checkShape asserts that every line has want fields and that the time
// stamps read by stamp never go back.
func checkShape(t *testing.T, who, file string, lines []string, sep string, want int, stamp func(fields []string) float64) {
	t.Helper()
	last := 0.0
	for i, l := range lines {
		f := strings.Split(l, sep)
		if len(f) != want {
			t.Errorf("%s %s line %d has %d fields, want %d: %q", who, file, i+1, len(f), want, l)
			continue
		}
		if stamp == nil {
			continue
		}
		if v := stamp(f); v < last {
			t.Errorf("%s %s line %d: time %f before the previous line's %f", who, file, i+1, v, last)
		} else {
			last = v
		}
	}
}

// lastRow returns the named columns of a ';'-separated file's last row.
func lastRow(t *testing.T, lines []string) map[string]string {
	t.Helper()
	head, row := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	out := map[string]string{}
	for i, h := range head {
		if i < len(row) {
			out[h] = row[i]
		}
	}
	return out
}

// TestTraceFilesMatchSIPp runs the built-in uac from the real sipp and from
// gossip with the same trace flags against the same gossip UAS, then
// against a UAS that answers 486, and compares the files: the same headers,
// the same number of fields on each line, time stamps that never go back,
// and the same totals.
func TestTraceFilesMatchSIPp(t *testing.T) {
	testpeer.SIPp(t)
	const calls = 40
	uas, port := gossipUAS(t, "")
	remote := "127.0.0.1:" + strconv.Itoa(port)
	flags := []string{"-sn", "uac", "-i", "127.0.0.1", remote, "-r", "20", "-m", strconv.Itoa(calls), "-nostdin",
		"-trace_counts", "-trace_rtt", "-rtt_freq", "5", "-trace_shortmsg", "-trace_stat", "-fd", "1",
		"-trace_msg", "-message_file", "msgs.log"}
	dirs := map[string]string{}
	for _, who := range []string{"sipp", "gossip"} {
		dirs[who] = t.TempDir()
		bin, args := asTool(t, who, flags...)
		if code := testpeer.Start(t, 30*time.Second, dirs[who], bin, args...).Wait(); code != 0 {
			t.Fatalf("%s uac exit %d", who, code)
		}
	}
	stop(uas)

	read := func(who, pattern string) []string { return traceFile(t, dirs[who], pattern) }

	t.Run("trace_counts", func(t *testing.T) {
		s, g := read("sipp", "uac_*_counts.csv"), read("gossip", "uac_*_counts.csv")
		if s[0] != g[0] {
			t.Fatalf("headers differ:\nsipp:   %s\ngossip: %s", s[0], g[0])
		}
		n := len(strings.Split(s[0], ";"))
		stamp := func(f []string) float64 { return epoch(t, f[0]) }
		checkShape(t, "sipp", "counts", s[1:], ";", n, stamp)
		checkShape(t, "gossip", "counts", g[1:], ";", n, stamp)
		if len(g) < 3 {
			t.Fatalf("gossip wrote %d rows, want a first row and a last one at least", len(g)-1)
		}
		if !strings.HasPrefix(strings.Split(g[1], ";")[1], "00:00:00:0") {
			t.Errorf("the first row is not at the start of the run: %q", g[1])
		}
		sr, gr := lastRow(t, s), lastRow(t, g)
		for _, col := range []string{"0_INVITE_Sent", "2_180_Recv", "4_200_Recv", "5_ACK_Sent",
			"6_Pause_Sessions", "7_BYE_Sent", "8_200_Recv", "4_200_Unexp"} {
			if sr[col] != gr[col] {
				t.Errorf("%s: sipp %s, gossip %s", col, sr[col], gr[col])
			}
		}
		if gr["0_INVITE_Sent"] != strconv.Itoa(calls) || gr["8_200_Recv"] != strconv.Itoa(calls) {
			t.Errorf("gossip totals: INVITE sent %s, final 200 received %s, want %d", gr["0_INVITE_Sent"], gr["8_200_Recv"], calls)
		}
	})

	t.Run("trace_rtt", func(t *testing.T) {
		s, g := read("sipp", "uac_*_rtt.csv"), read("gossip", "uac_*_rtt.csv")
		if s[0] != g[0] {
			t.Fatalf("headers differ:\nsipp:   %s\ngossip: %s", s[0], g[0])
		}
		stamp := func(f []string) float64 {
			v, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				t.Fatalf("Date_ms %q: %v", f[0], err)
			}
			return v
		}
		checkShape(t, "sipp", "rtt", s[1:], ";", 3, stamp)
		checkShape(t, "gossip", "rtt", g[1:], ";", 3, stamp)
		// One sample per call (rtd="true" on the 200 OK); -m is a multiple
		// of -rtt_freq, so SIPp 3.6.1 writes all of them too.
		if len(g)-1 != calls || len(s)-1 != calls {
			t.Errorf("samples: gossip %d, sipp %d, want %d each", len(g)-1, len(s)-1, calls)
		}
		for _, l := range g[1:] {
			f := strings.Split(l, ";")
			if v, err := strconv.ParseFloat(f[1], 64); err != nil || v < 0 || v > 1000 || f[2] != "1" {
				t.Errorf("gossip rtt row %q: want a response time in ms and rtd 1", l)
				break
			}
		}
	})

	t.Run("trace_shortmsg", func(t *testing.T) {
		s, g := read("sipp", "uac_*_shortmessages.log"), read("gossip", "uac_*_shortmessages.log")
		stamp := func(f []string) float64 { return epoch(t, f[2]) }
		checkShape(t, "sipp", "shortmessages", s, "\t", 7, stamp)
		checkShape(t, "gossip", "shortmessages", g, "\t", 7, stamp)
		// Count each message once: a retransmission repeats a line but for
		// its time (a loaded machine may retransmit).
		count := func(lines []string, dir, first string) int {
			seen := map[string]bool{}
			for _, l := range lines {
				f := strings.Split(l, "\t")
				if len(f) == 7 && f[3] == dir && strings.HasPrefix(f[6], first) && strings.HasPrefix(f[5], "CSeq:") {
					seen[strings.Join(f[3:], "\t")] = true
				}
			}
			return len(seen)
		}
		for _, c := range []struct{ dir, first string }{{"S", "INVITE "}, {"R", "SIP/2.0 180"},
			{"R", "SIP/2.0 200"}, {"S", "ACK "}, {"S", "BYE "}} {
			cs, cg := count(s, c.dir, c.first), count(g, c.dir, c.first)
			want := calls
			if c.first == "SIP/2.0 200" {
				want = 2 * calls // to INVITE and to BYE
			}
			if cs != want || cg != want {
				t.Errorf("%s %q: sipp %d messages, gossip %d, want %d", c.dir, c.first, cs, cg, want)
			}
		}
	})

	t.Run("trace_msg", func(t *testing.T) {
		sep := regexp.MustCompile(`^-{47} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$`)
		head := regexp.MustCompile(`^UDP message (sent \(\d+ bytes\):|received \[\d+\] bytes :)$`)
		shape := func(who string) (sent, received int) {
			lines := read(who, "msgs.log")
			for i, l := range lines {
				if !strings.HasPrefix(l, "------") {
					continue
				}
				if !sep.MatchString(l) || i+2 >= len(lines) || !head.MatchString(lines[i+1]) || lines[i+2] != "" {
					t.Errorf("%s message log, line %d: %q then %q", who, i+1, l, lines[min(i+1, len(lines)-1)])
					return
				}
				if strings.Contains(lines[i+1], " sent ") {
					sent++
				} else {
					received++
				}
			}
			return sent, received
		}
		ss, sr := shape("sipp")
		gs, gr := shape("gossip")
		// INVITE, ACK, BYE out; 180, 200, 200 in (more on a loaded machine
		// that retransmits).
		if ss < 3*calls || sr < 3*calls || gs < 3*calls || gr < 3*calls {
			t.Errorf("messages sent/received: sipp %d/%d, gossip %d/%d, want %d each at least", ss, sr, gs, gr, 3*calls)
		}
	})

	t.Run("trace_stat periodic rows add up", func(t *testing.T) {
		g := read("gossip", "uac_*_.csv")
		r := csv.NewReader(strings.NewReader(strings.Join(g, "\n")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := func(name string) int { return slices.Index(rows[0], name) }
		for _, name := range []string{"OutgoingCall", "SuccessfulCall", "FailedCall"} {
			p, c := col(name+"(P)"), col(name+"(C)")
			sum := 0
			for _, row := range rows[1:] {
				v, _ := strconv.Atoi(row[p])
				sum += v
			}
			if last, _ := strconv.Atoi(rows[len(rows)-1][c]); sum != last {
				t.Errorf("%s: the (P) values add up to %d, the last (C) is %d", name, sum, last)
			}
		}
		if rows[1][col("ElapsedTime(C)")] != "00:00:00" {
			t.Errorf("first row %v is not SIPp's row at the start of the run", rows[1][:8])
		}
	})

	t.Run("trace_error_codes", func(t *testing.T) {
		busy, bport := busyServer(t)
		const n = 10
		codes := map[string][]string{}
		for _, who := range []string{"sipp", "gossip"} {
			dir := t.TempDir()
			bin, args := asTool(t, who, "-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:"+strconv.Itoa(bport), "-r", "20",
				"-m", strconv.Itoa(n), "-nostdin", "-trace_error_codes", "-fd", "1")
			if code := testpeer.Start(t, 30*time.Second, dir, bin, args...).Wait(); code != 1 {
				t.Fatalf("%s uac exit %d, want 1 (every call fails)", who, code)
			}
			codes[who] = traceFile(t, dir, "uac_*_error_codes.csv")
		}
		stop(busy)
		for who, lines := range codes {
			checkShape(t, who, "error_codes", lines, ";", 3, func(f []string) float64 { return epoch(t, f[0]) })
			got := 0
			for _, l := range lines {
				f := strings.Split(l, ";")
				if len(f) == 3 && f[2] != "" {
					for _, c := range strings.Split(strings.TrimSuffix(f[2], ","), ",") {
						if c != "486" {
							t.Errorf("%s: code %q, want 486", who, c)
						}
						got++
					}
				}
				if len(f) == 3 && f[2] != "" && !strings.HasSuffix(f[2], ",") {
					t.Errorf("%s: codes %q do not end with a comma", who, f[2])
				}
			}
			if got != n {
				t.Errorf("%s wrote %d codes, want %d (one per call)", who, got, n)
			}
		}
	})
}

// TestSummaryJSONAndHDRLog runs gossip against itself with -summary_json,
// -trace_hdr and -trace_stat, checks that the summary's totals are the
// statistics file's, and reads the HDR log back with hdrhistogram-go's log
// reader.
func TestSummaryJSONAndHDRLog(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	const calls = 50
	args := []string{"-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:" + strconv.Itoa(port), "-r", "25",
		"-m", strconv.Itoa(calls), "-nostdin", "-threads", "2", "-trace_stat", "-stf", "uac.csv", "-fd", "1",
		"-summary_json", "summary.json", "-trace_hdr", "uac.hlog", "-trace_screen", "-screen_file", "screens.log"}
	if code := testpeer.Start(t, 30*time.Second, dir, gossip, args...).Wait(); code != 0 {
		t.Fatalf("uac exit %d", code)
	}
	stop(uas)

	sum := readSummary(t, filepath.Join(dir, "summary.json"))
	st := statTotals(t, filepath.Join(dir, "uac.csv"))
	for _, c := range []struct {
		name      string
		json, csv int
	}{
		{"created", int(sum.Calls.Created), st["OutgoingCall"] + st["IncomingCall"]},
		{"outgoing", int(sum.Calls.Outgoing), st["OutgoingCall"]},
		{"successful", int(sum.Calls.Successful), st["SuccessfulCall"]},
		{"failed", int(sum.Calls.Failed), st["FailedCall"]},
		{"retransmissions", int(sum.Messages.Retransmissions), st["Retransmissions"]},
		{"dead call", int(sum.Messages.DeadCall), st["DeadCallMsgs"]},
	} {
		if c.json != c.csv {
			t.Errorf("%s: summary %d, -trace_stat %d", c.name, c.json, c.csv)
		}
	}
	if sum.Calls.Successful != calls || sum.ExitStatus != 0 || sum.Schema != stats.SummarySchema ||
		sum.Version == "" || !slices.Equal(sum.Args, args) || sum.Flags["summary_json"] != "summary.json" ||
		sum.Flags["r"] != "25" || sum.Rates.TargetCPS != 25 || sum.Rates.AverageCPS <= 0 {
		t.Errorf("summary: successful %d exit %d schema %q version %q args %v flags %v rates %+v",
			sum.Calls.Successful, sum.ExitStatus, sum.Schema, sum.Version, sum.Args, sum.Flags, sum.Rates)
	}
	if len(sum.ResponseTimes) != 1 || sum.ResponseTimes[0].Count != calls ||
		sum.ResponseTimes[0].P50MS <= 0 || sum.ResponseTimes[0].MaxMS < sum.ResponseTimes[0].P99MS ||
		sum.CallLength.Count != calls || sum.Failures["FailedMaxUDPRetrans"] != 0 {
		t.Errorf("distributions: %+v, call length %+v", sum.ResponseTimes, sum.CallLength)
	}

	hs := hdrIntervals(t, filepath.Join(dir, "uac.hlog"), false)
	counts, intervals := map[string]int64{}, len(hs)
	for _, h := range hs {
		counts[h.Tag()] += h.TotalCount()
		if h.TotalCount() > 0 && (h.Max() < 1000 || h.Max() > int64(10*time.Second)) {
			t.Errorf("%s: max %d ns is no loopback response time or call length", h.Tag(), h.Max())
		}
	}
	if counts["ResponseTime1"] != calls || counts["CallLength"] != calls || intervals < 4 {
		t.Errorf("HDR log: %d intervals, counts %v; want %d response times and call lengths", intervals, counts, calls)
	}
	screens, err := os.ReadFile(filepath.Join(dir, "screens.log"))
	if err != nil || !strings.Contains(string(screens), "Statistics Screen") ||
		!strings.Contains(string(screens), "Repartition Screen") {
		t.Errorf("-screen_file: %v\n%s", err, screens)
	}
}

// TestRateIncrease ramps the rate with -rate_increase: 10, 20, 30 calls/s a
// second apart, then the test ends by itself when the next step would pass
// -rate_max; with -no_rate_quit it runs on at 30 calls/s. The -trace_stat
// rows show the TargetRate of each second.
func TestRateIncrease(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	base := []string{"-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:" + strconv.Itoa(port), "-r", "10",
		"-rate_increase", "10", "-rate_max", "30", "-rate_interval", "1", "-nostdin", "-threads", "1",
		"-trace_stat", "-fd", "500ms"}
	rates := func(stf string) (targets []float64, created int) {
		r := csv.NewReader(strings.NewReader(strings.Join(traceFile(t, dir, stf), "\n")))
		r.Comma = ';'
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		tc, oc := slices.Index(rows[0], "TargetRate"), slices.Index(rows[0], "OutgoingCall(C)")
		for _, row := range rows[1:] {
			v, _ := strconv.ParseFloat(row[tc], 64)
			targets = append(targets, v)
		}
		created, _ = strconv.Atoi(rows[len(rows)-1][oc])
		return targets, created
	}

	t.Run("quit", func(t *testing.T) {
		start := time.Now()
		p := testpeer.Start(t, 30*time.Second, dir, gossip, append(slices.Clone(base), "-stf", "quit.csv")...)
		if code := p.Wait(); code != 0 {
			t.Fatalf("exit %d", code)
		}
		el := time.Since(start)
		targets, created := rates("quit.csv")
		if el < 2500*time.Millisecond || el > 8*time.Second {
			t.Errorf("ran %s: SIPp's ramp ends at the third step, after 3 s", el)
		}
		if !slices.IsSorted(targets) || !slices.Contains(targets, 20) || targets[len(targets)-1] != 30 || slices.Max(targets) != 30 {
			t.Errorf("TargetRate column %v: want 10, 20, 30 in order, never above 30", targets)
		}
		// 10 + 20 + 30 calls in three seconds, give or take the edges.
		if created < 45 || created > 75 {
			t.Errorf("%d calls created, want about 60", created)
		}
		if !strings.Contains(p.Output(), "-rate_max 30 reached") {
			t.Errorf("no notice of the end of the ramp:\n%s", p.Output())
		}
	})

	t.Run("no_rate_quit", func(t *testing.T) {
		p := testpeer.Start(t, 30*time.Second, dir, gossip, append(slices.Clone(base), "-no_rate_quit",
			"-timeout", "4500ms", "-stf", "noquit.csv")...)
		if code := p.Wait(); code != 0 {
			t.Fatalf("exit %d", code)
		}
		targets, _ := rates("noquit.csv")
		if slices.Max(targets) != 30 || targets[len(targets)-1] != 30 || slices.Index(targets, 30) > len(targets)-3 {
			t.Errorf("TargetRate column %v: want the rate held at 30 until -timeout", targets)
		}
	})
	stop(uas)
}

// TestScreensUnderTmux switches SIPp's screens with the number keys in a
// tmux pane and reads each one back.
func TestScreensUnderTmux(t *testing.T) {
	tmux := requireTmux(t)
	gossip := testpeer.Gossip(t)
	uas, port := gossipUAS(t, "")
	cmd := fmt.Sprintf("%s -sn uac -i 127.0.0.1 127.0.0.1:%d -r 5 -threads 1 -key user alice 2>/dev/null; sleep 30", gossip, port)
	pane := newTmuxPane(t, tmux, fmt.Sprintf("gossip-screens-%d", port), cmd)
	pane.waitFor("the scenario screen", showsAll("Rate     target", "INVITE ---------->", "E-RTD1", "Keys:"))
	for _, k := range []struct{ key, what string }{
		{"2", "Statistics Screen"},
		{"3", "Average Response Time Repartition 1"},
		{"4", "[user] = alice"},
		{"1", "Messages  Retrans   Timeout   Unexpected-Msg"},
	} {
		pane.key(k.key)
		pane.waitFor("screen "+k.key, showsAll(k.what))
	}
	pane.key("Q")
	pane.waitFor("the final summary", showsAll("Successful call", "Response time 1  total"))
	stop(uas)
}
