package sipfast

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// MaxHeaders is the number of header fields one Message indexes. A message
// with more header fields fails with ErrTooManyHeaders.
const MaxHeaders = 128

// MaxMessageSize is the largest buffer Parse accepts; larger buffers fail
// with ErrTooLarge. (Offsets are stored in 32 bits.)
const MaxMessageSize = 1 << 30

// span is a half-open byte range [off, end). Offsets below len(Message.buf)
// address the message buffer; offsets at or above it address Message.fold
// (shifted by len(buf)), where unfolded header values live.
type span struct{ off, end int32 }

// hdr indexes one header field.
type hdr struct {
	name  span // always in buf
	value span // trimmed; in fold when the field was folded
	id    HeaderID
}

// meta holds the per-message scalars, reset with one assignment.
type meta struct {
	req        bool
	status     int
	method     span
	uri        span
	reason     span
	body       span
	end        int   // bytes of buf that belong to the message
	clen1      int   // Content-Length + 1; 0 when absent
	clErr      error // Content-Length problem found while indexing
	cseq       uint32
	cseqMethod span
	n          int // header fields indexed
}

// Message is a reusable, caller-owned index over one SIP message that stays in
// the caller's buffer. Parse fills it; the accessors return sub-slices of that
// buffer (capacity-limited, so appending to them never writes into it).
//
// The one exception is a header field folded over several lines (RFC 3261
// §7.3.1): Parse copies its value, with each line fold collapsed to one SP,
// into a scratch buffer that the Message owns and reuses, and accessors of
// that field return slices of the scratch buffer.
//
// Returned slices are valid until the next Parse and as long as the caller
// leaves the buffer unchanged. A Message is not safe for concurrent Parse;
// concurrent reads of a parsed Message are safe. The zero value is ready to
// use; reuse one Message per goroutine, as Parse and every accessor run
// without allocating (the scratch buffer grows at most a few times). Do not
// copy a parsed Message to keep it: the copy shares the scratch buffer with
// the original, which its next Parse overwrites; keep the bytes and parse
// them again into a second Message instead.
type Message struct {
	buf   []byte
	fold  []byte
	meta  meta
	first [numHeaderIDs]uint8 // 1 + index of the first field with that ID
	last  [numHeaderIDs]uint8 // 1 + index of the last one; valid where first is not 0
	hdrs  [MaxHeaders]hdr
}

// Parse indexes buf, which holds one whole message (e.g. one UDP datagram).
// It resets m first.
//
// CRLFs before the start line are skipped (RFC 3261 §7.5). A buffer holding
// only CRLF, SP, HT or NUL fails with ErrKeepAlive. When Content-Length is
// present the body is that many bytes and anything after it is ignored (use
// Len to find it); a Content-Length larger than the bytes present fails with
// an error matching both ErrContentLength and ErrTruncated (RFC 3261 §18.3).
// Without Content-Length the body is the rest of the buffer. A buffer that
// ends right after a header line, with no empty line, is accepted as a message
// without body.
//
// On error the index holds what was scanned before the error: accessors stay
// safe and return nil or zero for what is missing. Errors found after the
// header section (ErrContentLength, ErrTruncated for the body, ErrNoCallID,
// ErrCSeq) leave every header indexed, so Call-ID, CSeq and friends can still
// be read for logging or a 400 answer.
func (m *Message) Parse(buf []byte) error {
	m.buf = buf
	m.fold = m.fold[:0]
	m.meta = meta{}
	m.first = [numHeaderIDs]uint8{}
	if len(buf) > MaxMessageSize {
		return ErrTooLarge
	}

	// RFC 3261 §7.5: ignore CRLFs preceding the start line.
	p := 0
	for p < len(buf) && (buf[p] == '\r' || buf[p] == '\n') {
		p++
	}
	if p == len(buf) || isKeepAliveByte(buf[p]) && onlyKeepAlive(buf[p:]) {
		return ErrKeepAlive
	}
	i := bytes.IndexByte(buf[p:], '\n')
	if i < 0 {
		return ErrTruncated
	}
	le := p + i
	if le > p && buf[le-1] == '\r' {
		le--
	}
	if err := m.startLine(buf[p:le], p); err != nil {
		return err
	}
	p += i + 1

	p, err := m.headers(buf, p)
	if err != nil {
		return err
	}
	return m.finish(p)
}

