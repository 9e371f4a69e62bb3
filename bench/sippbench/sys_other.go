//go:build !linux || mips || mipsle || mips64 || mips64le

package main

import "syscall"

// reusePortSupported is false where the harness does not set
// SO_REUSEPORT: the loopback measurement gives each receiver its own port.
const reusePortSupported = false

// reusePortControl is never called here.
func reusePortControl(_, _ string, _ syscall.RawConn) error { return nil }
