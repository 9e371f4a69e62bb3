package hep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
)

// transport sends encoded HEP packets to the collector. The sender
// goroutine calls every method except interrupt; transports update the
// exporter's counters for each frame they take: sent, send failed, or
// (abandon) unsent.
type transport interface {
	// prepare runs at the start of every sender round (TCP: connect
	// when a connection is due).
	prepare(now time.Time)
	// room reports whether the transport takes another frame now.
	room() bool
	// add encodes p into the transport's buffer; it may send. It returns
	// Append's error for a packet that cannot be encoded (not counted).
	add(p *Packet) error
	// flush sends what add queued, waiting at most a short write timeout.
	flush(now time.Time)
	// pending reports whether taken frames are still waiting to go out.
	pending() bool
	// close releases the socket once nothing is pending.
	close()
	// abandon counts the frames still waiting as unsent and releases the
	// socket.
	abandon()
	// interrupt makes a flush that waits return at once. Any goroutine.
	interrupt()
}

// UDP batches: a flush sends at most this many frames or octets, which
// every dataplane backend holds without flushing on its own.
const (
	udpBatchFrames = 32
	udpBatchBytes  = 128 << 10
)

// udpTransport sends one datagram per HEP packet through a dataplane
// endpoint: with the mmsg backend a batch goes out in one sendmmsg(2).
type udpTransport struct {
	ep     dataplane.Endpoint
	frame  []byte // encoding scratch
	dst    netip.AddrPort
	max    int // largest datagram payload
	c      *counters
	n      int // frames queued in ep
	bytes  int
	errors int // logged so far
	log    *slog.Logger
}

func newUDPTransport(cfg *Config, c *counters) (*udpTransport, error) {
	local := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	max := 65507 // 65535 - IPv4 and UDP headers
	if a := cfg.Collector.Addr(); a.Is6() && !a.Is4In6() {
		local = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
		max = 65527
	}
	backend := cfg.Backend
	if backend == "" {
		backend = "std"
	}
	ep, err := dataplane.Open(dataplane.Config{
		Backend:     backend,
		Local:       local,
		BufferSize:  cfg.SocketBuffer,
		MaxDatagram: 512, // nothing is read on this socket
	})
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrCollector, cfg.Collector, err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &udpTransport{ep: ep, dst: netip.AddrPortFrom(cfg.Collector.Addr().Unmap(), cfg.Collector.Port()),
		frame: make([]byte, 0, MaxPacketLen), max: max, c: c, log: log}, nil
}

func (u *udpTransport) prepare(time.Time) {}
func (u *udpTransport) room() bool        { return true }
func (u *udpTransport) pending() bool     { return false }
func (u *udpTransport) interrupt()        {}

func (u *udpTransport) add(p *Packet) error {
	frame, err := Append(u.frame[:0], p)
	if err != nil {
		return err
	}
	u.frame = frame
	if len(frame) > u.max {
		u.c.sendFailed.Add(1)
		return nil
	}
	if u.n == udpBatchFrames || u.bytes+len(frame) > udpBatchBytes {
		u.flush(time.Time{})
	}
	if err := u.ep.Write(frame, u.dst); err != nil {
		u.c.sendFailed.Add(1)
		u.warn(err)
		return nil
	}
	u.n++
	u.bytes += len(frame)
	return nil
}

// flush sends the batch. A backend that batches reports one error for
// the batch, not which datagrams failed: the whole batch then counts as
// failed.
func (u *udpTransport) flush(time.Time) {
	if u.n == 0 {
		return
	}
	if err := u.ep.Flush(); err != nil {
		u.c.sendFailed.Add(uint64(u.n))
		u.warn(err)
	} else {
		u.c.sent.Add(uint64(u.n))
	}
	u.n, u.bytes = 0, 0
}

func (u *udpTransport) close() {
	u.flush(time.Time{})
	_ = u.ep.Close()
}

func (u *udpTransport) abandon() {
	u.c.unsent.Add(uint64(u.n))
	u.n = 0
	_ = u.ep.Close()
}

func (u *udpTransport) warn(err error) {
	if u.errors < 10 {
		u.errors++
		u.log.Warn("HEP: send to collector failed", "collector", u.dst, "err", err)
	}
}

// TCP tuning: the batch buffer, how long one flush may wait for the
// socket, and the reconnection back-off.
const (
	tcpBatchBytes   = 256 << 10
	tcpWriteTimeout = 20 * time.Millisecond
	minBackoff      = 100 * time.Millisecond
	maxBackoff      = 5 * time.Second
)

