package engine

import (
	"bytes"
	"context"
	"errors"
	"github.com/gossip-sip/gossip/dataplane"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

func TestCommandParsing(t *testing.T) {
	tests := []struct {
		cmd       string
		callID    string
		abort     bool
		sender    string
		hasSender bool
	}{
		{"Call-ID: 1-42@127.0.0.1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", "1-42@127.0.0.1", false, "", false},
		{"call-id: abc\r\ninternal-cmd: abort_call\r\n\r\n", "abc", true, "", false},
		{"i: compact\r\nFrom: m\r\n", "compact", false, "m", true},
		{"Call-ID:  spaced \r\nFrom:   s1\r\n", "spaced", false, "s1", true},
		{"Call-ID: x\r\ninternal-cmd: abort_call", "x", false, "", false}, // SIPp wants the value terminated
		{"Call-ID: x\r\nFrom: m", "x", false, "", false},
		{"Call-ID: x\r\nfrom: m\r\n", "x", false, "", false}, // check_peer_src is case-sensitive
		{"Content-Type: text/plain\r\n\r\n", "", false, "", false},
		{"", "", false, "", false},
	}
	for _, tt := range tests {
		if got := string(commandCallID([]byte(tt.cmd))); got != tt.callID {
			t.Errorf("commandCallID(%q) = %q, want %q", tt.cmd, got, tt.callID)
		}
		if got := isAbortCommand([]byte(tt.cmd)); got != tt.abort {
			t.Errorf("isAbortCommand(%q) = %v, want %v", tt.cmd, got, tt.abort)
		}
		got, ok := commandSender([]byte(tt.cmd))
		if string(got) != tt.sender || ok != tt.hasSender {
			t.Errorf("commandSender(%q) = %q, %v, want %q, %v", tt.cmd, got, ok, tt.sender, tt.hasSender)
		}
	}
}

func builtin(t *testing.T, name string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

func loadScenario(t *testing.T, path string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// freeTCPPort returns a loopback TCP address that was free a moment ago.
func freeTCPPort(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// runAll runs the engines until each ends and returns their results in
// order.
func runAll(t *testing.T, engines ...*Engine) []*Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res := make([]*Result, len(engines))
	var wg sync.WaitGroup
	for i, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], _ = e.Run(ctx)
		}()
	}
	wg.Wait()
	return res
}

