package dataplane

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// backends are the implementations every conformance test runs against.
func backends() []string {
	if runtime.GOOS == "linux" {
		return []string{"std", "mmsg"}
	}
	return []string{"std"}
}

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

func open(t *testing.T, backend string) Endpoint {
	t.Helper()
	ep, err := Open(Config{Backend: backend, Local: loopback, BufferSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return ep
}

func peer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(4 << 20)
	t.Cleanup(func() { c.Close() })
	return c
}

func payload(i, size int) []byte {
	b := bytes.Repeat([]byte{byte('a' + i%26)}, size)
	copy(b, fmt.Sprintf("%05d", i))
	return b
}

func forEachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range backends() {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

func TestEndpointReceivesMixedSizes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, p := open(t, backend), peer(t)
		const n = 300
		dst := net.UDPAddrFromAddrPort(ep.LocalAddr())
		for i := 0; i < n; i++ {
			if _, err := p.WriteToUDP(payload(i, 10+i*7%1400), dst); err != nil {
				t.Fatal(err)
			}
		}
		pkts := make([]Packet, ReadBatchSize)
		from := p.LocalAddr().(*net.UDPAddr).AddrPort()
		for got := 0; got < n; {
			k, err := ep.Read(pkts, time.Now().Add(2*time.Second))
			if err != nil {
				t.Fatalf("after %d datagrams: %v", got, err)
			}
			for _, pk := range pkts[:k] {
				if want := payload(got, 10+got*7%1400); !bytes.Equal(pk.Data, want) || pk.Truncated {
					t.Fatalf("datagram %d: %d bytes %q..., truncated %v", got, len(pk.Data), pk.Data[:5], pk.Truncated)
				}
				if pk.From != from {
					t.Fatalf("datagram %d from %v, want %v", got, pk.From, from)
				}
				got++
			}
		}
	})
}

func TestEndpointSendsBatchesLargerThanOneSyscall(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, p := open(t, backend), peer(t)
		dst := p.LocalAddr().(*net.UDPAddr).AddrPort()
		const n = 1000 // more than a batch and more than the send arena
		for i := 0; i < n; i++ {
			if err := ep.Write(payload(i, 100+i%900), dst); err != nil {
				t.Fatal(err)
			}
		}
		if err := ep.Flush(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2048)
		_ = p.SetReadDeadline(time.Now().Add(2 * time.Second))
		for i := 0; i < n; i++ {
			k, from, err := p.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatalf("after %d datagrams: %v", i, err)
			}
			if !bytes.Equal(buf[:k], payload(i, 100+i%900)) {
				t.Fatalf("datagram %d differs", i)
			}
			if from != ep.LocalAddr() {
				t.Fatalf("from %v, want %v", from, ep.LocalAddr())
			}
		}
	})
}

func TestEndpointDeadlineAndWake(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep := open(t, backend)
		pkts := make([]Packet, ReadBatchSize)
		start := time.Now()
		if _, err := ep.Read(pkts, time.Now().Add(30*time.Millisecond)); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Read past deadline: %v, want ErrTimeout", err)
		}
		if el := time.Since(start); el < 25*time.Millisecond || el > time.Second {
			t.Errorf("deadline honoured after %v", el)
		}
		go func() {
			time.Sleep(50 * time.Millisecond)
			ep.Wake()
		}()
		start = time.Now()
		if _, err := ep.Read(pkts, time.Now().Add(10*time.Second)); !errors.Is(err, ErrTimeout) {
			t.Fatalf("woken Read: %v, want ErrTimeout", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("Wake took %v", el)
		}
		// A Wake before Read makes the next Read return at once.
		ep.Wake()
		if _, err := ep.Read(pkts, time.Now().Add(10*time.Second)); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Read after Wake: %v", err)
		}
	})
}

func TestEndpointClosed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep := open(t, backend)
		if err := ep.Close(); err != nil {
			t.Fatal(err)
		}
		pkts := make([]Packet, ReadBatchSize)
		if _, err := ep.Read(pkts, time.Now().Add(time.Second)); !errors.Is(err, ErrClosed) {
			t.Errorf("Read after Close: %v, want ErrClosed", err)
		}
		err := ep.Write([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9"))
		if err == nil {
			err = ep.Flush()
		}
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Write after Close: %v, want ErrClosed", err)
		}
		if err := ep.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// TestEndpointOversizedDatagram: a datagram longer than the backend's
// buffer is delivered whole (std) or marked truncated (mmsg), never
// misreported as a complete shorter message.
func TestEndpointOversizedDatagram(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, p := open(t, backend), peer(t)
		big := payload(1, 20000)
		if _, err := p.WriteToUDP(big, net.UDPAddrFromAddrPort(ep.LocalAddr())); err != nil {
			t.Fatal(err)
		}
		pkts := make([]Packet, ReadBatchSize)
		n, err := ep.Read(pkts, time.Now().Add(2*time.Second))
		if err != nil || n != 1 {
			t.Fatalf("Read = %d, %v", n, err)
		}
		pk := pkts[0]
		switch {
		case pk.Truncated && len(pk.Data) < len(big) && bytes.Equal(pk.Data, big[:len(pk.Data)]):
		case !pk.Truncated && bytes.Equal(pk.Data, big):
		default:
			t.Fatalf("%d of %d bytes, truncated %v", len(pk.Data), len(big), pk.Truncated)
		}
	})
}

