package stats

import (
	"strconv"
	"time"
)

// appendPad2 appends v in decimal with at least two digits.
func appendPad2(b []byte, v int64) []byte {
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, v, 10)
}

// appendPadN appends v in decimal, zero-padded to at least n digits.
func appendPadN(b []byte, v int64, n int) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], v, 10)
	for i := len(s); i < n; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendHMS appends a millisecond count as HH:MM:SS, the format of SIPp's
// ElapsedTime columns (hours grow past two digits).
func appendHMS(b []byte, ms int64) []byte {
	sec := max(ms, 0) / 1000
	b = appendPad2(b, sec/3600)
	b = append(b, ':')
	b = appendPad2(b, sec/60%60)
	b = append(b, ':')
	return appendPad2(b, sec%60)
}

// appendHMSMicro appends a microsecond count as HH:MM:SS:uuuuuu, the format
// of SIPp's response-time and call-length columns.
func appendHMSMicro(b []byte, usec int64) []byte {
	usec = max(usec, 0)
	sec := usec / 1e6
	b = appendPad2(b, sec/3600)
	b = append(b, ':')
	b = appendPad2(b, sec/60%60)
	b = append(b, ':')
	b = appendPad2(b, sec%60)
	b = append(b, ':')
	return appendPadN(b, usec%1e6, 6)
}

// appendDurHMSMicro is appendHMSMicro for a duration, truncated to the µs.
func appendDurHMSMicro(b []byte, d time.Duration) []byte {
	return appendHMSMicro(b, int64(d/time.Microsecond))
}

// appendStatTime appends t in the time's own location (time.Now() gives
// local time, like SIPp) in SIPp's statistics format:
// "YYYY-MM-DD<TAB>HH:MM:SS.uuuuuu<TAB>SSSSSSSSSS.uuuuuu" (date, time, and Unix
// time with microseconds), or, with rfc3339, "YYYY-MM-DDTHH:MM:SS.uuuuuu"
// followed by "Z" or the zone offset "+HH:MM" (SIPp 3.7's -rfc3339).
func appendStatTime(b []byte, t time.Time, rfc3339 bool) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	usec := int64(t.Nanosecond() / 1000)
	b = appendPadN(b, int64(y), 4)
	b = append(b, '-')
	b = appendPad2(b, int64(mo))
	b = append(b, '-')
	b = appendPad2(b, int64(d))
	if rfc3339 {
		b = append(b, 'T')
	} else {
		b = append(b, '\t')
	}
	b = appendPad2(b, int64(h))
	b = append(b, ':')
	b = appendPad2(b, int64(mi))
	b = append(b, ':')
	b = appendPad2(b, int64(s))
	b = append(b, '.')
	b = appendPadN(b, usec, 6)
	if rfc3339 {
		_, off := t.Zone()
		if off == 0 {
			return append(b, 'Z')
		}
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		b = appendPad2(b, int64(off/3600))
		b = append(b, ':')
		return appendPad2(b, int64(off/60%60))
	}
	b = append(b, '\t')
	b = appendPadN(b, t.Unix(), 10)
	b = append(b, '.')
	return appendPadN(b, usec, 6)
}

// appendFloat appends v as a C++ output stream does by default (what SIPp
// 3.6 writes): like printf's %g with 6 significant digits.
func appendFloat(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}
