package dataplane

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"strings"
)

// SIP over WebSocket (RFC 7118): the opening handshake is an HTTP/1.1
// Upgrade with the subprotocol "sip" (RFC 6455 §4, RFC 7118 §4); then each
// SIP message travels in one WebSocket message, text or binary (RFC 7118
// §5), so no Content-Length framing is needed. Frames (RFC 6455 §5.2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//	|N|V|V|V|       |S|             |   (if payload len==126/127)   |
//	| |1|2|3|       |K|             |                               |
//	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//	|  Masking-key (client to server only), 4 bytes, then payload   |
//	+---------------------------------------------------------------+
//
// A client masks every frame it sends (RFC 6455 §5.3); a server never
// does. Ping gets a pong with the same payload, close gets a close.

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455 §1.3

// WebSocket opcodes (RFC 6455 §5.2).
const (
	wsCont   = 0x0
	wsText   = 0x1
	wsBinary = 0x2
	wsClose  = 0x8
	wsPing   = 0x9
	wsPong   = 0xA
)

// ErrWebSocket reports a WebSocket handshake or framing violation.
var ErrWebSocket = errors.New("dataplane: websocket")

func wsAcceptKey(key string) string {
	h := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(h[:])
}

// readHTTPHead reads up to the empty line that ends an HTTP head and
// returns the head and the bytes read after it.
func readHTTPHead(r io.Reader) (head string, rest []byte, err error) {
	buf := make([]byte, 0, 1024)
	tmp := make([]byte, 1024)
	for {
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			return string(buf[:i+2]), append([]byte(nil), buf[i+4:]...), nil
		}
		if len(buf) > 16<<10 {
			return "", nil, fmt.Errorf("%w: handshake header too long", ErrWebSocket)
		}
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil && n == 0 {
			return "", nil, err
		}
	}
}

