package engine

import (
	"fmt"
	"hash/maphash"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// -trace_calldebug: with Config.CallDebug set, each call keeps a history
// of what happened to it, in SIPp's words (call.cpp callDebug), and a call
// aborted on a receive timeout, a retransmission limit, an unexpected
// message or a 3PCC abort hands it to the CallDebugger when it ends (SIPp's
// abortCall). Histories live in the shard, keyed by call slot, in buffers
// from the shard's pool; a run without the flag pays one nil check per
// message.

// debugf appends one entry to call c's history.
func (s *shard) debugf(c *call, format string, args ...any) {
	if s.dbg == nil {
		s.dbg = make(map[int32][]byte)
	}
	h, ok := s.dbg[c.slot]
	now := time.Now()
	if !ok {
		h = s.bufs.get(1024)
		h = trace.AppendTime(h, now)
		h = fmt.Appendf(h, " Starting call %s\n", c.id())
	}
	h = trace.AppendTime(h, now)
	h = append(h, ' ')
	h = fmt.Appendf(h, format, args...)
	s.dbg[c.slot] = h
}

// debugSent records a message sent for c.
func (s *shard) debugSent(c *call, msg []byte) {
	idx := c.cmd // SIPp: the send's index; a retransmission's is the message retransmitted
	if s.e.scn.Commands[idx].Kind != scenario.KindSend && c.lastSendCmd >= 0 {
		idx = c.lastSendCmd
	}
	s.debugf(c, "Sending UDP message for call %s (index %d, hash %d):\n%s\n\n",
		c.id(), s.e.scn.Commands[idx].MsgIndex, maphash.Bytes(s.e.seed, msg), msg)
}

// debugReceived records a message received for c.
func (s *shard) debugReceived(c *call, msg []byte) {
	s.debugf(c, "Processing %d byte incoming message for call-ID %s (hash %d):\n%s\n\n",
		len(msg), c.id(), maphash.Bytes(s.e.seed, msg), msg)
}

// debugAbort records that call c is being aborted, before the messages
// that end its dialog are sent (SIPp's abortCall logs first, then sends).
func (s *shard) debugAbort(c *call) {
	if _, ok := s.dbg[c.slot]; !ok || s.dbgAborted[c.slot] {
		return
	}
	s.debugf(c, "Aborting call %s (index %d).\n", c.id(), s.e.scn.Commands[min(int(c.cmd), len(s.e.scn.Commands)-1)].MsgIndex)
	if s.dbgAborted == nil {
		s.dbgAborted = make(map[int32]bool)
	}
	s.dbgAborted[c.slot] = true
}

// debugEnd writes c's history when SIPp would (an aborted call) and
// forgets it.
func (s *shard) debugEnd(c *call, how outcome, class stats.FailureClass) {
	h, ok := s.dbg[c.slot]
	if !ok {
		return
	}
	delete(s.dbg, c.slot)
	logged := s.dbgAborted[c.slot]
	delete(s.dbgAborted, c.slot)
	if how == outcomeFailed {
		switch class {
		case stats.FailTimeoutOnRecv, stats.FailMaxUDPRetrans, stats.FailUnexpectedMessage,
			stats.FailTimeoutOnSend, stats.FailUnclassified:
			if !logged {
				h = trace.AppendTime(h, time.Now())
				h = fmt.Appendf(h, " Aborting call %s (index %d).\n", c.id(), s.e.scn.Commands[min(int(c.cmd), len(s.e.scn.Commands)-1)].MsgIndex)
			}
			s.e.cfg.CallDebug.CallDebug(c.id(), h)
		}
	}
	s.bufs.put(h)
}
