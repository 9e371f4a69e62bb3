package dataplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/sipfast"
)

// Stream transports (TCP, TLS, WebSocket) carry SIP messages on
// connections. A stream endpoint still presents whole messages to its
// shard, one Packet each, framed by sipfast.Framer (RFC 3261 §18.3:
// Content-Length) or by WebSocket messages (RFC 7118 §5), and names the
// connection a message came on in Packet.Conn so the reply goes back on it
// (StreamEndpoint.WriteConn).
//
//	 connection ─► reader ─► framer ─► endpoint queue ─► shard's Read
//	 shard ─► WriteConn ─► connection's write buffer ─► Flush (one write)
//
// The endpoints of one run share a ConnTable, so any shard can answer on a
// connection another shard accepted (the engine steers messages by
// Call-ID, as it does for UDP). A connection's writes are buffered and
// sent by the writing shard's Flush, many messages per system call.
//
// A shard reads one connection itself, in Read, with no goroutine: the
// first it dialled, or the first one its listener accepted (a client's
// t1 connection, a UAS's single connection from its peer). Each further
// connection has a reader goroutine that reads as much as the kernel has,
// frames every complete message and queues them for the shard in one
// batch; a message queued that way interrupts the shard's own read.

// Stream protocol names for StreamConfig.Protocol.
const (
	ProtoTCP = "tcp"
	ProtoTLS = "tls"
	ProtoWS  = "ws"
	ProtoWSS = "wss"
)

// ConnID names one connection of a ConnTable; 0 names none.
type ConnID uint32

// Errors of stream endpoints.
var (
	// ErrConnClosed is returned by WriteConn for a connection that is
	// closed or unknown.
	ErrConnClosed = errors.New("dataplane: connection closed")
	// ErrConnect wraps a failure to establish a connection: refused,
	// unreachable, timed out, or a failed TLS or WebSocket handshake.
	ErrConnect = errors.New("dataplane: cannot connect")
	// ErrTooManyConns is returned by Dial when the ConnTable is full.
	ErrTooManyConns = errors.New("dataplane: too many connections")
)

// StreamConfig configures a stream endpoint (Config.Stream).
type StreamConfig struct {
	// Protocol is ProtoTCP, ProtoTLS, ProtoWS or ProtoWSS.
	Protocol string
	// Listen makes the endpoint accept connections on Config.Local.
	Listen bool
	// TLS is the client configuration (Dial) and, when Listen, the
	// server configuration, for ProtoTLS and ProtoWSS.
	TLS *tls.Config
	// Conns is the connection table shared by the endpoints of one run;
	// nil gives the endpoint a table of its own.
	Conns *ConnTable
	// DialTimeout bounds connecting plus the TLS and WebSocket
	// handshakes; default 5 s.
	DialTimeout time.Duration
	// WSPath is the request target of the WebSocket handshake; default "/".
	WSPath string
	// MaxMessage is the largest message accepted; default
	// sipfast.DefaultMaxMessage.
	MaxMessage int
}

// StreamEndpoint is implemented by endpoints of stream transports.
type StreamEndpoint interface {
	Endpoint
	// Dial opens a connection to dst, with the TLS and WebSocket
	// handshakes its protocol needs, and returns its id. Messages that
	// arrive on it come out of this endpoint's Read. Errors wrap
	// ErrConnect (or ErrTooManyConns).
	Dial(dst netip.AddrPort) (ConnID, error)
	// WriteConn queues b on connection id; Flush sends it. b may be
	// reused when WriteConn returns. Any endpoint of the table may write
	// on any of its connections.
	WriteConn(b []byte, id ConnID) error
	// CloseConn closes connection id; its closing is not reported by Read.
	CloseConn(id ConnID)
}

// A Packet with Closed set reports that connection Conn ended (the peer
// closed it, or it failed with Err); Data is empty.

// ConnTable holds the open connections of a run. Lookups are lock-free;
// adding and removing take a mutex.
type ConnTable struct {
	mu    sync.Mutex
	free  []uint32 // free slots
	next  uint32   // slots ever used
	max   uint32
	gen   []uint16 // per slot, bumped on removal (under mu)
	pages [connPages]atomic.Pointer[[connPage]atomic.Pointer[conn]]
	open  atomic.Int64
	peak  int // most connections open at once (under mu)
}

