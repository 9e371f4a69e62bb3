package cli

import (
	"net"
	"net/netip"
	"strconv"
)

// validateXDP checks the -xdp_* flags: their values, and that they come
// with -dataplane xdp.
func (o *Options) validateXDP() error {
	bad := func(flag, value, detail string) error {
		return &FlagError{Flag: flag, Value: value, Kind: ErrBadValue, Detail: detail}
	}
	if o.Dataplane != DataplaneXDP {
		for _, name := range []string{"xdp_iface", "xdp_queues", "xdp_mode", "xdp_src_range", "xdp_next_hop_mac", "xdp_copy"} {
			if o.Changed(name) {
				return &FlagError{Flag: "-" + name, Kind: ErrConflict,
					Detail: "-" + name + " needs -dataplane xdp"}
			}
		}
		return nil
	}
	if o.XDPIface == "" {
		return &FlagError{Flag: "-dataplane", Value: DataplaneXDP, Kind: ErrConflict,
			Detail: "-dataplane xdp needs -xdp_iface IFNAME, the interface to attach to"}
	}
	if o.XDPQueues < 0 {
		return bad("-xdp_queues", strconv.Itoa(o.XDPQueues), "must not be negative")
	}
	switch o.XDPMode {
	case "", XDPModeNative, XDPModeGeneric:
	default:
		return bad("-xdp_mode", o.XDPMode, "unknown mode (native or generic)")
	}
	switch o.XDPCopy {
	case "", XDPCopyAuto, XDPCopyCopy, XDPCopyZero:
	default:
		return bad("-xdp_copy", o.XDPCopy, "unknown mode (auto, copy or zerocopy)")
	}
	if o.XDPSrcRange != "" {
		p, err := netip.ParsePrefix(o.XDPSrcRange)
		if err != nil || !p.Addr().Is4() {
			return bad("-xdp_src_range", o.XDPSrcRange, "not an IPv4 prefix such as 10.10.0.0/16")
		}
		if p.Bits() < 8 {
			return bad("-xdp_src_range", o.XDPSrcRange, "a range larger than a /8 is surely a typo")
		}
	}
	if o.XDPNextHopMAC != "" {
		if hw, err := net.ParseMAC(o.XDPNextHopMAC); err != nil || len(hw) != 6 {
			return bad("-xdp_next_hop_mac", o.XDPNextHopMAC, "not an Ethernet address such as 02:00:00:00:00:01")
		}
	}
	return nil
}

// XDPSrcPrefix is -xdp_src_range parsed (the zero Prefix when absent).
// Valid after Parse.
func (o *Options) XDPSrcPrefix() netip.Prefix {
	p, _ := netip.ParsePrefix(o.XDPSrcRange)
	return p.Masked()
}

// XDPNextHop is -xdp_next_hop_mac parsed (nil when absent). Valid after
// Parse.
func (o *Options) XDPNextHop() net.HardwareAddr {
	hw, _ := net.ParseMAC(o.XDPNextHopMAC)
	return hw
}
