package dataplane

import (
	"net"

	"golang.org/x/sys/unix"
)

// setBuffers sizes a UDP socket's receive and send buffers to n bytes. A
// process allowed to (CAP_NET_ADMIN, e.g. root) gets n even past
// net.core.rmem_max/wmem_max (SO_RCVBUFFORCE, SO_SNDBUFFORCE): a
// generator's bursts overflow a buffer capped at the distribution default
// (about 208 KiB) long before its CPUs are busy. Others get what the
// kernel's caps allow, as net.UDPConn would. Best effort: a refusal leaves
// the kernel's default.
func setBuffers(c *net.UDPConn, n int) {
	rc, err := c.SyscallConn()
	if err != nil {
		_ = c.SetReadBuffer(n)
		_ = c.SetWriteBuffer(n)
		return
	}
	_ = rc.Control(func(fd uintptr) { setBuffersFd(int(fd), n) })
}

// setBuffersFd is setBuffers on a descriptor: the FORCE options first,
// then the capped ones.
func setBuffersFd(fd, n int) {
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, n)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, n) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, n)
	}
}
