package dataplane

import (
	"errors"
	"net/netip"
	"time"
)

// ErrClosed is returned by an Endpoint after Close.
var ErrClosed = errors.New("dataplane: endpoint closed")

// ErrTimeout is returned by Read when the deadline passed (or Wake was
// called) before a datagram arrived.
var ErrTimeout = errors.New("dataplane: read deadline reached")

// Packet is one received datagram. Data points into an endpoint-owned
// buffer that stays valid until the next Read on the same endpoint.
type Packet struct {
	Data []byte
	From netip.AddrPort
	// To is the address the datagram was sent to, when the backend sees
	// it (xdp: it may be any address of a source range, and the port of
	// another shard when the interface hashed the reply onto this
	// shard's queue); the zero AddrPort otherwise.
	To netip.AddrPort
	// Truncated is set when the datagram was longer than the endpoint's
	// buffer and Data holds only its beginning.
	Truncated bool
	// Received is when the kernel queued the datagram, in Unix
	// nanoseconds (SO_TIMESTAMPNS), or 0 when the backend cannot tell.
	// It keeps response times honest when the shard reads late.
	Received int64
	// Conn is the connection the message came on (stream endpoints); 0
	// for datagrams.
	Conn ConnID
	// Closed reports, instead of a message, that connection Conn ended:
	// the peer closed it (Err nil) or it failed (Err says how).
	Closed bool
	Err    error
}

// Poller is implemented by endpoints that can read without blocking. A
// busy shard sleeps a tick and then drains its socket with TryRead, so
// one wake-up serves many datagrams instead of one.
type Poller interface {
	// TryRead fills pkts with datagrams already queued and returns how
	// many; 0 when none are.
	TryRead(pkts []Packet) (int, error)
	// Sleep waits until deadline or a Wake, ignoring arriving datagrams.
	Sleep(deadline time.Time)
}

// ReadBatchSize is the number of Packets a caller should pass to Read so
// that no backend has to hold datagrams back.
const ReadBatchSize = 64

// Endpoint is one shard's socket. Read, Write and Flush are called only by
// the owning shard; Wake may be called from any goroutine.
type Endpoint interface {
	// Read waits until at least one datagram is available or deadline
	// passes, then fills pkts with up to len(pkts) datagrams and returns how
	// many it filled. A zero deadline means no deadline. It returns
	// ErrTimeout when nothing arrived in time.
	Read(pkts []Packet, deadline time.Time) (int, error)
	// Write queues b for dst. The bytes are copied or sent before Write
	// returns, so the caller may reuse b.
	Write(b []byte, dst netip.AddrPort) error
	// Flush sends every queued datagram.
	Flush() error
	// Wake makes a Read that is blocked, or the next one, return
	// ErrTimeout at once. Safe for concurrent use.
	Wake()
	// LocalAddr is the bound address.
	LocalAddr() netip.AddrPort
	// Close releases the socket.
	Close() error
}

// ErrNoSegmentation is returned by SegmentWriter.WriteSegments when the
// kernel has no UDP generic segmentation (before Linux 4.18).
var ErrNoSegmentation = errors.New("no UDP segmentation offload in this kernel")

// SegmentWriter is implemented by endpoints that can hand the kernel many
// datagrams of one size in a single message, which the kernel (or the
// network card) cuts into datagrams: Linux UDP generic segmentation
// offload (UDP_SEGMENT). It saves most of the per-datagram cost of the
// system call and of the IP stack, which makes it the cheapest way to
// send many datagrams to one destination.
type SegmentWriter interface {
	// WriteSegments queues b, datagrams of size octets back to back (the
	// last one may be shorter), for dst. Like Write, it copies b before it
	// returns. The segments must fit the path MTU towards dst
	// (SegmentLimits): the kernel does not fragment them, and a larger
	// size fails at Flush.
	WriteSegments(b []byte, size int, dst netip.AddrPort) error
	// SegmentLimits returns the most datagrams one WriteSegments may
	// carry and the largest segment size; count is 0 when the kernel
	// cannot segment (WriteSegments then fails).
	SegmentLimits() (count, size int)
}

// DropCounter is implemented by endpoints that know how many datagrams
// the kernel dropped on their socket because its receive queue was full.
type DropCounter interface {
	// Drops returns the socket's drop count so far, as the kernel last
	// reported it (it comes with received datagrams).
	Drops() uint64
}

// Config says how to open endpoints.
type Config struct {
	// Backend names the implementation: "std" (portable, default),
	// "mmsg" (Linux recvmmsg/sendmmsg batches) or "xdp" (Linux AF_XDP,
	// configured by XDP).
	Backend string
	// Local is the address to bind; port 0 picks a free port.
	Local netip.AddrPort
	// ReusePort lets several endpoints bind the same port (SO_REUSEPORT).
	ReusePort bool
	// BufferSize sets SO_RCVBUF and SO_SNDBUF when positive, past
	// net.core.rmem_max/wmem_max when the process may (Linux,
	// CAP_NET_ADMIN: SO_RCVBUFFORCE, SO_SNDBUFFORCE) on UDP sockets.
	BufferSize int
	// MaxDatagram is the largest datagram read in full; longer ones are
	// truncated and reported with Truncated. Default 65535.
	MaxDatagram int
	// XDP configures the xdp backend; other backends ignore it.
	XDP XDPConfig
	// Peer, when valid, connects the socket to this address (connect(2)):
	// the kernel then keeps the route and skips the address copy and
	// route lookup of every datagram Written to Peer, and the endpoint
	// receives only Peer's datagrams. A send towards a closed port may
	// fail later with "connection refused" (RFC 1122 §4.1.3.3: ICMP port
	// unreachable is reported to a connected socket). The xdp backend
	// ignores it.
	Peer netip.AddrPort
	// Stream, when set, opens a stream endpoint (TCP, TLS, WebSocket)
	// instead of a datagram one; Backend is then ignored.
	Stream *StreamConfig
	// PerIP, when set, opens one UDP socket per address, all on Local's
	// port (SIPp's -t ui): the endpoint sends from any of them
	// (SourceWriter) and reports which one received (Packet.To).
	PerIP []netip.Addr
}

// ErrUnknownBackend is returned by Open for a backend name it does not know.
var ErrUnknownBackend = errors.New("dataplane: unknown backend")

// Open opens one endpoint as cfg says.
func Open(cfg Config) (Endpoint, error) {
	if cfg.Stream != nil {
		return openStream(cfg)
	}
	if len(cfg.PerIP) > 0 {
		return openPerIP(cfg)
	}
	switch cfg.Backend {
	case "", "std":
		return openStd(cfg)
	case "mmsg":
		return openMmsg(cfg)
	case "xdp":
		return openXDP(cfg)
	default:
		return nil, errors.Join(ErrUnknownBackend, errors.New("backend "+cfg.Backend))
	}
}
