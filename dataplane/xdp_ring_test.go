package dataplane

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
)

// testRingMem is one ring's shared words, as the kernel would map them.
type testRingMem struct {
	producer, consumer, flags atomic.Uint32
}

// newTestRings builds the four rings of size n over Go memory, every
// index starting at start (to cross 2^32 soon).
func newTestRings(n, start uint32) (*xskRings, [4]*testRingMem) {
	var mem [4]*testRingMem
	var rs [4]ring
	for i := range mem {
		mem[i] = &testRingMem{}
		mem[i].producer.Store(start)
		mem[i].consumer.Store(start)
		rs[i] = newRing(&mem[i].producer, &mem[i].consumer, &mem[i].flags, n)
	}
	q := &xskRings{
		rx:   descRing{ring: rs[0], descs: make([]xdpDesc, n)},
		tx:   descRing{ring: rs[1], descs: make([]xdpDesc, n)},
		fill: addrRing{ring: rs[2], addrs: make([]uint64, n)},
		comp: addrRing{ring: rs[3], addrs: make([]uint64, n)},
	}
	return q, mem
}

const (
	ringRx = iota
	ringTx
	ringFill
	ringComp
)

// fakeKernel plays the kernel's side of the rings: it takes frames from
// the fill ring and "receives" into them, and completes sent frames.
type fakeKernel struct {
	q   *xskRings
	mem [4]*testRingMem
	// its own indexes
	fillCons, rxProd, txCons, compProd uint32
}

func newFakeKernel(q *xskRings, mem [4]*testRingMem) *fakeKernel {
	return &fakeKernel{q: q, mem: mem,
		fillCons: mem[ringFill].consumer.Load(), rxProd: mem[ringRx].producer.Load(),
		txCons: mem[ringTx].consumer.Load(), compProd: mem[ringComp].producer.Load()}
}

// receive delivers up to n frames of length size; it returns how many
// (limited by fill entries and rx room).
func (k *fakeKernel) receive(n int, size uint32) int {
	fillAvail := k.mem[ringFill].producer.Load() - k.fillCons
	rxRoom := k.q.rx.size - (k.rxProd - k.mem[ringRx].consumer.Load())
	m := min(uint32(n), fillAvail, rxRoom)
	for i := uint32(0); i < m; i++ {
		a := k.q.fill.addrs[(k.fillCons+i)&k.q.fill.mask]
		k.q.rx.descs[(k.rxProd+i)&k.q.rx.mask] = xdpDesc{Addr: a + xdpHeadroom, Len: size}
	}
	k.fillCons += m
	k.mem[ringFill].consumer.Store(k.fillCons)
	k.rxProd += m
	k.mem[ringRx].producer.Store(k.rxProd)
	return int(m)
}

// transmit sends up to n queued frames and completes them; it returns
// the frames' addresses.
func (k *fakeKernel) transmit(n int) []uint64 {
	avail := k.mem[ringTx].producer.Load() - k.txCons
	room := k.q.comp.size - (k.compProd - k.mem[ringComp].consumer.Load())
	m := min(uint32(n), avail, room)
	var out []uint64
	for i := uint32(0); i < m; i++ {
		d := k.q.tx.descs[(k.txCons+i)&k.q.tx.mask]
		out = append(out, d.Addr)
		k.q.comp.addrs[(k.compProd+i)&k.q.comp.mask] = d.Addr
	}
	k.txCons += m
	k.mem[ringTx].consumer.Store(k.txCons)
	k.compProd += m
	k.mem[ringComp].producer.Store(k.compProd)
	return out
}

