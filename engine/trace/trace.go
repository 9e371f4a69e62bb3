// Package trace writes SIPp's logs that follow messages and calls as they
// happen: the message and error logs (-trace_msg, -trace_err), the short
// message log (-trace_shortmsg), the response-time samples (-trace_rtt),
// the codes of unexpected responses (-trace_error_codes) and the <log>
// actions (-trace_logs). The engine calls a Tracer, a CallObserver and an
// ActionLogger from its shard goroutines only when they are configured;
// with tracing off the hot path pays one nil check.
package trace

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"
)

// Direction says whether a traced message was sent or received.
type Direction uint8

const (
	// Sent is a message gossip sent.
	Sent Direction = iota
	// Received is a message gossip received.
	Received
)

// Tracer receives what the trace files record. Implementations must be
// safe for concurrent use: every shard calls them.
type Tracer interface {
	// Message records one SIP message.
	Message(dir Direction, at time.Time, transport string, data []byte, peer netip.AddrPort)
	// Event records a warning about a call (unexpected message, timeout).
	Event(at time.Time, text string)
}

// Files is a Tracer writing SIPp's <scenario>_<pid>_messages.log and
// _errors.log formats. Either writer may be nil.
type Files struct {
	mu       sync.Mutex
	messages *bufio.Writer
	errors   func() (io.Writer, error) // opened on the first event, as SIPp does
	errW     *bufio.Writer
	errErr   error
	scratch  []byte
}

// NewFiles returns a Tracer writing messages to messages (nil: no message
// log) and events to the writer openErrors returns when the first event
// comes (nil: no error log).
func NewFiles(messages io.Writer, openErrors func() (io.Writer, error)) *Files {
	f := &Files{errors: openErrors}
	if messages != nil {
		f.messages = bufio.NewWriterSize(messages, 64<<10)
	}
	return f
}

// Message implements Tracer in SIPp 3.6.1's -trace_msg layout: a line of
// dashes with the local date and time, "UDP message sent (N bytes):" or
// "UDP message received [N] bytes :", a blank line, the message and a
// newline.
func (f *Files) Message(dir Direction, at time.Time, transport string, data []byte, peer netip.AddrPort) {
	if f.messages == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.scratch[:0]
	b = append(b, "----------------------------------------------- "...)
	b = at.AppendFormat(b, "2006-01-02 15:04:05.000000")
	if dir == Received {
		n := len(data)
		if transport == "TCP control" {
			n++ // SIPp counts the ESC that ended a 3PCC command, and prints up to it
		}
		b = fmt.Appendf(b, "\n%s message received [%d] bytes :\n\n", transport, n)
	} else {
		b = fmt.Appendf(b, "\n%s message sent (%d bytes):\n\n", transport, len(data))
	}
	b = append(b, data...)
	b = append(b, '\n')
	f.scratch = b
	_, _ = f.messages.Write(b)
}

// Event implements Tracer in SIPp's -trace_err layout.
func (f *Files) Event(at time.Time, text string) {
	if f.errors == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.errW == nil && f.errErr == nil {
		w, err := f.errors()
		if err != nil {
			f.errErr = err
			return
		}
		f.errW = bufio.NewWriter(w)
		_, _ = f.errW.WriteString("The following events occurred:\n")
	}
	if f.errW == nil {
		return
	}
	b := appendTime(f.scratch[:0], at)
	b = append(b, ": "...)
	b = append(b, text...)
	b = append(b, '\n')
	f.scratch = b
	_, _ = f.errW.Write(b)
}

// Flush writes out what is buffered.
func (f *Files) Flush() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if f.messages != nil {
		err = f.messages.Flush()
	}
	if f.errW != nil {
		if e := f.errW.Flush(); err == nil {
			err = e
		}
	}
	if err == nil {
		err = f.errErr
	}
	return err
}

// appendTime renders SIPp's log time stamp: date, tab, time with
// microseconds, tab, Unix seconds with microseconds.
func appendTime(b []byte, t time.Time) []byte {
	b = t.AppendFormat(b, "2006-01-02\t15:04:05.000000")
	return fmt.Appendf(b, "\t%d.%06d", t.Unix(), t.Nanosecond()/1000)
}
