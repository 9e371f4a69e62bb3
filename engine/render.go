package engine

import (
	"bytes"
	"strconv"

	"github.com/gossip-sip/gossip/scenario"
)

// render appends command cmdIdx's message for call c to dst. It follows
// SIPp's rendering rules: [len] is the body length, filled in after the
// whole message is known; a keyword that renders nothing on a line of its
// own ([last_X:], [routes]) removes that line.
func (s *shard) render(dst []byte, c *call, cmdIdx int) []byte {
	if s.msgs == nil {
		s.msgs = s.foldMessages()
	}
	return s.renderTemplate(dst, c, cmdIdx, s.msgs[cmdIdx])
}

// foldMessages returns the scenario's message templates, by command index,
// with every keyword that renders the same bytes for all of this shard's
// calls ([local_ip], [local_port], [transport], [pid], ...) folded into
// the literals around it: a send then copies a few long literals instead
// of walking a dozen small ops. It runs at the first send, once the
// engine's addresses are settled.
func (s *shard) foldMessages() []*scenario.Template {
	cmds := s.e.scn.Commands
	out := make([]*scenario.Template, len(cmds))
	for i := range cmds {
		tpl := cmds[i].Message
		if tpl == nil {
			continue
		}
		folded := &scenario.Template{Line: tpl.Line, Method: tpl.Method, Status: tpl.Status}
		var lit []byte // the literal being built
		for _, op := range tpl.Ops {
			v, ok := s.constantOp(&op)
			if op.Kind == scenario.OpLiteral {
				v, ok = op.Lit, true
			}
			if ok {
				lit = append(lit, v...)
				continue
			}
			if len(lit) > 0 {
				folded.Ops = append(folded.Ops, scenario.Op{Kind: scenario.OpLiteral, Lit: lit})
				lit = nil
			}
			folded.Ops = append(folded.Ops, op)
		}
		if len(lit) > 0 {
			folded.Ops = append(folded.Ops, scenario.Op{Kind: scenario.OpLiteral, Lit: lit})
		}
		out[i] = folded
	}
	return out
}

// constantOp returns what op renders for every call of this shard, and
// false when that depends on the call or has a side effect. A value that
// is empty or starts with a blank or a line end is not folded either: the
// line rules of renderMsg (a keyword alone on its line, blanks after a
// variable that ends a line) look at how the literal after a keyword
// starts, and folding such a value would change what they see.
func (s *shard) constantOp(op *scenario.Op) ([]byte, bool) {
	var v []byte
	switch op.Kind {
	case scenario.OpService:
		v = []byte(s.e.cfg.Service)
	case scenario.OpLocalIP:
		if s.e.perIP != nil || s.e.xdp.ranged {
			return nil, false // per call: its connection's or its own source address
		}
		v = s.e.localIPHost
	case scenario.OpLocalIPType:
		v = []byte{s.e.localIPType}
	case scenario.OpLocalPort:
		v = strconv.AppendInt(nil, int64(s.local.Port())+int64(op.Offset), 10)
	case scenario.OpTransport:
		v = []byte(s.e.proto)
	case scenario.OpMediaIP:
		v = s.e.mediaIP
	case scenario.OpMediaIPType:
		v = []byte{s.e.mediaIPType}
	case scenario.OpMediaPort:
		if s.calls.nMedia > 0 {
			return nil, false // rendering it opens the call's media (mediaPortRendered)
		}
		v = strconv.AppendInt(nil, int64(s.e.cfg.MediaPort)+int64(op.Offset), 10)
	case scenario.OpPID:
		v = strconv.AppendInt(nil, int64(s.e.cfg.PID), 10)
	default:
		return nil, false
	}
	if len(v) == 0 || bytes.IndexByte([]byte(" \t\r\n\v\f"), v[0]) >= 0 {
		return nil, false
	}
	return v, true
}

// appendCallNumber appends n, a call's number, in decimal. The sends of a
// call follow one another and each names the call more than once (a tag,
// the [branch] of its Via), so the digits of the last number are kept.
func (s *shard) appendCallNumber(dst []byte, n uint64) []byte {
	if s.numLen == 0 || s.numOf != n {
		s.numOf = n
		s.numLen = uint8(len(strconv.AppendUint(s.numText[:0], n, 10)))
	}
	return append(dst, s.numText[:s.numLen]...)
}

