package engine

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/scenario"
)

// srcEndpoint is an Endpoint that can send from any address, as the xdp
// backend can; it records what was sent.
type srcEndpoint struct {
	local netip.AddrPort
	sent  []srcDatagram
}

type srcDatagram struct {
	src, dst netip.AddrPort
	data     string
}

func (e *srcEndpoint) Read([]dataplane.Packet, time.Time) (int, error) {
	return 0, dataplane.ErrTimeout
}
func (e *srcEndpoint) Write(b []byte, dst netip.AddrPort) error { return e.WriteFrom(b, e.local, dst) }
func (e *srcEndpoint) WriteFrom(b []byte, src, dst netip.AddrPort) error {
	if len(e.sent) < cap(e.sent) {
		e.sent = append(e.sent, srcDatagram{src, dst, string(b)})
	}
	return nil
}
func (e *srcEndpoint) Flush() error              { return nil }
func (e *srcEndpoint) Wake()                     {}
func (e *srcEndpoint) LocalAddr() netip.AddrPort { return e.local }
func (e *srcEndpoint) Close() error              { return nil }

// newXDPEngine builds an engine on the xdp backend whose endpoints are
// srcEndpoints, and reports the queue each shard was given.
func newXDPEngine(t *testing.T, builtin string, x dataplane.XDPConfig) (*Engine, []int) {
	t.Helper()
	scn, err := scenario.Builtin(builtin)
	if err != nil {
		t.Fatal(err)
	}
	var queues []int
	cfg := Config{
		Scenario:  scn,
		Local:     netip.MustParseAddr("10.0.0.1"),
		LocalPort: 5060,
		Remote:    netip.MustParseAddrPort("10.0.0.2:5060"),
		Backend:   "xdp",
		Rate:      10,
		XDP:       x,
		openEndpoint: func(c dataplane.Config) (dataplane.Endpoint, error) {
			queues = append(queues, c.XDP.Queue)
			if c.XDP.Iface != x.Iface {
				t.Errorf("endpoint got interface %q", c.XDP.Iface)
			}
			local := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), c.Local.Port())
			return &srcEndpoint{local: local, sent: make([]srcDatagram, 0, 64)}, nil
		},
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.t0 = time.Now()
	return e, queues
}

func TestXDPShardsAndQueues(t *testing.T) {
	e, queues := newXDPEngine(t, "uac", dataplane.XDPConfig{Iface: "eth1", Queues: 3})
	if e.Shards() != 3 || len(queues) != 3 || queues[0] != 0 || queues[1] != 1 || queues[2] != 2 {
		t.Fatalf("%d shards on queues %v, want 3 on 0, 1, 2", e.Shards(), queues)
	}
	if !e.xdp.portSteer || e.xdp.ranged {
		t.Errorf("client on 3 queues: portSteer %v ranged %v, want true, false", e.xdp.portSteer, e.xdp.ranged)
	}
	if got := e.xdpConfig(1).Peer; got != netip.MustParseAddr("10.0.0.2") {
		t.Errorf("peer to resolve %s, want the remote host", got)
	}
}

