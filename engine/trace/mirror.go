package trace

import (
	"net/netip"
	"time"
)

// Mirror receives a copy of every SIP message a shard sends or receives,
// at the moment it crosses the socket (HEP export to Homer, see package
// hep). The engine calls it from its shard goroutines, only when a Mirror
// is configured: with none the hot path pays one nil check.
//
// Implementations must be safe for concurrent calls with different shard
// indexes, and for each shard index the calls come from one goroutine.
// Mirror must not block, must not allocate in steady state and must not
// keep payload or callID after it returns: a shard calls it once per
// message.
type Mirror interface {
	// Mirror records one message. shard is the calling shard's index,
	// dir whether the message was sent or received, at when it crossed
	// the socket (the kernel's receive time stamp when the dataplane has
	// one, the time of the write for sends). local and remote are the
	// shard's address and the peer's. callID is the message's Call-ID
	// when the caller has it at hand, or nil: the mirror then finds it in
	// payload itself, off the shard's goroutine.
	Mirror(shard int, dir Direction, at time.Time, payload []byte, local, remote netip.AddrPort, callID []byte)
}

// MirrorCounter is implemented by Mirrors that count what they delivered:
// the engine copies the counts into its statistics snapshots.
type MirrorCounter interface {
	// MirrorTotals returns the messages delivered to the collector so
	// far and the messages dropped instead.
	MirrorTotals() (sent, dropped uint64)
}

// MirrorPublisher is implemented by Mirrors that let a shard batch what it
// mirrors: once a shard called MirrorPublish, the messages it mirrors may
// stay invisible to the Mirror's own goroutine until its next
// MirrorPublish, which saves a memory barrier per message. The engine
// calls MirrorPublish(shard) from the shard's goroutine each time the
// shard flushes its socket, which it does before it waits for anything,
// so every mirrored message is published within one turn of the shard's
// loop.
type MirrorPublisher interface {
	// MirrorPublish makes everything shard mirrored so far visible to
	// the Mirror's consumer.
	MirrorPublish(shard int)
}
