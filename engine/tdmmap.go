package engine

import (
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

// TDMMap is SIPp's -tdmmap {X1-X2}{H}{Y1-Y2}{Z1-Z2}: a table of
// (X2-X1+1)×(Y2-Y1+1)×(Z2-Z1+1) TDM circuits. Each call holds one while
// it lives and [tdmmap] renders it as "x.h.y/z"; a call that finds every
// circuit busy fails (FailedOutboundCongestion).
type TDMMap struct {
	X1, X2, H, Y1, Y2, Z1, Z2 int
}

// size is the number of circuits.
func (m *TDMMap) size() int { return (m.X2 - m.X1 + 1) * (m.Y2 - m.Y1 + 1) * (m.Z2 - m.Z1 + 1) }

// appendCircuit renders circuit number n (1-based, as SIPp's
// tdm_map_number, which its formula uses as is) as SIPp's [tdmmap] does.
func (m *TDMMap) appendCircuit(dst []byte, n int) []byte {
	a, b, c := m.X2-m.X1, m.Y2-m.Y1, m.Z2-m.Z1
	dst = strconv.AppendInt(dst, int64(m.X1+(n/((b+1)*(c+1)))%(a+1)), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(m.H), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(m.Y1+(n/(c+1))%(b+1)), 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, int64(m.Z1+n%(c+1)), 10)
}

// tdmTable is the run's circuits, shared by the shards without a lock.
type tdmTable struct {
	busy []atomic.Bool
}

// take reserves a free circuit, searching from a random one as SIPp
// does, and returns its 1-based number, or 0 when all are busy.
func (t *tdmTable) take() int32 {
	n := len(t.busy)
	start := rand.IntN(n)
	for i := range n {
		j := (start + i) % n
		if t.busy[j].CompareAndSwap(false, true) {
			return int32(j + 1)
		}
	}
	return 0
}

// release frees circuit n (1-based). SIPp 3.6 frees entry n, one past the
// call's own, so its table leaks a circuit per call; gossip frees the
// call's circuit.
func (t *tdmTable) release(n int32) { t.busy[n-1].Store(false) }

// initTDM builds the circuit table of -tdmmap, and refuses [tdmmap]
// without it (SIPp stops at the first message that renders it).
func (e *Engine) initTDM() error {
	if m := e.cfg.TDMMap; m != nil {
		e.tdm = &tdmTable{busy: make([]atomic.Bool, m.size())}
		return nil
	}
	for _, u := range e.scn.Uses {
		if u.Feature == scenario.OpFeature(scenario.OpTDMMap) {
			return &scenario.Error{File: e.scn.Source, Line: u.Line, Msg: "keyword [tdmmap] needs -tdmmap", Err: ErrConfig}
		}
	}
	return nil
}

// takeCircuit gives a new call its circuit; false: all are busy, and the
// call has ended failed, as SIPp's does.
func (s *shard) takeCircuit(slot int32, c *call, now int64) bool {
	if c.tdm = s.e.tdm.take(); c.tdm != 0 {
		return true
	}
	s.event("Can't create new outgoing call: all tdm_map circuits busy")
	s.endCall(slot, c, outcomeFailed, stats.FailOutboundCongestion, now)
	return false
}
