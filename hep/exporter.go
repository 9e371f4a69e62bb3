package hep

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/sipfast"
)

// Transport is how an Exporter reaches its collector.
type Transport string

// The collector transports.
const (
	TransportUDP Transport = "udp" // one HEP packet per datagram
	TransportTCP Transport = "tcp" // HEP packets back to back on one connection
)

// Defaults of Config's optional fields.
const (
	DefaultCaptureID    = 2001
	DefaultFlushTimeout = 2 * time.Second
	DefaultDialTimeout  = time.Second
)

// Errors of New.
var (
	// ErrConfig wraps a configuration New cannot use.
	ErrConfig = errors.New("hep: invalid configuration")
	// ErrCollector wraps a failure to open the socket towards the
	// collector (UDP). A TCP collector that does not answer is not an
	// error: the exporter keeps reconnecting and counts what it drops.
	ErrCollector = errors.New("hep: cannot open the collector socket")
)

// Config says where and how an Exporter sends.
type Config struct {
	// Collector is the HEP collector's address (-hep_addr).
	Collector netip.AddrPort
	// Transport is TransportUDP (default) or TransportTCP (-hep_transport).
	Transport Transport
	// CaptureID is the capture agent ID every packet carries (-hep_id).
	CaptureID uint32
	// AuthKey, when not empty, goes into every packet's authentication
	// key chunk (-hep_password).
	AuthKey string
	// NodeName, when not empty, goes into every packet's capture node
	// name chunk (-hep_node_name).
	NodeName string
	// CapturedProtocol is the IP protocol the mirrored SIP messages
	// travelled on (ProtoUDP, default, or ProtoTCP for TCP, TLS and
	// WebSocket).
	CapturedProtocol uint8
	// Shards is the number of producers: Mirror accepts shard indexes
	// 0 to Shards-1. Default 1.
	Shards int
	// QueueBytes is the size of each shard's queue; a message takes 64
	// octets plus its Call-ID and payload, rounded up to 8. The queues
	// must hold what the shards mirror while the sender waits for a CPU.
	// Default: 16 MiB shared by the shards, at least 1 MiB and at most
	// 4 MiB each.
	QueueBytes int
	// Backend is the dataplane backend of the UDP socket: "mmsg" sends a
	// batch with one sendmmsg(2) (Linux), "std" one write per packet.
	// Default "std".
	Backend string
	// NoSegmentation turns off UDP segmentation (see Exporter): every
	// HEP packet goes out unpadded in its own message, in the order the
	// shards mirrored them, at a higher CPU cost per packet.
	NoSegmentation bool
	// SocketBuffer sets the socket's send buffer (SO_SNDBUF) when
	// positive.
	SocketBuffer int
	// FlushTimeout bounds how long Close waits for queued messages to go
	// out. Default DefaultFlushTimeout.
	FlushTimeout time.Duration
	// DialTimeout bounds one TCP connection attempt. Default
	// DefaultDialTimeout.
	DialTimeout time.Duration
	// Logger receives connection warnings; nil discards them.
	Logger *slog.Logger
}

// Stats counts what became of the messages handed to Mirror. After Close
// every message is in exactly one counter; before, messages still queued
// are in none.
type Stats struct {
	// Sent is the HEP packets written to the collector's socket. Over
	// UDP the network may still lose them.
	Sent uint64
	// QueueFull is the messages dropped because their shard's queue was
	// full: the sender or the collector could not keep up.
	QueueFull uint64
	// Rejected is the messages dropped because they cannot fit a HEP
	// packet or lack an address, or came from a shard index out of range
	// or after Close.
	Rejected uint64
	// SendFailed is the packets the socket refused, or that found no TCP
	// connection (down, reconnecting) or were cut off when it broke.
	SendFailed uint64
	// Unsent is the messages still queued when Close gave up waiting.
	Unsent uint64
	// Connects is the TCP connections made, reconnections included.
	Connects uint64
}

// Dropped is every message that did not reach the collector's socket.
func (s Stats) Dropped() uint64 { return s.QueueFull + s.Rejected + s.SendFailed + s.Unsent }

// Mirrored is every message accounted for: Sent plus Dropped.
func (s Stats) Mirrored() uint64 { return s.Sent + s.Dropped() }

// counters are the sender's side of Stats.
type counters struct {
	sent, sendFailed, unsent, connects, rejected atomic.Uint64
}

