//go:build linux && !mips && !mipsle && !mips64 && !mips64le

package main

import "syscall"

// soReusePort is SO_REUSEPORT on Linux (the syscall package does not
// export it on every architecture; golang.org/x/sys/unix is kept to the
// dataplane and bpf packages).
const soReusePort = 0xf

// reusePortSupported: the loopback receivers share one port.
const reusePortSupported = true

// reusePortControl sets SO_REUSEPORT on a socket before it binds.
func reusePortControl(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
