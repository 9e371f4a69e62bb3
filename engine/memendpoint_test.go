package engine

import (
	"net/netip"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
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
