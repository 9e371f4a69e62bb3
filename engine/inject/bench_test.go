package inject

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeUsers writes a SEQUENTIAL file of n lines like
// "user0000042;secret42;[authentication username=user0000042 password=secret42];127.0.0.1".
func writeUsers(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	b.Grow(n * 96)
	b.WriteString("SEQUENTIAL\n# generated\n")
	for i := range n {
		fmt.Fprintf(&b, "user%07d;secret%d;[authentication username=user%07d password=secret%d];127.0.0.1\n", i, i, i, i)
	}
	path := filepath.Join(tb.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func BenchmarkLoad(b *testing.B) {
	const n = 1_000_000
	path := writeUsers(b, n)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("lines=1000000/gossip", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(st.Size())
		for b.Loop() {
			f, err := Load(path)
			if err != nil || f.NumLines() != n {
				b.Fatal(f.NumLines(), err)
			}
		}
	})
	b.Run("lines=1000000+infindex/gossip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := Load(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := NewSet(f).AddIndex("users.csv", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestLoadMillionLines checks a million-line file loads with little memory
// beyond the file: 4 bytes a line of offsets.
func TestLoadMillionLines(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 1_000_000
	path := writeUsers(t, n)
	st, _ := os.Stat(path)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if f.NumLines() != n {
		t.Fatalf("%d lines", f.NumLines())
	}
	extra := int64(after.TotalAlloc-before.TotalAlloc) - st.Size()
	if perLine := float64(extra) / n; perLine > 8 {
		t.Errorf("%.1f bytes per line beyond the file's %d bytes, want at most 8", perLine, st.Size())
	}
	if v, _ := f.AppendField(nil, n-1, 2); string(v) != "[authentication username=user0999999 password=secret999999]" {
		t.Errorf("last line field 2: %s", v)
	}
}

func BenchmarkField(b *testing.B) {
	f := mustParse(b, "u.csv", "SEQUENTIAL\nuser0000042;secret42;[authentication username=user0000042 password=secret42];127.0.0.1\n")
	pf := mustParse(b, "p.csv", "SEQUENTIAL,PRINTF=1000000\nuser%07d;secret%d;127.0.0.1\n")
	buf := make([]byte, 0, 256)
	b.Run("field3/plain/gossip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = f.AppendField(buf[:0], 0, 3)
		}
	})
	b.Run("field0/printf/gossip", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = pf.AppendField(buf[:0], 777777, 0)
		}
	})
	s := NewSet(f, pf, mustParse(b, "r.csv", "RANDOM\na\nb\nc\n"))
	src := rand.New(rand.NewPCG(1, 1))
	lines := make([]int32, 0, 3)
	b.Run("nextlines/3files/gossip", func(b *testing.B) {
		b.ReportAllocs()
		var seq uint64
		for b.Loop() {
			seq++
			lines, _ = s.NextLines(lines[:0], seq, 0, src)
		}
	})
}
