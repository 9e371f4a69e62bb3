package bpf

import "errors"

// ErrReuseportUnsupported marks the errors of AttachReuseport that say
// the host cannot run the SO_REUSEPORT program (not Linux, no BPF, no
// privilege to load it): the caller goes on with the kernel's own choice
// of socket.
var ErrReuseportUnsupported = errors.New("bpf: SO_REUSEPORT program not supported")

// ReuseportCounters is what the SO_REUSEPORT program did, summed over all
// CPUs.
type ReuseportCounters struct {
	// Steered datagrams went to the socket of their Call-ID's shard.
	Steered uint64
	// NotFound datagrams had no Call-ID the program could read (none in
	// its window, a folded one): the kernel picked their socket by
	// 4-tuple.
	NotFound uint64
	// NoSocket datagrams had a Call-ID but no socket at its index (the
	// sockets are being closed): the kernel picked.
	NoSocket uint64
}
