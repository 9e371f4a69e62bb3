package dataplane

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

func sipMsg(i int) string {
	body := fmt.Sprintf("body-%d", i)
	return fmt.Sprintf("OPTIONS sip:x@y SIP/2.0\r\nCall-ID: c%d\r\nContent-Length: %d\r\n\r\n%s", i, len(body), body)
}

// readN reads until n messages (or events) arrived.
func readStream(t *testing.T, ep Endpoint, n int) []Packet {
	t.Helper()
	var out []Packet
	pkts := make([]Packet, ReadBatchSize)
	deadline := time.Now().Add(5 * time.Second)
	for len(out) < n {
		k, err := ep.Read(pkts, deadline)
		if err != nil {
			t.Fatalf("read after %d of %d: %v", len(out), n, err)
		}
		for _, p := range pkts[:k] {
			p.Data = append([]byte(nil), p.Data...)
			out = append(out, p)
		}
	}
	return out
}

type streamPair struct {
	srv, cli StreamEndpoint
	id       ConnID
}

func openPair(t *testing.T, proto string, local netip.Addr, srvTLS, cliTLS *tls.Config) streamPair {
	t.Helper()
	table := NewConnTable(0)
	srv, err := Open(Config{Local: netip.AddrPortFrom(local, 0), Stream: &StreamConfig{Protocol: proto, Listen: true, TLS: srvTLS, Conns: table}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli, err := Open(Config{Local: netip.AddrPortFrom(local, 0), Stream: &StreamConfig{Protocol: proto, TLS: cliTLS, Conns: table}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	p := streamPair{srv: srv.(StreamEndpoint), cli: cli.(StreamEndpoint)}
	p.id, err = p.cli.Dial(srv.LocalAddr())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStreamRoundTrip sends messages both ways on every protocol over
// IPv4 and IPv6 loopback, many per flush.
func TestStreamRoundTrip(t *testing.T) {
	certs := testpeer.TLSCerts(t, t.TempDir(), "dp")
	srvTLS := &tls.Config{Certificates: []tls.Certificate{certs.Pair}}
	cliTLS := &tls.Config{RootCAs: certs.Pool}
	for _, proto := range []string{ProtoTCP, ProtoTLS, ProtoWS, ProtoWSS} {
		for _, local := range []string{"127.0.0.1", "::1"} {
			t.Run(proto+"/"+local, func(t *testing.T) {
				if local == "::1" && !testpeer.HasIPv6Loopback() {
					testpeer.Require(t, false, "no IPv6 loopback")
				}
				p := openPair(t, proto, netip.MustParseAddr(local), srvTLS, cliTLS)
				const n = 50
				for i := range n {
					if err := p.cli.WriteConn([]byte(sipMsg(i)), p.id); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.cli.Flush(); err != nil {
					t.Fatal(err)
				}
				got := readStream(t, p.srv, n)
				for i, pk := range got {
					if string(pk.Data) != sipMsg(i) {
						t.Fatalf("message %d: %q", i, pk.Data)
					}
					if pk.Conn == 0 || pk.From.Addr().String() != local {
						t.Fatalf("message %d: conn %d from %s", i, pk.Conn, pk.From)
					}
				}
				// The reply goes back on the connection it came on.
				if err := p.srv.WriteConn([]byte(sipMsg(1000)), got[0].Conn); err != nil {
					t.Fatal(err)
				}
				_ = p.srv.Flush()
				back := readStream(t, p.cli, 1)
				if string(back[0].Data) != sipMsg(1000) || back[0].Conn != p.id {
					t.Fatalf("reply %q on conn %d, want %d", back[0].Data, back[0].Conn, p.id)
				}
			})
		}
	}
}

// TestStreamFraming feeds a listening endpoint from a raw TCP client:
// messages split at every byte, several in one write, keep-alives.
func TestStreamFraming(t *testing.T) {
	srv, err := Open(Config{Local: netip.MustParseAddrPort("127.0.0.1:0"), Stream: &StreamConfig{Protocol: ProtoTCP, Listen: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := net.Dial("tcp", srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// One message a byte at a time (partial reads).
	m := sipMsg(1)
	for i := range len(m) {
		if _, err := c.Write([]byte{m[i]}); err != nil {
			t.Fatal(err)
		}
		if i%16 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	got := readStream(t, srv, 1)
	if string(got[0].Data) != m {
		t.Fatalf("byte-wise: %q", got[0].Data)
	}
	// Ten messages and keep-alives in one write.
	var all strings.Builder
	for i := range 10 {
		all.WriteString("\r\n\r\n")
		all.WriteString(sipMsg(i))
	}
	if _, err := c.Write([]byte(all.String())); err != nil {
		t.Fatal(err)
	}
	got = readStream(t, srv, 10)
	for i, p := range got {
		if string(p.Data) != sipMsg(i) {
			t.Fatalf("message %d: %q", i, p.Data)
		}
	}
	// Every CRLFCRLF ping got a CRLF pong (RFC 5626 §4.4.1).
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	pong := make([]byte, 20)
	n := 0
	for n < 20 {
		k, err := c.Read(pong[n:])
		if err != nil {
			t.Fatalf("pongs: %v after %q", err, pong[:n])
		}
		n += k
	}
	if string(pong) != strings.Repeat("\r\n", 10) {
		t.Fatalf("pongs %q", pong)
	}
	// A message without Content-Length cannot be framed: the connection
	// ends with the error.
	if _, err := c.Write([]byte("OPTIONS sip:x SIP/2.0\r\nCall-ID: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	got = readStream(t, srv, 1)
	if !got[0].Closed || got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "Content-Length") {
		t.Fatalf("unframable stream: closed=%v err=%v", got[0].Closed, got[0].Err)
	}
}

// TestStreamPeerCloses reports a connection the peer closed as a Closed
// packet with no error, and refuses writes on it afterwards.
func TestStreamPeerCloses(t *testing.T) {
	p := openPair(t, ProtoTCP, netip.MustParseAddr("127.0.0.1"), nil, nil)
	_ = p.cli.WriteConn([]byte(sipMsg(1)), p.id)
	_ = p.cli.Flush()
	got := readStream(t, p.srv, 1)
	p.srv.CloseConn(got[0].Conn)
	ev := readStream(t, p.cli, 1)[0]
	if !ev.Closed || ev.Conn != p.id || ev.Err != nil {
		t.Fatalf("close event %+v", ev)
	}
	if err := p.cli.WriteConn([]byte(sipMsg(2)), p.id); !errors.Is(err, ErrConnClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// TestStreamRefused: a peer that refuses the connection fails Dial with
// ErrConnect.
func TestStreamRefused(t *testing.T) {
	port := testpeer.FreeTCPPort(t)
	ep, err := Open(Config{Local: netip.MustParseAddrPort("127.0.0.1:0"), Stream: &StreamConfig{Protocol: ProtoTCP}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	_, err = ep.(StreamEndpoint).Dial(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
	if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("dial to a closed port: %v", err)
	}
}

// TestStreamWrongCertificate: a TLS server whose certificate the client's
// CA did not sign fails Dial with ErrConnect and says why.
func TestStreamWrongCertificate(t *testing.T) {
	dir := t.TempDir()
	good, other := testpeer.TLSCerts(t, dir, "good"), testpeer.TLSCerts(t, dir, "other")
	table := NewConnTable(0)
	srv, err := Open(Config{Local: netip.MustParseAddrPort("127.0.0.1:0"), Stream: &StreamConfig{Protocol: ProtoTLS, Listen: true,
		TLS: &tls.Config{Certificates: []tls.Certificate{other.Pair}}, Conns: table}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := Open(Config{Local: netip.MustParseAddrPort("127.0.0.1:0"), Stream: &StreamConfig{Protocol: ProtoTLS,
		TLS: &tls.Config{RootCAs: good.Pool}, Conns: table}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	_, err = cli.(StreamEndpoint).Dial(srv.LocalAddr())
	if !errors.Is(err, ErrConnect) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("dial with a wrong certificate: %v", err)
	}
}

// TestStreamWriteAllocs: queueing and flushing a message does not
// allocate in steady state.
func TestStreamWriteAllocs(t *testing.T) {
	p := openPair(t, ProtoTCP, netip.MustParseAddr("127.0.0.1"), nil, nil)
	msg := []byte(sipMsg(1))
	pkts := make([]Packet, ReadBatchSize)
	step := func() {
		_ = p.cli.WriteConn(msg, p.id)
		_ = p.cli.Flush()
		for got := 0; got < 1; {
			n, err := p.srv.Read(pkts, time.Now().Add(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
	}
	for range 100 {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a > 0.5 {
		t.Fatalf("%.1f allocations per message", a)
	}
}

// TestConnTableIDs: ids of closed connections are not handed out again
// soon, and a stale id finds nothing.
func TestConnTableIDs(t *testing.T) {
	table := NewConnTable(0)
	seen := map[ConnID]bool{}
	var prev *conn
	for i := 0; i < 100000; i++ {
		c := &conn{}
		if err := table.add(c); err != nil {
			t.Fatal(err)
		}
		if c.id == 0 || seen[c.id] {
			t.Fatalf("connection %d got id %#x again", i, c.id)
		}
		seen[c.id] = true
		if table.get(c.id) != c {
			t.Fatalf("id %#x does not find its connection", c.id)
		}
		if prev != nil {
			table.remove(prev)
			if table.get(prev.id) != nil {
				t.Fatalf("stale id %#x still finds a connection", prev.id)
			}
		}
		prev = c
	}
	if table.Open() != 1 || table.Peak() != 2 {
		t.Fatalf("open %d, peak %d, want 1 and 2", table.Open(), table.Peak())
	}
}
