package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// uacRun records ten uac calls with SIPp's built-in repartition tables.
func uacRun(t *testing.T) (*Snapshot, ScreenInfo) {
	t.Helper()
	l := Layout{RTDNames: []string{"1"}, Commands: len(uacSteps()),
		RTDRepartition:        []int{10, 20, 30, 40, 50, 100, 150, 200},
		CallLengthRepartition: []int{10, 50, 100, 500, 1000, 5000, 10000}}
	r := NewRecorder(l)
	c := NewCollector(l, []*Recorder{r})
	c.SetStart(t0)
	uacCounts(r, 10)
	for range 10 {
		r.ResponseTime(0, 2*time.Millisecond)
	}
	s := c.Snapshot(t0.Add(2 * time.Second))
	s.TargetRate = 10
	info := testInfo
	info.Steps = uacSteps()
	info.Commands = nil
	return s, info
}

// TestScenarioScreenMatchesSIPp compares the per-message table with lines of
// SIPp 3.6.1's scenario screen for the same ten uac calls.
func TestScenarioScreenMatchesSIPp(t *testing.T) {
	s, info := uacRun(t)
	var buf bytes.Buffer
	if err := WriteScreenNumber(&buf, ScreenScenario, s, info); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	checkLines(t, out)
	for _, want := range []string{
		"                                 Messages  Retrans   Timeout   Unexpected-Msg\n",
		"      INVITE ---------->         10        0         0\n",
		"         100 <----------         0         0         0         0\n",
		"         200 <----------  E-RTD1 10        0         0         0\n",
		"         ACK ---------->         10        0\n",
		"       Pause [   1500ms]         10                            0\n",
		"         BYE ---------->         10        0         0\n",
		"Rate     target 12.500 cps", // the live screen's rate line (tmux test)
		"  Created ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("scenario screen lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, "         200 <----------         10        0         0         0\n") {
		t.Errorf("the table must end with the last message:\n%q", out[len(out)-80:])
	}

	info.Mode = "uas"
	info.Steps = []Step{{Kind: StepRecv, Method: "INVITE"}, {Kind: StepSend, Code: 180, Crlf: true},
		{Kind: StepPause, Pause: "0ms"}, {Kind: StepNop, Display: "hello"}, {Kind: StepNop},
		{Kind: StepSendCmd}, {Kind: StepRecvCmd}}
	buf.Reset()
	if err := WriteScreen(&buf, s, info); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  ----------> INVITE             0         0         0         0\n",
		"  <---------- 180                0         0\n\n", // crlf: a blank line
		"  [      0ms] Pause              0                             0\n",
		" hello\n",
		"              [ NOP ]\n",
		"\n        [ Sent Command ]         ", // SIPp's 3PCC lines
		"\n    [ Received Command ]         ",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("uas screen lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestScreenNumbers(t *testing.T) {
	s, info := uacRun(t)
	info.Keys = map[string]string{"user": "alice", "a": "b"}
	tests := []struct {
		n    int
		want []string
	}{
		{1, []string{"Rate     target", "INVITE ---------->"}},
		{2, []string{"Statistics Screen", "Counter Name           | Periodic value", "Successful call        |       10                  |       10",
			"Response time 1  period"}},
		{3, []string{"Repartition Screen", "  Average Response Time Repartition 1\n",
			"             0 ms <= n <         10 ms :         10\n",
			"                   n >=        200 ms :          0\n",
			"  Average Call Length Repartition\n",
			"          1000 ms <= n <       5000 ms :         10\n",
			"Call length      period        10"}},
		{4, []string{"Variables Screen", "=> No action found on any messages", "    [a] = b\n    [user] = alice\n"}},
		{5, []string{"Rate     target"}},
		{6, []string{"Repartition 2 Screen", "<No repartition defined>"}},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := WriteScreenNumber(&buf, tt.n, s, info); err != nil {
			t.Fatal(err)
		}
		checkLines(t, buf.String())
		for _, w := range tt.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("screen %d lacks %q:\n%s", tt.n, w, buf.String())
			}
		}
	}
	var all bytes.Buffer
	if err := WriteAllScreens(&all, s, info); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"gossip uac", "Statistics Screen", "Repartition Screen"} {
		if strings.Count(all.String(), w) != 1 {
			t.Errorf("all screens: %q appears %d times, want once", w, strings.Count(all.String(), w))
		}
	}
}
