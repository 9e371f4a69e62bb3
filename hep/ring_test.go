package hep

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

var (
	testLocal  = netip.MustParseAddrPort("127.0.0.1:5060")
	testRemote = netip.MustParseAddrPort("[2001:db8::7]:5061")
)

// drain takes every published record from q, as the sender does.
func drain(q *ring, pos *uint64, fn func(r record)) int {
	tail := q.tail.Load()
	n := 0
	for {
		r, next, ok := q.peek(*pos, tail)
		*pos = next
		if !ok {
			break
		}
		fn(r)
		n++
	}
	q.head.Store(*pos)
	return n
}

func TestRingWrapsAndRefuses(t *testing.T) {
	q := newRing(1) // rounds up to 4 KiB
	if len(q.buf) != 4096 {
		t.Fatalf("size %d, want 4096", len(q.buf))
	}
	var pos uint64
	seq := 0
	// Records of many sizes, consumed as they come: the ring wraps many
	// times and every record comes back intact.
	for round := 0; round < 500; round++ {
		size := (round * 37) % 900
		payload := bytes.Repeat([]byte{byte(round)}, size)
		cid := []byte(fmt.Sprintf("call-%d", round))
		if !q.push(uint8(round%2), int64(round), testLocal, testRemote, cid, payload) {
			t.Fatalf("round %d: push refused with an empty ring", round)
		}
		n := drain(q, &pos, func(r record) {
			if r.dir != uint8(round%2) || r.at != int64(round) || r.local != testLocal || r.remote != testRemote ||
				string(r.callID) != string(cid) || !bytes.Equal(r.payload, payload) {
				t.Fatalf("round %d: got %+v", round, r)
			}
			seq++
		})
		if n != 1 {
			t.Fatalf("round %d: drained %d records", round, n)
		}
	}
	if q.full.Load() != 0 {
		t.Errorf("full = %d", q.full.Load())
	}
	// Without a consumer the ring fills and then refuses, counting.
	payload := make([]byte, 500)
	accepted := 0
	for i := 0; i < 20; i++ {
		if q.push(0, 0, testLocal, testRemote, nil, payload) {
			accepted++
		}
	}
	if accepted == 0 || accepted >= 20 || q.full.Load() != uint64(20-accepted) {
		t.Errorf("accepted %d of 20, full counts %d", accepted, q.full.Load())
	}
	if got := drain(q, &pos, func(record) {}); got != accepted {
		t.Errorf("drained %d, accepted %d", got, accepted)
	}
	if !q.push(0, 0, testLocal, testRemote, nil, payload) {
		t.Error("push refused after draining")
	}
	if q.fits(0, 4096) || !q.fits(0, 4096-recHeaderLen) {
		t.Error("fits is wrong about the largest record")
	}
}

// TestRingConcurrent runs a producer and a consumer at once (meaningful
// under -race): every record arrives once, in order, intact.
func TestRingConcurrent(t *testing.T) {
	q := newRing(8192)
	const n = 20000
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var b [8]byte
		payload := make([]byte, 300)
		for i := 0; i < n; {
			binary.BigEndian.PutUint64(b[:], uint64(i))
			copy(payload, b[:])
			if q.push(1, int64(i), testLocal, testRemote, b[:], payload[:8+i%290]) {
				i++
			}
		}
	}()
	var pos uint64
	next := 0
	for next < n {
		drain(q, &pos, func(r record) {
			if got := binary.BigEndian.Uint64(r.callID); got != uint64(next) || r.at != int64(next) ||
				len(r.payload) != 8+next%290 || binary.BigEndian.Uint64(r.payload) != uint64(next) {
				t.Fatalf("record %d: id %d, at %d, %d octets", next, got, r.at, len(r.payload))
			}
			next++
		})
	}
	wg.Wait()
}

// TestRingPublish: until the producer first publishes, every push is
// visible at once; afterwards records wait for the next publish.
func TestRingPublish(t *testing.T) {
	q := newRing(1)
	var pos uint64
	push := func(i int) {
		if !q.push(0, int64(i), testLocal, testRemote, []byte("id"), []byte("payload")) {
			t.Fatalf("push %d refused", i)
		}
	}
	count := func() int { return drain(q, &pos, func(record) {}) }
	push(1)
	if n := count(); n != 1 {
		t.Fatalf("before the first publish: %d records visible after a push, want 1", n)
	}
	q.publish()
	push(2)
	push(3)
	if n := count(); n != 0 {
		t.Fatalf("batched: %d records visible before publish, want 0", n)
	}
	q.publish()
	if n := count(); n != 2 {
		t.Fatalf("%d records visible after publish, want 2", n)
	}
	q.publish() // nothing new: no change
	if n := count(); n != 0 {
		t.Fatalf("%d records visible after an empty publish, want 0", n)
	}
}
