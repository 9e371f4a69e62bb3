package sipfast

// Bytes returns the buffer last passed to Parse.
func (m *Message) Bytes() []byte { return m.buf }

// Len returns the offset in the buffer just past the message: any CRLFs
// before it, start line, header section and body. Bytes after it (a second
// message in the same datagram, RFC 4475 §3.1.1.8 dblreq) are not part of
// the message.
func (m *Message) Len() int { return m.meta.end }

// IsRequest reports whether the message is a request.
func (m *Message) IsRequest() bool { return m.meta.req }

// IsResponse reports whether the message is a response.
func (m *Message) IsResponse() bool { return m.meta.status != 0 }

// Method returns the request method (nil for a response). Methods are
// case-sensitive (RFC 3261 §7.1).
func (m *Message) Method() []byte {
	if !m.meta.req {
		return nil
	}
	return m.get(m.meta.method)
}

// RequestURI returns the Request-URI as written (nil for a response).
func (m *Message) RequestURI() []byte {
	if !m.meta.req {
		return nil
	}
	return m.get(m.meta.uri)
}

// StatusCode returns the status code of a response (0 for a request).
func (m *Message) StatusCode() int { return m.meta.status }

// StatusClass returns the first digit of the status code: 1 provisional,
// 2 success, 3 redirection, 4 client error, 5 server error, 6 global failure
// (RFC 3261 §7.2); 0 for a request.
func (m *Message) StatusClass() int { return m.meta.status / 100 }

// Reason returns the reason phrase of a response, possibly empty (RFC 4475
// §3.1.1.13 noreason); nil for a request.
func (m *Message) Reason() []byte {
	if m.meta.status == 0 {
		return nil
	}
	return m.get(m.meta.reason)
}

// CallID returns the Call-ID value (long or compact "i" form), or nil.
func (m *Message) CallID() []byte { return m.HeaderByID(HCallID) }

// CSeq returns the CSeq number and method (RFC 3261 §20.16); 0 and nil when
// the CSeq header is absent or malformed.
func (m *Message) CSeq() (uint32, []byte) {
	if m.meta.cseqMethod == (span{}) {
		return 0, nil
	}
	return m.meta.cseq, m.get(m.meta.cseqMethod)
}

// CSeqMethod returns the method of the CSeq header, or nil.
func (m *Message) CSeqMethod() []byte {
	_, meth := m.CSeq()
	return meth
}

// Via returns the topmost Via element: the first non-empty comma-separated
// element of the Via headers (RFC 3261 §20.42), or nil.
func (m *Message) Via() []byte {
	v := m.firstElement(HVia)
	if v == nil {
		return nil
	}
	e, _ := nextElement(v)
	return e
}

// firstElement returns the value of the first header field with ID id from
// its first non-empty comma-separated element on: empty elements do not
// count (RFC 3261 §7.3.1 defers to the #rule of RFC 2616 §2.1).
func (m *Message) firstElement(id HeaderID) []byte {
	k := int(m.first[id])
	if k == 0 {
		return nil
	}
	if v := m.get(m.hdrs[k-1].value); len(v) > 0 && v[0] != ',' && !isLWS(v[0]) {
		return v // the usual case: the first field starts with an element
	}
	for i := k - 1; i < m.meta.n; i++ {
		h := &m.hdrs[i]
		if h.id != id {
			continue
		}
		v := m.get(h.value)
		for len(v) > 0 && (v[0] == ',' || isLWS(v[0])) {
			v = v[1:]
		}
		if len(v) > 0 {
			return v
		}
	}
	return nil
}

// TopVia returns the topmost Via element parsed (see ParseVia).
func (m *Message) TopVia() (Via, bool) {
	v := m.Via()
	if v == nil {
		return Via{}, false
	}
	return ParseVia(v)
}

// ViaBranch returns the branch parameter of the topmost Via, or nil.
func (m *Message) ViaBranch() []byte {
	return paramFast(viaParams(m.firstElement(HVia)), &keyBranch)
}

// ViaSentBy returns the sent-by (host[:port]) of the topmost Via, or nil.
func (m *Message) ViaSentBy() []byte {
	v, ok := m.TopVia()
	if !ok {
		return nil
	}
	return v.SentBy
}

// ViaReceived returns the received parameter of the topmost Via (RFC 3261
// §18.2.1), or nil.
func (m *Message) ViaReceived() []byte {
	r, _ := Param(viaParams(m.firstElement(HVia)), "received")
	return r
}

// ViaRport returns the rport parameter of the topmost Via (RFC 3581 §3):
// present reports whether it is there at all, port is its value (0 when it
// has none, as in a request that asks for it).
func (m *Message) ViaRport() (port int, present bool) {
	v, ok := Param(viaParams(m.firstElement(HVia)), "rport")
	if !ok {
		return 0, false
	}
	n, _ := parseUint(v, 65535)
	return n, true
}

