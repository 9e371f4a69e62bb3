package engine

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

// lossyRelay forwards datagrams between a UAC and a UAS on loopback and
// drops one in every n at random in each direction: a lossy network.
type lossyRelay struct {
	front, back *net.UDPConn // front faces the UAC, back the UAS
	uas         netip.AddrPort
	every       int
	dropped     atomic.Int64
	forwarded   atomic.Int64
	wg          sync.WaitGroup
}

func newLossyRelay(t *testing.T, uas netip.AddrPort, every int) *lossyRelay {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*net.UDPConn{front, back} {
		_ = c.SetReadBuffer(4 << 20)
	}
	r := &lossyRelay{front: front, back: back, uas: uas, every: every}
	var uac atomic.Pointer[netip.AddrPort]
	pump := func(in, out *net.UDPConn, dst func() (netip.AddrPort, bool), learn bool) {
		defer r.wg.Done()
		buf := make([]byte, 65535)
		rng := rand.New(rand.NewPCG(uint64(r.every), uint64(in.LocalAddr().(*net.UDPAddr).Port)))
		for {
			k, from, err := in.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if learn {
				uac.Store(&from)
			}
			if rng.IntN(r.every) == 0 {
				r.dropped.Add(1)
				continue
			}
			if d, ok := dst(); ok {
				_, _ = out.WriteToUDPAddrPort(buf[:k], d)
				r.forwarded.Add(1)
			}
		}
	}
	r.wg.Add(2)
	go pump(front, back, func() (netip.AddrPort, bool) { return uas, true }, true)
	go pump(back, front, func() (netip.AddrPort, bool) {
		if p := uac.Load(); p != nil {
			return *p, true
		}
		return netip.AddrPort{}, false
	}, false)
	t.Cleanup(func() { front.Close(); back.Close(); r.wg.Wait() })
	return r
}

func (r *lossyRelay) addr() netip.AddrPort { return r.front.LocalAddr().(*net.UDPAddr).AddrPort() }

// assertConserved checks that every created call ended in exactly one
// class: successful, failed (by class) or aborted.
func assertConserved(t *testing.T, who string, c stats.Totals) {
	t.Helper()
	if err := c.CheckConservation(0); err != nil {
		t.Errorf("%s: %v", who, err)
	}
	var byClass uint64
	for _, n := range c.FailedBy {
		byClass += n
	}
	if byClass != c.Failed {
		t.Errorf("%s: failure classes add up to %d, failed %d", who, byClass, c.Failed)
	}
}

// TestLossyNetworkConservesCalls runs 300 calls through a relay that drops
// one datagram in 20 each way: retransmissions (INVITE, 200 OK, BYE and the
// ACK a retransmitted 200 asks for) recover the calls, and every call is
// counted once on both sides.
func TestLossyNetworkConservesCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("several seconds of retransmission timers")
	}
	uasScn, err := scenario.Builtin("uas")
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 2, DrainTimeout: 6 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	relay := newLossyRelay(t, uas.LocalAddrs()[0], 20)
	// One UAC shard: the relay answers the one address it learned.
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: relay.addr(), Rate: 300, MaxCalls: 300})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	uasDone := make(chan *Result, 1)
	go func() { r, _ := uas.Run(ctx); uasDone <- r }()
	ures, _ := uac.Run(ctx)
	time.Sleep(500 * time.Millisecond) // let the last 200 OK retransmissions settle
	uas.Stop()
	sres := <-uasDone

	u, s := ures.Stats.Cumulative, sres.Stats.Cumulative
	assertConserved(t, "uac", u)
	assertConserved(t, "uas", s)
	// As in SIPp, a message that comes back late, after its call moved on
	// (a 180 resent for a retransmitted INVITE, an ACK resent for a
	// retransmitted 200), is unexpected and fails that call: a few calls
	// may fail so, none otherwise.
	// A UAS call that failed so no longer answers, and a machine that
	// stalls the test past the timers, end a UAC call on its
	// retransmission limit.
	if u.Successful+u.Failed != 300 || u.Failed != u.FailedBy[stats.FailUnexpectedMessage]+u.FailedBy[stats.FailMaxUDPRetrans] ||
		u.Failed > 10 {
		t.Errorf("uac: %d successful, %d failed (%v) of 300 (dropped %d datagrams)", u.Successful, u.Failed, u.FailedBy, relay.dropped.Load())
	}
	if s.Failed != s.FailedBy[stats.FailUnexpectedMessage] || s.Failed > 20 || s.Successful+s.Aborted+s.Failed != s.Created() {
		t.Errorf("uas: created %d successful %d aborted %d failed %d (%v)", s.Created(), s.Successful, s.Aborted, s.Failed, s.FailedBy)
	}
	if relay.dropped.Load() == 0 || u.Retransmissions == 0 {
		t.Errorf("dropped %d, uac retransmissions %d: the test lost nothing", relay.dropped.Load(), u.Retransmissions)
	}
	if s.Created() < 300 {
		t.Errorf("uas saw %d calls", s.Created())
	}
}

