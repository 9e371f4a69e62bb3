package engine

import "math/bits"

// bufPool hands out byte buffers in power-of-two size classes from 64 B to
// 64 KiB and takes them back, so a call holds message copies only while it
// needs them and a steady run allocates nothing. Small classes are carved
// from 64 KiB chunks, which keeps per-buffer heap overhead away from
// million-call runs. One shard owns a pool; it is not safe for concurrent use.
type bufPool struct {
	free  [bufClasses][][]byte
	chunk []byte // unused rest of the current chunk
}

const (
	bufMinShift = 6  // 64 B
	bufMaxShift = 16 // 64 KiB
	bufClasses  = bufMaxShift - bufMinShift + 1
	bufChunk    = 64 << 10
)

func bufClass(n int) int {
	if n <= 1<<bufMinShift {
		return 0
	}
	return bits.Len(uint(n-1)) - bufMinShift
}

// get returns an empty buffer with capacity for at least n bytes.
func (p *bufPool) get(n int) []byte {
	c := bufClass(n)
	if c >= bufClasses {
		return make([]byte, 0, n) // larger than any SIP datagram: not pooled
	}
	if l := len(p.free[c]); l > 0 {
		b := p.free[c][l-1]
		p.free[c] = p.free[c][:l-1]
		return b
	}
	size := 1 << (c + bufMinShift)
	if size > bufChunk/4 {
		return make([]byte, 0, size)
	}
	if len(p.chunk) < size {
		p.chunk = make([]byte, bufChunk)
	}
	b := p.chunk[:0:size]
	p.chunk = p.chunk[size:]
	return b
}

// put returns b to the pool; b must not be used afterwards. Nil is fine.
func (p *bufPool) put(b []byte) {
	if cap(b) < 1<<bufMinShift {
		return
	}
	c := bits.Len(uint(cap(b))) - 1 - bufMinShift // floor: a buffer serves its class
	if c >= bufClasses {
		return
	}
	p.free[c] = append(p.free[c], b[:0])
}

// store copies src into *dst, taking a buffer from the pool when *dst is
// too small (and returning the old one).
func (p *bufPool) store(dst *[]byte, src []byte) {
	if cap(*dst) < len(src) {
		p.put(*dst)
		*dst = p.get(len(src))
	}
	*dst = append((*dst)[:0], src...)
}

// release returns *b to the pool and clears it.
func (p *bufPool) release(b *[]byte) {
	p.put(*b)
	*b = nil
}