const (
	connPageBits = 12
	connPage     = 1 << connPageBits
	connPages    = 1 << (connSlotBits - connPageBits) // 1M slots
	connSlotBits = 20
	connSlotMask = 1<<connSlotBits - 1
	connGenMask  = 1<<(32-connSlotBits) - 1
	minFreeSlots = 1024 // freed slots kept back before one is reused
)

// NewConnTable returns a table of at most max connections (≤ 0: 1M).
func NewConnTable(max int) *ConnTable {
	if max <= 0 || max > connPage*connPages-1 {
		max = connPage*connPages - 1
	}
	return &ConnTable{max: uint32(max), next: 1}
}

// Open returns the number of open connections.
func (t *ConnTable) Open() int { return int(t.open.Load()) }

// Peak returns the most connections that were open at once.
func (t *ConnTable) Peak() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.peak
}

// A ConnID is slot | generation<<20, so a stale id of a closed connection
// never reaches the connection that reused its slot (for 4096 reuses).
func (t *ConnTable) get(id ConnID) *conn {
	slot := uint32(id) & connSlotMask
	p := t.pages[slot>>connPageBits].Load()
	if p == nil {
		return nil
	}
	c := p[slot&(connPage-1)].Load()
	if c == nil || c.id != id {
		return nil
	}
	return c
}

func (t *ConnTable) add(c *conn) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var slot uint32
	if len(t.free) > 0 && (len(t.free) >= minFreeSlots || t.next > t.max) {
		// Oldest freed first, and only once a few are free: a slot's
		// generation then wraps after thousands of connections, not
		// after 4096.
		slot = t.free[0]
		t.free = t.free[1:]
	} else {
		if t.next > t.max {
			return ErrTooManyConns
		}
		slot = t.next
		t.next++
		for int(slot) >= len(t.gen) {
			t.gen = append(t.gen, 0)
		}
	}
	p := t.pages[slot>>connPageBits].Load()
	if p == nil {
		p = new([connPage]atomic.Pointer[conn])
		t.pages[slot>>connPageBits].Store(p)
	}
	c.id = ConnID(slot | uint32(t.gen[slot]&connGenMask)<<connSlotBits)
	p[slot&(connPage-1)].Store(c)
	t.peak = max(t.peak, int(t.open.Add(1)))
	return nil
}

func (t *ConnTable) remove(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := uint32(c.id) & connSlotMask
	p := t.pages[slot>>connPageBits].Load()
	if p == nil || p[slot&(connPage-1)].Load() != c {
		return
	}
	p[slot&(connPage-1)].Store(nil)
	t.gen[slot]++
	t.free = append(t.free, slot)
	t.open.Add(-1)
}

// conn is one connection.
type conn struct {
	id     ConnID
	nc     net.Conn
	remote netip.AddrPort
	owner  *streamEndpoint // whose Read delivers its messages
	ws     bool            // WebSocket framing (RFC 6455)
	client bool            // WebSocket client: masks its frames

	wmu     sync.Mutex
	wbuf    []byte
	flusher *streamEndpoint // whose Flush sends wbuf
	werr    error
	quiet   atomic.Bool // closed by CloseConn: report nothing
	closed  atomic.Bool

	// Receive state, of the reader goroutine or of the shard (direct).
	rbuf []byte
	r    int // first unframed byte of rbuf
	fr   sipfast.Framer
	wsr  wsReader
}

// maxWriteBuffer makes a write flush at once rather than grow further.
const maxWriteBuffer = 256 << 10

// streamEndpoint is a StreamEndpoint on net.Conn connections.
type streamEndpoint struct {
	cfg   StreamConfig
	table *ConnTable
	ln    net.Listener
	local netip.AddrPort
	laddr netip.Addr // source address of dialled connections

	rxQueue
	dirty []*conn // connections whose write buffer this endpoint flushes

	// The connection the shard reads itself in Read, with no goroutine:
	// its first dialled connection, or an accepted one it took over
	// (offer). Others have a reader goroutine each.
	direct    *conn                // shard only
	directA   atomic.Pointer[conn] // direct, for interruptDirect
	offer     atomic.Pointer[conn]
	dDeadline time.Time // read deadline set on direct

	conns sync.Map // *conn → struct{}: connections this endpoint owns, for Close
	wg    sync.WaitGroup
}

