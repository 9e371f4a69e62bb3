package trace

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gossip-sip/gossip/sipfast"
)

// CallObserver receives measurements of calls that SIPp's statistics trace
// files record beyond messages: response-time samples (-trace_rtt) and the
// status codes of unexpected responses (-trace_error_codes). The engine
// calls it from its shard goroutines, only when one is configured: with
// none the hot path pays one nil check. Implementations must be safe for
// concurrent use, must not block for long and should not allocate in steady
// state.
type CallObserver interface {
	// ResponseTime records one sample d of response-time counter rtd (an
	// index into the scenario's RTD names), taken elapsed after the run
	// started.
	ResponseTime(rtd int, elapsed, d time.Duration)
	// UnexpectedMessage records a message that made a call fail as
	// unexpected: its status code, or 0 for a request.
	UnexpectedMessage(code int)
}

// ActionLogger receives the text of a scenario's <log> actions, written to
// SIPp's <scenario>_<pid>_logs.log (-trace_logs, -log_file). Safe for
// concurrent use; it does not keep text.
type ActionLogger interface {
	LogAction(text []byte)
}

// Observers is a CallObserver that hands each measurement to the writers
// that are set.
type Observers struct {
	RTT   *RTTLog     // -trace_rtt; nil: off
	Codes *ErrorCodes // -trace_error_codes; nil: off
}

// ResponseTime implements CallObserver.
func (o *Observers) ResponseTime(rtd int, elapsed, d time.Duration) {
	if o.RTT != nil {
		o.RTT.ResponseTime(rtd, elapsed, d)
	}
}

// UnexpectedMessage implements CallObserver.
func (o *Observers) UnexpectedMessage(code int) {
	if o.Codes != nil {
		o.Codes.UnexpectedMessage(code)
	}
}

// RTTLog writes SIPp's -trace_rtt file, <scenario>_<pid>_rtt.csv:
//
//	Date_ms;response_time_ms;rtd_no
//	104.001;0.523;1
//
// one row per response-time sample: when it was taken, in milliseconds
// since the run started; the response time in milliseconds; the name of the
// response-time counter. Numbers are written as SIPp's C++ streams write
// them (6 significant digits). Samples are buffered and written Freq at a
// time (SIPp's -rtt_freq), and the rest on Flush. SIPp 3.6.1 loses the
// samples of an incomplete last batch; gossip writes them.
type RTTLog struct {
	mu      sync.Mutex
	w       io.Writer
	names   []string
	delim   string
	freq    int
	samples []rttSample
	scratch []byte
	err     error
}

type rttSample struct {
	rtd       int
	at, value time.Duration
}

// NewRTTLog returns an RTTLog writing to w for response-time counters
// named names, in batches of freq samples (at least 1), with fields
// separated by delim (";" when empty). It writes the header at once.
func NewRTTLog(w io.Writer, names []string, freq int, delim string) *RTTLog {
	if delim == "" {
		delim = ";"
	}
	l := &RTTLog{w: w, names: names, delim: delim, freq: max(freq, 1)}
	l.samples = make([]rttSample, 0, l.freq)
	_, l.err = io.WriteString(w, "Date_ms"+delim+"response_time_ms"+delim+"rtd_no\n")
	return l
}

// ResponseTime records one sample (see CallObserver).
func (l *RTTLog) ResponseTime(rtd int, elapsed, d time.Duration) {
	l.mu.Lock()
	l.samples = append(l.samples, rttSample{rtd, elapsed, d})
	if len(l.samples) >= l.freq {
		l.dump()
	}
	l.mu.Unlock()
}

// ms is d in milliseconds with microsecond digits, as a double.
func ms(d time.Duration) float64 { return float64(d/time.Microsecond) / 1000 }

func (l *RTTLog) dump() {
	b := l.scratch[:0]
	for _, s := range l.samples {
		b = strconv.AppendFloat(b, ms(s.at), 'g', 6, 64)
		b = append(b, l.delim...)
		b = strconv.AppendFloat(b, ms(s.value), 'g', 6, 64)
		b = append(b, l.delim...)
		if uint(s.rtd) < uint(len(l.names)) {
			b = append(b, l.names[s.rtd]...)
		} else {
			b = strconv.AppendInt(b, int64(s.rtd+1), 10)
		}
		b = append(b, '\n')
	}
	l.scratch = b
	l.samples = l.samples[:0]
	if _, err := l.w.Write(b); err != nil && l.err == nil {
		l.err = err
	}
}

// Flush writes the samples not written yet and returns the first write
// error.
func (l *RTTLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) > 0 {
		l.dump()
	}
	return l.err
}

// ErrorCodes collects the status codes of unexpected responses for SIPp's
// -trace_error_codes file (see stats.ErrorCodesFile), until Take.
type ErrorCodes struct {
	mu    sync.Mutex
	codes []int
}

