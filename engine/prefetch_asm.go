//go:build amd64 || arm64

package engine

import "unsafe"

// prefetch issues the CPU's prefetch instruction for the line holding p
// (prefetch_amd64.s, prefetch_arm64.s).
//
//go:noescape
func prefetch(p unsafe.Pointer)
