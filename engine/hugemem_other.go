//go:build !linux

package engine

import "unsafe"

// hugeMapping is never made where gossip maps no huge pages.
type hugeMapping struct{}

func mapHuge(int) *hugeMapping { return nil }

func (*hugeMapping) base() unsafe.Pointer { return nil }

func (*hugeMapping) unmap() {}
