package engine

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/trace"
)

// What the engine does differently on the xdp dataplane backend:
//
//   - Shards and queues: shard k owns receive queue k of the interface,
//     and -xdp_queues N runs N shards.
//   - Source ranges (-xdp_src_range, client scenarios): call n sends from
//     address (n-1) mod size of the range's usable addresses, so one host
//     looks like thousands of SIP endpoints. [local_ip] (and so Via and
//     Contact) renders that address, and every datagram of the call goes
//     out through dataplane.SourceWriter with it as the source.
//   - Port steering (client scenarios on several queues): the interface
//     hashes a reply onto any queue, so a shard may read a reply addressed
//     to another shard's port; it hands it to that shard.
//
// Nothing here allocates per message.

// xdpState is the engine's part of the above; the zero value is off.
type xdpState struct {
	ranged    bool   // a source range is in use
	rangeBase uint32 // first usable address of the range, as a number
	rangeSize uint32 // usable addresses
	portSteer bool   // client shards on several queues
}

// xdpShards is the number of shards to run: on the xdp backend
// -xdp_queues, or without it the interface's number of receive queues;
// else n.
func (e *Engine) xdpShards(n int) int {
	if e.cfg.Backend != "xdp" {
		return n
	}
	if e.cfg.XDP.Queues <= 0 {
		q, err := dataplane.XDPQueueCount(e.cfg.XDP.Iface)
		if err != nil {
			return n // opening the endpoints reports what is wrong
		}
		e.cfg.XDP.Queues = q
	}
	return e.cfg.XDP.Queues
}

// xdpConfig is shard i's XDP configuration: queue i, and the peer to
// resolve while opening.
func (e *Engine) xdpConfig(i int) dataplane.XDPConfig {
	x := e.cfg.XDP
	if e.cfg.Backend != "xdp" {
		return x
	}
	x.Queue = i
	if !x.Peer.IsValid() && e.client {
		peer := e.cfg.Remote
		if e.cfg.SendTo.IsValid() {
			peer = e.cfg.SendTo
		}
		x.Peer = peer.Addr()
	}
	if !e.client {
		x.SrcRange = netip.Prefix{} // a server answers from where it was called
	}
	return x
}

// initXDP sets the source range and port steering up once the shards
// are open.
func (e *Engine) initXDP() {
	if e.cfg.Backend != "xdp" || !e.client {
		return
	}
	e.xdp.portSteer = len(e.shards) > 1
	p := e.cfg.XDP.SrcRange.Masked()
	if !p.IsValid() || !p.Addr().Is4() {
		return
	}
	for _, s := range e.shards {
		if _, ok := s.ep.(dataplane.SourceWriter); !ok {
			return
		}
	}
	a := p.Addr().As4()
	base := binary.BigEndian.Uint32(a[:])
	size := uint64(1) << (32 - p.Bits())
	if p.Bits() < 31 {
		// Leave out the network and broadcast addresses.
		base++
		size -= 2
	}
	e.xdp.ranged = true
	e.xdp.rangeBase = base
	e.xdp.rangeSize = uint32(min(size, 1<<32-1))
}

// callSource is the address call c sends from when a range is in use.
func (s *shard) callSource(c *call) netip.AddrPort {
	x := &s.e.xdp
	n := x.rangeBase + uint32((c.number-1)%uint64(x.rangeSize))
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], n)
	return netip.AddrPortFrom(netip.AddrFrom4(a), s.local.Port())
}

// appendLocalIP renders [local_ip] for call c.
func (s *shard) appendLocalIP(dst []byte, c *call) []byte {
	if s.e.perIP != nil && c != nil && c.conn != 0 {
		return append(dst, s.e.perIPHost[c.conn-1]...)
	}
	if !s.e.xdp.ranged || c == nil {
		return append(dst, s.e.localIPHost...)
	}
	return s.callSource(c).Addr().AppendTo(dst)
}

// writeCall sends one datagram of call c: from the call's own address
// when a source range is in use, else as write does.
func (s *shard) writeCall(c *call, b []byte, dst netip.AddrPort) bool {
	if s.e.cfg.CallDebug != nil {
		s.debugSent(c, b)
	}
	if !s.e.xdp.ranged {
		return s.writeOn(c, b, dst)
	}
	src := s.callSource(c)
	if err := s.ep.(dataplane.SourceWriter).WriteFrom(b, src, dst); err != nil {
		s.e.logSendError(err)
		return false
	}
	if tr := s.e.cfg.Tracer; tr != nil {
		tr.Message(trace.Sent, time.Now(), s.e.proto, b, dst)
	}
	if m := s.e.cfg.Mirror; m != nil {
		m.Mirror(s.idx, trace.Sent, time.Now(), b, src, dst, nil)
	}
	return true
}

// steerByPort hands a datagram addressed to another shard's port, received
// at at, to that shard, and reports whether it did.
func (s *shard) steerByPort(pk *dataplane.Packet, at int64) bool {
	port := pk.To.Port()
	if port == 0 || port == s.local.Port() {
		return false
	}
	for _, owner := range s.e.shards {
		if owner.local.Port() != port {
			continue
		}
		if tr := s.e.cfg.Tracer; tr != nil {
			tr.Message(trace.Received, time.Now(), s.e.proto, pk.Data, pk.From)
		}
		if owner.inbox.Push(pk.Data, pk.From, 0, at) {
			if owner.sleeping.Load() {
				owner.ep.Wake()
			}
		} else {
			s.e.handoffDrops.Add(1)
		}
		return true
	}
	return false
}
