//go:build !linux

package dataplane

func openXDP(cfg Config) (Endpoint, error) {
	return nil, xdpError("AF_XDP needs Linux; use -dataplane std")
}

// XDPQueueCount returns the number of receive queues of the interface
// named iface; AF_XDP needs Linux.
func XDPQueueCount(iface string) (int, error) {
	return 0, xdpError("AF_XDP needs Linux; use -dataplane std")
}
