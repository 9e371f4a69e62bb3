package stats

import (
	"fmt"
	"io"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HdrLog writes an HdrHistogram interval log (gossip's -trace_hdr), the
// format of HdrHistogram's HistogramLogWriter that its standard tools
// (HistogramLogProcessor, HistogramLogAnalyzer, hdrhistogram-go's
// HistogramLogReader) read:
//
//	#[Logged with gossip ...]
//	#[Histogram log format version 1.3]
//	#[StartTime: 1795707539 (seconds since epoch), 2026-11-26T14:58:59Z]
//	#[BaseTime: 1795707539 (seconds since epoch)]
//	"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"
//	Tag=ResponseTime1,0.000,1.000,0.812,HISTFAAAA...
//	Tag=CallLength,0.000,1.000,1501.003,HISTFAAAA...
//
// Each WriteInterval writes one line per response-time counter (tagged
// ResponseTime<name>, the -trace_stat column name) and one for call length
// (tagged CallLength), even for an interval without values. Time stamps are
// seconds since the base time, the whole second the run started in. Values are nanoseconds
// with microsecond resolution, the unit the tools assume by default, so
// Interval_Max and their percentile outputs read in milliseconds.
//
// An HdrLog is not safe for concurrent use.
type HdrLog struct {
	// Comment, when set before the header is written, is logged as a
	// "#[...]" comment line first (e.g. the generator and its version).
	Comment string

	w      io.Writer
	lw     *hdrhistogram.HistogramLogWriter
	tags   []string
	header bool
}

// NewHdrLog returns an HdrLog writing to w for a run with layout l.
func NewHdrLog(w io.Writer, l Layout) *HdrLog {
	h := &HdrLog{w: w, lw: hdrhistogram.NewHistogramLogWriter(w)}
	for _, n := range l.RTDNames {
		h.tags = append(h.tags, hdrTag("ResponseTime"+n))
	}
	return h
}

// hdrTag makes s a valid log tag: no commas, blanks or line breaks.
func hdrTag(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ',', ' ', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

// WriteHeader writes the log's header for a run started at start, unless it
// was written already.
func (h *HdrLog) WriteHeader(start time.Time) error {
	if h.header {
		return nil
	}
	// The log keeps whole seconds of the base time: use the run's start
	// second, so that time stamps read back exactly.
	ms := start.Unix() * 1000
	h.lw.SetBaseTime(ms)
	if h.Comment != "" {
		if err := h.lw.OutputComment("[" + h.Comment + "]"); err != nil {
			return err
		}
	}
	for _, f := range []func() error{
		h.lw.OutputLogFormatVersion,
		func() error { return h.lw.OutputStartTime(ms) },
		func() error { return h.lw.OutputBaseTime(ms) },
		h.lw.OutputLegend,
	} {
		if err := f(); err != nil {
			return err
		}
	}
	h.header = true
	return nil
}

// WriteInterval writes the interval s covers (LastReset..Now), after the
// header if it was not written yet. s must come from a Period made by
// Collector.NewHistogramPeriod.
func (h *HdrLog) WriteInterval(s *Snapshot) error {
	if err := h.WriteHeader(s.Start); err != nil {
		return err
	}
	if len(s.rtdHist) != len(h.tags) || s.clHist == nil {
		return fmt.Errorf("stats: HdrLog needs snapshots of a NewHistogramPeriod")
	}
	from, to := s.LastReset.UnixMilli(), s.Now.UnixMilli()
	for i, tag := range h.tags {
		if err := h.lw.OutputIntervalHistogram(nanos(s.rtdHist[i], tag, from, to)); err != nil {
			return err
		}
	}
	return h.lw.OutputIntervalHistogram(nanos(s.clHist, "CallLength", from, to))
}

// nanos copies a histogram of microseconds into one of nanoseconds, each
// recorded bucket at its median value, stamped and tagged for the log.
func nanos(us *hdrhistogram.Histogram, tag string, from, to int64) *hdrhistogram.Histogram {
	ns := hdrhistogram.New(1000, histHighest*1000, histDigits)
	if us.TotalCount() > 0 {
		for _, bar := range us.Distribution() {
			if bar.Count > 0 {
				_ = ns.RecordValues((bar.From+bar.To)/2*1000, bar.Count) // in range by construction
			}
		}
	}
	ns.SetTag(tag)
	ns.SetStartTimeMs(from)
	ns.SetEndTimeMs(to)
	return ns
}
