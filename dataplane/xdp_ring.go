package dataplane

import (
	"net/netip"
	"sync/atomic"
)

// The AF_XDP rings as the process sees them (see doc.go for the layout).
// This file holds only memory logic, no system calls, so it is tested on
// any platform with the kernel's side played by the test.
//
// Each ring is a single-producer, single-consumer queue in memory shared
// with the kernel: a producer index, a consumer index and a power-of-two
// array of entries. Both indexes run freely and wrap at 2^32; an entry's
// slot is index & mask. As the kernel documents (Documentation/networking/
// af_xdp.rst, net/xdp/xsk_queue.h), the producer writes entries, then
// publishes the producer index with a store-release; the consumer reads
// the producer index with a load-acquire, reads the entries, then
// publishes its consumer index with a store-release, which the producer
// reads with a load-acquire before it reuses those slots. Go's atomic
// Load and Store are sequentially consistent, which includes both.
//
// Each side keeps a cached copy of the other side's index and reads the
// shared one only when the cached view says the ring is full (producer)
// or empty (consumer), so a batch costs one shared read and one shared
// write however many entries it moves.

// xdpDesc is struct xdp_desc (linux/if_xdp.h): a frame in the UMEM, by
// its offset and length, as the rx and tx rings hold them.
type xdpDesc struct {
	Addr    uint64
	Len     uint32
	Options uint32
}

// xdpHeadroom is XDP_PACKET_HEADROOM: the room the kernel leaves before
// a received frame in its UMEM chunk.
const xdpHeadroom = 256

// xdpRingNeedWakeup is XDP_RING_NEED_WAKEUP in a ring's flags word: the
// kernel waits for a system call before it looks at the ring again.
const xdpRingNeedWakeup = 1

// ring is the index half of one ring.
type ring struct {
	producer *atomic.Uint32
	consumer *atomic.Uint32
	flags    *atomic.Uint32 // nil when the ring has none (tests)
	mask     uint32
	size     uint32
	prod     uint32 // our view of the producer index
	cons     uint32 // our view of the consumer index
}

func newRing(producer, consumer, flags *atomic.Uint32, size uint32) ring {
	return ring{
		producer: producer,
		consumer: consumer,
		flags:    flags,
		mask:     size - 1,
		size:     size,
		prod:     producer.Load(),
		cons:     consumer.Load(),
	}
}

// free returns how many entries the producer may write, looking at the
// consumer's index only when the cached view has fewer than want.
func (r *ring) free(want uint32) uint32 {
	if n := r.size - (r.prod - r.cons); n >= want {
		return n
	}
	r.cons = r.consumer.Load() // acquire: the consumer is done with those slots
	return r.size - (r.prod - r.cons)
}

// submit publishes the next n entries, which the producer has written
// at slots prod .. prod+n-1.
func (r *ring) submit(n uint32) {
	r.prod += n
	r.producer.Store(r.prod) // release: the entries are visible first
}

// available returns how many entries (at most want) the consumer may read
// from slot cons on, looking at the producer's index only when the cached
// view has fewer than want.
func (r *ring) available(want uint32) uint32 {
	n := r.prod - r.cons
	if n < want {
		r.prod = r.producer.Load() // acquire: the entries are written
		n = r.prod - r.cons
	}
	return min(n, want)
}

// release gives the next n entries back to the producer.
func (r *ring) release(n uint32) {
	r.cons += n
	r.consumer.Store(r.cons) // release: we are done reading them
}

// pending is how many submitted entries the other side has not consumed
// yet (for a ring we produce).
func (r *ring) pending() uint32 {
	r.cons = r.consumer.Load()
	return r.prod - r.cons
}

// needWakeup reports whether the kernel asked for a system call.
func (r *ring) needWakeup() bool {
	return r.flags != nil && r.flags.Load()&xdpRingNeedWakeup != 0
}

// addrRing is a fill or completion ring: frame addresses.
type addrRing struct {
	ring
	addrs []uint64
}

// descRing is an rx or tx ring: frame descriptors.
type descRing struct {
	ring
	descs []xdpDesc
}

// framePool is a stack of free frame addresses with a fixed capacity: it
// never allocates after it is made.
type framePool struct {
	free []uint64
}

func newFramePool(capacity int) framePool {
	return framePool{free: make([]uint64, 0, capacity)}
}

func (p *framePool) get() (uint64, bool) {
	n := len(p.free)
	if n == 0 {
		return 0, false
	}
	a := p.free[n-1]
	p.free = p.free[:n-1]
	return a, true
}

// put returns a frame; it reports false (and drops nothing it holds) when
// the pool is full, which means a frame was returned twice.
func (p *framePool) put(a uint64) bool {
	if len(p.free) == cap(p.free) {
		return false
	}
	p.free = append(p.free, a)
	return true
}

