package engine

import (
	"net/netip"
	"sync/atomic"

	"github.com/gossip-sip/gossip/dataplane"
)

// handoff is a bounded multi-producer, single-consumer queue of datagrams
// for one shard (Vyukov's bounded queue). When several shards share a UDP
// port the kernel picks the socket by flow, not by call, so a shard that
// reads a message for a call another shard owns copies it in here and
// wakes the owner. Each cell owns its buffer, sized by the first datagram
// that passes through it and grown only by a larger one, so steady state
// does not allocate and an unused queue costs no memory.
type handoff struct {
	cells   []handoffCell
	mask    uint64
	enqueue atomic.Uint64
	_       [56]byte // keep producer and consumer counters on separate cache lines
	dequeue uint64   // consumer only
}

type handoffCell struct {
	seq  atomic.Uint64
	data []byte
	from netip.AddrPort
	conn dataplane.ConnID // stream transports: the connection it came on
	at   int64            // when the kernel received it (engine-relative ns); 0: unknown
}

func newHandoff(size int) *handoff {
	n := 1
	for n < size {
		n <<= 1
	}
	q := &handoff{cells: make([]handoffCell, n), mask: uint64(n - 1)}
	for i := range q.cells {
		q.cells[i].seq.Store(uint64(i))
	}
	return q
}

// Push copies a datagram into the queue; false means the queue is full and
// the datagram was dropped.
// conn is the connection it came on (0 for datagrams); an empty data with
// a connection reports that the connection ended. at is when it was
// received (engine-relative nanoseconds), 0 when that does not matter.
func (q *handoff) Push(data []byte, from netip.AddrPort, conn dataplane.ConnID, at int64) bool {
	pos := q.enqueue.Load()
	for {
		c := &q.cells[pos&q.mask]
		seq := c.seq.Load()
		switch diff := int64(seq) - int64(pos); {
		case diff == 0:
			if q.enqueue.CompareAndSwap(pos, pos+1) {
				c.data = append(c.data[:0], data...)
				c.from = from
				c.conn = conn
				c.at = at
				c.seq.Store(pos + 1)
				return true
			}
			pos = q.enqueue.Load()
		case diff < 0:
			return false
		default:
			pos = q.enqueue.Load()
		}
	}
}

// Pop calls fn with the next datagram, if any, and reports whether there
// was one. The bytes are valid only during fn.
func (q *handoff) Pop(fn func(data []byte, from netip.AddrPort, conn dataplane.ConnID, at int64)) bool {
	c := &q.cells[q.dequeue&q.mask]
	if c.seq.Load() != q.dequeue+1 {
		return false
	}
	fn(c.data, c.from, c.conn, c.at)
	c.seq.Store(q.dequeue + q.mask + 1)
	q.dequeue++
	return true
}

// Empty reports whether nothing is waiting (consumer only).
func (q *handoff) Empty() bool {
	return q.cells[q.dequeue&q.mask].seq.Load() != q.dequeue+1
}
