package sipfast

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Zero-copy scanners for the structured header values the engine reads:
// comma lists, name-addr/addr-spec, Via and generic parameters. They accept
// any input, never panic, and return sub-slices of their argument.

// nextElement splits v at the first comma that is outside a quoted string and
// outside angle brackets (RFC 3261 §7.3.1: a header with a comma-separated
// list is equivalent to several header fields). It returns the trimmed
// element and the rest after the comma.
func nextElement(v []byte) (elem, rest []byte) {
	inAngle := false
	for i := 0; i < len(v); i++ {
		if !listTab[v[i]] {
			continue
		}
		switch v[i] {
		case '"':
			j := skipQuoted(v, i)
			if j < 0 {
				return trimLWS(v), nil
			}
			i = j - 1
		case '<':
			inAngle = true
		case '>':
			inAngle = false
		case ',':
			if !inAngle {
				return trimLWS(v[:i]), v[i+1:]
			}
		}
	}
	return trimLWS(v), nil
}

// byteSet builds a 256-entry membership table.
func byteSet(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return
}

var (
	listTab  = byteSet("\"<>,")       // bytes nextElement stops at
	paramSep = byteSet(";,\"")        // bytes Param stops at between parameters
	valueEnd = func() (t [256]bool) { // bytes that end an unquoted parameter value
		for c := 0; c <= ' '; c++ {
			t[c] = true // controls and LWS
		}
		t[';'], t[','] = true, true
		return
	}()
)

// trimLWS trims SP, HTAB, CR and LF from both ends; the result's capacity
// is its length, so appending to it never writes into the message.
func trimLWS(b []byte) []byte {
	for len(b) > 0 && isLWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isLWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b[:len(b):len(b)]
}

// skipLWS returns the index of the first non-LWS byte of b at or after i.
func skipLWS(b []byte, i int) int {
	for i < len(b) && isLWS(b[i]) {
		i++
	}
	return i
}

