package stats

import (
	"bytes"
	"strings"
	"testing"
)

var testInfo = ScreenInfo{
	Scenario:   "uac",
	Mode:       "uac",
	Transport:  "UDP",
	Local:      "127.0.0.1:5060",
	Remote:     "127.0.0.1:5099",
	TargetRate: 12.5,
	CallLimit:  100,
	Commands:   []string{"INVITE ->", "200 <-", "BYE ->", "200 <-"},
}

func TestWriteScreenGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteScreen(&buf, fixedRun()[1], testInfo); err != nil {
		t.Fatal(err)
	}
	golden(t, "screen.golden", buf.Bytes())
	checkLines(t, buf.String())
}

func TestWriteSummaryGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, fixedRun()[2], testInfo); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden", buf.Bytes())
	checkLines(t, buf.String())
	for _, want := range []string{"Successful call", "TimeoutOnRecv", "UnexpectedMessage", "Aborted call", "p99.9", "Response time 2"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("summary lacks %q", want)
		}
	}
}

func TestWriteScreenUsersAndEmpty(t *testing.T) {
	c, _ := newTestCollector(Layout{}, 0)
	s := c.Snapshot(t0)
	s.Users = 7
	var buf bytes.Buffer
	if err := WriteScreen(&buf, s, ScreenInfo{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "target 7 users") {
		t.Errorf("users target missing:\n%s", buf.String())
	}
	checkLines(t, buf.String())
}

// checkLines asserts no trailing blanks and lines no wider than the screen.
func checkLines(t *testing.T, s string) {
	t.Helper()
	for i, l := range strings.Split(s, "\n") {
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line %d has trailing blanks: %q", i+1, l)
		}
		if len([]rune(l)) > 100 {
			t.Errorf("line %d is %d wide: %q", i+1, len(l), l)
		}
	}
}
