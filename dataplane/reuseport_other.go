//go:build !linux

package dataplane

import "syscall"

// controlReusePort is a no-op where SO_REUSEPORT is not wired up: a second
// bind of the same port then fails, and the engine uses one server shard.
func controlReusePort(network, address string, c syscall.RawConn) error { return nil }

// ReusePortSupported reports whether several endpoints can share a port.
const ReusePortSupported = false

// controlDial is a no-op off Linux (IP_BIND_ADDRESS_NO_PORT is Linux's).
func controlDial(network, address string, c syscall.RawConn) error { return nil }
