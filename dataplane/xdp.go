package dataplane

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// ErrXDP marks the errors of the xdp backend that come from the host's
// setup (permissions, interface, driver, kernel). Their text says what is
// missing and how to fix it; gossip exits 255 on them.
var ErrXDP = errors.New("xdp")

// xdpError formats an ErrXDP error: "xdp: " followed by the message.
func xdpError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrXDP}, args...)...)
}

// XDP attach modes (XDPConfig.Mode).
const (
	// XDPModeNative runs the steering program in the driver. Default.
	XDPModeNative = "native"
	// XDPModeGeneric runs it on the kernel's socket buffers: any
	// interface, slower.
	XDPModeGeneric = "generic"
)

// AF_XDP bind modes (XDPConfig.Copy).
const (
	// XDPCopyAuto tries zero-copy and falls back to copy mode. Default.
	XDPCopyAuto = "auto"
	// XDPCopy forces copy mode: the kernel copies frames between the
	// driver's buffers and the UMEM. Works on every interface.
	XDPCopy = "copy"
	// XDPZeroCopy forces zero-copy mode: the driver DMAs straight into
	// the UMEM. Needs driver support (mlx5, i40e, ice, ixgbe, igc, ...).
	XDPZeroCopy = "zerocopy"
)

// SourceWriter is implemented by endpoints that can send from an address
// other than their own (the xdp backend, which builds the IP header
// itself). The engine uses it for -xdp_src_range.
type SourceWriter interface {
	// WriteFrom queues b for dst as if sent from src. Like Write, it
	// copies b before it returns.
	WriteFrom(b []byte, src, dst netip.AddrPort) error
}

// XDPConfig configures one AF_XDP endpoint: one socket on one receive
// queue of one interface. Endpoints on the same interface share the
// steering program; the first one attaches it and the last one to close
// detaches it.
type XDPConfig struct {
	// Iface is the interface to attach to (-xdp_iface). Required.
	Iface string
	// Queue is the receive queue this endpoint serves; the engine gives
	// shard k queue k.
	Queue int
	// Queues is the number of queues the run serves (-xdp_queues). When
	// positive, Open refuses an interface with more receive queues than
	// that, whose traffic would partly miss the sockets.
	Queues int
	// Mode is XDPModeNative (default) or XDPModeGeneric (-xdp_mode).
	Mode string
	// Copy is XDPCopyAuto (default, also ""), XDPCopy or XDPZeroCopy.
	Copy string
	// SrcMAC overrides the interface's MAC address as the frames' source.
	SrcMAC net.HardwareAddr
	// SrcIP overrides the source address; default Config.Local when it is
	// specified, else the interface's first IPv4 address.
	SrcIP netip.Addr
	// NextHopMAC, when set, is the destination MAC of every frame; without
	// it the next hop's MAC is learned from received frames or taken from
	// the kernel's neighbour table, which is asked to resolve it first if
	// it has no entry.
	NextHopMAC net.HardwareAddr
	// SrcRange, when valid, is -xdp_src_range: the steering program
	// redirects datagrams to any of its addresses and answers ARP
	// requests for them, so WriteFrom may send from each.
	SrcRange netip.Prefix
	// Ports are more UDP ports to steer besides the endpoint's own (media).
	Ports []uint16
	// Peer, when valid, is resolved to a MAC address while opening, so the
	// first datagrams to it do not wait for ARP and a peer that cannot be
	// reached fails Open.
	Peer netip.Addr
}
