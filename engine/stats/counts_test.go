package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// uacSteps are the commands of SIPp's built-in uac scenario.
func uacSteps() []Step {
	return []Step{
		{Kind: StepSend, Method: "INVITE", Retrans: true},
		{Kind: StepRecv, Code: 100},
		{Kind: StepRecv, Code: 180},
		{Kind: StepRecv, Code: 183},
		{Kind: StepRecv, Code: 200, StopRTD: 1},
		{Kind: StepSend, Method: "ACK"},
		{Kind: StepPause, Pause: "1500ms"},
		{Kind: StepSend, Method: "BYE", Retrans: true},
		{Kind: StepRecv, Code: 200, Crlf: true},
	}
}

// uacCounts records n calls of the uac scenario that each got 180 and 200.
func uacCounts(r *Recorder, n int) {
	for range n {
		r.CallCreated(false)
		r.MessageSent(0)
		r.MessageReceived(2)
		r.MessageReceived(4)
		r.MessageSent(5)
		r.PauseStarted(6)
		r.MessageSent(7)
		r.MessageReceived(8)
		r.CallSucceeded(time.Second)
	}
}

func TestCountsFileMatchesSIPp(t *testing.T) {
	want := captureLines(t, "sipp361_uac_counts.csv")
	l := Layout{RTDNames: []string{"1"}, Commands: len(uacSteps())}
	r := NewRecorder(l)
	c := NewCollector(l, []*Recorder{r})
	// The second row of the capture: 9 calls at 1.004 s.
	start := time.Date(2026, 11, 26, 15, 45, 17, 154479000, time.UTC)
	c.SetStart(start)
	var buf bytes.Buffer
	f := NewCountsFile(&buf, uacSteps())
	if err := f.WriteRow(c.Snapshot(start)); err != nil {
		t.Fatal(err)
	}
	uacCounts(r, 9)
	if err := f.WriteRow(c.Snapshot(time.Date(2026, 11, 26, 15, 45, 18, 158617000, time.UTC))); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(got), buf.String())
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, got[i], want[i])
		}
	}
}

func TestCountsFileHiddenLabelsAndRetrans(t *testing.T) {
	steps := []Step{
		{Kind: StepRecv, Method: "INVITE"},
		{Kind: StepLabel},
		{Kind: StepSend, Code: 180, Hide: true},
		{Kind: StepSend, Code: 200, Retrans: true},
		{Kind: StepNop},
		{Kind: StepRecv, Method: "ACK"},
	}
	l := Layout{Commands: len(steps)}
	r := NewRecorder(l)
	c := NewCollector(l, []*Recorder{r})
	c.SetStart(t0)
	r.MessageReceived(0)
	r.RecvRetransmission(0)
	r.MessageSent(3)
	r.Retransmission(3)
	r.RecvTimeout(3)
	r.UnexpectedMessage(5)
	var buf bytes.Buffer
	f := NewCountsFile(&buf, steps)
	f.Delimiter = ","
	if err := f.WriteRow(c.Snapshot(t0.Add(1500 * time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	want := "CurrentTime,ElapsedTime,0_INVITE_Recv,0_INVITE_Retrans,0_INVITE_Timeout,0_INVITE_Unexp," +
		"2_200_Sent,2_200_Retrans,2_200_Timeout,4_ACK_Recv,4_ACK_Retrans,4_ACK_Timeout,4_ACK_Unexp,\n" +
		"2026-01-02\t03:04:06.623456\t1767323046.623456,00:00:01:500000,1,1,0,0,1,1,1,0,0,0,1,\n"
	if buf.String() != want {
		t.Errorf("got\n%q\nwant\n%q", buf.String(), want)
	}
	if s := c.Snapshot(t0.Add(2 * time.Second)); s.Cumulative.Retransmissions != 1 {
		t.Errorf("Retransmissions = %d: a received retransmission must not count in the total", s.Cumulative.Retransmissions)
	}
}

func TestErrorCodesFileMatchesSIPp(t *testing.T) {
	want := captureLines(t, "sipp361_uac_busy_error_codes.csv")
	// Row 2 of the capture: five 486 responses by 0.503 s.
	now := us2t(1795707568752362)
	start := now.Add(-503 * time.Millisecond)
	var buf bytes.Buffer
	f := NewErrorCodesFile(&buf)
	if err := f.WriteRow(now, start, []int{486, 486, 486, 486, 486}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(buf.String(), "\n"); got != want[1] {
		t.Errorf("got  %q\nwant %q", got, want[1])
	}
	buf.Reset()
	f.Delimiter = "|"
	if err := f.WriteRow(now, start, []int{404, 503}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.HasSuffix(got, "|00:00:00:503000|503,404,\n") {
		t.Errorf("newest first, custom delimiter: %q", got)
	}
}

// TestCountsFile3PCC: sipp 3.6.1 writes pause columns for <sendCmd> and
// <recvCmd> (its check for a pause comes first).
func TestCountsFile3PCC(t *testing.T) {
	steps := []Step{{Kind: StepRecvCmd}, {Kind: StepSend, Method: "INVITE"}, {Kind: StepSendCmd}}
	f := NewCountsFile(&bytes.Buffer{}, steps)
	want := "CurrentTime;ElapsedTime;0_Pause_Sessions;0_Pause_Unexp;1_INVITE_Sent;1_INVITE_Retrans;" +
		"2_Pause_Sessions;2_Pause_Unexp;\n"
	if got := f.Header(); got != want {
		t.Errorf("header\n%q\nwant\n%q", got, want)
	}
}
