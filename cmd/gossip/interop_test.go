package main

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestInteropGossipUACAgainstSIPpUAS drives the real sipp's built-in uas
// with gossip's built-in uac.
func TestInteropGossipUACAgainstSIPpUAS(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	runPair(t, dir,
		side{"sipp uas", sipp, 90 * time.Second, []string{"-sn", "uas"},
			[]string{"-m", "1000", "-nostdin", "-trace_stat", "-stf", "sipp_uas.csv", "-fd", "1"}},
		side{"gossip uac", gossip, 60 * time.Second, []string{"-sn", "uac"},
			[]string{"-r", "500", "-m", "1000", "-threads", "2", "-trace_stat", "-stf", "gossip_uac.csv", "-nostdin"}}, 0)
	assertCalls(t, "gossip uac", statTotals(t, filepath.Join(dir, "gossip_uac.csv")), 1000)
	assertCalls(t, "sipp uas", statTotals(t, filepath.Join(dir, "sipp_uas.csv")), 1000)
}

// TestInteropSIPpUACAgainstGossipUAS drives gossip's built-in uas with the
// real sipp's built-in uac.
func TestInteropSIPpUACAgainstGossipUAS(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	runPair(t, dir,
		side{"gossip uas", gossip, 90 * time.Second, []string{"-sn", "uas"},
			[]string{"-m", "1000", "-threads", "2", "-trace_stat", "-stf", "gossip_uas.csv", "-nostdin"}},
		side{"sipp uac", sipp, 60 * time.Second, []string{"-sn", "uac"},
			[]string{"-r", "500", "-m", "1000", "-nostdin", "-trace_stat", "-stf", "sipp_uac.csv", "-fd", "1"}}, 0)
	assertCalls(t, "sipp uac", statTotals(t, filepath.Join(dir, "sipp_uac.csv")), 1000)
	assertCalls(t, "gossip uas", statTotals(t, filepath.Join(dir, "gossip_uas.csv")), 1000)
}

// TestGossipAgainstGossip runs 10,000 calls at 2,000 calls/s over two
// shards on each side.
func TestGossipAgainstGossip(t *testing.T) {
	if testing.Short() {
		t.Skip("load run")
	}
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := serveUDP(t, 90*time.Second, dir, gossip, []string{"-sn", "uas"},
		"-m", "10000", "-threads", "2", "-buff_size", "4194304", "-trace_stat", "-stf", "uas.csv", "-nostdin")
	start := time.Now()
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "2000", "-m", "10000", "-threads", "2",
		"-buff_size", "4194304", "-trace_stat", "-stf", "uac.csv", "-nostdin")
	wantExit(t, uac, "gossip uac", 0)
	elapsed := time.Since(start)
	wantExit(t, uas, "gossip uas", 0)
	assertCalls(t, "uac", statTotals(t, filepath.Join(dir, "uac.csv")), 10000)
	assertCalls(t, "uas", statTotals(t, filepath.Join(dir, "uas.csv")), 10000)
	t.Logf("10,000 calls at 2,000 calls/s took %s", elapsed)
}

// TestUACWithoutPeerTimesOut aims the uac at a port where nothing answers:
// every call must fail as a retransmission timeout, the exit status is 1,
// and it happens within the configured retransmission budget.
func TestUACWithoutPeerTimesOut(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	port := testpeer.FreeUDPPort(t, 1)
	cases := []struct {
		name  string
		flags []string
		class string
		limit time.Duration
	}{
		// INVITE retrans="500": sent at 0, retransmitted at 0.5 s and 1.5 s,
		// given up at 3.5 s.
		{"max_retrans", []string{"-max_retrans", "2"}, "FailedMaxUDPRetrans", 8 * time.Second},
		{"recv_timeout", []string{"-nr", "-recv_timeout", "700"}, "FailedTimeoutOnRecv", 5 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stf := tc.name + ".csv"
			args := append([]string{"-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:" + strconv.Itoa(port),
				"-r", "20", "-m", "5", "-nostdin", "-trace_stat", "-stf", stf}, tc.flags...)
			start := time.Now()
			p := testpeer.Start(t, 30*time.Second, dir, gossip, args...)
			if code := p.Wait(); code != 1 {
				t.Fatalf("exit %d, want 1", code)
			}
			if el := time.Since(start); el > tc.limit {
				t.Errorf("took %s, want under %s", el, tc.limit)
			}
			got := statTotals(t, filepath.Join(dir, stf))
			if got["FailedCall"] != 5 || got[tc.class] != 5 || got["SuccessfulCall"] != 0 {
				t.Errorf("FailedCall=%d %s=%d SuccessfulCall=%d, want 5, 5, 0",
					got["FailedCall"], tc.class, got[tc.class], got["SuccessfulCall"])
			}
		})
	}
}

