package dataplane

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"golang.org/x/sys/unix"
)

// inNetns runs f on a thread that entered the network namespace ns. The
// thread stays locked, so Go ends it with the goroutine instead of
// reusing it elsewhere. Sockets and files f opens keep the namespace.
func inNetns(t *testing.T, ns string, f func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open(testpeer.NetnsPath(ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- f()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// openXDPIn opens an xdp endpoint inside the pair's namespace A.
func openXDPIn(t *testing.T, p *testpeer.VethPair, cfg Config) *xdpEndpoint {
	t.Helper()
	var ep Endpoint
	inNetns(t, p.NsA, func() (err error) {
		ep, err = Open(cfg)
		return err
	})
	t.Cleanup(func() { ep.Close() })
	return ep.(*xdpEndpoint)
}

// listenIn opens a kernel UDP socket inside ns.
func listenIn(t *testing.T, ns string, addr netip.AddrPort) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	inNetns(t, ns, func() (err error) {
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
		return err
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// progOn returns the XDP program id the interface reports inside ns.
func progOn(t *testing.T, ns, ifname string) uint32 {
	t.Helper()
	var id uint32
	inNetns(t, ns, func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return err
		}
		la, err := queryLink(ifi.Index)
		id = la.xdpProgID
		return err
	})
	return id
}

func xdpConfig(p *testpeer.VethPair, mode string) Config {
	return Config{
		Backend: "xdp",
		Local:   netip.AddrPortFrom(p.AddrA, 0),
		XDP:     XDPConfig{Iface: p.IfA, Mode: mode, Peer: p.AddrB},
	}
}

// readN reads until n datagrams arrived or the deadline passed.
func readN(t *testing.T, ep Endpoint, n int, within time.Duration) []Packet {
	t.Helper()
	var got []Packet
	pkts := make([]Packet, ReadBatchSize)
	deadline := time.Now().Add(within)
	for len(got) < n {
		k, err := ep.Read(pkts, deadline)
		if errors.Is(err, ErrTimeout) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, pk := range pkts[:k] {
			pk.Data = bytes.Clone(pk.Data) // valid until the next Read only
			got = append(got, pk)
		}
	}
	return got
}

// TestXDPEndpointExchange sends datagrams both ways between an xdp
// endpoint in one namespace and a kernel socket in the other, in each
// attach mode, and checks addresses, payloads, counters and teardown.
func TestXDPEndpointExchange(t *testing.T) {
	for _, mode := range []string{XDPModeGeneric, XDPModeNative} {
		t.Run(mode, func(t *testing.T) {
			p := testpeer.NewVethPair(t, testpeer.VethOptions{})
			peer := listenIn(t, p.NsB, netip.AddrPortFrom(p.AddrB, 5070))
			ep := openXDPIn(t, p, xdpConfig(p, mode))
			if ep.LocalAddr().Addr() != p.AddrA || ep.LocalAddr().Port() == 0 {
				t.Fatalf("LocalAddr %s, want %s:port", ep.LocalAddr(), p.AddrA)
			}
			if progOn(t, p.NsA, p.IfA) == 0 {
				t.Fatal("no XDP program attached after Open")
			}

			const n = 500
			for i := 0; i < n; i++ {
				msg := fmt.Sprintf("OPTIONS sip:%d SIP/2.0\r\n\r\n", i)
				if _, err := peer.WriteToUDPAddrPort([]byte(msg), ep.LocalAddr()); err != nil {
					t.Fatal(err)
				}
			}
			got := readN(t, ep, n, 5*time.Second)
			if len(got) != n {
				t.Fatalf("received %d of %d datagrams", len(got), n)
			}
			for i, pk := range got {
				want := fmt.Sprintf("OPTIONS sip:%d SIP/2.0\r\n\r\n", i)
				if string(pk.Data) != want || pk.From != peer.LocalAddr().(*net.UDPAddr).AddrPort() ||
					pk.To != ep.LocalAddr() || pk.Received == 0 {
					t.Fatalf("datagram %d: %q from %s to %s at %d", i, pk.Data, pk.From, pk.To, pk.Received)
				}
			}

			// Replies: batched writes (Write flushes every 64 by itself),
			// read in rounds that fit the peer's socket buffer; the
			// kernel socket checks our IPv4 and UDP checksums.
			buf := make([]byte, 2048)
			_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
			for i := 0; i < n; {
				round := min(100, n-i)
				for k := i; k < i+round; k++ {
					if err := ep.Write([]byte(fmt.Sprintf("SIP/2.0 200 OK %d\r\n\r\n", k)), peer.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
						t.Fatal(err)
					}
				}
				if err := ep.Flush(); err != nil {
					t.Fatal(err)
				}
				for k := i; k < i+round; k++ {
					m, from, err := peer.ReadFromUDPAddrPort(buf)
					if err != nil {
						t.Fatalf("reply %d: %v", k, err)
					}
					if want := fmt.Sprintf("SIP/2.0 200 OK %d\r\n\r\n", k); string(buf[:m]) != want || from != ep.LocalAddr() {
						t.Fatalf("reply %d: %q from %s", k, buf[:m], from)
					}
				}
				i += round
			}

			c, err := ep.steering().Counters()
			if err != nil {
				t.Fatal(err)
			}
			if c.Redirected < n || c.NoSocket != 0 {
				t.Errorf("counters %+v, want ≥%d redirected and none without a socket", c, n)
			}
			if st, err := xdpStatistics(ep.fd); err != nil || st.Rx_dropped != 0 || st.Rx_ring_full != 0 {
				t.Errorf("socket statistics %+v (%v)", st, err)
			}

			// Close detaches the program and frees the port.
			if err := ep.Close(); err != nil {
				t.Fatal(err)
			}
			if id := progOn(t, p.NsA, p.IfA); id != 0 {
				t.Errorf("program %d still attached after Close", id)
			}
			if _, err := ep.Read(make([]Packet, 1), time.Time{}); !errors.Is(err, ErrClosed) {
				t.Errorf("Read after Close: %v, want ErrClosed", err)
			}
		})
	}
}

// TestXDPReadDeadlineAndWake: an idle endpoint returns ErrTimeout at its
// deadline, and at once when woken.
func TestXDPReadDeadlineAndWake(t *testing.T) {
	p := testpeer.NewVethPair(t, testpeer.VethOptions{})
	ep := openXDPIn(t, p, xdpConfig(p, XDPModeGeneric))
	pkts := make([]Packet, 4)
	start := time.Now()
	if _, err := ep.Read(pkts, start.Add(60*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read: %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el < 50*time.Millisecond || el > time.Second {
		t.Errorf("deadline of 60ms returned after %s", el)
	}
	go func() {
		time.Sleep(50 * time.Millisecond)
		ep.Wake()
	}()
	start = time.Now()
	if _, err := ep.Read(pkts, time.Now().Add(10*time.Second)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read after Wake: %v, want ErrTimeout", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Wake took %s", el)
	}
	var _ Poller = ep
	var _ SourceWriter = ep
	var _ DropCounter = ep
	if d := ep.Drops(); d != 0 {
		t.Errorf("Drops() = %d on an idle socket", d)
	}
}

// TestXDPSourceRange sends from addresses of a source range; the peer
// answers each (its kernel asks for each address by ARP, which the
// program answers in generic mode, and the socket in native mode on
// veth) and the replies come back to the endpoint.
func TestXDPSourceRange(t *testing.T) {
	for _, mode := range []string{XDPModeGeneric, XDPModeNative} {
		t.Run(mode, func(t *testing.T) {
			p := testpeer.NewVethPair(t, testpeer.VethOptions{})
			rng := netip.MustParsePrefix("10.10.0.0/24")
			p.IP(t, "-n", p.NsB, "route", "add", rng.String(), "dev", p.IfB)
			peer := listenIn(t, p.NsB, netip.AddrPortFrom(p.AddrB, 5070))
			cfg := xdpConfig(p, mode)
			cfg.XDP.SrcRange = rng
			ep := openXDPIn(t, p, cfg)
			to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
			const n = 40
			for i := 1; i <= n; i++ {
				src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 10, 0, byte(i)}), ep.LocalAddr().Port())
				if err := ep.WriteFrom([]byte("hello "+src.String()), src, to); err != nil {
					t.Fatal(err)
				}
			}
			if err := ep.Flush(); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 2048)
			_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
			for i := 0; i < n; i++ {
				k, from, err := peer.ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				if string(buf[:k]) != "hello "+from.String() {
					t.Fatalf("got %q from %s", buf[:k], from)
				}
				if _, err := peer.WriteToUDPAddrPort([]byte("re "+from.String()), from); err != nil {
					t.Fatal(err)
				}
			}
			// The kernel holds a reply until ARP resolves it; the socket
			// answers ARP while it reads.
			got := readN(t, ep, n, 5*time.Second)
			if len(got) != n {
				t.Fatalf("received %d of %d replies", len(got), n)
			}
			seen := map[netip.AddrPort]bool{}
			for _, pk := range got {
				if string(pk.Data) != "re "+pk.To.String() || !rng.Contains(pk.To.Addr()) {
					t.Errorf("reply %q to %s", pk.Data, pk.To)
				}
				seen[pk.To] = true
			}
			if len(seen) != n {
				t.Errorf("replies reached %d distinct addresses, want %d", len(seen), n)
			}
			c, _ := ep.steering().Counters()
			answered := c.ARPReplied
			if mode == XDPModeNative {
				answered = c.ARPToSocket // veth: XDP_TX would not reach the peer
			}
			if answered < n {
				t.Errorf("counters %+v: want ≥%d ARP requests answered in %s mode", c, n, mode)
			}
		})
	}
}

