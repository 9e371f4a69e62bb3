package engine

import (
	"math/bits"
	"slices"
)

// Timer wheel
//
// Every call has at most one pending wake-up (its next retransmission,
// pause end or receive timeout, whichever is first), so the wheel stores one
// intrusive node per call slot and never allocates while running.
//
// It is hierarchical, six levels of 64 buckets with a 1 ms tick (Varghese &
// Lauck's scheme as used by classic kernels): a timer sits at the level
// given by the highest bit in which its expiry differs from the current
// tick, and is cascaded one level down when the clock reaches its block.
//
//	level 0: 64 × 1 ms        level 3: 64 × 4.4 min
//	level 1: 64 × 64 ms       level 4: 64 × 4.7 h
//	level 2: 64 × 4.1 s       level 5: 64 × 12.4 days
//
// Insert and cancel are O(1); advancing one tick touches one level-0
// bucket, plus one higher bucket every 64 ticks, whatever the number of
// pending timers.

const (
	wheelBits   = 6
	wheelSlots  = 1 << wheelBits
	wheelMask   = wheelSlots - 1
	wheelLevels = 6
	noTimer     = -1
)

type wheelNode struct {
	next, prev int32
	bucket     int16 // level*64+slot, or noTimer when not scheduled
	at         uint64
}

// wheel is a hierarchical timing wheel over ids 0..n-1. Not safe for
// concurrent use: it belongs to one shard.
type wheel struct {
	now     uint64 // last processed tick
	nodes   []wheelNode
	heads   [wheelLevels * wheelSlots]int32
	occ     [wheelLevels]uint64 // bit i set: bucket i of that level is non-empty
	pending int
}

func newWheel(now uint64) *wheel {
	w := &wheel{now: now}
	for i := range w.heads {
		w.heads[i] = noTimer
	}
	return w
}

// grow makes room for ids below n.
func (w *wheel) grow(n int) {
	if n > cap(w.nodes) {
		w.nodes = slices.Grow(w.nodes, max(n, 2*cap(w.nodes))-len(w.nodes))
	}
	for len(w.nodes) < n {
		w.nodes = append(w.nodes, wheelNode{next: noTimer, prev: noTimer, bucket: noTimer})
	}
}

// Len reports how many timers are pending.
func (w *wheel) Len() int { return w.pending }

// Scheduled reports whether id has a pending timer.
func (w *wheel) Scheduled(id int32) bool { return w.nodes[id].bucket != noTimer }

// When returns the expiry tick of id's pending timer.
func (w *wheel) When(id int32) uint64 { return w.nodes[id].at }

// Schedule sets id to expire at tick at (replacing any pending timer).
// A tick not after the current one expires at the next Advance.
func (w *wheel) Schedule(id int32, at uint64) {
	n := &w.nodes[id]
	if n.bucket != noTimer {
		if n.at == at {
			return
		}
		w.unlink(id)
		w.pending--
	}
	if at <= w.now {
		at = w.now + 1
	}
	n.at = at
	w.link(id)
	w.pending++
}

// Cancel removes id's pending timer, if any.
func (w *wheel) Cancel(id int32) {
	if w.nodes[id].bucket == noTimer {
		return
	}
	w.unlink(id)
	w.pending--
}

func (w *wheel) link(id int32) {
	n := &w.nodes[id]
	level := 0
	if diff := n.at ^ w.now; diff != 0 {
		level = (63 - bits.LeadingZeros64(diff)) / wheelBits
	}
	if level >= wheelLevels {
		level = wheelLevels - 1 // beyond the span: parks in the top level and re-cascades
	}
	slot := int((n.at >> (uint(level) * wheelBits)) & wheelMask)
	b := level*wheelSlots + slot
	n.bucket = int16(b)
	n.prev = noTimer
	n.next = w.heads[b]
	if n.next != noTimer {
		w.nodes[n.next].prev = id
	}
	w.heads[b] = id
	w.occ[level] |= 1 << uint(slot)
}

func (w *wheel) unlink(id int32) {
	n := &w.nodes[id]
	b := int(n.bucket)
	if n.prev != noTimer {
		w.nodes[n.prev].next = n.next
	} else {
		w.heads[b] = n.next
	}
	if n.next != noTimer {
		w.nodes[n.next].prev = n.prev
	}
	if w.heads[b] == noTimer {
		w.occ[b/wheelSlots] &^= 1 << uint(b%wheelSlots)
	}
	n.bucket, n.next, n.prev = noTimer, noTimer, noTimer
}

// cascade re-files every timer of one bucket relative to the current tick.
func (w *wheel) cascade(level int, slot int) {
	b := level*wheelSlots + slot
	id := w.heads[b]
	w.heads[b] = noTimer
	w.occ[level] &^= 1 << uint(slot)
	for id != noTimer {
		next := w.nodes[id].next
		w.nodes[id].bucket = noTimer
		w.link(id)
		id = next
	}
}

// Advance moves the clock to tick to and appends the ids whose timers
// expired, in expiry order, to out.
func (w *wheel) Advance(to uint64, out []int32) []int32 {
	for w.now < to {
		if w.pending == 0 {
			w.now = to
			break
		}
		w.now++
		t := w.now
		if t&wheelMask == 0 {
			// Cascade from the highest level whose block starts now.
			top := 1
			for top < wheelLevels-1 && (t>>(uint(top)*wheelBits))&wheelMask == 0 {
				top++
			}
			for level := top; level >= 1; level-- {
				w.cascade(level, int((t>>(uint(level)*wheelBits))&wheelMask))
			}
		}
		slot := int(t & wheelMask)
		for id := w.heads[slot]; id != noTimer; id = w.heads[slot] {
			w.unlink(id)
			w.pending--
			out = append(out, id)
		}
	}
	return out
}

// NextExpiry returns the earliest tick at which Advance may have work, and
// false when nothing is pending.
func (w *wheel) NextExpiry() (uint64, bool) {
	if w.pending == 0 {
		return 0, false
	}
	cur := w.now & wheelMask
	if rest := w.occ[0] >> (cur + 1) << (cur + 1); rest != 0 && cur < wheelMask {
		return w.now&^wheelMask | uint64(bits.TrailingZeros64(rest)), true
	}
	// Something waits in a higher level: the next block boundary cascades.
	return (w.now | wheelMask) + 1, true
}
