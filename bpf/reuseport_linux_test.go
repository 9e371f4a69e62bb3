//go:build linux

package bpf

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"github.com/gossip-sip/gossip/sipfast"
	"golang.org/x/sys/unix"
)

// reuseportGroup binds n UDP sockets to one port of 127.0.0.1 with
// SO_REUSEPORT and attaches the program to them.
func reuseportGroup(t *testing.T, n int) ([]*net.UDPConn, *Reuseport) {
	t.Helper()
	testpeer.Require(t, os.Geteuid() == 0, "loading a SO_REUSEPORT program needs root")
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		return errors.Join(err, serr)
	}}
	addr := "127.0.0.1:0"
	var socks []*net.UDPConn
	var raws []syscall.RawConn
	for i := 0; i < n; i++ {
		pc, err := lc.ListenPacket(context.Background(), "udp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		c := pc.(*net.UDPConn)
		t.Cleanup(func() { c.Close() })
		addr = c.LocalAddr().String()
		raw, err := c.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, c)
		raws = append(raws, raw)
	}
	rp, err := AttachReuseport(raws)
	testpeer.Require(t, err == nil, "the kernel refused the SO_REUSEPORT program: "+errString(err))
	t.Cleanup(func() { rp.Close() })
	return socks, rp
}

// sipMessage is a request whose headers are hdrs, CRLF-terminated.
func sipMessage(hdrs ...string) string {
	return "INVITE sip:service@127.0.0.1:5060 SIP/2.0\r\n" + strings.Join(hdrs, "\r\n") + "\r\n\r\nv=0\r\n"
}

func TestReuseportSteersByCallID(t *testing.T) {
	via := "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1-0"
	longVias := strings.Repeat(via+"\r\n", 15) + via // Call-ID ~ 750 octets in
	tests := []struct {
		name string
		msg  string
		cid  string // PeekCallID's answer; "" for none
		// beyond: the Call-ID ends past the program's window, which
		// leaves the datagram to the kernel.
		beyond bool
	}{
		{"long form", sipMessage(via, "From: <sip:a@b>;tag=1", "Call-ID: 1-4242@127.0.0.1", "CSeq: 1 INVITE"), "1-4242@127.0.0.1", false},
		{"compact", sipMessage(via, "i: abc-compact", "CSeq: 1 INVITE"), "abc-compact", false},
		{"upper compact", sipMessage("I:x7"), "x7", false},
		{"mixed case", sipMessage("cALL-iD:   Mixed-Case-Value  "), "Mixed-Case-Value", false},
		{"blanks before colon", sipMessage(via, "Call-ID \t : spaced@host\t"), "spaced@host", false},
		{"inner blanks kept", sipMessage("Call-ID: a b\tc "), "a b\tc", false},
		{"far in", sipMessage(longVias, "Call-ID: far-away-42"), "far-away-42", false},
		{"response", "SIP/2.0 200 OK\r\n" + via + "\r\nCall-ID: resp-9\r\n\r\n", "resp-9", false},
		{"last line, no CRLF", "BYE sip:x SIP/2.0\nCall-ID: lf-only", "lf-only", false},
		{"lookalike names first", sipMessage("Call-IDs: no", "Cal-ID: no", "ix: no", "Call-ID:", "Call-ID: yes-1"), "yes-1", false},
		{"CR inside value", sipMessage("Call-ID: a\rb"), "a\rb", false},
		{"no Call-ID", sipMessage(via, "CSeq: 1 INVITE"), "", false},
		{"Call-ID in the body", sipMessage(via) + "Call-ID: body\r\n", "", false},
		{"folded", sipMessage("Call-ID: fold", " ed", "CSeq: 1 BYE"), "", false},
		{"in the start line only", "Call-ID: start-line\r\nVia: x\r\n\r\n", "", false},
		{"keep-alive", "\r\n\r\n", "", false},
		{"beyond the window", sipMessage(strings.Repeat(via+"\r\n", 60) + "Call-ID: too-far"), "too-far", true},
	}
	for _, n := range []int{2, 3} {
		socks, rp := reuseportGroup(t, n)
		dst := socks[0].LocalAddr().(*net.UDPAddr)
		// One sender: the kernel's 4-tuple hash would put everything on
		// one socket.
		tx, err := net.DialUDP("udp4", nil, dst)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Close()
		var wantSteered uint64
		for _, tc := range tests {
			if got := string(sipfast.PeekCallID([]byte(tc.msg))); got != tc.cid {
				t.Fatalf("%s: PeekCallID = %q, test wants %q", tc.name, got, tc.cid)
			}
			if _, err := tx.Write([]byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			got := receivedOn(t, socks, tc.msg)
			if tc.cid == "" || tc.beyond {
				continue // the kernel's choice
			}
			wantSteered++
			if want := int(sipfast.ShardHash([]byte(tc.cid)) % uint32(n)); got != want {
				t.Errorf("n=%d %s: arrived on socket %d, want %d", n, tc.name, got, want)
			}
		}
		// Many Call-IDs from the one sender reach every socket.
		seen := make([]int, n)
		for i := 0; i < 40; i++ {
			cid := "spread-" + string(rune('a'+i%26)) + strings.Repeat("x", i)
			// Pads of every length put the line feeds at every offset
			// of the program's 8-octet reads.
			msg := sipMessage(via, "X-Pad: "+strings.Repeat("p", i%17), "Call-ID: "+cid)
			if _, err := tx.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			got := receivedOn(t, socks, msg)
			if want := int(sipfast.ShardHash([]byte(cid)) % uint32(n)); got != want {
				t.Errorf("n=%d %q: arrived on socket %d, want %d", n, cid, got, want)
			}
			seen[got]++
			wantSteered++
		}
		for i, k := range seen {
			if k == 0 {
				t.Errorf("n=%d: socket %d received none of 40 Call-IDs", n, i)
			}
		}
		c, err := rp.Counters()
		if err != nil {
			t.Fatal(err)
		}
		var wantNotFound uint64
		for _, tc := range tests {
			if tc.cid == "" || tc.beyond {
				wantNotFound++
			}
		}
		if want := (ReuseportCounters{Steered: wantSteered, NotFound: wantNotFound}); c != want {
			t.Errorf("n=%d: counters %+v, want %+v", n, c, want)
		}
	}
}

// receivedOn returns the index of the socket msg arrived on.
func receivedOn(t *testing.T, socks []*net.UDPConn, msg string) int {
	t.Helper()
	buf := make([]byte, 65536)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		for i, s := range socks {
			_ = s.SetReadDeadline(time.Now().Add(500 * time.Microsecond))
			n, _, err := s.ReadFromUDP(buf)
			if err != nil {
				continue
			}
			if string(buf[:n]) != msg {
				t.Fatalf("socket %d received %q, want %q", i, buf[:n], msg)
			}
			return i
		}
	}
	t.Fatalf("no socket received %q", msg)
	return -1
}

