package engine

import "testing"

func TestBufPoolClassesAndReuse(t *testing.T) {
	var p bufPool
	for _, n := range []int{0, 1, 64, 65, 500, 1024, 1500, 4096, 9000, 65536} {
		b := p.get(n)
		if cap(b) < n || len(b) != 0 {
			t.Fatalf("get(%d): len %d cap %d", n, len(b), cap(b))
		}
		p.put(b)
		if again := p.get(n); cap(again) != cap(b) {
			t.Fatalf("get(%d) after put: cap %d, want the same buffer (cap %d)", n, cap(again), cap(b))
		}
	}
	var dst []byte
	p.store(&dst, make([]byte, 700))
	if len(dst) != 700 || cap(dst) != 1024 {
		t.Fatalf("store: len %d cap %d", len(dst), cap(dst))
	}
	p.release(&dst)
	if dst != nil {
		t.Fatal("release left the buffer")
	}
	allocs := testing.AllocsPerRun(1000, func() {
		var b []byte
		p.store(&b, make([]byte, 600))
		p.release(&b)
	})
	if allocs != 0 {
		t.Fatalf("steady store/release allocates %v times", allocs)
	}
}
