package stats

import (
	"sync"
	"sync/atomic"
	"time"
)

// Indexes of a recorder's scalar counters. The failure classes follow
// ctrFailedBy in FailureClass order.
const (
	ctrIncoming = iota
	ctrOutgoing
	ctrSuccessful
	ctrFailed
	ctrAborted
	ctrRetransmissions
	ctrOutOfCall
	ctrDeadCall
	ctrParseErrors
	ctrAutoAnswered
	ctrUnexpected
	ctrTimeouts
	ctrWarnings
	ctrFatalErrors
	ctrWatchdogMajor
	ctrWatchdogMinor
	ctrFailedBy
	numCounters = ctrFailedBy + int(NumFailureClasses)
)

// Per-command counters, cmdStride of them per command.
const (
	cmdSent = iota
	cmdReceived
	cmdRetrans
	cmdUnexpected
	cmdTimeouts
	cmdPaused
	cmdStride
)

// Recorder collects one shard's statistics. It has a single writer: every
// recording method must be called from the one goroutine that owns the
// recorder (its shard). A goroutine that is not a shard, but needs to count
// (a watchdog, the control loop), owns a Recorder of its own and hands it to
// the Collector like a shard's.
//
// The recording methods do not allocate. Counters are atomics read by the
// Collector; durations go into "interval" histograms guarded by a mutex that
// only the Collector contends for, once per period, when it swaps them for
// empty ones.
type Recorder struct {
	g   geometry
	ctr [numCounters]atomic.Uint64
	cmd []atomic.Uint64 // commands*cmdStride
	gen []atomic.Uint64 // generic counters
	cur atomic.Int64    // current calls gauge

	mu  sync.Mutex
	buf *set // interval histograms; guarded by mu

	_ [64]byte // keep the next allocation's hot fields off our last cache line
}

// NewRecorder returns a recorder for a run with layout l.
func NewRecorder(l Layout) *Recorder {
	g := l.geometry()
	return &Recorder{
		g:   g,
		cmd: make([]atomic.Uint64, g.commands*cmdStride),
		gen: make([]atomic.Uint64, g.counters),
		buf: newSet(g, false),
	}
}

func (r *Recorder) inc(i int) { r.ctr[i].Add(1) }

// CallsCreated returns how many calls this recorder counted as created,
// by direction. Safe from any goroutine.
func (r *Recorder) CallsCreated() (incoming, outgoing uint64) {
	return r.ctr[ctrIncoming].Load(), r.ctr[ctrOutgoing].Load()
}

func (r *Recorder) incCmd(cmd, k int) {
	if uint(cmd) < uint(r.g.commands) {
		r.cmd[cmd*cmdStride+k].Add(1)
	}
}

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }

// CallCreated counts a new call: SIPp's IncomingCall when incoming (a UAS
// call started by a received request), OutgoingCall otherwise.
func (r *Recorder) CallCreated(incoming bool) {
	if incoming {
		r.inc(ctrIncoming)
	} else {
		r.inc(ctrOutgoing)
	}
}

// CallSucceeded counts a call that completed its scenario and records its
// length.
func (r *Recorder) CallSucceeded(length time.Duration) {
	r.inc(ctrSuccessful)
	r.callLength(length)
}

// CallFailed counts a failed call in class c (FailUnclassified counts it as
// failed only) and records its length.
func (r *Recorder) CallFailed(c FailureClass, length time.Duration) {
	r.inc(ctrFailed)
	if c < NumFailureClasses {
		r.inc(ctrFailedBy + int(c))
	}
	r.callLength(length)
}

// CallAborted counts a call ended at shutdown: neither successful nor
// failed. Its length is recorded, as SIPp records every ended call's length.
func (r *Recorder) CallAborted(length time.Duration) {
	r.inc(ctrAborted)
	r.callLength(length)
}

func (r *Recorder) callLength(d time.Duration) {
	r.mu.Lock()
	r.buf.cl.record(micros(d), r.g.clBounds)
	r.mu.Unlock()
}

