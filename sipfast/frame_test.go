package sipfast

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFrame(t *testing.T) {
	m := func(headers, body string) string {
		return "MESSAGE sip:x SIP/2.0\r\n" + headers + "\r\n" + body
	}
	withCL := m("Call-ID: a\r\nContent-Length: 5\r\n", "hello")
	tests := []struct {
		name         string
		buf          string
		max          int
		msgLen, skip int
		err, err2    error
	}{
		{name: "complete", buf: withCL, msgLen: len(withCL)},
		{name: "followed by more", buf: withCL + "INVITE sip:y SIP/2.0\r\n", msgLen: len(withCL)},
		{name: "two complete", buf: withCL + withCL, msgLen: len(withCL)},
		{name: "ping first", buf: "\r\n\r\n" + withCL, msgLen: len(withCL), skip: 4},
		{name: "pong first", buf: "\r\n" + withCL, msgLen: len(withCL), skip: 2},
		{name: "only ping", buf: "\r\n\r\n", skip: 4},
		{name: "only CR", buf: "\r", skip: 1},
		{name: "empty", buf: ""},
		{name: "start line cut", buf: "MESSAGE sip:x SI"},
		{name: "headers cut", buf: "MESSAGE sip:x SIP/2.0\r\nCall-ID: a\r\nContent-Length: 5\r\n"},
		{name: "headers cut in empty line", buf: "MESSAGE sip:x SIP/2.0\r\nContent-Length: 5\r\n\r"},
		{name: "body cut", buf: withCL[:len(withCL)-1]},
		{name: "body empty", buf: m("Content-Length: 0\r\n", ""), msgLen: len(m("Content-Length: 0\r\n", ""))},
		{name: "compact l", buf: m("l: 5\r\n", "hello"), msgLen: len(m("l: 5\r\n", "hello"))},
		{name: "odd case and spaces", buf: m("cOnTeNt-LeNgTh  :   5  \r\n", "hello"), msgLen: len(m("cOnTeNt-LeNgTh  :   5  \r\n", "hello"))},
		{name: "folded value", buf: m("Content-Length:\r\n  5\r\n", "hello"), msgLen: len(m("Content-Length:\r\n  5\r\n", "hello"))},
		{name: "bare LF", buf: "MESSAGE sip:x SIP/2.0\nl: 5\n\nhello", msgLen: len("MESSAGE sip:x SIP/2.0\nl: 5\n\nhello")},
		{name: "same value twice", buf: m("l: 5\r\nContent-Length: 05\r\n", "hello"), msgLen: len(m("l: 5\r\nContent-Length: 05\r\n", "hello"))},
		{name: "no headers", buf: "MESSAGE sip:x SIP/2.0\r\n\r\n", err: ErrContentLength},
		{name: "absent", buf: m("Call-ID: a\r\n", "hello"), err: ErrContentLength},
		{name: "lookalike name", buf: m("Content-Lengthy: 5\r\nX-Content-Length: 5\r\n", "hello"), err: ErrContentLength},
		{name: "negative", buf: m("Content-Length: -5\r\n", "hello"), err: ErrContentLength},
		{name: "garbage", buf: m("Content-Length: 5x\r\n", "hello"), err: ErrContentLength},
		{name: "empty value", buf: m("Content-Length:\r\n", "hello"), err: ErrContentLength},
		{name: "huge", buf: m("Content-Length: 99999999999999999999999\r\n", "hello"), err: ErrContentLength},
		{name: "conflict", buf: m("l: 5\r\nContent-Length: 6\r\n", "hello!"), err: ErrContentLength},
		{name: "body over max", buf: m("l: 500\r\n", ""), max: 100, err: ErrContentLength, err2: ErrTooLarge},
		{name: "headers over max", buf: "MESSAGE sip:x SIP/2.0\r\nX: " + strings.Repeat("a", 200), max: 100, err: ErrTooLarge},
		{name: "headers end beyond max", buf: m("X: "+strings.Repeat("a", 200)+"\r\nl: 0\r\n", ""), max: 100, err: ErrTooLarge},
		{name: "exactly max", buf: withCL, max: len(withCL), msgLen: len(withCL)},
		{name: "one over max", buf: withCL, max: len(withCL) - 1, err: ErrContentLength, err2: ErrTooLarge},
		{name: "default max", buf: m("l: 65536\r\n", ""), max: -1, err: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, skip, err := Frame([]byte(tc.buf), tc.max)
			if n != tc.msgLen || skip != tc.skip || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) ||
				tc.err2 != nil && !errors.Is(err, tc.err2) {
				t.Errorf("Frame = %d, %d, %v; want %d, %d, %v", n, skip, err, tc.msgLen, tc.skip, tc.err)
			}
			var f Framer
			f.Max = tc.max
			n2, skip2, err2 := f.Next([]byte(tc.buf))
			if n2 != n || skip2 != skip || err2 != err {
				t.Errorf("Framer.Next = %d, %d, %v; Frame = %d, %d, %v", n2, skip2, err2, n, skip, err)
			}
		})
	}
}

