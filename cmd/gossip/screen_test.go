package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestKeyboardUnderTmux drives gossip's live screen as a user would: in a
// tmux pane, '*' raises the rate by 10 calls/s twice, 'p' pauses (the
// screen says so and no call starts), 'p' resumes, 'q' stops.
func TestKeyboardUnderTmux(t *testing.T) {
	tmux := requireTmux(t)
	gossip := testpeer.Gossip(t)
	uas, port := gossipUAS(t, "")

	cmd := fmt.Sprintf("%s -sn uac -i 127.0.0.1 127.0.0.1:%d -r 1 -threads 1 2>%s/stderr; sleep 30", gossip, port, t.TempDir())
	pane := newTmuxPane(t, tmux, fmt.Sprintf("gossip-test-%d", port), cmd)
	pane.waitFor("the statistics screen", showsAll("Rate     target"))
	pane.key("*")
	pane.key("*")
	pane.waitFor("a target rate of 21 calls/s", showsAll("target 21.000 cps"))
	pane.key("p")
	s := pane.waitFor("the pause notice", showsAll("Traffic paused"))
	created := func(s string) int {
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "Created") {
				f := strings.Fields(line)
				n, _ := strconv.Atoi(f[len(f)-1])
				return n
			}
		}
		return -1
	}
	before := created(s)
	time.Sleep(2500 * time.Millisecond)
	if after := created(pane.screen()); after > before+2 {
		t.Errorf("paused, yet calls went from %d to %d", before, after)
	}
	pane.key("p")
	pane.waitFor("traffic again", func(s string) bool { return !strings.Contains(s, "Traffic paused") })
	pane.key("q")
	pane.waitFor("the final summary", func(s string) bool { return strings.Contains(s, "Successful call") && !strings.Contains(s, "Keys:") })
	stop(uas)
}
