package engine

import (
	"crypto/tls"
	"net/netip"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/internal/testpeer"
	"github.com/gossip-sip/gossip/scenario"
)

// newStreamPair is newPair over a stream transport: one connection (t1).
func newStreamPair(t testing.TB, transport string, uasScenario *scenario.Scenario) *pair {
	t.Helper()
	var srvTLS, cliTLS *tls.Config
	if transport == "tls" || transport == "wss" {
		certs := testpeer.TLSCerts(t, t.TempDir(), "engine")
		srvTLS = &tls.Config{Certificates: []tls.Certificate{certs.Pair}}
		cliTLS = &tls.Config{RootCAs: certs.Pool}
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScenario, Local: lo, Shards: 1, Transport: transport, TLS: srvTLS})
	if err != nil {
		t.Fatal(err)
	}
	uacScenario, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: uacScenario, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0], Transport: transport, TLS: cliTLS})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	uac.t0, uas.t0 = now, now
	t.Cleanup(func() { uac.closeEndpoints(); uas.closeEndpoints() })
	return &pair{uac: uac, uas: uas, pkts: make([]dataplane.Packet, dataplane.ReadBatchSize)}
}

// streamCall is pair.call for a stream pair: messages may arrive several
// per read, with the connection they came on.
func (p *pair) streamCall(t testing.TB) {
	c, s := p.uac.shards[0], p.uas.shards[0]
	c.startCall(p.uac.now())
	for _, step := range []struct {
		from, to *shard
		n        int
	}{{c, s, 1}, {s, c, 2}, {c, s, 2}, {s, c, 1}} {
		flush(t, step.from)
		for n := step.n; n > 0; {
			got, err := step.to.ep.Read(p.pkts, time.Now().Add(2*time.Second))
			if err != nil {
				t.Fatalf("waiting for %d more messages: %v", n, err)
			}
			for i := 0; i < got; i++ {
				pk := &p.pkts[i]
				if pk.Closed {
					t.Fatalf("connection closed: %v", pk.Err)
				}
				step.to.rxConn = pk.Conn
				step.to.onDatagram(pk.Data, pk.From, step.to.e.now(), true)
			}
			n -= got
		}
	}
	if c.active != 0 || s.active != 0 {
		t.Fatalf("calls still running: uac %d, uas %d", c.active, s.active)
	}
}

// TestStreamCallCycleNoAllocs: over one connection, a whole call
// allocates nothing once warm, on TCP, TLS and WebSocket.
func TestStreamCallCycleNoAllocs(t *testing.T) {
	for _, transport := range []string{"tcp", "tls", "ws", "wss"} {
		t.Run(transport, func(t *testing.T) {
			p := newStreamPair(t, transport, uasNoLinger(t))
			for i := 0; i < 20; i++ {
				p.streamCall(t)
			}
			for name, e := range map[string]*Engine{"uac": p.uac, "uas": p.uas} {
				if c := e.Snapshot().Cumulative; c.Successful != 20 || c.Failed != 0 {
					t.Fatalf("%s: %d successful, %d failed, want 20 and 0", name, c.Successful, c.Failed)
				}
			}
			allocs := testing.AllocsPerRun(100, func() { p.streamCall(t) })
			// gossip allocates nothing; crypto/tls allocates once per
			// record it reads (its atLeastReader escapes), and the call's
			// six messages travel in four records, one per flush. The
			// race detector makes sync.Pool drop buffers now and then:
			// allow twice that.
			budget := 0.0
			if transport == "tls" || transport == "wss" {
				budget = 8
			}
			if allocs > budget {
				t.Fatalf("a call cycle over %s allocates %v times, want at most %v", transport, allocs, budget)
			}
		})
	}
}

// TestStreamUASSpreadsOneConnection: a UAS with two shards that receives
// every call on a single TCP connection still runs calls on both shards.
func TestStreamUASSpreadsOneConnection(t *testing.T) {
	if !dataplane.ReusePortSupported {
		t.Skip("no SO_REUSEPORT: a server runs one shard")
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 2, Transport: "tcp", MaxCalls: 60})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Transport: "tcp", Remote: uas.LocalAddrs()[0],
		Rate: 600, MaxCalls: 60})
	if err != nil {
		t.Fatal(err)
	}
	runCalls(t, uas, uac, 60, 20*time.Second)
	if got := uas.conns.Open(); got != 0 {
		t.Errorf("%d connections left open after the run", got)
	}
	for i, s := range uas.shards {
		if s.calls.len() == 0 {
			t.Errorf("uas shard %d ran no call: one connection pinned every call to one shard", i)
		}
	}
}

// TestStreamMaxSocket: with a connection per call and -max_socket 2, a
// client never holds more than 2 connections; calls beyond share them.
func TestStreamMaxSocket(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 1, Transport: "tcp", MaxCalls: 30})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	// 300 calls/s of 50 ms: about 15 at once.
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Transport: "tcp", ConnPerCall: true, MaxSocket: 2,
		Remote: uas.LocalAddrs()[0], Rate: 300, MaxCalls: 30, DefaultPause: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCalls(t, uas, uac, 30, 20*time.Second)
	if peak := uac.conns.Peak(); peak != 2 {
		t.Errorf("uac held at most %d connections, want 2 (-max_socket)", peak)
	}
}