// TestExitStatuses checks the statuses SIPp gives for the same situations.
func TestExitStatuses(t *testing.T) {
	gossip := testpeer.Gossip(t)
	holder, busy := serveUDP(t, 30*time.Second, "", gossip, []string{"-sn", "uas"}, "-nostdin", "-threads", "1")
	silent := "127.0.0.1:" + strconv.Itoa(testpeer.FreeUDPPort(t, 1))
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"help", []string{"-h"}, 99},
		{"version", []string{"-v"}, 99},
		{"dump", []string{"-sd", "uac"}, 99},
		{"unknown flag", []string{"-no_such_flag"}, 1},
		{"missing value", []string{"-r"}, 1},
		{"unknown scenario", []string{"-sn", "nope", "127.0.0.1"}, 1},
		{"missing file", []string{"-sf", "/nonexistent.xml", "127.0.0.1"}, 1},
		{"port in use", []string{"-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(busy), "-nostdin", "-threads", "1"}, 254},
		// The holder is a UAS: INVITEs sent to it with -sn uac are answered,
		// so aim at a silent port for the timeout cases.
		{"global timeout, no call done", []string{"-sn", "uac", "-i", "127.0.0.1", silent, "-timeout", "1", "-nostdin"}, 97},
		{"global timeout as error", []string{"-sn", "uac", "-i", "127.0.0.1", silent, "-timeout", "1", "-timeout_error", "-nostdin"}, 255},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testpeer.Start(t, 10*time.Second, "", gossip, tc.args...)
			if code := p.Wait(); code != tc.want {
				t.Errorf("gossip %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), code, tc.want, p.Output())
			}
		})
	}
	if code := stop(holder); code != 0 {
		t.Errorf("uas stopped by SIGTERM with no calls: exit %d, want 0", code)
	}
}

// TestSIGINTDrainsAndCounts interrupts a UAC mid-run: every created call
// ends in exactly one class, statistics are written, and the second signal
// is not needed.
func TestSIGINTDrainsAndCounts(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "200", "-d", "2000", "-nostdin",
		"-trace_stat", "-stf", "uac.csv", "-fd", "1")
	time.Sleep(1500 * time.Millisecond)
	if err := uac.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := uac.Wait(); code != 0 {
		t.Fatalf("uac exit %d after SIGINT, want 0", code)
	}
	got := statTotals(t, filepath.Join(dir, "uac.csv"))
	created := got["OutgoingCall"]
	if created < 200 {
		t.Fatalf("only %d calls created", created)
	}
	if got["SuccessfulCall"]+got["FailedCall"] != created || got["FailedCall"] != 0 {
		t.Errorf("created %d, successful %d, failed %d: drained calls must all succeed",
			created, got["SuccessfulCall"], got["FailedCall"])
	}
	stop(uas)
}

