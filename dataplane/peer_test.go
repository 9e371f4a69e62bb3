package dataplane

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"
)

// readAll reads datagrams from c until none arrives for 200 ms.
func readAll(t *testing.T, c *net.UDPConn) [][]byte {
	t.Helper()
	var got [][]byte
	buf := make([]byte, 65536)
	for {
		_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return got
		}
		got = append(got, bytes.Clone(buf[:n]))
	}
}

func TestEndpointConnectedToPeer(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		p := peer(t)
		to := p.LocalAddr().(*net.UDPAddr).AddrPort()
		ep, err := Open(Config{Backend: backend, Local: loopback, Peer: to})
		if err != nil {
			t.Fatal(err)
		}
		defer ep.Close()
		const n = 100
		for i := range n {
			if err := ep.Write(payload(i, 50+i), to); err != nil {
				t.Fatal(err)
			}
		}
		if err := ep.Flush(); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, p)
		if len(got) != n {
			t.Fatalf("peer got %d datagrams, want %d", len(got), n)
		}
		for i, d := range got {
			if !bytes.Equal(d, payload(i, 50+i)) {
				t.Fatalf("datagram %d: %q", i, d)
			}
		}
		// Replies come back on the connected socket.
		if _, err := p.WriteToUDPAddrPort([]byte("pong"), ep.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		pkts := make([]Packet, ReadBatchSize)
		k, err := ep.Read(pkts, time.Now().Add(2*time.Second))
		if err != nil || k != 1 || string(pkts[0].Data) != "pong" || pkts[0].From != to {
			t.Fatalf("Read: %d, %v, %+v", k, err, pkts[0])
		}
	})
}

func TestEndpointConnectedStdRefusesOtherDestinations(t *testing.T) {
	p := peer(t)
	ep, err := Open(Config{Backend: "std", Local: loopback, Peer: p.LocalAddr().(*net.UDPAddr).AddrPort()})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	if err := ep.Write([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9")); err == nil {
		t.Fatal("Write to another destination than the peer succeeded")
	}
}
