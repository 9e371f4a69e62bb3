package engine

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// mirrored is one Mirror call as recordingMirror saw it.
type mirrored struct {
	shard         int
	dir           trace.Direction
	at            time.Time
	first         string
	local, remote netip.AddrPort
	callID        []byte
}

// recordingMirror keeps every call (single shard, single goroutine).
type recordingMirror struct{ got []mirrored }

func (m *recordingMirror) Mirror(shard int, dir trace.Direction, at time.Time, payload []byte, local, remote netip.AddrPort, callID []byte) {
	m.got = append(m.got, mirrored{shard, dir, at, string(firstLine(payload)), local, remote, callID})
}

// countingMirror counts calls without allocating.
type countingMirror struct{ n int }

func (m *countingMirror) Mirror(int, trace.Direction, time.Time, []byte, netip.AddrPort, netip.AddrPort, []byte) {
	m.n++
}

func (m *countingMirror) MirrorTotals() (sent, dropped uint64) { return uint64(m.n), 7 }

// TestMirrorSeesEveryMessage: a whole call mirrors each message once on
// each side, at the socket, with both addresses and the send or receive
// time.
func TestMirrorSeesEveryMessage(t *testing.T) {
	p := newPair(t, uasNoLinger(t))
	uacM, uasM := &recordingMirror{}, &recordingMirror{}
	p.uac.cfg.Mirror, p.uas.cfg.Mirror = uacM, uasM
	before := time.Now()
	p.call(t)
	after := time.Now()

	uacAddr, uasAddr := p.uac.shards[0].local, p.uas.shards[0].local
	check := func(side string, got []mirrored, local, remote netip.AddrPort, want []string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages mirrored, want %d: %+v", side, len(got), len(want), got)
		}
		for i, m := range got {
			dir, first, _ := bytes.Cut([]byte(want[i]), []byte(" "))
			wantDir := trace.Sent
			if string(dir) == "<-" {
				wantDir = trace.Received
			}
			if m.dir != wantDir || !bytes.HasPrefix([]byte(m.first), first) || m.shard != 0 ||
				m.local != local || m.remote != remote || m.callID != nil ||
				m.at.Before(before.Add(-time.Millisecond)) || m.at.After(after.Add(time.Millisecond)) {
				t.Errorf("%s message %d: %+v, want %s", side, i, m, want[i])
			}
		}
	}
	check("uac", uacM.got, uacAddr, uasAddr,
		[]string{"-> INVITE", "<- SIP/2.0 180", "<- SIP/2.0 200", "-> ACK", "-> BYE", "<- SIP/2.0 200"})
	check("uas", uasM.got, uasAddr, uacAddr,
		[]string{"<- INVITE", "-> SIP/2.0 180", "-> SIP/2.0 200", "<- ACK", "<- BYE", "-> SIP/2.0 200"})
	// Received messages carry the time they were read, sent ones the time
	// of the write: in order on each side.
	for i := 1; i < len(uacM.got); i++ {
		if uacM.got[i].at.Before(uacM.got[i-1].at) {
			t.Errorf("uac message %d mirrored at %v, before message %d at %v", i, uacM.got[i].at, i-1, uacM.got[i-1].at)
		}
	}
}

// TestMirrorCallCycleNoAllocs: with a mirror that does not allocate, the
// engine's side of mirroring adds no allocation to a call; the snapshot
// carries the mirror's counts.
func TestMirrorCallCycleNoAllocs(t *testing.T) {
	p := newPair(t, uasNoLinger(t))
	m := &countingMirror{}
	p.uac.cfg.Mirror, p.uas.cfg.Mirror = m, m
	for i := 0; i < 20; i++ {
		p.call(t)
	}
	if allocs := testing.AllocsPerRun(200, func() { p.call(t) }); allocs != 0 {
		t.Fatalf("a call cycle with a mirror allocates %v times, want 0", allocs)
	}
	if m.n != 12*(20+201) {
		t.Errorf("mirrored %d messages, want 12 per call", m.n)
	}
	if s := p.uac.Snapshot().Mirror; !s.Enabled || s.Sent != uint64(m.n) || s.Dropped != 7 {
		t.Errorf("snapshot Mirror = %+v", s)
	}
}

func TestMirrorAddr(t *testing.T) {
	for _, tt := range []struct{ bound, ip, want string }{
		{"127.0.0.1:5060", "10.0.0.1", "127.0.0.1:5060"},
		{"0.0.0.0:5060", "10.0.0.1", "10.0.0.1:5060"},
		{"[::]:5060", "2001:db8::1", "[2001:db8::1]:5060"},
		{"[::ffff:10.0.0.2]:5060", "10.0.0.1", "10.0.0.2:5060"},
		{"0.0.0.0:5060", "not an address", "0.0.0.0:5060"},
	} {
		if got := mirrorAddr(netip.MustParseAddrPort(tt.bound), []byte(tt.ip)); got.String() != tt.want {
			t.Errorf("mirrorAddr(%s, %s) = %s, want %s", tt.bound, tt.ip, got, tt.want)
		}
	}
}

// publishingMirror counts, per shard, the messages mirrored and those
// not yet published (trace.MirrorPublisher).
type publishingMirror struct {
	mu                          sync.Mutex
	mirrored, unpublished, pubs [2]int
}

func (m *publishingMirror) Mirror(shard int, _ trace.Direction, _ time.Time, _ []byte, _, _ netip.AddrPort, _ []byte) {
	m.mu.Lock()
	m.mirrored[shard]++
	m.unpublished[shard]++
	m.mu.Unlock()
}

func (m *publishingMirror) MirrorPublish(shard int) {
	m.mu.Lock()
	m.unpublished[shard] = 0
	m.pubs[shard]++
	m.mu.Unlock()
}

// TestMirrorPublishedByTheLoop: a shard's loop publishes what it mirrored
// (trace.MirrorPublisher) at every turn, so when a run ends nothing is
// left unpublished on any shard.
func TestMirrorPublishedByTheLoop(t *testing.T) {
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := &publishingMirror{}
	const calls = 200
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 2, Remote: uas.LocalAddrs()[0], Users: 20,
		MaxCalls: calls, Mirror: m})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go uas.Run(ctx)
	defer uas.Abort()
	res, err := uac.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := res.Stats.Cumulative; cs.Successful != calls {
		t.Fatalf("%d calls successful, want %d", cs.Successful, calls)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mirrored[0]+m.mirrored[1] != 6*calls {
		t.Errorf("mirrored %v messages, want %d in all", m.mirrored, 6*calls)
	}
	for sh := range 2 {
		if m.unpublished[sh] != 0 || m.pubs[sh] == 0 {
			t.Errorf("shard %d: %d messages left unpublished after %d publications", sh, m.unpublished[sh], m.pubs[sh])
		}
	}
}
