package inject

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// parsePrintfHeader reads PRINTF=, PRINTFOFFSET= and PRINTFMULTIPLE= from
// the header line the way SIPp does: the first "PRINTF" in the line must be
// followed by '=' (so PRINTFOFFSET before PRINTF, or without it, is an
// error), and each number must end at a comma or the end of the line.
func parsePrintfHeader(h []byte) (Printf, error) {
	p := Printf{Multiple: 1}
	i := bytes.Index(h, []byte("PRINTF"))
	if i < 0 {
		return p, nil
	}
	v, err := headerNumber(h[i+len("PRINTF"):], "PRINTF")
	if err != nil {
		return p, err
	}
	if v < 1 || v > math.MaxInt32 {
		return p, fmt.Errorf("PRINTF=%d: a printf file needs 1 to %d virtual lines", v, math.MaxInt32)
	}
	p.Lines = int(v)
	for _, kv := range []struct {
		key string
		dst *int32
	}{{"PRINTFOFFSET", &p.Offset}, {"PRINTFMULTIPLE", &p.Multiple}} {
		j := bytes.Index(h, []byte(kv.key))
		if j < 0 {
			continue
		}
		v, err := headerNumber(h[j+len(kv.key):], kv.key)
		if err != nil {
			return p, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return p, fmt.Errorf("%s=%d is out of the 32-bit range", kv.key, v)
		}
		*kv.dst = int32(v)
	}
	return p, nil
}

// headerNumber reads "=number" ended by ',' or the end.
func headerNumber(s []byte, key string) (int64, error) {
	if len(s) == 0 || s[0] != '=' {
		return 0, fmt.Errorf("%s needs '='", key)
	}
	v, n, err := strtol(s[1:])
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	if rest := s[1+n:]; len(rest) > 0 && rest[0] != ',' {
		return 0, fmt.Errorf("%s: invalid character %q after the number", key, rest[0])
	}
	return v, nil
}

var errRange = errors.New("number out of range")

// strtol reads a C integer as strtoul(s, &end, 0) does: leading white
// space, an optional sign, then 0x/0X hex, leading-0 octal or decimal. It
// returns the value and how many bytes it used (0 when there is no number,
// as strtoul leaves end at s).
func strtol(s []byte) (int64, int, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	base := uint64(10)
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && hexDigit(s[i+2]) >= 0 {
		base, i = 16, i+2
	} else if i < len(s) && s[i] == '0' {
		base = 8
	}
	start := i
	var v uint64
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d < 0 || uint64(d) >= base {
			break
		}
		if v > (math.MaxInt64-uint64(d))/base {
			return 0, 0, errRange
		}
		v = v*base + uint64(d)
	}
	if i == start {
		return 0, 0, nil
	}
	if neg {
		return -int64(v), i, nil
	}
	return int64(v), i, nil
}

func hexDigit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// ParseFieldNumber reads a field number as SIPp reads -infindex's:
// strtoul base 0 (decimal, 0x hex, leading-0 octal), the whole string.
func ParseFieldNumber(s string) (int, error) {
	v, n, err := strtol([]byte(s))
	if err != nil || n == 0 || n != len(s) || v < 0 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%w: field %q", ErrBadNumber, s)
	}
	return int(v), nil
}

// ParseLine reads a rendered line= value as SIPp does: strtod over the
// whole string (leading white space allowed, nothing after the number;
// empty is 0), truncated to an integer. A value outside the int32 range
// (or NaN) yields NoLine. Negative and too-large lines are valid: their
// fields are empty. A lookup that found nothing renders -1, which is
// NoLine. It allocates only for unusual spellings (exponents, hex).
func ParseLine(b []byte) (int, error) {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	s := b[i:]
	if len(s) == 0 {
		return 0, nil
	}
	// Fast path: [+-]digits[.digits], what [$var] and lookup render.
	j, neg := 0, false
	if s[0] == '+' || s[0] == '-' {
		neg, j = s[0] == '-', 1
	}
	var v int64
	digits := 0
	for ; j < len(s) && '0' <= s[j] && s[j] <= '9'; j++ {
		if v < 1<<40 {
			v = v*10 + int64(s[j]-'0')
		}
		digits++
	}
	frac := 0
	if j < len(s) && s[j] == '.' {
		for j++; j < len(s) && '0' <= s[j] && s[j] <= '9'; j++ {
			frac++
		}
	}
	if j == len(s) && digits+frac > 0 {
		if neg {
			v = -v
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return NoLine, nil
		}
		return int(v), nil
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil && len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		f, err = strconv.ParseFloat(string(s)+"p0", 64)
	}
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%w: line %q", ErrBadNumber, string(b))
	}
	if f != f || f <= math.MinInt32-1 || f >= math.MaxInt32+1 {
		return NoLine, nil
	}
	return int(f), nil
}

