package engine

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the transparent huge page of x86-64 and of arm64 with 4 KiB
// pages.
const hugePage = 2 << 20

// hugeMapping is anonymous memory mapped for one table, 2 MiB aligned and
// advised MADV_HUGEPAGE (honoured when
// /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise").
type hugeMapping struct {
	b       []byte
	cleanup runtime.Cleanup
}

// mapHuge maps size bytes (rounded up to whole huge pages), or returns nil.
func mapHuge(size int) *hugeMapping {
	size = (size + hugePage - 1) &^ (hugePage - 1)
	// Map one huge page more than asked and trim both ends, so that what
	// is kept starts on a huge page boundary.
	span := uintptr(size + hugePage)
	p, err := unix.MmapPtr(-1, 0, nil, span, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	start := uintptr(p)
	aligned := (start + hugePage - 1) &^ (hugePage - 1)
	if head := aligned - start; head > 0 {
		_ = unix.MunmapPtr(p, head)
	}
	if tail := start + span - (aligned + uintptr(size)); tail > 0 {
		_ = unix.MunmapPtr(unsafe.Add(p, aligned-start+uintptr(size)), tail)
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, aligned-start)), size)
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: without it, 4 KiB pages
	m := &hugeMapping{b: b}
	m.cleanup = runtime.AddCleanup(m, unmapBytes, b)
	return m
}

// base is the start of the mapping.
func (m *hugeMapping) base() unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(m.b)) }

// unmap gives the memory back now; the slice it held must not be used
// again. It does nothing to a nil or an unmapped mapping.
func (m *hugeMapping) unmap() {
	if m == nil || m.b == nil {
		return
	}
	m.cleanup.Stop()
	unmapBytes(m.b)
	m.b = nil
}

func unmapBytes(b []byte) { _ = unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))) }
