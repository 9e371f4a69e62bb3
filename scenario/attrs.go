package scenario

import (
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxMillis bounds millisecond attributes: SIPp keeps them in C ints.
const maxMillis = math.MaxInt32

// attr is one attribute of an element, after SIPp's value processing.
type attr struct {
	name  string
	value string
	used  bool
}

// attrs is the attribute list of one element. Handlers take the
// attributes they know with get; whatever is left becomes a warning.
type attrs struct {
	elem string // element name, for messages
	line int
	list []attr
	p    *parser
}

func newAttrs(p *parser, elem string, line int, xa []xml.Attr) *attrs {
	a := &attrs{elem: elem, line: line, p: p}
	for _, x := range xa {
		name := x.Name.Local
		if x.Name.Space != "" {
			name = x.Name.Space + ":" + name
		}
		if a.index(name) >= 0 {
			p.warn(line, fmt.Sprintf("duplicate attribute %q on <%s>; the first one counts", name, elem))
			continue
		}
		a.list = append(a.list, attr{name: name, value: attrValue(x.Value)})
	}
	return a
}

func (a *attrs) index(name string) int {
	for i := range a.list {
		if a.list[i].name == name {
			return i
		}
	}
	return -1
}

// get returns the attribute's value and marks it as known.
func (a *attrs) get(name string) (string, bool) {
	i := a.index(name)
	if i < 0 {
		return "", false
	}
	a.list[i].used = true
	return a.list[i].value, true
}

// has reports whether the attribute is present and marks it as known.
func (a *attrs) has(name string) bool {
	_, ok := a.get(name)
	return ok
}

// warnUnused turns the attributes no handler took into warnings: SIPp
// ignores attributes it does not know.
func (a *attrs) warnUnused() {
	for _, x := range a.list {
		if !x.used {
			a.p.warn(a.line, fmt.Sprintf("unknown attribute %q on <%s>", x.name, a.elem))
		}
	}
}

// errorf returns an *Error at the element's line.
func (a *attrs) errorf(sentinel error, format string, args ...any) error {
	return a.p.errorAt(a.line, sentinel, fmt.Sprintf(format, args...))
}

// bad reports an attribute value that does not parse.
func (a *attrs) bad(name, value, why string) error {
	return a.errorf(ErrBadAttribute, "attribute %s=%q on <%s>: %s", name, value, a.elem, why)
}

// required returns a mandatory attribute.
func (a *attrs) required(name string) (string, error) {
	v, ok := a.get(name)
	if !ok {
		return "", a.errorf(ErrBadAttribute, "<%s> has no %s attribute", a.elem, name)
	}
	return v, nil
}

// long reads an integer attribute as SIPp does (C strtol, base 0:
// "0x1f" is hex and "017" octal), with def when absent. Negative values
// are refused.
func (a *attrs) long(name string, def int64) (int64, error) {
	v, ok := a.get(name)
	if !ok {
		return def, nil
	}
	n, err := cLong(v)
	if err != nil {
		return 0, a.bad(name, v, err.Error())
	}
	if n < 0 {
		return 0, a.bad(name, v, "must not be negative")
	}
	return n, nil
}

// millis reads an integer millisecond attribute as a duration.
func (a *attrs) millis(name string) (time.Duration, error) {
	n, err := a.long(name, 0)
	if err != nil {
		return 0, err
	}
	if n > maxMillis {
		v, _ := a.get(name)
		return 0, a.bad(name, v, "out of range")
	}
	return time.Duration(n) * time.Millisecond, nil
}

// float reads a floating point attribute (C strtod).
func (a *attrs) float(name string) (float64, bool, error) {
	v, ok := a.get(name)
	if !ok {
		return 0, false, nil
	}
	f, err := cDouble(v)
	if err != nil {
		return 0, true, a.bad(name, v, err.Error())
	}
	return f, true, nil
}

// floatUpTo reads a floating point attribute that must lie between 0 and
// limit; why says what the range means, for the error when it does not.
func (a *attrs) floatUpTo(name string, limit float64, why string) (float64, bool, error) {
	f, ok, err := a.float(name)
	if err != nil || !ok {
		return f, ok, err
	}
	if f < 0 || f > limit {
		v, _ := a.get(name)
		return 0, true, a.bad(name, v, why)
	}
	return f, true, nil
}

// boolean reads a boolean attribute as SIPp does: true/false in any case,
// or an integer (non-zero is true), def when absent.
func (a *attrs) boolean(name string, def bool) (bool, error) {
	v, ok := a.get(name)
	if !ok {
		return def, nil
	}
	b, err := cBool(v)
	if err != nil {
		return false, a.bad(name, v, err.Error())
	}
	return b, nil
}

// attrValue applies what SIPp's XML layer does to an attribute value
// after entity decoding: tabs and line ends become spaces, then the
// backslash escapes \\ \" \n \t \r are decoded.
func attrValue(v string) string {
	if strings.ContainsAny(v, "\t\r\n") {
		v = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, v)
	}
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case '\\':
			b.WriteByte('\\')
		case '"':
			b.WriteByte('"')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte('\\')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

var errNotInteger = errors.New("not a valid integer")

// cLong parses like C strtol(s, &end, 0) and requires *end == 0: leading
// white space, a sign, 0x for hex, a leading 0 for octal. As in C, the
// empty string is 0. Overflow is an error.
func cLong(s string) (int64, error) {
	t := strings.TrimLeft(s, " \t\n\r\v\f")
	if t == "" {
		if s == "" {
			return 0, nil
		}
		return 0, errNotInteger
	}
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	switch {
	case len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && isHex(t[2]):
		base, t = 16, t[2:]
	case len(t) > 1 && t[0] == '0':
		base, t = 8, t[1:]
	}
	if t == "" || t[0] == '+' || t[0] == '-' || strings.Contains(t, "_") {
		return 0, errNotInteger
	}
	n, err := strconv.ParseUint(t, base, 63)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("out of range")
		}
		return 0, errNotInteger
	}
	if neg {
		return -int64(n), nil
	}
	return int64(n), nil
}

// cDouble parses like C strtod with nothing after the number. NaN and
// infinities are refused.
func cDouble(s string) (float64, error) {
	t := strings.TrimLeft(s, " \t\n\r\v\f")
	if t == "" {
		if s == "" {
			return 0, nil
		}
		return 0, errors.New("not a number")
	}
	if strings.Contains(t, "_") {
		return 0, errors.New("not a number")
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number")
	}
	return f, nil
}

// cBool is SIPp's get_bool.
func cBool(s string) (bool, error) {
	if strings.EqualFold(s, "true") {
		return true, nil
	}
	if strings.EqualFold(s, "false") {
		return false, nil
	}
	n, err := cLong(s)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return false, errors.New("not a valid boolean")
	}
	return err != nil || n != 0, nil
}

// ignore takes an attribute SIPp knows but does not use in this context,
// with a warning that says why (rather than calling it unknown).
func (a *attrs) ignore(name, why string) {
	i := a.index(name)
	if i < 0 || a.list[i].used {
		return
	}
	a.list[i].used = true
	a.p.warn(a.line, fmt.Sprintf("attribute %q on <%s> is ignored: %s", name, a.elem, why))
}
