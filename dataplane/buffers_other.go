//go:build !linux

package dataplane

import "net"

// setBuffers sizes a UDP socket's receive and send buffers to n bytes, as
// far as the system's caps allow (best effort).
func setBuffers(c *net.UDPConn, n int) {
	_ = c.SetReadBuffer(n)
	_ = c.SetWriteBuffer(n)
}