// renderTemplate appends tpl, a template of command cmdIdx (its message or
// an action's attribute), for call c to dst.
func (s *shard) renderTemplate(dst []byte, c *call, cmdIdx int, tpl *scenario.Template) []byte {
	return s.renderMsg(dst, c, cmdIdx, s.e.scn.Commands[cmdIdx].MsgIndex, tpl)
}

// renderMsg is renderTemplate with the SIPp message index that [branch]
// and [msg_index] render.
func (s *shard) renderMsg(dst []byte, c *call, cmdIdx, msgIdx int, tpl *scenario.Template) []byte {
	if s.e.needsLast[cmdIdx] && len(c.lastRecv) > 0 && (s.lastCall != c || s.lastGen != c.lastGen) {
		// Index the call's last message once for all the sends that
		// follow it; a message that was accepted once parses again.
		_ = s.last.Parse(c.lastRecv)
		s.lastCall, s.lastGen = c, c.lastGen
	}
	start := len(dst)
	lenAt, lenOffset := -1, 0
	authAt, authOp := -1, (*scenario.Op)(nil)
	suppressCRLF := false
	suppressSpace := false // SIPp: after a variable that ends a line, the next literal loses its leading blanks
	for i := range tpl.Ops {
		op := &tpl.Ops[i]
		if op.Kind == scenario.OpLiteral {
			lit := op.Lit
			if suppressSpace {
				lit = bytes.TrimLeft(lit, " \t\r\n\v\f")
				suppressSpace, suppressCRLF = false, false
			}
			if suppressCRLF {
				if bytes.HasPrefix(lit, crlf) {
					lit = lit[2:]
				} else if len(lit) > 0 && lit[0] == '\n' {
					lit = lit[1:]
				}
				suppressCRLF = false
			}
			dst = append(dst, lit...)
			continue
		}
		suppressCRLF, suppressSpace = false, false
		switch op.Kind {
		case scenario.OpService:
			dst = append(dst, s.e.cfg.Service...)
		case scenario.OpRemoteIP:
			dst = append(dst, s.peers.hosts[c.peer]...) // rendered once per peer
		case scenario.OpRemotePort:
			if op.Offset == 0 {
				dst = append(dst, s.peers.ports[c.peer]...) // rendered once per peer
			} else {
				dst = strconv.AppendInt(dst, int64(s.peers.addrs[c.peer].Port())+int64(op.Offset), 10)
			}
		case scenario.OpLocalIP:
			dst = s.appendLocalIP(dst, c)
		case scenario.OpLocalIPType:
			dst = append(dst, s.e.localIPType)
		case scenario.OpLocalPort:
			dst = strconv.AppendInt(dst, int64(s.local.Port())+int64(op.Offset), 10)
		case scenario.OpTransport:
			dst = append(dst, s.e.proto...)
		case scenario.OpMediaIP:
			dst = append(dst, s.e.mediaIP...)
		case scenario.OpMediaIPType:
			dst = append(dst, s.e.mediaIPType)
		case scenario.OpMediaPort:
			if s.calls.nMedia > 0 {
				s.mediaPortRendered(c, dst, s.e.cfg.MediaPort+op.Offset)
			}
			dst = strconv.AppendInt(dst, int64(s.e.cfg.MediaPort)+int64(op.Offset), 10)
		case scenario.OpCallNumber:
			dst = s.appendCallNumber(dst, c.number)
		case scenario.OpCallID:
			dst = append(dst, c.id()...)
		case scenario.OpCSeq:
			dst = strconv.AppendInt(dst, int64(c.cseq)+int64(op.Offset), 10)
		case scenario.OpPID:
			dst = strconv.AppendInt(dst, int64(s.e.cfg.PID), 10)
		case scenario.OpBranch:
			// RFC 3261 §8.1.1.7: the magic cookie, then call and step.
			if s.branchPrefix == nil {
				s.branchPrefix = append(strconv.AppendInt([]byte("z9hG4bK-"), int64(s.e.cfg.PID), 10), '-')
			}
			dst = append(dst, s.branchPrefix...)
			dst = s.appendCallNumber(dst, c.number)
			dst = append(dst, '-')
			// SIPp numbers messages, not labels (Command.MsgIndex).
			if step := msgIdx + op.Offset; step >= 0 && step < 10 {
				dst = append(dst, byte('0'+step))
			} else {
				dst = strconv.AppendInt(dst, int64(step), 10)
			}
		case scenario.OpLen:
			// Keep SIPp's five columns for the length, filled in at the
			// end (patchLen): the body then need not move.
			lenAt, lenOffset = len(dst), op.Offset
			dst = append(dst, lenColumns...)
		case scenario.OpPeerTagParam:
			if tag := c.peerTag(); len(tag) > 0 {
				dst = append(dst, ";tag="...)
				dst = append(dst, tag...)
			}
		case scenario.OpRoutes:
			if c.routeLen > 0 {
				dst = append(dst, "Route: "...)
				dst = append(dst, c.routeSet()...)
			} else {
				suppressCRLF = atLineStart(dst, start)
			}
		case scenario.OpLastHeader:
			n := len(dst)
			if len(c.lastRecv) > 0 {
				if !op.ValueOnly {
					dst = append(dst, op.Name...)
					dst = append(dst, ' ')
				}
				var found bool
				dst, found = s.last.AppendHeaderValuesOf(dst, op.Header)
				if !found {
					dst = dst[:n]
				}
			}
			if len(dst) == n {
				suppressCRLF = atLineStart(dst, start)
			}
		case scenario.OpLastMessage:
			dst = append(dst, c.lastRecv...)
		case scenario.OpField:
			dst = s.appendField(dst, c, cmdIdx, op)
			suppressCRLF = len(dst) > start && dst[len(dst)-1] == '\n' // SIPp: an empty field alone on its line removes it
		case scenario.OpAuth:
			authAt, authOp = len(dst), op
		default:
			dst = s.appendKeyword(dst, c, cmdIdx, msgIdx, op)
			if op.Kind == scenario.OpVar && len(dst) > start && dst[len(dst)-1] == '\n' {
				// SIPp: after a variable that ends a line (an empty one
				// alone on its line included), the next literal loses
				// its leading blanks.
				suppressSpace = true
			}
		}
	}
	if authAt >= 0 {
		var n int
		dst, n = s.insertAuth(dst, start, authAt, c, cmdIdx, tpl, authOp)
		if lenAt >= authAt {
			lenAt += n
		}
	}
	if lenAt >= 0 {
		dst = patchLen(dst, start, lenAt, lenOffset)
	}
	return dst
}

