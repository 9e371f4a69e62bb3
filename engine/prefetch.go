package engine

import "unsafe"

// Prefetching. A shard's working set outgrows the CPU caches once it holds
// tens of thousands of calls (SIPp's uas keeps each call 4 s after its BYE,
// and -deadcall_wait remembers 33 s of ended Call-IDs), so the first probe
// of the call table or the dead-call set for a datagram usually waits for
// main memory. Knowing the next datagram's Call-ID hash while the current
// one is handled (rxAhead, rxahead.go), a shard asks for those cache lines
// early and overlaps the wait with useful work; startCall does the same for
// a new call's slot. The tables sit in huge pages (hugemem.go), so the
// prefetch does not stall on a page walk. prefetch is a hint: it never
// faults and changes nothing but timing.

// prefetch asks for the cache line of the slot where a lookup of h starts.
func (t *callTable) prefetch(h uint64) { prefetch(unsafe.Pointer(&t.slots[h&t.mask])) }

// prefetch asks for the cache line of the slot where a lookup of h starts.
func (d *deadCalls) prefetch(h uint64) { prefetch(unsafe.Pointer(&d.slots[deadKey(h)&d.mask])) }
