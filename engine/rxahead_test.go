package engine

import (
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/scenario"
)

// TestDispatchParsesAhead hands a uas one receive batch that mixes new
// calls, a retransmitted INVITE, garbage, a keep-alive and a truncated
// datagram, and checks that it counts and answers them exactly as it does
// one datagram per batch: parsing the next datagram of a batch before the
// current one is handled changes nothing but timing.
func TestDispatchParsesAhead(t *testing.T) {
	type outcome struct {
		created, parseErrors, retrans, outOfCall uint64
		answers                                  int
	}
	run := func(batched bool) outcome {
		uasScn, err := scenario.Builtin("uas")
		if err != nil {
			t.Fatal(err)
		}
		uac, uas, uacEP, uasEP := newMemEngines(t, uasScn)
		c, s := uac.shards[0], uas.shards[0]
		for range 3 {
			c.startCall(uac.now())
		}
		flush(t, c)
		inv := make([]dataplane.Packet, 3)
		if n, err := uasEP.Read(inv, time.Time{}); err != nil || n != 3 {
			t.Fatalf("uas received %d INVITEs, %v; want 3", n, err)
		}
		from := inv[0].From
		batch := []dataplane.Packet{
			inv[0],
			{Data: []byte("garbage\r\n\r\n"), From: from},
			inv[1],
			{Data: []byte("\r\n\r\n"), From: from}, // RFC 5626 keep-alive: not an error
			{Data: append([]byte(nil), inv[0].Data...), From: from}, // retransmission
			{Data: inv[2].Data[:40], From: from, Truncated: true},
			inv[2],
		}
		if batched {
			copy(s.pkts, batch)
			s.dispatch(len(batch))
		} else {
			for _, pk := range batch {
				s.pkts[0] = pk
				s.dispatch(1)
			}
		}
		flush(t, s)
		tot := uas.Snapshot().Cumulative
		return outcome{tot.Created(), tot.ParseErrors, tot.Retransmissions, tot.OutOfCall, uacEP.n}
	}
	one, batched := run(false), run(true)
	if want := (outcome{created: 3, parseErrors: 2, retrans: 1, answers: 7}); one != want {
		t.Fatalf("one datagram per batch: %+v, want %+v", one, want)
	}
	if batched != one {
		t.Fatalf("one batch: %+v; one datagram per batch: %+v", batched, one)
	}
}