// skipQuoted returns the index just after the quoted string that starts at
// b[i] == '"', handling quoted-pairs, or -1 when it is not closed.
func skipQuoted(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// Param returns the value of the parameter called name (ASCII
// case-insensitive) in params, a list of ";name[=value]" items as in
// RFC 3261 §7.3.1 generic-param, with LWS allowed around ';' and '='
// (RFC 4475 §3.1.1.1 wsinv). Scanning stops at a comma outside quotes, so
// params may be the tail of one list element. ok reports whether the
// parameter is present; a parameter without value gives an empty value. A
// quoted value is returned with its quotes. Anything before the first ';'
// is skipped, so a whole Via element or addr-spec tail may be passed.
func Param(params []byte, name string) (value []byte, ok bool) {
	n := len(params)
	i := 0
	for {
		for i < n && !paramSep[params[i]] {
			i++
		}
		if i >= n {
			return nil, false
		}
		switch params[i] {
		case ',':
			return nil, false
		case '"':
			if i = skipQuoted(params, i); i < 0 {
				return nil, false
			}
			continue
		}
		i = skipLWS(params, i+1)
		ns := i
		for i < n && tokenTab[params[i]] != 0 {
			i++
		}
		if i-ns != len(name) || !equalFold(params[ns:i], name) {
			continue
		}
		i = skipLWS(params, i)
		if i >= n || params[i] != '=' {
			return params[ns:ns:ns], true
		}
		i = skipLWS(params, i+1)
		vs := i
		if i < n && params[i] == '"' {
			if i = skipQuoted(params, i); i < 0 {
				return nil, false
			}
			return params[vs:i:i], true
		}
		for i < n && !valueEnd[params[i]] {
			i++
		}
		return params[vs:i:i], true
	}
}

// Via is one Via element split into its parts (RFC 3261 §20.42:
// sent-protocol LWS sent-by *( SEMI via-params )). All fields are slices of
// the element.
type Via struct {
	Protocol  []byte // "SIP/2.0/UDP" as written (may contain LWS around '/')
	Transport []byte // "UDP", "TCP", "TLS", "SCTP", "WS", ...
	SentBy    []byte // host[:port]
	Host      []byte // hostname, IPv4 address or "[IPv6]"
	Port      int    // 0 when absent
	Params    []byte // from the first ';' to the end of the element
}

// ParseVia splits one Via element (see Message.Via or Message.Vias). ok is
// false when the sent-protocol or the sent-by is malformed.
func ParseVia(v []byte) (Via, bool) {
	var r Via
	// sent-protocol = protocol-name SLASH protocol-version SLASH transport,
	// SLASH = SWS "/" SWS (RFC 3261 §25.1).
	i := skipLWS(v, 0)
	ps := i
	var ts int
	for part := 0; part < 3; part++ {
		s := i
		for i < len(v) && tokenTab[v[i]] != 0 {
			i++
		}
		if i == s {
			return Via{}, false
		}
		if part == 2 {
			ts = s
			break
		}
		i = skipLWS(v, i)
		if i >= len(v) || v[i] != '/' {
			return Via{}, false
		}
		i = skipLWS(v, i+1)
	}
	r.Protocol = v[ps:i:i]
	r.Transport = v[ts:i:i]
	j := skipLWS(v, i)
	if j == i || j >= len(v) {
		return Via{}, false
	}
	// sent-by = host [ COLON port ]
	hs := j
	if v[j] == '[' {
		for j < len(v) && v[j] != ']' {
			j++
		}
		if j >= len(v) {
			return Via{}, false
		}
		j++
	} else {
		for j < len(v) {
			c := v[j]
			if c == ':' || c == ';' || c == ',' || isLWS(c) {
				break
			}
			j++
		}
	}
	if j == hs {
		return Via{}, false
	}
	r.Host = v[hs:j:j]
	k := skipLWS(v, j)
	if k < len(v) && v[k] == ':' {
		k = skipLWS(v, k+1)
		s := k
		for k < len(v) && isDigit(v[k]) {
			k++
		}
		port, ok := parseUint(v[s:k], 65535)
		if !ok {
			return Via{}, false
		}
		r.Port = port
		j = k
	}
	r.SentBy = v[hs:j:j]
	// Only parameters may follow sent-by.
	if k := skipLWS(v, j); k < len(v) && v[k] != ';' && v[k] != ',' {
		return Via{}, false
	}
	r.Params = viaParams(v[j:])
	return r, true
}

// viaParams returns the part of a Via element from its first ';' (the
// sent-protocol and sent-by never contain one), or nil when there is none
// before the end of the element.
func viaParams(v []byte) []byte {
	i := bytes.IndexByte(v, ';')
	if i < 0 || bytes.IndexByte(v[:i], ',') >= 0 {
		return nil
	}
	return v[i:len(v):len(v)]
}

// Addr is a name-addr or addr-spec split into its parts (RFC 3261 §20.10,
// §20.20, §20.39). All fields are slices of the parsed value.
type Addr struct {
	Display []byte // display name as written, quotes removed, escapes kept; nil when absent
	URI     []byte // the URI without angle brackets
	Params  []byte // header parameters from the first ';' after the URI to the element end
}

// ParseAddr splits a From, To, Contact, Route or Record-Route element. When
// the URI is not in angle brackets, everything from the first ';' is a header
// parameter, as RFC 3261 §20.10 requires. ok is false for an unbalanced quote
// or angle bracket, an empty URI, whitespace inside a URI outside angle
// brackets, or anything but parameters after '>'.
func ParseAddr(v []byte) (Addr, bool) {
	var a Addr
	i := skipLWS(v, 0)
	ds := i
	for i < len(v) {
		switch v[i] {
		case '"':
			j := skipQuoted(v, i)
			if j < 0 {
				return Addr{}, false
			}
			a.Display = v[i+1 : j-1 : j-1]
			i = j
			continue
		case '<':
			if a.Display == nil {
				if d := trimLWS(v[ds:i]); len(d) > 0 {
					a.Display = d[:len(d):len(d)]
				}
			}
			us := i + 1
			for i < len(v) && v[i] != '>' {
				i++
			}
			if i >= len(v) {
				return Addr{}, false
			}
			a.URI = trimLWS(v[us:i:i])
			if len(a.URI) == 0 {
				return Addr{}, false
			}
			// Only parameters may follow '>' (RFC 3261 §20.10, §25.1).
			if j := skipLWS(v, i+1); j < len(v) && v[j] != ';' && v[j] != ',' {
				return Addr{}, false
			}
			a.Params = paramsTail(v[i+1:])
			return a, true
		case ';', ',':
			if a.Display != nil {
				return Addr{}, false // quoted display name without <URI>
			}
			a.URI = trimLWS(v[ds:i:i])
			if len(a.URI) == 0 || hasLWS(a.URI) {
				return Addr{}, false
			}
			a.Params = paramsTail(v[i:])
			return a, true
		}
		i++
	}
	if a.Display != nil {
		return Addr{}, false
	}
	a.URI = trimLWS(v[ds:len(v):len(v)])
	if len(a.URI) == 0 || hasLWS(a.URI) {
		return Addr{}, false
	}
	return a, true
}

// hasLWS reports whether b contains SP, HTAB, CR or LF.
func hasLWS(b []byte) bool {
	for _, c := range b {
		if isLWS(c) {
			return true
		}
	}
	return false
}

// paramsTail returns b from its first ';' up to the first comma outside
// quotes, or nil when b has no parameters.
func paramsTail(b []byte) []byte {
	s := -1
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case ';':
			if s < 0 {
				s = i
			}
		case '"':
			j := skipQuoted(b, i)
			if j < 0 {
				return nil
			}
			i = j - 1
		case ',':
			if s < 0 {
				return nil
			}
			return b[s:i:i]
		}
	}
	if s < 0 {
		return nil
	}
	return b[s:len(b):len(b)]
}

