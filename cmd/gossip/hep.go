package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/engine"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/hep"
)

// openHEP starts the HEP exporter -hep_addr asks for and makes it cfg's
// Mirror; it returns nil when -hep_addr is not given.
func openHEP(opts *cli.Options, cfg *engine.Config, logger *slog.Logger, stderr io.Writer) (*hep.Exporter, error) {
	if opts.HEPAddr == "" {
		for _, f := range []string{"hep_transport", "hep_id", "hep_password", "hep_node_name", "hep_nopad"} {
			if opts.Changed(f) {
				fmt.Fprintf(stderr, "gossip: warning: -%s has no effect without -hep_addr\n", f)
			}
		}
		return nil, nil
	}
	host, port, err := opts.HEPAddrPort()
	if err != nil {
		return nil, err
	}
	a, err := resolveIP(host)
	if err != nil {
		return nil, fmt.Errorf("-hep_addr %s: %w", host, err)
	}
	x, err := hep.New(hep.Config{
		Collector:        netip.AddrPortFrom(a, uint16(port)),
		Transport:        hep.Transport(opts.HEPTransport),
		CaptureID:        uint32(opts.HEPID),
		AuthKey:          opts.HEPPassword,
		NodeName:         opts.HEPNodeName,
		CapturedProtocol: capturedProtocol(opts),
		Shards:           max(cfg.Shards, 1), // the engine never runs more shards than asked
		Backend:          hepBackend(opts.Dataplane),
		// Padded, segmented batches need the mmsg backend's UDP_SEGMENT.
		NoSegmentation: opts.HEPNoPad,
		Logger:         logger,
	})
	if err != nil {
		return nil, fmt.Errorf("-hep_addr %s: %w", opts.HEPAddr, err)
	}
	cfg.Mirror = x
	return x, nil
}

// hepSnapshot puts the exporter's counts into a statistics snapshot.
func hepSnapshot(x *hep.Exporter, s *stats.Snapshot) {
	if x == nil {
		return
	}
	st := x.Stats()
	s.Mirror = stats.MirrorTotals{Enabled: true, Sent: st.Sent, Dropped: st.Dropped()}
}

// closeHEP sends what the exporter still holds, puts the final counts into
// the final snapshot and reports drops on stderr.
func closeHEP(x *hep.Exporter, final *stats.Snapshot, stderr io.Writer) {
	if x == nil {
		return
	}
	st := x.Close()
	final.Mirror = stats.MirrorTotals{Enabled: true, Sent: st.Sent, Dropped: st.Dropped()}
	if st.Dropped() > 0 {
		fmt.Fprintf(stderr, "gossip: HEP: %d of %d messages not mirrored (queue full %d, too large %d, "+
			"send failed %d, unsent at exit %d)\n", st.Dropped(), st.Mirrored(), st.QueueFull, st.Rejected,
			st.SendFailed, st.Unsent)
	}
}

// hepBackend is the dataplane backend of the exporter's UDP socket: mmsg
// (sendmmsg batches) when the shards use it, the portable one otherwise.
func hepBackend(dataplane string) string {
	if dataplane == cli.DataplaneMmsg {
		return cli.DataplaneMmsg
	}
	return cli.DataplaneStd
}

// capturedProtocol is the IP protocol of gossip's SIP messages, for HEP.
func capturedProtocol(opts *cli.Options) uint8 {
	if p := opts.Transport.Protocol(); p != "udp" && p != "" {
		return hep.ProtoTCP
	}
	return hep.ProtoUDP
}
