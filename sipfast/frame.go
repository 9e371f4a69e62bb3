package sipfast

import "bytes"

// DefaultMaxMessage is the stream message size limit that Frame and Framer
// use when given a limit ≤ 0.
const DefaultMaxMessage = 65535

// Frame finds the first SIP message in buf, the unread bytes of a stream
// transport (TCP, TLS), where RFC 3261 §18.3 frames messages by the
// Content-Length header. It never allocates and reads no byte beyond
// buf[:skip+limit].
//
//   - skip is the number of leading bytes to discard first: CRLF
//     keep-alives (RFC 5626 §4.4.1: CRLFCRLF ping, CRLF pong) and CRLFs
//     before a start line (RFC 3261 §7.5). skip can be > 0 with msgLen == 0.
//   - msgLen is the length of the complete message at buf[skip:], or 0 when
//     more bytes are needed.
//   - err is non-nil when the stream cannot be framed: Content-Length absent,
//     malformed, negative or given twice with different values
//     (ErrContentLength); the message would exceed limit bytes (ErrTooLarge,
//     also matching ErrContentLength when Content-Length is the cause). The
//     connection should then be closed: there is no way to find the next
//     message (RFC 3261 §18.3).
//
// limit ≤ 0 means DefaultMaxMessage. Typical use:
//
//	for {
//		n, skip, err := sipfast.Frame(buf[r:w], limit)
//		if err != nil { closeConn(); break }
//		r += skip
//		if n == 0 { break } // read more
//		deliver(buf[r : r+n]); r += n
//	}
func Frame(buf []byte, limit int) (msgLen, skip int, err error) {
	msgLen, skip, _, _, _, err = frame(buf, limit, 0, 0)
	return msgLen, skip, err
}

// frame implements Frame. It resumes the scan of the header section at the
// line that starts at offset from of the message, with clen1 (Content-Length
// + 1, 0 for none yet) found before it. It returns where and with which
// clen1 a later call may resume and, once the header section is complete but
// the body is not, the length the message will have (need).
func frame(buf []byte, limit, from, clen1 int) (msgLen, skip, resume, rclen1, need int, err error) {
	if limit <= 0 {
		limit = DefaultMaxMessage
	}
	for skip < len(buf) && (buf[skip] == '\r' || buf[skip] == '\n') {
		skip++
	}
	msg := buf[skip:]
	window := msg
	if len(window) > limit {
		window = window[:limit]
	}
	if from < 0 || from > len(window) {
		from, clen1 = 0, 0
	}
	hl, resume, clen1, err := scanStreamHeaders(window, from, clen1)
	switch {
	case err != nil:
		return 0, skip, 0, 0, 0, err
	case hl == 0 && len(msg) >= limit:
		return 0, skip, 0, 0, 0, ErrTooLarge
	case hl == 0:
		return 0, skip, resume, clen1, 0, nil
	case clen1 == 0:
		// RFC 3261 §18.3: mandatory on stream transports.
		return 0, skip, 0, 0, 0, ErrContentLength
	}
	clen := clen1 - 1
	if clen > limit-hl {
		return 0, skip, 0, 0, 0, errCLTooLarge
	}
	if len(msg)-hl < clen {
		return 0, skip, 0, 0, hl + clen, nil
	}
	return hl + clen, skip, 0, 0, 0, nil
}

// scanStreamHeaders scans the header section of msg line by line from the
// line that starts at from, looking for the empty line that ends it and for
// Content-Length (or its compact form "l", RFC 3261 §7.3.3), whose values
// must agree. It returns the length of the header section including the
// empty line (CRLF CRLF, or bare LF LF), or 0 and the line at which a later
// call with more bytes may resume, and clen1 (Content-Length + 1, or 0).
func scanStreamHeaders(msg []byte, from, clen1 int) (hl, resume, rclen1 int, err error) {
	i := from
	for {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			return 0, i, clen1, nil
		}
		le := i + j
		if le == i || le == i+1 && msg[i] == '\r' {
			if i > 0 {
				return le + 1, 0, clen1, nil // the empty line
			}
		} else if c := lowerTab[msg[i]]; i > 0 && (c == 'c' || c == 'l') {
			// A candidate: take the field with its continuation lines.
			e := le + 1
			for e < len(msg) && isWS(msg[e]) {
				k := bytes.IndexByte(msg[e:], '\n')
				if k < 0 {
					return 0, i, clen1, nil
				}
				e += k + 1
			}
			if e >= len(msg) {
				return 0, i, clen1, nil // a continuation may follow
			}
			if n, ok, isCL := contentLengthField(msg[i:e]); isCL {
				if !ok || clen1 > 0 && clen1 != n+1 {
					return 0, 0, 0, ErrContentLength
				}
				clen1 = n + 1
			}
			i = e
			continue
		}
		i = le + 1
	}
}

