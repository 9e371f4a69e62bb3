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
	udpBatchFrames = 64
	udpBatchBytes  = 128 << 10
)

// udpTransport sends one datagram per HEP packet through a dataplane
// endpoint connected to the collector: with the mmsg backend a batch
// goes out in one sendmmsg(2).
//
// Where the kernel has UDP generic segmentation (Linux 4.18) and
// Config.NoSegmentation is false, a flush sorts the batch by size, pads
// packets of nearly the same size to one size (Pad) and hands each such
// group to the kernel as one message that it cuts into datagrams: the
// kernel then builds one socket buffer and walks the IP stack once per
// group instead of once per packet, which is most of what a datagram
// costs. The datagrams of a batch (at most a millisecond or so of
// traffic) may then leave in another order; every packet keeps its own
// time stamp.
type udpTransport struct {
	ep     dataplane.Endpoint
	seg    dataplane.SegmentWriter // nil: one datagram per packet
	batch  []byte                  // the batch's frames back to back
	ends   []int                   // where each frame ends in batch
	order  []int                   // flush scratch: frames by decreasing size
	gso    []byte                  // flush scratch: one segmented message
	dst    netip.AddrPort
	max    int // largest datagram payload
	c      *counters
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
	dst := netip.AddrPortFrom(cfg.Collector.Addr().Unmap(), cfg.Collector.Port())
	ep, err := dataplane.Open(dataplane.Config{
		Backend:     backend,
		Local:       local,
		Peer:        dst, // the kernel keeps the route: no lookup per datagram
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
	u := &udpTransport{ep: ep, dst: dst, max: max, c: c, log: log,
		batch: make([]byte, 0, udpBatchBytes), ends: make([]int, 0, udpBatchFrames),
		order: make([]int, 0, udpBatchFrames)}
	if sw, ok := ep.(dataplane.SegmentWriter); ok && !cfg.NoSegmentation {
		if n, _ := sw.SegmentLimits(); n > 1 {
			u.seg = sw
			u.gso = make([]byte, 0, 65535)
		}
	}
	return u, nil
}

func (u *udpTransport) prepare(time.Time) {}
func (u *udpTransport) room() bool        { return true }
func (u *udpTransport) pending() bool     { return false }
func (u *udpTransport) interrupt()        {}

func (u *udpTransport) add(p *Packet) error {
	n := p.EncodedLen()
	if n > MaxPacketLen {
		return fmt.Errorf("%w: %d octets", ErrTooLarge, n)
	}
	if n > u.max {
		u.c.sendFailed.Add(1)
		return nil
	}
	if len(u.ends) == udpBatchFrames || len(u.batch)+n > cap(u.batch) {
		u.flush(time.Time{}) // a batch holds the largest datagram (u.max)
	}
	batch, err := Append(u.batch, p)
	if err != nil {
		return err
	}
	u.batch = batch
	u.ends = append(u.ends, len(batch))
	return nil
}

// frame returns the batch's frame i.
func (u *udpTransport) frame(i int) []byte {
	start := 0
	if i > 0 {
		start = u.ends[i-1]
	}
	return u.batch[start:u.ends[i]]
}

// flush sends the batch.
func (u *udpTransport) flush(time.Time) {
	n := len(u.ends)
	if n == 0 {
		return
	}
	queued := n
	if u.seg != nil && n > 1 {
		queued = u.writeSegmented()
	} else {
		for i := range n {
			if !u.write(u.frame(i)) {
				queued--
			}
		}
	}
	u.finish(queued)
	u.batch, u.ends = u.batch[:0], u.ends[:0]
}

// write queues one datagram, counting it as failed when the endpoint
// refuses it.
func (u *udpTransport) write(frame []byte) bool {
	if err := u.ep.Write(frame, u.dst); err != nil {
		u.c.sendFailed.Add(1)
		u.warn(err)
		return false
	}
	return true
}

// finish flushes the endpoint, which holds queued packets. A backend that
// batches reports one error for the batch, not which datagrams failed:
// the whole batch then counts as failed.
func (u *udpTransport) finish(queued int) {
	if err := u.ep.Flush(); err != nil {
		u.c.sendFailed.Add(uint64(queued))
		u.warn(err)
	} else {
		u.c.sent.Add(uint64(queued))
	}
}

// writeSegmented queues the batch as segmented messages: frames sorted by
// decreasing size, each group padded to the size of its first, the last
// of a group left shorter (the kernel allows that). It returns the frames
// queued.
func (u *udpTransport) writeSegmented() int {
	count, size := u.seg.SegmentLimits()
	queued := 0
	order := u.order[:0]
	for i := range u.ends {
		f := u.frame(i)
		if count < 2 || len(f) > size {
			if u.write(f) { // too large for one segment: the kernel fragments it
				queued++
			}
			continue
		}
		// Insertion sort by decreasing size: a batch has at most 64.
		k := len(order)
		order = append(order, i)
		for k > 0 && len(u.frame(order[k-1])) < len(f) {
			order[k] = order[k-1]
			k--
		}
		order[k] = i
	}
	u.order = order
	for i := 0; i < len(order); {
		first := u.frame(order[i])
		seg := len(first)
		j := i + 1
		for j < len(order) && j-i < count && (j-i+1)*seg <= maxSegmented {
			d := seg - len(u.frame(order[j]))
			if d > seg/padShare {
				break
			}
			j++
			if d > 0 && d < ChunkHeaderLen {
				break // too close to pad: only the last segment may be shorter
			}
		}
		if j-i == 1 {
			if u.write(first) {
				queued++
			}
			i = j
			continue
		}
		msg := u.gso[:0]
		for k := i; k < j; k++ {
			start := len(msg)
			msg = append(msg, u.frame(order[k])...)
			if k < j-1 {
				// d is 0 or at least a chunk header; gso holds a whole
				// group, so Pad grows the frame in place.
				padded, _ := Pad(msg[start:], seg)
				msg = msg[:start+len(padded)]
			}
		}
		u.gso = msg[:0]
		if err := u.seg.WriteSegments(msg, seg, u.dst); err != nil {
			u.c.sendFailed.Add(uint64(j - i))
			u.warn(err)
		} else {
			queued += j - i
		}
		i = j
	}
	return queued
}

// Grouping for segmentation: a packet joins a group when padding it to
// the group's size adds at most 1/padShare of that size, and a group
// stays within one IP packet.
const (
	padShare     = 8
	maxSegmented = 65535 - 40 - 8
)

func (u *udpTransport) close() {
	u.flush(time.Time{})
	_ = u.ep.Close()
}

func (u *udpTransport) abandon() {
	u.c.unsent.Add(uint64(len(u.ends)))
	u.batch, u.ends = u.batch[:0], u.ends[:0]
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