// From returns the From value (long or compact "f" form), or nil.
func (m *Message) From() []byte { return m.HeaderByID(HFrom) }

// To returns the To value (long or compact "t" form), or nil.
func (m *Message) To() []byte { return m.HeaderByID(HTo) }

// FromTag returns the tag parameter of From (RFC 3261 §19.3), or nil.
func (m *Message) FromTag() []byte { return addrParam(m.From(), &keyTag) }

// ToTag returns the tag parameter of To, or nil.
func (m *Message) ToTag() []byte { return addrParam(m.To(), &keyTag) }

// FromURI returns the URI of From, without angle brackets, or nil.
func (m *Message) FromURI() []byte { return addrURI(m.From()) }

// ToURI returns the URI of To, without angle brackets, or nil.
func (m *Message) ToURI() []byte { return addrURI(m.To()) }

// Contact returns the first non-empty element of the Contact headers (long
// or compact "m" form), or nil. It may be "*" in a REGISTER (RFC 3261 §10.2.2).
func (m *Message) Contact() []byte {
	v := m.firstElement(HContact)
	if v == nil {
		return nil
	}
	e, _ := nextElement(v)
	return e
}

// ContactURI returns the URI of the first Contact, without angle brackets,
// or nil.
func (m *Message) ContactURI() []byte { return addrURI(m.Contact()) }

// ContentLength returns the Content-Length value, or -1 when absent.
func (m *Message) ContentLength() int { return m.meta.clen1 - 1 }

// ContentType returns the Content-Type value (long or compact "c" form),
// including any parameters, or nil.
func (m *Message) ContentType() []byte { return m.HeaderByID(HContentType) }

// MaxForwards returns the Max-Forwards value (RFC 3261 §20.22), or -1 when it
// is absent or not a number (values above 255 are returned as they are, up
// to 2^31-1; Validate rejects them).
func (m *Message) MaxForwards() int {
	v := m.HeaderByID(HMaxForwards)
	if v == nil {
		return -1
	}
	n, ok := parseUint(v, 1<<31-1)
	if !ok {
		return -1
	}
	return n
}

// Body returns the message body (empty, never nil, after a successful Parse).
func (m *Message) Body() []byte {
	b := m.meta.body
	if b.end > int32(len(m.buf)) {
		return nil
	}
	return m.buf[b.off:b.end:b.end]
}

// Header returns the value of the first header called name, trimmed and
// without the name, or nil when there is none. The name is matched without
// regard to case and in long or compact form ("Via", "v", "VIA:" are the
// same; a trailing ':' is ignored). A header present with an empty value
// gives an empty, non-nil slice.
func (m *Message) Header(name string) []byte {
	name = trimName(name)
	if id := headerID(name); id != HOther {
		return m.HeaderByID(id)
	}
	if name == "" {
		return nil
	}
	for i := 0; i < m.meta.n; i++ {
		h := &m.hdrs[i]
		if h.id == HOther && equalFold(m.get(h.name), name) {
			return m.get(h.value)
		}
	}
	return nil
}

// HeaderByID returns the value of the first header with a well-known ID, or
// nil. It costs one array read; resolve names once with LookupHeader.
func (m *Message) HeaderByID(id HeaderID) []byte {
	if id == HOther || id >= numHeaderIDs {
		return nil
	}
	if k := m.first[id]; k != 0 { // k ≤ NumHeaders by construction
		return m.get(m.hdrs[k-1].value)
	}
	return nil
}

// AppendHeaderValues appends the values of every header called name (matched
// as by Header) in order, joined by ", ", and reports whether any was found.
// This is SIPp's [last_X:] keyword: a message with "Via: a" and "v: b" gives
// "a, b". Folded values are appended with each fold collapsed to one SP;
// empty values are skipped. It allocates only when dst lacks capacity.
func (m *Message) AppendHeaderValues(dst []byte, name string) ([]byte, bool) {
	return m.AppendHeaderValuesOf(dst, KeyOf(name))
}

// HeaderKey is a header name looked up once (KeyOf), for code that asks a
// message after message for the same header, such as a compiled
// template's [last_X:].
type HeaderKey struct {
	id   HeaderID
	name string // trimmed; compared only when id is HOther
}

// KeyOf returns the key of the header called name (surrounding blanks and
// a trailing ':' ignored, as Header does).
func KeyOf(name string) HeaderKey {
	name = trimName(name)
	return HeaderKey{id: headerID(name), name: name}
}

