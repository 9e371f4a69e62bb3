package engine

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// TestMakeHugeMapsAlignedAdvisedMemory checks that a table past
// hugeMinBytes gets a mapping of its own, 2 MiB aligned, zeroed and marked
// MADV_HUGEPAGE ("hg" in /proc/self/smaps VmFlags), that a smaller one is
// an ordinary slice, and that unmap unmaps.
func TestMakeHugeMapsAlignedAdvisedMemory(t *testing.T) {
	small, smallMem := makeHuge[uint64](16)
	if smallMem != nil || len(small) != 16 {
		t.Fatalf("16 elements: mem %v, len %d; want a heap slice of 16", smallMem, len(small))
	}

	const n = 3 << 20 / 8 // 3 MiB: two huge pages once rounded up
	s, mem := makeHuge[uint64](n)
	if mem == nil {
		t.Fatal("3 MiB table: no mapping of its own")
	}
	if len(s) != n {
		t.Fatalf("len %d, want %d", len(s), n)
	}
	addr := uintptr(unsafe.Pointer(&s[0]))
	if addr%hugePage != 0 {
		t.Errorf("table at %#x: not 2 MiB aligned", addr)
	}
	for i := range s {
		if s[i] != 0 {
			t.Fatalf("element %d is %d, want 0", i, s[i])
		}
		s[i] = uint64(i)
	}
	flags, ok := vmFlags(t, addr)
	if !ok {
		t.Fatalf("no mapping at %#x in /proc/self/smaps", addr)
	}
	switch _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); {
	case err != nil:
		// A kernel built without transparent huge pages refuses the
		// advice; the table works the same on 4 KiB pages.
		t.Logf("no transparent huge pages in this kernel (%v): VmFlags %q", err, flags)
	case !strings.Contains(" "+flags+" ", " hg "):
		t.Errorf("VmFlags %q: no hg (MADV_HUGEPAGE)", flags)
	}
	mem.unmap()
	if mem.b != nil {
		t.Error("unmap left the mapping set")
	}
	mem.unmap() // a second unmap does nothing
	if _, ok := vmFlags(t, addr); ok {
		t.Errorf("mapping at %#x still there after free", addr)
	}
}

// vmFlags returns the VmFlags of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) (string, bool) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmFlags:")), true
		}
	}
	return "", false
}
