package engine

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"time"
	"unsafe"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

// The scenario language beyond send and recv: actions (this file),
// variables (vars.go). SIPp's call.cpp executeAction is the reference.

// shardLang is a shard's scratch state for actions: buffers reused from
// message to message and the random source of <sample>.
type shardLang struct {
	a, b varValue // operands read from variables
	buf  []byte   // rendered action templates
	line []byte   // rendered line= of [fieldN], key= of lookup
	val  []byte   // rendered value= of replace
	// digest.go: credentials, digest-uri, cnonce, the header line
	user, pass, uri, cnonce, hdr []byte
	rng                          *rand.Rand
}

// languageSupports lists the features this engine executes. Features
// turn on here only once they work and are tested.
func languageSupports(f scenario.Feature) bool {
	if k, ok := f.Action(); ok {
		switch k {
		case scenario.ActionEreg, scenario.ActionLog, scenario.ActionWarning,
			scenario.ActionAssign, scenario.ActionAssignStr, scenario.ActionToDouble,
			scenario.ActionAdd, scenario.ActionSubtract, scenario.ActionMultiply, scenario.ActionDivide,
			scenario.ActionTest, scenario.ActionStrcmp, scenario.ActionGetTimeOfDay,
			scenario.ActionTrim, scenario.ActionURLEncode, scenario.ActionURLDecode,
			scenario.ActionSample, scenario.ActionIndex, scenario.ActionJump, scenario.ActionLookup,
			scenario.ActionVerifyAuth, scenario.ActionError, scenario.ActionExec, scenario.ActionIntCmd,
			scenario.ActionSetDest, scenario.ActionCloseCon, scenario.ActionPauseRestore,
			scenario.ActionInsert, scenario.ActionReplace, scenario.ActionPlayPcap:
			return true
		}
		return false
	}
	if k, ok := f.Op(); ok {
		switch k {
		case scenario.OpRTPStreamAudioPort, scenario.OpRTPStreamVideoPort, scenario.OpCrypto:
			return false // media (RTP streams, SRTP)
		}
		return true
	}
	switch f {
	case scenario.FeatureGlobalVars, scenario.FeatureUserVars, scenario.FeatureTest, scenario.FeatureChance,
		scenario.FeatureCondExec, scenario.FeaturePauseDistribution, scenario.FeaturePauseVariable,
		scenario.FeatureAuth, scenario.FeatureOptionalGlobal, scenario.FeatureNoAdvanceState,
		scenario.FeatureLost, scenario.FeatureUnexpectedJump, scenario.FeatureRegexpMatch,
		scenario.FeatureDefaultMessage, scenario.FeatureInit, scenario.FeatureTransactions:
		return true
	}
	return false
}

// initLanguage prepares what actions and variables need: global
// variables (-set), and the last message kept for action templates that
// render [last_*].
func (e *Engine) initLanguage() error {
	if err := e.initGlobals(); err != nil {
		return err
	}
	if err := e.initFields(); err != nil {
		return err
	}
	for i := range e.scn.Commands {
		cmd := &e.scn.Commands[i]
		for j := range cmd.Actions {
			a := &cmd.Actions[j]
			if usesLast(a.Message) || anyUsesLast(a.Args) {
				e.needsLast[i] = true
				e.keepLast[i] = true
			}
		}
	}
	return nil
}

func usesLast(t *scenario.Template) bool {
	if t == nil {
		return false
	}
	for _, op := range t.Ops {
		if op.Kind == scenario.OpLastHeader || op.Kind == scenario.OpLastMessage {
			return true
		}
	}
	return false
}

func anyUsesLast(ts []*scenario.Template) bool {
	for _, t := range ts {
		if usesLast(t) {
			return true
		}
	}
	return false
}

// fail records SIPp's last_action_result: the call goes on and, unless a
// later failure replaces it, ends failed in that class.
func (c *call) fail(class stats.FailureClass) { c.actFail = uint8(class) + 1 }

// runActions runs command idx's actions for call c; msg is the message
// the command sent or received (nil for a nop or a pause).
func (s *shard) runActions(c *call, idx int32, msg []byte) {
	acts := s.e.scn.Commands[idx].Actions
	for i := range acts {
		s.runAction(c, idx, &acts[i], msg)
		if s.e.halted.Load() {
			return // stop_now or a fatal error: SIPp runs nothing more
		}
	}
}

