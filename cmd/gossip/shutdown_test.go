package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// inFlight is how many calls the shutdown tests hold open when the signal
// arrives: the built-in uac with -d 120000 keeps every answered call in its
// pause step.
const inFlight = 10000

// completeLines reads a file that another process may be writing and
// returns its complete lines (a last line without its newline is left out)
// and whether the file ended on a newline.
func completeLines(t *testing.T, path string) ([]string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, true
	}
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	whole := s == "" || strings.HasSuffix(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	} else {
		s = ""
	}
	if s == "" {
		return nil, whole
	}
	return strings.Split(s, "\n"), whole
}

// waitStatRow polls a -trace_stat (or -trace_counts) file until its last
// complete row satisfies ok, and returns that row by column name.
func waitStatRow(t *testing.T, p *testpeer.Proc, path string, timeout time.Duration, ok func(map[string]string) bool) map[string]string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if lines, _ := completeLines(t, path); len(lines) >= 2 {
			if row := lastRow(t, lines); ok(row) {
				return row
			}
		}
		time.Sleep(100 * time.Millisecond)
		if p != nil && p.Exited() {
			t.Fatalf("%s exited before the condition held:\n%s", p.Name, p.Output())
		}
	}
	lines, _ := completeLines(t, path)
	t.Fatalf("%s: condition not reached within %s; last rows %d", path, timeout, len(lines))
	return nil
}

func atoi(t *testing.T, what, s string) int {
	t.Helper()
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%s: %q is not a number", what, s)
	}
	return v
}

// hdrIntervals reads a -trace_hdr log's interval histograms. A log cut
// short (killed) may end in a partial line when killed is true.
func hdrIntervals(t *testing.T, path string, killed bool) []*hdrhistogram.Histogram {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := hdrhistogram.NewHistogramLogReader(f)
	var hs []*hdrhistogram.Histogram
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			if killed && errors.Is(err, io.ErrUnexpectedEOF) {
				break
			}
			t.Fatalf("-trace_hdr %s: %v", path, err)
		}
		if h == nil {
			break
		}
		hs = append(hs, h)
	}
	return hs
}

// hdrCounts totals a -trace_hdr log's interval histograms by tag and
// returns them and how many intervals it holds (see hdrIntervals).
func hdrCounts(t *testing.T, path string, killed bool) (map[string]int64, int) {
	t.Helper()
	hs := hdrIntervals(t, path, killed)
	counts := map[string]int64{}
	for _, h := range hs {
		counts[h.Tag()] += h.TotalCount()
	}
	return counts, len(hs)
}

