package stats

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Collector merges the statistics of a run's recorders. It is used by one
// goroutine, the aggregator: NewPeriod, Snapshot and the histogram accessors
// must not be called concurrently. The Snapshots it returns are immutable and
// may be handed to any goroutine.
//
// Each Snapshot call drains every recorder: it swaps the recorder's interval
// histograms for empty ones and reads its counters. Cumulative values run from
// the start of the run; periodic values from the previous snapshot of the same
// Period. The default period is the one Collector.Snapshot uses; the engine
// creates more with NewPeriod when two outputs have different periods (the
// screen every -f seconds, the -trace_stat file every -fd seconds).
type Collector struct {
	// mu serialises snapshots: the screen, the statistics file and the
	// engine's final summary may take theirs from different goroutines.
	mu sync.Mutex

	layout Layout
	g      geometry
	recs   []*Recorder
	start  time.Time

	spare   *set // empty set handed to the next recorder drained
	drained *set // scratch (sparse): what one drain takes from the recorders
	cum     *set // cumulative since start

	tot    [numCounters]uint64 // cumulative counters as of the last drain
	totCmd []uint64
	totGen []uint64
	cur    int

	peak      int
	peakTime  time.Time
	lastDrain time.Time // zero before the first drain

	def     *Period
	periods []*Period

	startOnce sync.Once
	started   chan struct{} // closed by the first SetStart
}

// Period is an independent window for periodic values: each of its
// Snapshots reports what happened since its previous one.
type Period struct {
	c      *Collector
	last   time.Time
	prev   [numCounters]uint64
	prevCm []uint64
	prevGn []uint64
	acc    *set
	hists  bool // snapshots carry the period's histograms
}

// NewCollector returns a collector for the recorders recs, all built from
// layouts equal to l. The run's start time is the current time; SetStart
// changes it. It panics if a recorder's layout differs from l: that is a
// programming error, not bad input.
func NewCollector(l Layout, recs []*Recorder) *Collector {
	g := l.geometry()
	for i, r := range recs {
		if !r.g.equal(g) {
			panic(fmt.Sprintf("stats: recorder %d was built from a different Layout", i))
		}
	}
	c := &Collector{
		layout:  l,
		g:       g,
		recs:    slices.Clone(recs),
		start:   time.Now(),
		spare:   newSet(g, false),
		drained: newSet(g, true),
		cum:     newSet(g, false),
		totCmd:  make([]uint64, g.commands*cmdStride),
		totGen:  make([]uint64, g.counters),
		started: make(chan struct{}),
	}
	c.def = c.NewPeriod()
	return c
}

// SetStart sets the run's start time, and the start of every period's first
// window. Call it before the first Snapshot. The first call closes the
// channel Started returns.
func (c *Collector) SetStart(t time.Time) {
	c.mu.Lock()
	c.start = t
	for _, p := range c.periods {
		p.last = t
	}
	c.mu.Unlock()
	c.startOnce.Do(func() { close(c.started) })
}

// Start returns the run's start time.
func (c *Collector) Start() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.start
}

// Started returns a channel closed once SetStart has been called (the
// engine calls it when its run starts): outputs that write a first row at
// the start of the run, as SIPp does, wait for it.
func (c *Collector) Started() <-chan struct{} { return c.started }

// Layout returns the layout the collector was built with.
func (c *Collector) Layout() Layout { return c.layout }

// NewPeriod returns a new periodic window. Its first window starts at the
// run's start if no snapshot was taken yet, otherwise at the last snapshot.
func (c *Collector) NewPeriod() *Period {
	c.mu.Lock()
	defer c.mu.Unlock()
	last := c.start
	if !c.lastDrain.IsZero() {
		last = c.lastDrain
	}
	p := &Period{
		c:      c,
		last:   last,
		prev:   c.tot,
		prevCm: slices.Clone(c.totCmd),
		prevGn: slices.Clone(c.totGen),
		acc:    newSet(c.g, false),
	}
	c.periods = append(c.periods, p)
	return p
}

// NewHistogramPeriod is NewPeriod for an output that needs the period's
// histograms themselves (an HdrHistogram interval log): its Snapshots carry
// copies of them, see Snapshot.IntervalRTDHistogram.
func (c *Collector) NewHistogramPeriod() *Period {
	p := c.NewPeriod()
	p.hists = true
	return p
}

