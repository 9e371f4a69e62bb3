package engine

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/scenario"
)

// Out-of-call scenarios (-oocsf, -oocsn): in a client run, a request that
// belongs to no call starts a call of a second scenario (SIPp's
// ooc_scenario), which answers it. That scenario runs in an engine of its
// own whose shards have no socket and no goroutine: shard i of the main
// engine drives shard i of the out-of-call engine (its datagrams, its
// timers) and lends it its endpoint, so each endpoint keeps one writer.
// The out-of-call calls keep their own statistics (SIPp shows them apart)
// and share the main scenario's <Global> variables.

// stubEndpoint stands in for the socket of an out-of-call shard until the
// main shard lends its own.
type stubEndpoint struct{ local netip.AddrPort }

func (stubEndpoint) Read([]dataplane.Packet, time.Time) (int, error) { return 0, dataplane.ErrClosed }
func (stubEndpoint) Write([]byte, netip.AddrPort) error              { return nil }
func (stubEndpoint) Flush() error                                    { return nil }
func (stubEndpoint) Wake()                                           {}
func (e stubEndpoint) LocalAddr() netip.AddrPort                     { return e.local }
func (stubEndpoint) Close() error                                    { return nil }

// initOOC builds the out-of-call engine of a client run.
func (e *Engine) initOOC() error {
	ooc := e.cfg.OOC
	if ooc == nil {
		return nil
	}
	if !e.client {
		return fmt.Errorf("%w: out-of-call scenarios (-oocsf, -oocsn) need a client scenario, as in SIPp", ErrConfig)
	}
	if ooc.Mode != scenario.ModeServer {
		return fmt.Errorf("%w: the out-of-call scenario %s must start with a <recv>", ErrConfig, ooc.Source)
	}
	cfg := e.cfg
	cfg.Scenario, cfg.OOC = ooc, nil
	cfg.Rate, cfg.MaxCalls, cfg.Limit, cfg.Users = 0, 0, 0, 0
	cfg.Shards = len(e.shards)
	cfg.openEndpoint = func(dc dataplane.Config) (dataplane.Endpoint, error) { return stubEndpoint{dc.Local}, nil }
	sub, err := New(cfg)
	if err != nil {
		return fmt.Errorf("out-of-call scenario: %w", err)
	}
	if len(sub.shards) != len(e.shards) {
		return fmt.Errorf("%w: the out-of-call scenario needs one shard per shard of the main one", ErrConfig)
	}
	sub.steer = false
	sub.globals = e.globals
	for i, s := range e.shards {
		os := sub.shards[i]
		os.ep, os.local, os.mirrorLocal, os.poller = s.ep, s.local, s.mirrorLocal, nil
		s.ooc = os
	}
	e.ooc = sub
	return nil
}

// oocTimers runs the due timers of the out-of-call shard s drives.
func (s *shard) oocTimers(now int64) {
	o := s.ooc
	o.expired = o.wheel.Advance(uint64(now/int64(tick)), o.expired[:0])
	for _, slot := range o.expired {
		o.onTimer(slot, now)
	}
	o.dead.Expire(now)
}
