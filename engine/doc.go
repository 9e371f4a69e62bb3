// Package engine runs SIP calls: a set of shards, each one goroutine with
// its own endpoint, call table, timer wheel and statistics recorder, that
// execute a compiled scenario for every call they own.
//
// A call never has a goroutine, a Go timer or a channel of its own: its
// state is a slot in its shard's slab, its one pending wake-up is a node in
// the shard's timer wheel, and messages reach it through the shard's event
// loop. Messages that arrive at the wrong shard (several shards share one
// UDP port) are handed to the owning shard through a lock-free queue.
package engine