// Snapshot takes a snapshot for the collector's default period.
func (c *Collector) Snapshot(now time.Time) *Snapshot { return c.def.Snapshot(now) }

// drain moves every recorder's interval data into the cumulative set and
// every period's accumulator, and reads the counters.
func (c *Collector) drain(now time.Time) {
	var tot [numCounters]uint64
	clear(c.totCmd)
	clear(c.totGen)
	cur := 0
	for _, r := range c.recs {
		got := r.swap(c.spare)
		c.drained.merge(got)
		got.reset()
		c.spare = got
		for i := range r.ctr {
			tot[i] += r.ctr[i].Load()
		}
		for i := range r.cmd {
			c.totCmd[i] += r.cmd[i].Load()
		}
		for i := range r.gen {
			c.totGen[i] += r.gen[i].Load()
		}
		cur += int(r.cur.Load())
	}
	c.tot = tot
	c.cur = cur
	c.lastDrain = now
	if cur > c.peak {
		c.peak, c.peakTime = cur, now
	}
	c.cum.merge(c.drained)
	for _, p := range c.periods {
		p.acc.merge(c.drained)
	}
	c.drained.reset()
}

// Snapshot drains the recorders and returns the statistics at now: cumulative
// since the start of the run, periodic since this period's previous Snapshot
// (or its creation).
func (p *Period) Snapshot(now time.Time) *Snapshot {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drain(now)
	s := &Snapshot{
		Start:        c.start,
		LastReset:    p.last,
		Now:          now,
		CurrentCalls: c.cur,
		PeakCalls:    c.peak,
		PeakTime:     c.peakTime,
		Users:        -1,
		Layout:       c.layout,
	}
	s.Cumulative = makeTotals(c.tot[:], c.totCmd, c.totGen)
	var d [numCounters]uint64
	for i := range d {
		d[i] = c.tot[i] - p.prev[i]
	}
	dc := make([]uint64, len(c.totCmd))
	for i := range dc {
		dc[i] = c.totCmd[i] - p.prevCm[i]
	}
	dg := make([]uint64, len(c.totGen))
	for i := range dg {
		dg[i] = c.totGen[i] - p.prevGn[i]
	}
	s.Periodic = makeTotals(d[:], dc, dg)

	for k, src := range [2]*set{p.acc, c.cum} {
		s.rtd[k] = make([]Dist, len(src.rtd))
		s.rtdRep[k] = make([][]uint64, len(src.rtd))
		for i := range src.rtd {
			s.rtd[k][i] = src.rtd[i].dist()
			s.rtdRep[k][i] = slices.Clone(src.rtd[i].rep)
		}
		s.callLen[k] = src.cl.dist()
		s.callLenRep[k] = slices.Clone(src.cl.rep)
	}
	if p.hists {
		s.rtdHist = make([]*hdrhistogram.Histogram, len(p.acc.rtd))
		for i := range p.acc.rtd {
			s.rtdHist[i] = p.acc.rtd[i].h.Clone()
		}
		s.clHist = p.acc.cl.h.Clone()
	}

	p.prev = c.tot
	copy(p.prevCm, c.totCmd)
	copy(p.prevGn, c.totGen)
	p.acc.reset()
	p.last = now
	return s
}

// RTDHistogram returns a copy of the cumulative response-time histogram of
// RTD i (values in µs) as of the last Snapshot, for export or for merging
// runs; nil if i is out of range.
func (c *Collector) RTDHistogram(i int) *hdrhistogram.Histogram {
	c.mu.Lock()
	defer c.mu.Unlock()
	if uint(i) >= uint(len(c.cum.rtd)) {
		return nil
	}
	return c.cum.rtd[i].h.Clone()
}

// CallLengthHistogram returns a copy of the cumulative call-length histogram
// (values in µs) as of the last Snapshot.
func (c *Collector) CallLengthHistogram() *hdrhistogram.Histogram {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cum.cl.h.Clone()
}

