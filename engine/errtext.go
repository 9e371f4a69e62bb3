package engine

import (
	"github.com/gossip-sip/gossip/scenario"
)

// The -trace_err texts of the call failures the engine reports, in SIPp's
// words (call.cpp), so tools that read SIPp's _errors.log read gossip's.

// sippMessageType is SIPp's MSG_TYPE_* number of a command kind.
func sippMessageType(k scenario.Kind) int {
	switch k {
	case scenario.KindSendCmd:
		return 0
	case scenario.KindRecvCmd:
		return 1
	case scenario.KindSend:
		return 2
	case scenario.KindRecv:
		return 3
	case scenario.KindPause:
		return 4
	}
	return 5 // nop
}

// recvTimeoutEvent reports a receive timeout of call c on command cmd.
func (s *shard) recvTimeoutEvent(c *call, cmd *scenario.Command) {
	if s.e.cfg.Tracer == nil {
		return
	}
	if cmd.OnTimeout != scenario.NoIndex {
		s.event("Call-Id: %s, receive timeout on message %s:%d, jumping to label %d",
			c.id(), s.scenarioDesc(), cmd.MsgIndex, s.e.scn.Commands[cmd.OnTimeout].MsgIndex)
		return
	}
	s.event("Call-Id: %s, receive timeout on message %s:%d without label to jump to (ontimeout attribute): aborting call",
		c.id(), s.scenarioDesc(), cmd.MsgIndex)
}

// scenarioDesc is what SIPp names a message by in its warnings: the
// scenario's name= (SIPp's message description).
func (s *shard) scenarioDesc() string {
	if s.e.scn.Name == "" {
		return "unknown scenario"
	}
	return s.e.scn.Name
}
