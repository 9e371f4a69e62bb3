package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/internal/testpeer"
)

// Helpers shared by this package's tests: peers on loopback UDP, and the
// files (-trace_stat, -summary_json, SIPp's per-process logs) runs leave.

// serveUDP starts bin in dir (a fresh temp dir when "") as a server on a
// free UDP port of 127.0.0.1, killed after timeout: its command line is
// scn (the scenario and what goes with it), then -i 127.0.0.1 -p <port>,
// then args. It returns once the port is bound.
func serveUDP(t *testing.T, timeout time.Duration, dir, bin string, scn []string, args ...string) (*testpeer.Proc, int) {
	t.Helper()
	port := testpeer.FreeUDPPort(t, 1)
	argv := append(slices.Clone(scn), "-i", "127.0.0.1", "-p", strconv.Itoa(port))
	p := testpeer.Start(t, timeout, dir, bin, append(argv, args...)...)
	testpeer.WaitUDPBound(t, port, 5*time.Second)
	return p, port
}

// gossipUAS starts gossip's built-in uas with one shard, as serveUDP does,
// for a minute at most: the peer of the tests about the UAC's side.
func gossipUAS(t *testing.T, dir string) (*testpeer.Proc, int) {
	t.Helper()
	return serveUDP(t, 60*time.Second, dir, testpeer.Gossip(t), []string{"-sn", "uas"}, "-nostdin", "-threads", "1")
}

// busyUAS answers every INVITE with 486 Busy Here: the built-in uac takes
// it as an unexpected message, whose code -trace_error_codes records.
const busyUAS = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="busy">
  <recv request="INVITE"/>
  <send>
    <![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
  <recv request="ACK" timeout="2000" ontimeout="end" optional="true"/>
  <label id="end"/>
</scenario>
`

// busyServer starts gossip running busyUAS, as serveUDP does: every call
// sent to it fails.
func busyServer(t *testing.T) (*testpeer.Proc, int) {
	t.Helper()
	dir := t.TempDir()
	xml := filepath.Join(dir, "busy.xml")
	writeTestFile(t, xml, busyUAS)
	return serveUDP(t, 60*time.Second, dir, testpeer.Gossip(t), []string{"-sf", xml}, "-nostdin", "-threads", "1")
}

// side is one process of a run over UDP on 127.0.0.1.
type side struct {
	who     string // in messages: "sipp uas", "gossip uac"
	bin     string
	timeout time.Duration
	scn     []string // the command line before -i 127.0.0.1: the scenario and its files
	args    []string // the command line after the server's port or address
}

// runPair runs client against server in dir: the server on a free port
// (serveUDP), then the client, -i 127.0.0.1 127.0.0.1:<port>. Both must
// exit with want, the client first.
func runPair(t *testing.T, dir string, server, client side, want int) {
	t.Helper()
	srv, port := serveUDP(t, server.timeout, dir, server.bin, server.scn, server.args...)
	argv := append(slices.Clone(client.scn), "-i", "127.0.0.1", "127.0.0.1:"+strconv.Itoa(port))
	cli := testpeer.Start(t, client.timeout, dir, client.bin, append(argv, client.args...)...)
	wantExit(t, cli, client.who, want)
	wantExit(t, srv, server.who, want)
}

// wantExit waits for p and ends the test unless p exits with want (the
// process's output is logged when the test fails).
func wantExit(t *testing.T, p *testpeer.Proc, who string, want int) {
	t.Helper()
	if code := p.Wait(); code != want {
		t.Fatalf("%s exit %d, want %d", who, code, want)
	}
}

// stop sends p SIGTERM and returns its exit status once it has ended.
func stop(p *testpeer.Proc) int {
	_ = p.Signal(syscall.SIGTERM)
	return p.Wait()
}

// asTool returns the binary that runs who, "sipp" or "gossip", and its
// command line: args, and for gossip -threads 1 (one shard, as sipp).
func asTool(t *testing.T, who string, args ...string) (string, []string) {
	t.Helper()
	if who == "gossip" {
		return testpeer.Gossip(t), append(slices.Clone(args), "-threads", "1")
	}
	return testpeer.SIPp(t), args
}

// statTotals reads the last row of a -trace_stat file (SIPp's format, which
// gossip and sipp both write) and returns the named cumulative columns.
func statTotals(t *testing.T, path string) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("stat file: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("stat file %s: %v", path, err)
	}
	if len(rows) < 2 {
		t.Fatalf("stat file %s has %d rows", path, len(rows))
	}
	head, last := rows[0], rows[len(rows)-1]
	out := map[string]int{}
	for i, name := range head {
		if i < len(last) && strings.HasSuffix(name, "(C)") {
			if v, err := strconv.Atoi(strings.TrimSpace(last[i])); err == nil {
				out[strings.TrimSuffix(name, "(C)")] = v
			}
		}
	}
	return out
}

func assertCalls(t *testing.T, who string, got map[string]int, successful int) {
	t.Helper()
	if got["SuccessfulCall"] != successful || got["FailedCall"] != 0 {
		t.Errorf("%s: SuccessfulCall=%d FailedCall=%d, want %d and 0",
			who, got["SuccessfulCall"], got["FailedCall"], successful)
	}
}

// readSummary decodes a -summary_json file.
func readSummary(t *testing.T, path string) *stats.Summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("-summary_json: %v", err)
	}
	var sum stats.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("-summary_json: %v\n%s", err, b)
	}
	return &sum
}

// globOne returns the path of the one file in dir matching pattern
// (SIPp's names carry the process id).
func globOne(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s in %s: %v (err %v)", pattern, dir, m, err)
	}
	return m[0]
}

// readOne returns the text of the one file in dir matching pattern.
func readOne(t *testing.T, dir, pattern string) string {
	t.Helper()
	b, err := os.ReadFile(globOne(t, dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeTestFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tmuxPane is a detached tmux session, 120 columns by 60 lines, running one
// shell command; it is killed when the test ends.
type tmuxPane struct {
	t             *testing.T
	tmux, session string
}

// requireTmux returns the path of tmux, or skips the test (in CI: fails it).
func requireTmux(t *testing.T) string {
	t.Helper()
	tmux, err := exec.LookPath("tmux")
	testpeer.Require(t, err == nil, "tmux is not installed (apt-get install tmux)")
	return tmux
}

func newTmuxPane(t *testing.T, tmux, session, command string) *tmuxPane {
	t.Helper()
	p := &tmuxPane{t: t, tmux: tmux, session: session}
	p.run("new-session", "-d", "-s", session, "-x", "120", "-y", "60", command)
	t.Cleanup(func() { _ = exec.Command(tmux, "kill-session", "-t", session).Run() })
	return p
}

// run runs tmux with args and returns what it printed.
func (p *tmuxPane) run(args ...string) string {
	p.t.Helper()
	out, err := exec.Command(p.tmux, args...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen returns what the pane shows.
func (p *tmuxPane) screen() string { return p.run("capture-pane", "-p", "-t", p.session) }

// key types key into the pane.
func (p *tmuxPane) key(key string) { p.run("send-keys", "-t", p.session, key) }

// waitFor reads the pane every 200 ms until ok holds, for 10 s at most, and
// returns that screen.
func (p *tmuxPane) waitFor(what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := p.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("screen never showed %s:\n%s", what, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// showsAll is a waitFor condition: the screen holds every one of want.
func showsAll(want ...string) func(string) bool {
	return func(s string) bool {
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}
}