func openStream(cfg Config) (*streamEndpoint, error) {
	sc := *cfg.Stream
	switch sc.Protocol {
	case ProtoTCP, ProtoTLS, ProtoWS, ProtoWSS:
	default:
		return nil, errors.Join(ErrUnknownBackend, errors.New("stream protocol "+sc.Protocol))
	}
	if (sc.Protocol == ProtoTLS || sc.Protocol == ProtoWSS) && sc.TLS == nil {
		return nil, fmt.Errorf("dataplane: %s needs a TLS configuration", sc.Protocol)
	}
	if sc.DialTimeout <= 0 {
		sc.DialTimeout = 5 * time.Second
	}
	if sc.WSPath == "" {
		sc.WSPath = "/"
	}
	if sc.MaxMessage <= 0 {
		sc.MaxMessage = sipfast.DefaultMaxMessage
	}
	e := &streamEndpoint{
		cfg:   sc,
		table: sc.Conns,
		laddr: cfg.Local.Addr(),
		local: cfg.Local,
	}
	e.rxQueue.init()
	e.interrupt = e.interruptDirect
	if e.table == nil {
		e.table = NewConnTable(0)
	}
	if sc.Listen {
		lc := net.ListenConfig{}
		if cfg.ReusePort {
			lc.Control = controlReusePort
		}
		network := "tcp4"
		if cfg.Local.Addr().Is6() && !cfg.Local.Addr().Is4In6() {
			network = "tcp6"
		}
		ln, err := lc.Listen(context.Background(), network, cfg.Local.String())
		if err != nil {
			return nil, fmt.Errorf("dataplane: listen %s %s: %w", sc.Protocol, cfg.Local, err)
		}
		e.ln = ln
		e.local = ln.Addr().(*net.TCPAddr).AddrPort()
		e.wg.Add(1)
		go e.accept(cfg.BufferSize)
	}
	return e, nil
}

// accept runs the listener.
func (e *streamEndpoint) accept(bufSize int) {
	defer e.wg.Done()
	for {
		nc, err := e.ln.Accept()
		if err != nil {
			if e.closed.Load() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and friends: do not spin
			continue
		}
		if bufSize > 0 {
			if tc, ok := nc.(*net.TCPConn); ok {
				_ = tc.SetReadBuffer(bufSize)
				_ = tc.SetWriteBuffer(bufSize)
			}
		}
		c := &conn{nc: nc, owner: e, remote: nc.RemoteAddr().(*net.TCPAddr).AddrPort()}
		e.wg.Add(1)
		go e.serve(c)
	}
}

// serve finishes an accepted connection's handshakes and reads it.
func (e *streamEndpoint) serve(c *conn) {
	defer e.wg.Done()
	deadline := time.Now().Add(e.cfg.DialTimeout)
	_ = c.nc.SetDeadline(deadline)
	if e.cfg.Protocol == ProtoTLS || e.cfg.Protocol == ProtoWSS {
		tc := tls.Server(c.nc, e.cfg.TLS)
		if err := tc.Handshake(); err != nil {
			_ = c.nc.Close()
			return
		}
		c.nc = tc
	}
	var pre []byte
	if e.cfg.Protocol == ProtoWS || e.cfg.Protocol == ProtoWSS {
		var err error
		if pre, err = wsAccept(c.nc); err != nil {
			_ = c.nc.Close()
			return
		}
		c.ws = true
	}
	_ = c.nc.SetDeadline(time.Time{})
	if err := e.table.add(c); err != nil {
		_ = c.nc.Close()
		return
	}
	e.conns.Store(c, struct{}{})
	e.startReading(c, pre, false)
}

