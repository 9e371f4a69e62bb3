//go:build linux

package benchkit

import (
	"os"
	"path/filepath"
	"strconv"
)

// perfSupported: perf samples processes on Linux.
const perfSupported = true

// perfAttached reports whether the perf process pid has opened a perf
// event (one of its descriptors is a perf_event anonymous inode).
func perfAttached(pid int) bool {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && l == "anon_inode:[perf_event]" {
			return true
		}
	}
	return false
}