// TestXDPSharedProgram: endpoints on two queues share one program, which
// stays attached until the last one closes.
func TestXDPSharedProgram(t *testing.T) {
	p := testpeer.NewVethPair(t, testpeer.VethOptions{Queues: 2})
	cfg := xdpConfig(p, XDPModeNative)
	cfg.XDP.Queues = 2
	cfg.Local = netip.AddrPortFrom(p.AddrA, 5060)
	cfg.ReusePort = true
	cfg.XDP.Queue = 0
	a := openXDPIn(t, p, cfg)
	cfg.XDP.Queue = 1
	b := openXDPIn(t, p, cfg)
	id := progOn(t, p.NsA, p.IfA)
	if id == 0 {
		t.Fatal("no program attached")
	}
	a.Close()
	if got := progOn(t, p.NsA, p.IfA); got != id {
		t.Fatalf("after closing queue 0: program %d, want %d still attached", got, id)
	}
	b.Close()
	if got := progOn(t, p.NsA, p.IfA); got != 0 {
		t.Fatalf("after closing both: program %d still attached", got)
	}
}

// TestXDPOpenErrors: what is missing is named, with the fix.
func TestXDPOpenErrors(t *testing.T) {
	p := testpeer.NewVethPair(t, testpeer.VethOptions{Queues: 2})
	cases := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no interface", func(c *Config) { c.XDP.Iface = "" }, "xdp: no interface given; name one with -xdp_iface"},
		{"missing interface", func(c *Config) { c.XDP.Iface = "eth9" }, "xdp: interface eth9 not found"},
		{"queue out of range", func(c *Config) { c.XDP.Queue = 5 }, "queue 5 does not exist on " + p.IfA + ", which has 2 receive queue(s); use -xdp_queues 2"},
		{"too few queues", func(c *Config) { c.XDP.Queues = 1 }, "has 2 receive queues but -xdp_queues is 1"},
		{"bad mode", func(c *Config) { c.XDP.Mode = "turbo" }, `xdp: unknown mode "turbo" (native or generic)`},
		{"zero-copy on veth", func(c *Config) { c.XDP.Copy = XDPZeroCopy }, "zero-copy bind failed on " + p.IfA},
		{"unreachable peer", func(c *Config) { c.XDP.Peer = netip.MustParseAddr("10.77.0.99") }, "no ARP reply from 10.77.0.99"},
		{"no route", func(c *Config) { c.XDP.Peer = netip.MustParseAddr("192.0.2.1") }, "no route to 192.0.2.1 through " + p.IfA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := xdpConfig(p, XDPModeGeneric)
			cfg.XDP.Queues = 2
			tc.edit(&cfg)
			var err error
			inNetns(t, p.NsA, func() error {
				var ep Endpoint
				ep, err = Open(cfg)
				if err == nil {
					ep.Close()
				}
				return nil
			})
			if err == nil || !errors.Is(err, ErrXDP) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open: %v\nwant an ErrXDP error containing %q", err, tc.want)
			}
			if id := progOn(t, p.NsA, p.IfA); id != 0 {
				t.Errorf("program %d left attached after a failed Open", id)
			}
		})
	}
}

// TestXDPNoAllocs: the datagram path allocates nothing.
func TestXDPNoAllocs(t *testing.T) {
	p := testpeer.NewVethPair(t, testpeer.VethOptions{})
	peer := listenIn(t, p.NsB, netip.AddrPortFrom(p.AddrB, 5070))
	ep := openXDPIn(t, p, xdpConfig(p, XDPModeGeneric))
	to := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	msg := bytes.Repeat([]byte("x"), 600)
	pkts := make([]Packet, ReadBatchSize)
	buf := make([]byte, 2048)
	allocs := testing.AllocsPerRun(200, func() {
		for i := 0; i < 8; i++ {
			_ = ep.Write(msg, to)
		}
		_ = ep.Flush()
		_, _ = ep.TryRead(pkts)
	})
	if allocs != 0 {
		t.Errorf("write+flush+read allocates %v times", allocs)
	}
	// Drain a little so the kernel socket does not matter for the result.
	_ = peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, _, _ = peer.ReadFromUDPAddrPort(buf)
}
