//go:build !linux

package benchkit

// perfSupported: perf sampling is Linux-only.
const perfSupported = false

// perfAttached is never true here.
func perfAttached(int) bool { return false }
