package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFit(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4}
	for _, tc := range []struct {
		y    []float64
		want float64
	}{
		{[]float64{5, 5, 5, 5, 5}, 0},
		{[]float64{1, 3, 5, 7, 9}, 2},
		{[]float64{10, 9, 8, 7, 6}, -1},
		{[]float64{0, 1, 0, 1, 0}, 0},
	} {
		if got := fit(x, tc.y); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("fit(%v) = %v, want %v", tc.y, got, tc.want)
		}
	}
	if got := fit([]float64{1}, []float64{1}); got != 0 {
		t.Errorf("one point: %v", got)
	}
}

// TestAnalyse: a steady process is flat, one whose RSS grows 1 MiB a minute
// over ten minutes is not, nor one whose goroutines change; the warm-up is
// left out.
func TestAnalyse(t *testing.T) {
	o := options{warmup: 2 * time.Minute}
	sums := [2]*summary{{}, {}}
	var samples []sample
	for m := 0; m <= 12; m++ {
		s := sample{at: time.Duration(m) * time.Minute}
		s.rss = [2]int64{100 << 20, (100 + int64(m)) << 20} // the uas grows
		s.heap = [2]int64{40 << 20, 40 << 20}
		s.goroutines = [2]int64{19, 19}
		if m == 0 {
			s.rss[0], s.goroutines[0] = 10<<20, 5 // warm-up: ignored
		}
		if m == 7 {
			s.goroutines[1] = 20
		}
		samples = append(samples, s)
	}
	r := analyse(o, samples, 12*time.Minute, sums)
	if r.steady != 10*time.Minute {
		t.Fatalf("steady part %v, want 10m", r.steady)
	}
	for i, want := range [2][3]bool{{true, true, true}, {false, true, false}} {
		for k, s := range r.series[i] {
			if s.flat != want[k] {
				t.Errorf("%s %s: flat %v, want %v (%+v)", procNames[i], s.name, s.flat, want[k], s)
			}
		}
	}
	if g := r.series[1][0].growth; math.Abs(g-10) > 1e-9 {
		t.Errorf("uas RSS growth %v MiB, want 10", g)
	}
	if r.ok() {
		t.Error("a growing run is ok")
	}
}

func TestOutputParsers(t *testing.T) {
	out := "1s created=500 current=3\n2s created=1000 current=4 successful=996\n" +
		"gossip: warning: generator saturated: 3 calls started late (worst 12ms)\n...\n" +
		"generator saturated: 5 calls started late (worst 20ms)\n"
	if n := createdSoFar(out); n != 1000 {
		t.Errorf("created %d, want 1000", n)
	}
	if s := saturation(out); s != "generator saturated: 5 calls started late (worst 20ms)" {
		t.Errorf("saturation %q", s)
	}
	if s := saturation("all fine\n"); s != "" {
		t.Errorf("saturation of a healthy run %q", s)
	}
	path := filepath.Join(t.TempDir(), "rt.tsv")
	if err := os.WriteFile(path, []byte("unix_ms\tgoroutines\theap_object_bytes\tgc_cycles\n1\t19\t4096\t2\n2\t20\t8192\t3\n3\t2"), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := lastRuntimeLine(path)
	if err != nil || len(v) != 4 || v[1] != 20 || v[2] != 8192 {
		t.Errorf("last complete line %v, %v; want [2 20 8192 3]", v, err)
	}
}
