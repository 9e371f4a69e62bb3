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

// controlDial lets a connection bound to a local address (-i) take its
// port at connect time (IP_BIND_ADDRESS_NO_PORT), when the kernel knows
// the destination and can reuse ports other destinations hold or that
// wait in TIME_WAIT; otherwise bind picks a port for any destination and a
// connection per call exhausts the ephemeral range within seconds.
func controlDial(network, address string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
}
