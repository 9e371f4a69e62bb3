package stats

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// captureLines returns the lines of a file written by the real SIPp.
func captureLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// Layouts of the captured runs: SIPp's built-in uac scenario, and
// testdata/sipp361_uac_rtd.xml.
var (
	uacLayout = Layout{
		RTDNames:              []string{"1"},
		Commands:              9,
		RTDRepartition:        []int{10, 20, 30, 40, 50, 100, 150, 200},
		CallLengthRepartition: []int{10, 50, 100, 500, 1000, 5000, 10000},
	}
	rtdLayout = Layout{
		RTDNames:              []string{"a", "2"},
		Counters:              []string{"x", "3"},
		Commands:              8,
		RTDRepartition:        []int{5, 1, 20},
		CallLengthRepartition: []int{100},
	}
)

func TestStatFileHeaderMatchesSIPp(t *testing.T) {
	for _, tt := range []struct {
		capture string
		layout  Layout
	}{
		{"sipp361_uac.csv", uacLayout},
		{"sipp361_uac_rtd.csv", rtdLayout},
	} {
		t.Run(tt.capture, func(t *testing.T) {
			var buf bytes.Buffer
			f := NewStatFile(&buf, tt.layout)
			if err := f.WriteHeader(); err != nil {
				t.Fatal(err)
			}
			if err := f.WriteHeader(); err != nil { // second call: no-op
				t.Fatal(err)
			}
			want := captureLines(t, tt.capture)[0] + "\n"
			if got := buf.String(); got != want {
				t.Errorf("header differs from SIPp 3.6.1's\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

func us2t(usec int64) time.Time { return time.UnixMicro(usec).In(time.UTC) }

// TestStatFileRowsMatchSIPp rebuilds rows of the captured files from the
// same events and compares them byte for byte.
func TestStatFileRowsMatchSIPp(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		capture string
		line    int
		layout  Layout
		start   int64 // µs since the epoch
		reset   int64 // a snapshot before the row's, 0 if none
		now     int64
		rate    float64
		record  func(r *Recorder)
	}{
		{
			name: "first row", capture: "sipp361_uac.csv", line: 1, layout: uacLayout,
			start: 1795703498614720, now: 1795703498615064, rate: 10,
			record: func(*Recorder) {},
		},
		{
			name: "nine calls", capture: "sipp361_uac.csv", line: 2, layout: uacLayout,
			start: 1795703498614720, reset: 1795703498615229, now: 1795703499618770, rate: 10,
			record: func(r *Recorder) {
				// Mean 7 ms, sample standard deviation exactly 1 ms.
				for _, l := range []time.Duration{6, 6, 6, 6, 7, 8, 8, 8, 8} {
					r.CallCreated(false)
					r.ResponseTime(0, 0)
					r.CallSucceeded(l * ms)
				}
			},
		},
		{
			name: "named RTDs and counters", capture: "sipp361_uac_rtd.csv", line: 2, layout: rtdLayout,
			start: 1795703580517184, reset: 1795703580517844, now: 1795703581518892, rate: 5,
			record: func(r *Recorder) {
				// Mean 27 ms, sample standard deviation exactly 2 ms.
				for _, l := range []time.Duration{30, 26, 26, 26} {
					r.CallCreated(false)
					r.Counter(0)
					r.ResponseTime(0, 0)
					r.Counter(1)
					r.ResponseTime(1, 0)
					r.Counter(0)
					r.CallSucceeded(l * ms)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder(tt.layout)
			c := NewCollector(tt.layout, []*Recorder{r})
			c.SetStart(us2t(tt.start))
			if tt.reset != 0 {
				c.Snapshot(us2t(tt.reset))
			}
			tt.record(r)
			s := c.Snapshot(us2t(tt.now))
			s.TargetRate = tt.rate

			var buf bytes.Buffer
			f := NewStatFile(&buf, tt.layout)
			if err := f.WriteRow(s); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("WriteRow wrote %d lines, want header and row", len(lines))
			}
			want := captureLines(t, tt.capture)[tt.line]
			if lines[1] != want {
				gf, wf := strings.Split(lines[1], ";"), strings.Split(want, ";")
				hdr := strings.Split(lines[0], ";")
				for i := range max(len(gf), len(wf)) {
					if i >= len(gf) || i >= len(wf) || gf[i] != wf[i] {
						t.Errorf("column %d (%s): got %q, want %q", i+1, at2(hdr, i), at2(gf, i), at2(wf, i))
					}
				}
			}
		})
	}
}

func at2(v []string, i int) string {
	if i < len(v) {
		return v[i]
	}
	return "<missing>"
}

// fixedRun records a small deterministic run into a collector with
// testLayout and returns the snapshots of three one-second periods.
func fixedRun() []*Snapshot {
	c, recs := newTestCollector(testLayout(), 2)
	ms := time.Millisecond
	var snaps []*Snapshot
	take := func(sec int) {
		s := c.Snapshot(t0.Add(time.Duration(sec)*time.Second + 250*time.Microsecond))
		s.TargetRate = 12.5
		snaps = append(snaps, s)
	}
	for i := range 12 {
		r := recs[i%2]
		r.CallCreated(false)
		r.MessageSent(0)
		r.MessageReceived(1)
		r.ResponseTime(0, time.Duration(3+i)*ms+17*time.Microsecond)
		r.ResponseTime(1, time.Duration(12+2*i)*ms)
		r.Counter(0)
		r.MessageSent(2)
		r.MessageReceived(3)
		r.CallSucceeded(time.Duration(40+10*i) * ms)
	}
	recs[0].Retransmission(0)
	recs[0].SetCurrentCalls(2)
	take(1)
	for i := range 9 {
		r := recs[i%2]
		r.CallCreated(false)
		r.MessageSent(0)
		if i%3 == 0 {
			r.RecvTimeout(1)
			r.CallFailed(FailTimeoutOnRecv, 32*time.Second)
			continue
		}
		r.MessageReceived(1)
		r.ResponseTime(0, time.Duration(25*i)*ms)
		r.MessageSent(2)
		r.UnexpectedMessage(3)
		r.CallFailed(FailUnexpectedMessage, time.Duration(100+i)*ms)
	}
	recs[1].OutOfCallMessage()
	recs[1].DeadCallMessage()
	recs[1].ParseError()
	recs[1].SetCurrentCalls(1)
	take(2)
	recs[0].CallCreated(true)
	recs[0].CallAborted(1500 * ms)
	recs[0].SetCurrentCalls(0)
	recs[1].SetCurrentCalls(0)
	take(3)
	return snaps
}

func TestStatFileGolden(t *testing.T) {
	var buf bytes.Buffer
	f := NewStatFile(&buf, testLayout())
	for _, s := range fixedRun() {
		if err := f.WriteRow(s); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "statfile.golden", buf.Bytes())

	// Every line has the header's number of fields.
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4", len(lines))
	}
	n := strings.Count(lines[0], ";")
	for i, l := range lines[1:] {
		if got := strings.Count(l, ";"); got != n {
			t.Errorf("row %d has %d fields, header %d", i+1, got, n)
		}
	}
}

func TestStatFileOptions(t *testing.T) {
	snaps := fixedRun()
	s := snaps[1]

	var buf bytes.Buffer
	f := NewStatFile(&buf, testLayout())
	f.Delimiter = ","
	f.RFC3339 = true
	f.PeriodicRepartition = true
	users := *s
	users.Users = 25
	if err := f.WriteRow(&users); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	hdr, row := strings.Split(lines[0], ","), strings.Split(lines[1], ",")
	if strings.Contains(lines[0], ";") || len(hdr) != len(row) {
		t.Fatalf("delimiter not applied: %q", lines[0])
	}
	col := func(name string) string {
		for i, h := range hdr {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	if got := col("StartTime"); got != "2026-01-02T03:04:05.123456Z" {
		t.Errorf("RFC 3339 start time %q", got)
	}
	if got := col("TargetRate"); got != "25" {
		t.Errorf("users mode TargetRate %q, want 25", got)
	}
	// Periodic repartition: only the second period's six RTD 1 values,
	// 25..200 ms, all at or above 20 ms.
	if got := col("ResponseTimeRepartition1_>=20"); got != "6" {
		t.Errorf("periodic repartition >=20: %q, want 6", got)
	}
	if got := col("ResponseTimeRepartition1_<10"); got != "0" {
		t.Errorf("periodic repartition <10: %q, want 0", got)
	}

	east := time.FixedZone("IST", 5*3600+1800)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 3, 4, 5, 6, 7, 890000999, east), "2026-03-04T05:06:07.890000+05:30"},
		{time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("X", -3*3600)), "2026-03-04T05:06:07.000000-03:00"},
	} {
		if got := string(appendStatTime(nil, tt.t, true)); got != tt.want {
			t.Errorf("rfc3339 %v: %q, want %q", tt.t, got, tt.want)
		}
	}
	if got := string(appendStatTime(nil, time.Date(2001, 9, 9, 1, 46, 39, 5000, time.UTC), false)); got != "2001-09-09\t01:46:39.000005\t0999999999.000005" {
		t.Errorf("SIPp time %q", got)
	}
}

func TestFormats(t *testing.T) {
	// Expected strings are what C's printf("%g") prints.
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {10, "10"}, {0.5, "0.5"}, {float64(float32(9000) / 1003), "8.97308"},
		{123456.7, "123457"}, {1234567, "1.23457e+06"}, {0.0001, "0.0001"}, {0.00001234, "1.234e-05"},
	} {
		if got := string(appendFloat(nil, tt.v)); got != tt.want {
			t.Errorf("appendFloat(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	for _, tt := range []struct {
		usec int64
		want string
	}{
		{0, "00:00:00:000000"}, {-5, "00:00:00:000000"}, {7000, "00:00:00:007000"},
		{3723000001, "01:02:03:000001"}, {360000000000, "100:00:00:000000"},
	} {
		if got := string(appendHMSMicro(nil, tt.usec)); got != tt.want {
			t.Errorf("appendHMSMicro(%d) = %q, want %q", tt.usec, got, tt.want)
		}
	}
	for _, tt := range []struct {
		ms   int64
		want string
	}{{0, "00:00:00"}, {999, "00:00:00"}, {61000, "00:01:01"}, {3600000 * 123, "123:00:00"}} {
		if got := string(appendHMS(nil, tt.ms)); got != tt.want {
			t.Errorf("appendHMS(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteErrors(t *testing.T) {
	s := fixedRun()[0]
	if err := NewStatFile(failWriter{}, testLayout()).WriteRow(s); !errors.Is(err, errWrite) {
		t.Errorf("WriteRow error %v", err)
	}
	if err := WriteScreen(failWriter{}, s, ScreenInfo{}); !errors.Is(err, errWrite) {
		t.Errorf("WriteScreen error %v", err)
	}
	if err := WriteSummary(failWriter{}, s, ScreenInfo{}); !errors.Is(err, errWrite) {
		t.Errorf("WriteSummary error %v", err)
	}
}