// Totals are counter values over a window: the whole run (cumulative) or one
// period (periodic).
type Totals struct {
	IncomingCalls, OutgoingCalls uint64 // calls created, by direction
	Successful, Failed, Aborted  uint64 // calls ended, by outcome
	Retransmissions              uint64 // all commands
	OutOfCall, DeadCall          uint64 // SIPp's OutOfCallMsgs, DeadCallMsgs
	ParseErrors                  uint64 // malformed SIP messages dropped
	AutoAnswered                 uint64
	Unexpected, Timeouts         uint64 // all commands
	Warnings, FatalErrors        uint64
	WatchdogMajor, WatchdogMinor uint64
	// FailedBy counts failed calls by class.
	FailedBy [NumFailureClasses]uint64
	// Counters are the generic counters, indexed as Layout.Counters.
	Counters []uint64
	// Commands are the per-command message counters, indexed by command.
	Commands []CommandTotals
}

// CommandTotals are one scenario command's message counters. Retrans
// counts, for a send, the message sent again (our retransmissions and
// answers repeated to the peer's) and, for a recv, the peer's
// retransmissions of the message it matched. Paused counts the calls that
// entered a pause command.
type CommandTotals struct {
	Sent, Received, Retrans, Unexpected, Timeouts, Paused uint64
}

// Created returns the number of calls created, incoming and outgoing.
func (t *Totals) Created() uint64 { return t.IncomingCalls + t.OutgoingCalls }

func makeTotals(v []uint64, cmd, gen []uint64) Totals {
	t := Totals{
		IncomingCalls:   v[ctrIncoming],
		OutgoingCalls:   v[ctrOutgoing],
		Successful:      v[ctrSuccessful],
		Failed:          v[ctrFailed],
		Aborted:         v[ctrAborted],
		Retransmissions: v[ctrRetransmissions],
		OutOfCall:       v[ctrOutOfCall],
		DeadCall:        v[ctrDeadCall],
		ParseErrors:     v[ctrParseErrors],
		AutoAnswered:    v[ctrAutoAnswered],
		Unexpected:      v[ctrUnexpected],
		Timeouts:        v[ctrTimeouts],
		Warnings:        v[ctrWarnings],
		FatalErrors:     v[ctrFatalErrors],
		WatchdogMajor:   v[ctrWatchdogMajor],
		WatchdogMinor:   v[ctrWatchdogMinor],
		Counters:        slices.Clone(gen),
		Commands:        make([]CommandTotals, len(cmd)/cmdStride),
	}
	copy(t.FailedBy[:], v[ctrFailedBy:])
	for i := range t.Commands {
		c := cmd[i*cmdStride:]
		t.Commands[i] = CommandTotals{
			Sent:       c[cmdSent],
			Received:   c[cmdReceived],
			Retrans:    c[cmdRetrans],
			Unexpected: c[cmdUnexpected],
			Timeouts:   c[cmdTimeouts],
			Paused:     c[cmdPaused],
		}
	}
	return t
}

// Dist summarizes a distribution of durations. Count, Mean, StdDev, Min and
// Max are exact (to the microsecond each value was recorded with); StdDev is
// the sample standard deviation, as SIPp computes it, and 0 below two values.
// The percentiles come from an HDR histogram with 3 significant digits,
// clamped to [Min, Max].
type Dist struct {
	Count                  uint64
	Mean, StdDev, Min, Max time.Duration
	P50, P90, P99, P999    time.Duration
}

func us(v float64) time.Duration { return time.Duration(v * float64(time.Microsecond)) }

func (s *series) dist() Dist {
	if s.n == 0 {
		return Dist{}
	}
	n := float64(s.n)
	mean := float64(s.sum) / n
	d := Dist{
		Count: s.n,
		Mean:  us(mean),
		Min:   time.Duration(s.min) * time.Microsecond,
		Max:   time.Duration(s.max) * time.Microsecond,
	}
	if s.n > 1 {
		v := (s.sumSq - float64(s.sum)*mean) / (n - 1)
		d.StdDev = us(math.Sqrt(max(v, 0)))
	}
	pct := func(q float64) time.Duration {
		v := min(max(s.h.ValueAtPercentile(q), s.min), s.max)
		return time.Duration(v) * time.Microsecond
	}
	d.P50, d.P90, d.P99, d.P999 = pct(50), pct(90), pct(99), pct(99.9)
	return d
}

