package engine

import "unsafe"

// Large pointer-free tables (the call table's slots, the dead-call set)
// are probed at random, one probe per datagram. Spread over 4 KiB pages,
// a table of a few megabytes costs a TLB miss and a page walk per probe,
// which a prefetch cannot hide (the walk happens before the line is
// fetched) and which a virtual machine pays twice over. On Linux such a
// table lives in its own mapping advised to use 2 MiB transparent huge
// pages (hugemem_linux.go), so that a handful of TLB entries cover it;
// elsewhere, or when the mapping fails, it is an ordinary slice.

// hugeMinBytes is the smallest table worth a mapping of its own: below
// it a table fits the caches and its pages fit the TLB anyway.
const hugeMinBytes = 512 << 10

// hugeSlice is n zero elements of a pointer-free T, with the means to
// give their memory back.
type hugeSlice[T any] struct {
	s   []T
	mem *hugeMapping // nil: s is on the Go heap
}

// makeHuge returns n zero elements of T. T must hold no pointers: memory
// outside the Go heap is invisible to the garbage collector.
func makeHuge[T any](n int) hugeSlice[T] {
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size >= hugeMinBytes {
		if m := mapHuge(size); m != nil {
			return hugeSlice[T]{s: unsafe.Slice((*T)(m.base()), n), mem: m}
		}
	}
	return hugeSlice[T]{s: make([]T, n)}
}

// free gives the memory back at once; the slice must not be used again.
// Memory not freed goes back when the garbage collector finds its
// mapping unreachable.
func (h *hugeSlice[T]) free() {
	if h.mem != nil {
		h.mem.unmap()
	}
	*h = hugeSlice[T]{}
}