// AppendHeaderValuesOf is AppendHeaderValues for a header key.
func (m *Message) AppendHeaderValuesOf(dst []byte, k HeaderKey) ([]byte, bool) {
	id, name := k.id, k.name
	if id == HOther && name == "" {
		return dst, false
	}
	found, sep := false, false
	start, end := 0, m.meta.n
	if id != HOther {
		start, end = int(m.first[id])-1, int(m.last[id])
		if start < 0 {
			return dst, false
		}
	}
	for i := start; i < end; i++ {
		h := &m.hdrs[i]
		if h.id != id || id == HOther && !equalFold(m.get(h.name), name) {
			continue
		}
		found = true
		v := m.get(h.value)
		if len(v) == 0 {
			continue
		}
		if sep {
			dst = append(dst, ", "...)
		}
		dst = append(dst, v...)
		sep = true
	}
	return dst, found
}

// NumHeaders returns the number of header fields indexed.
func (m *Message) NumHeaders() int { return m.meta.n }

// HeaderAt returns the name (as written) and the value of the i-th header
// field, 0 ≤ i < NumHeaders, in message order; nil, nil when out of range.
func (m *Message) HeaderAt(i int) (name, value []byte) {
	if i < 0 || i >= m.meta.n {
		return nil, nil
	}
	h := &m.hdrs[i]
	return m.get(h.name), m.get(h.value)
}

// HeaderIDAt returns the ID of the i-th header field (HOther when out of
// range or not well known).
func (m *Message) HeaderIDAt(i int) HeaderID {
	if i < 0 || i >= m.meta.n {
		return HOther
	}
	return m.hdrs[i].id
}

// Count returns how many header fields have the given well-known ID.
func (m *Message) Count(id HeaderID) int {
	if id == HOther || id >= numHeaderIDs || m.first[id] == 0 {
		return 0
	}
	c := 0
	for i := int(m.first[id]) - 1; i < int(m.last[id]); i++ {
		if m.hdrs[i].id == id {
			c++
		}
	}
	return c
}

// Values returns an iterator over the comma-separated elements (RFC 3261
// §7.3.1) of every header called name, in order. Use it only for headers
// whose grammar is a comma list (Via, Route, Record-Route, Contact, Allow,
// Supported, ...): commas inside quotes and angle brackets are respected,
// but a Date or an Authorization value would be split wrongly.
func (m *Message) Values(name string) Values {
	name = trimName(name)
	return Values{m: m, id: headerID(name), name: name}
}

// ValuesByID is Values for a well-known header ID.
func (m *Message) ValuesByID(id HeaderID) Values {
	if id >= numHeaderIDs {
		id = HOther
	}
	return Values{m: m, id: id}
}

// Vias iterates over every Via element, topmost first.
func (m *Message) Vias() Values { return m.ValuesByID(HVia) }

// Routes iterates over the route set of a request: every Route element in
// order (RFC 3261 §20.34).
func (m *Message) Routes() Values { return m.ValuesByID(HRoute) }

// RecordRoutes iterates over every Record-Route element in order
// (RFC 3261 §20.30). A UAC builds its route set from them in reverse order
// (§12.1.2), a UAS in this order (§12.1.1).
func (m *Message) RecordRoutes() Values { return m.ValuesByID(HRecordRoute) }

// Contacts iterates over every Contact element in order.
func (m *Message) Contacts() Values { return m.ValuesByID(HContact) }

// Values iterates over the elements of comma-list headers without
// allocating:
//
//	it := m.RecordRoutes()
//	for rr, ok := it.Next(); ok; rr, ok = it.Next() { ... }
type Values struct {
	m    *Message
	id   HeaderID
	name string // for HOther
	next int    // next header field to look at
	cur  []byte // unread rest of the current field value
}

// Next returns the next non-empty element, trimmed, and true; or nil, false
// when there are no more.
func (it *Values) Next() ([]byte, bool) {
	for {
		for len(it.cur) > 0 {
			var e []byte
			e, it.cur = nextElement(it.cur)
			if len(e) > 0 {
				return e, true
			}
		}
		if !it.advance() {
			return nil, false
		}
	}
}

// advance loads the value of the next matching header field into cur.
func (it *Values) advance() bool {
	m := it.m
	if m == nil {
		return false
	}
	if it.id == HOther && it.name == "" {
		return false
	}
	if it.next == 0 && it.id != HOther {
		it.next = int(m.first[it.id]) - 1
		if it.next < 0 {
			it.m = nil
			return false
		}
	}
	for it.next < m.meta.n {
		h := &m.hdrs[it.next]
		it.next++
		if h.id == it.id && (it.id != HOther || equalFold(m.get(h.name), it.name)) {
			it.cur = m.get(h.value)
			return true
		}
	}
	it.m = nil
	return false
}