// UnexpectedMessage records code, unless it is 0 (a request), as SIPp.
func (e *ErrorCodes) UnexpectedMessage(code int) {
	if code == 0 {
		return
	}
	e.mu.Lock()
	e.codes = append(e.codes, code)
	e.mu.Unlock()
}

// Take appends the codes recorded since the previous Take to dst, in the
// order they came, and forgets them.
func (e *ErrorCodes) Take(dst []int) []int {
	e.mu.Lock()
	dst = append(dst, e.codes...)
	e.codes = e.codes[:0]
	e.mu.Unlock()
	return dst
}

// Tracers is a Tracer that hands every message and event to each of its
// elements.
type Tracers []Tracer

// Message implements Tracer.
func (ts Tracers) Message(dir Direction, at time.Time, transport string, data []byte, peer netip.AddrPort) {
	for _, t := range ts {
		t.Message(dir, at, transport, data, peer)
	}
}

// Event implements Tracer.
func (ts Tracers) Event(at time.Time, text string) {
	for _, t := range ts {
		t.Event(at, text)
	}
}

// ShortMessages is a Tracer writing SIPp's -trace_shortmsg file,
// <scenario>_<pid>_shortmessages.log: one tab-separated line per message
// sent (S) or received (R), with its time, Call-ID, CSeq and first line:
//
//	2026-11-26	15:45:17.260276	1795707917.260276	S	1-24495@127.0.0.1	CSeq:1 INVITE	INVITE sip:service@127.0.0.1:15099 SIP/2.0
//
// A received datagram that is not a SIP message is left out.
type ShortMessages struct {
	mu      sync.Mutex
	w       *bufio.Writer
	msg     sipfast.Message
	scratch []byte
}

// NewShortMessages returns a ShortMessages writing to w.
func NewShortMessages(w io.Writer) *ShortMessages {
	return &ShortMessages{w: bufio.NewWriterSize(w, 64<<10)}
}

// Message implements Tracer.
func (s *ShortMessages) Message(dir Direction, at time.Time, transport string, data []byte, _ netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	command := transport == "TCP control" // a 3PCC command: no start line, no CSeq
	if !command && s.msg.Parse(data) != nil {
		return
	}
	b := appendTime(s.scratch[:0], at)
	if dir == Received {
		b = append(b, "\tR\t"...)
	} else {
		b = append(b, "\tS\t"...)
	}
	if command {
		b = append(b, commandCallID(data)...)
		b = append(b, "\tCSeq:"...)
	} else {
		b = append(b, bytes.TrimSpace(s.msg.CallID())...)
		b = append(b, "\tCSeq:"...)
		b, _ = s.msg.AppendHeaderValues(b, "CSeq")
	}
	b = append(b, '\t')
	line := data
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	b = append(b, line...)
	b = append(b, '\n')
	s.scratch = b
	_, _ = s.w.Write(b)
}

// Event implements Tracer; short messages have no events.
func (s *ShortMessages) Event(time.Time, string) {}

// Flush writes out what is buffered.
func (s *ShortMessages) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Flush()
}

// ActionLog is an ActionLogger writing SIPp's -trace_logs file: each text
// on a line of its own. Like SIPp 3.6.1 it creates its file at the first
// log action.
type ActionLog struct {
	mu   sync.Mutex
	open func() (io.Writer, error)
	w    *bufio.Writer
	err  error
}

// NewActionLog returns an ActionLog writing to the writer open returns
// when the first text comes.
func NewActionLog(open func() (io.Writer, error)) *ActionLog {
	return &ActionLog{open: open}
}

// LogAction implements ActionLogger.
func (l *ActionLog) LogAction(text []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil && l.err == nil {
		w, err := l.open()
		if err != nil {
			l.err = err
			return
		}
		l.w = bufio.NewWriter(w)
	}
	if l.w == nil {
		return
	}
	_, _ = l.w.Write(text)
	_ = l.w.WriteByte('\n')
}

// Flush writes out what is buffered and returns the error of opening the
// file, if any.
func (l *ActionLog) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		if err := l.w.Flush(); err != nil {
			return err
		}
	}
	return l.err
}

// commandCallID is the Call-ID of a 3PCC command (its "Call-ID:" line).
func commandCallID(cmd []byte) []byte {
	for len(cmd) > 0 {
		line := cmd
		if i := bytes.IndexByte(cmd, '\n'); i >= 0 {
			line, cmd = cmd[:i], cmd[i+1:]
		} else {
			cmd = nil
		}
		if c := bytes.IndexByte(line, ':'); c > 0 && bytes.EqualFold(bytes.TrimSpace(line[:c]), []byte("Call-ID")) {
			return bytes.TrimSpace(line[c+1:])
		}
	}
	return nil
}
