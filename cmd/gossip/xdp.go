package main

import (
	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/dataplane"
)

// xdpConfig turns the -xdp_* flags into the engine's XDP configuration
// (the engine sets each shard's queue).
func xdpConfig(opts *cli.Options) dataplane.XDPConfig {
	if opts.Dataplane != cli.DataplaneXDP {
		return dataplane.XDPConfig{}
	}
	return dataplane.XDPConfig{
		Iface:      opts.XDPIface,
		Queues:     opts.XDPQueues,
		Mode:       opts.XDPMode,
		Copy:       opts.XDPCopy,
		SrcRange:   opts.XDPSrcPrefix(),
		NextHopMAC: opts.XDPNextHop(),
	}
}
