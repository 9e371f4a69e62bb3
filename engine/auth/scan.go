package auth

import "fmt"

// The grammar shared by challenges and credentials (RFC 7235 §2.1, RFC 3261
// §25.1 "challenge" and "credentials"):
//
//	challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	auth-param = token BWS "=" BWS ( token / quoted-string )
//
// A header value may hold several challenges separated by commas; what
// separates a new challenge from the next parameter is that a scheme token
// is not followed by "=". The scanner is lenient where SIPp is: parameters
// separated by whitespace without a comma are accepted, as are empty list
// elements and line folding (CR and LF count as whitespace).

type itemKind uint8

const (
	itemScheme  itemKind = iota + 1 // an auth-scheme token
	itemParam                       // name=value
	itemToken68                     // token68 after a scheme (Basic, Negotiate, ...)
)

type item struct {
	kind   itemKind
	name   []byte // scheme or parameter name
	value  []byte // parameter value, inside the quotes when quoted (escapes kept)
	quoted bool
	start  int // offset of the item's first byte
	end    int // offset after the item's last byte
}

type scanner struct {
	s           []byte
	pos         int
	afterScheme bool // the previous item was a scheme: a token68 may follow
	err         error
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func isToken68char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '+', '/':
		return true
	}
	return false
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (sc *scanner) skipWS() {
	for sc.pos < len(sc.s) && isWS(sc.s[sc.pos]) {
		sc.pos++
	}
}

func (sc *scanner) token() []byte {
	start := sc.pos
	for sc.pos < len(sc.s) && isTchar(sc.s[sc.pos]) {
		sc.pos++
	}
	return sc.s[start:sc.pos]
}

func (sc *scanner) fail(format string, args ...any) bool {
	sc.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	return false
}

// token68At reports the end of a token68 starting at p, if one is there and
// is followed only by whitespace and then a comma or the end.
func (sc *scanner) token68At(p int) (int, bool) {
	s := sc.s
	q := p
	for q < len(s) && isToken68char(s[q]) {
		q++
	}
	if q == p {
		return 0, false
	}
	for q < len(s) && s[q] == '=' {
		q++
	}
	end := q
	for q < len(s) && isWS(s[q]) {
		q++
	}
	if q < len(s) && s[q] != ',' {
		return 0, false
	}
	return end, true
}

// next returns the next item; false at the end or on an error (sc.err).
func (sc *scanner) next(it *item) bool {
	if sc.err != nil {
		return false
	}
	s := sc.s
	sc.skipWS()
	// A token68 follows its scheme after whitespace, never after a comma.
	token68 := sc.afterScheme && sc.pos < len(s) && s[sc.pos] != ','
	sc.afterScheme = false
	for sc.pos < len(s) && (isWS(s[sc.pos]) || s[sc.pos] == ',') {
		sc.pos++
	}
	if sc.pos >= len(s) {
		return false
	}
	start := sc.pos
	if token68 {
		if end, ok := sc.token68At(start); ok {
			// "realm=" followed by a comma has no value: as a parameter it
			// is malformed, so the grammar makes it a token68.
			*it = item{kind: itemToken68, value: s[start:end], start: start, end: end}
			sc.pos = end
			return true
		}
	}
	name := sc.token()
	if len(name) == 0 {
		return sc.fail("unexpected %q at offset %d", s[start], start)
	}
	nameEnd := sc.pos
	sc.skipWS()
	if sc.pos >= len(s) || s[sc.pos] != '=' {
		sc.pos = nameEnd
		sc.afterScheme = true
		*it = item{kind: itemScheme, name: name, start: start, end: nameEnd}
		return true
	}
	sc.pos++ // '='
	sc.skipWS()
	if sc.pos < len(s) && s[sc.pos] == '"' {
		sc.pos++
		vstart := sc.pos
		for {
			if sc.pos >= len(s) {
				return sc.fail("unterminated quoted-string for %q", name)
			}
			c := s[sc.pos]
			if c == '\\' {
				if sc.pos+1 >= len(s) {
					return sc.fail("unterminated quoted-string for %q", name)
				}
				sc.pos += 2
				continue
			}
			if c == '"' {
				break
			}
			sc.pos++
		}
		*it = item{kind: itemParam, name: name, value: s[vstart:sc.pos], quoted: true, start: start, end: sc.pos + 1}
		sc.pos++
		return true
	}
	value := sc.token()
	if len(value) == 0 {
		if sc.pos < len(s) {
			return sc.fail("parameter %q has no value (unexpected %q at offset %d)", name, s[sc.pos], sc.pos)
		}
		return sc.fail("parameter %q has no value", name)
	}
	*it = item{kind: itemParam, name: name, value: value, start: start, end: sc.pos}
	return true
}
