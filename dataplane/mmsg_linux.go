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
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgEndpoint is the Linux batched backend: one UDP socket read with
// recvmmsg(2) and written with sendmmsg(2), both through the socket's
// syscall.RawConn so that a shard with nothing to do sleeps in Go's
// netpoller instead of spinning.
//
// Every buffer is preallocated at open:
//
//	receive: batch × (mmsghdr → iovec → datagram buffer, sockaddr)
//	send:    batch × (mmsghdr → iovec → slice of the send arena, sockaddr)
//
// so neither direction allocates per datagram. Writes are queued and go out
// in one sendmmsg when the batch is full or at Flush.
type mmsgEndpoint struct {
	conn  *net.UDPConn
	raw   syscall.RawConn
	local netip.AddrPort
	v6    bool

	rbuf   []byte // batch × maxDatagram
	rmax   int
	rhdrs  []unix.Mmsghdr
	riovs  []unix.Iovec
	rnames []unix.RawSockaddrInet6
	rwant  int   // datagrams the current Read can take
	rn     int   // datagrams received by the last recvmmsg
	rerr   error // its error
	readFn func(fd uintptr) bool

	sarena  []byte // queued datagram bytes
	shdrs   []unix.Mmsghdr
	siovs   []unix.Iovec
	snames  []unix.RawSockaddrInet6
	sn      int // queued datagrams
	sdone   int // of those, sent so far
	serr    error
	writeFn func(fd uintptr) bool

	deadline time.Time
	woken    atomic.Bool
	closed   atomic.Bool
}

const (
	mmsgBatch     = 64
	sendArenaSize = 256 << 10
)

func openMmsg(cfg Config) (Endpoint, error) {
	lc := net.ListenConfig{}
	if cfg.ReusePort {
		lc.Control = controlReusePort
	}
	network := "udp4"
	v6 := cfg.Local.Addr().Is6() && !cfg.Local.Addr().Is4In6()
	if v6 {
		network = "udp6"
	}
	pc, err := lc.ListenPacket(context.Background(), network, cfg.Local.String())
	if err != nil {
		return nil, fmt.Errorf("dataplane: bind %s: %w", cfg.Local, err)
	}
	conn := pc.(*net.UDPConn)
	if cfg.BufferSize > 0 {
		_ = conn.SetReadBuffer(cfg.BufferSize)
		_ = conn.SetWriteBuffer(cfg.BufferSize)
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("dataplane: %s: %w", cfg.Local, err)
	}
	rmax := cfg.MaxDatagram
	if rmax <= 0 {
		rmax = 65535
	}
	// Datagrams above 8 KiB are rare in SIP over UDP (RFC 3261 §18.1.1
	// wants large messages on TCP); keep the batch compact and report
	// anything longer as truncated.
	rmax = min(rmax, 8192)
	e := &mmsgEndpoint{
		conn:   conn,
		raw:    raw,
		local:  conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		v6:     v6,
		rbuf:   make([]byte, mmsgBatch*rmax),
		rmax:   rmax,
		rhdrs:  make([]unix.Mmsghdr, mmsgBatch),
		riovs:  make([]unix.Iovec, mmsgBatch),
		rnames: make([]unix.RawSockaddrInet6, mmsgBatch),
		sarena: make([]byte, 0, sendArenaSize),
		shdrs:  make([]unix.Mmsghdr, mmsgBatch),
		siovs:  make([]unix.Iovec, mmsgBatch),
		snames: make([]unix.RawSockaddrInet6, mmsgBatch),
	}
	for i := range e.rhdrs {
		e.riovs[i].Base = &e.rbuf[i*rmax]
		e.riovs[i].SetLen(rmax)
		h := &e.rhdrs[i].Hdr
		h.Iov = &e.riovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&e.rnames[i]))
	}
	for i := range e.shdrs {
		h := &e.shdrs[i].Hdr
		h.Iov = &e.siovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&e.snames[i]))
	}
	e.readFn = e.recvmmsg
	e.writeFn = e.sendmmsg
	return e, nil
}

// recvmmsg runs inside RawConn.Read; false means "not ready, wait".
func (e *mmsgEndpoint) recvmmsg(fd uintptr) bool {
	for i := 0; i < e.rwant; i++ {
		e.rhdrs[i].Hdr.Namelen = uint32(unsafe.Sizeof(e.rnames[0]))
		e.rhdrs[i].Hdr.Flags = 0
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&e.rhdrs[0])),
		uintptr(e.rwant), unix.MSG_DONTWAIT, 0, 0)
	switch errno {
	case 0:
		e.rn, e.rerr = int(n), nil
		return true
	case unix.EAGAIN:
		return false
	case unix.EINTR:
		return false
	default:
		e.rn, e.rerr = 0, errno
		return true
	}
}