// contentLengthField parses one header field (name, colon, value, with any
// continuation lines). isCL reports whether it is Content-Length; then ok
// reports whether the value is a valid length n.
func contentLengthField(f []byte) (n int, ok, isCL bool) {
	k := 0
	for k < len(f) && tokenTab[f[k]] != 0 {
		k++
	}
	name := f[:k]
	if !(len(name) == 1 && lowerTab[name[0]] == 'l' || equalFold(name, "content-length")) {
		return 0, false, false
	}
	for k < len(f) && isWS(f[k]) {
		k++
	}
	if k >= len(f) || f[k] != ':' {
		return 0, false, false
	}
	n, ok = parseUint(trimLWS(f[k+1:]), MaxMessageSize)
	return n, ok, true
}

// Framer is Frame with memory: it resumes the search for the end of a header
// section where the previous call stopped and remembers the length of a
// message whose body is still arriving, so a large message arriving in many
// small reads is scanned once; and it counts RFC 5626 keep-alive pings.
// The zero value uses DefaultMaxMessage.
//
// Between calls the caller may append to the buffer and discard the bytes
// that Next told it to (skip, then msgLen), but must otherwise pass the same
// unread bytes; call Reset when switching to another stream.
type Framer struct {
	// Max is the largest message accepted (header section plus body); ≤ 0
	// means DefaultMaxMessage.
	Max int

	resume int // header-section scan resumes at this line, relative to the message
	clen1  int // Content-Length + 1 found before resume (0: none yet)
	need   int // length of the current message once its header section is known
	ping   int // bytes of "\r\n\r\n" matched so far among skipped bytes
	pings  int // complete pings not yet taken
}

// Next works as Frame.
func (f *Framer) Next(buf []byte) (msgLen, skip int, err error) {
	// Count CRLFCRLF pings among the keep-alive bytes (RFC 5626 §4.4.1).
	s := 0
	for s < len(buf) && (buf[s] == '\r' || buf[s] == '\n') {
		c := buf[s]
		switch {
		case c == "\r\n\r\n"[f.ping]:
			f.ping++
			if f.ping == 4 {
				f.pings++
				f.ping = 0
			}
		case c == '\r':
			f.ping = 1
		default:
			f.ping = 0
		}
		s++
	}
	if s < len(buf) {
		f.ping = 0 // a message starts: a lone CRLF before it was a pong
	}
	if s > 0 {
		f.resume, f.clen1, f.need = 0, 0, 0
	}
	if f.need > 0 {
		// The header section was framed by an earlier call: only the
		// body's arrival is left to wait for.
		if len(buf) < f.need {
			return 0, 0, nil
		}
		n := f.need
		f.resume, f.clen1, f.need = 0, 0, 0
		return n, 0, nil
	}
	msgLen, skip, resume, clen1, need, err := frame(buf, f.Max, f.resume, f.clen1)
	f.resume, f.clen1, f.need = resume, clen1, need
	if msgLen > 0 || err != nil {
		f.resume, f.clen1, f.need = 0, 0, 0
	}
	return msgLen, skip, err
}

// Pings returns the number of CRLFCRLF keep-alive pings seen since the last
// call. A server answers each with a single CRLF pong (RFC 5626 §4.4.1).
func (f *Framer) Pings() int {
	n := f.pings
	f.pings = 0
	return n
}

// Reset forgets the state of the current stream.
func (f *Framer) Reset() { *f = Framer{Max: f.Max} }