func (s *shard) runAction(c *call, idx int32, a *scenario.Action, msg []byte) {
	l := &s.lang
	switch a.Kind {
	case scenario.ActionEreg:
		s.ereg(c, a, msg)
	case scenario.ActionPlayPcap:
		s.playPcap(c, a)
	case scenario.ActionLog:
		l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Message)
		if al := s.e.cfg.ActionLog; al != nil {
			al.LogAction(l.buf)
		}
	case scenario.ActionWarning:
		l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Message)
		s.event("%s", l.buf)
	case scenario.ActionAssign:
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, s.operand(c, a))
	case scenario.ActionAssignStr:
		l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Message)
		s.setVar(c, a.AssignTo, scenario.VarString, l.buf, 0)
	case scenario.ActionIndex:
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, float64(s.e.scn.Commands[idx].MsgIndex))
	case scenario.ActionAdd, scenario.ActionSubtract, scenario.ActionMultiply, scenario.ActionDivide:
		x := s.operand(c, a)
		s.readVar(c, a.AssignTo, &l.b)
		v := l.b.double()
		switch a.Kind {
		case scenario.ActionAdd:
			v += x
		case scenario.ActionSubtract:
			v -= x
		case scenario.ActionMultiply:
			v *= x
		default:
			if x == 0 {
				s.event("Action failure: Can not divide by zero ($%s/$%s)",
					s.e.scn.Vars.Name(a.AssignTo), s.e.scn.Vars.Name(a.Var))
				return
			}
			v /= x
		}
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, v)
	case scenario.ActionToDouble:
		s.readVar(c, a.Var, &l.a)
		var v float64
		switch l.a.kind {
		case scenario.VarString, scenario.VarMatch:
			f, ok := cStrtod(l.a.str)
			if !ok {
				s.event("Invalid double conversion from $%s to $%s", s.e.scn.Vars.Name(a.Var), s.e.scn.Vars.Name(a.AssignTo))
				return
			}
			v = f
		case scenario.VarDouble, scenario.VarBool:
			v = l.a.num
		default:
			s.event("Invalid double conversion from $%s to $%s", s.e.scn.Vars.Name(a.Var), s.e.scn.Vars.Name(a.AssignTo))
			return
		}
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, v)
	case scenario.ActionTest:
		s.readVar(c, a.Var, &l.a)
		lhs, rhs := l.a.double(), a.Value
		if a.Var2 != scenario.NoVar {
			s.readVar(c, a.Var2, &l.b)
			rhs = l.b.double()
		}
		ok := compare(a.Compare, lhs, rhs)
		b := 0.0
		if ok {
			b = 1
		}
		s.setVar(c, a.AssignTo, scenario.VarBool, nil, b)
		if a.CheckIt && !ok {
			c.fail(stats.FailTestDoesntMatch)
		} else if a.CheckItInverse && ok {
			c.fail(stats.FailTestShouldntMatch)
		}
	case scenario.ActionStrcmp:
		s.readVar(c, a.Var, &l.a)
		var r int
		if a.Var2 != scenario.NoVar {
			s.readVar(c, a.Var2, &l.b)
			r = bytes.Compare(l.a.text(), l.b.text())
		} else {
			r = bytes.Compare(l.a.text(), []byte(a.String)) // no allocation: the conversion does not escape
		}
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, float64(r))
		if a.CheckIt && r != 0 {
			c.fail(stats.FailStrcmpDoesntMatch)
		} else if a.CheckItInverse && r == 0 {
			c.fail(stats.FailStrcmpShouldntMatch)
		}
	case scenario.ActionGetTimeOfDay:
		now := time.Now()
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, float64(now.Unix()))
		if len(a.SubVars) > 0 {
			s.setVar(c, a.SubVars[0], scenario.VarDouble, nil, float64(now.Nanosecond()/1000))
		}
	case scenario.ActionTrim:
		s.readVar(c, a.AssignTo, &l.a)
		if l.a.kind == scenario.VarString || l.a.kind == scenario.VarMatch {
			s.setVar(c, a.AssignTo, scenario.VarString, bytes.Trim(l.a.str, " \t\r\n"), 0)
		}
	case scenario.ActionURLEncode, scenario.ActionURLDecode:
		s.readVar(c, a.AssignTo, &l.a)
		if l.a.kind != scenario.VarString && l.a.kind != scenario.VarMatch {
			return
		}
		if a.Kind == scenario.ActionURLEncode {
			l.buf = urlEncode(l.buf[:0], l.a.str)
		} else {
			l.buf = urlDecode(l.buf[:0], l.a.str)
		}
		s.setVar(c, a.AssignTo, scenario.VarString, l.buf, 0)
	case scenario.ActionSample:
		s.setVar(c, a.AssignTo, scenario.VarDouble, nil, a.Dist.Sample(s.random()))
	case scenario.ActionJump:
		s.jumpTo(c, s.operand(c, a))
	case scenario.ActionLookup:
		s.lookup(c, idx, a)
	case scenario.ActionVerifyAuth:
		s.verifyAuth(c, idx, a, msg)
	case scenario.ActionError:
		l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Message)
		s.e.fatal(fmt.Errorf("%w: %s:%d: %s", ErrScenarioError, s.e.scn.Source, a.Line, l.buf))
	case scenario.ActionExec:
		l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Message)
		s.e.execCommand(string(l.buf))
	case scenario.ActionIntCmd:
		switch a.IntCmd {
		case scenario.IntCmdStopGracefully:
			s.e.Stop() // like the q key
		case scenario.IntCmdStopNow:
			s.e.stopNow.Store(true)
			s.e.halted.Store(true)
			s.e.Abort()
		default:
			// SIPp ends the call only when a recv's action asks.
			if s.e.scn.Commands[idx].Kind == scenario.KindRecv {
				c.stop = stopCall
			}
		}
	case scenario.ActionSetDest:
		s.setDest(c, idx, a)
	case scenario.ActionInsert, scenario.ActionReplace:
		s.insertOrReplace(c, idx, a)
	case scenario.ActionCloseCon:
		// UDP has no connection to close.
	case scenario.ActionPauseRestore:
		// SIPp: the call pauses until the engine time (ms) the operand
		// gives, usually the _unexp.pausedaddr a jump to _unexp.main saved.
		c.pauseUntil = int64(s.operand(c, a)) * int64(time.Millisecond)
	}
}

