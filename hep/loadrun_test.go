package hep_test

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/hep"
	"github.com/gossip-sip/gossip/scenario"
	"github.com/gossip-sip/gossip/sipfast"
)

// countingMirror counts what the engine hands over before passing it on:
// the independent count the exporter's Stats must add up to.
type countingMirror struct {
	n    atomic.Uint64
	next trace.Mirror
}

func (m *countingMirror) Mirror(shard int, dir trace.Direction, at time.Time, payload []byte, local, remote netip.AddrPort, callID []byte) {
	m.n.Add(1)
	m.next.Mirror(shard, dir, at, payload, local, remote, callID)
}

// MirrorPublish forwards to next, so load runs batch as gossip's do.
func (m *countingMirror) MirrorPublish(shard int) {
	if p, ok := m.next.(trace.MirrorPublisher); ok {
		p.MirrorPublish(shard)
	}
}

// uasNoLinger is the built-in uas without its final 4 s timewait.
func uasNoLinger(t testing.TB) *scenario.Scenario {
	t.Helper()
	xml, ok := scenario.BuiltinXML("uas")
	if !ok {
		t.Fatal("no built-in uas")
	}
	xml = bytes.Replace(xml, []byte(`<timewait milliseconds="4000"/>`), nil, 1)
	scn, err := scenario.Parse(xml, "uas-no-linger.xml")
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// loadRun runs calls of the built-in uac (two shards, mirrored to m)
// against the built-in uas on loopback and returns the UAC's totals.
func loadRun(t testing.TB, calls int, m trace.Mirror) *engine.Result {
	t.Helper()
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := engine.New(engine.Config{Scenario: uasNoLinger(t), Local: lo, Shards: 1, Backend: "std",
		BufferSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Scenario: uacScn, Local: lo, Shards: 2, Backend: "std", BufferSize: 4 << 20,
		Remote: uas.LocalAddrs()[0], Users: 50, MaxCalls: calls}
	if m != nil {
		cfg.Mirror = m
	}
	uac, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	go uas.Run(ctx)
	defer uas.Abort()
	res, err := uac.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestBackpressureTCP: the collector accepts the connection and reads
// nothing during the run. The run completes with every call successful,
// the exporter drops instead of waiting, and afterwards the collector
// reads exactly the packets the exporter counts as sent: the drop counter
// is what was not delivered.
func TestBackpressureTCP(t *testing.T) {
	addr, release := hep.StalledCollector(t)
	x, err := hep.New(hep.Config{Collector: addr, Transport: hep.TransportTCP, Shards: 2, CaptureID: 9,
		QueueBytes: 64 << 10, SocketBuffer: 16 << 10, FlushTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := &countingMirror{next: x}
	const calls = 3000
	res := loadRun(t, calls, m)
	st := x.Close()
	frames := release()
	if c := res.Stats.Cumulative; c.Successful != calls || c.Failed != 0 {
		t.Fatalf("%d calls successful, %d failed; want %d and 0", c.Successful, c.Failed, calls)
	}
	mirrored := m.n.Load()
	if mirrored < 6*calls {
		t.Errorf("%d messages mirrored, want at least 6 per call", mirrored)
	}
	if st.Mirrored() != mirrored || st.Sent != uint64(len(frames)) || st.Dropped() != mirrored-uint64(len(frames)) {
		t.Fatalf("stats %+v: %d mirrored, collector read %d", st, mirrored, len(frames))
	}
	if st.QueueFull == 0 {
		t.Errorf("no queue drops: the stalled collector did not push back (stats %+v)", st)
	}
	for _, f := range frames {
		p, err := hep.Decode(f)
		if err != nil || p.CaptureID != 9 || !bytes.Equal(p.CorrelationID, sipfast.PeekCallID(p.Payload)) {
			t.Fatalf("delivered packet: %+v, %v", p, err)
		}
	}
	t.Logf("%d calls, %d messages: %d delivered, %d dropped (queue full %d, unsent %d)",
		calls, mirrored, len(frames), st.Dropped(), st.QueueFull, st.Unsent)
}

// TestBackpressureUDP: the collector is a UDP socket with the smallest
// receive buffer that reads nothing during the run. Over UDP the
// exporter cannot see what the kernel drops at the receiver: it counts
// every message as sent or dropped, and the collector holds at most the
// sent ones (the kernel dropped the rest).
func TestBackpressureUDP(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadBuffer(1)
	x, err := hep.New(hep.Config{Collector: c.LocalAddr().(*net.UDPAddr).AddrPort(), Shards: 2, Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	m := &countingMirror{next: x}
	const calls = 2000
	res := loadRun(t, calls, m)
	st := x.Close()
	if cs := res.Stats.Cumulative; cs.Successful != calls || cs.Failed != 0 {
		t.Fatalf("%d calls successful, %d failed; want %d and 0", cs.Successful, cs.Failed, calls)
	}
	received := 0
	buf := make([]byte, 65536)
	for {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		if _, err := hep.Decode(buf[:n]); err != nil {
			t.Fatalf("collector got an undecodable packet: %v", err)
		}
		received++
	}
	mirrored := m.n.Load()
	if st.Mirrored() != mirrored || uint64(received) > st.Sent || received == 0 {
		t.Fatalf("stats %+v: %d mirrored, collector read %d", st, mirrored, received)
	}
	t.Logf("%d messages: exporter sent %d and dropped %d; the kernel dropped %d of the sent at the collector",
		mirrored, st.Sent, st.Dropped(), st.Sent-uint64(received))
}