func TestEndpointReusePortSharesOnePort(t *testing.T) {
	if !ReusePortSupported {
		t.Skip("SO_REUSEPORT is wired up on Linux only")
	}
	forEachBackend(t, func(t *testing.T, backend string) {
		a, err := Open(Config{Backend: backend, Local: loopback, ReusePort: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := Open(Config{Backend: backend, Local: a.LocalAddr(), ReusePort: true})
		if err != nil {
			t.Fatalf("second bind of %v: %v", a.LocalAddr(), err)
		}
		b.Close()
		if _, err := Open(Config{Backend: backend, Local: a.LocalAddr()}); err == nil {
			t.Fatal("bind without SO_REUSEPORT succeeded on a used port")
		}
	})
}

func TestEndpointRoundTripNoAllocs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		a, b := open(t, backend), open(t, backend)
		msg := payload(3, 600)
		pkts := make([]Packet, ReadBatchSize)
		deadline := time.Now().Add(time.Minute)
		cycle := func() {
			for i := 0; i < 8; i++ {
				if err := a.Write(msg, b.LocalAddr()); err != nil {
					t.Fatal(err)
				}
			}
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			for got := 0; got < 8; {
				n, err := b.Read(pkts, deadline)
				if err != nil {
					t.Fatal(err)
				}
				got += n
			}
		}
		cycle()
		if allocs := testing.AllocsPerRun(200, cycle); allocs != 0 {
			t.Fatalf("%v allocations per write-flush-read cycle", allocs)
		}
	})
}

func TestUnknownBackend(t *testing.T) {
	if _, err := Open(Config{Backend: "carrier-pigeon", Local: loopback}); !errors.Is(err, ErrUnknownBackend) {
		t.Fatalf("err = %v, want ErrUnknownBackend", err)
	}
}

// TestEndpointSmallReadKeepsTheRest: a Read with room for one datagram
// leaves the others queued for the next Read.
func TestEndpointSmallReadKeepsTheRest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, p := open(t, backend), peer(t)
		for i := 0; i < 5; i++ {
			if _, err := p.WriteToUDP(payload(i, 50), net.UDPAddrFromAddrPort(ep.LocalAddr())); err != nil {
				t.Fatal(err)
			}
		}
		one := make([]Packet, 1)
		for i := 0; i < 5; i++ {
			n, err := ep.Read(one, time.Now().Add(2*time.Second))
			if err != nil || n != 1 || !bytes.Equal(one[0].Data, payload(i, 50)) {
				t.Fatalf("read %d: n=%d err=%v", i, n, err)
			}
		}
	})
}

// TestEndpointSendsToEachDestination: datagrams for several peers, mixed
// within one batch and across batches (a batch slot that held one
// address gets another), each reach the peer they were written for.
func TestEndpointSendsToEachDestination(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep := open(t, backend)
		peers := []*net.UDPConn{peer(t), peer(t), peer(t)}
		dsts := make([]netip.AddrPort, len(peers))
		for i, p := range peers {
			dsts[i] = p.LocalAddr().(*net.UDPAddr).AddrPort()
		}
		// Slot i of the batch gets peer (i+round)%3 in each round.
		const rounds, perRound = 4, 5
		want := make([]int, len(peers))
		for r := 0; r < rounds; r++ {
			for i := 0; i < perRound; i++ {
				k := (i + r) % len(peers)
				if err := ep.Write([]byte(fmt.Sprintf("to %d", k)), dsts[k]); err != nil {
					t.Fatal(err)
				}
				want[k]++
			}
			if err := ep.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		buf := make([]byte, 64)
		for k, p := range peers {
			for got := 0; got < want[k]; got++ {
				_ = p.SetReadDeadline(time.Now().Add(2 * time.Second))
				n, err := p.Read(buf)
				if err != nil {
					t.Fatalf("peer %d: datagram %d of %d: %v", k, got+1, want[k], err)
				}
				if string(buf[:n]) != fmt.Sprintf("to %d", k) {
					t.Fatalf("peer %d got %q", k, buf[:n])
				}
			}
		}
	})
}

