package engine

import (
	"fmt"
	"hash/maphash"
	"testing"
)

func TestCallTableInsertLookupDelete(t *testing.T) {
	seed := maphash.MakeSeed()
	const n = 100000 // grows from the heap into huge-page mappings (hugemem.go) and past them
	ids := make([][]byte, n)
	tab := newCallTable(16) // forces growth
	for i := range ids {
		ids[i] = fmt.Appendf(nil, "%d-1234@127.0.0.1", i)
		tab.Insert(maphash.Bytes(seed, ids[i]), int32(i))
	}
	key := func(s int32) []byte { return ids[s] }
	for i := range ids {
		got, ok := tab.Lookup(maphash.Bytes(seed, ids[i]), ids[i], key)
		if !ok || got != int32(i) {
			t.Fatalf("lookup %d = %d,%v", i, got, ok)
		}
	}
	for i := 0; i < n; i += 2 {
		tab.Delete(maphash.Bytes(seed, ids[i]), int32(i))
	}
	if tab.Len() != n/2 {
		t.Fatalf("Len = %d", tab.Len())
	}
	for i := range ids {
		_, ok := tab.Lookup(maphash.Bytes(seed, ids[i]), ids[i], key)
		if ok != (i%2 == 1) {
			t.Fatalf("after delete, lookup %d ok=%v", i, ok)
		}
	}
	// Colliding hashes: same hash, different keys.
	tab2 := newCallTable(4)
	a, b := []byte("a"), []byte("b")
	keys := [][]byte{a, b}
	tab2.Insert(7, 0)
	tab2.Insert(7, 1)
	if s, ok := tab2.Lookup(7, b, func(s int32) []byte { return keys[s] }); !ok || s != 1 {
		t.Fatalf("collision lookup = %d,%v", s, ok)
	}
	tab2.Delete(7, 0)
	if s, ok := tab2.Lookup(7, b, func(s int32) []byte { return keys[s] }); !ok || s != 1 {
		t.Fatalf("collision lookup after delete = %d,%v", s, ok)
	}
}

func TestDeadCallsExpireInOrder(t *testing.T) {
	d := newDeadCalls(2)
	for i := uint64(1); i <= 100; i++ {
		d.Add(i*0x9e3779b9, int64(i))
	}
	d.Expire(50)
	if d.Len() != 50 {
		t.Fatalf("Len = %d", d.Len())
	}
	if d.Contains(10*0x9e3779b9) || !d.Contains(51*0x9e3779b9) {
		t.Fatal("wrong entries expired")
	}
}

func BenchmarkCallTable(b *testing.B) {
	seed := maphash.MakeSeed()
	const n = 1_000_000
	ids := make([][]byte, n)
	tab := newCallTable(n)
	for i := range ids {
		ids[i] = fmt.Appendf(nil, "%d-1234@127.0.0.1", i)
		tab.Insert(maphash.Bytes(seed, ids[i]), int32(i))
	}
	key := func(s int32) []byte { return ids[s] }
	b.Run("lookup/1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id := ids[i%n]
			if _, ok := tab.Lookup(maphash.Bytes(seed, id), id, key); !ok {
				b.Fatal("missing")
			}
		}
	})
	b.Run("delete-insert/1M", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			h := maphash.Bytes(seed, ids[i%n])
			tab.Delete(h, int32(i%n))
			tab.Insert(h, int32(i%n))
		}
	})
}

// TestDeadCallsMultiset: a hash that ends twice (a Call-ID reused within
// the wait) stays dead until its last copy expires; hash 0 is a hash like
// any other; the set grows past its first size and wraps its FIFO.
func TestDeadCallsMultiset(t *testing.T) {
	d := newDeadCalls(16)
	d.Add(0, 1)
	d.Add(42, 2)
	d.Add(42, 3)
	if !d.Contains(0) || !d.Contains(42) || d.Contains(2) { // (hashes 0 and 1 share a slot value, a 2^-64 collision)
		t.Fatal("Contains after Add is wrong")
	}
	d.Expire(1)
	if d.Contains(0) || !d.Contains(42) {
		t.Fatal("hash 0 did not expire, or 42 went with it")
	}
	d.Expire(2)
	if !d.Contains(42) {
		t.Fatal("42 expired with its first copy")
	}
	d.Expire(3)
	if d.Contains(42) || d.Len() != 0 {
		t.Fatalf("42 outlived its last copy; Len %d", d.Len())
	}
	// Many colliding and wrapping entries: every one is found until it
	// expires, and none after.
	const n = 5000
	for i := uint64(0); i < n; i++ {
		d.Add(i<<20|i%7, int64(10+i))
	}
	for cut := int64(10); cut < 10+n; cut += 500 {
		d.Expire(cut)
		for i := uint64(0); i < n; i++ {
			if want := int64(10+i) > cut; d.Contains(i<<20|i%7) != want {
				t.Fatalf("after Expire(%d): Contains(entry %d) = %v", cut, i, !want)
			}
		}
	}
}
