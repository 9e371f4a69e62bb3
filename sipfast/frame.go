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
	msgLen, skip, _, err = frame(buf, limit, 0)
	return msgLen, skip, err
}

// frame implements Frame, resuming the search for the end of the header
// section at offset from of the message; it also returns where a later call
// may resume.
func frame(buf []byte, limit, from int) (msgLen, skip, resume int, err error) {
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
	hl, resume := headerEnd(window, from)
	if hl == 0 {
		if len(msg) >= limit {
			return 0, skip, 0, ErrTooLarge
		}
		return 0, skip, resume, nil
	}
	clen, err := streamContentLength(msg[:hl])
	if err != nil {
		return 0, skip, 0, err
	}
	if clen > limit-hl {
		return 0, skip, 0, errCLTooLarge
	}
	if len(msg)-hl < clen {
		// Resume at the first LF of the empty line: the search finds the
		// same end again without rescanning the header section.
		return 0, skip, max(hl-3, 0), nil
	}
	return hl + clen, skip, 0, nil
}

// headerEnd returns the length of the header section of msg including the
// empty line that ends it (CRLF CRLF, or bare LF LF), or 0 and the offset
// from which a later search with more bytes may resume.
func headerEnd(msg []byte, from int) (n, resume int) {
	if from < 0 || from > len(msg) {
		from = 0
	}
	i := from
	for {
		j := bytes.IndexByte(msg[i:], '\n')
		if j < 0 {
			return 0, len(msg)
		}
		i += j
		switch {
		case i+1 >= len(msg):
			return 0, i
		case msg[i+1] == '\n':
			return i + 2, 0
		case msg[i+1] == '\r':
			if i+2 >= len(msg) {
				return 0, i
			}
			if msg[i+2] == '\n' {
				return i + 3, 0
			}
		}
		i++
	}
}

// streamContentLength finds Content-Length (or its compact form "l",
// RFC 3261 §7.3.3) in a complete header section. It is mandatory on streams
// (RFC 3261 §18.3, §20.14).
func streamContentLength(h []byte) (int, error) {
	clen := -1
	// Skip the start line.
	i := bytes.IndexByte(h, '\n') + 1
	for i > 0 && i < len(h) {
		ls := i
		j := bytes.IndexByte(h[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		for i < len(h) && isWS(h[i]) { // folded continuation lines
			j = bytes.IndexByte(h[i:], '\n')
			if j < 0 {
				return 0, ErrContentLength
			}
			i += j + 1
		}
		c := lowerTab[h[ls]]
		if c != 'c' && c != 'l' {
			continue
		}
		k := ls
		for k < i && tokenTab[h[k]] != 0 {
			k++
		}
		name := h[ls:k]
		if !(len(name) == 1 && c == 'l' || equalFold(name, "content-length")) {
			continue
		}
		for k < i && isWS(h[k]) {
			k++
		}
		if k >= i || h[k] != ':' {
			continue
		}
		n, ok := parseUint(trimLWS(h[k+1:i]), MaxMessageSize)
		if !ok || clen >= 0 && clen != n {
			return 0, ErrContentLength
		}
		clen = n
	}
	if clen < 0 {
		return 0, ErrContentLength
	}
	return clen, nil
}

// Framer is Frame with memory: it resumes the search for the end of a header
// section where the previous call stopped, so a large message arriving in
// many small reads is scanned once, and it counts RFC 5626 keep-alive pings.
// The zero value uses DefaultMaxMessage.
//
// Between calls the caller may append to the buffer and discard the bytes
// that Next told it to (skip, then msgLen), but must otherwise pass the same
// unread bytes; call Reset when switching to another stream.
type Framer struct {
	// Max is the largest message accepted (header section plus body); ≤ 0
	// means DefaultMaxMessage.
	Max int

	resume int // header-section search resumes here, relative to the message
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
		f.resume = 0
	}
	msgLen, skip, resume, err := frame(buf, f.Max, f.resume)
	f.resume = resume
	if msgLen > 0 || err != nil {
		f.resume = 0
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
