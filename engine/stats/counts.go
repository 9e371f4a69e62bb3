package stats

import (
	"io"
	"strconv"
	"time"
)

// StepKind is what a scenario command does, as the per-message outputs
// (the scenario screen, -trace_counts) tell them apart.
type StepKind uint8

// Step kinds.
const (
	StepSend  StepKind = iota + 1 // sends a request or a response
	StepRecv                      // waits for a request or a response
	StepPause                     // a pause (or timewait)
	StepNop                       // does nothing visible
	StepLabel                     // a jump target: not a message for SIPp
)

// Step kinds of 3PCC commands.
const (
	StepSendCmd StepKind = StepLabel + 1 + iota // a 3PCC <sendCmd>
	StepRecvCmd                                 // a 3PCC <recvCmd>
)

// Step describes one scenario command for the per-message outputs. A
// run's steps are indexed like its commands (Layout.Commands); SIPp numbers
// its messages without the labels, and the outputs do the same.
type Step struct {
	Kind StepKind
	// Method is the request method a send sends or a recv expects; Code the
	// status code of a response. One of them is set for StepSend and
	// StepRecv.
	Method string
	Code   int
	// Retrans is set on a send with retrans=: it is retransmitted and can
	// time out, so -trace_counts has a Timeout column for it.
	Retrans bool
	// Pause describes a pause's length for the screen ("1500ms").
	Pause string
	// StartRTD and StopRTD are the 1-based numbers of the response-time
	// counter the step starts and stops (SIPp's B-RTDn and E-RTDn marks), 0
	// for none.
	StartRTD, StopRTD int
	// Display is the step's display= text, shown on the screen for a nop.
	Display string
	// Hide keeps the step off the screen and out of -trace_counts
	// (hide="true").
	Hide bool
	// Crlf puts a blank line after the step on the screen.
	Crlf bool
}

// name is the step's name in -trace_counts column names: the method or
// the status code.
func (s *Step) name() string {
	if s.Method != "" {
		return s.Method
	}
	return strconv.Itoa(s.Code)
}

// sippIndexes returns, per step, SIPp's message index (labels are not
// messages) or -1 for a label.
func sippIndexes(steps []Step) []int {
	idx := make([]int, len(steps))
	n := 0
	for i := range steps {
		if steps[i].Kind == StepLabel {
			idx[i] = -1
			continue
		}
		idx[i] = n
		n++
	}
	return idx
}

// CountsFile writes SIPp's -trace_counts file (<scenario>_<pid>_counts.csv):
// a header naming, for each scenario message, its counters ("0_INVITE_Sent",
// "1_100_Recv", "6_Pause_Sessions", ...), then one row per WriteRow with the
// current time, the elapsed time and the cumulative counters. Columns and
// formats are SIPp 3.6.1's; every field is followed by the delimiter.
//
// A CountsFile is not safe for concurrent use.
type CountsFile struct {
	// Delimiter separates fields; ";" unless set (SIPp's -stat_delimiter).
	Delimiter string
	// RFC3339 writes times as SIPp 3.7's -rfc3339 does.
	RFC3339 bool

	w      io.Writer
	steps  []Step
	index  []int
	header bool
	buf    []byte
}

// NewCountsFile returns a CountsFile writing to w for a scenario whose
// commands are steps.
func NewCountsFile(w io.Writer, steps []Step) *CountsFile {
	return &CountsFile{Delimiter: ";", w: w, steps: steps, index: sippIndexes(steps)}
}

func (f *CountsFile) delim() string {
	if f.Delimiter == "" {
		return ";"
	}
	return f.Delimiter
}

// Header returns the header line, newline included.
func (f *CountsFile) Header() string {
	d := f.delim()
	b := []byte("CurrentTime" + d + "ElapsedTime" + d)
	for i := range f.steps {
		st := &f.steps[i]
		if st.Hide || f.index[i] < 0 {
			continue
		}
		prefix := strconv.Itoa(f.index[i]) + "_"
		col := func(names ...string) {
			for _, n := range names {
				b = append(b, prefix...)
				b = append(b, n...)
				b = append(b, d...)
			}
		}
		switch st.Kind {
		case StepSend:
			prefix += st.name() + "_"
			col("Sent", "Retrans")
			if st.Retrans {
				col("Timeout")
			}
		case StepRecv:
			prefix += st.name() + "_"
			col("Recv", "Retrans", "Timeout", "Unexp")
		case StepPause, StepSendCmd, StepRecvCmd:
			// sipp 3.6.1 writes pause columns for 3PCC commands too (3.7
			// writes N_SendCmd, N_RecvCmd and N_RecvCmd_Timeout).
			col("Pause_Sessions", "Pause_Unexp")
		}
	}
	return string(append(b, '\n'))
}

