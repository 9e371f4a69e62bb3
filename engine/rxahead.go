package engine

import (
	"hash/maphash"

	"github.com/gossip-sip/gossip/sipfast"
)

// rxAhead holds two parsed messages: the one a shard is handling (s.msg)
// and the next datagram of the receive batch, parsed before the current
// one is handled so that its call table and dead-call slots can be
// prefetched. Parsing is the same work either way; only its order moves.
//
//	batch:    d0        d1        d2   ...
//	parse:    d0, d1    d2        d3        (d(i+1) right after di is adopted)
//	prefetch:     d1    d2        d3
//	handle:   d0        d1        d2
type rxAhead struct {
	bufs [2]sipfast.Message
	cur  int // bufs[cur] is s.msg

	next  parsedRx // the datagram parsed into bufs[cur^1]
	ready parsedRx // the one adopted into bufs[cur], until onDatagram takes it
}

// parsedRx is the outcome of parsing one received datagram ahead.
type parsedRx struct {
	data   *byte // identity of the datagram: its first byte and length
	n      int
	err    error
	hash   uint64 // its Call-ID hash, when hashed
	hashed bool
	ok     bool // the record is in use
}

// is reports whether the record is in use for data.
func (p *parsedRx) is(data []byte) bool {
	return p.ok && len(data) == p.n && len(data) > 0 && &data[0] == p.data
}

// reset forgets any datagram parsed ahead (its buffer is about to be
// reused for another).
func (a *rxAhead) reset() { a.next.ok, a.ready.ok = false, false }

// parseAhead parses data, the datagram after the one about to be handled,
// into the spare buffer and prefetches the table slots its Call-ID hash
// points to.
func (s *shard) parseAhead(data []byte) {
	a := &s.ahead
	if len(data) == 0 {
		return
	}
	m := &a.bufs[a.cur^1]
	a.next = parsedRx{data: &data[0], n: len(data), ok: true, err: m.Parse(data)}
	if a.next.err != nil {
		return
	}
	if cid := m.CallID(); len(cid) > 0 {
		h := maphash.Bytes(s.e.seed, cid)
		a.next.hash, a.next.hashed = h, true
		s.table.prefetch(h)
		s.dead.prefetch(h)
	}
}

// adoptAhead makes the datagram parsed ahead current if it is data.
func (s *shard) adoptAhead(data []byte) {
	a := &s.ahead
	a.ready.ok = false
	if !a.next.is(data) {
		return
	}
	a.ready, a.next.ok = a.next, false
	a.cur ^= 1
	s.msg = &a.bufs[a.cur]
}

// parse indexes data into s.msg, or takes the index adoptAhead made
// ready for it; h is the Call-ID hash when hashed.
func (s *shard) parse(data []byte) (h uint64, hashed bool, err error) {
	a := &s.ahead
	if a.ready.is(data) {
		a.ready.ok = false
		return a.ready.hash, a.ready.hashed, a.ready.err
	}
	a.ready.ok = false
	return 0, false, s.msg.Parse(data)
}
