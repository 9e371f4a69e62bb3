//go:build !linux

package testpeer

// procBound has no /proc to read here: the caller probes instead.
func procBound(string, int) (bound, ok bool) { return false, false }