func TestXDPSourceRangeCalls(t *testing.T) {
	// A /30 has two usable addresses: calls alternate between them.
	e, _ := newXDPEngine(t, "uac", dataplane.XDPConfig{Iface: "eth1", Queues: 1,
		SrcRange: netip.MustParsePrefix("10.10.0.0/30")})
	if !e.xdp.ranged || e.xdp.rangeSize != 2 {
		t.Fatalf("ranged %v size %d, want a range of 2", e.xdp.ranged, e.xdp.rangeSize)
	}
	s := e.shards[0]
	ep := s.ep.(*srcEndpoint)
	for i := 0; i < 3; i++ {
		if !s.startCall(e.now()) {
			t.Fatal("startCall")
		}
	}
	if len(ep.sent) != 3 {
		t.Fatalf("%d datagrams sent, want 3 INVITEs", len(ep.sent))
	}
	for i, want := range []string{"10.10.0.1", "10.10.0.2", "10.10.0.1"} {
		d := ep.sent[i]
		if d.src != netip.MustParseAddrPort(want+":5060") || d.dst != e.cfg.Remote {
			t.Errorf("INVITE %d from %s to %s, want from %s:5060", i, d.src, d.dst, want)
		}
		if !strings.Contains(d.data, "Via: SIP/2.0/UDP "+want+":5060;") ||
			!strings.Contains(d.data, "Contact: sip:sipp@"+want+":5060") {
			t.Errorf("INVITE %d does not name %s:\n%s", i, want, d.data)
		}
	}
	// Retransmissions leave from the call's address too.
	slot, ok := s.table.Lookup(s.calls.at(1).hash, s.calls.at(1).id(), s.callID)
	if !ok {
		t.Fatal("call 2 not in the table")
	}
	s.onTimer(slot, s.calls.at(slot).retransAt)
	if last := ep.sent[len(ep.sent)-1]; len(ep.sent) != 4 || last.src.Addr() != netip.MustParseAddr("10.10.0.2") {
		t.Errorf("retransmission of call 2 from %s (%d sent), want 10.10.0.2", last.src, len(ep.sent))
	}

	c := s.calls.at(0)
	allocs := testing.AllocsPerRun(100, func() {
		s.tx = s.appendLocalIP(s.tx[:0], c)
		s.writeCall(c, s.tx, e.cfg.Remote)
	})
	if allocs != 0 {
		t.Errorf("rendering and sending from the range allocates %v times", allocs)
	}
}

func TestXDPRangeWholePrefix(t *testing.T) {
	// /31 and /32 have no network or broadcast address to leave out.
	for prefix, size := range map[string]uint32{"10.10.0.0/31": 2, "10.10.0.7/32": 1, "10.10.0.0/16": 65534} {
		e, _ := newXDPEngine(t, "uac", dataplane.XDPConfig{Iface: "eth1", Queues: 1, SrcRange: netip.MustParsePrefix(prefix)})
		if e.xdp.rangeSize != size {
			t.Errorf("%s: %d addresses, want %d", prefix, e.xdp.rangeSize, size)
		}
	}
}

func TestXDPServerIgnoresRange(t *testing.T) {
	e, _ := newXDPEngine(t, "uas", dataplane.XDPConfig{Iface: "eth1", Queues: 2,
		SrcRange: netip.MustParsePrefix("10.10.0.0/24")})
	if e.xdp.ranged || e.xdp.portSteer || !e.steer {
		t.Errorf("server: ranged %v portSteer %v steer %v, want Call-ID steering only", e.xdp.ranged, e.xdp.portSteer, e.steer)
	}
	if e.xdpConfig(0).SrcRange.IsValid() {
		t.Error("a server's endpoints got the source range")
	}
}

func TestXDPPortSteering(t *testing.T) {
	e, _ := newXDPEngine(t, "uac", dataplane.XDPConfig{Iface: "eth1", Queues: 2})
	s0, s1 := e.shards[0], e.shards[1]
	from := netip.MustParseAddrPort("10.0.0.2:5060")
	pk := dataplane.Packet{Data: []byte("SIP/2.0 200 OK\r\n\r\n"), From: from, To: netip.MustParseAddrPort("10.0.0.1:5061")}
	if !s0.steerByPort(&pk, 12345) {
		t.Fatal("a reply to shard 1's port stayed on shard 0")
	}
	var got []byte
	var gotAt int64
	if !s1.inbox.Pop(func(b []byte, f netip.AddrPort, _ dataplane.ConnID, at int64) {
		got, gotAt = append([]byte(nil), b...), at
	}) || string(got) != string(pk.Data) {
		t.Fatalf("shard 1's inbox: %q", got)
	}
	if gotAt != 12345 {
		t.Errorf("handed off with receive time %d, want 12345 (the time the first shard read it)", gotAt)
	}
	for _, to := range []string{"10.0.0.1:5060", "10.0.0.1:5999"} {
		pk.To = netip.MustParseAddrPort(to)
		if s0.steerByPort(&pk, 1) {
			t.Errorf("datagram to %s handed off", to)
		}
	}
	pk.To = netip.AddrPort{}
	if s0.steerByPort(&pk, 1) {
		t.Error("datagram without a destination handed off")
	}
}