// conv is a parsed %d conversion.
type conv struct {
	left, zero bool
	width      int
	prec       int // -1: none
}

const maxWidth = 1024

// parseConv reads the conversion at s[0] == '%' the way SIPp finds its
// end: characters from "0123456789.-" up to a 'd'. It returns the
// conversion and its length.
func parseConv(s []byte) (conv, int, error) {
	c := conv{prec: -1}
	i := 1
	for i < len(s) && (s[i] == '-' || s[i] == '0') {
		if s[i] == '-' {
			c.left = true
		} else {
			c.zero = true
		}
		i++
	}
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		c.width = c.width*10 + int(s[i]-'0')
		if c.width > maxWidth {
			return c, 0, fmt.Errorf("conversion %q: width above %d", clipConv(s), maxWidth)
		}
		i++
	}
	if i < len(s) && s[i] == '.' {
		c.prec = 0
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			c.prec = c.prec*10 + int(s[i]-'0')
			if c.prec > maxWidth {
				return c, 0, fmt.Errorf("conversion %q: precision above %d", clipConv(s), maxWidth)
			}
		}
	}
	if i >= len(s) {
		return c, 0, fmt.Errorf("conversion %q runs off the end of the line (only %%[-0][width][.precision]d is allowed)", clipConv(s))
	}
	if s[i] != 'd' {
		if isConvChar(s[i]) {
			return c, 0, fmt.Errorf("conversion %q is not %%[-0][width][.precision]d", clipConv(s))
		}
		return c, 0, fmt.Errorf("conversion %q: only %%[-0][width][.precision]d is allowed", clipConv(s))
	}
	return c, i + 1, nil
}

func isConvChar(c byte) bool { return c == '-' || c == '.' || ('0' <= c && c <= '9') }

func clipConv(s []byte) string {
	n := 1
	for n < len(s) && n < 24 && isConvChar(s[n]) {
		n++
	}
	if n < len(s) && n < 24 {
		n++
	}
	return string(s[:n])
}

// checkTemplate validates every conversion of a PRINTF template line, so
// that expanding it later cannot fail. (SIPp fails when the field is first
// used; gossip reports the file and line at load.)
func checkTemplate(line []byte) error {
	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			continue
		}
		if i+1 < len(line) && line[i+1] == '%' {
			continue // SIPp writes this '%'; the next one starts a conversion
		}
		_, n, err := parseConv(line[i:])
		if err != nil {
			return err
		}
		i += n - 1
	}
	return nil
}

// expand appends a checked template with its conversions showing v.
func expand(dst, t []byte, v int32) []byte {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+1 < len(t) && t[i+1] == '%' {
			dst = append(dst, '%')
			continue
		}
		cv, n, err := parseConv(t[i:])
		if err != nil { // cannot happen after checkTemplate; write it as is
			dst = append(dst, c)
			continue
		}
		dst = cv.format(dst, v)
		i += n - 1
	}
	return dst
}

// format appends v as C's printf formats it with this %d conversion.
func (c conv) format(dst []byte, v int32) []byte {
	var buf [12]byte
	mag := int64(v)
	if mag < 0 {
		mag = -mag
	}
	digits := strconv.AppendInt(buf[:0], mag, 10)
	if c.prec == 0 && v == 0 {
		digits = digits[:0]
	}
	zeros := 0
	if c.prec > len(digits) {
		zeros = c.prec - len(digits)
	}
	sign := 0
	if v < 0 {
		sign = 1
	}
	body := sign + zeros + len(digits)
	pad := 0
	if c.width > body {
		pad = c.width - body
	}
	if c.zero && !c.left && c.prec < 0 {
		zeros += pad
		pad = 0
	}
	if !c.left {
		dst = appendN(dst, ' ', pad)
	}
	if sign == 1 {
		dst = append(dst, '-')
	}
	dst = appendN(dst, '0', zeros)
	dst = append(dst, digits...)
	if c.left {
		dst = appendN(dst, ' ', pad)
	}
	return dst
}

func appendN(dst []byte, c byte, n int) []byte {
	for ; n > 0; n-- {
		dst = append(dst, c)
	}
	return dst
}