// openPoller opens an endpoint of backend and skips the test when it is
// not a Poller.
func openPoller(t *testing.T, backend string) (Endpoint, Poller) {
	t.Helper()
	ep := open(t, backend)
	poller, ok := ep.(Poller)
	if !ok {
		t.Skipf("%s reads only by blocking", backend)
	}
	return ep, poller
}

// TestPollerTryRead: TryRead returns at once, with nothing or with what is
// queued, and stamps each datagram with its kernel receive time.
func TestPollerTryRead(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, poller := openPoller(t, backend)
		pkts := make([]Packet, ReadBatchSize)
		start := time.Now()
		if n, err := poller.TryRead(pkts); n != 0 || err != nil {
			t.Fatalf("TryRead on an empty socket = %d, %v", n, err)
		}
		// A past deadline left by Read or Wake must not stop TryRead.
		ep.Wake()
		p := peer(t)
		// The kernel turns its receive stamping on a moment after the
		// first socket asks for it (a deferred static key); until then it
		// stamps at read time. One datagram first lets that happen.
		if _, err := p.WriteToUDP(payload(0, 100), net.UDPAddrFromAddrPort(ep.LocalAddr())); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
		if n, err := poller.TryRead(pkts); n != 1 || err != nil {
			t.Fatalf("TryRead of the first datagram = %d, %v", n, err)
		}
		sent := time.Now()
		for i := 0; i < 3; i++ {
			if _, err := p.WriteToUDP(payload(i, 100), net.UDPAddrFromAddrPort(ep.LocalAddr())); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(20 * time.Millisecond)
		n, err := poller.TryRead(pkts)
		if err != nil || n != 3 {
			t.Fatalf("TryRead = %d, %v; want 3", n, err)
		}
		for i, pk := range pkts[:n] {
			rx := time.Unix(0, pk.Received)
			if pk.Received == 0 || rx.Before(sent.Add(-time.Millisecond)) || rx.After(sent.Add(15*time.Millisecond)) {
				t.Errorf("datagram %d received at %v, sent at %v", i, rx, sent)
			}
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("TryRead blocked: %v", el)
		}
	})
}

// TestPollerSleepTakesWake: a Wake ends one Sleep, not every Sleep after
// it. A busy shard whose Wake stayed pending spun through its sleeps (found
// with a shard fed only by other shards' hand-offs).
func TestPollerSleepTakesWake(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, poller := openPoller(t, backend)
		ep.Wake()
		poller.Sleep(time.Now().Add(time.Minute)) // returns for the Wake
		// Sleeping out 20 ms now takes a sleep or two, not the millions of
		// a Wake that stays pending.
		deadline := time.Now().Add(20 * time.Millisecond)
		sleeps := 0
		for time.Now().Before(deadline) && sleeps < 10000 {
			poller.Sleep(deadline)
			sleeps++
		}
		if sleeps >= 1000 {
			t.Fatalf("%d sleeps to wait 20 ms: a consumed Wake still ends them", sleeps)
		}
	})
}

// TestPollerSleepsToDeadline: Sleep lasts until its deadline, also past
// the cap of one raw ppoll (a busy shard at -timer_resol 20 drained every
// 2 ms when it did not).
func TestPollerSleepsToDeadline(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		_, poller := openPoller(t, backend)
		start := time.Now()
		poller.Sleep(start.Add(15 * time.Millisecond))
		if el := time.Since(start); el < 15*time.Millisecond {
			t.Errorf("Sleep to 15 ms ahead returned after %v", el)
		}
	})
}

// TestDropCounter overflows a small receive queue and expects the kernel's
// drop count (SO_RXQ_OVFL) to come back with the next datagram read.
func TestDropCounter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		ep, err := Open(Config{Backend: backend, Local: loopback, BufferSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		dc, ok := ep.(DropCounter)
		if !ok {
			t.Skipf("%s does not count drops", backend)
		}
		p := peer(t)
		for i := 0; i < 500; i++ {
			_, _ = p.WriteToUDP(payload(i, 500), net.UDPAddrFromAddrPort(ep.LocalAddr()))
		}
		// The kernel stamps a datagram with the drops counted before it
		// was queued: drain the queue, then read one sent afterwards.
		pkts := make([]Packet, ReadBatchSize)
		for {
			if _, err := ep.Read(pkts, time.Now().Add(50*time.Millisecond)); err != nil {
				break
			}
		}
		_, _ = p.WriteToUDP(payload(0, 100), net.UDPAddrFromAddrPort(ep.LocalAddr()))
		if _, err := ep.Read(pkts, time.Now().Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if dc.Drops() == 0 {
			t.Fatal("500 datagrams into a 4 KiB queue, yet no drop reported")
		}
	})
}