func (p *framePool) len() int { return len(p.free) }

// neighCache maps IPv4 destinations to next-hop MAC addresses: a fixed
// open-addressed table, so lookups and updates on the hot path do not
// allocate. When a probe sequence is full the home slot is overwritten.
type neighCache struct {
	keys [neighSlots]uint32
	macs [neighSlots]mac
	used [neighSlots]bool
}

const (
	neighSlots = 1024
	neighProbe = 8
)

func neighKey(a netip.Addr) uint32 {
	b := a.Unmap().As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func neighHome(k uint32) uint32 { return (k * 0x9e3779b1) >> 22 } // Fibonacci hashing into 1024 slots

func (c *neighCache) get(a netip.Addr) (mac, bool) {
	k := neighKey(a)
	h := neighHome(k)
	for i := uint32(0); i < neighProbe; i++ {
		s := (h + i) & (neighSlots - 1)
		if !c.used[s] {
			return mac{}, false
		}
		if c.keys[s] == k {
			return c.macs[s], true
		}
	}
	return mac{}, false
}

func (c *neighCache) put(a netip.Addr, m mac) {
	k := neighKey(a)
	h := neighHome(k)
	for i := uint32(0); i < neighProbe; i++ {
		s := (h + i) & (neighSlots - 1)
		if !c.used[s] || c.keys[s] == k {
			c.keys[s], c.macs[s], c.used[s] = k, m, true
			return
		}
	}
	c.keys[h], c.macs[h] = k, m
}

// xskRings is the frame accounting of one AF_XDP socket: its four rings,
// the free send frames and the receive frames lent to the caller.
//
// The UMEM's frames are split once: frames 0 .. fill.size-1 only ever
// move between the fill ring, the rx ring and the caller (held until the
// next receive), frames fill.size .. fill.size+tx.size-1 between the
// pool, the tx ring and the completion ring. Each group is exactly as
// large as its rings, so a ring always has room for a frame the process
// holds, and nothing is allocated after init.
//
//	receive: fill ──kernel──► rx ──► held (caller reads Data) ──recycle──► fill
//	send:    pool ──queueTx──► tx ──kernel──► completion ──reclaim──► pool
type xskRings struct {
	fill      addrRing
	comp      addrRing
	rx        descRing
	tx        descRing
	txPool    framePool
	held      []uint64 // receive frames handed out by the last receive
	txQueued  uint32   // tx slots written since the last submitTx
	frameSize uint64
}

// init stocks the fill ring with every receive frame and the pool with
// every send frame. The rings must be empty and equally sized.
func (q *xskRings) init(frameSize uint64, batch int) bool {
	q.frameSize = frameSize
	n := q.fill.size
	if q.fill.free(n) < n {
		return false
	}
	for i := uint32(0); i < n; i++ {
		q.fill.addrs[(q.fill.prod+i)&q.fill.mask] = uint64(i) * frameSize
	}
	q.fill.submit(n)
	q.txPool = newFramePool(int(q.tx.size))
	for i := uint32(0); i < q.tx.size; i++ {
		q.txPool.put(uint64(n+i) * frameSize)
	}
	q.held = make([]uint64, 0, batch)
	return true
}

// frames is how many frames init lays out, the UMEM's size in frames.
func (q *xskRings) frames() int { return int(q.fill.size + q.tx.size) }

// hold records a received frame (any address inside it) as lent out.
func (q *xskRings) hold(addr uint64) {
	q.held = append(q.held, addr&^(q.frameSize-1))
}

// recycle gives the held frames back to the fill ring.
func (q *xskRings) recycle() {
	n := uint32(len(q.held))
	if n == 0 || q.fill.free(n) < n {
		return // the second cannot happen: receive frames never outnumber the ring
	}
	for i, a := range q.held {
		q.fill.addrs[(q.fill.prod+uint32(i))&q.fill.mask] = a
	}
	q.fill.submit(n)
	q.held = q.held[:0]
}

// queueTx writes a tx descriptor for a frame from the pool; submitTx
// publishes the queued ones.
func (q *xskRings) queueTx(addr uint64, n int) {
	q.tx.descs[(q.tx.prod+q.txQueued)&q.tx.mask] = xdpDesc{Addr: addr, Len: uint32(n)}
	q.txQueued++
}

func (q *xskRings) submitTx() {
	if q.txQueued > 0 {
		q.tx.submit(q.txQueued)
		q.txQueued = 0
	}
}

// reclaim moves completed send frames back to the pool and returns how
// many.
func (q *xskRings) reclaim() int {
	n := q.comp.available(q.comp.size)
	for i := uint32(0); i < n; i++ {
		q.txPool.put(q.comp.addrs[(q.comp.cons+i)&q.comp.mask])
	}
	if n > 0 {
		q.comp.release(n)
	}
	return int(n)
}
