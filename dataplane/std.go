package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// stdEndpoint is the portable backend: one net.UDPConn, one datagram per
// system call. Writes go out at once, so Flush has nothing to do.
type stdEndpoint struct {
	conn     *net.UDPConn
	local    netip.AddrPort
	peer     netip.AddrPort // connected to (Config.Peer)
	buf      []byte
	deadline time.Time // read deadline currently set on conn
	woken    atomic.Bool
	closed   atomic.Bool
}

// aLongTimeAgo is a deadline in the past: setting it interrupts a
// blocked read.
var aLongTimeAgo = time.Unix(1, 0)

func openStd(cfg Config) (*stdEndpoint, error) {
	lc := net.ListenConfig{}
	if cfg.ReusePort {
		lc.Control = controlReusePort
	}
	network := "udp4"
	if cfg.Local.Addr().Is6() && !cfg.Local.Addr().Is4In6() {
		network = "udp6"
	}
	var conn *net.UDPConn
	var peer netip.AddrPort
	if cfg.Peer.IsValid() {
		peer = netip.AddrPortFrom(cfg.Peer.Addr().Unmap(), cfg.Peer.Port())
		d := net.Dialer{LocalAddr: net.UDPAddrFromAddrPort(cfg.Local), Control: lc.Control}
		c, err := d.DialContext(context.Background(), network, peer.String())
		if err != nil {
			return nil, fmt.Errorf("dataplane: connect %s to %s: %w", cfg.Local, cfg.Peer, err)
		}
		conn = c.(*net.UDPConn)
	} else {
		pc, err := lc.ListenPacket(context.Background(), network, cfg.Local.String())
		if err != nil {
			return nil, fmt.Errorf("dataplane: bind %s: %w", cfg.Local, err)
		}
		conn = pc.(*net.UDPConn)
	}
	if cfg.BufferSize > 0 {
		setBuffers(conn, cfg.BufferSize)
	}
	max := cfg.MaxDatagram
	if max <= 0 {
		max = 65535
	}
	ap := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	return &stdEndpoint{conn: conn, local: ap, peer: peer, buf: make([]byte, max)}, nil
}

func (e *stdEndpoint) Read(pkts []Packet, deadline time.Time) (int, error) {
	if len(pkts) == 0 {
		return 0, nil
	}
	if e.woken.Swap(false) {
		e.deadline = aLongTimeAgo // Wake moved the conn deadline; re-arm next time
		return 0, ErrTimeout
	}
	if !deadline.Equal(e.deadline) {
		if err := e.conn.SetReadDeadline(deadline); err != nil {
			return 0, e.wrap(err)
		}
		e.deadline = deadline
		// A Wake that raced with the SetReadDeadline above may have been
		// overwritten by it; its flag is still set, so honour it here.
		if e.woken.Swap(false) {
			e.deadline = aLongTimeAgo
			return 0, ErrTimeout
		}
	}
	n, from, err := e.conn.ReadFromUDPAddrPort(e.buf)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			e.woken.Store(false)
			e.deadline = time.Time{}.Add(-1) // unknown: force a reset next call
			return 0, ErrTimeout
		}
		return 0, e.wrap(err)
	}
	pkts[0] = Packet{Data: e.buf[:n], From: from}
	return 1, nil
}

func (e *stdEndpoint) Write(b []byte, dst netip.AddrPort) error {
	var err error
	if e.peer.IsValid() {
		if dst != e.peer {
			return fmt.Errorf("dataplane: %s: connected to %s, cannot send to %s", e.local, e.peer, dst)
		}
		_, err = e.conn.Write(b)
	} else {
		_, err = e.conn.WriteToUDPAddrPort(b, dst)
	}
	if err != nil {
		return e.wrap(err)
	}
	return nil
}

func (e *stdEndpoint) Flush() error { return nil }

func (e *stdEndpoint) Wake() {
	e.woken.Store(true)
	_ = e.conn.SetReadDeadline(aLongTimeAgo)
}

func (e *stdEndpoint) LocalAddr() netip.AddrPort { return e.local }

// SyscallConn gives the socket, for SteerByCallID.
func (e *stdEndpoint) SyscallConn() (syscall.RawConn, error) { return e.conn.SyscallConn() }

func (e *stdEndpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	return e.conn.Close()
}

func (e *stdEndpoint) wrap(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("dataplane: %s: %w", e.local, err)
}