// httpHeader returns the value of header name in head (case-insensitive).
func httpHeader(head, name string) string {
	for _, line := range strings.Split(head, "\r\n")[1:] {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// wsDial runs the client side of the opening handshake on c.
func wsDial(c net.Conn, dst netip.AddrPort, path string) ([]byte, error) {
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + dst.String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return nil, err
	}
	head, rest, err := readHTTPHead(c)
	if err != nil {
		return nil, err
	}
	status, _, _ := strings.Cut(head, "\r\n")
	if f := strings.Fields(status); len(f) < 2 || f[1] != "101" {
		return nil, fmt.Errorf("%w: server answered %q", ErrWebSocket, status)
	}
	if got := httpHeader(head, "Sec-WebSocket-Accept"); got != wsAcceptKey(key) {
		return nil, fmt.Errorf("%w: wrong Sec-WebSocket-Accept %q", ErrWebSocket, got)
	}
	if p := httpHeader(head, "Sec-WebSocket-Protocol"); !strings.EqualFold(p, "sip") {
		return nil, fmt.Errorf("%w: server chose subprotocol %q, not sip (RFC 7118 §4)", ErrWebSocket, p)
	}
	return rest, nil
}

// wsAccept runs the server side of the opening handshake on c.
func wsAccept(c net.Conn) ([]byte, error) {
	head, rest, err := readHTTPHead(c)
	if err != nil {
		return nil, err
	}
	key := httpHeader(head, "Sec-WebSocket-Key")
	if !strings.HasPrefix(head, "GET ") || key == "" || !hasToken(httpHeader(head, "Upgrade"), "websocket") {
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		return nil, fmt.Errorf("%w: not a WebSocket upgrade", ErrWebSocket)
	}
	if !hasToken(httpHeader(head, "Sec-WebSocket-Protocol"), "sip") {
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		return nil, fmt.Errorf("%w: client did not offer subprotocol sip (RFC 7118 §4)", ErrWebSocket)
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + wsAcceptKey(key) + "\r\nSec-WebSocket-Protocol: sip\r\n\r\n"
	if _, err := io.WriteString(c, resp); err != nil {
		return nil, err
	}
	return rest, nil
}

// wsAppendFrame appends payload to dst as one final text frame, masked
// when mask is set (a client's frames).
func wsAppendFrame(dst, payload []byte, mask bool) []byte {
	return wsAppendOp(dst, wsText, payload, mask)
}

func wsAppendOp(dst []byte, op byte, payload []byte, mask bool) []byte {
	dst = append(dst, 0x80|op)
	var m byte
	if mask {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		dst = append(dst, m|byte(n))
	case n <= 0xffff:
		dst = append(dst, m|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, m|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if !mask {
		return append(dst, payload...)
	}
	key := mrand.Uint32()
	dst = binary.BigEndian.AppendUint32(dst, key)
	start := len(dst)
	dst = append(dst, payload...)
	wsMask(dst[start:], key)
	return dst
}

// wsMask XORs b with the masking key (RFC 6455 §5.3), in place.
func wsMask(b []byte, key uint32) {
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], key)
	for i := range b {
		b[i] ^= k[i&3]
	}
}

// wsReader is a connection's WebSocket receive state: the fragments of a
// message not complete yet.
type wsReader struct {
	frag    []byte
	inFrag  bool
	control []byte
}

// wsMaxMessage bounds a WebSocket message.
const wsMaxFrame = 1 << 20

// frameWS queues the complete WebSocket messages of buf[r:], answers
// control frames, and returns the new r.
func (e *streamEndpoint) frameWS(c *conn, ws *wsReader, buf []byte, r int) (int, error) {
	locked := false
	defer func() {
		if locked {
			e.mu.Unlock()
			e.signal()
		}
	}()
	for {
		b := buf[r:]
		if len(b) < 2 {
			return r, nil
		}
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		if b[0]&0x70 != 0 {
			return r, fmt.Errorf("%w: reserved bits set without an extension", ErrWebSocket)
		}
		masked := b[1]&0x80 != 0
		n := int(b[1] & 0x7f)
		h := 2
		switch n {
		case 126:
			if len(b) < 4 {
				return r, nil
			}
			n, h = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			if len(b) < 10 {
				return r, nil
			}
			v := binary.BigEndian.Uint64(b[2:])
			if v > wsMaxFrame {
				return r, fmt.Errorf("%w: frame of %d bytes", ErrWebSocket, v)
			}
			n, h = int(v), 10
		}
		if n > wsMaxFrame || n > e.cfg.MaxMessage {
			return r, fmt.Errorf("%w: frame of %d bytes", ErrWebSocket, n)
		}
		var key uint32
		if masked {
			if len(b) < h+4 {
				return r, nil
			}
			key = binary.BigEndian.Uint32(b[h:])
			h += 4
		}
		if len(b) < h+n {
			return r, nil
		}
		payload := b[h : h+n]
		if masked {
			wsMask(payload, key)
		}
		r += h + n
		switch op {
		case wsPing:
			ws.control = wsAppendOp(ws.control[:0], wsPong, payload, c.client)
			_ = e.writeRaw(c, ws.control)
			continue
		case wsPong:
			continue
		case wsClose:
			ws.control = wsAppendOp(ws.control[:0], wsClose, nil, c.client)
			_ = e.writeRaw(c, ws.control)
			return r, io.EOF
		case wsText, wsBinary:
			if ws.inFrag {
				return r, fmt.Errorf("%w: new message inside a fragmented one", ErrWebSocket)
			}
			if !fin {
				ws.frag = append(ws.frag[:0], payload...)
				ws.inFrag = true
				continue
			}
		case wsCont:
			if !ws.inFrag {
				return r, fmt.Errorf("%w: continuation without a message", ErrWebSocket)
			}
			ws.frag = append(ws.frag, payload...)
			if len(ws.frag) > e.cfg.MaxMessage {
				return r, fmt.Errorf("%w: message longer than %d bytes", ErrWebSocket, e.cfg.MaxMessage)
			}
			if !fin {
				continue
			}
			payload = ws.frag
			ws.inFrag = false
		default:
			return r, fmt.Errorf("%w: unknown opcode %#x", ErrWebSocket, op)
		}
		if len(payload) == 0 {
			continue
		}
		if !locked {
			e.lockSpace()
			locked = true
		}
		e.queueLocked(payload, c.remote, netip.AddrPort{}, c.id)
	}
}

// writeRaw writes already framed bytes on c at once.
func (e *streamEndpoint) writeRaw(c *conn, b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(c.wbuf, b...)
	return c.flushLocked()
}