func TestRingProducerWrapAndFull(t *testing.T) {
	for _, start := range []uint32{0, 1<<32 - 5} {
		var m testRingMem
		m.producer.Store(start)
		m.consumer.Store(start)
		r := newRing(&m.producer, &m.consumer, nil, 8)
		if got := r.free(8); got != 8 {
			t.Fatalf("start %d: free %d on an empty ring, want 8", start, got)
		}
		r.submit(8)
		if got := r.free(1); got != 0 {
			t.Fatalf("start %d: free %d on a full ring, want 0", start, got)
		}
		if m.producer.Load() != start+8 {
			t.Fatalf("producer %d, want %d", m.producer.Load(), start+8)
		}
		// The consumer takes 3: free sees them only after re-reading.
		m.consumer.Store(start + 3)
		if got := r.free(3); got != 3 {
			t.Fatalf("start %d: free %d after 3 consumed, want 3", start, got)
		}
		r.submit(3) // wraps the slot index, and for start near 2^32 the counter
		if got, want := r.prod&r.mask, (start+11)&7; got != want {
			t.Fatalf("slot %d, want %d", got, want)
		}
		if r.free(1) != 0 || r.pending() != 8 {
			t.Fatalf("start %d: free %d pending %d, want 0 and 8", start, r.free(1), r.pending())
		}
		m.consumer.Store(start + 11)
		if r.pending() != 0 || r.free(8) != 8 {
			t.Fatalf("start %d: drained ring: pending %d free %d", start, r.pending(), r.free(8))
		}
	}
}

func TestRingConsumerWrap(t *testing.T) {
	start := uint32(1<<32 - 3)
	var m testRingMem
	m.producer.Store(start)
	m.consumer.Store(start)
	r := newRing(&m.producer, &m.consumer, nil, 4)
	if r.available(4) != 0 {
		t.Fatal("entries on an empty ring")
	}
	m.producer.Store(start + 3)
	if got := r.available(2); got != 2 {
		t.Fatalf("available(2) = %d", got)
	}
	r.release(2)
	if m.consumer.Load() != start+2 {
		t.Fatalf("consumer %d, want %d", m.consumer.Load(), start+2)
	}
	m.producer.Store(start + 6) // across 2^32
	if got := r.available(8); got != 4 {
		t.Fatalf("available(8) = %d, want 4 (1 cached + 3 new)", got)
	}
	r.release(4)
	if m.consumer.Load() != start+6 || r.available(1) != 0 {
		t.Fatalf("consumer %d after draining", m.consumer.Load())
	}
}

func TestRingNeedWakeup(t *testing.T) {
	var m testRingMem
	r := newRing(&m.producer, &m.consumer, &m.flags, 4)
	if r.needWakeup() {
		t.Fatal("wakeup without the flag")
	}
	m.flags.Store(xdpRingNeedWakeup)
	if !r.needWakeup() {
		t.Fatal("flag not seen")
	}
}

// TestXSKRingsReceiveCycle: frames go fill → rx → held → fill, across
// many wraps, and none is lost or duplicated.
func TestXSKRingsReceiveCycle(t *testing.T) {
	q, mem := newTestRings(16, 1<<32-20)
	if !q.init(2048, 8) {
		t.Fatal("init")
	}
	k := newFakeKernel(q, mem)
	if got := k.receive(100, 100); got != 16 {
		t.Fatalf("kernel received into %d frames, want all 16", got)
	}
	if got := k.receive(1, 100); got != 0 {
		t.Fatal("received with an empty fill ring")
	}
	for round := 0; round < 50; round++ {
		n := q.rx.available(8)
		seen := map[uint64]bool{}
		for i := uint32(0); i < n; i++ {
			d := q.rx.descs[(q.rx.cons+i)&q.rx.mask]
			if d.Addr%2048 != xdpHeadroom || d.Addr/2048 >= 16 || seen[d.Addr] {
				t.Fatalf("round %d: bad rx frame %d", round, d.Addr)
			}
			seen[d.Addr] = true
			q.hold(d.Addr)
		}
		q.rx.release(n)
		q.recycle()
		if len(q.held) != 0 {
			t.Fatalf("round %d: %d frames still held", round, len(q.held))
		}
		k.receive(int(n), 100)
	}
	// Every frame is accounted for: in the rx ring or the fill ring.
	inRx := mem[ringRx].producer.Load() - mem[ringRx].consumer.Load()
	inFill := mem[ringFill].producer.Load() - k.fillCons
	if inRx+inFill != 16 {
		t.Fatalf("%d frames in rx + %d in fill, want 16", inRx, inFill)
	}
}