// TestFramerStream feeds a stream of messages and keep-alives in random
// chunks and checks that the framer finds every message, whole, in order.
func TestFramerStream(t *testing.T) {
	parts := [][]byte{
		[]byte("\r\n\r\n"), msgInvite, msgRinging, []byte("\r\n"), msgOK,
		[]byte("\r\n\r\n\r\n\r\n"), msgAck, msgBye, []byte("\r\n\r\n"), msgRegister,
	}
	var stream []byte
	var want [][]byte
	for _, p := range parts {
		stream = append(stream, p...)
		if p[0] != '\r' {
			want = append(want, p)
		}
	}
	const wantPings = 4
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var f Framer
		var buf, got [][]byte
		_ = buf
		pending := []byte{}
		pings := 0
		for off := 0; off < len(stream) || len(pending) > 0; {
			if off < len(stream) {
				chunk := 1 + rng.IntN(64)
				if round == 0 {
					chunk = 1 // byte by byte
				}
				end := min(off+chunk, len(stream))
				pending = append(pending, stream[off:end]...)
				off = end
			}
			for {
				n, skip, err := f.Next(pending)
				if err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				pending = pending[skip:]
				if n == 0 {
					break
				}
				got = append(got, append([]byte(nil), pending[:n]...))
				pending = pending[n:]
			}
			pings += f.Pings()
			if off >= len(stream) && len(pending) == 0 {
				break
			}
			if off >= len(stream) {
				t.Fatalf("round %d: %d bytes left unframed: %q", round, len(pending), pending)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d messages, want %d", round, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("round %d: message %d differs", round, i)
			}
			var m Message
			if err := m.Parse(got[i]); err != nil || m.Len() != len(got[i]) {
				t.Fatalf("round %d: message %d: %v", round, i, err)
			}
		}
		if pings != wantPings {
			t.Fatalf("round %d: %d pings, want %d", round, pings, wantPings)
		}
	}
}

func TestFramerReset(t *testing.T) {
	var f Framer
	f.Max = 1000
	if n, skip, err := f.Next([]byte("\r\n\r")); n != 0 || skip != 3 || err != nil {
		t.Fatal(n, skip, err)
	}
	f.Reset()
	if f.Max != 1000 || f.Pings() != 0 {
		t.Error("Reset lost Max or kept pings")
	}
	if n, skip, err := f.Next([]byte("\n\r\n")); n != 0 || skip != 3 || err != nil || f.Pings() != 0 {
		t.Error("a ping was counted across Reset")
	}
	// A resume offset beyond the buffer (caller misuse) is ignored.
	f.resume = 1 << 20
	if n, _, err := f.Next(msgBye); n != len(msgBye) || err != nil {
		t.Errorf("Next after bad resume = %d, %v", n, err)
	}
}
