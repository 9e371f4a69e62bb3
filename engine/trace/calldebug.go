package trace

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// CallDebugger receives the history of each call SIPp would write to its
// -trace_calldebug file: calls aborted on a timeout, a retransmission
// limit, an unexpected message or a 3PCC abort. history is the call's
// entries, each a time stamp (AppendTime), a space and the text.
type CallDebugger interface {
	CallDebug(callID, history []byte)
}

// CallDebug writes SIPp's <scenario>_<pid>_calldebug.log: for each
// aborted call, a line of 79 dashes, "Call debugging information for call
// ID:" and the call's history. Safe for concurrent use.
type CallDebug struct {
	mu  sync.Mutex
	w   *bufio.Writer
	err error
}

// NewCallDebug returns a CallDebug writing to w.
func NewCallDebug(w io.Writer) *CallDebug {
	return &CallDebug{w: bufio.NewWriterSize(w, 64<<10)}
}

const callDebugRule = "-------------------------------------------------------------------------------\n"

// CallDebug implements CallDebugger.
func (d *CallDebug) CallDebug(callID, history []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, _ = d.w.WriteString(callDebugRule)
	_, _ = d.w.WriteString("Call debugging information for call ")
	_, _ = d.w.Write(callID)
	_, _ = d.w.WriteString(":\n")
	if _, err := d.w.Write(history); err != nil && d.err == nil {
		d.err = err
	}
}

// Flush writes out what is buffered and returns the first write error.
func (d *CallDebug) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.w.Flush(); err != nil && d.err == nil {
		d.err = err
	}
	return d.err
}

// AppendTime appends SIPp's log time stamp (local date, tab, time with
// microseconds, tab, Unix time with microseconds), as -trace_err and
// -trace_calldebug write it.
func AppendTime(b []byte, t time.Time) []byte { return appendTime(b, t) }
