package dataplane

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// controlReusePort sets SO_REUSEPORT so that every shard can bind the same
// UDP port; the kernel spreads incoming flows over the sockets.
func controlReusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// ReusePortSupported reports whether several endpoints can share a port.
const ReusePortSupported = true