// Exporter mirrors SIP messages to a HEP collector; it implements
// trace.Mirror and trace.MirrorCounter. Create it with New, hand it to the
// engine (engine.Config.Mirror), and Close it after the engine stopped.
type Exporter struct {
	cfg      Config
	log      *slog.Logger
	rings    []*ring
	heads    []uint64 // the sender's read positions, one per ring
	tr       transport
	c        counters
	rejected atomic.Uint64 // producer side: oversized, bad shard, after Close
	closed   atomic.Bool   // Mirror refuses from now on
	closing  atomic.Bool   // the sender drains and exits
	abandon  atomic.Bool   // the sender stops waiting for the collector
	done     chan struct{}
	once     sync.Once

	// Sender scratch.
	pkt   Packet
	msg   sipfast.Message
	auth  []byte
	node  []byte
	proto uint8 // Config.CapturedProtocol
}

var (
	_ trace.Mirror          = (*Exporter)(nil)
	_ trace.MirrorCounter   = (*Exporter)(nil)
	_ trace.MirrorPublisher = (*Exporter)(nil)
)

// New checks cfg, opens the socket towards the collector (for TCP it
// tries to connect once, then keeps trying in the background) and starts
// the sender goroutine.
func New(cfg Config) (*Exporter, error) {
	if !cfg.Collector.IsValid() || cfg.Collector.Port() == 0 {
		return nil, fmt.Errorf("%w: collector address %v", ErrConfig, cfg.Collector)
	}
	if cfg.Transport == "" {
		cfg.Transport = TransportUDP
	}
	if cfg.Shards <= 0 {
		cfg.Shards = 1
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = min(max(16<<20/cfg.Shards, 1<<20), 4<<20)
	}
	if cfg.FlushTimeout <= 0 {
		cfg.FlushTimeout = DefaultFlushTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	x := &Exporter{
		cfg:   cfg,
		log:   log,
		rings: make([]*ring, cfg.Shards),
		heads: make([]uint64, cfg.Shards),
		done:  make(chan struct{}),
	}
	if cfg.AuthKey != "" {
		x.auth = []byte(cfg.AuthKey)
	}
	if cfg.NodeName != "" {
		x.node = []byte(cfg.NodeName)
	}
	for i := range x.rings {
		x.rings[i] = newRing(cfg.QueueBytes)
	}
	var err error
	switch cfg.Transport {
	case TransportUDP:
		x.tr, err = newUDPTransport(&cfg, &x.c)
	case TransportTCP:
		x.tr = newTCPTransport(&cfg, &x.c, log)
	default:
		return nil, fmt.Errorf("%w: transport %q (udp or tcp)", ErrConfig, cfg.Transport)
	}
	if err != nil {
		return nil, err
	}
	x.proto = ProtoUDP
	if cfg.CapturedProtocol != 0 {
		x.proto = cfg.CapturedProtocol
	}
	x.tr.prepare(time.Now())
	go x.run()
	return x, nil
}

// Mirror implements trace.Mirror: it copies the message into shard's
// queue, or counts it as dropped when the queue is full. It never blocks
// and does not allocate.
func (x *Exporter) Mirror(shard int, dir trace.Direction, at time.Time, payload []byte, local, remote netip.AddrPort, callID []byte) {
	if uint(shard) >= uint(len(x.rings)) || len(callID)+len(payload) > MaxPacketLen || x.closed.Load() {
		x.rejected.Add(1)
		return
	}
	x.rings[shard].push(uint8(dir), at.UnixNano(), local, remote, callID, payload)
}

// MirrorPublish implements trace.MirrorPublisher: it makes what shard
// mirrored visible to the sender. Once a shard called it, Mirror leaves
// publishing to it (one memory barrier per turn of the shard's loop
// instead of one per message). Call it from the shard's goroutine.
func (x *Exporter) MirrorPublish(shard int) {
	if uint(shard) < uint(len(x.rings)) {
		x.rings[shard].publish()
	}
}

// Stats returns the counters so far. Safe for concurrent use.
func (x *Exporter) Stats() Stats {
	s := Stats{
		Sent:       x.c.sent.Load(),
		Rejected:   x.rejected.Load() + x.c.rejected.Load(),
		SendFailed: x.c.sendFailed.Load(),
		Unsent:     x.c.unsent.Load(),
		Connects:   x.c.connects.Load(),
	}
	for _, q := range x.rings {
		s.QueueFull += q.full.Load()
	}
	return s
}

// MirrorTotals implements trace.MirrorCounter.
func (x *Exporter) MirrorTotals() (sent, dropped uint64) {
	s := x.Stats()
	return s.Sent, s.Dropped()
}

// Close stops accepting messages, sends what is queued (waiting at most
// FlushTimeout for the collector), counts the rest as Unsent and releases
// the socket. Call it once the shards no longer call Mirror. It returns
// the final Stats; calling it again returns them again.
func (x *Exporter) Close() Stats {
	x.once.Do(func() {
		x.closed.Store(true)
		for _, q := range x.rings {
			q.publish() // the shards stopped: what they left unpublished goes too
		}
		x.closing.Store(true)
		select {
		case <-x.done:
		case <-time.After(x.cfg.FlushTimeout):
			x.abandon.Store(true)
			x.tr.interrupt()
			<-x.done
		}
	})
	return x.Stats()
}

// Idle back-off of the sender: it polls the queues, sleeping longer the
// longer they stay empty. A queue must hold maxIdle worth of a shard's
// messages (1 MiB holds 5 ms of 200 MB/s), and more: the sender may also
// wait for a CPU while the shards keep theirs.
const (
	minIdle = 50 * time.Microsecond
	maxIdle = 5 * time.Millisecond
)

// run is the sender goroutine.
func (x *Exporter) run() {
	defer close(x.done)
	idle := minIdle
	for {
		if x.abandon.Load() {
			x.discard()
			return
		}
		closing := x.closing.Load() // read before draining: nothing follows once it is set
		now := time.Now()
		x.tr.prepare(now)
		moved := x.pump()
		x.tr.flush(now)
		if moved {
			idle = minIdle
			continue
		}
		if x.tr.pending() {
			continue // flush waited for the socket already
		}
		if closing {
			x.tr.close()
			return
		}
		time.Sleep(idle)
		idle = min(idle*2, maxIdle)
	}
}

// pump moves queued messages into the transport until the queues are
// empty or the transport is full, and reports whether it moved any.
func (x *Exporter) pump() bool {
	moved := false
	for i, q := range x.rings {
		pos := x.heads[i]
		tail := q.tail.Load()
		for x.tr.room() {
			r, next, ok := q.peek(pos, tail)
			if !ok {
				pos = next
				break
			}
			x.send(&r)
			pos = next
			moved = true
		}
		if pos != x.heads[i] {
			x.heads[i] = pos
			q.head.Store(pos)
		}
	}
	return moved
}

// send hands one record to the transport, which encodes it.
func (x *Exporter) send(r *record) {
	p := &x.pkt
	*p = Packet{
		Protocol:  x.proto,
		ProtoType: ProtoSIP,
		CaptureID: x.cfg.CaptureID,
		AuthKey:   x.auth,
		NodeName:  x.node,
		Payload:   r.payload,
	}
	if r.dir == uint8(trace.Sent) {
		p.Src, p.Dst = r.local, r.remote
	} else {
		p.Src, p.Dst = r.remote, r.local
	}
	setTimeNanos(p, r.at)
	p.CorrelationID = r.callID
	if len(p.CorrelationID) == 0 {
		p.CorrelationID = x.callID(r.payload)
	}
	if err := x.tr.add(p); err != nil {
		x.c.rejected.Add(1) // too large for a HEP packet, or no address
	}
}

// callID finds a message's Call-ID: the quick scan first, the full
// parser for what it leaves (folded headers); nil when there is none.
func (x *Exporter) callID(payload []byte) []byte {
	if id := sipfast.PeekCallID(payload); id != nil {
		return id
	}
	if x.msg.Parse(payload) != nil {
		return nil
	}
	if id := x.msg.CallID(); len(id) > 0 {
		return id
	}
	return nil
}

// discard counts everything still queued as unsent and closes the
// transport (Close gave up waiting).
func (x *Exporter) discard() {
	for i, q := range x.rings {
		pos := x.heads[i]
		tail := q.tail.Load()
		for {
			_, next, ok := q.peek(pos, tail)
			pos = next
			if !ok {
				break
			}
			x.c.unsent.Add(1)
		}
		x.heads[i] = pos
		q.head.Store(pos)
	}
	x.tr.abandon()
}
