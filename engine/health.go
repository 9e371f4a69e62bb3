package engine

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
)

// lateThreshold is how far behind its schedule a call may start, or a
// shard may wake, before it counts as the generator falling behind.
const lateThreshold = 10 * time.Millisecond

// shardHealth is what a shard reports about its own pace. Written by the
// shard only, read by anyone.
type shardHealth struct {
	lateCalls atomic.Uint64 // calls started more than lateThreshold after due
	lateMax   atomic.Int64  // worst launch delay, ns
	lagged    atomic.Uint64 // wake-ups more than lateThreshold after their deadline
	lagMax    atomic.Int64  // worst wake-up delay, ns
}

func storeMax(a *atomic.Int64, v int64) {
	if v > a.Load() {
		a.Store(v)
	}
}

// noteLaunch records how late a call started.
func (h *shardHealth) noteLaunch(late int64) {
	if late > int64(lateThreshold) {
		h.lateCalls.Add(1)
	}
	storeMax(&h.lateMax, late)
}

// noteWake records how late the loop woke for a deadline.
func (h *shardHealth) noteWake(lag int64) {
	if lag > int64(lateThreshold) {
		h.lagged.Add(1)
	}
	storeMax(&h.lagMax, lag)
}

// Health is the generator's own state: whether it, rather than the system
// under test, limits the run.
type Health struct {
	// LateCalls counts calls started more than 10 ms after the rate
	// schedule wanted them; LateMax is the worst delay.
	LateCalls uint64
	LateMax   time.Duration
	// LaggedWakes counts event-loop wake-ups more than 10 ms after their
	// deadline (timers and retransmissions fire late); LagMax the worst.
	LaggedWakes uint64
	LagMax      time.Duration
	// KernelDrops counts datagrams the kernel dropped on gossip's sockets
	// because a receive queue was full (SO_RXQ_OVFL; mmsg backend).
	KernelDrops uint64
	// SendErrors counts datagrams the kernel refused to send.
	SendErrors uint64
	// HandoffDrops counts datagrams lost between shards (a full queue).
	HandoffDrops uint64
	// HandedOff counts datagrams a server shard read for a call another
	// shard owns and passed on to it (shards that share a port): about
	// all but 1/shards of them when the kernel picks the socket by
	// 4-tuple, none when its SO_REUSEPORT program picks by Call-ID.
	HandedOff uint64
	// KernelSteered counts datagrams the kernel's SO_REUSEPORT program
	// put on the socket of the shard that owns their Call-ID; 0 when it
	// is not attached.
	KernelSteered uint64
}

// Saturated reports whether the generator fell behind: late calls, late
// wake-ups or datagrams lost on its own side.
func (h Health) Saturated() bool {
	return h.LateCalls > 0 || h.LaggedWakes > 0 || h.KernelDrops > 0 || h.HandoffDrops > 0
}

// String is the warning line shown when the generator is saturated, or "".
func (h Health) String() string {
	if !h.Saturated() {
		return ""
	}
	var parts []string
	if h.LateCalls > 0 {
		parts = append(parts, fmt.Sprintf("%d calls started late (worst %s)", h.LateCalls, h.LateMax.Round(time.Millisecond)))
	}
	if h.LaggedWakes > 0 {
		parts = append(parts, fmt.Sprintf("event loops woke late %d times (worst %s)", h.LaggedWakes, h.LagMax.Round(time.Millisecond)))
	}
	if h.KernelDrops > 0 {
		parts = append(parts, fmt.Sprintf("kernel dropped %d received datagrams (raise -buff_size or -threads)", h.KernelDrops))
	}
	if h.HandoffDrops > 0 {
		parts = append(parts, fmt.Sprintf("%d datagrams lost between shards", h.HandoffDrops))
	}
	return "generator saturated: " + strings.Join(parts, "; ")
}

// Health returns the generator's own state now. Safe from any goroutine.
func (e *Engine) Health() Health {
	h := Health{SendErrors: e.sendErrors.Load(), HandoffDrops: e.handoffDrops.Load(),
		HandedOff: e.handedOff.Load()}
	if e.byCallID != nil {
		if c, err := e.byCallID.Counters(); err == nil {
			h.KernelSteered = c.Steered
		}
	}
	for _, s := range e.shards {
		h.LateCalls += s.health.lateCalls.Load()
		h.LateMax = max(h.LateMax, time.Duration(s.health.lateMax.Load()))
		h.LaggedWakes += s.health.lagged.Load()
		h.LagMax = max(h.LagMax, time.Duration(s.health.lagMax.Load()))
		if dc, ok := s.ep.(dataplane.DropCounter); ok {
			h.KernelDrops += dc.Drops() - s.dropsAtStart
		}
	}
	return h
}
