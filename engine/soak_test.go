package engine

import (
	"context"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/gossip-sip/gossip/scenario"
)

// TestSoak runs the built-in uac against the built-in uas in one process
// for GOSSIP_SOAK (default 2 minutes; skipped with -short) at a steady rate
// and checks what a long run must keep flat: heap in use, goroutines, and
// every call counted once. goleak then checks that nothing outlives the
// engines. bench/ runs the 30-minute version.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak run")
	}
	length := 2 * time.Minute
	if v := os.Getenv("GOSSIP_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("GOSSIP_SOAK=%q: %v", v, err)
		}
		length = d
	}
	defer goleak.VerifyNone(t)
	uasScn, err := scenario.Builtin("uas")
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 2, BufferSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const rate = 400
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 2, Remote: uas.LocalAddrs()[0], Rate: rate,
		BufferSize: 4 << 20, DeadCallWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uasDone := make(chan *Result, 1)
	uacDone := make(chan *Result, 1)
	go func() { r, _ := uas.Run(ctx); uasDone <- r }()
	go func() { r, _ := uac.Run(ctx); uacDone <- r }()

	sample := func() (heap uint64, goroutines int) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse, runtime.NumGoroutine()
	}
	// Warm up past the UAS's 4 s linger and the dead-call window, so the
	// slabs, tables and pools reach their steady size.
	time.Sleep(min(length/4, 15*time.Second))
	heap0, g0 := sample()
	time.Sleep(length - min(length/4, 15*time.Second))
	heap1, g1 := sample()
	uac.Stop()
	ures := <-uacDone
	uas.Stop()
	sres := <-uasDone

	t.Logf("heap in use %d KiB → %d KiB, goroutines %d → %d over %s", heap0>>10, heap1>>10, g0, g1, length)
	// A machine that stalls the test for longer than the retransmission
	// timer (the race detector, other test packages on the same cores)
	// makes calls fail and pools grow, as it would for SIPp. That is
	// allowed only when the generator reported its own saturation, which
	// is what it must do then; a quiet run must be flat and lose nothing.
	saturated := ures.Health.Saturated() || sres.Health.Saturated()
	if saturated {
		t.Logf("generator saturated: uac %s; uas %s", ures.Health, sres.Health)
	}
	if heap1 > heap0+heap0/5+(1<<20) && !saturated {
		t.Errorf("heap grew from %d KiB to %d KiB during a steady run", heap0>>10, heap1>>10)
	}
	if g1 != g0 {
		t.Errorf("goroutines went from %d to %d during a steady run", g0, g1)
	}
	u, s := ures.Stats.Cumulative, sres.Stats.Cumulative
	assertConserved(t, "uac", u)
	assertConserved(t, "uas", s)
	if (u.Failed != 0 || s.Failed != 0) && !saturated {
		t.Errorf("failed calls: uac %d %v, uas %d %v (by class); uac health %+v, uas health %+v",
			u.Failed, u.FailedBy, s.Failed, s.FailedBy, ures.Health, sres.Health)
	}
	if want := uint64(float64(length/time.Second) * rate * 0.9); u.Successful < want && !saturated {
		t.Errorf("only %d successful calls in %s at %d/s", u.Successful, length, rate)
	}
}
