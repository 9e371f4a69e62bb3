package engine

import "bytes"

// callTable maps Call-IDs to call slots for one shard. Open addressing
// with linear probing over the Call-ID hash; deletion shifts later
// entries back, so there are no tombstones and lookups stay short without
// periodic rebuilds. It grows by doubling when three quarters full.
type callTable struct {
	slots []tableEntry
	mem   *hugeMapping // what holds slots (makeHuge); nil: the Go heap
	mask  uint64
	n     int
}

type tableEntry struct {
	hash uint64
	id   int32 // call slot index + 1; 0 is empty
}

func newCallTable(capacity int) *callTable {
	size := 16
	for size < capacity*3/2 {
		size <<= 1
	}
	t := &callTable{mask: uint64(size - 1)}
	t.slots, t.mem = makeHuge[tableEntry](size)
	return t
}

// Len is the number of entries.
func (t *callTable) Len() int { return t.n }

// Lookup returns the slot of the call with this Call-ID, using key to
// confirm a hash match.
func (t *callTable) Lookup(h uint64, callID []byte, key func(int32) []byte) (int32, bool) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		e := &t.slots[i]
		if e.id == 0 {
			return 0, false
		}
		if e.hash == h && bytes.Equal(key(e.id-1), callID) {
			return e.id - 1, true
		}
	}
}

// Insert adds slot under hash h. The caller ensures the Call-ID is not
// already present.
func (t *callTable) Insert(h uint64, slot int32) {
	if (t.n+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	t.insert(h, slot+1)
	t.n++
}

func (t *callTable) insert(h uint64, id int32) {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		if t.slots[i].id == 0 {
			t.slots[i] = tableEntry{hash: h, id: id}
			return
		}
	}
}

// Delete removes slot (stored under hash h).
func (t *callTable) Delete(h uint64, slot int32) {
	i := h & t.mask
	for {
		e := t.slots[i]
		if e.id == 0 {
			return // not present
		}
		if e.hash == h && e.id == slot+1 {
			break
		}
		i = (i + 1) & t.mask
	}
	// Backward-shift deletion (Knuth 6.4 algorithm R).
	for {
		t.slots[i] = tableEntry{}
		j := i
		for {
			j = (j + 1) & t.mask
			e := t.slots[j]
			if e.id == 0 {
				t.n--
				return
			}
			home := e.hash & t.mask
			// Move e into the hole at i if its home is not in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				t.slots[i] = e
				i = j
				break
			}
		}
	}
}

func (t *callTable) grow() {
	old, oldMem := t.slots, t.mem
	t.slots, t.mem = makeHuge[tableEntry](len(old) * 2)
	t.mask = uint64(len(t.slots) - 1)
	for _, e := range old {
		if e.id != 0 {
			t.insert(e.hash, e.id)
		}
	}
	oldMem.unmap()
}

// deadCalls remembers the Call-IDs of calls that ended recently (SIPp's
// -deadcall_wait), so that late retransmissions count as dead-call
// messages instead of starting new calls or counting as out-of-call.
// Entries expire in insertion order, so a FIFO of expiry times plus a
// set of Call-ID hashes is enough; both are preallocated and grow only
// when more calls end within one wait than ever before.
//
// At 10,000 calls/s the default 33 s wait holds 330,000 hashes and every
// new call asks for one that is not there, so the set is kept dense: 8
// bytes per slot (open addressing, linear probing, backward-shift
// deletion), a probe usually one cache line. It is a multiset: a hash
// added twice is held twice, each copy leaving with its own FIFO entry.
type deadCalls struct {
	slots []uint64     // Call-ID hashes, with 0 stored as 1; 0 marks an empty slot
	mem   *hugeMapping // what holds slots (makeHuge); nil: the Go heap
	mask  uint64
	fifo  []deadEntry
	head  int
	size  int
}

type deadEntry struct {
	hash   uint64
	expiry int64 // engine-relative nanoseconds
}

func newDeadCalls(capacity int) *deadCalls {
	if capacity < 16 {
		capacity = 16
	}
	n := 16
	for n < capacity*3/2 {
		n <<= 1
	}
	d := &deadCalls{mask: uint64(n - 1), fifo: make([]deadEntry, capacity)}
	d.slots, d.mem = makeHuge[uint64](n)
	return d
}

// deadKey maps a hash to its slot value (0 means empty).
func deadKey(h uint64) uint64 { return max(h, 1) }

// Add records a dead Call-ID hash until expiry.
func (d *deadCalls) Add(h uint64, expiry int64) {
	if d.size == len(d.fifo) {
		grown := make([]deadEntry, len(d.fifo)*2)
		for i := 0; i < d.size; i++ {
			grown[i] = d.fifo[(d.head+i)%len(d.fifo)]
		}
		d.fifo, d.head = grown, 0
	}
	if (d.size+1)*4 > len(d.slots)*3 {
		d.grow()
	}
	d.fifo[(d.head+d.size)%len(d.fifo)] = deadEntry{hash: h, expiry: expiry}
	d.size++
	d.insert(deadKey(h))
}

func (d *deadCalls) insert(k uint64) {
	i := k & d.mask
	for d.slots[i] != 0 {
		i = (i + 1) & d.mask
	}
	d.slots[i] = k
}

func (d *deadCalls) grow() {
	old, oldMem := d.slots, d.mem
	d.slots, d.mem = makeHuge[uint64](len(old) * 2)
	d.mask = uint64(len(d.slots) - 1)
	for _, k := range old {
		if k != 0 {
			d.insert(k)
		}
	}
	oldMem.unmap()
}

// Contains reports whether h belongs to a dead call.
func (d *deadCalls) Contains(h uint64) bool {
	k := deadKey(h)
	for i := k & d.mask; ; i = (i + 1) & d.mask {
		switch d.slots[i] {
		case 0:
			return false
		case k:
			return true
		}
	}
}

// remove deletes one copy of h (Knuth 6.4 algorithm R, as callTable.Delete).
func (d *deadCalls) remove(h uint64) {
	k := deadKey(h)
	i := k & d.mask
	for d.slots[i] != k {
		if d.slots[i] == 0 {
			return // not present
		}
		i = (i + 1) & d.mask
	}
	for {
		d.slots[i] = 0
		j := i
		for {
			j = (j + 1) & d.mask
			e := d.slots[j]
			if e == 0 {
				return
			}
			home := e & d.mask
			// Move e into the hole at i if its home is not in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				d.slots[i] = e
				i = j
				break
			}
		}
	}
}

// Expire forgets entries whose expiry is at or before now.
func (d *deadCalls) Expire(now int64) {
	for d.size > 0 {
		e := d.fifo[d.head]
		if e.expiry > now {
			return
		}
		d.remove(e.hash)
		d.head = (d.head + 1) % len(d.fifo)
		d.size--
	}
}

// Len is the number of remembered dead calls.
func (d *deadCalls) Len() int { return d.size }
