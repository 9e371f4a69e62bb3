package engine

import (
	"hash/maphash"
	"strconv"

	"github.com/gossip-sip/gossip/scenario"
)

// The -trace_err texts of the call failures the engine reports, in SIPp's
// words (call.cpp), so tools that read SIPp's _errors.log read gossip's.

// unexpected reports the message in s.msg that ends call c as unexpected,
// in SIPp's words, and answers an unexpected BYE or CANCEL with 200 OK as
// SIPp does (its default behaviour "bye").
func (s *shard) unexpected(c *call, raw []byte) {
	if s.msg.IsRequest() {
		if m := s.msg.Method(); string(m) == "BYE" || string(m) == "CANCEL" {
			s.event("Aborting call on an unexpected %s for call: %s", m, c.id())
			s.replyOK(c)
			if s.dbg != nil {
				s.bufs.put(s.dbg[c.slot])
				delete(s.dbg, c.slot) // SIPp ends the call without its debug log
			}
			return
		}
	}
	if s.e.cfg.Tracer == nil && s.e.cfg.CallDebug == nil {
		return
	}
	cmd := &s.e.scn.Commands[c.cmd]
	var what string
	switch cmd.Kind {
	case scenario.KindRecv:
		if cmd.Request != "" {
			what = "while expecting '" + cmd.Request + "' "
		} else {
			what = "while expecting '" + strconv.Itoa(cmd.Response) + "' "
		}
	case scenario.KindSend:
		what = "while sending "
	case scenario.KindPause:
		what = "while pausing "
	case scenario.KindSendCmd:
		what = "while sending command "
	case scenario.KindRecvCmd:
		what = "while expecting command "
	default:
		what = "while in message type " + strconv.Itoa(sippMessageType(cmd.Kind)) + " "
	}
	s.event("Aborting call on unexpected message for Call-Id '%s': %s(index %d), received '%s'",
		c.id(), what, cmd.MsgIndex, raw)
	if s.e.cfg.CallDebug != nil {
		s.debugf(c, "Unexpected UDP message received (index %d, hash %d):\n\n%s\n", cmd.MsgIndex, maphash.Bytes(s.e.seed, raw), raw)
	}
}

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

// replyOK answers the request in s.msg with SIPp's default "200" message:
// Via, From, To, Call-ID and CSeq copied (RFC 3261 §8.2.6.2), a Contact.
func (s *shard) replyOK(c *call) {
	b := append(s.tx[:0], "SIP/2.0 200 OK\r\n"...)
	for _, h := range [...]string{"Via", "From", "To", "Call-ID", "CSeq"} {
		n := len(b)
		b = append(b, h...)
		b = append(b, ": "...)
		var ok bool
		if b, ok = s.msg.AppendHeaderValues(b, h); ok {
			b = append(b, "\r\n"...)
		} else {
			b = b[:n]
		}
	}
	b = append(b, "Contact: <sip:"...)
	b = s.appendLocalIP(b, c)
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(s.local.Port()), 10)
	b = append(b, ";transport=UDP>\r\nContent-Length: 0\r\n\r\n"...)
	s.tx = b
	s.writeCall(c, b, s.dst(c))
}