// TestReuseportAgreesWithPeekCallID sends messages built at random from
// the tokens that matter to the scan and checks, one by one through the
// counters, that the program places exactly those PeekCallID reads a
// Call-ID from, on the socket its hash picks.
func TestReuseportAgreesWithPeekCallID(t *testing.T) {
	const n = 3
	socks, rp := reuseportGroup(t, n)
	tx, err := net.DialUDP("udp4", nil, socks[0].LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	// A message is header lines of these parts, one of each in turn.
	parts := [][]string{
		{"Call-ID", "call-id", "CALL-ID", "i", "I", "Call-I", "Call-IDx", "ix", "Via", "", "X-A-Longer-Header-Name", "cALL-id"},
		{"", "", " ", "\t", " \t "},
		{":", ":", ":", "", "::"},
		{"", " ", "\t", "\r", " \r"},
		// Values short and long, so that the program's eight-octet strides
		// start and end everywhere in them.
		{"v@h", "1-2@127.0.0.1", "a b", "x\ry", "", "\t", "a-much-longer-call-id-0123456789@host.example.com",
			"blanks inside\tand at the end  ", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1-2-3;rport"},
		{"", " ", "\r", "\t "},
		{"\r\n", "\r\n", "\n", "\r\n ", "\r\n\t", "\r\n\r\n"},
	}
	rng := uint64(0x9e3779b97f4a7c15)
	next := func(k int) int {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return int(rng % uint64(k))
	}
	prev, err := rp.Counters()
	if err != nil {
		t.Fatal(err)
	}
	placed := 0
	for m := 0; m < 1000; m++ {
		var b strings.Builder
		b.WriteString("BYE sip:b SIP/2.0\r\n")
		for k := next(5); k >= 0; k-- {
			for _, p := range parts {
				b.WriteString(p[next(len(p))])
			}
		}
		msg := b.String()
		if _, err := tx.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		got := receivedOn(t, socks, msg)
		c, err := rp.Counters()
		if err != nil {
			t.Fatal(err)
		}
		cid := sipfast.PeekCallID([]byte(msg))
		switch {
		case cid == nil && c.NotFound != prev.NotFound+1:
			t.Errorf("%q: no Call-ID, yet the program placed it (counters %+v)", msg, c)
		case cid != nil && c.Steered != prev.Steered+1:
			t.Errorf("%q: Call-ID %q, yet the program did not place it (counters %+v)", msg, cid, c)
		case cid != nil && got != int(sipfast.ShardHash(cid)%n):
			t.Errorf("%q: Call-ID %q arrived on socket %d, want %d", msg, cid, got, sipfast.ShardHash(cid)%n)
		}
		if cid != nil {
			placed++
		}
		prev = c
	}
	if placed < 100 {
		t.Errorf("only %d of 1000 random messages have a Call-ID: the generator tests too little", placed)
	}
	t.Logf("%d of 1000 random messages placed by Call-ID", placed)
}
