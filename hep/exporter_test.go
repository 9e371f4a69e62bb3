package hep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/trace"
)

// udpCollector listens on 127.0.0.1 and keeps every datagram.
type udpCollector struct {
	conn *net.UDPConn
	mu   sync.Mutex
	got  [][]byte
}

func newUDPCollector(t testing.TB) *udpCollector {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	u := &udpCollector{conn: c}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			u.mu.Lock()
			u.got = append(u.got, bytes.Clone(buf[:n]))
			u.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close() })
	return u
}

func (u *udpCollector) addr() netip.AddrPort { return u.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// wait returns the datagrams once n arrived (or after a timeout).
func (u *udpCollector) wait(n int) [][]byte {
	deadline := time.Now().Add(3 * time.Second)
	for {
		u.mu.Lock()
		got := u.got
		u.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// message is one mirrored test message.
type message struct {
	shard   int
	dir     trace.Direction
	at      time.Time
	payload []byte
	remote  netip.AddrPort
}

func testMessages(shards, perShard int, at time.Time) []message {
	var out []message
	for s := 0; s < shards; s++ {
		for i := 0; i < perShard; i++ {
			dir := trace.Sent
			first := "INVITE sip:bob@example.com SIP/2.0"
			if i%2 == 1 {
				dir, first = trace.Received, "SIP/2.0 200 OK"
			}
			out = append(out, message{
				shard: s, dir: dir, at: at.Add(time.Duration(s*perShard+i) * time.Microsecond),
				payload: fmt.Appendf(nil, "%s\r\nVia: SIP/2.0/UDP h\r\nCall-ID: %d-%d@gossip\r\nCSeq: 1 INVITE\r\n\r\n", first, s, i),
				remote:  netip.AddrPortFrom(netip.MustParseAddr("127.0.0.2"), uint16(6000+s)),
			})
		}
	}
	return out
}

// checkDelivered decodes frames and checks they are exactly msgs, as
// the exporter with capture ID 77, key "pw" and node "n1" encodes them.
func checkDelivered(t *testing.T, frames [][]byte, msgs []message, local netip.AddrPort) {
	t.Helper()
	if len(frames) != len(msgs) {
		t.Fatalf("collector got %d packets, want %d", len(frames), len(msgs))
	}
	byID := map[string]message{}
	for _, m := range msgs {
		byID[fmt.Sprintf("%d-%s", m.shard, m.payload)] = m
	}
	seen := map[string]bool{}
	for _, f := range frames {
		p, err := Decode(f)
		if err != nil {
			t.Fatalf("collector got an undecodable packet: %v", err)
		}
		shard := int(p.Dst.Port()) - 6000
		if p.Src.Port() >= 6000 {
			shard = int(p.Src.Port()) - 6000
		}
		key := fmt.Sprintf("%d-%s", shard, p.Payload)
		m, ok := byID[key]
		if !ok || seen[key] {
			t.Fatalf("unexpected or repeated packet %q", key)
		}
		seen[key] = true
		src, dst := local, m.remote
		if m.dir == trace.Received {
			src, dst = m.remote, local
		}
		if p.Src != src || p.Dst != dst || p.Family != FamilyIPv4 || p.Protocol != ProtoUDP ||
			p.ProtoType != ProtoSIP || p.CaptureID != 77 || string(p.AuthKey) != "pw" || string(p.NodeName) != "n1" ||
			!p.Time().Equal(m.at.Truncate(time.Microsecond)) || !bytes.Contains(m.payload, fmt.Appendf(nil, "Call-ID: %s\r\n", p.CorrelationID)) ||
			len(p.CorrelationID) == 0 {
			t.Errorf("packet %q: %+v", key, p)
		}
	}
}

func TestExporterUDP(t *testing.T) {
	for _, tc := range []struct {
		name    string
		backend string
		nopad   bool
	}{
		{"std", "std", false},
		{"mmsg", "mmsg", false},
		{"mmsg/nopad", "mmsg", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.backend == "mmsg" && runtime.GOOS != "linux" {
				t.Skip("mmsg is Linux only")
			}
			col := newUDPCollector(t)
			x, err := New(Config{Collector: col.addr(), CaptureID: 77, AuthKey: "pw", NodeName: "n1",
				Shards: 3, Backend: tc.backend, NoSegmentation: tc.nopad})
			if err != nil {
				t.Fatal(err)
			}
			msgs := testMessages(3, 200, time.Now())
			var wg sync.WaitGroup
			for s := 0; s < 3; s++ {
				wg.Add(1)
				go func() { // one producer per shard, as the engine's shards
					defer wg.Done()
					for _, m := range msgs {
						if m.shard == s {
							x.Mirror(m.shard, m.dir, m.at, m.payload, testLocal, m.remote, nil)
						}
					}
				}()
			}
			wg.Wait()
			st := x.Close()
			if st.Sent != uint64(len(msgs)) || st.Dropped() != 0 || st.Mirrored() != uint64(len(msgs)) {
				t.Fatalf("stats %+v, want %d sent, none dropped", st, len(msgs))
			}
			frames := col.wait(len(msgs))
			checkDelivered(t, frames, msgs, testLocal)
			// Padding (for segmented sends) only where the kernel segments
			// and only with the mmsg backend; never with NoSegmentation.
			padded := 0
			for _, f := range frames {
				if p, err := Decode(f); err == nil && p.Skipped > 0 {
					if p.Skipped != 1 || len(f) <= p.EncodedLen() {
						t.Errorf("padded packet: %d chunks skipped, %d octets for %d encoded", p.Skipped, len(f), p.EncodedLen())
					}
					padded++
				}
			}
			wantPadding := tc.backend == "mmsg" && !tc.nopad && kernelSegments(t)
			if (padded > 0) != wantPadding {
				t.Errorf("%d of %d packets padded; want padding: %v", padded, len(frames), wantPadding)
			}
			// After Close, Mirror refuses and counts.
			x.Mirror(0, trace.Sent, time.Now(), []byte("x"), testLocal, testLocal, nil)
			if st := x.Stats(); st.Rejected != 1 {
				t.Errorf("Mirror after Close: %+v", st)
			}
		})
	}
}

// kernelSegments reports whether the mmsg backend can segment UDP
// (UDP_SEGMENT) on this machine.
func kernelSegments(t *testing.T) bool {
	t.Helper()
	ep, err := dataplane.Open(dataplane.Config{Backend: "mmsg", Local: netip.MustParseAddrPort("127.0.0.1:0"),
		Peer: netip.MustParseAddrPort("127.0.0.1:9")})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	sw, ok := ep.(dataplane.SegmentWriter)
	if !ok {
		return false
	}
	n, _ := sw.SegmentLimits()
	return n > 1
}

// tcpCollector accepts connections and reads HEP packets from them.
type tcpCollector struct {
	ln     net.Listener
	mu     sync.Mutex
	frames [][]byte
	conns  int
}

func newTCPCollector(t testing.TB, addr string) *tcpCollector {
	t.Helper()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	c := &tcpCollector{ln: ln}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.conns++
			c.mu.Unlock()
			go func() {
				defer conn.Close()
				r := NewReader(conn)
				for {
					_, raw, err := r.Next()
					if err != nil {
						return
					}
					c.mu.Lock()
					c.frames = append(c.frames, bytes.Clone(raw))
					c.mu.Unlock()
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return c
}

func (c *tcpCollector) addr() netip.AddrPort { return c.ln.Addr().(*net.TCPAddr).AddrPort() }

func (c *tcpCollector) wait(n int) [][]byte {
	deadline := time.Now().Add(3 * time.Second)
	for {
		c.mu.Lock()
		got := c.frames
		c.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExporterTCP(t *testing.T) {
	col := newTCPCollector(t, "127.0.0.1:0")
	x, err := New(Config{Collector: col.addr(), Transport: TransportTCP, CaptureID: 77, AuthKey: "pw",
		NodeName: "n1", Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	msgs := testMessages(2, 500, time.Now())
	for _, m := range msgs { // one goroutine may stand for every shard in turn
		x.Mirror(m.shard, m.dir, m.at, m.payload, testLocal, m.remote, nil)
	}
	st := x.Close()
	if st.Sent != uint64(len(msgs)) || st.Dropped() != 0 || st.Connects != 1 {
		t.Fatalf("stats %+v", st)
	}
	checkDelivered(t, col.wait(len(msgs)), msgs, testLocal)
}

// TestExporterTCPReconnect starts without a collector (messages fail and
// are counted), then with one (the exporter connects on its own).
func TestExporterTCPReconnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close() // nothing listens there now
	x, err := New(Config{Collector: addr, Transport: TransportTCP, CaptureID: 77, AuthKey: "pw", NodeName: "n1",
		DialTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("New without a collector: %v (must keep trying instead)", err)
	}
	defer x.Close()
	down := testMessages(1, 10, time.Now())
	for _, m := range down {
		x.Mirror(0, m.dir, m.at, m.payload, testLocal, m.remote, nil)
	}
	waitFor(t, "messages to fail while down", func() bool { return x.Stats().SendFailed == 10 })

	col := newTCPCollector(t, addr.String())
	up := testMessages(1, 10, time.Now())
	deadline := time.Now().Add(5 * time.Second)
	for x.Stats().Connects == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	for _, m := range up {
		x.Mirror(0, m.dir, m.at, m.payload, testLocal, m.remote, nil)
	}
	st := x.Close()
	if st.Connects != 1 || st.Sent != 10 || st.SendFailed != 10 || st.Mirrored() != 20 {
		t.Fatalf("stats %+v", st)
	}
	checkDelivered(t, col.wait(10), up, testLocal)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stalledCollector accepts TCP connections and reads nothing until
// release, with receive buffers as small as the kernel allows.
func stalledCollector(t *testing.T) (addr netip.AddrPort, release func() [][]byte) {
	t.Helper()
	lc := net.ListenConfig{Control: smallRcvBuf}
	ln, err := lc.Listen(t.Context(), "tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).AddrPort(), func() [][]byte {
		mu.Lock()
		cs := append([]net.Conn(nil), conns...)
		mu.Unlock()
		var frames [][]byte
		for _, c := range cs {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			r := NewReader(c)
			for {
				_, raw, err := r.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) && !errors.Is(err, ErrTruncated) {
						t.Errorf("collector: %v", err)
					}
					break
				}
				frames = append(frames, bytes.Clone(raw))
			}
		}
		return frames
	}
}

// TestExporterStalledCollector: a TCP collector that reads nothing. The
// shard side never blocks, the queue fills and drops, Close gives up
// after FlushTimeout, and what the collector finally reads is exactly
// what Stats calls sent.
func TestExporterStalledCollector(t *testing.T) {
	addr, release := stalledCollector(t)
	x, err := New(Config{Collector: addr, Transport: TransportTCP, CaptureID: 77, AuthKey: "pw", NodeName: "n1",
		QueueBytes: 64 << 10, SocketBuffer: 16 << 10, FlushTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	msgs := testMessages(1, 20000, time.Now())
	start := time.Now()
	for _, m := range msgs {
		x.Mirror(0, m.dir, m.at, m.payload, testLocal, m.remote, nil)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("mirroring %d messages took %s: the shard side waited", len(msgs), d)
	}
	closeStart := time.Now()
	st := x.Close()
	if d := time.Since(closeStart); d > 2*time.Second {
		t.Errorf("Close took %s with FlushTimeout 300ms", d)
	}
	frames := release()
	if st.Mirrored() != uint64(len(msgs)) || st.QueueFull == 0 || st.Sent != uint64(len(frames)) ||
		st.Dropped() != uint64(len(msgs)-len(frames)) {
		t.Fatalf("stats %+v; collector read %d of %d", st, len(frames), len(msgs))
	}
	t.Logf("%d mirrored: %d delivered, %d dropped (queue full %d, unsent %d)",
		len(msgs), len(frames), st.Dropped(), st.QueueFull, st.Unsent)
}

func TestMirrorDoesNotAllocate(t *testing.T) {
	col := newUDPCollector(t)
	x, err := New(Config{Collector: col.addr(), CaptureID: 77, Shards: 1, QueueBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	payload := testMessages(1, 1, time.Now())[0].payload
	remote := netip.MustParseAddrPort("127.0.0.2:5060")
	at := time.Now()
	if n := testing.AllocsPerRun(5000, func() {
		x.Mirror(0, trace.Sent, at, payload, testLocal, remote, nil)
	}); n != 0 {
		t.Errorf("Mirror allocates %.2f times per message", n)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("no collector: %v", err)
	}
	if _, err := New(Config{Collector: netip.MustParseAddrPort("127.0.0.1:9060"), Transport: "sctp"}); !errors.Is(err, ErrConfig) {
		t.Errorf("sctp: %v", err)
	}
	if _, err := New(Config{Collector: netip.MustParseAddrPort("127.0.0.1:9060"), Backend: "carrier-pigeon"}); !errors.Is(err, ErrCollector) {
		t.Errorf("unknown backend: %v", err)
	}
}

func TestMirrorRejects(t *testing.T) {
	col := newUDPCollector(t)
	x, err := New(Config{Collector: col.addr(), Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	x.Mirror(1, trace.Sent, time.Now(), []byte("x"), testLocal, testRemote, nil)  // no shard 1
	x.Mirror(-1, trace.Sent, time.Now(), []byte("x"), testLocal, testRemote, nil) // nor -1
	x.Mirror(0, trace.Sent, time.Now(), make([]byte, MaxPacketLen), testLocal, testRemote, nil)
	// Fits a HEP packet (no Call-ID: no correlation chunk) but not an
	// IPv4 datagram: the socket refuses it.
	x.Mirror(0, trace.Sent, time.Now(), make([]byte, 65420), testLocal, testLocal, nil)
	st := x.Close()
	if st.Rejected != 3 || st.SendFailed != 1 || st.Mirrored() != 4 {
		t.Errorf("stats %+v", st)
	}
}
