package hep

import "syscall"

// smallRcvBuf is a net.ListenConfig.Control that shrinks the receive
// buffer of a listening socket (accepted sockets inherit it), so that a
// collector that does not read pushes back at once.
func smallRcvBuf(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	})
	if err != nil {
		return err
	}
	return serr
}
