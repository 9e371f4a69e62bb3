package engine

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strconv"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
	"github.com/gossip-sip/gossip/sipfast"
)

// What a call does with a message no scenario step expects, how it ends
// when it is aborted, and message loss on purpose. SIPp's call.cpp
// (process_incoming, process_unexpected, automaticResponseMode,
// abortCall, lost) is the reference.

// The messages SIPp sends by itself (<DefaultMessage id=...> replaces
// them): the ACK, CANCEL and BYE that end an aborted client call, and the
// 200 OK that answers an unexpected BYE, CANCEL or PING, or, with -aa, an
// INFO, NOTIFY, OPTIONS or UPDATE.
const (
	defaultACK = `ACK [last_Request_URI] SIP/2.0
[last_Via]
[last_From]
[last_To]
Call-ID: [call_id]
CSeq: [last_cseq_number] ACK
Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Subject: Performance Test
Content-Length: 0

`
	defaultBYE = `BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
[last_From]
[last_To]
Call-ID: [call_id]
CSeq: [last_cseq_number+1] BYE
Max-Forwards: 70
Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

`
	defaultCANCEL = `CANCEL [last_Request_URI] SIP/2.0
[last_Via]
[last_From]
[last_To]
Call-ID: [call_id]
CSeq: [last_cseq_number] CANCEL
Max-Forwards: 70
Contact: <sip:sipp@[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

`
	default200 = `SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Length: 0

`
)

// defaultMessages are the compiled automatic messages of a run.
type defaultMessages struct {
	ack, bye, cancel, ok *scenario.Template
}

// compileDefaults compiles SIPp's automatic messages, or the scenario's
// <DefaultMessage> replacements.
func compileDefaults(scn *scenario.Scenario) (defaultMessages, error) {
	var d defaultMessages
	for _, m := range []struct {
		id, text string
		dst      **scenario.Template
	}{{"ack", defaultACK, &d.ack}, {"bye", defaultBYE, &d.bye}, {"cancel", defaultCANCEL, &d.cancel}, {"200", default200, &d.ok}} {
		if t, ok := scn.DefaultMessages[m.id]; ok {
			*m.dst = t
			continue
		}
		t, err := scenario.CompileTemplate(m.text, 1)
		if err != nil {
			return d, fmt.Errorf("engine: default message %s: %w", m.id, err)
		}
		*m.dst = t
	}
	return d, nil
}

// behaves reports whether a default behaviour is on (-default_behaviors).
func (s *shard) behaves(b Behavior) bool { return s.e.cfg.DisabledBehaviors&b == 0 }

// lost reports whether the message of command idx is lost on purpose
// (lost=, -lost): SIPp loses messages only when the scenario has a lost=
// attribute somewhere.
func (s *shard) lost(idx int32) bool {
	if !s.e.losePackets {
		return false
	}
	p := s.e.cfg.Lost
	if l := s.e.scn.Commands[idx].Lost; l >= 0 {
		p = l
	}
	if p <= 0 {
		return false
	}
	return s.random().Float64() < p/100
}

// testSet reports whether a command's test= variable is set (true
// without test=).
func (s *shard) testSet(c *call, cmd *scenario.Command) bool {
	if cmd.Test == scenario.NoVar {
		return true
	}
	s.readVar(c, cmd.Test, &s.lang.a)
	return s.lang.a.isSet()
}