// ResponseTime records duration d for response-time counter rtd, an index
// into Layout.RTDNames. An index out of range is ignored.
func (r *Recorder) ResponseTime(rtd int, d time.Duration) {
	if uint(rtd) >= uint(r.g.rtds) {
		return
	}
	r.mu.Lock()
	r.buf.rtd[rtd].record(micros(d), r.g.rtdBounds)
	r.mu.Unlock()
}

// MessageSent counts a message sent by scenario command cmd (first
// transmission only; see Retransmission).
func (r *Recorder) MessageSent(cmd int) { r.incCmd(cmd, cmdSent) }

// MessageReceived counts a message received and matched by command cmd.
func (r *Recorder) MessageReceived(cmd int) { r.incCmd(cmd, cmdReceived) }

// Retransmission counts a retransmission sent or received at command cmd.
// It also counts in the run's Retransmissions total, even if cmd is out of
// range.
func (r *Recorder) Retransmission(cmd int) {
	r.inc(ctrRetransmissions)
	r.incCmd(cmd, cmdRetrans)
}

// RecvRetransmission counts a retransmission, sent by the peer, of the
// message recv command cmd matched (SIPp's per-message Retrans of a recv).
// Unlike Retransmission it does not count in the run's Retransmissions
// total: SIPp counts there the answer sent again.
func (r *Recorder) RecvRetransmission(cmd int) { r.incCmd(cmd, cmdRetrans) }

// PauseStarted counts a call that entered pause command cmd (SIPp's
// Sessions of a pause in -trace_counts, which counts entries and never
// goes down).
func (r *Recorder) PauseStarted(cmd int) { r.incCmd(cmd, cmdPaused) }

// UnexpectedMessage counts a message that arrived while the call waited at
// command cmd and that the scenario did not expect there.
func (r *Recorder) UnexpectedMessage(cmd int) {
	r.inc(ctrUnexpected)
	r.incCmd(cmd, cmdUnexpected)
}

// RecvTimeout counts a timeout at command cmd (a recv or a send's
// retransmission timer running out).
func (r *Recorder) RecvTimeout(cmd int) {
	r.inc(ctrTimeouts)
	r.incCmd(cmd, cmdTimeouts)
}

// Counter adds one to generic counter i, an index into Layout.Counters.
func (r *Recorder) Counter(i int) {
	if uint(i) < uint(len(r.gen)) {
		r.gen[i].Add(1)
	}
}

// OutOfCallMessage counts a message matching no call (SIPp's OutOfCallMsgs).
func (r *Recorder) OutOfCallMessage() { r.inc(ctrOutOfCall) }

// DeadCallMessage counts a message for a call that already ended (SIPp's
// DeadCallMsgs).
func (r *Recorder) DeadCallMessage() { r.inc(ctrDeadCall) }

// ParseError counts a malformed SIP message that was dropped.
func (r *Recorder) ParseError() { r.inc(ctrParseErrors) }

// AutoAnswered counts a request answered automatically (SIPp's
// AutoAnswered, -aa and the built-in answers to out-of-call requests).
func (r *Recorder) AutoAnswered() { r.inc(ctrAutoAnswered) }

// Warning counts a warning (SIPp's Warnings column).
func (r *Recorder) Warning() { r.inc(ctrWarnings) }

// FatalError counts a fatal error (SIPp's FatalErrors column).
func (r *Recorder) FatalError() { r.inc(ctrFatalErrors) }

// WatchdogMajor counts a major watchdog trip (SIPp's WatchdogMajor column).
func (r *Recorder) WatchdogMajor() { r.inc(ctrWatchdogMajor) }

// WatchdogMinor counts a minor watchdog trip (SIPp's WatchdogMinor column).
func (r *Recorder) WatchdogMinor() { r.inc(ctrWatchdogMinor) }

// SetCurrentCalls publishes the shard's number of calls in progress. The
// collector sums the recorders' values.
func (r *Recorder) SetCurrentCalls(n int) { r.cur.Store(int64(n)) }

// swap gives the recorder the empty set s and returns the one it filled.
func (r *Recorder) swap(s *set) *set {
	r.mu.Lock()
	old := r.buf
	r.buf = s
	r.mu.Unlock()
	return old
}
