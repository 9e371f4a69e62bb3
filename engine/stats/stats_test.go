package stats

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

func testLayout() Layout {
	return Layout{
		RTDNames:              []string{"1", "2"},
		Counters:              []string{"x"},
		Commands:              4,
		RTDRepartition:        []int{20, 10},
		CallLengthRepartition: []int{100},
	}
}

func newTestCollector(l Layout, n int) (*Collector, []*Recorder) {
	recs := make([]*Recorder, n)
	for i := range recs {
		recs[i] = NewRecorder(l)
	}
	c := NewCollector(l, recs)
	c.SetStart(t0)
	return c, recs
}

func TestFailureClassNames(t *testing.T) {
	if NumFailureClasses != 17 {
		t.Fatalf("NumFailureClasses = %d, SIPp has 17", NumFailureClasses)
	}
	tests := []struct {
		c    FailureClass
		want string
	}{
		{FailCannotSendMessage, "FailedCannotSendMessage"},
		{FailMaxUDPRetrans, "FailedMaxUDPRetrans"},
		{FailTCPConnect, "FailedTcpConnect"},
		{FailOutboundCongestion, "FailedOutboundCongestion"},
		{FailTimeoutOnSend, "FailedTimeoutOnSend"},
		{FailStrcmpShouldntMatch, "FailedStrcmpShouldntMatch"},
		{FailUnclassified, "FailedUnclassified"},
		{FailureClass(200), "FailureClass(200)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// op is one recording operation on recorder rec.
type op struct {
	rec int
	do  func(r *Recorder)
}

func TestCollectorTotals(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		ops  []op
		want func(c *Totals) bool
	}{
		{"created by direction", []op{
			{0, func(r *Recorder) { r.CallCreated(false) }},
			{1, func(r *Recorder) { r.CallCreated(false) }},
			{1, func(r *Recorder) { r.CallCreated(true) }},
		}, func(c *Totals) bool { return c.OutgoingCalls == 2 && c.IncomingCalls == 1 && c.Created() == 3 }},
		{"outcomes", []op{
			{0, func(r *Recorder) { r.CallSucceeded(10 * ms) }},
			{1, func(r *Recorder) { r.CallFailed(FailMaxUDPRetrans, 20*ms) }},
			{1, func(r *Recorder) { r.CallFailed(FailMaxUDPRetrans, 20*ms) }},
			{0, func(r *Recorder) { r.CallFailed(FailCallRejected, 20*ms) }},
			{0, func(r *Recorder) { r.CallFailed(FailUnclassified, 20*ms) }},
			{1, func(r *Recorder) { r.CallAborted(30 * ms) }},
		}, func(c *Totals) bool {
			return c.Successful == 1 && c.Failed == 4 && c.Aborted == 1 &&
				c.FailedBy[FailMaxUDPRetrans] == 2 && c.FailedBy[FailCallRejected] == 1 &&
				sum(c.FailedBy[:]) == 3
		}},
		{"per command", []op{
			{0, func(r *Recorder) { r.MessageSent(0) }},
			{1, func(r *Recorder) { r.MessageSent(0) }},
			{1, func(r *Recorder) { r.MessageReceived(1) }},
			{0, func(r *Recorder) { r.Retransmission(0) }},
			{0, func(r *Recorder) { r.Retransmission(99) }}, // out of range: total only
			{1, func(r *Recorder) { r.UnexpectedMessage(2) }},
			{1, func(r *Recorder) { r.RecvTimeout(3) }},
			{1, func(r *Recorder) { r.MessageSent(-1) }}, // ignored
		}, func(c *Totals) bool {
			return c.Commands[0] == CommandTotals{Sent: 2, Retrans: 1} &&
				c.Commands[1] == CommandTotals{Received: 1} &&
				c.Commands[2] == CommandTotals{Unexpected: 1} &&
				c.Commands[3] == CommandTotals{Timeouts: 1} &&
				c.Retransmissions == 2 && c.Unexpected == 1 && c.Timeouts == 1
		}},
		{"global counters", []op{
			{0, func(r *Recorder) { r.OutOfCallMessage() }},
			{1, func(r *Recorder) { r.DeadCallMessage() }},
			{1, func(r *Recorder) { r.ParseError() }},
			{0, func(r *Recorder) { r.ParseError() }},
			{0, func(r *Recorder) { r.AutoAnswered() }},
			{0, func(r *Recorder) { r.Warning() }},
			{1, func(r *Recorder) { r.FatalError() }},
			{1, func(r *Recorder) { r.WatchdogMajor() }},
			{1, func(r *Recorder) { r.WatchdogMinor() }},
			{0, func(r *Recorder) { r.Counter(0) }},
			{1, func(r *Recorder) { r.Counter(0) }},
			{1, func(r *Recorder) { r.Counter(1) }}, // out of range
		}, func(c *Totals) bool {
			return c.OutOfCall == 1 && c.DeadCall == 1 && c.ParseErrors == 2 && c.AutoAnswered == 1 &&
				c.Warnings == 1 && c.FatalErrors == 1 && c.WatchdogMajor == 1 && c.WatchdogMinor == 1 &&
				len(c.Counters) == 1 && c.Counters[0] == 2
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, recs := newTestCollector(testLayout(), 2)
			for _, o := range tt.ops {
				o.do(recs[o.rec])
			}
			s := c.Snapshot(t0.Add(time.Second))
			if !tt.want(&s.Cumulative) {
				t.Errorf("cumulative totals %+v", s.Cumulative)
			}
			if !tt.want(&s.Periodic) {
				t.Errorf("periodic totals of the first period %+v", s.Periodic)
			}
		})
	}
}

func sum(v []uint64) (n uint64) {
	for _, x := range v {
		n += x
	}
	return n
}

func TestCurrentCallsAndPeak(t *testing.T) {
	c, recs := newTestCollector(testLayout(), 2)
	recs[0].SetCurrentCalls(3)
	recs[1].SetCurrentCalls(4)
	s := c.Snapshot(t0.Add(time.Second))
	if s.CurrentCalls != 7 || s.PeakCalls != 7 || !s.PeakTime.Equal(t0.Add(time.Second)) {
		t.Fatalf("current %d peak %d at %v", s.CurrentCalls, s.PeakCalls, s.PeakTime)
	}
	recs[1].SetCurrentCalls(0)
	s = c.Snapshot(t0.Add(2 * time.Second))
	if s.CurrentCalls != 3 || s.PeakCalls != 7 {
		t.Fatalf("current %d peak %d", s.CurrentCalls, s.PeakCalls)
	}
}

func TestPeriodicVsCumulative(t *testing.T) {
	c, recs := newTestCollector(testLayout(), 2)
	csv := c.NewPeriod() // a second window, e.g. -fd for the CSV

	for range 3 {
		recs[0].CallCreated(false)
		recs[0].CallSucceeded(10 * time.Millisecond)
	}
	recs[1].ResponseTime(0, 4*time.Millisecond)

	s1 := c.Snapshot(t0.Add(time.Second))
	if s1.Periodic.Successful != 3 || s1.Cumulative.Successful != 3 {
		t.Fatalf("s1 successful P=%d C=%d", s1.Periodic.Successful, s1.Cumulative.Successful)
	}
	if !s1.LastReset.Equal(t0) || !s1.Start.Equal(t0) {
		t.Fatalf("s1 start %v last reset %v", s1.Start, s1.LastReset)
	}

	recs[1].CallCreated(true)
	recs[1].CallFailed(FailTimeoutOnRecv, 30*time.Millisecond)
	recs[0].ResponseTime(0, 8*time.Millisecond)

	s2 := c.Snapshot(t0.Add(2 * time.Second))
	if got := s2.Periodic; got.Successful != 0 || got.Failed != 1 || got.Created() != 1 ||
		got.FailedBy[FailTimeoutOnRecv] != 1 {
		t.Errorf("s2 periodic %+v", got)
	}
	if got := s2.Cumulative; got.Successful != 3 || got.Failed != 1 || got.Created() != 4 {
		t.Errorf("s2 cumulative %+v", got)
	}
	if !s2.LastReset.Equal(s1.Now) {
		t.Errorf("s2 last reset %v, want %v", s2.LastReset, s1.Now)
	}
	if d := s2.RTD(0, false); d.Count != 1 || d.Mean != 8*time.Millisecond {
		t.Errorf("s2 periodic RTD %+v", d)
	}
	if d := s2.RTD(0, true); d.Count != 2 || d.Mean != 6*time.Millisecond || d.Min != 4*time.Millisecond || d.Max != 8*time.Millisecond {
		t.Errorf("s2 cumulative RTD %+v", d)
	}
	if d := s2.CallLength(false); d.Count != 1 || d.Mean != 30*time.Millisecond {
		t.Errorf("s2 periodic call length %+v", d)
	}
	if d := s2.CallLength(true); d.Count != 4 || d.Mean != 15*time.Millisecond {
		t.Errorf("s2 cumulative call length %+v", d)
	}
	if got := s2.RTDRepartition(0, false); !equal(got, []uint64{1, 0, 0}) {
		t.Errorf("s2 periodic RTD repartition %v", got)
	}
	if got := s2.RTDRepartition(0, true); !equal(got, []uint64{2, 0, 0}) {
		t.Errorf("s2 cumulative RTD repartition %v", got)
	}

	// The second window saw both periods at once.
	sc := csv.Snapshot(t0.Add(3 * time.Second))
	if sc.Periodic.Created() != 4 || sc.Periodic.Successful != 3 || sc.Periodic.Failed != 1 {
		t.Errorf("csv period totals %+v", sc.Periodic)
	}
	if d := sc.RTD(0, false); d.Count != 2 {
		t.Errorf("csv period RTD %+v", d)
	}
	if !sc.LastReset.Equal(t0) {
		t.Errorf("csv last reset %v", sc.LastReset)
	}
	// and the default window saw nothing since s2.
	s3 := c.Snapshot(t0.Add(4 * time.Second))
	if s3.Periodic.Created() != 0 || s3.RTD(0, false).Count != 0 || s3.Cumulative.Created() != 4 || s3.RTD(0, true).Count != 2 {
		t.Errorf("s3 %+v %+v", s3.Periodic, s3.RTD(0, false))
	}
	if got := s3.Elapsed(false); got != 2*time.Second { // since s2, not since sc
		t.Errorf("s3 elapsed %v", got)
	}
	// A period created now starts at the last snapshot.
	late := c.NewPeriod()
	recs[0].CallCreated(false)
	sl := late.Snapshot(t0.Add(5 * time.Second))
	if !sl.LastReset.Equal(t0.Add(4*time.Second)) || sl.Periodic.Created() != 1 {
		t.Errorf("late period: last reset %v created %d", sl.LastReset, sl.Periodic.Created())
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPercentiles(t *testing.T) {
	c, recs := newTestCollector(Layout{RTDNames: []string{"1"}}, 2)
	// 1..1000 ms, split across two recorders.
	for v := 1; v <= 1000; v++ {
		recs[v%2].ResponseTime(0, time.Duration(v)*time.Millisecond)
	}
	d := c.Snapshot(t0.Add(time.Second)).RTD(0, true)
	if d.Count != 1000 || d.Min != time.Millisecond || d.Max != time.Second {
		t.Fatalf("count/min/max %+v", d)
	}
	if d.Mean != 500500*time.Microsecond {
		t.Errorf("mean %v, want 500.5ms", d.Mean)
	}
	// Sample standard deviation of 1..n is sqrt(n(n+1)/12).
	wantSD := math.Sqrt(1000*1001/12.0) * float64(time.Millisecond)
	if math.Abs(float64(d.StdDev)-wantSD) > float64(time.Microsecond) {
		t.Errorf("stddev %v, want %v", d.StdDev, time.Duration(wantSD))
	}
	for _, p := range []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"p50", d.P50, 500 * time.Millisecond},
		{"p90", d.P90, 900 * time.Millisecond},
		{"p99", d.P99, 990 * time.Millisecond},
		{"p99.9", d.P999, 999 * time.Millisecond},
	} {
		// 3 significant digits: within 0.1%.
		if diff := p.got - p.want; diff < 0 || float64(diff) > 0.001*float64(p.want) {
			t.Errorf("%s = %v, want %v (+0.1%%)", p.name, p.got, p.want)
		}
	}
}

func TestSingleValueDist(t *testing.T) {
	c, recs := newTestCollector(Layout{RTDNames: []string{"1"}}, 1)
	recs[0].ResponseTime(0, 1234567*time.Microsecond)
	d := c.Snapshot(t0).RTD(0, true)
	v := 1234567 * time.Microsecond
	if d != (Dist{Count: 1, Mean: v, Min: v, Max: v, P50: v, P90: v, P99: v, P999: v}) {
		t.Errorf("dist %+v: percentiles must clamp to the exact min and max, stddev must be 0", d)
	}
}

func TestClampAndRepartition(t *testing.T) {
	c, recs := newTestCollector(Layout{
		RTDNames:              []string{"1"},
		RTDRepartition:        []int{20, 10, 10},
		CallLengthRepartition: []int{1},
	}, 1)
	r := recs[0]
	for _, d := range []time.Duration{
		-time.Second,             // clamps to 0
		9999 * time.Microsecond,  // < 10 ms
		10 * time.Millisecond,    // [10, 10): never, then [10, 20)
		19999 * time.Microsecond, // [10, 20)
		20 * time.Millisecond,    // >= 20
		2 * time.Hour,            // clamps to 1 h
		999 * time.Nanosecond,    // 0 µs
	} {
		r.ResponseTime(0, d)
	}
	r.CallSucceeded(999 * time.Microsecond)
	r.CallSucceeded(time.Millisecond)
	s := c.Snapshot(t0)
	if got := s.RTDRepartition(0, true); !equal(got, []uint64{3, 0, 2, 2}) {
		t.Errorf("RTD repartition %v, want [3 0 2 2]", got)
	}
	if got := s.CallLengthRepartition(true); !equal(got, []uint64{1, 1}) {
		t.Errorf("call length repartition %v, want [1 1]", got)
	}
	d := s.RTD(0, true)
	if d.Min != 0 || d.Max != time.Hour || d.P999 != time.Hour {
		t.Errorf("clamping: %+v", d)
	}
	if s.RTDRepartition(1, true) != nil || s.RTD(5, false) != (Dist{}) {
		t.Error("out-of-range RTD must give zero values")
	}
}

func TestNewCollectorRejectsOtherLayout(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCollector accepted a recorder with another layout")
		}
	}()
	NewCollector(testLayout(), []*Recorder{NewRecorder(Layout{Commands: 1})})
}

