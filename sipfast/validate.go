package sipfast

import "bytes"

// Validate checks what RFC 3261 asks of a message beyond framing and says
// how a user agent server would answer it. It returns 0, nil for a message
// with nothing to object to, otherwise the status code owed and the reason:
//
//   - 400 ErrMissingHeader: To, From, CSeq, Call-ID or Via is absent
//     (RFC 3261 §8.1.1; RFC 4475 §3.3.1 insuf). Max-Forwards is not
//     required: RFC 2543 peers omit it and RFC 4475 §3.4.1 (inv2543) asks
//     that their requests be accepted.
//   - 400 ErrDuplicateHeader: Call-ID, CSeq, From, To, Max-Forwards,
//     Content-Length or Content-Type appears twice (RFC 3261 §7.3.1, RFC 4475
//     §3.3.8 multi01, §3.3.9 mcl01).
//   - 400 ErrCSeq: the CSeq is malformed (RFC 4475 §3.1.2.4 scalar02,
//     §3.1.2.5 scalarlg).
//   - 400 ErrCSeqMethod: the CSeq method differs from the request method
//     (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17 mismatch01, §3.1.2.18
//     mismatch02).
//   - 400 ErrHeader: Max-Forwards is not a number in 0..255 (RFC 3261 §20.22),
//     or a Via element is malformed (RFC 4475 §3.1.2.1 badinv01).
//   - 400 ErrAddress: From, To or a Contact is not a well-formed name-addr or
//     addr-spec: unbalanced quotes or brackets (RFC 4475 §3.1.2.6 quotbal),
//     a URI without scheme (§3.1.2.15 baddn), or an addr-spec outside angle
//     brackets that contains '?' (RFC 3261 §20.10, RFC 4475 §3.1.2.13
//     regbadct).
//   - 400 ErrRequestURI: the Request-URI carries headers (RFC 3261 §19.1.1,
//     RFC 4475 §3.1.2.11 escruri).
//   - 416 ErrURIScheme: the Request-URI scheme is not sip, sips or tel
//     (RFC 3261 §8.2.2.1, RFC 4475 §3.3.2 unkscm, §3.3.3 novelsc).
//
// Validate reads the index, so it is meaningful after Parse returned nil or
// an error that leaves the header section indexed (see Parse).
//
// Validate does not know which extensions, body types or authentication
// schemes the engine supports (420, 415, 401 are the engine's to decide), and
// it does not judge Max-Forwards: 0 (483 is a proxy's answer, §16.3).
func (m *Message) Validate() (status int, err error) {
	for _, id := range [...]HeaderID{HTo, HFrom, HCSeq, HCallID, HVia} {
		if m.first[id] == 0 {
			return 400, ErrMissingHeader
		}
	}
	for _, id := range [...]HeaderID{HCallID, HCSeq, HFrom, HTo, HMaxForwards, HContentLength, HContentType} {
		if m.Count(id) > 1 {
			return 400, ErrDuplicateHeader
		}
	}
	if _, meth := m.CSeq(); meth == nil {
		return 400, ErrCSeq
	}
	if m.meta.req {
		if string(m.CSeqMethod()) != string(m.Method()) {
			return 400, ErrCSeqMethod
		}
		if m.first[HMaxForwards] != 0 {
			if mf := m.MaxForwards(); mf < 0 || mf > 255 {
				return 400, ErrHeader
			}
		}
	}
	vias := m.Vias()
	for v, ok := vias.Next(); ok; v, ok = vias.Next() {
		if _, ok := ParseVia(v); !ok {
			return 400, ErrHeader
		}
	}
	for _, id := range [...]HeaderID{HFrom, HTo} {
		if !validAddr(m.HeaderByID(id)) {
			return 400, ErrAddress
		}
	}
	it := m.Contacts()
	for c, ok := it.Next(); ok; c, ok = it.Next() {
		if len(c) == 1 && c[0] == '*' {
			continue
		}
		if !validAddr(c) {
			return 400, ErrAddress
		}
	}
	if m.meta.req {
		u := m.RequestURI()
		switch {
		case hasPrefixFold(u, "sip:"), hasPrefixFold(u, "sips:"):
			// headers = "?" header *( "&" header ) follows hostport; '?'
			// may also appear in the user part, which ends at the last '@'
			// (RFC 3261 §25.1: no '@' in hostport or headers).
			if i := bytes.LastIndexByte(u, '@'); i >= 0 {
				u = u[i:]
			}
			if bytes.IndexByte(u, '?') >= 0 {
				return 400, ErrRequestURI
			}
		case hasPrefixFold(u, "tel:"):
		default:
			return 416, ErrURIScheme
		}
	}
	return 0, nil
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix p,
// ignoring case.
func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && equalFold(b[:len(p)], p)
}

// validAddr reports whether v is a well-formed name-addr or addr-spec whose
// URI has a scheme and, outside angle brackets, no '?' (RFC 3261 §20.10).
func validAddr(v []byte) bool {
	a, ok := ParseAddr(v)
	if !ok || !hasScheme(a.URI) {
		return false
	}
	if bytes.IndexByte(v, '<') < 0 && bytes.IndexByte(a.URI, '?') >= 0 {
		return false
	}
	return true
}