// Why an action ends a call (call.stop).
const (
	stopNone uint8 = iota
	stopCall       // <exec int_cmd="stop_call">: the call ends, failed as rejected, once its recv's actions are done
)

// stopCall ends a call an action stopped.
func (s *shard) stopCall(slot int32, c *call, now int64) {
	c.stop = stopNone
	s.endCall(slot, c, outcomeFailed, stats.FailCallRejected, now)
}

// setDest runs <setdest host= port= protocol=>: the call's messages go to
// that address from now on (UDP only).
func (s *shard) setDest(c *call, idx int32, a *scenario.Action) {
	l := &s.lang
	if len(a.Args) < 3 {
		return
	}
	l.line = s.renderTemplate(l.line[:0], c, int(idx), a.Args[2])
	if proto := string(l.line); proto != "udp" && proto != "UDP" {
		s.e.fatal(fmt.Errorf("%w: %s:%d: setdest protocol %q: only UDP is supported", ErrScenarioError, s.e.scn.Source, a.Line, proto))
		return
	}
	l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Args[1])
	port, ok := cStrtod(l.buf)
	if !ok || port < 0 || port > 65535 {
		s.e.fatal(fmt.Errorf("%w: %s:%d: invalid port for setdest: %s", ErrScenarioError, s.e.scn.Source, a.Line, l.buf))
		return
	}
	l.buf = s.renderTemplate(l.buf[:0], c, int(idx), a.Args[0])
	host := string(bytes.Trim(l.buf, "[]"))
	addr, err := netip.ParseAddr(host)
	if err != nil {
		ips, rerr := net.LookupIP(host)
		if rerr != nil || len(ips) == 0 {
			s.e.fatal(fmt.Errorf("%w: %s:%d: setdest host %q: %v", ErrScenarioError, s.e.scn.Source, a.Line, host, rerr))
			return
		}
		addr, _ = netip.AddrFromSlice(ips[0])
	}
	c.peer = s.peers.intern(netip.AddrPortFrom(addr.Unmap(), uint16(port)))
}

// operand is an action's right-hand side: variable= (its double) or value=.
func (s *shard) operand(c *call, a *scenario.Action) float64 {
	if a.Var == scenario.NoVar {
		return a.Value
	}
	s.readVar(c, a.Var, &s.lang.a)
	return s.lang.a.double()
}

func compare(op scenario.Compare, l, r float64) bool {
	switch op {
	case scenario.CompareEqual:
		return l == r
	case scenario.CompareNotEqual:
		return l != r
	case scenario.CompareGreater:
		return l > r
	case scenario.CompareLess:
		return l < r
	case scenario.CompareGreaterOrEqual:
		return l >= r
	case scenario.CompareLessOrEqual:
		return l <= r
	}
	return false
}

