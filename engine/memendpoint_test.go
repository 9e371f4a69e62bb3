package engine

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/scenario"
)

// memEndpoint is an in-memory dataplane.Endpoint for measuring the
// engine's own cost: Write copies the datagram into the peer's queue,
// Read takes from this one. Single goroutine only.
type memEndpoint struct {
	local netip.AddrPort
	peer  *memEndpoint
	queue []memDatagram
	head  int
	n     int
}

type memDatagram struct {
	data []byte
	from netip.AddrPort
}

func newMemPair(a, b netip.AddrPort) (*memEndpoint, *memEndpoint) {
	x := &memEndpoint{local: a, queue: make([]memDatagram, 256)}
	y := &memEndpoint{local: b, queue: make([]memDatagram, 256)}
	for i := range x.queue {
		x.queue[i].data = make([]byte, 0, 2048)
		y.queue[i].data = make([]byte, 0, 2048)
	}
	x.peer, y.peer = y, x
	return x, y
}

func (m *memEndpoint) Read(pkts []dataplane.Packet, _ time.Time) (int, error) {
	k := 0
	for k < len(pkts) && m.n > 0 {
		d := &m.queue[m.head]
		pkts[k] = dataplane.Packet{Data: d.data, From: d.from}
		m.head = (m.head + 1) % len(m.queue)
		m.n--
		k++
	}
	if k == 0 {
		return 0, dataplane.ErrTimeout
	}
	return k, nil
}

func (m *memEndpoint) Write(b []byte, _ netip.AddrPort) error {
	p := m.peer
	if p.n == len(p.queue) {
		return nil // full: dropped, like a socket buffer
	}
	d := &p.queue[(p.head+p.n)%len(p.queue)]
	d.data = append(d.data[:0], b...)
	d.from = m.local
	p.n++
	return nil
}

func (m *memEndpoint) Flush() error              { return nil }
func (m *memEndpoint) Wake()                     {}
func (m *memEndpoint) LocalAddr() netip.AddrPort { return m.local }
func (m *memEndpoint) Close() error              { return nil }

// newMemEngines makes an engine running the built-in uac and one running
// uasScn, joined by an in-memory endpoint pair, with one shard each and
// the same start time.
func newMemEngines(t testing.TB, uasScn *scenario.Scenario) (uac, uas *Engine, uacEP, uasEP *memEndpoint) {
	t.Helper()
	uacEP, uasEP = newMemPair(netip.MustParseAddrPort("127.0.0.1:5061"), netip.MustParseAddrPort("127.0.0.1:5060"))
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 1,
		openEndpoint: func(dataplane.Config) (dataplane.Endpoint, error) { return uasEP, nil }})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	uac, err = New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: uasEP.local,
		openEndpoint: func(dataplane.Config) (dataplane.Endpoint, error) { return uacEP, nil }})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	uac.t0, uas.t0 = now, now
	return uac, uas, uacEP, uasEP
}
