package hep

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"
)

// ring is a single-producer, single-consumer queue of variable-length
// records in one byte buffer. The producer (a shard) copies a message
// and its metadata in and publishes it by advancing tail; the consumer
// (the sender) reads records and frees them by advancing head. Neither
// side locks or allocates; a record that does not fit is refused.
//
// Publishing a record is an atomic store of tail, which on amd64 is a
// full memory barrier: the producer then waits for the record's stores
// to reach its cache. A producer that calls publish regularly (a shard at
// every turn of its loop) lets push write records without publishing,
// and publish makes them all visible with one store.
//
// Positions grow without bound (uint64) and are reduced modulo the
// power-of-two size. A record never wraps around the end of the buffer:
// when it does not fit in the space before the end, the producer fills
// that space with a padding record and starts at offset 0.
//
// Record layout (host byte order, 8-octet aligned):
//
//	0   u32  record length, header included, rounded up to 8
//	4   u8   kind: recMessage or recPadding
//	5   u8   direction (0 sent, 1 received)
//	6   u8   flags: 1 local address is IPv6, 2 remote address is IPv6
//	7   u8   unused
//	8   i64  time stamp, Unix nanoseconds
//	16  [16] local address (IPv4 in the first 4 octets)
//	32  [16] remote address
//	48  u16  local port
//	50  u16  remote port
//	52  u16  Call-ID length
//	54  u16  unused
//	56  u32  payload length
//	60  u32  unused
//	64  Call-ID, then payload
type ring struct {
	buf  []byte
	mask uint64

	_         [64]byte // keep the producer's fields off the consumer's cache line
	tail      atomic.Uint64
	next      uint64        // the producer's tail: records up to here are written
	batched   bool          // the producer publishes next itself (publish); else every push does
	headCache uint64        // the producer's last look at head
	full      atomic.Uint64 // records refused: no room
	_         [64]byte
	head      atomic.Uint64
	_         [64]byte
}

const (
	recHeaderLen = 64
	recMessage   = 1
	recPadding   = 2

	flagLocal6  = 1
	flagRemote6 = 2
)

// newRing returns a ring of at least size octets (a power of two, at
// least 4 KiB).
func newRing(size int) *ring {
	n := 4096
	for n < size {
		n <<= 1
	}
	return &ring{buf: make([]byte, n), mask: uint64(n - 1)}
}

func align8(n int) int { return (n + 7) &^ 7 }

// record is one message and its metadata as the ring stores it; its
// slices point into the ring.
type record struct {
	dir             uint8
	at              int64 // Unix nanoseconds
	local, remote   netip.AddrPort
	callID, payload []byte
}

// push copies a message and its metadata into the ring, reporting false
// (and counting it in full) when there is no room. Producer side only.
func (q *ring) push(dir uint8, at int64, local, remote netip.AddrPort, callID, payload []byte) bool {
	need := align8(recHeaderLen + len(callID) + len(payload))
	size := uint64(len(q.buf))
	t := q.next
	off := t & q.mask
	pad := uint64(0)
	if off+uint64(need) > size {
		pad = size - off // skip to the start
	}
	total := pad + uint64(need)
	if t+total-q.headCache > size {
		q.headCache = q.head.Load()
		if t+total-q.headCache > size {
			q.full.Add(1)
			return false
		}
	}
	if pad > 0 {
		binary.NativeEndian.PutUint32(q.buf[off:], uint32(pad))
		q.buf[off+4] = recPadding
		off = 0
	}
	b := q.buf[off : off+uint64(need)]
	flags := uint8(0)
	la, ra := local.Addr(), remote.Addr()
	if la.Is6() && !la.Is4In6() {
		flags |= flagLocal6
	}
	if ra.Is6() && !ra.Is4In6() {
		flags |= flagRemote6
	}
	binary.NativeEndian.PutUint32(b[0:], uint32(need))
	b[4], b[5], b[6] = recMessage, dir, flags
	binary.NativeEndian.PutUint64(b[8:], uint64(at))
	putAddr(b[16:32], la, flags&flagLocal6 != 0)
	putAddr(b[32:48], ra, flags&flagRemote6 != 0)
	binary.NativeEndian.PutUint16(b[48:], local.Port())
	binary.NativeEndian.PutUint16(b[50:], remote.Port())
	binary.NativeEndian.PutUint16(b[52:], uint16(len(callID)))
	binary.NativeEndian.PutUint32(b[56:], uint32(len(payload)))
	copy(b[recHeaderLen:], callID)
	copy(b[recHeaderLen+len(callID):], payload)
	q.next = t + total
	if !q.batched {
		q.tail.Store(q.next)
	}
	return true
}

// publish makes every record pushed so far visible to the consumer, and
// from then on push leaves that to publish. Producer side only (or once
// the producer stopped for good).
func (q *ring) publish() {
	q.batched = true
	if q.tail.Load() != q.next {
		q.tail.Store(q.next)
	}
}

func putAddr(dst []byte, a netip.Addr, v6 bool) {
	if v6 {
		b := a.As16()
		copy(dst, b[:])
		return
	}
	if !a.IsValid() {
		clear(dst[:4])
		return
	}
	b := a.Unmap().As4()
	copy(dst, b[:])
}

func getAddr(src []byte, v6 bool) netip.Addr {
	if v6 {
		return netip.AddrFrom16([16]byte(src[:16]))
	}
	return netip.AddrFrom4([4]byte(src[:4]))
}

// peek returns the record at position pos if one is published before
// tail, and the position after it. Padding is skipped. Consumer side only.
func (q *ring) peek(pos, tail uint64) (r record, next uint64, ok bool) {
	for pos < tail {
		off := pos & q.mask
		n := uint64(binary.NativeEndian.Uint32(q.buf[off:]))
		if q.buf[off+4] == recPadding {
			pos += n
			continue
		}
		b := q.buf[off : off+n]
		flags := b[6]
		cl := int(binary.NativeEndian.Uint16(b[52:]))
		pl := int(binary.NativeEndian.Uint32(b[56:]))
		r = record{
			dir:     b[5],
			at:      int64(binary.NativeEndian.Uint64(b[8:])),
			local:   netip.AddrPortFrom(getAddr(b[16:32], flags&flagLocal6 != 0), binary.NativeEndian.Uint16(b[48:])),
			remote:  netip.AddrPortFrom(getAddr(b[32:48], flags&flagRemote6 != 0), binary.NativeEndian.Uint16(b[50:])),
			callID:  b[recHeaderLen : recHeaderLen+cl],
			payload: b[recHeaderLen+cl : recHeaderLen+cl+pl],
		}
		return r, pos + n, true
	}
	return record{}, pos, false
}

// fits reports whether a record with these lengths can ever fit.
func (q *ring) fits(callID, payload int) bool {
	return align8(recHeaderLen+callID+payload) <= len(q.buf)
}
