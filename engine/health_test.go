package engine

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/scenario"
)

func TestHealthString(t *testing.T) {
	if s := (Health{}).String(); s != "" {
		t.Fatalf("healthy generator reports %q", s)
	}
	h := Health{LateCalls: 3, LateMax: 25 * time.Millisecond, KernelDrops: 7}
	s := h.String()
	for _, want := range []string{"generator saturated", "3 calls started late (worst 25ms)", "kernel dropped 7"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}

// TestHealthCountsKernelDrops floods a UAS shard whose receive queue is
// tiny while the shard is held still: the drops the kernel reports on
// gossip's own socket must show up as the generator's saturation.
func TestHealthCountsKernelDrops(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_RXQ_OVFL is Linux only")
	}
	scn, err := scenario.Builtin("uas")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1,
		Backend: "mmsg", BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Flood before the loop runs, so nothing is read meanwhile.
	c, err := net.Dial("udp", e.LocalAddrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	junk := []byte(strings.Repeat("not SIP at all ", 40))
	for i := 0; i < 400; i++ {
		_, _ = c.Write(junk)
	}
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	time.Sleep(200 * time.Millisecond)
	_, _ = c.Write(junk) // carries the drop count
	deadline := time.Now().Add(5 * time.Second)
	for e.Health().KernelDrops == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		_, _ = c.Write(junk)
	}
	h := e.Health()
	e.Abort()
	<-done
	if h.KernelDrops == 0 || !h.Saturated() {
		t.Fatalf("health %+v: kernel drops not seen", h)
	}
	if got := e.Snapshot().Cumulative.ParseErrors; got == 0 {
		t.Errorf("junk datagrams were not counted as parse errors")
	}
}
