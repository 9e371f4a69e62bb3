package sipfast

import "bytes"

// PeekCallID returns the Call-ID value of the message in buf without
// indexing the rest of it, for steering a datagram to the shard that owns
// its call before anything else is done with it. It accepts the long and
// the compact name ("i", RFC 3261 §7.3.3), any case, and whitespace around
// the colon; it returns nil when it finds no Call-ID before the empty
// line, or a folded one (the caller then parses the whole message).
func PeekCallID(buf []byte) []byte {
	p := bytes.IndexByte(buf, '\n') + 1 // skip the start line
	for p > 0 && p < len(buf) {
		eol := bytes.IndexByte(buf[p:], '\n')
		if eol < 0 {
			eol = len(buf) - p
		}
		line := buf[p : p+eol]
		if len(line) == 0 || line[0] == '\r' {
			return nil // end of headers
		}
		if c := line[0] | 0x20; c == 'c' || c == 'i' {
			if v, ok := callIDValue(line); ok {
				next := p + eol + 1
				if next < len(buf) && (buf[next] == ' ' || buf[next] == '\t') {
					return nil // folded: leave it to Parse
				}
				return v
			}
		}
		p += eol + 1
	}
	return nil
}

// callIDValue returns the trimmed value when line is a Call-ID header.
func callIDValue(line []byte) ([]byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return nil, false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if !(len(name) == 1 && name[0]|0x20 == 'i') && !bytes.EqualFold(name, []byte("Call-ID")) {
		return nil, false
	}
	v := bytes.Trim(line[colon+1:], " \t\r")
	return v, len(v) > 0
}
