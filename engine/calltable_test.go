package engine

import (
	"fmt"
	"hash/maphash"
	"testing"
)

func TestCallTableInsertLookupDelete(t *testing.T) {
	seed := maphash.MakeSeed()
	const n = 20000
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
