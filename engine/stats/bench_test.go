package stats

import (
	"testing"
	"time"
)

func BenchmarkRecorder(b *testing.B) {
	r := NewRecorder(testLayout())
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"CallCreated", func() { r.CallCreated(false) }},
		{"MessageSent", func() { r.MessageSent(1) }},
		{"Retransmission", func() { r.Retransmission(1) }},
		{"ResponseTime", func() { r.ResponseTime(0, 7*time.Millisecond) }},
		{"CallSucceeded", func() { r.CallSucceeded(2 * time.Second) }},
		{"CallFailed", func() { r.CallFailed(FailTimeoutOnRecv, 2*time.Second) }},
		{"SetCurrentCalls", func() { r.SetCurrentCalls(100) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.f()
			}
		})
	}
}

// BenchmarkCollectorSnapshot measures one aggregation of 8 busy shards.
func BenchmarkCollectorSnapshot(b *testing.B) {
	c, recs := newTestCollector(testLayout(), 8)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i, r := range recs {
			for j := range 100 {
				r.ResponseTime(j%2, time.Duration(i*100+j)*time.Millisecond)
				r.CallSucceeded(time.Duration(j) * time.Second)
			}
		}
		b.StartTimer()
		now = now.Add(time.Second)
		c.Snapshot(now)
	}
}
