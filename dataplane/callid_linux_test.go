//go:build linux

package dataplane

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"github.com/gossip-sip/gossip/sipfast"
)

// TestSteerByCallID attaches the program to a SO_REUSEPORT group of each
// backend and checks that datagrams from one peer reach the endpoint of
// their Call-ID's shard, with the program's counters to match.
func TestSteerByCallID(t *testing.T) {
	forEachBackend(t, func(t *testing.T, backend string) {
		testpeer.Require(t, os.Geteuid() == 0, "loading a SO_REUSEPORT program needs root")
		const n = 3
		eps := make([]Endpoint, n)
		local := loopback
		for i := range eps {
			ep, err := Open(Config{Backend: backend, Local: local, ReusePort: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ep.Close() })
			local = ep.LocalAddr()
			eps[i] = ep
		}
		st, err := SteerByCallID(eps)
		testpeer.Require(t, err == nil, fmt.Sprint("the kernel refused the SO_REUSEPORT program: ", err))
		tx := peer(t)
		dst := net.UDPAddrFromAddrPort(local)
		const calls = 30
		for i := 0; i < calls; i++ {
			cid := fmt.Sprintf("%d-77@127.0.0.1", i)
			msg := "BYE sip:a@127.0.0.1 SIP/2.0\r\nCall-ID: " + cid + "\r\n\r\n"
			if _, err := tx.WriteToUDP([]byte(msg), dst); err != nil {
				t.Fatal(err)
			}
			want := int(sipfast.ShardHash([]byte(cid)) % n)
			pkts := make([]Packet, ReadBatchSize)
			k, err := eps[want].Read(pkts, time.Now().Add(2*time.Second))
			if err != nil || k != 1 || string(pkts[0].Data) != msg {
				t.Fatalf("%s: shard %d read %d datagrams, err %v", cid, want, k, err)
			}
		}
		c, err := st.Counters()
		if err != nil {
			t.Fatal(err)
		}
		if c.Steered != calls || c.NotFound != 0 || c.NoSocket != 0 {
			t.Errorf("counters %+v, want %d steered", c, calls)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSteerByCallIDNeedsSockets(t *testing.T) {
	ep, err := Open(Config{Stream: &StreamConfig{Protocol: ProtoTCP, Listen: true}, Local: loopback})
	if err != nil {
		t.Skip(err)
	}
	defer ep.Close()
	if _, err := SteerByCallID([]Endpoint{ep}); !errors.Is(err, ErrNoSocket) {
		t.Fatalf("stream endpoint: err %v, want ErrNoSocket", err)
	}
}