// CopyTo makes dst an index of buf, which must hold the same bytes as the
// buffer m indexes (a copy of it), without parsing again.
func (m *Message) CopyTo(dst *Message, buf []byte) bool {
	if len(buf) != len(m.buf) {
		return false
	}
	dst.buf = buf
	dst.fold = append(dst.fold[:0], m.fold...)
	dst.meta = m.meta
	dst.first = m.first
	dst.last = m.last
	copy(dst.hdrs[:m.meta.n], m.hdrs[:m.meta.n])
	return true
}

// headers indexes the header section starting at p and returns the offset of
// the body.
func (m *Message) headers(buf []byte, p int) (int, error) {
	n, p, err := m.scanHeaders(buf, p)
	m.meta.n = n
	return p, err
}

// scanHeaders is the loop of headers; it returns the number of header fields
// indexed. It is the hot path of Parse: the name is found with a SWAR scan
// for ':', identified by one probe of longTab and a word compare, and the
// value with bytes.IndexByte.
func (m *Message) scanHeaders(buf []byte, p int) (n, q int, err error) {
	for {
		if p >= len(buf) {
			// No empty line: tolerated at the very end of a datagram.
			return n, p, nil
		}
		switch buf[p] {
		case '\n':
			return n, p + 1, nil
		case '\r':
			if p+1 < len(buf) && buf[p+1] == '\n' {
				return n, p + 2, nil
			}
			if p+1 == len(buf) {
				return n, p + 1, nil
			}
			return n, p, ErrHeader
		case ' ', '\t':
			// A continuation line (RFC 3261 §7.3.1) right after the start
			// line: there is no header to continue.
			return n, p, ErrHeader
		}
		if n == MaxHeaders {
			return n, p, ErrTooManyHeaders
		}

		// The line ends at the first LF. Searching for it from the start of
		// the line, not from the colon, keeps the loop-carried dependency
		// short: the colon search and the name lookup below run beside it.
		ns := p
		le := bytes.IndexByte(buf[ns:], '\n')
		if le < 0 {
			return n, len(buf), ErrTruncated
		}
		le += ns

		// field-name = token (RFC 3261 §7.3.1), HCOLON = *( SP / HTAB ) ":".
		// Find the first ':' of the line 8 bytes at a time.
		for {
			if p+8 > le {
				for p < le && buf[p] != ':' {
					p++
				}
				break
			}
			if t := hasZero(binary.LittleEndian.Uint64(buf[p:]) ^ colon64); t != 0 {
				p += bits.TrailingZeros64(t) >> 3
				break
			}
			p += 8
		}
		if p >= le {
			return n, p, ErrHeader // no colon on the line
		}
		ne := p
		for ne > ns && isWS(buf[ne-1]) {
			ne--
		}
		p++

		// Identify the name. A well-known name is verified byte for byte
		// (letters case-folded); any other name must be a token.
		var id HeaderID
		switch l := ne - ns; {
		case l == 1:
			id = compactTab[buf[ns]] // RFC 3261 §7.3.3 compact form
		case l == 0:
			return n, p, ErrHeader
		case ns+24 <= len(buf):
			// Fast path: longTab is a perfect hash over the well-known
			// names, so one probe decides unless an unknown name collides.
			s := nameKey(l, buf[ns], buf[ne-1])
			id = longTab[s]
			if id != HOther {
				// Compare the first and the last 8 bytes, each masked to
				// the name (they overlap when it is short; the start line
				// guarantees 8 bytes before any name), without branching on
				// the length; names over 16 bytes also compare the middle.
				w := &hdrWords[id]
				// (Go's ^ and | share a precedence and go left to right:
				// each comparison needs its own parentheses.)
				d := ((binary.LittleEndian.Uint64(buf[ns:])|w.fold[0])&w.mask ^ w.w[0]) |
					((binary.LittleEndian.Uint64(buf[ne-8:])|w.fold[2])&w.mask2 ^ w.w[2])
				if w.n != l || d != 0 || l > 16 && binary.LittleEndian.Uint64(buf[ns+8:])|w.fold[1] != w.w[1] {
					id = bufHeaderID(buf, ns, ne)
				}
			}
		default:
			id = bufHeaderID(buf, ns, ne)
		}
		if id == HOther && !isToken(buf[ns:ne]) {
			return n, p, ErrHeader
		}

		// The value runs to the end of the line and over every following
		// line that starts with SP or HTAB (line folding, RFC 3261 §7.3.1).
		vs := p
		folded := false
		p = le + 1
		for p < len(buf) && isWS(buf[p]) {
			folded = true
			j := bytes.IndexByte(buf[p:], '\n')
			if j < 0 {
				return n, len(buf), ErrTruncated
			}
			p += j + 1
		}
		ve := p - 1
		var v span
		if folded {
			v = m.unfold(buf[vs:ve])
		} else {
			if ve > vs && buf[ve-1] == '\r' {
				ve--
			}
			for vs < ve && isWS(buf[vs]) {
				vs++
			}
			for ve > vs && (isWS(buf[ve-1]) || buf[ve-1] == '\r') {
				ve--
			}
			v = span{int32(vs), int32(ve)}
		}
		m.hdrs[n] = hdr{name: span{int32(ns), int32(ne)}, value: v, id: id}
		n++
		if m.first[id] == 0 {
			m.first[id] = uint8(n)
		}
		m.last[id] = uint8(n)
		if id == HContentLength {
			m.contentLength(m.get(v))
		}
	}
}