// Dial implements StreamEndpoint.
func (e *streamEndpoint) Dial(dst netip.AddrPort) (ConnID, error) {
	if e.closed.Load() {
		return 0, ErrClosed
	}
	d := net.Dialer{Timeout: e.cfg.DialTimeout}
	if e.laddr.IsValid() && !e.laddr.IsUnspecified() {
		d.LocalAddr = &net.TCPAddr{IP: e.laddr.AsSlice(), Zone: e.laddr.Zone()}
		d.Control = controlDial
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.DialTimeout)
	defer cancel()
	nc, err := d.DialContext(ctx, "tcp", dst.String())
	if err != nil {
		return 0, fmt.Errorf("%w: %s %s: %w", ErrConnect, e.cfg.Protocol, dst, err)
	}
	c := &conn{nc: nc, owner: e, remote: dst, client: true}
	_ = nc.SetDeadline(time.Now().Add(e.cfg.DialTimeout))
	if e.cfg.Protocol == ProtoTLS || e.cfg.Protocol == ProtoWSS {
		cfg := e.cfg.TLS
		if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
			cfg = cfg.Clone()
			cfg.ServerName = dst.Addr().Unmap().String()
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = nc.Close()
			return 0, fmt.Errorf("%w: %s %s: TLS handshake: %w", ErrConnect, e.cfg.Protocol, dst, err)
		}
		c.nc = tc
	}
	var pre []byte
	if e.cfg.Protocol == ProtoWS || e.cfg.Protocol == ProtoWSS {
		if pre, err = wsDial(c.nc, dst, e.cfg.WSPath); err != nil {
			_ = c.nc.Close()
			return 0, fmt.Errorf("%w: %s %s: WebSocket handshake: %w", ErrConnect, e.cfg.Protocol, dst, err)
		}
		c.ws = true
	}
	_ = nc.SetDeadline(time.Time{})
	if err := e.table.add(c); err != nil {
		_ = c.nc.Close()
		return 0, err
	}
	e.conns.Store(c, struct{}{})
	e.startReading(c, pre, true)
	return c.id, nil
}

// read is a connection's reader: it frames messages out of what arrives
// and queues them, many per read, until the connection ends.
func (e *streamEndpoint) read(c *conn) {
	var rerr error
	for {
		if err := e.frameAll(c); err != nil {
			rerr = err
			break
		}
		n, err := c.nc.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
		c.rbuf = c.rbuf[:len(c.rbuf)+n]
		if err != nil && n == 0 {
			rerr = err
			break
		}
	}
	e.connEnded(c, rerr)
}

// frameAll queues every complete message of c's receive buffer, then
// makes room in the buffer for the next read.
func (e *streamEndpoint) frameAll(c *conn) error {
	buf, r := c.rbuf, c.r
	var err error
	if c.ws {
		r, err = e.frameWS(c, &c.wsr, buf, r)
	} else {
		r, err = e.frameSIP(c, &c.fr, buf, r)
	}
	if err != nil {
		return err
	}
	if r == len(buf) {
		buf, r = buf[:0], 0
	} else if r > 0 && cap(buf)-len(buf) < 4096 {
		n := copy(buf, buf[r:])
		buf, r = buf[:n], 0
	}
	if cap(buf)-len(buf) < 4096 {
		buf = append(buf[:cap(buf)], make([]byte, cap(buf))...)[:len(buf)]
	}
	c.rbuf, c.r = buf, r
	return nil
}

// startReading prepares c's receive state (pre: bytes that arrived with a
// WebSocket handshake) and either makes it the connection the shard reads
// itself or gives it a reader goroutine.
func (e *streamEndpoint) startReading(c *conn, pre []byte, inShard bool) {
	c.rbuf = append(make([]byte, 0, 64<<10), pre...)
	c.fr.Max = e.cfg.MaxMessage
	if inShard && e.direct == nil {
		// The shard's own connection: read in Read, no goroutine.
		e.setDirect(c)
		return
	}
	if !inShard && e.offer.CompareAndSwap(nil, c) {
		// An accepted connection: the shard takes it over in Read.
		e.signal()
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.read(c)
	}()
}

// frameSIP queues the complete messages of buf[r:] and returns the new r.
func (e *streamEndpoint) frameSIP(c *conn, fr *sipfast.Framer, buf []byte, r int) (int, error) {
	locked := false
	defer func() {
		if locked {
			e.mu.Unlock()
			e.signal()
		}
	}()
	for r < len(buf) {
		n, skip, err := fr.Next(buf[r:])
		if err != nil {
			return r, fmt.Errorf("framing: %w", err)
		}
		r += skip
		if pings := fr.Pings(); pings > 0 {
			// RFC 5626 §4.4.1: answer each CRLFCRLF ping with a CRLF pong.
			for range pings {
				_ = e.WriteConnNow(c, crlfPong)
			}
		}
		if n == 0 {
			break
		}
		if !locked {
			e.lockSpace()
			locked = true
		}
		e.queueLocked(buf[r:r+n], c.remote, netip.AddrPort{}, c.id)
		r += n
	}
	return r, nil
}

