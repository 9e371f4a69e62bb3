package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestKeyboardUnderTmux drives gossip's live screen as a user would: in a
// tmux pane, '*' raises the rate by 10 calls/s twice, 'p' pauses (the
// screen says so and no call starts), 'p' resumes, 'q' stops.
func TestKeyboardUnderTmux(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	testpeer.Require(t, err == nil, "tmux is not installed (apt-get install tmux)")
	gossip := testpeer.Gossip(t)
	port := testpeer.FreeUDPPort(t, 1)
	uas := testpeer.Start(t, 60*time.Second, "", gossip, "-sn", "uas", "-i", "127.0.0.1",
		"-p", strconv.Itoa(port), "-nostdin", "-threads", "1")
	testpeer.WaitUDPBound(t, port, 5*time.Second)

	session := fmt.Sprintf("gossip-test-%d", port)
	run := func(args ...string) string {
		out, err := exec.Command(tmux, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cmd := fmt.Sprintf("%s -sn uac -i 127.0.0.1 127.0.0.1:%d -r 1 -threads 1 2>%s/stderr; sleep 30", gossip, port, t.TempDir())
	run("new-session", "-d", "-s", session, "-x", "120", "-y", "60", cmd)
	t.Cleanup(func() { _ = exec.Command(tmux, "kill-session", "-t", session).Run() })
	screen := func() string { return run("capture-pane", "-p", "-t", session) }
	waitFor := func(what string, ok func(string) bool) string {
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := screen()
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("screen never showed %s:\n%s", what, s)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("the statistics screen", func(s string) bool { return strings.Contains(s, "Rate     target") })
	run("send-keys", "-t", session, "*")
	run("send-keys", "-t", session, "*")
	waitFor("a target rate of 21 calls/s", func(s string) bool { return strings.Contains(s, "target 21.000 cps") })
	run("send-keys", "-t", session, "p")
	s := waitFor("the pause notice", func(s string) bool { return strings.Contains(s, "Traffic paused") })
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
	if after := created(screen()); after > before+2 {
		t.Errorf("paused, yet calls went from %d to %d", before, after)
	}
	run("send-keys", "-t", session, "p")
	waitFor("traffic again", func(s string) bool { return !strings.Contains(s, "Traffic paused") })
	run("send-keys", "-t", session, "q")
	waitFor("the final summary", func(s string) bool { return strings.Contains(s, "Successful call") && !strings.Contains(s, "Keys:") })
	_ = uas.Signal(syscall.SIGTERM)
	uas.Wait()
}
