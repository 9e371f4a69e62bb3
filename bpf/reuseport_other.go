//go:build !linux

package bpf

import (
	"fmt"
	"runtime"
	"syscall"
)

// Reuseport is the SO_REUSEPORT program attached to one group of UDP
// sockets; Linux only.
type Reuseport struct{}

// AttachReuseport fails with ErrReuseportUnsupported off Linux.
func AttachReuseport(conns []syscall.RawConn) (*Reuseport, error) {
	return nil, fmt.Errorf("%w on %s", ErrReuseportUnsupported, runtime.GOOS)
}

// Counters is always zero off Linux.
func (r *Reuseport) Counters() (ReuseportCounters, error) { return ReuseportCounters{}, nil }

// Close does nothing off Linux.
func (r *Reuseport) Close() error { return nil }