// ereg runs a regular expression action on msg (SIPp: the whole match
// into assign_to's first variable, group n into the n+1-th).
func (s *shard) ereg(c *call, a *scenario.Action, msg []byte) {
	var hay []byte
	switch a.SearchIn {
	case scenario.SearchMsg:
		hay = msg
	case scenario.SearchBody:
		if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
			hay = msg[i+4:]
		}
	case scenario.SearchVar:
		s.readVar(c, a.Var, &s.lang.a)
		hay = s.lang.a.text()
	case scenario.SearchHdr:
		hay = headerPart(msg, a.Header, a.CaseIndep, a.Occurrence, a.StartLine)
		if len(hay) == 0 && a.CheckIt {
			s.event("Failed regexp match: header %s not found in message %s", a.Header, msg)
			c.fail(stats.FailRegexpHdrNotFound)
			return
		}
	}
	if m := a.Regexp.FindSubmatchIndex(hay); m != nil {
		s.setVar(c, a.AssignTo, scenario.VarMatch, hay[m[0]:m[1]], 0)
		for i, id := range a.SubVars {
			g := 2 * (i + 1)
			if g+1 < len(m) && m[g] >= 0 {
				s.setVar(c, id, scenario.VarMatch, hay[m[g]:m[g+1]], 0)
			} else {
				s.setVar(c, id, scenario.VarMatch, nil, 0)
			}
		}
	}
	s.readVar(c, a.AssignTo, &s.lang.b)
	set := s.lang.b.isSet()
	if a.CheckIt && !set {
		s.event("Failed regexp match: looking in '%s', with regexp '%s'", hay, a.RegexpText)
		c.fail(stats.FailRegexpDoesntMatch)
	} else if a.CheckItInverse && set {
		c.fail(stats.FailRegexpShouldntMatch)
	}
}

// headerPart is SIPp's extractSubMessage: what follows the occurrence-th
// occurrence of name in msg up to the end of its line (folded lines
// included, the final CR dropped); with startLine, name must start a line.
func headerPart(msg []byte, name string, caseIndep bool, occurrence int, startLine bool) []byte {
	pos := 0
	for {
		var i int
		if caseIndep {
			i = indexFold(msg[pos:], name)
		} else {
			i = bytes.Index(msg[pos:], []byte(name))
		}
		if i < 0 {
			return nil
		}
		at := pos + i
		if startLine && at > 0 && msg[at-1] != '\n' {
			pos = at + 1
			continue
		}
		if occurrence <= 1 {
			rest := msg[at+len(name):]
			end := 0
			for {
				j := bytes.IndexByte(rest[end:], '\n')
				if j < 0 {
					end = len(rest)
					break
				}
				end += j
				if end+1 < len(rest) && (rest[end+1] == ' ' || rest[end+1] == '\t') {
					end++
					continue
				}
				break
			}
			return bytes.TrimSuffix(rest[:end], []byte("\r"))
		}
		occurrence--
		pos = at + len(name)
	}
}

func indexFold(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(s)], []byte(s)) {
			return i
		}
	}
	return -1
}

// cStrtod parses b as C's strtod with nothing after the number (leading
// blanks allowed).
func cStrtod(b []byte) (float64, bool) {
	b = bytes.TrimLeft(b, " \t\r\n\v\f")
	if len(b) == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

const hexDigits = "0123456789ABCDEF"

// urlEncode is SIPp's url_encode: every byte but letters, digits and
// "-_.~" becomes %XX.
func urlEncode(dst, src []byte) []byte {
	for _, ch := range src {
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
			ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			dst = append(dst, ch)
			continue
		}
		dst = append(dst, '%', hexDigits[ch>>4], hexDigits[ch&15])
	}
	return dst
}

// urlDecode is SIPp's url_decode: %XX becomes the byte, '+' a space.
func urlDecode(dst, src []byte) []byte {
	for i := 0; i < len(src); i++ {
		ch := src[i]
		if ch == '%' && i+2 < len(src) {
			h, ok1 := unhex(src[i+1])
			lo, ok2 := unhex(src[i+2])
			if ok1 && ok2 {
				dst = append(dst, h<<4|lo)
				i += 2
				continue
			}
		}
		if ch == '+' {
			ch = ' '
		}
		dst = append(dst, ch)
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ErrScenarioError wraps what an <error> action says, and what stops a
// run because an action cannot do what the scenario asks (SIPp's fatal
// errors, exit status 255).
var ErrScenarioError = errors.New("scenario error")

// fatal stops the run at once because of err (the first one is kept for
// Result.Fatal).
func (e *Engine) fatal(err error) {
	e.fatalOnce.Do(func() { e.fatalErr = err })
	e.halted.Store(true)
	e.Abort()
}

// execCommand runs <exec command=>: the command line goes to /bin/sh
// and the call goes on without waiting for it (SIPp forks twice so that
// the command is never waited for; here a goroutine reaps it).
func (e *Engine) execCommand(line string) {
	cmd := exec.Command("/bin/sh", "-c", line)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		e.cfg.Logger.Warn("exec failed", "command", line, "err", err)
		return
	}
	go func() { _ = cmd.Wait() }()
}