// Snapshot is the statistics of a run at one instant. Periodic values cover
// LastReset..Now, cumulative values Start..Now.
type Snapshot struct {
	// Start is the run's start, LastReset the previous snapshot of the same
	// period (or Start), Now this snapshot's time.
	Start, LastReset, Now time.Time
	// Periodic and Cumulative are the counters over the period and the run.
	Periodic, Cumulative Totals
	// CurrentCalls is the sum of the recorders' current-call gauges.
	CurrentCalls int
	// PeakCalls is the largest CurrentCalls seen so far, at PeakTime; it is
	// sampled at snapshots, so a shorter peak between two is missed.
	PeakCalls int
	PeakTime  time.Time
	// TargetRate is the -r value, which the statistics file's TargetRate
	// column shows as is (calls per -rp period, one second by default), and
	// Users the -users target, negative when not running with -users (the
	// Collector sets -1). The engine fills them before formatting.
	TargetRate float64
	Users      int
	// Layout is the run's layout (shared, do not modify).
	Layout Layout
	// Mirror counts the messages mirrored to a HEP collector (-hep_addr);
	// the engine fills it when a mirror is configured.
	Mirror MirrorTotals

	rtd        [2][]Dist // [0] periodic, [1] cumulative
	rtdRep     [2][][]uint64
	callLen    [2]Dist
	callLenRep [2][]uint64

	rtdHist []*hdrhistogram.Histogram // the period's, for NewHistogramPeriod
	clHist  *hdrhistogram.Histogram
}

func idx(cumulative bool) int {
	if cumulative {
		return 1
	}
	return 0
}

// RTD returns response-time counter i's distribution over the run
// (cumulative) or the period; the zero Dist if i is out of range.
func (s *Snapshot) RTD(i int, cumulative bool) Dist {
	r := s.rtd[idx(cumulative)]
	if uint(i) >= uint(len(r)) {
		return Dist{}
	}
	return r[i]
}

// CallLength returns the distribution of the lengths of the calls that ended
// (successful, failed or aborted) over the run or the period.
func (s *Snapshot) CallLength(cumulative bool) Dist { return s.callLen[idx(cumulative)] }

// RTDRepartition returns RTD i's repartition counts: entry j counts values
// below the j-th boundary of Layout.RTDRepartition (sorted) and at or above
// the previous one; the last entry counts values at or above the largest
// boundary. Nil without repartition or if i is out of range. Do not modify.
func (s *Snapshot) RTDRepartition(i int, cumulative bool) []uint64 {
	r := s.rtdRep[idx(cumulative)]
	if uint(i) >= uint(len(r)) {
		return nil
	}
	return r[i]
}

// CallLengthRepartition returns the call-length repartition counts, laid out
// as RTDRepartition's. Nil without repartition. Do not modify.
func (s *Snapshot) CallLengthRepartition(cumulative bool) []uint64 {
	return s.callLenRep[idx(cumulative)]
}

// IntervalRTDHistogram returns the histogram of RTD i's values (in µs)
// recorded during this snapshot's period, LastReset..Now; nil unless the
// snapshot comes from a NewHistogramPeriod, or if i is out of range. The
// histogram belongs to the caller.
func (s *Snapshot) IntervalRTDHistogram(i int) *hdrhistogram.Histogram {
	if uint(i) >= uint(len(s.rtdHist)) {
		return nil
	}
	return s.rtdHist[i]
}

// IntervalCallLengthHistogram is IntervalRTDHistogram for call lengths.
func (s *Snapshot) IntervalCallLengthHistogram() *hdrhistogram.Histogram { return s.clHist }

// Elapsed returns the time since the start of the run (cumulative) or since
// LastReset, truncated to the millisecond as SIPp computes it from wall-clock
// microseconds; never negative.
func (s *Snapshot) Elapsed(cumulative bool) time.Duration {
	return time.Duration(s.elapsedMS(cumulative)) * time.Millisecond
}

func (s *Snapshot) elapsedMS(cumulative bool) int64 {
	from := s.LastReset
	if cumulative {
		from = s.Start
	}
	return max((s.Now.UnixMicro()-from.UnixMicro())/1000, 0)
}

// CallRate returns the calls created (incoming and outgoing) per second over
// the run or the period, computed as SIPp does (single precision, whole
// milliseconds); 0 when no millisecond has elapsed.
func (s *Snapshot) CallRate(cumulative bool) float64 { return float64(s.callRate32(cumulative)) }

func (s *Snapshot) callRate32(cumulative bool) float32 {
	ms := s.elapsedMS(cumulative)
	if ms <= 0 {
		return 0
	}
	t := &s.Periodic
	if cumulative {
		t = &s.Cumulative
	}
	return float32(1000*float32(t.Created())) / float32(ms)
}