// TestXSKRingsCompletion: send frames go pool → tx → completion → pool;
// with everything in flight the pool is empty until the kernel completes.
func TestXSKRingsCompletion(t *testing.T) {
	q, mem := newTestRings(8, 1<<32-3)
	q.init(2048, 8)
	k := newFakeKernel(q, mem)
	if q.txPool.len() != 8 {
		t.Fatalf("pool holds %d frames, want 8", q.txPool.len())
	}
	for i := 0; i < 8; i++ {
		a, ok := q.txPool.get()
		if !ok || a < 8*2048 || a >= 16*2048 {
			t.Fatalf("send frame %d: %d %v", i, a, ok)
		}
		q.queueTx(a, 60)
	}
	if _, ok := q.txPool.get(); ok {
		t.Fatal("a ninth send frame")
	}
	if q.tx.pending() != 0 {
		t.Fatal("descriptors visible before submit")
	}
	q.submitTx()
	if q.tx.pending() != 8 || q.tx.free(1) != 0 {
		t.Fatalf("pending %d free %d after submitting 8", q.tx.pending(), q.tx.free(1))
	}
	if q.reclaim() != 0 {
		t.Fatal("reclaimed before completion")
	}
	done := k.transmit(5)
	if len(done) != 5 || q.reclaim() != 5 || q.txPool.len() != 5 {
		t.Fatalf("after 5 completions: pool %d", q.txPool.len())
	}
	k.transmit(8)
	q.reclaim()
	if q.txPool.len() != 8 || q.tx.pending() != 0 {
		t.Fatalf("after all completions: pool %d, pending %d", q.txPool.len(), q.tx.pending())
	}
	// A frame returned twice overflows the pool: refused, not appended.
	if q.txPool.put(0) {
		t.Fatal("pool accepted a ninth frame")
	}
}

// TestRingConcurrent runs the kernel's side on another goroutine over a
// million entries and many index wraps (run with -race).
func TestRingConcurrent(t *testing.T) {
	const total = 1 << 20
	var m testRingMem
	m.producer.Store(1<<32 - 1000)
	m.consumer.Store(1<<32 - 1000)
	prod := addrRing{ring: newRing(&m.producer, &m.consumer, nil, 64), addrs: make([]uint64, 64)}
	cons := addrRing{ring: newRing(&m.producer, &m.consumer, nil, 64), addrs: prod.addrs}
	var wg sync.WaitGroup
	wg.Add(1)
	bad := make(chan uint64, 1)
	go func() {
		defer wg.Done()
		next := uint64(0)
		for next < total {
			n := cons.available(16)
			for i := uint32(0); i < n; i++ {
				if v := cons.addrs[(cons.cons+i)&cons.mask]; v != next {
					select {
					case bad <- v:
					default:
					}
					return
				}
				next++
			}
			cons.release(n)
		}
	}()
	for v := uint64(0); v < total; {
		n := prod.free(8)
		n = min(n, 8, uint32(total-v))
		for i := uint32(0); i < n; i++ {
			prod.addrs[(prod.prod+i)&prod.mask] = v
			v++
		}
		prod.submit(n)
	}
	wg.Wait()
	select {
	case v := <-bad:
		t.Fatalf("consumer saw %d out of order", v)
	default:
	}
}

func TestNeighCache(t *testing.T) {
	var c neighCache
	a := netip.MustParseAddr("10.0.0.1")
	if _, ok := c.get(a); ok {
		t.Fatal("hit in an empty cache")
	}
	c.put(a, mac{1})
	c.put(a, mac{2})
	if m, ok := c.get(a); !ok || m != (mac{2}) {
		t.Fatalf("got %v %v", m, ok)
	}
	// Far more addresses than slots: the newest stays findable.
	for i := 0; i < 5000; i++ {
		ip := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		c.put(ip, mac{byte(i)})
		if m, ok := c.get(ip); !ok || m != (mac{byte(i)}) {
			t.Fatalf("address %s lost right after put", ip)
		}
	}
	if n := testing.AllocsPerRun(100, func() { c.put(a, mac{3}); c.get(a) }); n != 0 {
		t.Fatalf("allocs %v", n)
	}
}
