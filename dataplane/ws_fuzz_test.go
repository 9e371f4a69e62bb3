package dataplane

import (
	"net"
	"net/netip"
	"testing"
)

// discardConn is a net.Conn whose writes vanish (pongs, close frames).
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error) { return len(b), nil }
func (discardConn) Close() error                { return nil }

// FuzzWSFrames feeds arbitrary bytes to the WebSocket receive path, as a
// server (masked frames expected) and as a client: it must never panic,
// never read past what it was given, and every message it queues must lie
// within the input.
func FuzzWSFrames(f *testing.F) {
	f.Add(wsAppendOp(nil, wsText, []byte(sipMsg(1)), true), true)
	f.Add(wsAppendOp(nil, wsBinary, []byte(sipMsg(2)), false), false)
	frag := wsAppendOp(nil, wsText, []byte("OPTIONS sip:x SIP/2.0\r\n"), true)
	frag[0] &^= 0x80 // not final
	frag = append(frag, wsAppendOp(nil, wsCont, []byte("Content-Length: 0\r\n\r\n"), true)...)
	f.Add(frag, true)
	f.Add(wsAppendOp(wsAppendOp(nil, wsPing, []byte("hi"), true), wsClose, nil, true), true)
	f.Add([]byte{0x81, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false)
	f.Fuzz(func(t *testing.T, data []byte, server bool) {
		e := &streamEndpoint{cfg: StreamConfig{MaxMessage: 4096}}
		e.rxQueue.init()
		c := &conn{nc: discardConn{}, client: !server, ws: true, remote: netip.MustParseAddrPort("127.0.0.1:1")}
		buf := append([]byte(nil), data...)
		var ws wsReader
		r, _ := e.frameWS(c, &ws, buf, 0)
		if r < 0 || r > len(buf) {
			t.Fatalf("consumed %d of %d bytes", r, len(buf))
		}
		for _, m := range e.pendMsg {
			if m.n <= 0 || m.off+m.n > len(e.pend) || m.n > 4096 {
				t.Fatalf("queued message [%d:+%d] of %d bytes", m.off, m.n, len(e.pend))
			}
		}
	})
}