// thirdPCCParties starts the two UAs (3pcc-A, 3pcc-B) for n calls.
func thirdPCCParties(t *testing.T, n int) (a, b *Engine) {
	t.Helper()
	lo := netip.MustParseAddr("127.0.0.1")
	var err error
	a, err = New(Config{Scenario: builtin(t, "3pcc-A"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	b, err = New(Config{Scenario: builtin(t, "3pcc-B"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// assertAllSucceeded checks that every engine ran n calls, all successful.
// An engine may have been stopped (Result.Interrupted) when its peer ended
// first: it then lets its running calls finish, which is what counts.
func assertAllSucceeded(t *testing.T, names []string, res []*Result, n int) {
	t.Helper()
	for i, r := range res {
		c := r.Stats.Cumulative
		if c.Successful != uint64(n) || c.Failed != 0 || c.Aborted != 0 {
			t.Errorf("%s: %d successful, %d failed, %d aborted, want %d, 0 and 0",
				names[i], c.Successful, c.Failed, c.Aborted, n)
		}
	}
}

// TestThirdPCCTwin runs SIPp's four 3PCC built-ins on gossip engines: the
// B side controller listens, the A side controller connects, and each
// call's SDP crosses the command connection both ways. The controllers
// run two shards, so commands reach calls that live on either.
func TestThirdPCCTwin(t *testing.T) {
	const n = 20
	lo := netip.MustParseAddr("127.0.0.1")
	a, b := thirdPCCParties(t, n)
	cb, err := New(Config{Scenario: builtin(t, "3pcc-C-B"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std",
		Remote: b.LocalAddrs()[0], ThirdPCC: ThirdPCC{Twin: netip.MustParseAddrPort("127.0.0.1:0")}})
	if err != nil {
		t.Fatal(err)
	}
	twin, ok := cb.TwinAddr()
	if !ok {
		t.Fatal("3pcc-C-B does not listen")
	}
	ca, err := New(Config{Scenario: builtin(t, "3pcc-C-A"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std",
		Remote: a.LocalAddrs()[0], Rate: 50, ThirdPCC: ThirdPCC{Twin: twin}})
	if err != nil {
		t.Fatal(err)
	}
	res := runAll(t, a, b, cb, ca)
	assertAllSucceeded(t, []string{"3pcc-A", "3pcc-B", "3pcc-C-B", "3pcc-C-A"}, res, n)
	if got := res[2].Stats.Cumulative.OutgoingCalls; got != n {
		t.Errorf("3pcc-C-B created %d outgoing calls from commands, want %d", got, n)
	}
}

// TestThirdPCCExtended runs a master and a slave (-master m, -slave s1)
// with their addresses from a -slave_cfg map.
func TestThirdPCCExtended(t *testing.T) {
	const n = 10
	lo := netip.MustParseAddr("127.0.0.1")
	a, b := thirdPCCParties(t, n)
	peers := map[string]netip.AddrPort{"m": freeTCPPort(t), "s1": freeTCPPort(t), "s2": freeTCPPort(t)}
	slave, err := New(Config{Scenario: loadScenario(t, "testdata/3pcc-slave.xml"), Local: lo, Shards: 2, MaxCalls: n,
		Backend: "std", Remote: b.LocalAddrs()[0], ThirdPCC: ThirdPCC{Self: "s1", Peers: peers}})
	if err != nil {
		t.Fatal(err)
	}
	master, err := New(Config{Scenario: loadScenario(t, "testdata/3pcc-master.xml"), Local: lo, Shards: 2, MaxCalls: n,
		Backend: "std", Remote: a.LocalAddrs()[0], Rate: 50, ThirdPCC: ThirdPCC{Self: "m", Master: true, Peers: peers}})
	if err != nil {
		t.Fatal(err)
	}
	res := runAll(t, a, b, slave, master)
	assertAllSucceeded(t, []string{"3pcc-A", "3pcc-B", "slave", "master"}, res, n)
}

// TestThirdPCCConfig: the engine refuses, as SIPp does, 3PCC flags that
// do not fit the scenario.
func TestThirdPCCConfig(t *testing.T) {
	twin := netip.MustParseAddrPort("127.0.0.1:1")
	peers := map[string]netip.AddrPort{"m": twin, "s1": twin}
	remote := netip.MustParseAddrPort("127.0.0.1:5060")
	tests := []struct {
		name string
		scn  *scenario.Scenario
		cfg  ThirdPCC
		err  error
		text string
	}{
		{"no flag", builtin(t, "3pcc-C-A"), ThirdPCC{}, ErrThirdPCC, "neither -3pcc nor -master/-slave"},
		{"no commands", builtin(t, "uac"), ThirdPCC{Twin: twin}, ErrThirdPCC, "has no <sendCmd> or <recvCmd>"},
		{"twin down", builtin(t, "3pcc-C-A"), ThirdPCC{Twin: freeTCPPort(t)}, ErrTwinConnect, "twin at 127.0.0.1:"},
		{"master without -master", loadScenario(t, "testdata/3pcc-master.xml"), ThirdPCC{Self: "m", Peers: peers}, ErrThirdPCC, "master scenario but -master option not set"},
		{"slave with -master", loadScenario(t, "testdata/3pcc-slave.xml"), ThirdPCC{Self: "s1", Master: true, Peers: peers}, ErrThirdPCC, "slave scenario but -slave option not set"},
		{"unknown self", loadScenario(t, "testdata/3pcc-slave.xml"), ThirdPCC{Self: "s9", Peers: peers}, ErrThirdPCC, `"s9" is not in the -slave_cfg file`},
		{"no dest", builtin(t, "3pcc-C-A"), ThirdPCC{Self: "m", Master: true, Peers: peers}, ErrThirdPCC, "<sendCmd> needs dest= in extended 3PCC mode"},
		{"unknown dest", loadScenario(t, "testdata/3pcc-master.xml"), ThirdPCC{Self: "m", Master: true, Peers: map[string]netip.AddrPort{"m": twin}}, ErrThirdPCC, `<sendCmd dest="s1">: no such instance`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Config{Scenario: tt.scn, Remote: remote, Shards: 1, Backend: "std", ThirdPCC: tt.cfg})
			if err == nil {
				e.closeEndpoints()
				t.Fatal("New succeeded")
			}
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("New = %v, want %v containing %q", err, tt.err, tt.text)
			}
		})
	}
}

// TestThirdPCCWire plays controller A by hand against a gossip 3pcc-C-B:
// a command starts a call whose INVITE carries the command's Call-ID and
// SDP; SIPp's abort command fails a call; a call that fails on an
// unexpected response sends the abort command back.
func TestThirdPCCWire(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	ua, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	cb, err := New(Config{Scenario: builtin(t, "3pcc-C-B"), Local: lo, Shards: 2, Backend: "std",
		Remote: ua.LocalAddr().(*net.UDPAddr).AddrPort(), ThirdPCC: ThirdPCC{Twin: netip.MustParseAddrPort("127.0.0.1:0")}})
	if err != nil {
		t.Fatal(err)
	}
	twin, _ := cb.TwinAddr()
	done := make(chan *Result, 1)
	go func() {
		res, _ := cb.Run(context.Background())
		done <- res
	}()
	conn, err := net.Dial("tcp", twin.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sdp := "Content-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\ns=-\r\n"
	invite := func(id string) (string, *net.UDPAddr) {
		t.Helper()
		if _, err := conn.Write([]byte("Call-ID: " + id + "\r\n" + sdp + "\x1b")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		_ = ua.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := ua.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("no INVITE for %s: %v", id, err)
		}
		msg := string(buf[:n])
		if !strings.HasPrefix(msg, "INVITE ") || !strings.Contains(msg, "\r\nCall-ID: "+id+"\r\n") ||
			!strings.HasSuffix(msg, "\r\n\r\nv=0\r\ns=-\r\n\r\n") { // sipp 3.6.1 sends the same bytes
			t.Fatalf("INVITE for %s:\n%q", id, msg)
		}
		return msg, from
	}
	// Call x: aborted by the twin.
	invite("x")
	if _, err := conn.Write([]byte("call-id: x\r\ninternal-cmd: abort_call\r\n\r\n\x1b")); err != nil {
		t.Fatal(err)
	}
	// Call y: B answers 404, which the scenario does not expect.
	msg, from := invite("y")
	resp := "SIP/2.0 404 Not Found\r\n"
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		i := strings.Index(msg, "\r\n"+h+": ")
		resp += msg[i+2:i+2+strings.Index(msg[i+2:], "\r\n")] + "\r\n"
	}
	resp += "Content-Length: 0\r\n\r\n"
	if _, err := ua.WriteToUDP([]byte(resp), from); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got := make([]byte, 0, 128)
	buf := make([]byte, 128)
	for !strings.HasSuffix(string(got), "\x1b") {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no abort command (got %q): %v", got, err)
		}
		got = append(got, buf[:n]...)
	}
	if want := "call-id: y\r\ninternal-cmd: abort_call\r\n\r\n\x1b"; string(got) != want {
		t.Errorf("abort command %q, want %q", got, want)
	}
	conn.Close() // controller A ends: the B side stops
	var res *Result
	select {
	case res = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("3pcc-C-B did not stop when its twin left")
	}
	c := res.Stats.Cumulative
	if c.OutgoingCalls != 2 || c.Failed != 2 || c.FailedBy[stats.FailUnexpectedMessage] != 1 || c.Successful != 0 {
		t.Errorf("created %d, failed %d (unexpected %d), successful %d; want 2, 2 (1), 0",
			c.OutgoingCalls, c.Failed, c.FailedBy[stats.FailUnexpectedMessage], c.Successful)
	}
}

// TestSendCommandNoAllocs: queueing a <sendCmd> costs the shard no
// allocation (the bus copies it into a cell it owns).
func TestSendCommandNoAllocs(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	e, err := New(Config{Scenario: builtin(t, "3pcc-C-B"), Local: lo, Shards: 1, Backend: "std",
		Remote: netip.MustParseAddrPort("127.0.0.1:5060"), ThirdPCC: ThirdPCC{Twin: netip.MustParseAddrPort("127.0.0.1:0")}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { e.closeEndpoints(); e.bus.shutdown() }()
	e.t0 = time.Now()
	e.bus.connected.Store(true)
	s := e.shards[0]
	send := -1
	for i, c := range e.scn.Commands {
		if c.Kind == scenario.KindSendCmd {
			send = i
		}
	}
	slot, c := s.alloc(e.now())
	c.ids = append(s.bufs.get(64), "1-1@127.0.0.1"...)
	c.idLen = uint16(len(c.ids))
	drain := func([]byte, netip.AddrPort, dataplane.ConnID, int64) {}
	once := func() {
		c.cmd = int32(send)
		if !s.sendCommand(slot, c, e.now()) {
			t.Fatal("sendCommand failed")
		}
		for e.bus.out.Pop(drain) {
		}
	}
	for range cmdQueueSize { // each queue cell sizes its buffer once
		once()
	}
	allocs := testing.AllocsPerRun(200, once)
	if allocs != 0 {
		t.Errorf("sendCommand allocates %v times", allocs)
	}
}

// TestThirdPCCAPassive runs SIPp's "3PCC A passive" role: a scenario that
// answers calls and then sends the first command connects to the twin
// like 3pcc-C-A, whose 3pcc-C-B calls party B with the caller's SDP.
func TestThirdPCCAPassive(t *testing.T) {
	const n = 10
	lo := netip.MustParseAddr("127.0.0.1")
	scn := loadScenario(t, "testdata/3pcc-a-passive.xml")
	if scn.ThirdPCC != scenario.ThirdPCCAPassive {
		t.Fatalf("role %v, want A passive", scn.ThirdPCC)
	}
	_, b := thirdPCCParties(t, n)
	cb, err := New(Config{Scenario: builtin(t, "3pcc-C-B"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std",
		Remote: b.LocalAddrs()[0], ThirdPCC: ThirdPCC{Twin: netip.MustParseAddrPort("127.0.0.1:0")}})
	if err != nil {
		t.Fatal(err)
	}
	twin, _ := cb.TwinAddr()
	a, err := New(Config{Scenario: scn, Local: lo, Shards: 2, MaxCalls: n, Backend: "std", ThirdPCC: ThirdPCC{Twin: twin}})
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: builtin(t, "uac"), Local: lo, Shards: 2, MaxCalls: n, Backend: "std",
		Remote: a.LocalAddrs()[0], Rate: 50})
	if err != nil {
		t.Fatal(err)
	}
	res := runAll(t, b, cb, a, uac)
	assertAllSucceeded(t, []string{"3pcc-B", "3pcc-C-B", "A passive", "uac"}, res, n)
}

// FuzzCommand: whatever a twin sends, reading a command's Call-ID, abort
// marker and sender never panics, and what it returns lies inside the
// command.
func FuzzCommand(f *testing.F) {
	for _, seed := range []string{
		"Call-ID: 1-42@127.0.0.1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n",
		"call-id: abc\r\ninternal-cmd: abort_call\r\n\r\n",
		"i: x\r\nFrom: m\r\n",
		"From:", "internal-cmd:", "Call-ID:", ":", "\n\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		if id := commandCallID(cmd); len(id) > len(cmd) {
			t.Fatalf("Call-ID %q longer than %q", id, cmd)
		}
		_ = isAbortCommand(cmd)
		if from, ok := commandSender(cmd); ok && (len(from) == 0 || !bytes.Contains(cmd, from)) {
			t.Fatalf("sender %q not in %q", from, cmd)
		}
	})
}