// tcpTransport writes HEP packets back to back on one connection. While
// the collector reads slowly, flush waits at most tcpWriteTimeout and
// the batch stays full, so the sender stops draining the queues and the
// shards drop. While there is no connection, frames count as failed and
// a new connection is tried with exponential back-off.
type tcpTransport struct {
	addr     netip.AddrPort
	timeout  time.Duration
	sockBuf  int
	c        *counters
	log      *slog.Logger
	conn     atomic.Pointer[net.TCPConn]
	out      []byte // frames taken, back to back
	ends     []int  // where each frame in out ends
	written  int    // octets of out on the wire
	done     int    // frames of ends fully written
	nextDial time.Time
	backoff  time.Duration
	down     bool // a warning about the connection was logged
}

func newTCPTransport(cfg *Config, c *counters, log *slog.Logger) *tcpTransport {
	return &tcpTransport{
		addr:    cfg.Collector,
		timeout: cfg.DialTimeout,
		sockBuf: cfg.SocketBuffer,
		c:       c,
		log:     log,
		out:     make([]byte, 0, tcpBatchBytes),
		backoff: minBackoff,
	}
}

// prepare connects when there is no connection and the back-off expired.
func (t *tcpTransport) prepare(now time.Time) {
	if t.conn.Load() != nil || now.Before(t.nextDial) {
		return
	}
	d := net.Dialer{Timeout: t.timeout}
	c, err := d.DialContext(context.Background(), "tcp", t.addr.String())
	if err != nil {
		t.nextDial = time.Now().Add(t.backoff)
		if !t.down {
			t.down = true
			t.log.Warn("HEP: cannot connect to collector; retrying", "collector", t.addr, "err", err)
		}
		t.backoff = min(2*t.backoff, maxBackoff)
		return
	}
	tc := c.(*net.TCPConn)
	if t.sockBuf > 0 {
		_ = tc.SetWriteBuffer(t.sockBuf)
	}
	t.conn.Store(tc)
	t.c.connects.Add(1)
	t.backoff = minBackoff
	if t.down {
		t.down = false
		t.log.Warn("HEP: connected to collector", "collector", t.addr)
	}
}

func (t *tcpTransport) room() bool {
	return t.conn.Load() == nil || len(t.out) < cap(t.out)-MaxPacketLen
}

// add encodes p straight into the batch (room left space for the
// largest packet).
func (t *tcpTransport) add(p *Packet) error {
	if t.conn.Load() == nil {
		if n := p.EncodedLen(); n > MaxPacketLen {
			return fmt.Errorf("%w: %d octets", ErrTooLarge, n)
		}
		t.c.sendFailed.Add(1)
		return nil
	}
	out, err := Append(t.out, p)
	if err != nil {
		return err
	}
	t.out = out
	t.ends = append(t.ends, len(out))
	return nil
}

func (t *tcpTransport) pending() bool { return t.written < len(t.out) }

// flush writes what is taken, for at most tcpWriteTimeout. Frames count
// as sent once their last octet is written; when the connection breaks,
// the frames not fully written count as failed (the collector sees the
// cut one truncated) and a reconnection is due at once.
func (t *tcpTransport) flush(now time.Time) {
	c := t.conn.Load()
	if c == nil || t.written == len(t.out) {
		return
	}
	if now.IsZero() {
		now = time.Now()
	}
	_ = c.SetWriteDeadline(now.Add(tcpWriteTimeout))
	n, err := c.Write(t.out[t.written:])
	t.written += n
	k := t.done
	for k < len(t.ends) && t.ends[k] <= t.written {
		k++
	}
	t.c.sent.Add(uint64(k - t.done))
	t.done = k
	switch {
	case err == nil || errors.Is(err, os.ErrDeadlineExceeded):
		if t.written == len(t.out) {
			t.reset()
		}
	default:
		t.c.sendFailed.Add(uint64(len(t.ends) - t.done))
		t.drop(err)
	}
}

func (t *tcpTransport) reset() {
	t.out, t.ends = t.out[:0], t.ends[:0]
	t.written, t.done = 0, 0
}

// drop closes a broken connection; the next prepare reconnects.
func (t *tcpTransport) drop(err error) {
	if c := t.conn.Swap(nil); c != nil {
		_ = c.Close()
	}
	t.reset()
	t.nextDial = time.Time{}
	if !t.down {
		t.down = true
		t.log.Warn("HEP: connection to collector lost; reconnecting", "collector", t.addr, "err", err)
	}
}

func (t *tcpTransport) close() {
	if c := t.conn.Swap(nil); c != nil {
		_ = c.Close()
	}
}

func (t *tcpTransport) abandon() {
	t.c.unsent.Add(uint64(len(t.ends) - t.done))
	t.reset()
	t.close()
}

func (t *tcpTransport) interrupt() {
	if c := t.conn.Load(); c != nil {
		_ = c.SetWriteDeadline(time.Unix(1, 0))
	}
}