// addrParam returns a header parameter of a name-addr/addr-spec value: the
// parameters start after the closing '>' or, without angle brackets, at the
// first ';' (RFC 3261 §20.10).
func addrParam(v []byte, k *paramKey) []byte {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			j := skipQuoted(v, i)
			if j < 0 {
				return nil
			}
			i = j - 1
		case '<':
			j := bytes.IndexByte(v[i:], '>')
			if j < 0 {
				return nil
			}
			return paramFast(v[i+j+1:], k)
		case ';':
			return paramFast(v[i:], k)
		case ',':
			return nil
		}
	}
	return nil
}

// paramKey prepares a parameter name of up to 6 bytes for paramFast:
// ";name=" as a little-endian word, the mask of its bytes and the bits that
// fold its letters to lower case.
type paramKey struct {
	name          string
	w, mask, fold uint64
	n             int // len(";name=")
}

func makeParamKey(name string) paramKey {
	var b, f [8]byte
	k := paramKey{name: name, n: len(name) + 2}
	b[0] = ';'
	for i := 0; i < len(name); i++ {
		b[i+1] = lowerTab[name[i]]
		if b[i+1] >= 'a' && b[i+1] <= 'z' {
			f[i+1] = 0x20
		}
	}
	b[len(name)+1] = '='
	k.w, k.fold = le64(b[:]), le64(f[:])
	k.mask = 1<<(8*k.n) - 1
	if k.n == 8 {
		k.mask = ^uint64(0)
	}
	return k
}

var (
	keyBranch = makeParamKey("branch")
	keyTag    = makeParamKey("tag")
)

// paramStop marks the bytes paramFast stops at between parameters.
var paramStop = byteSet(";,\" \t\r\n")

// paramFast is Param for a prepared key, with a fast path for the usual
// spelling ";name=value": one word compare per parameter. It falls back to
// Param, the reference, whenever the list is not plain: LWS (allowed around
// ';' and '='), a parameter without value, an unbalanced quote, or a
// parameter too close to the end for a word compare.
func paramFast(params []byte, k *paramKey) []byte {
	n := len(params)
	lws := false
	for i := 0; i < n; {
		for i < n && !paramStop[params[i]] {
			i++
		}
		if i >= n {
			break
		}
		switch params[i] {
		case ',':
			i = n
			continue
		case '"':
			if i = skipQuoted(params, i); i < 0 {
				lws = true // unbalanced quote: Param decides
				i = n
			}
			continue
		case ';':
		default:
			lws = true
			i++
			continue
		}
		var x uint64
		if i+8 <= n {
			x = binary.LittleEndian.Uint64(params[i:]) | k.fold
		}
		if i+8 <= n && x&(k.mask>>8) == k.w&(k.mask>>8) && x&k.mask != k.w && tokenTab[params[i+k.n-1]] == 0 {
			// ";name" not followed by '=': a parameter without value or
			// with LWS before '='; Param decides.
			lws = true
			break
		}
		if i+8 <= n && x&k.mask == k.w {
			if lws {
				// An earlier parameter had LWS in it ("; tag;tag=1"): it
				// may be this one, without a value; Param decides.
				break
			}
			j := i + k.n
			if j < n && isLWS(params[j]) {
				lws = true // LWS after '=': Param skips it
				break
			}
			if j < n && params[j] == '"' {
				if e := skipQuoted(params, j); e >= 0 {
					return params[j:e:e]
				}
				lws = true
				break
			}
			e := j + valueLen(params[j:])
			return params[j:e:e]
		}
		if i+8 > n {
			lws = true // too close to the end for the word compare
			break
		}
		i++
	}
	if !lws {
		return nil
	}
	v, _ := Param(params, k.name)
	return v
}

// addrURI returns the URI of a name-addr/addr-spec value.
func addrURI(v []byte) []byte {
	if v == nil {
		return nil
	}
	a, _ := ParseAddr(v)
	return a.URI
}

// valueLen returns the length of the unquoted parameter value at the start of
// b: the index of the first ';', ',' or control or space byte (LWS), 8
// bytes at a time.
func valueLen(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if t := valueEnds(binary.LittleEndian.Uint64(b[i:])); t != 0 {
			return i + bits.TrailingZeros64(t)>>3
		}
	}
	if i == len(b) {
		return i
	}
	if len(b) >= 8 {
		// The tail: the last 8 bytes, ignoring those already scanned.
		e := len(b) - 8
		if t := valueEnds(binary.LittleEndian.Uint64(b[e:])) &^ (1<<(8*(i-e)) - 1); t != 0 {
			return e + bits.TrailingZeros64(t)>>3
		}
		return len(b)
	}
	for ; i < len(b) && !valueEnd[b[i]]; i++ {
	}
	return i
}

// valueEnds marks the bytes of x that end a parameter value: controls,
// LWS, ';' and ',' (hasLess(x, 0x21) | hasZero(x^';') | hasZero(x^',')).
// Only the lowest mark is exact.
func valueEnds(x uint64) uint64 {
	return (x-0x21*ones64)&^x&highs64 | hasZero(x^(';'*ones64)) | hasZero(x^(','*ones64))
}
