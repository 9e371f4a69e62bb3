package cli

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// pflag.Value implementations. Set returns a plain reason; Parse turns it
// into a *FlagError naming the flag and the value as typed.

type boolValue struct{ p *bool }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("not a boolean")
	}
	*v.p = b
	return nil
}
func (v *boolValue) String() string { return strconv.FormatBool(*v.p) }
func (v *boolValue) Type() string   { return "bool" }

// sippBoolValue reads a boolean value the way SIPp's get_bool does: true or
// false in any case, or an integer (non-zero is true).
type sippBoolValue struct{ p *bool }

func (v *sippBoolValue) Set(s string) error {
	switch strings.ToLower(s) {
	case "true":
		*v.p = true
		return nil
	case "false":
		*v.p = false
		return nil
	}
	n, err := parseInt(s)
	if err != nil {
		return errors.New("not a boolean (true, false or a number)")
	}
	*v.p = n != 0
	return nil
}
func (v *sippBoolValue) String() string { return strconv.FormatBool(*v.p) }
func (v *sippBoolValue) Type() string   { return "bool" }

type stringValue struct{ p *string }

func (v *stringValue) Set(s string) error { *v.p = s; return nil }
func (v *stringValue) String() string     { return *v.p }
func (v *stringValue) Type() string       { return "string" }

// hostValue reads -i and -mi the way SIPp does: brackets and a port, if
// any, are dropped.
type hostValue struct{ p *string }

func (v *hostValue) Set(s string) error {
	h, _, err := SplitHostPort(s)
	if err != nil {
		return err
	}
	*v.p = h
	return nil
}
func (v *hostValue) String() string { return *v.p }
func (v *hostValue) Type() string   { return "host" }

// intValue reads integers like SIPp's strtol(…, 0): decimal, 0x hex, 0
// octal, an optional sign. Ranges are Validate's job.
type intValue struct{ p *int }

func (v *intValue) Set(s string) error {
	n, err := parseInt(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(*v.p) }
func (v *intValue) Type() string   { return "int" }

// int64Value is intValue for 64-bit values (on 32-bit platforms too).
type int64Value struct{ p *int64 }

func (v *int64Value) Set(s string) error {
	n, err := parseIntBits(s, 64)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(*v.p, 10) }
func (v *int64Value) Type() string   { return "int64" }

func parseInt(s string) (int, error) {
	n, err := parseIntBits(s, strconv.IntSize)
	return int(n), err
}

// parseIntBits parses s as strtol(…, 0) does, into a bits-bit integer.
func parseIntBits(s string, bits int) (int64, error) {
	if strings.Contains(s, "_") {
		return 0, errors.New("not an integer")
	}
	n, err := strconv.ParseInt(s, 0, bits)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, errors.New("integer out of range")
		}
		return 0, errors.New("not an integer")
	}
	return n, nil
}

// isDecimal reports whether s is a number in plain decimal notation (what
// gossip accepts where SIPp calls strtod): digits with an optional fraction
// and exponent, and, when signed is true, an optional leading sign. A
// leading '.' is allowed only when signed is true, since SIPp wants time
// values to start with a digit.
func isDecimal(s string, signed bool) bool {
	if signed && s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	digits := func() int {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n
	}
	n := digits()
	if n == 0 && (!signed || s == "" || s[0] != '.') {
		return false
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
		if digits() == 0 && n == 0 {
			return false
		}
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if digits() == 0 {
			return false
		}
	}
	return s == ""
}

type floatValue struct{ p *float64 }

func (v *floatValue) Set(s string) error {
	if !isDecimal(s, true) {
		return errors.New("not a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return errors.New("number out of range")
	}
	*v.p = f
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(*v.p, 'g', -1, 64) }
func (v *floatValue) Type() string   { return "float" }

// timeValue reads SIPp time values: a non-negative number with an optional
// unit suffix (ms, s, m or h); a bare number is in the flag's default unit.
type timeValue struct {
	p    *time.Duration
	unit time.Duration
}

func (v *timeValue) Set(s string) error {
	d, err := parseSIPpTime(s, v.unit)
	if err != nil {
		return err
	}
	*v.p = d
	return nil
}
func (v *timeValue) String() string { return formatDuration(*v.p) }
func (v *timeValue) Type() string   { return "time" }

// parseSIPpTime converts a SIPp time value to a duration truncated to whole
// milliseconds, as SIPp keeps times in milliseconds.
func parseSIPpTime(s string, unit time.Duration) (time.Duration, error) {
	if strings.Contains(s, ":") {
		return 0, errors.New("mm:ss and hh:mm:ss are not supported; use a unit suffix such as 90s or 2m")
	}
	num := s
	switch {
	case strings.HasSuffix(s, "ms"):
		num, unit = s[:len(s)-2], time.Millisecond
	case strings.HasSuffix(s, "s"):
		num, unit = s[:len(s)-1], time.Second
	case strings.HasSuffix(s, "m"):
		num, unit = s[:len(s)-1], time.Minute
	case strings.HasSuffix(s, "h"):
		num, unit = s[:len(s)-1], time.Hour
	}
	if !isDecimal(num, false) {
		return 0, errors.New("not a time: want a number with an optional unit, ms, s, m or h")
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, errors.New("time out of range")
	}
	ns := f * float64(unit)
	if ns >= math.MaxInt64 {
		return 0, errors.New("time out of range")
	}
	return time.Duration(ns).Truncate(time.Millisecond), nil
}

// formatDuration writes d as Usage and error messages show it: whole
// seconds as "60s", anything else in milliseconds.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	default:
		return d.String()
	}
}

type transportValue struct{ p *Transport }

func (v *transportValue) Set(s string) error { *v.p = Transport(s); return nil }
func (v *transportValue) String() string     { return string(*v.p) }
func (v *transportValue) Type() string       { return "mode" }

// Two-value flags (-key, -set) reach pflag as one string: the decimal
// length of NAME, ':', NAME, then VALUE. Any byte may appear in either.

func encodePair(name, value string) string {
	return strconv.Itoa(len(name)) + ":" + name + value
}

func decodePair(s string) (name, value string, err error) {
	n, rest, ok := strings.Cut(s, ":")
	l, err := strconv.Atoi(n)
	if !ok || err != nil || l < 0 || l > len(rest) {
		return "", "", errors.New("malformed NAME VALUE pair")
	}
	return rest[:l], rest[l:], nil
}

type keyValue struct{ m *map[string]string }

func (v *keyValue) Set(s string) error {
	name, value, err := decodePair(s)
	if err != nil {
		return err
	}
	if *v.m == nil {
		*v.m = map[string]string{}
	}
	(*v.m)[name] = value
	return nil
}
func (v *keyValue) String() string { return "" }
func (v *keyValue) Type() string   { return "pair" }

type setValue struct{ s *[]KV }

func (v *setValue) Set(s string) error {
	name, value, err := decodePair(s)
	if err != nil {
		return err
	}
	*v.s = append(*v.s, KV{Name: name, Value: value})
	return nil
}
func (v *setValue) String() string { return "" }
func (v *setValue) Type() string   { return "pair" }

// listValue collects a repeatable flag's values in order (-inf).
type listValue struct{ s *[]string }

func (v *listValue) Set(s string) error { *v.s = append(*v.s, s); return nil }
func (v *listValue) String() string     { return "" }
func (v *listValue) Type() string       { return "string" }