// contentLength records one Content-Length value (RFC 3261 §20.14:
// 1*DIGIT). Repeated values must agree (RFC 4475 §3.3.9 mcl01).
func (m *Message) contentLength(v []byte) {
	n, ok := parseUint(v, MaxMessageSize)
	switch {
	case !ok:
		m.meta.clErr = ErrContentLength
	case m.meta.clen1 > 0 && m.meta.clen1 != n+1:
		m.meta.clErr = ErrContentLength
	default:
		m.meta.clen1 = n + 1
	}
}

// finish locates the body and checks Call-ID and CSeq.
func (m *Message) finish(bs int) error {
	mt := &m.meta
	avail := len(m.buf) - bs
	clen := mt.clen1 - 1
	switch {
	case mt.clErr != nil:
		mt.clen1 = 0
		mt.body = span{int32(bs), int32(bs)}
		mt.end = bs
	case clen > avail:
		mt.body = span{int32(bs), int32(bs)}
		mt.end = bs
		mt.clErr = errBodyShort
	case clen >= 0:
		mt.body = span{int32(bs), int32(bs + clen)}
		mt.end = bs + clen
	default:
		mt.body = span{int32(bs), int32(len(m.buf))}
		mt.end = len(m.buf)
	}
	cseqErr := m.parseCSeq()
	switch {
	case mt.clErr != nil:
		return mt.clErr
	case len(m.CallID()) == 0:
		return ErrNoCallID
	}
	return cseqErr
}

// parseCSeq parses the first CSeq (RFC 3261 §20.16:
// CSeq = "CSeq" HCOLON 1*DIGIT LWS Method).
func (m *Message) parseCSeq() error {
	k := m.first[HCSeq]
	if k == 0 {
		return ErrCSeq
	}
	vs := m.hdrs[k-1].value
	v := m.get(vs)
	i := 0
	for i < len(v) && isDigit(v[i]) {
		i++
	}
	num, ok := parseUint(v[:i], 1<<32-1)
	if !ok {
		return ErrCSeq
	}
	j := i
	for j < len(v) && isLWS(v[j]) {
		j++
	}
	if j == i || j == len(v) {
		return ErrCSeq
	}
	for x := j; x < len(v); x++ {
		if tokenTab[v[x]] == 0 {
			return ErrCSeq
		}
	}
	m.meta.cseq = uint32(num)
	m.meta.cseqMethod = span{vs.off + int32(j), vs.end}
	return nil
}

