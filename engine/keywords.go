package engine

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"github.com/gossip-sip/gossip/scenario"
)

// The keywords of SIPp's language beyond the original ones (issue 7),
// rendered with SIPp's exact formats (call.cpp createSendingMessage).

// appendKeyword renders one keyword op that renderMsg does not handle
// itself.
func (s *shard) appendKeyword(dst []byte, c *call, cmdIdx, msgIdx int, op *scenario.Op) []byte {
	switch op.Kind {
	case scenario.OpVar:
		return s.appendVarOf(dst, c, op.Var)
	case scenario.OpRemoteHost:
		return append(dst, s.e.remoteHost...)
	case scenario.OpServerIP:
		return s.local.Addr().Unmap().AppendTo(dst)
	case scenario.OpTDMMap:
		if m := s.e.cfg.TDMMap; m != nil {
			return m.appendCircuit(dst, int(c.tdm))
		}
		return dst
	case scenario.OpAutoMediaPort:
		// SIPp: media port + offset + 4 × (call number − 1) mod 10000.
		port := s.e.cfg.MediaPort + op.Offset + int((4*(c.number-1))%10000)
		if s.calls.nMedia > 0 {
			s.mediaPortRendered(c, dst, port)
		}
		return strconv.AppendUint(dst, uint64(uint32(port)), 10)
	case scenario.OpDynamicID:
		return strconv.AppendInt(dst, s.e.nextDynamicID(), 10)
	case scenario.OpMsgIndex:
		return strconv.AppendInt(dst, int64(msgIdx), 10)
	case scenario.OpNextURL:
		if t := c.target(); len(t) > 0 {
			return append(dst, t...)
		}
		if s.lastOf(c) {
			dst = append(dst, lastRequestURI(&s.last)...)
		}
		return dst
	case scenario.OpLastRequestURI:
		if s.lastOf(c) {
			dst = append(dst, lastRequestURI(&s.last)...)
		}
		return dst
	case scenario.OpLastCSeqNumber:
		n := 0
		if s.lastOf(c) {
			n = atoiPrefix(bytes.TrimLeft(s.last.Header("CSeq"), " \t"))
		}
		return strconv.AppendInt(dst, int64(int32(n+op.Offset)), 10)
	case scenario.OpClockTick:
		return strconv.AppendInt(dst, s.e.now()/int64(time.Millisecond), 10)
	case scenario.OpUsers:
		return strconv.AppendInt(dst, int64(s.e.users()), 10)
	case scenario.OpUserID:
		return strconv.AppendInt(dst, int64(s.userOf(c)), 10)
	case scenario.OpTimestamp:
		return appendTimestamp(dst, time.Now())
	case scenario.OpDate:
		return time.Now().UTC().AppendFormat(dst, "Mon, 02 Jan 2006 15:04:05 GMT")
	case scenario.OpSippVersion:
		return append(dst, s.e.cfg.Version...)
	case scenario.OpFill:
		s.readVar(c, op.Var, &s.lang.a)
		n := int(s.lang.a.double())
		for i := 0; i < n; i++ {
			dst = append(dst, op.Lit[i%len(op.Lit)])
		}
		return dst
	case scenario.OpFile:
		s.lang.line = s.renderTemplate(s.lang.line[:0], c, cmdIdx, op.Path)
		return s.appendFile(dst, s.lang.line)
	}
	return dst
}

// atoiPrefix is C's sscanf "%d": an optional sign and the digits that
// follow, 0 without any.
func atoiPrefix(b []byte) int {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
	}
	if neg {
		return -n
	}
	return n
}

// appendTimestamp renders t as SIPp's log files do (and [timestamp]):
// "YYYY-MM-DD\tHH:MM:SS.uuuuuu\tSSSSSSSSSS.uuuuuu", local time.
func appendTimestamp(dst []byte, t time.Time) []byte {
	dst = t.AppendFormat(dst, "2006-01-02\t15:04:05.000000")
	dst = append(dst, '\t')
	sec := t.Unix()
	for p := int64(1_000_000_000); p > 1 && sec < p; p /= 10 {
		dst = append(dst, '0') // "%10.10ld"
	}
	dst = strconv.AppendInt(dst, sec, 10)
	dst = append(dst, '.')
	us := t.Nanosecond() / 1000
	for d := 100000; d > 0; d /= 10 {
		dst = append(dst, byte('0'+us/d%10))
	}
	return dst
}

// appendFile renders [file name=...]: the whole content of the file,
// read once and kept for the run.
func (s *shard) appendFile(dst, name []byte) []byte {
	e := s.e
	e.filesMu.Lock()
	data, ok := e.files[string(name)]
	e.filesMu.Unlock()
	if !ok {
		b, err := os.ReadFile(string(name))
		if err != nil {
			s.event("Could not open '%s': %v", name, err)
		}
		e.filesMu.Lock()
		if e.files == nil {
			e.files = map[string][]byte{}
		}
		e.files[string(name)] = b
		e.filesMu.Unlock()
		data = b
	}
	return append(dst, data...)
}

// nextDynamicID is SIPp's [dynamic_id]: a run-wide counter from
// -dynamicStart, stepping by -dynamicStep, back to the start past
// -dynamicMax.
func (e *Engine) nextDynamicID() int64 {
	for {
		v := e.dynamicID.Load()
		n := v + int64(e.cfg.DynamicStep)
		if n > int64(e.cfg.DynamicMax) {
			n = int64(e.cfg.DynamicStart)
		}
		if e.dynamicID.CompareAndSwap(v, n) {
			return v
		}
	}
}
