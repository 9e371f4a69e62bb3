// Package sipfast is gossip's SIP message scanner: every message gossip
// sends or receives passes through it, so it indexes a message in place,
// without allocating, at some 15 ns per header field (bench/RESULTS-sipfast.md).
//
// # Parsing
//
// A Message is a caller-owned index that is reused from message to message.
// Parse(buf) reads the start line (RFC 3261 §7.1, §7.2), then every header
// field (RFC 3261 §7.3) into a fixed array of name and value offsets, then
// locates the body by Content-Length (§20.14). The message stays in buf; the
// accessors return sub-slices of it:
//
//	var m sipfast.Message
//	if err := m.Parse(datagram); err != nil { ... }
//	callID := m.CallID()
//	n, method := m.CSeq()
//
// Header names are matched without regard to case, in long or compact form
// (RFC 3261 §7.3.3: i m e l c f s k t v, and the extension letters o r b j d
// x y n u a), with any whitespace before the colon. Well-known headers get a
// HeaderID while they are indexed, so CallID, CSeq, Via and the other
// accessors cost an array read plus a short scan of one value; other headers
// are found by name with Header. Repeated headers and comma-joined values
// are walked with Values (RFC 3261 §7.3.1); AppendHeaderValues joins them as
// SIPp's [last_X:] keyword does.
//
// A header value folded over several lines (RFC 3261 §7.3.1) is copied once,
// with each fold collapsed to a single SP, into a scratch buffer that the
// Message owns and reuses; every other value is zero-copy.
//
// # Robustness
//
// Parse accepts any bytes: it never panics, never reads outside its buffer
// and runs in time linear in the buffer. Malformed messages give one of the
// sentinel errors (ErrStartLine, ErrVersion, ErrStatusCode, ErrHeader,
// ErrContentLength, ErrTruncated, ErrNoCallID, ErrCSeq, ...). It is lenient
// where leniency is harmless (unknown headers, odd whitespace inside values,
// a missing final empty line at the end of a datagram) and strict where a
// mistake would misframe a message or misroute it (start line grammar,
// Content-Length, CSeq number). Validate goes further and says which error
// response (400, 416) a user agent server owes a message. The RFC 4475
// torture messages are the test suite's reference.
//
// # Matching
//
// The engine matches received messages with MatchRequest, MatchResponse
// (status code and CSeq method, as SIPp's <recv response> does), and
// DialogID / InDialog (Call-ID and tags, RFC 3261 §12).
//
// # Stream framing
//
// Over TCP and TLS, Frame and Framer find message boundaries by
// Content-Length (RFC 3261 §18.3), skip CRLF keep-alives (RFC 5626 §4.4.1)
// and reject streams that cannot be framed (absent or oversized
// Content-Length). Each framed message is then given to Parse.
//
// sipfast imports no other package of gossip.
package sipfast
