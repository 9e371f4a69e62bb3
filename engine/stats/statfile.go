package stats

import (
	"io"
	"strconv"
	"strings"
)

// StatFile writes SIPp's -trace_stat file: one header line, then one line per
// WriteRow (SIPp writes one per -fd period and a last one at the end of the
// run). Columns, their order and the number and time formats are SIPp
// 3.6.1's; every field, the last included, is followed by the delimiter.
//
// Differences from SIPp, all in values, none in format: response times and
// call lengths are measured in microseconds, so their means and deviations
// carry microsecond digits where SIPp's (whole milliseconds) end in 000; a
// standard deviation of one value is 0 (SIPp prints a garbage value).
//
// A StatFile is not safe for concurrent use.
type StatFile struct {
	// Delimiter separates fields; ";" unless set (SIPp's -stat_delimiter).
	Delimiter string
	// PeriodicRepartition writes the repartition counts of the period rather
	// than of the whole run (SIPp's -periodic_rtd).
	PeriodicRepartition bool
	// RFC3339 writes times as SIPp 3.7's -rfc3339 does.
	RFC3339 bool

	w      io.Writer
	layout Layout
	g      geometry
	header bool
	buf    []byte
}

// NewStatFile returns a StatFile writing to w for a run with layout l.
func NewStatFile(w io.Writer, l Layout) *StatFile {
	return &StatFile{Delimiter: ";", w: w, layout: l, g: l.geometry()}
}

func (f *StatFile) delim() string {
	if f.Delimiter == "" {
		return ";"
	}
	return f.Delimiter
}

// fixedColumns are SIPp's columns before the per-RTD ones; each but the
// first five, TargetRate, TotalCallCreated and CurrentCall comes as a (P)
// and (C) pair.
var fixedColumns = func() []string {
	cols := []string{"StartTime", "LastResetTime", "CurrentTime", "ElapsedTime(P)", "ElapsedTime(C)", "TargetRate"}
	pair := func(name string) { cols = append(cols, name+"(P)", name+"(C)") }
	pair("CallRate")
	pair("IncomingCall")
	pair("OutgoingCall")
	cols = append(cols, "TotalCallCreated", "CurrentCall")
	pair("SuccessfulCall")
	pair("FailedCall")
	for c := range NumFailureClasses {
		pair(c.String())
	}
	for _, n := range []string{"OutOfCallMsgs", "DeadCallMsgs", "Retransmissions", "AutoAnswered",
		"Warnings", "FatalErrors", "WatchdogMajor", "WatchdogMinor"} {
		pair(n)
	}
	return cols
}()

// Header returns the header line, newline included.
func (f *StatFile) Header() string {
	d := f.delim()
	var sb strings.Builder
	for _, c := range fixedColumns {
		sb.WriteString(c)
		sb.WriteString(d)
	}
	for _, n := range f.layout.RTDNames {
		for _, suffix := range []string{"(P)", "(C)", "StDev(P)", "StDev(C)"} {
			sb.WriteString("ResponseTime" + n + suffix + d)
		}
	}
	sb.WriteString("CallLength(P)" + d + "CallLength(C)" + d + "CallLengthStDev(P)" + d + "CallLengthStDev(C)" + d)
	for _, n := range f.layout.Counters {
		n = counterColumn(n)
		sb.WriteString(n + "(P)" + d + n + "(C)" + d)
	}
	for _, n := range f.layout.RTDNames {
		repartitionHeader(&sb, "ResponseTimeRepartition"+n, f.g.rtdMS, d)
	}
	repartitionHeader(&sb, "CallLengthRepartition", f.g.clMS, d)
	sb.WriteByte('\n')
	return sb.String()
}

// counterColumn is the column name SIPp gives a generic counter: all-digit
// names are prefixed with "GenericCounter".
func counterColumn(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return name
		}
	}
	return "GenericCounter" + name
}

