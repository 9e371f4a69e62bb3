//go:build !amd64 && !arm64

package engine

import "unsafe"

// prefetch does nothing where gossip has no prefetch instruction for the CPU.
func prefetch(unsafe.Pointer) {}