// TestShutdownWithCallsInFlight interrupts a UAC holding 10,000 calls in
// flight, against gossip's UAS and against the real sipp's, with one signal
// (drain: no new call; the calls, paused for two minutes, cannot end, so
// after the drain timeout they are aborted) and with two (abort at once).
// The process exits with SIPp's status (0: no call failed), and every file
// is complete and agrees with the others: the summary, the last -trace_stat
// and -trace_counts rows, one -trace_rtt sample and four short messages per
// call, the HDR log's counts, the -trace_screen report; every created call
// is counted once.
func TestShutdownWithCallsInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 calls per case")
	}
	gossip := testpeer.Gossip(t)
	cases := []struct {
		name    string
		peer    string // "gossip" or "sipp"
		signals []syscall.Signal
	}{
		{"sigterm drains then aborts/gossip uas", "gossip", []syscall.Signal{syscall.SIGTERM}},
		{"second sigint aborts/sipp uas", "sipp", []syscall.Signal{syscall.SIGINT, syscall.SIGINT}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var uas *testpeer.Proc
			var port int
			if tc.peer == "sipp" {
				uas, port = serveUDP(t, 120*time.Second, dir, testpeer.SIPp(t), []string{"-sn", "uas"},
					"-nostdin", "-buff_size", "8388608")
			} else {
				uas, port = serveUDP(t, 120*time.Second, dir, gossip, []string{"-sn", "uas"},
					"-nostdin", "-threads", "1", "-summary_json", "uas.json")
			}
			uac := testpeer.Start(t, 120*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
				"127.0.0.1:"+strconv.Itoa(port), "-r", "2000", "-m", strconv.Itoa(inFlight), "-d", "120000",
				"-nostdin", "-threads", "2",
				"-trace_stat", "-stf", "uac.csv", "-fd", "1", "-trace_counts", "-trace_rtt",
				"-trace_shortmsg", "-trace_screen", "-screen_file", "screens.log",
				"-trace_hdr", "uac.hlog", "-summary_json", "summary.json")
			waitStatRow(t, uac, filepath.Join(dir, "uac.csv"), 60*time.Second, func(r map[string]string) bool {
				return atoi(t, "CurrentCall", r["CurrentCall"]) >= inFlight
			})
			// ... and every call answered, so that all of them are in the
			// pause (-trace_counts counts the 200s received).
			waitStatRow(t, uac, globOne(t, dir, "uac_*_counts.csv"), 30*time.Second, func(r map[string]string) bool {
				return atoi(t, "4_200_Recv", r["4_200_Recv"]) >= inFlight
			})
			sent := time.Now()
			for i, sig := range tc.signals {
				if i > 0 {
					time.Sleep(300 * time.Millisecond)
				}
				if err := uac.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			code := uac.Wait()
			took := time.Since(sent)
			if code != 0 {
				t.Errorf("exit %d, want 0 (no call failed; aborted calls are not failures)", code)
			}
			// One signal drains for the engine's 5 s drain timeout; two abort
			// at once. Generous bounds: this is about which path ran.
			if len(tc.signals) > 1 && took > 4*time.Second {
				t.Errorf("the second signal took %s to end the run", took)
			}
			if len(tc.signals) == 1 && took < 4*time.Second {
				t.Errorf("one signal ended the run after %s: it should drain first", took)
			}
			if strings.Contains(uac.Output(), "internal error") {
				t.Errorf("gossip's own conservation check failed:\n%s", uac.Output())
			}
			checkShutdownFiles(t, dir, code)
			code = stop(uas)
			if tc.peer != "gossip" {
				return
			}
			// gossip's UAS held the same 10,000 calls, waiting for BYEs that
			// never come: one SIGTERM drains, then aborts them.
			if code != 0 {
				t.Errorf("uas exit %d, want 0", code)
			}
			c := readSummary(t, filepath.Join(dir, "uas.json")).Calls
			if c.Created != inFlight || c.Incoming != inFlight || c.Aborted != inFlight || c.Successful+c.Failed != 0 || c.Current != 0 {
				t.Errorf("uas calls %+v: want %d created, all aborted", c, inFlight)
			}
		})
	}
}

