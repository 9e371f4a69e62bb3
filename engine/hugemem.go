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

// makeHuge returns n zero elements of T and, when they are in a mapping
// of their own, that mapping (nil: they are on the Go heap). T must hold
// no pointers: memory outside the Go heap is invisible to the garbage
// collector. Give the memory back with mem.unmap once the slice is no
// longer used; a mapping left behind goes back when the garbage
// collector finds it unreachable.
func makeHuge[T any](n int) (s []T, mem *hugeMapping) {
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size >= hugeMinBytes {
		if m := mapHuge(size); m != nil {
			return unsafe.Slice((*T)(m.base()), n), m
		}
	}
	return make([]T, n), nil
}