// TestTraceStatMatchesSIPp runs the built-in uac from gossip and from the
// real sipp against the same UAS and compares their -trace_stat files:
// the same header, the same number of fields on every line.
func TestTraceStatMatchesSIPp(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	remote := "127.0.0.1:" + strconv.Itoa(port)
	for _, run := range []struct{ bin, stf string }{{sipp, "sipp.csv"}, {gossip, "gossip.csv"}} {
		p := testpeer.Start(t, 30*time.Second, dir, run.bin, "-sn", "uac", "-i", "127.0.0.1", remote,
			"-r", "20", "-m", "40", "-nostdin", "-trace_stat", "-stf", run.stf, "-fd", "1")
		if code := p.Wait(); code != 0 {
			t.Fatalf("%s exit %d", run.bin, code)
		}
	}
	read := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	sl, gl := read("sipp.csv"), read("gossip.csv")
	if sl[0] != gl[0] {
		t.Fatalf("headers differ:\nsipp:   %s\ngossip: %s", sl[0], gl[0])
	}
	fields := strings.Count(sl[0], ";")
	for i, line := range gl {
		if n := strings.Count(line, ";"); n != fields {
			t.Errorf("gossip line %d has %d fields, header %d", i+1, n, fields)
		}
	}
	if len(gl) < 2 {
		t.Fatal("gossip wrote no data row")
	}
	g, s := statTotals(t, filepath.Join(dir, "gossip.csv")), statTotals(t, filepath.Join(dir, "sipp.csv"))
	for _, col := range []string{"OutgoingCall", "SuccessfulCall", "FailedCall", "TotalCallCreated"} {
		if g[col] != s[col] {
			t.Errorf("%s: gossip %d, sipp %d", col, g[col], s[col])
		}
	}
	stop(uas)
}

// TestSecondSignalAborts interrupts a run whose calls are held in a long
// pause: the first signal starts draining, the second aborts at once, and
// every started call is still counted (as aborted).
func TestSecondSignalAborts(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := gossipUAS(t, dir)
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "100", "-d", "30000", "-nostdin",
		"-trace_stat", "-stf", "uac.csv")
	time.Sleep(time.Second)
	_ = uac.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	_ = uac.Signal(syscall.SIGINT)
	if code := uac.Wait(); code != 0 {
		t.Fatalf("exit %d, want 0 (no call failed)", code)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("second signal took %s to stop the run", el)
	}
	got := statTotals(t, filepath.Join(dir, "uac.csv"))
	created := got["OutgoingCall"]
	if created < 50 || got["SuccessfulCall"] != 0 || got["FailedCall"] != 0 {
		t.Errorf("created %d, successful %d, failed %d; want ≥50 created, all aborted",
			created, got["SuccessfulCall"], got["FailedCall"])
	}
	if !strings.Contains(uac.Output(), "Aborted call") {
		t.Errorf("summary lacks the aborted calls:\n%s", uac.Output())
	}
	re := regexp.MustCompile(`Aborted call\s+\|\s+\d+\s+\|\s+(\d+)`)
	if m := re.FindStringSubmatch(uac.Output()); m == nil || m[1] != strconv.Itoa(created) {
		t.Errorf("aborted calls %v, want %d", m, created)
	}
	stop(uas)
}

// TestRemoteControlChangesRate starts a UAC at 5 calls/s that would need
// 60 s for its 300 calls, then raises the rate through the UDP
// remote-control port with SIPp's "cset rate" command.
func TestRemoteControlChangesRate(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	cport := testpeer.FreeUDPPort(t, 1)
	uas, port := gossipUAS(t, dir)
	start := time.Now()
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "5", "-m", "300", "-nostdin", "-cp", strconv.Itoa(cport),
		"-trace_stat", "-stf", "uac.csv", "-fd", "1")
	testpeer.WaitUDPBound(t, cport, 5*time.Second)
	time.Sleep(time.Second)
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(cport))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("cset rate 200")); err != nil {
		t.Fatal(err)
	}
	if code := uac.Wait(); code != 0 {
		t.Fatalf("uac exit %d", code)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("300 calls took %s: the rate did not change", el)
	}
	got := statTotals(t, filepath.Join(dir, "uac.csv"))
	if got["SuccessfulCall"] != 300 || got["FailedCall"] != 0 {
		t.Errorf("successful %d failed %d", got["SuccessfulCall"], got["FailedCall"])
	}
	stop(uas)
}