// checkShutdownFiles asserts what TestShutdownWithCallsInFlight promises
// about the files in dir of a run that exited with code.
func checkShutdownFiles(t *testing.T, dir string, code int) {
	t.Helper()
	sum := readSummary(t, filepath.Join(dir, "summary.json"))
	c := sum.Calls
	if sum.ExitStatus != code {
		t.Errorf("summary exit_status %d, process exited %d", sum.ExitStatus, code)
	}
	if c.Created != inFlight || c.Outgoing != inFlight || c.Aborted != inFlight || c.Successful != 0 || c.Failed != 0 || c.Current != 0 {
		t.Errorf("summary calls %+v: want %d created, all aborted", c, inFlight)
	}
	if c.Successful+c.Failed+c.Aborted+uint64(max(c.Current, 0)) != c.Created {
		t.Errorf("conservation: created %d != successful %d + failed %d + aborted %d + running %d",
			c.Created, c.Successful, c.Failed, c.Aborted, c.Current)
	}
	var byClass uint64
	for _, n := range sum.Failures {
		byClass += n
	}
	if byClass != c.Failed {
		t.Errorf("failure classes add up to %d, failed %d", byClass, c.Failed)
	}
	// The steps: INVITE ->, 100 <-, 180 <-, 183 <-, 200 <-, ACK ->, pause.
	if len(sum.Steps) < 7 {
		t.Fatalf("summary has %d steps", len(sum.Steps))
	}
	// A loaded peer may make the UAC retransmit (and re-acknowledge a
	// retransmitted 200): first transmissions are one per call, and the
	// steps' retransmissions add up to the total.
	s := sum.Steps
	if s[0].Sent != inFlight || s[4].Received != inFlight || s[5].Sent != inFlight || sum.Messages.Unexpected != 0 {
		t.Errorf("steps: INVITE sent %d, 200 received %d, ACK sent %d, unexpected %d; want %d each, 0 unexpected",
			s[0].Sent, s[4].Received, s[5].Sent, sum.Messages.Unexpected, inFlight)
	}
	var retrans uint64
	for _, st := range s {
		retrans += st.Retrans
	}
	if retrans != sum.Messages.Retransmissions {
		t.Errorf("step retransmissions add up to %d, total %d", retrans, sum.Messages.Retransmissions)
	}

	// Every interval file ends on a complete row whose totals are the summary's.
	stat, whole := completeLines(t, filepath.Join(dir, "uac.csv"))
	if !whole || len(stat) < 2 {
		t.Fatalf("-trace_stat: %d complete rows, ends on a newline %v", len(stat), whole)
	}
	checkShape(t, "gossip", "trace_stat", stat, ";", len(strings.Split(stat[0], ";")), nil)
	last := lastRow(t, stat)
	for _, col := range []struct {
		name string
		want uint64
	}{
		{"OutgoingCall(C)", c.Outgoing}, {"TotalCallCreated", c.Created}, {"CurrentCall", uint64(c.Current)},
		{"SuccessfulCall(C)", c.Successful}, {"FailedCall(C)", c.Failed},
		{"Retransmissions(C)", sum.Messages.Retransmissions}, {"DeadCallMsgs(C)", sum.Messages.DeadCall},
	} {
		if got := atoi(t, col.name, last[col.name]); uint64(got) != col.want {
			t.Errorf("-trace_stat last row %s = %d, summary %d", col.name, got, col.want)
		}
	}
	counts, whole := completeLines(t, globOne(t, dir, "uac_*_counts.csv"))
	if !whole || len(counts) < 2 {
		t.Fatalf("-trace_counts: %d complete rows, ends on a newline %v", len(counts), whole)
	}
	cr := lastRow(t, counts)
	for col, want := range map[string]uint64{"0_INVITE_Sent": sum.Steps[0].Sent, "4_200_Recv": sum.Steps[4].Received,
		"5_ACK_Sent": sum.Steps[5].Sent, "0_INVITE_Retrans": sum.Steps[0].Retrans, "4_200_Retrans": sum.Steps[4].Retrans} {
		if got := atoi(t, col, cr[col]); uint64(got) != want {
			t.Errorf("-trace_counts last row %s = %d, summary %d", col, got, want)
		}
	}

	// The per-message and per-call logs hold every call.
	if rtt, whole := completeLines(t, globOne(t, dir, "uac_*_rtt.csv")); !whole || len(rtt)-1 != inFlight {
		t.Errorf("-trace_rtt: %d samples (complete %v), want %d", len(rtt)-1, whole, inFlight)
	}
	short, whole := completeLines(t, globOne(t, dir, "uac_*_shortmessages.log"))
	var invites, acks, oks int
	for _, l := range short {
		f := strings.Split(l, "\t")
		if len(f) < 7 {
			t.Errorf("short message line %q", l)
			continue
		}
		switch {
		case f[3] == "S" && strings.HasPrefix(f[6], "INVITE "):
			invites++
		case f[3] == "S" && strings.HasPrefix(f[6], "ACK "):
			acks++
		case f[3] == "R" && strings.HasPrefix(f[6], "SIP/2.0 200"):
			oks++
		}
	}
	// Retransmissions are messages too; each retransmitted 200 is
	// acknowledged again.
	if !whole || uint64(invites) != s[0].Sent+s[0].Retrans || uint64(oks) != s[4].Received+s[4].Retrans ||
		uint64(acks) != s[5].Sent+s[4].Retrans {
		t.Errorf("-trace_shortmsg (complete %v): %d INVITEs, %d 200s, %d ACKs; steps %+v", whole, invites, oks, acks, s[:6])
	}
	hc, intervals := hdrCounts(t, filepath.Join(dir, "uac.hlog"), false)
	if len(sum.ResponseTimes) != 1 || sum.ResponseTimes[0].Count != inFlight {
		t.Errorf("summary response times %+v, want %d samples", sum.ResponseTimes, inFlight)
	}
	if hc["ResponseTime1"] != inFlight || intervals < 2 {
		t.Errorf("-trace_hdr: %d intervals, counts %v; want %d response times", intervals, hc, inFlight)
	}
	if uint64(hc["CallLength"]) != sum.CallLength.Count {
		t.Errorf("-trace_hdr: %d call lengths, summary %d", hc["CallLength"], sum.CallLength.Count)
	}
	screens, err := os.ReadFile(filepath.Join(dir, "screens.log"))
	if err != nil || !strings.Contains(string(screens), "Aborted call") ||
		!strings.Contains(string(screens), strconv.Itoa(inFlight)) {
		t.Errorf("-trace_screen: %v\n%.2000s", err, screens)
	}
}