var crlf = []byte("\r\n")

func atLineStart(b []byte, start int) bool {
	return len(b) == start || b[len(b)-1] == '\n'
}

// lenColumns is the room [len] keeps: SIPp writes the length as "%5u",
// right-aligned in five columns ("Content-Length:   129").
const lenColumns = "     "

// patchLen writes the body length (plus offset) over the lenColumns
// reserved at position at of msg, the message starting at start, and
// widens them in the rare case the number needs more. The body starts
// after the first empty line (RFC 3261 §7.5).
func patchLen(msg []byte, start, at, offset int) []byte {
	// The empty line follows the Content-Length header, so search from
	// there rather than from the start line.
	body := 0
	if i := bytes.Index(msg[at:], []byte("\r\n\r\n")); i >= 0 {
		body = len(msg) - (at + i + 4)
	} else if i := bytes.Index(msg[start:], []byte("\r\n\r\n")); i >= 0 && start+i+4 <= at {
		body = len(msg) - (start + i + 4) - len(lenColumns) // [len] inside the body: not counting itself
	}
	var digits [24]byte
	d := strconv.AppendInt(digits[:0], int64(body+offset), 10)
	if pad := len(lenColumns) - len(d); pad > 0 {
		copy(msg[at:at+pad], lenColumns)
		copy(msg[at+pad:], d)
		return msg
	}
	n := len(msg)
	msg = append(msg, d[len(lenColumns):]...) // grow by the extra digits
	copy(msg[at+len(d):], msg[at+len(lenColumns):n])
	copy(msg[at:], d)
	return msg
}