func TestLayoutNotModified(t *testing.T) {
	l := testLayout()
	NewRecorder(l)
	if l.RTDRepartition[0] != 20 {
		t.Error("NewRecorder sorted the caller's slice")
	}
}

// TestConcurrent runs one writer goroutine per recorder and the aggregator
// concurrently; run with -race. Every count must arrive exactly once.
func TestConcurrent(t *testing.T) {
	const writers, snapshots = 3, 20
	c, recs := newTestCollector(testLayout(), writers)
	var stop atomic.Bool
	var wg sync.WaitGroup
	done := make([]uint64, writers)
	for w, r := range recs {
		wg.Go(func() {
			i := 0
			for ; !stop.Load() || i < 1000; i++ {
				r.CallCreated(false)
				r.MessageSent(0)
				r.ResponseTime(i%2, time.Duration(i%50)*time.Millisecond)
				r.Counter(0)
				if i%10 == 0 {
					r.CallFailed(FailTimeoutOnRecv, time.Second)
				} else {
					r.CallSucceeded(time.Second)
				}
				r.SetCurrentCalls(i % 7)
			}
			done[w] = uint64(i)
		})
	}
	var periodicCreated, periodicRTD, failed uint64
	now := t0
	take := func() *Snapshot {
		now = now.Add(time.Second)
		s := c.Snapshot(now)
		periodicCreated += s.Periodic.Created()
		periodicRTD += s.RTD(0, false).Count + s.RTD(1, false).Count
		return s
	}
	for range snapshots {
		take()
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	s := take()

	var n uint64
	for w, d := range done {
		n += d
		failed += (d + 9) / 10 // i%10 == 0 for i in [0, d)
		if d < 1000 {
			t.Errorf("writer %d stopped after %d calls", w, d)
		}
	}
	if got := s.Cumulative; got.Created() != n || got.Successful != n-failed || got.Failed != failed ||
		got.Commands[0].Sent != n || got.Counters[0] != n {
		t.Errorf("cumulative %+v, want %d calls, %d failed", got, n, failed)
	}
	if periodicCreated != n || periodicRTD != n {
		t.Errorf("sum of periodic values: created %d, RTD %d; want %d", periodicCreated, periodicRTD, n)
	}
	if got := s.RTD(0, true).Count + s.RTD(1, true).Count; got != n {
		t.Errorf("cumulative RTD count %d, want %d", got, n)
	}
	if got := s.CallLength(true).Count; got != n {
		t.Errorf("call length count %d, want %d", got, n)
	}
	if h := c.RTDHistogram(0); h == nil || uint64(h.TotalCount()) != s.RTD(0, true).Count {
		t.Errorf("RTDHistogram(0) disagrees with the snapshot")
	}
	if h := c.CallLengthHistogram(); uint64(h.TotalCount()) != n {
		t.Errorf("CallLengthHistogram count %d", h.TotalCount())
	}
}

func TestRecorderAllocs(t *testing.T) {
	r := NewRecorder(testLayout())
	ops := map[string]func(){
		"CallCreated":       func() { r.CallCreated(false) },
		"CallSucceeded":     func() { r.CallSucceeded(25 * time.Millisecond) },
		"CallFailed":        func() { r.CallFailed(FailMaxUDPRetrans, 25*time.Millisecond) },
		"CallAborted":       func() { r.CallAborted(25 * time.Millisecond) },
		"ResponseTime":      func() { r.ResponseTime(1, 3*time.Millisecond) },
		"MessageSent":       func() { r.MessageSent(1) },
		"MessageReceived":   func() { r.MessageReceived(2) },
		"Retransmission":    func() { r.Retransmission(1) },
		"UnexpectedMessage": func() { r.UnexpectedMessage(1) },
		"RecvTimeout":       func() { r.RecvTimeout(1) },
		"Counter":           func() { r.Counter(0) },
		"OutOfCallMessage":  r.OutOfCallMessage,
		"DeadCallMessage":   r.DeadCallMessage,
		"ParseError":        r.ParseError,
		"AutoAnswered":      r.AutoAnswered,
		"SetCurrentCalls":   func() { r.SetCurrentCalls(42) },
	}
	for name, f := range ops {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}