var crlfPong = []byte("\r\n")

// connEnded removes c and reports its end to Read (unless CloseConn
// closed it).
func (e *streamEndpoint) connEnded(c *conn, err error) {
	c.closed.Store(true)
	_ = c.nc.Close()
	e.table.remove(c)
	e.conns.Delete(c)
	if c.quiet.Load() || e.closed.Load() {
		return
	}
	if errors.Is(err, io.EOF) {
		err = nil // closed by the peer
	}
	e.event(rxMsg{from: c.remote, conn: c.id, closed: true, err: err})
}

// Write implements Endpoint: a stream endpoint writes on connections, so
// it takes the connection whose peer is dst among those this endpoint
// owns. Engines call WriteConn instead.
func (e *streamEndpoint) Write(b []byte, dst netip.AddrPort) error {
	var id ConnID
	e.conns.Range(func(k, _ any) bool {
		if c := k.(*conn); c.remote == dst {
			id = c.id
			return false
		}
		return true
	})
	if id == 0 {
		return fmt.Errorf("%w: no connection to %s", ErrConnClosed, dst)
	}
	return e.WriteConn(b, id)
}

// WriteConn implements StreamEndpoint.
func (e *streamEndpoint) WriteConn(b []byte, id ConnID) error {
	c := e.table.get(id)
	if c == nil || c.closed.Load() {
		return ErrConnClosed
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return c.werr
	}
	empty := len(c.wbuf) == 0
	if c.ws {
		c.wbuf = wsAppendFrame(c.wbuf, b, c.client)
	} else {
		c.wbuf = append(c.wbuf, b...)
	}
	switch {
	case empty || c.flusher != e:
		// The last shard to write flushes: bytes other shards queued
		// before go out with ours, in order, at the end of our turn.
		c.flusher = e
		e.dirty = append(e.dirty, c)
	case len(c.wbuf) > maxWriteBuffer:
		return c.flushLocked()
	}
	return nil
}

// WriteConnNow writes b on c at once (keep-alive pongs from the reader).
func (e *streamEndpoint) WriteConnNow(c *conn, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.ws {
		c.wbuf = wsAppendFrame(c.wbuf, b, c.client)
	} else {
		c.wbuf = append(c.wbuf, b...)
	}
	return c.flushLocked()
}

