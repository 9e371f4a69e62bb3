package engine

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/scenario"
)

// BenchmarkLoopbackCalls runs whole calls of the built-in uac against the
// built-in uas (without its 4 s linger) through real loopback sockets, each
// side one shard, 200 calls in flight: ns/op is the wall time of one call
// with both ends on this machine.
func BenchmarkLoopbackCalls(b *testing.B) {
	for _, backend := range []string{"std", "mmsg"} {
		b.Run("uac-uas/"+backend, func(b *testing.B) {
			if backend == "mmsg" && runtime.GOOS != "linux" {
				b.Skip("mmsg is Linux only")
			}
			b.ReportAllocs()
			uasScn := uasNoLinger(b)
			uacScn, err := scenario.Builtin("uac")
			if err != nil {
				b.Fatal(err)
			}
			lo := netip.MustParseAddr("127.0.0.1")
			uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 1, Backend: backend, BufferSize: 4 << 20})
			if err != nil {
				b.Fatal(err)
			}
			uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Backend: backend, BufferSize: 4 << 20,
				Remote: uas.LocalAddrs()[0], Users: 200, MaxCalls: b.N})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			go uas.Run(ctx)
			defer uas.Abort()
			b.ResetTimer()
			res, err := uac.Run(ctx)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if c := res.Stats.Cumulative; c.Failed != 0 || c.Successful != uint64(b.N) {
				b.Fatalf("%d successful, %d failed of %d", c.Successful, c.Failed, b.N)
			}
		})
	}
}

// BenchmarkCallCycle measures gossip's own work per call, both ends
// included, with an in-memory dataplane: render, parse, match, timers and
// statistics for the built-in uac's INVITE, ACK and BYE and the uas's 180,
// 200 and 200, without any system call.
func BenchmarkCallCycle(b *testing.B) {
	b.Run("uac-uas/inmem", func(b *testing.B) {
		b.ReportAllocs()
		uac, uas, _, _ := newMemEngines(b, uasNoLinger(b))
		p := &pair{uac: uac, uas: uas, pkts: make([]dataplane.Packet, 1)}
		for i := 0; i < 100; i++ {
			p.call(b)
		}
		b.ResetTimer()
		for b.Loop() {
			p.call(b)
		}
	})
}