// unexpected handles a message of call c that no step expects: the jump
// to the _unexp.main label, the automatic answers to BYE, CANCEL, PING and
// (-aa) INFO, NOTIFY, OPTIONS and UPDATE, or SIPp's unexpected-message
// rule.
func (s *shard) unexpected(slot int32, c *call, raw []byte, now int64) {
	scn := s.e.scn
	if scn.UnexpectedJump != scenario.NoIndex && c.flags&flagInit == 0 && s.queued == nil {
		recursive := false
		if id := scn.UnexpectedRetAddr; id != scenario.NoVar {
			s.readVar(c, id, &s.lang.a)
			if s.lang.a.double() != 0 {
				recursive = true // already handling one
			} else {
				s.setVar(c, id, scenario.VarDouble, nil, float64(scn.Commands[c.cmd].MsgIndex))
			}
		}
		if !recursive {
			if id := scn.UnexpectedPausedAddr; id != scenario.NoVar {
				s.setVar(c, id, scenario.VarDouble, nil, float64(c.pauseUntil/1e6))
			}
			// The message waits for the first recv after the label
			// (SIPp's queue_up); advance hands it over.
			s.queued, s.queuedCall = raw, c
			c.pauseUntil, c.recvDeadline = 0, 0
			c.cmd = int32(scn.UnexpectedJump)
			s.advance(slot, c, now)
			s.queued, s.queuedCall = nil, nil
			return
		}
		s.processUnexpected(slot, c, raw, now)
		return
	}
	if !s.msg.IsRequest() {
		s.processUnexpected(slot, c, raw, now)
		return
	}
	m := s.msg.Method()
	switch {
	case string(m) == "BYE" || string(m) == "CANCEL":
		s.rec.UnexpectedMessage(int(c.cmd))
		if !s.behaves(BehaviorAbortUnexp) {
			s.event("Continuing call on an unexpected %s for call: %s", m, c.id())
			return
		}
		s.event("Aborting call on an unexpected %s for call: %s", m, c.id())
		if s.behaves(BehaviorBye) {
			s.sendDefault(c, raw, s.e.defaults.ok)
		}
		if s.dbg != nil {
			s.bufs.put(s.dbg[c.slot])
			delete(s.dbg, c.slot) // SIPp ends the call without its debug log
		}
		s.endCall(slot, c, outcomeFailed, stats.FailUnexpectedMessage, now)
	case string(m) == "PING":
		if !s.behaves(BehaviorPingReply) {
			s.event("Do not answer on an unexpected PING for call: %s", c.id())
			return
		}
		s.event("Automatic response mode for an unexpected PING for call: %s", c.id())
		s.sendDefault(c, raw, s.e.defaults.ok)
		s.rec.AutoAnswered()
		// SIPp ends the call without counting it failed.
		s.endCall(slot, c, outcomeSuccess, 0, now)
	case s.e.cfg.AutoAnswer && isAnyOf(m, "INFO", "NOTIFY", "OPTIONS", "UPDATE"):
		// The answer copies this request; the call's last message stays.
		s.sendDefault(c, raw, s.e.defaults.ok)
		s.rec.AutoAnswered()
		s.arm(slot, c)
	default:
		s.processUnexpected(slot, c, raw, now)
	}
}

// processUnexpected is SIPp's process_unexpected: count the message and,
// with the abortunexp behaviour, fail the call (ending its dialog with the
// bye behaviour); without it, ignore the message.
func (s *shard) processUnexpected(slot int32, c *call, raw []byte, now int64) {
	s.rec.UnexpectedMessage(int(c.cmd))
	if code := s.msg.StatusCode(); code != 0 {
		if o := s.e.cfg.Observer; o != nil {
			o.UnexpectedMessage(code)
		}
	}
	verb := "Aborting"
	if !s.behaves(BehaviorAbortUnexp) {
		verb = "Continuing"
	}
	if s.e.cfg.Tracer != nil || s.e.cfg.CallDebug != nil {
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
		s.event("%s call on unexpected message for Call-Id '%s': %s(index %d), received '%s'",
			verb, c.id(), what, cmd.MsgIndex, raw)
		if s.e.cfg.CallDebug != nil {
			s.debugf(c, "Unexpected UDP message received (index %d, hash %d):\n\n%s\n", cmd.MsgIndex, maphash.Bytes(s.e.seed, raw), raw)
		}
	}
	if !s.behaves(BehaviorAbortUnexp) {
		s.arm(slot, c)
		return
	}
	if s.behaves(BehaviorBye) {
		s.keepAsLast(c, raw)
		s.abortMessages(c)
	}
	s.sendAbort(c) // -3pcc: the twin learns the call failed (twin.go)
	s.endCall(slot, c, outcomeFailed, stats.FailUnexpectedMessage, now)
}

