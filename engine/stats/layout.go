package stats

import (
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry shared by every recorder and collector: values are
// microseconds from 1 µs to one hour with 3 significant digits. Larger values
// are recorded as one hour, negative ones as zero.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histDigits  = 3
)

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

// Layout describes what a run counts. It is fixed for the run: the recorders
// and the collector of one run must be built from equal layouts.
type Layout struct {
	// RTDNames are the scenario's response-time counters ("1", "2", or any
	// name given to rtd=/start_rtd=), in SIPp's order: the order in which the
	// scenario first mentions each name. Recorder.ResponseTime takes an index
	// into this slice.
	RTDNames []string
	// Counters are the scenario's generic counters (counter= on a message), in
	// order of first mention. Recorder.Counter takes an index into this slice.
	Counters []string
	// Commands is the number of scenario commands; per-command message
	// counters are indexed 0..Commands-1.
	Commands int
	// RTDRepartition and CallLengthRepartition are the millisecond
	// boundaries of the scenario's <ResponseTimeRepartition> and
	// <CallLengthRepartition>, in any order (they are sorted, duplicates
	// kept, as SIPp does). Nil means no repartition table. The response-time
	// boundaries apply to every RTD.
	RTDRepartition, CallLengthRepartition []int
}

// geometry is a Layout reduced to what recording needs.
type geometry struct {
	rtds, counters, commands int
	rtdBounds, clBounds      []int64 // sorted boundaries in µs
	rtdMS, clMS              []int   // sorted boundaries in ms, as written
}

func (l Layout) geometry() geometry {
	g := geometry{rtds: len(l.RTDNames), counters: len(l.Counters), commands: max(l.Commands, 0)}
	g.rtdMS, g.rtdBounds = bounds(l.RTDRepartition)
	g.clMS, g.clBounds = bounds(l.CallLengthRepartition)
	return g
}

func bounds(ms []int) ([]int, []int64) {
	if len(ms) == 0 {
		return nil, nil
	}
	s := slices.Clone(ms)
	slices.Sort(s)
	us := make([]int64, len(s))
	for i, v := range s {
		us[i] = int64(max(v, 0)) * 1000
	}
	return s, us
}

func (g geometry) equal(o geometry) bool {
	return g.rtds == o.rtds && g.counters == o.counters && g.commands == o.commands &&
		slices.Equal(g.rtdBounds, o.rtdBounds) && slices.Equal(g.clBounds, o.clBounds)
}

// series accumulates one measured quantity (one RTD, or call length): an HDR
// histogram for percentiles plus exact count, sum, sum of squares, minimum,
// maximum and repartition counts. Values are microseconds.
//
// Recorders and the collector's accumulators use dense histograms (constant
// time recording, percentile queries). The collector's drain buffer uses a
// sparse one: filling it scans each recorder's counts once, and emptying it
// into the accumulators costs only its populated buckets, where merging dense
// histograms into each other would walk every bucket of each of them.
type series struct {
	h        *hdrhistogram.Histogram       // dense; nil in a drain buffer
	p        *hdrhistogram.PackedHistogram // sparse; only in a drain buffer
	n, sum   uint64
	sumSq    float64
	min, max int64
	rep      []uint64 // len(bounds)+1, nil without repartition
}

func newSeries(bounds []int64, sparse bool) series {
	var s series
	if sparse {
		s.p = hdrhistogram.NewPacked(histLowest, histHighest, histDigits)
	} else {
		s.h = newHist()
	}
	if len(bounds) > 0 {
		s.rep = make([]uint64, len(bounds)+1)
	}
	return s
}

// record adds one value in µs; it does not allocate.
func (s *series) record(v int64, bounds []int64) {
	v = min(max(v, 0), histHighest)
	_ = s.h.RecordValue(v) // cannot fail: v is within the histogram's range
	if s.n == 0 || v < s.min {
		s.min = v
	}
	if v > s.max {
		s.max = v
	}
	s.n++
	s.sum += uint64(v)
	s.sumSq += float64(v) * float64(v)
	if s.rep != nil {
		i := 0
		for i < len(bounds) && v >= bounds[i] {
			i++
		}
		s.rep[i]++
	}
}

func (s *series) merge(o *series) {
	if o.n == 0 {
		return
	}
	switch {
	case s.p != nil:
		s.p.MergeFrom(o.h)
	case o.p != nil:
		o.p.MergeInto(s.h)
	default:
		s.h.Merge(o.h)
	}
	if s.n == 0 || o.min < s.min {
		s.min = o.min
	}
	s.max = max(s.max, o.max)
	s.n += o.n
	s.sum += o.sum
	s.sumSq += o.sumSq
	for i := range s.rep {
		s.rep[i] += o.rep[i]
	}
}

func (s *series) reset() {
	if s.n == 0 {
		return
	}
	if s.h != nil {
		s.h.Reset()
	}
	if s.p != nil {
		s.p.Reset()
	}
	s.n, s.sum, s.sumSq, s.min, s.max = 0, 0, 0, 0, 0
	clear(s.rep)
}

// set is one series per RTD plus call length: a recorder's interval buffer,
// or a collector's accumulator.
type set struct {
	rtd []series
	cl  series
}

// newSet returns an empty set, with sparse histograms if sparse.
func newSet(g geometry, sparse bool) *set {
	s := &set{rtd: make([]series, g.rtds), cl: newSeries(g.clBounds, sparse)}
	for i := range s.rtd {
		s.rtd[i] = newSeries(g.rtdBounds, sparse)
	}
	return s
}

func (s *set) merge(o *set) {
	for i := range s.rtd {
		s.rtd[i].merge(&o.rtd[i])
	}
	s.cl.merge(&o.cl)
}

func (s *set) reset() {
	for i := range s.rtd {
		s.rtd[i].reset()
	}
	s.cl.reset()
}
