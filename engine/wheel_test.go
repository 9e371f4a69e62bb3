package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestWheelExpiresInOrderAtExactTick(t *testing.T) {
	for _, start := range []uint64{0, 1, 63, 64, 4095, 1 << 20, 1<<36 - 3} {
		w := newWheel(start)
		const n = 5000
		w.grow(n)
		rng := rand.New(rand.NewPCG(1, start))
		want := map[int32]uint64{}
		for id := int32(0); id < n; id++ {
			var delta uint64
			switch id % 4 {
			case 0:
				delta = rng.Uint64N(64) + 1
			case 1:
				delta = rng.Uint64N(5000) + 1
			case 2:
				delta = rng.Uint64N(300_000) + 1
			default:
				delta = rng.Uint64N(20_000_000) + 1
			}
			w.Schedule(id, start+delta)
			want[id] = start + delta
		}
		// Cancel a tenth of them.
		for id := int32(0); id < n; id += 10 {
			w.Cancel(id)
			delete(want, id)
		}
		if w.Len() != len(want) {
			t.Fatalf("Len = %d, want %d", w.Len(), len(want))
		}
		got := map[int32]uint64{}
		var out []int32
		now := start
		for w.Len() > 0 {
			next, ok := w.NextExpiry()
			if !ok || next <= now {
				t.Fatalf("NextExpiry = %d,%v at now %d", next, ok, now)
			}
			out = w.Advance(next, out[:0])
			now = next
			for _, id := range out {
				got[id] = now
			}
		}
		for id, at := range want {
			if got[id] != at {
				t.Fatalf("start %d: id %d fired at %d, want %d", start, id, got[id], at)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("fired %d, want %d", len(got), len(want))
		}
	}
}

func TestWheelRescheduleAndPast(t *testing.T) {
	w := newWheel(100)
	w.grow(3)
	w.Schedule(0, 50) // in the past: next tick
	w.Schedule(1, 200)
	w.Schedule(1, 150) // moved earlier
	w.Schedule(2, 120)
	w.Cancel(2)
	out := w.Advance(101, nil)
	if !slices.Equal(out, []int32{0}) {
		t.Fatalf("tick 101 fired %v", out)
	}
	out = w.Advance(149, out[:0])
	if len(out) != 0 {
		t.Fatalf("fired early: %v", out)
	}
	out = w.Advance(1000, out[:0])
	if !slices.Equal(out, []int32{1}) {
		t.Fatalf("fired %v", out)
	}
	if w.Scheduled(1) || w.Len() != 0 {
		t.Fatal("timer still pending")
	}
}

func TestWheelNoAllocs(t *testing.T) {
	w := newWheel(0)
	w.grow(1024)
	out := make([]int32, 0, 1024)
	var now uint64
	allocs := testing.AllocsPerRun(100, func() {
		for id := int32(0); id < 1024; id++ {
			w.Schedule(id, now+uint64(id%200)+1)
		}
		now += 300
		out = w.Advance(now, out[:0])
	})
	if allocs != 0 {
		t.Fatalf("allocs per run = %v", allocs)
	}
}

func BenchmarkWheel(b *testing.B) {
	const n = 1_000_000
	w := newWheel(0)
	w.grow(n)
	for id := int32(0); id < n; id++ {
		w.Schedule(id, uint64(id%60_000)+1)
	}
	b.Run("schedule-cancel/1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id := int32(i % n)
			w.Cancel(id)
			w.Schedule(id, w.now+uint64(i%60_000)+1)
		}
	})
	b.Run("advance/1M", func(b *testing.B) {
		b.ReportAllocs()
		out := make([]int32, 0, 4096)
		for b.Loop() {
			out = w.Advance(w.now+1, out[:0])
			for _, id := range out {
				w.Schedule(id, w.now+60_000)
			}
		}
	})
}