// TestMisbehavingPeerIsCounted sends a UAS garbage, an oversized datagram,
// a response for no call and a late retransmission for an ended call, and
// checks that each lands in its own counter and nothing else changes. As
// in SIPp (checked against sipp 3.6.1), a UAS makes a call of the stray
// response, which fails as an unexpected message.
func TestMisbehavingPeerIsCounted(t *testing.T) {
	p := newPairOn(t, "mmsg", uasNoLinger(t))
	p.call(t) // one clean call: its Call-ID is now a dead call on both sides
	uas := p.uas.shards[0]
	c, err := net.Dial("udp", uas.local.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(b []byte) {
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	garbage := []byte("\x16\x03\x01 definitely not SIP\r\n\r\n")
	for i := 0; i < 5; i++ {
		send(garbage)
	}
	send([]byte("INVITE sip:x SIP/2.0\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("a", 90)+"\r\n", 150) + "\r\n")) // > 8 KiB: truncated
	callID := string(p.uac.shards[0].e.appendCallID(nil, 1))
	send([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: no-such-call\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
	send([]byte("BYE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-y\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: " + callID + "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"))

	deadline := time.Now().Add(3 * time.Second)
	var got stats.Totals
	for time.Now().Before(deadline) {
		n, err := uas.ep.Read(p.pkts, time.Now().Add(100*time.Millisecond))
		if err == nil {
			for i := 0; i < n; i++ {
				if p.pkts[i].Truncated {
					uas.rec.ParseError()
					continue
				}
				uas.onDatagram(p.pkts[i].Data, p.pkts[i].From, uas.e.now(), true)
			}
		}
		got = p.uas.Snapshot().Cumulative
		if got.ParseErrors+got.Failed+got.DeadCall >= 8 {
			break
		}
	}
	if got.ParseErrors != 6 || got.OutOfCall != 0 || got.DeadCall != 1 {
		t.Errorf("parse errors %d (want 6: 5 garbage + 1 truncated), out-of-call %d (want 0), dead-call %d (want 1)",
			got.ParseErrors, got.OutOfCall, got.DeadCall)
	}
	if got.Created() != 2 || got.Successful != 1 || got.Failed != 1 || got.FailedBy[stats.FailUnexpectedMessage] != 1 {
		t.Errorf("calls: created %d successful %d failed %d (unexpected %d); want 2, 1, 1 (1)",
			got.Created(), got.Successful, got.Failed, got.FailedBy[stats.FailUnexpectedMessage])
	}
}

// answerShaper relays a UAC's datagrams to a UAS unchanged and shapes the
// UAS's answers by call, numbering calls in the order their first INVITE
// passes: of every five calls, the second gets its 180 after its 200 OK
// (reordered), the third its 200 OK to the INVITE twice (duplicated), the
// fourth its 200 OKs to the INVITE one second late (a slow answer), the
// others nothing. It counts what it did.
type answerShaper struct {
	front, back *net.UDPConn
	delay       time.Duration

	mu    sync.Mutex
	index map[string]int    // Call-ID → call number, from 0
	held  map[string][]byte // Call-ID → the 180 waiting for its call's next answer

	reordered, duplicated, delayed atomic.Int64
	wg                             sync.WaitGroup
}

// testHeaderLine returns the value of the first header line starting with name.
func testHeaderLine(msg []byte, name string) string {
	for _, line := range strings.Split(string(msg), "\r\n") {
		if v, ok := strings.CutPrefix(line, name); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func newAnswerShaper(t *testing.T, uas netip.AddrPort, delay time.Duration) *answerShaper {
	t.Helper()
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	front, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.ListenUDP("udp4", lo)
	if err != nil {
		t.Fatal(err)
	}
	r := &answerShaper{front: front, back: back, delay: delay, index: map[string]int{}, held: map[string][]byte{}}
	var uac atomic.Pointer[netip.AddrPort]
	r.wg.Add(2)
	go func() { // UAC → UAS
		defer r.wg.Done()
		buf := make([]byte, 65535)
		for {
			k, from, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			uac.Store(&from)
			msg := buf[:k]
			if bytes.HasPrefix(msg, []byte("INVITE ")) {
				id := testHeaderLine(msg, "Call-ID:")
				r.mu.Lock()
				if _, ok := r.index[id]; !ok {
					r.index[id] = len(r.index)
				}
				r.mu.Unlock()
			}
			_, _ = back.WriteToUDPAddrPort(msg, uas)
		}
	}()
	go func() { // UAS → UAC, shaped
		defer r.wg.Done()
		buf := make([]byte, 65535)
		for {
			k, _, err := back.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			to := uac.Load()
			if to == nil {
				continue
			}
			msg := bytes.Clone(buf[:k])
			id := testHeaderLine(msg, "Call-ID:")
			inviteOK := bytes.HasPrefix(msg, []byte("SIP/2.0 200 ")) && strings.HasSuffix(testHeaderLine(msg, "CSeq:"), "INVITE")
			r.mu.Lock()
			n, known := r.index[id]
			held := r.held[id]
			delete(r.held, id)
			r.mu.Unlock()
			switch {
			case known && n%5 == 1 && bytes.HasPrefix(msg, []byte("SIP/2.0 180 ")):
				r.mu.Lock()
				r.held[id] = msg
				r.mu.Unlock()
				r.reordered.Add(1)
				continue
			case known && n%5 == 2 && inviteOK:
				_, _ = front.WriteToUDPAddrPort(msg, *to)
				r.duplicated.Add(1)
			case known && n%5 == 3 && inviteOK:
				r.delayed.Add(1)
				dst := *to
				time.AfterFunc(r.delay, func() { _, _ = front.WriteToUDPAddrPort(msg, dst) })
				continue
			}
			_, _ = front.WriteToUDPAddrPort(msg, *to)
			if held != nil {
				_, _ = front.WriteToUDPAddrPort(held, *to)
			}
		}
	}()
	t.Cleanup(func() { front.Close(); back.Close(); r.wg.Wait() })
	return r
}

func (r *answerShaper) addr() netip.AddrPort { return r.front.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestSlowDuplicatedAndReorderedAnswers runs 100 calls through an
// answerShaper and checks that each kind of misbehaviour lands, as many
// times as it was injected, in the counter RFC 3261 and SIPp give it:
//   - a 180 after its 200 OK is a late provisional response: ignored,
//     so 180s received = calls - reordered, and nothing is unexpected;
//   - a duplicated 200 OK to the INVITE is a retransmission the UAC
//     acknowledges again (RFC 3261 §13.2.2.4): a received retransmission
//     of the 200 and a retransmitted ACK, which the UAS receives as a
//     retransmission;
//   - a 200 OK one second late makes the UAS retransmit it once (at
//     500 ms, Timer G doubling from T1; the ACK reaches it at about 1 s,
//     before the next at 1.5 s); the UAC receives the late original and
//     then the retransmission, which it acknowledges again.
//
// The call's pause (-d 1.5 s) keeps the BYE after all of that.
func TestSlowDuplicatedAndReorderedAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("seconds of pauses and timers")
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	shaper := newAnswerShaper(t, uas.LocalAddrs()[0], time.Second)
	const calls = 100
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: shaper.addr(), Rate: 100, MaxCalls: calls,
		DefaultPause: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	uasDone := make(chan *Result, 1)
	go func() { r, _ := uas.Run(ctx); uasDone <- r }()
	ures, _ := uac.Run(ctx)
	uas.Stop()
	sres := <-uasDone

	u, s := ures.Stats.Cumulative, sres.Stats.Cumulative
	assertConserved(t, "uac", u)
	assertConserved(t, "uas", s)
	re, du, de := uint64(shaper.reordered.Load()), uint64(shaper.duplicated.Load()), uint64(shaper.delayed.Load())
	// Each slow call's 200 OK passes twice: the original and the UAS's one
	// retransmission.
	if re != calls/5 || du != calls/5 || de != 2*calls/5 {
		t.Fatalf("the shaper reordered %d, duplicated %d, delayed %d answers; want %d, %d, %d", re, du, de, calls/5, calls/5, 2*calls/5)
	}
	// Built-in uac: INVITE ->, 100 <-, 180 <-, 183 <-, 200 <-, ACK ->, pause, BYE ->, 200 <-.
	// uas: INVITE <-, 180 ->, 200 ->, ACK <-, BYE <-, 200 ->.
	type row struct {
		what      string
		got, want uint64
	}
	rows := []row{
		// A 180 that comes after its call's 200 is unexpected, as in
		// SIPp (no optional-only path leads back to it): the call fails,
		// its BYE (SIPp's abort behaviour) still ends the UAS's call, and
		// the 200 answering that BYE comes for a call that has ended.
		{"uac successful", u.Successful, calls - re},
		{"uac failed on unexpected messages", u.FailedBy[stats.FailUnexpectedMessage], re},
		{"uas successful", s.Successful, calls},
		{"uac 180 received", u.Commands[2].Received, calls - re},
		{"uac 200 retransmissions received", u.Commands[4].Retrans, du + calls/5},
		{"uac ACK retransmitted", u.Commands[5].Retrans, du + calls/5},
		{"uac retransmissions", u.Retransmissions, du + calls/5},
		{"uac INVITE retransmitted", u.Commands[0].Retrans, 0},
		{"uac unexpected", u.Unexpected, re},
		{"uac dead-call messages", u.DeadCall, re},
		{"uas 200 retransmitted", s.Commands[2].Retrans, calls / 5},
		{"uas ACK retransmissions received", s.Commands[3].Retrans, du + calls/5},
		{"uas retransmissions", s.Retransmissions, calls / 5},
		{"uas unexpected", s.Unexpected, 0},
	}
	for _, r := range rows {
		if r.got != r.want {
			t.Errorf("%s: %d, want %d (reordered %d, duplicated %d, delayed %d)", r.what, r.got, r.want, re, du, de)
		}
	}
}