// abortCall ends a failed call as SIPp's abortCall does: with the bye
// behaviour, a client call first ends its dialog (abortMessages).
func (s *shard) abortCall(slot int32, c *call, class stats.FailureClass, now int64) {
	if s.behaves(BehaviorBye) {
		s.abortMessages(c)
	}
	s.endCall(slot, c, outcomeFailed, class, now)
}

// abortMessages sends what ends an aborted client call's dialog: an
// INVITE not answered yet is cancelled, an error answer acknowledged, a
// 200 acknowledged then hung up, an established call hung up. It needs
// the call's last received message, which a call keeps only while its
// scenario may render it: without it nothing is sent.
func (s *shard) abortMessages(c *call) {
	if s.dbg != nil {
		s.debugAbort(c) // -trace_calldebug: the abort comes before what it sends
	}
	if !s.e.client || s.e.scn.Commands[min(int(c.cmd), len(s.e.scn.Commands)-1)].MsgIndex == 0 || c.flags&flagInit != 0 {
		return
	}
	if c.flags&flagGotMsg == 0 || len(c.lastRecv) == 0 {
		return
	}
	d := &s.e.defaults
	invite := c.lastSendCmd >= 0 && s.e.scn.Commands[c.lastSendCmd].IsInvite
	if c.flags&flagEstablished == 0 && invite {
		code := 0
		if s.lastOf(c) {
			code = s.last.StatusCode()
		}
		switch {
		case code >= 400:
			s.sendDefault(c, nil, d.ack)
		case c.flags&flagAckPending != 0:
			c.flags &^= flagAckPending
			s.sendDefault(c, nil, d.ack)
			s.sendDefault(c, nil, d.bye)
		default:
			s.sendDefault(c, nil, d.cancel)
		}
		return
	}
	s.sendDefault(c, nil, d.bye)
}

// keepForAbort reports whether a call must keep its last message for
// abortMessages whatever its scenario renders: a client call between its
// INVITE and its ACK, which an abort cancels or acknowledges from that
// message (the ringing phase; established calls keep nothing more).
func (s *shard) keepForAbort(c *call) bool {
	return s.e.client && c.flags&flagEstablished == 0 && c.lastSendCmd >= 0 &&
		s.e.scn.Commands[c.lastSendCmd].IsInvite && s.behaves(BehaviorBye)
}

// keepAsLast makes raw the call's last message (SIPp copies an unexpected
// message there before it aborts the call, for the [last_*] keywords).
func (s *shard) keepAsLast(c *call, raw []byte) {
	s.bufs.store(&c.lastRecv, raw)
	s.gen++
	c.lastGen = s.gen
	c.flags |= flagGotMsg
	if s.msg.CopyTo(&s.last, c.lastRecv) {
		s.lastCall, s.lastGen = c, c.lastGen
	}
}

// lastOf indexes the call's last message in s.last, reporting whether it
// has one.
func (s *shard) lastOf(c *call) bool {
	if len(c.lastRecv) == 0 {
		return false
	}
	if s.lastCall != c || s.lastGen != c.lastGen {
		if s.last.Parse(c.lastRecv) != nil {
			return false
		}
		s.lastCall, s.lastGen = c, c.lastGen
	}
	return true
}

// sendDefault renders one of the automatic messages for c and sends it.
// With msg, the message answers msg (the [last_*] keywords read it) and
// the call's own last message is left alone.
func (s *shard) sendDefault(c *call, msg []byte, tpl *scenario.Template) {
	if msg != nil {
		// Render from the message being handled, without keeping it.
		saved, savedGen := c.lastRecv, c.lastGen
		c.lastRecv = msg
		s.gen++
		c.lastGen = s.gen
		if s.msg.CopyTo(&s.last, msg) {
			s.lastCall, s.lastGen = c, c.lastGen
		} else {
			s.lastCall = nil
		}
		s.tx = s.renderMsg(s.tx[:0], c, int(c.cmd), s.defaultIndex(c), tpl)
		c.lastRecv, c.lastGen = saved, savedGen
		s.lastCall = nil
	} else {
		s.lastOf(c)
		s.tx = s.renderMsg(s.tx[:0], c, int(c.cmd), s.defaultIndex(c), tpl)
	}
	s.writeCall(c, s.tx, s.dst(c))
}