func repartitionHeader(sb *strings.Builder, name string, ms []int, d string) {
	if len(ms) == 0 {
		return
	}
	sb.WriteString(name + d)
	for _, v := range ms {
		sb.WriteString(name + "_<" + strconv.Itoa(v) + d)
	}
	sb.WriteString(name + "_>=" + strconv.Itoa(ms[len(ms)-1]) + d)
}

// WriteHeader writes the header line if it was not written yet.
func (f *StatFile) WriteHeader() error {
	if f.header {
		return nil
	}
	if _, err := io.WriteString(f.w, f.Header()); err != nil {
		return err
	}
	f.header = true
	return nil
}

// WriteRow writes one line for s, after the header if it was not written yet.
// s should come from a Period dedicated to this file, so that its periodic
// values cover one -fd period.
func (f *StatFile) WriteRow(s *Snapshot) error {
	if err := f.WriteHeader(); err != nil {
		return err
	}
	d := f.delim()
	b := f.buf[:0]
	field := func() { b = append(b, d...) }
	num := func(v uint64) { b = strconv.AppendUint(b, v, 10); field() }
	pair := func(p, c uint64) { num(p); num(c) }
	P, C := &s.Periodic, &s.Cumulative

	b = appendStatTime(b, s.Start, f.RFC3339)
	field()
	b = appendStatTime(b, s.LastReset, f.RFC3339)
	field()
	b = appendStatTime(b, s.Now, f.RFC3339)
	field()
	b = appendHMS(b, s.elapsedMS(false))
	field()
	b = appendHMS(b, s.elapsedMS(true))
	field()
	if s.Users >= 0 {
		b = strconv.AppendInt(b, int64(s.Users), 10)
	} else {
		b = appendFloat(b, s.TargetRate)
	}
	field()
	b = appendFloat(b, float64(s.callRate32(false)))
	field()
	b = appendFloat(b, float64(s.callRate32(true)))
	field()
	pair(P.IncomingCalls, C.IncomingCalls)
	pair(P.OutgoingCalls, C.OutgoingCalls)
	num(C.Created())
	num(uint64(max(s.CurrentCalls, 0)))
	pair(P.Successful, C.Successful)
	pair(P.Failed, C.Failed)
	for i := range NumFailureClasses {
		pair(P.FailedBy[i], C.FailedBy[i])
	}
	pair(P.OutOfCall, C.OutOfCall)
	pair(P.DeadCall, C.DeadCall)
	pair(P.Retransmissions, C.Retransmissions)
	pair(P.AutoAnswered, C.AutoAnswered)
	pair(P.Warnings, C.Warnings)
	pair(P.FatalErrors, C.FatalErrors)
	pair(P.WatchdogMajor, C.WatchdogMajor)
	pair(P.WatchdogMinor, C.WatchdogMinor)

	dur := func(p, c Dist) {
		b = appendDurHMSMicro(b, p.Mean)
		field()
		b = appendDurHMSMicro(b, c.Mean)
		field()
		b = appendDurHMSMicro(b, p.StdDev)
		field()
		b = appendDurHMSMicro(b, c.StdDev)
		field()
	}
	for i := range f.layout.RTDNames {
		dur(s.RTD(i, false), s.RTD(i, true))
	}
	dur(s.CallLength(false), s.CallLength(true))
	for i := range f.layout.Counters {
		pair(at(P.Counters, i), at(C.Counters, i))
	}
	rep := func(counts []uint64, n int) {
		if n == 0 {
			return
		}
		field() // the column named after the table is empty
		for j := range n + 1 {
			num(at(counts, j))
		}
	}
	for i := range f.layout.RTDNames {
		rep(s.RTDRepartition(i, !f.PeriodicRepartition), len(f.g.rtdMS))
	}
	rep(s.CallLengthRepartition(!f.PeriodicRepartition), len(f.g.clMS))
	b = append(b, '\n')
	f.buf = b
	_, err := f.w.Write(b)
	return err
}

func at(v []uint64, i int) uint64 {
	if uint(i) < uint(len(v)) {
		return v[i]
	}
	return 0
}