// startLine parses the Request-Line or Status-Line (RFC 3261 §7.1, §7.2);
// line excludes the CRLF and starts at offset base of the buffer.
func (m *Message) startLine(line []byte, base int) error {
	mt := &m.meta
	if len(line) >= 4 && lowerTab[line[0]] == 's' && lowerTab[line[1]] == 'i' &&
		lowerTab[line[2]] == 'p' && line[3] == '/' {
		// Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
		sp := bytes.IndexByte(line, ' ')
		if sp < 0 {
			if isSIP20(line) {
				return ErrStartLine
			}
			return ErrVersion
		}
		if !isSIP20(line[:sp]) {
			return ErrVersion
		}
		rest := line[sp+1:]
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			i = len(rest) // no SP before an empty Reason-Phrase: tolerated
		}
		// Status-Code = 3DIGIT, 100..699 (RFC 3261 §7.2, §21).
		if i != 3 || rest[0] < '1' || rest[0] > '6' || !isDigit(rest[1]) || !isDigit(rest[2]) {
			return ErrStatusCode
		}
		mt.status = int(rest[0]-'0')*100 + int(rest[1]-'0')*10 + int(rest[2]-'0')
		rs := base + sp + 1 + 3
		if i < len(rest) {
			rs++
		}
		mt.reason = span{int32(rs), int32(base + len(line))}
		return nil
	}

	// Request-Line = Method SP Request-URI SP SIP-Version CRLF; exactly one
	// SP between the parts (RFC 4475 §3.1.2.9 lwsstart, §3.1.2.10 trws).
	i := 0
	for i < len(line) && tokenTab[line[i]] != 0 {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ' ' {
		return ErrStartLine
	}
	us := i + 1
	k := bytes.IndexByte(line[us:], ' ')
	if k <= 0 {
		return ErrStartLine
	}
	ue := us + k
	ver := line[ue+1:]
	if !isSIP20(ver) {
		if len(ver) >= 4 && equalFold(ver[:4], "SIP/") && bytes.IndexByte(ver, ' ') < 0 {
			return ErrVersion
		}
		return ErrStartLine
	}
	// Request-URI = SIP-URI / SIPS-URI / absoluteURI: it starts with a
	// scheme (RFC 3986 §3.1) followed by ':' (RFC 4475 §3.1.2.7 ltgtruri).
	if !hasScheme(line[us:ue]) {
		return ErrStartLine
	}
	mt.req = true
	mt.method = span{int32(base), int32(base + i)}
	mt.uri = span{int32(base + us), int32(base + ue)}
	return nil
}

// unfold copies a folded header value into m.fold, replacing each line fold
// (and the whitespace around it) with one SP and trimming both ends, as
// RFC 3261 §7.3.1 allows ("replace any linear white space with a single SP").
func (m *Message) unfold(raw []byte) span {
	start := len(m.fold)
	i := 0
	for i < len(raw) && isLWS(raw[i]) {
		i++
	}
	for i < len(raw) {
		c := raw[i]
		if c == '\r' || c == '\n' {
			for len(m.fold) > start && isWS(m.fold[len(m.fold)-1]) {
				m.fold = m.fold[:len(m.fold)-1]
			}
			for i < len(raw) && isLWS(raw[i]) {
				i++
			}
			if i < len(raw) {
				m.fold = append(m.fold, ' ')
			}
			continue
		}
		m.fold = append(m.fold, c)
		i++
	}
	for len(m.fold) > start && isWS(m.fold[len(m.fold)-1]) {
		m.fold = m.fold[:len(m.fold)-1]
	}
	L := int32(len(m.buf))
	return span{L + int32(start), L + int32(len(m.fold))}
}

// get resolves a span.
func (m *Message) get(s span) []byte {
	L := int32(len(m.buf))
	if s.off < L {
		return m.buf[s.off:s.end:s.end]
	}
	return m.fold[s.off-L : s.end-L : s.end-L]
}

// isSIP20 reports whether v is SIP-Version "SIP/2.0" ("SIP" is
// case-insensitive, RFC 3261 §7.1).
func isSIP20(v []byte) bool {
	return len(v) == 7 && lowerTab[v[0]] == 's' && lowerTab[v[1]] == 'i' &&
		lowerTab[v[2]] == 'p' && v[3] == '/' && v[4] == '2' && v[5] == '.' && v[6] == '0'
}

// hasScheme reports whether u starts with scheme ":" where
// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
func hasScheme(u []byte) bool {
	if len(u) == 0 || lowerTab[u[0]] < 'a' || lowerTab[u[0]] > 'z' {
		return false
	}
	for i := 1; i < len(u); i++ {
		c := u[i]
		switch {
		case c == ':':
			return true
		case lowerTab[c] >= 'a' && lowerTab[c] <= 'z', isDigit(c), c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return false
}

// parseUint parses 1*DIGIT no larger than max. Leading zeros are fine.
func parseUint(v []byte, max uint64) (int, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > max {
			return 0, false
		}
	}
	return int(n), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isLWS reports whether c belongs to linear white space (SP, HTAB, CR, LF).
func isLWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isKeepAliveByte(c byte) bool {
	return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == 0
}

func onlyKeepAlive(b []byte) bool {
	for _, c := range b {
		if !isKeepAliveByte(c) {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty token (RFC 3261 §25.1).
func isToken(b []byte) bool {
	for _, c := range b {
		if tokenTab[c] == 0 {
			return false
		}
	}
	return len(b) > 0
}
