package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRuntimeStats: with GOSSIP_RUNTIME_STATS set, a run writes the header
// and a line at its start and at its end, each with four numbers and at
// least one goroutine.
func TestRuntimeStats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.tsv")
	t.Setenv(runtimeStatsEnv, path)
	startRuntimeStats()()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 3 || lines[0]+"\n" != runtimeStatsHeader {
		t.Fatalf("want the header and two lines, got %q", b)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			t.Fatalf("line %q has %d fields", l, len(f))
		}
		for i, v := range f {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || (i == 1 && n < 1) || (i != 3 && n <= 0) {
				t.Errorf("line %q field %d = %q", l, i, v)
			}
		}
	}
}

// TestHeapProfile: with GOSSIP_MEMPROFILE set, the heap profile is written
// in pprof's format (a gzip stream).
func TestHeapProfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.prof")
	t.Setenv(heapProfileEnv, path)
	writeHeapProfile()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("not a gzip stream: % x", b[:min(len(b), 8)])
	}
}
