package engine

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"

	"github.com/gossip-sip/gossip/dataplane"
)

func TestHandoffManyProducers(t *testing.T) {
	q := newHandoff(64)
	const producers, per = 4, 20000
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b [8]byte
			for i := 0; i < per; i++ {
				binary.LittleEndian.PutUint32(b[:], uint32(p))
				binary.LittleEndian.PutUint32(b[4:], uint32(i))
				for !q.Push(b[:], netip.AddrPort{}, 0, 0) {
				}
			}
		}()
	}
	next := make([]uint32, producers)
	got := 0
	for got < producers*per {
		q.Pop(func(data []byte, _ netip.AddrPort, _ dataplane.ConnID, _ int64) {
			p := binary.LittleEndian.Uint32(data)
			i := binary.LittleEndian.Uint32(data[4:])
			if i != next[p] {
				t.Errorf("producer %d: got %d, want %d", p, i, next[p])
			}
			next[p] = i + 1
			got++
		})
	}
	wg.Wait()
	if !q.Empty() {
		t.Fatal("queue not empty")
	}
}

func TestHandoffFullDropsAndNoAllocs(t *testing.T) {
	q := newHandoff(4)
	msg := make([]byte, 600)
	for i := 0; i < 4; i++ {
		if !q.Push(msg, netip.AddrPort{}, 0, 0) {
			t.Fatalf("push %d failed", i)
		}
	}
	if q.Push(msg, netip.AddrPort{}, 0, 0) {
		t.Fatal("push into full queue succeeded")
	}
	sink := func([]byte, netip.AddrPort, dataplane.ConnID, int64) {}
	allocs := testing.AllocsPerRun(100, func() {
		q.Pop(sink)
		q.Push(msg, netip.AddrPort{}, 0, 0)
	})
	if allocs != 0 {
		t.Fatalf("allocs = %v", allocs)
	}
}