// flushLocked writes c's buffer; c.wmu is held.
func (c *conn) flushLocked() error {
	if len(c.wbuf) == 0 || c.werr != nil {
		c.wbuf = c.wbuf[:0]
		return c.werr
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	c.flusher = nil
	if err != nil {
		c.werr = fmt.Errorf("dataplane: write to %s: %w", c.remote, err)
		_ = c.nc.Close() // the reader reports the end
		return c.werr
	}
	return nil
}

// Flush implements Endpoint: it sends the write buffers of the
// connections this endpoint wrote on.
func (e *streamEndpoint) Flush() error {
	var first error
	for i, c := range e.dirty {
		c.wmu.Lock()
		if c.flusher == e {
			if err := c.flushLocked(); err != nil && first == nil {
				first = err
			}
		}
		c.wmu.Unlock()
		e.dirty[i] = nil
	}
	e.dirty = e.dirty[:0]
	return first
}

// CloseConn implements StreamEndpoint.
func (e *streamEndpoint) CloseConn(id ConnID) {
	c := e.table.get(id)
	if c == nil {
		return
	}
	c.wmu.Lock()
	_ = c.flushLocked()
	c.wmu.Unlock()
	c.quiet.Store(true)
	_ = c.nc.Close()
}

// Wake implements Endpoint.
func (e *streamEndpoint) Wake() { e.wake() }

// Read implements Endpoint: queued messages first; then, when the shard
// has a connection of its own, it reads that one itself until deadline
// (a message queued meanwhile by another connection's reader, or Wake,
// interrupts it); else it waits for the queue.
func (e *streamEndpoint) Read(pkts []Packet, deadline time.Time) (int, error) {
	for {
		if n := e.handOut(pkts); n > 0 {
			return n, nil
		}
		if e.closed.Load() {
			return 0, ErrClosed
		}
		if c := e.offer.Load(); c != nil && c != e.direct {
			if e.direct == nil {
				e.setDirect(c) // offer stays set until it ends
			} else {
				// The shard reads a connection already: this one gets
				// a reader goroutine.
				e.offer.Store(nil)
				e.wg.Add(1)
				go func() {
					defer e.wg.Done()
					e.read(c)
				}()
			}
		}
		if e.direct == nil {
			// Wait for a message, an offered connection or Wake.
			if !e.wait(deadline) || e.woken.Swap(false) {
				if n := e.handOut(pkts); n > 0 {
					return n, nil
				}
				return 0, ErrTimeout
			}
			continue
		}
		if e.woken.Swap(false) {
			return 0, ErrTimeout
		}
		if !e.readDirect(deadline) {
			if e.woken.Swap(false) || !deadline.IsZero() && !time.Now().Before(deadline) {
				if n := e.handOut(pkts); n > 0 {
					return n, nil
				}
				return 0, ErrTimeout
			}
		}
	}
}

// handOut hands out queued messages, if any.
func (e *streamEndpoint) handOut(pkts []Packet) int {
	if len(pkts) == 0 || e.curPos >= len(e.curMsg) && !e.swap() {
		return 0
	}
	return e.rxQueue.fill(pkts)
}

// readDirect reads the shard's own connection once, waiting until
// deadline, and queues the complete messages; false means nothing was
// read (deadline, interruption). A connection that ends is reported as
// the reader goroutine would.
func (e *streamEndpoint) readDirect(deadline time.Time) bool {
	c := e.direct
	e.inRead.Store(true)
	if e.queued.Load() || e.woken.Load() {
		e.inRead.Store(false)
		return false
	}
	if !deadline.Equal(e.dDeadline) {
		_ = c.nc.SetReadDeadline(deadline)
		e.dDeadline = deadline
		// An interruption that raced with the line above was overwritten
		// by it; its flags are still set.
		if e.queued.Load() || e.woken.Load() {
			e.inRead.Store(false)
			e.dDeadline = unknownDeadline
			return false
		}
	}
	n, err := c.nc.Read(c.rbuf[len(c.rbuf):cap(c.rbuf)])
	e.inRead.Store(false)
	if e.queued.Load() || e.woken.Load() {
		// Someone may have interrupted the read (and moved its deadline).
		e.dDeadline = unknownDeadline
	}
	c.rbuf = c.rbuf[:len(c.rbuf)+n]
	if n > 0 {
		if ferr := e.frameAll(c); ferr != nil {
			e.endDirect(c, ferr)
			return true
		}
	}
	if err != nil && n == 0 {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			e.dDeadline = unknownDeadline // interrupted or expired: set it again next time
			return false
		}
		e.endDirect(c, err)
		return true
	}
	return n > 0
}

// unknownDeadline marks the direct connection's read deadline as unknown,
// so the next read sets it again.
var unknownDeadline = time.Time{}.Add(-1)

func (e *streamEndpoint) setDirect(c *conn) {
	e.direct = c
	e.directA.Store(c)
	e.dDeadline = unknownDeadline
}

// endDirect ends the shard's own connection.
func (e *streamEndpoint) endDirect(c *conn, err error) {
	e.direct = nil
	e.directA.Store(nil)
	e.offer.CompareAndSwap(c, nil)
	e.connEnded(c, err)
}

// interruptDirect makes a blocked direct read return (rxQueue.signal).
func (e *streamEndpoint) interruptDirect() {
	if c := e.directA.Load(); c != nil {
		_ = c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// LocalAddr implements Endpoint: the listening address, or the address
// given to Open for an endpoint that only dials.
func (e *streamEndpoint) LocalAddr() netip.AddrPort { return e.local }

// Close implements Endpoint: it closes the listener and every connection
// this endpoint owns, and waits for their goroutines.
func (e *streamEndpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.shut()
	if e.ln != nil {
		_ = e.ln.Close()
	}
	_ = e.Flush()
	e.conns.Range(func(k, _ any) bool {
		c := k.(*conn)
		c.wmu.Lock()
		_ = c.flushLocked()
		c.wmu.Unlock()
		_ = c.nc.Close()
		return true
	})
	e.wg.Wait()
	// The connection the shard read itself (and one offered to it) has no
	// reader to see its end: remove it here.
	for _, c := range []*conn{e.directA.Load(), e.offer.Load()} {
		if c != nil {
			e.connEnded(c, nil)
		}
	}
	return nil
}