// defaultIndex is the message index the automatic messages' [branch]
// uses: the call's current message index less one (SIPp).
func (s *shard) defaultIndex(c *call) int {
	cmds := s.e.scn.Commands
	if int(c.cmd) >= len(cmds) {
		return len(s.e.scn.MsgCommands) - 1
	}
	return cmds[c.cmd].MsgIndex - 1
}

// recordRoutes records the dialog's route set and remote target from the
// message in s.msg (rrs="true"), as SIPp's
// computeRouteSetAndRemoteTargetUri: Record-Route entries in order for a
// request received (RFC 3261 §12.1.1), reversed for a response
// (§12.1.2); a first hop without ";lr" (a strict router) becomes the
// target and the Contact the last route.
func (s *shard) recordRoutes(c *call, isReq bool) {
	l := &s.lang
	l.line, _ = s.msg.AppendHeaderValues(l.line[:0], "Contact")
	contact := l.line
	if len(contact) == 0 {
		s.event("Cannot record route set if there is no Contact")
		return
	}
	l.buf, _ = s.msg.AppendHeaderValues(l.buf[:0], "Record-Route")
	rr := l.buf
	buf := s.bufs.get(len(rr) + 2*len(contact) + 8)
	var target []byte
	if len(rr) > 0 {
		n := bytes.Count(rr, []byte(",")) + 1
		first := true
		for k := 0; k < n; k++ {
			i := k
			if !isReq {
				i = n - 1 - k
			}
			h := nthField(rr, i)
			if first && !bytes.Contains(h, []byte(";lr")) {
				target = h
				continue
			}
			first = false
			if len(buf) > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, bytes.TrimSpace(h)...)
		}
		if target != nil {
			if len(buf) > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, bytes.TrimSpace(contact)...)
		}
	}
	if target == nil {
		target = contact
	}
	routeLen := len(buf)
	target = bytes.TrimLeft(target, " \t")
	if i, j := bytes.IndexByte(target, '<'), bytes.IndexByte(target, '>'); i >= 0 && j > i {
		target = target[i+1 : j]
	}
	buf = append(buf, target...)
	s.bufs.release(&c.routes)
	c.routes = buf
	c.routeLen = uint16(min(routeLen, 0xffff))
}

// nthField returns the i-th comma-separated field of b.
func nthField(b []byte, i int) []byte {
	for ; i > 0; i-- {
		j := bytes.IndexByte(b, ',')
		if j < 0 {
			return nil
		}
		b = b[j+1:]
	}
	if j := bytes.IndexByte(b, ','); j >= 0 {
		return b[:j]
	}
	return b
}

// lastRequestURI is SIPp's [last_Request_URI]: the URI between < and >
// in the To header of the call's last message.
func lastRequestURI(m *sipfast.Message) []byte {
	to := m.Header("To")
	i := bytes.IndexByte(to, '<')
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(to, '>')
	if j < i {
		return nil
	}
	return to[i+1 : j]
}

// checksAckCSeq is 1 when calls must remember the CSeq of the last INVITE
// they received, for the cseq behaviour: the scenario receives ACKs.
func (e *Engine) checksAckCSeq() int {
	if e.cfg.DisabledBehaviors&BehaviorBadCSeq != 0 {
		return 0
	}
	for i := range e.scn.Commands {
		if c := &e.scn.Commands[i]; c.Kind == scenario.KindRecv && (c.Request == "ACK" || c.Regexp != nil && c.Request != "") {
			return 1
		}
	}
	return 0
}

// badAckCSeq is SIPp's checkAckCSeq (the cseq behaviour): an ACK whose
// CSeq number is not that of the last INVITE the call received. It also
// remembers the CSeq of an INVITE.
func (s *shard) badAckCSeq(c *call) bool {
	if s.calls.nInv == 0 || !s.msg.IsRequest() {
		return false
	}
	n, _ := s.msg.CSeq()
	inv := s.calls.invOf(c.slot)
	switch string(s.msg.Method()) {
	case "INVITE":
		inv[0] = n
	case "ACK":
		return n != inv[0]
	}
	return false
}