// TestSIGKILLLosesAtMostOnePeriod kills a UAC with SIGKILL mid-run: the
// interval files on disk (-trace_stat, -trace_counts, -trace_error_codes,
// -trace_hdr, written every -fd) hold complete rows only, and every period that ended before
// the kill has its row: nothing waits in a user-space buffer.
func TestSIGKILLLosesAtMostOnePeriod(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	const fd = time.Second
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "200", "-d", "500", "-nostdin", "-threads", "1",
		"-trace_stat", "-stf", "uac.csv", "-fd", "1", "-trace_counts", "-trace_hdr", "uac.hlog", "-trace_error_codes")
	// Rows appear on disk as the run goes: the first at the start, then one
	// per period. Kill the process at a random point of the fourth period.
	waitStatRow(t, uac, filepath.Join(dir, "uac.csv"), 30*time.Second, func(r map[string]string) bool {
		return strings.HasPrefix(r["ElapsedTime(C)"], "00:00:03")
	})
	time.Sleep(time.Duration(time.Now().UnixNano()%int64(fd)) * 9 / 10)
	if err := uac.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if code := uac.Wait(); code != -1 {
		t.Errorf("exit %d after SIGKILL, want -1 (killed)", code)
	}

	stat, whole := completeLines(t, filepath.Join(dir, "uac.csv"))
	if !whole || len(stat) < 5 {
		t.Fatalf("-trace_stat after SIGKILL: %d complete lines, ends on a newline %v", len(stat), whole)
	}
	checkShape(t, "gossip", "trace_stat", stat, ";", len(strings.Split(stat[0], ";")), nil)
	lastAt := epoch(t, lastRow(t, stat)["CurrentTime"])
	if lost := killed.Sub(time.Unix(0, int64(lastAt*1e9))); lost > fd+500*time.Millisecond {
		t.Errorf("the last -trace_stat row is %s older than the kill; at most one -fd period (%s) may be lost", lost, fd)
	}
	counts, whole := completeLines(t, globOne(t, dir, "uac_*_counts.csv"))
	if !whole || len(counts) != len(stat) {
		t.Errorf("-trace_counts after SIGKILL: %d complete lines (ends on a newline %v), -trace_stat %d", len(counts), whole, len(stat))
	}
	if codes, whole := completeLines(t, globOne(t, dir, "uac_*_error_codes.csv")); !whole {
		t.Errorf("-trace_error_codes after SIGKILL ends in a partial row (%d complete)", len(codes))
	}
	// The HDR log writes an interval per period after the first row.
	if _, intervals := hdrCounts(t, filepath.Join(dir, "uac.hlog"), true); intervals < 2*(len(stat)-2) {
		t.Errorf("-trace_hdr after SIGKILL: %d intervals (two tags per period), -trace_stat has %d periods", intervals, len(stat)-2)
	}
	stop(uas)
}
