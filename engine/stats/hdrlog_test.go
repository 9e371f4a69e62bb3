package stats

import (
	"bytes"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// TestHdrLogReadBack writes two intervals and reads them back with
// hdrhistogram-go's standard log reader.
func TestHdrLogReadBack(t *testing.T) {
	l := Layout{RTDNames: []string{"1", "my rtd"}, Commands: 1}
	r := NewRecorder(l)
	c := NewCollector(l, []*Recorder{r})
	c.SetStart(t0)
	p := c.NewHistogramPeriod()
	var buf bytes.Buffer
	h := NewHdrLog(&buf, l)
	h.Comment = "Logged with gossip test"

	ms := time.Millisecond
	for i := range 100 {
		r.ResponseTime(0, time.Duration(i+1)*ms) // 1..100 ms
	}
	r.ResponseTime(1, 2500*time.Microsecond)
	r.CallSucceeded(3 * time.Second)
	if err := h.WriteInterval(p.Snapshot(t0.Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	r.ResponseTime(0, 7*ms)
	if err := h.WriteInterval(p.Snapshot(t0.Add(2 * time.Second))); err != nil {
		t.Fatal(err)
	}

	text := buf.String()
	for _, want := range []string{
		"#[Logged with gossip test]\n",
		"#[Histogram log format version 1.3]\n",
		"#[StartTime: 1767323045 (seconds since epoch), 2026-01-02T03:04:05Z]\n",
		"#[BaseTime: 1767323045 (seconds since epoch)]\n",
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
		"Tag=ResponseTime1,0.123000,1.000000,100.",
		"Tag=ResponseTimemy_rtd,0.123000,1.000000,2.5",
		"Tag=CallLength,0.123000,1.000000,300",
		"Tag=ResponseTime1,1.123000,1.000000,7.00",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}

	rd := hdrhistogram.NewHistogramLogReader(strings.NewReader(text))
	type interval struct {
		tag        string
		start, end int64
		count      int64
		p50, max   int64 // ns
	}
	var got []interval
	for {
		hist, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatal(err)
		}
		if hist == nil {
			break
		}
		got = append(got, interval{hist.Tag(), hist.StartTimeMs(), hist.EndTimeMs(), hist.TotalCount(),
			hist.ValueAtQuantile(50), hist.Max()})
	}
	if len(got) != 6 {
		t.Fatalf("read %d intervals, want 6: %+v", len(got), got)
	}
	base := t0.UnixMilli()
	near := func(v, want int64) bool { return v >= want*999/1000 && v <= want*1001/1000 }
	first := got[0]
	if first.tag != "ResponseTime1" || first.count != 100 || !near(first.p50, 50_000_000) ||
		!near(first.max, 100_000_000) || first.start != base || first.end != base+1000 {
		t.Errorf("first interval %+v: want tag ResponseTime1, 100 values, p50 50 ms, max 100 ms (ns), 0..1 s", first)
	}
	if got[1].tag != "ResponseTimemy_rtd" || got[1].count != 1 || !near(got[1].max, 2_500_000) {
		t.Errorf("second RTD %+v", got[1])
	}
	if got[2].tag != "CallLength" || got[2].count != 1 || !near(got[2].max, 3_000_000_000) {
		t.Errorf("call length %+v", got[2])
	}
	if got[3].tag != "ResponseTime1" || got[3].count != 1 || !near(got[3].max, 7_000_000) || got[3].start != base+1000 {
		t.Errorf("second interval %+v", got[3])
	}
	if got[4].count != 0 || got[5].count != 0 {
		t.Errorf("empty intervals must be logged empty: %+v %+v", got[4], got[5])
	}
}

func TestHdrLogNeedsHistogramPeriod(t *testing.T) {
	l := Layout{RTDNames: []string{"1"}}
	c := NewCollector(l, nil)
	c.SetStart(t0)
	var buf bytes.Buffer
	if err := NewHdrLog(&buf, l).WriteInterval(c.Snapshot(t0.Add(time.Second))); err == nil {
		t.Error("a snapshot without histograms was accepted")
	}
}