func (e *mmsgEndpoint) Read(pkts []Packet, deadline time.Time) (int, error) {
	if len(pkts) == 0 {
		return 0, nil
	}
	if e.woken.Swap(false) {
		e.deadline = aLongTimeAgo
		return 0, ErrTimeout
	}
	if !deadline.Equal(e.deadline) {
		if err := e.conn.SetReadDeadline(deadline); err != nil {
			return 0, e.wrap(err)
		}
		e.deadline = deadline
		if e.woken.Swap(false) {
			e.deadline = aLongTimeAgo
			return 0, ErrTimeout
		}
	}
	e.rn = 0
	e.rwant = min(len(pkts), len(e.rhdrs))
	if err := e.raw.Read(e.readFn); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			e.woken.Store(false)
			e.deadline = time.Time{}.Add(-1)
			return 0, ErrTimeout
		}
		return 0, e.wrap(err)
	}
	if e.rerr != nil {
		return 0, e.wrap(e.rerr)
	}
	n := e.rn
	for i := 0; i < n; i++ {
		h := &e.rhdrs[i]
		size := int(h.Len)
		pkts[i] = Packet{
			Data:      e.rbuf[i*e.rmax : i*e.rmax+min(size, e.rmax)],
			From:      sockaddrToAddrPort(&e.rnames[i]),
			Truncated: h.Hdr.Flags&unix.MSG_TRUNC != 0,
		}
	}
	return n, nil
}

func (e *mmsgEndpoint) Write(b []byte, dst netip.AddrPort) error {
	if e.closed.Load() {
		return ErrClosed
	}
	if e.sn == len(e.shdrs) || len(e.sarena)+len(b) > cap(e.sarena) {
		if err := e.Flush(); err != nil {
			return err
		}
	}
	if len(b) > cap(e.sarena) {
		return fmt.Errorf("dataplane: %s: datagram of %d bytes is too large", e.local, len(b))
	}
	off := len(e.sarena)
	e.sarena = append(e.sarena, b...)
	i := e.sn
	e.siovs[i].Base = &e.sarena[off]
	e.siovs[i].SetLen(len(b))
	e.shdrs[i].Hdr.Namelen = addrPortToSockaddr(dst, &e.snames[i], e.v6)
	e.sn++
	return nil
}

// sendmmsg runs inside RawConn.Write; false means "socket full, wait".
func (e *mmsgEndpoint) sendmmsg(fd uintptr) bool {
	for e.sdone < e.sn {
		n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&e.shdrs[e.sdone])),
			uintptr(e.sn-e.sdone), unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			e.sdone += int(n) // a partial send continues with the rest
		case unix.EAGAIN:
			return false
		case unix.EINTR:
		default:
			// The datagram at sdone failed (for instance ECONNREFUSED from
			// an earlier ICMP error); skip it and report.
			e.serr = errno
			e.sdone++
		}
	}
	return true
}

func (e *mmsgEndpoint) Flush() error {
	if e.sn == 0 {
		return nil
	}
	e.sdone, e.serr = 0, nil
	err := e.raw.Write(e.writeFn)
	e.sn, e.sdone = 0, 0
	e.sarena = e.sarena[:0]
	if err != nil {
		return e.wrap(err)
	}
	if e.serr != nil {
		return e.wrap(e.serr)
	}
	return nil
}

func (e *mmsgEndpoint) Wake() {
	e.woken.Store(true)
	_ = e.conn.SetReadDeadline(aLongTimeAgo)
}

func (e *mmsgEndpoint) LocalAddr() netip.AddrPort { return e.local }

func (e *mmsgEndpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	return e.conn.Close()
}

func (e *mmsgEndpoint) wrap(err error) error {
	if errors.Is(err, net.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("dataplane: %s: %w", e.local, err)
}

// sockaddrToAddrPort decodes a sockaddr_in or sockaddr_in6 that the
// kernel wrote into a RawSockaddrInet6-sized buffer.
func sockaddrToAddrPort(sa *unix.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := uint16(sa4.Port>>8) | uint16(sa4.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port)
	case unix.AF_INET6:
		port := uint16(sa.Port>>8) | uint16(sa.Port<<8)
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}

// addrPortToSockaddr encodes ap for a socket of family v6 (IPv4 addresses
// become v4-mapped there) and returns the sockaddr length.
func addrPortToSockaddr(ap netip.AddrPort, sa *unix.RawSockaddrInet6, v6 bool) uint32 {
	port := ap.Port()
	nport := port>>8 | port<<8
	if !v6 {
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: nport, Addr: ap.Addr().Unmap().As4()}
		return unix.SizeofSockaddrInet4
	}
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: nport, Addr: ap.Addr().As16()}
	return unix.SizeofSockaddrInet6
}