// WriteHeader writes the header line if it was not written yet.
func (f *CountsFile) WriteHeader() error {
	if f.header {
		return nil
	}
	if _, err := io.WriteString(f.w, f.Header()); err != nil {
		return err
	}
	f.header = true
	return nil
}

// WriteRow writes one line with s's cumulative per-message counters, after
// the header if it was not written yet.
func (f *CountsFile) WriteRow(s *Snapshot) error {
	if err := f.WriteHeader(); err != nil {
		return err
	}
	d := f.delim()
	b := appendTimeAndElapsed(f.buf[:0], s.Now, s.Start, f.RFC3339, d)
	num := func(v uint64) {
		b = strconv.AppendUint(b, v, 10)
		b = append(b, d...)
	}
	for i := range f.steps {
		st := &f.steps[i]
		if st.Hide || f.index[i] < 0 {
			continue
		}
		var c CommandTotals
		if i < len(s.Cumulative.Commands) {
			c = s.Cumulative.Commands[i]
		}
		switch st.Kind {
		case StepSend:
			num(c.Sent)
			num(c.Retrans)
			if st.Retrans {
				num(c.Timeouts)
			}
		case StepRecv:
			num(c.Received)
			num(c.Retrans)
			num(c.Timeouts)
			num(c.Unexpected)
		case StepPause, StepSendCmd, StepRecvCmd:
			num(c.Paused)
			num(c.Unexpected)
		}
	}
	b = append(b, '\n')
	f.buf = b
	_, err := f.w.Write(b)
	return err
}

// appendTimeAndElapsed appends now in SIPp's statistics time format and the
// whole milliseconds since start as HH:MM:SS:uuuuuu (SIPp's msToHHMMSSus),
// each followed by d: the first two fields of -trace_counts and
// -trace_error_codes rows.
func appendTimeAndElapsed(b []byte, now, start time.Time, rfc3339 bool, d string) []byte {
	b = appendStatTime(b, now, rfc3339)
	b = append(b, d...)
	ms := max((now.UnixMicro()-start.UnixMicro())/1000, 0)
	b = appendHMSMicro(b, ms*1000)
	return append(b, d...)
}

// ErrorCodesFile writes SIPp's -trace_error_codes file
// (<scenario>_<pid>_error_codes.csv): no header; one row per WriteRow with
// the current time, the elapsed time and the status codes of the unexpected
// responses received since the previous row, each followed by a comma,
// newest first as SIPp pops them.
//
// An ErrorCodesFile is not safe for concurrent use.
type ErrorCodesFile struct {
	// Delimiter follows the two time fields; ";" unless set.
	Delimiter string
	// RFC3339 writes times as SIPp 3.7's -rfc3339 does.
	RFC3339 bool

	w   io.Writer
	buf []byte
}

// NewErrorCodesFile returns an ErrorCodesFile writing to w.
func NewErrorCodesFile(w io.Writer) *ErrorCodesFile {
	return &ErrorCodesFile{Delimiter: ";", w: w}
}

// WriteRow writes the row at now for a run started at start with codes,
// given in the order they arrived.
func (f *ErrorCodesFile) WriteRow(now, start time.Time, codes []int) error {
	d := f.Delimiter
	if d == "" {
		d = ";"
	}
	b := appendTimeAndElapsed(f.buf[:0], now, start, f.RFC3339, d)
	for i := len(codes) - 1; i >= 0; i-- {
		b = strconv.AppendInt(b, int64(codes[i]), 10)
		b = append(b, ',')
	}
	b = append(b, '\n')
	f.buf = b
	_, err := f.w.Write(b)
	return err
}
