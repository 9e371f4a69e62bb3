package engine

import (
	"net/netip"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
)

// mirrorAddr is the local address a shard reports to Config.Mirror: its
// bound address, with an unspecified IP (bound to all interfaces)
// replaced by the address [local_ip] renders (-i, or the one that routes
// to the remote host), so collectors see where messages came from.
func mirrorAddr(bound netip.AddrPort, localIP []byte) netip.AddrPort {
	if a := bound.Addr(); a.IsValid() && !a.IsUnspecified() {
		return netip.AddrPortFrom(a.Unmap(), bound.Port())
	}
	a, err := netip.ParseAddr(string(localIP))
	if err != nil {
		return bound
	}
	return netip.AddrPortFrom(a.Unmap(), bound.Port())
}

// fillMirror copies the mirror's delivery counts into s when the
// configured Mirror counts them (trace.MirrorCounter).
func (e *Engine) fillMirror(s *stats.Snapshot) {
	if mc, ok := e.cfg.Mirror.(trace.MirrorCounter); ok {
		sent, dropped := mc.MirrorTotals()
		s.Mirror = stats.MirrorTotals{Enabled: true, Sent: sent, Dropped: dropped}
	}
}
