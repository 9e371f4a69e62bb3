package dataplane

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsgEndpoint is the Linux batched backend: a UDP socket the endpoint
// opens itself (it is not registered with Go's netpoller), read with
// recvmmsg(2) and written with sendmmsg(2).
//
// A shard waits in ppoll(2) on two descriptors, the socket and an eventfd
// that Wake writes to, so a sleeping shard is woken directly by the kernel
// and Go's scheduler does no work per datagram:
//
//	Read:    recvmmsg (non-blocking) ── nothing? ── ppoll(socket, eventfd, deadline) ── recvmmsg
//	TryRead: recvmmsg (non-blocking)
//	Write:   queue into the send arena ── Flush: sendmmsg, ppoll(POLLOUT) while the socket is full
//
// Every buffer is preallocated at open:
//
//	receive: batch × (mmsghdr → iovec → datagram buffer, sockaddr, cmsg)
//	send:    batch × (mmsghdr → iovec → slice of the send arena, sockaddr)
type mmsgEndpoint struct {
	waiter
	fd    int
	local netip.AddrPort
	peer  netip.AddrPort // connected to (Config.Peer); Writes to it carry no address
	v6    bool

	rbuf   []byte // batch × rmax
	rmax   int
	rhdrs  []unix.Mmsghdr
	riovs  []unix.Iovec
	rnames []unix.RawSockaddrInet6
	rctl   []byte        // batch × rctlLen: SCM_TIMESTAMPNS and SO_RXQ_OVFL control messages
	drops  atomic.Uint64 // the kernel's drop count for this socket (SO_RXQ_OVFL)

	sarena   []byte // queued datagram bytes
	shdrs    []unix.Mmsghdr
	siovs    []unix.Iovec
	snames   []unix.RawSockaddrInet6
	sdsts    []netip.AddrPort // what snames[i] holds, to skip encoding it again
	snamelen []uint32         // and its length
	sctl     []byte           // batch × sctlLen: the UDP_SEGMENT control message of a segmented message
	sn       int              // queued messages
	gso      bool             // the kernel takes UDP_SEGMENT (Linux 4.18)

	closed    atomic.Bool
	closeOnce sync.Once
}

// rctlLen is the control buffer of one received datagram: room for an
// SCM_TIMESTAMPNS message carrying a struct timespec and an SO_RXQ_OVFL
// message carrying the socket's cumulative drop count (a uint32).
var rctlLen = unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{}))) + unix.CmsgSpace(4)

// sctlLen is the control buffer of one sent message: room for a
// UDP_SEGMENT control message carrying the segment size (a uint16).
var sctlLen = unix.CmsgSpace(2)

const (
	mmsgBatch     = 64
	sendArenaSize = 256 << 10
)

func openMmsg(cfg Config) (Endpoint, error) {
	a := cfg.Local.Addr()
	v6 := a.Is6() && !a.Is4In6()
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("dataplane: socket: %w", err)
	}
	fail := func(what string, err error) (Endpoint, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("dataplane: %s %s: %w", what, cfg.Local, err)
	}
	if cfg.ReusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("SO_REUSEPORT", err)
		}
	}
	if cfg.BufferSize > 0 {
		setBuffersFd(fd, cfg.BufferSize) // past rmem_max when allowed (buffers_linux.go)
	}
	// Kernel receive time stamps; without them Received stays 0. Drop
	// counts of the receive queue come with every datagram (SO_RXQ_OVFL).
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
	var sa unix.Sockaddr
	if v6 {
		sa = &unix.SockaddrInet6{Port: int(cfg.Local.Port()), Addr: a.As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: int(cfg.Local.Port()), Addr: a.Unmap().As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	var peer netip.AddrPort
	if cfg.Peer.IsValid() {
		peer = netip.AddrPortFrom(cfg.Peer.Addr().Unmap(), cfg.Peer.Port())
		var psa unix.Sockaddr
		if v6 {
			psa = &unix.SockaddrInet6{Port: int(peer.Port()), Addr: peer.Addr().As16()}
		} else {
			psa = &unix.SockaddrInet4{Port: int(peer.Port()), Addr: peer.Addr().As4()}
		}
		if err := unix.Connect(fd, psa); err != nil {
			return fail("connect to "+cfg.Peer.String()+" from", err)
		}
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	event, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fail("eventfd", err)
	}
	rmax := cfg.MaxDatagram
	if rmax <= 0 {
		rmax = 65535
	}
	// Datagrams above 8 KiB are rare in SIP over UDP (RFC 3261 §18.1.1
	// sends large messages over TCP); keep the batch compact and report
	// anything longer as truncated.
	rmax = min(rmax, 8192)
	e := &mmsgEndpoint{
		fd:       fd,
		waiter:   waiter{event: event},
		local:    sockaddrAddrPort(bound),
		peer:     peer,
		v6:       v6,
		rbuf:     make([]byte, mmsgBatch*rmax),
		rmax:     rmax,
		rhdrs:    make([]unix.Mmsghdr, mmsgBatch),
		riovs:    make([]unix.Iovec, mmsgBatch),
		rnames:   make([]unix.RawSockaddrInet6, mmsgBatch),
		rctl:     make([]byte, mmsgBatch*rctlLen),
		sarena:   make([]byte, 0, sendArenaSize),
		shdrs:    make([]unix.Mmsghdr, mmsgBatch),
		siovs:    make([]unix.Iovec, mmsgBatch),
		snames:   make([]unix.RawSockaddrInet6, mmsgBatch),
		sdsts:    make([]netip.AddrPort, mmsgBatch),
		snamelen: make([]uint32, mmsgBatch),
		sctl:     make([]byte, mmsgBatch*sctlLen),
		// Probe UDP generic segmentation: a socket option of 0 is the
		// default (no segmentation), so setting it changes nothing.
		gso: unix.SetsockoptInt(fd, unix.IPPROTO_UDP, unix.UDP_SEGMENT, 0) == nil,
	}
	for i := range e.shdrs {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&e.sctl[i*sctlLen]))
		h.Level, h.Type = unix.IPPROTO_UDP, unix.UDP_SEGMENT
		h.SetLen(unix.CmsgLen(2))
	}
	for i := range e.rhdrs {
		e.riovs[i].Base = &e.rbuf[i*rmax]
		e.riovs[i].SetLen(rmax)
		h := &e.rhdrs[i].Hdr
		h.Iov = &e.riovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&e.rnames[i]))
		h.Control = &e.rctl[i*rctlLen]
	}
	for i := range e.shdrs {
		h := &e.shdrs[i].Hdr
		h.Iov = &e.siovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&e.snames[i]))
	}
	e.pfds[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	e.pfds[1] = unix.PollFd{Fd: int32(event), Events: unix.POLLIN}
	return e, nil
}

func sockaddrAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// recv runs one non-blocking recvmmsg for up to len(pkts) datagrams.
func (e *mmsgEndpoint) recv(pkts []Packet) (int, error) {
	want := min(len(pkts), len(e.rhdrs))
	for i := 0; i < want; i++ {
		h := &e.rhdrs[i].Hdr
		h.Namelen = uint32(unsafe.Sizeof(e.rnames[0]))
		h.Flags = 0
		h.SetControllen(rctlLen)
	}
	for {
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(e.fd), uintptr(unsafe.Pointer(&e.rhdrs[0])),
			uintptr(want), unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			return e.collect(pkts, int(n)), nil
		case unix.EAGAIN:
			return 0, nil
		case unix.EINTR:
			continue
		case unix.EBADF:
			return 0, ErrClosed
		default:
			return 0, e.wrap(errno)
		}
	}
}

// collect turns the first n receive headers into Packets.
func (e *mmsgEndpoint) collect(pkts []Packet, n int) int {
	for i := 0; i < n; i++ {
		h := &e.rhdrs[i]
		size := int(h.Len)
		pkts[i] = Packet{
			Data:      e.rbuf[i*e.rmax : i*e.rmax+min(size, e.rmax)],
			From:      sockaddrToAddrPort(&e.rnames[i]),
			Truncated: h.Hdr.Flags&unix.MSG_TRUNC != 0,
			Received:  e.control(e.rctl[i*rctlLen:(i+1)*rctlLen], int(h.Hdr.Controllen)),
		}
	}
	return n
}

// TryRead implements Poller.
func (e *mmsgEndpoint) TryRead(pkts []Packet) (int, error) {
	if e.closed.Load() {
		return 0, ErrClosed
	}
	if len(pkts) == 0 {
		return 0, nil
	}
	return e.recv(pkts)
}

func (e *mmsgEndpoint) Read(pkts []Packet, deadline time.Time) (int, error) {
	if len(pkts) == 0 {
		return 0, nil
	}
	for {
		if e.closed.Load() {
			return 0, ErrClosed
		}
		if e.takeWake() {
			return 0, ErrTimeout
		}
		n, err := e.recv(pkts)
		if n > 0 || err != nil {
			return n, err
		}
		if err := e.wait(deadline); err == ErrTimeout {
			return 0, ErrTimeout
		} else if err != nil {
			return 0, e.wrap(err)
		}
	}
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
	if len(b) > cap(e.sarena) || len(b) == 0 {
		return fmt.Errorf("dataplane: %s: cannot send a datagram of %d bytes", e.local, len(b))
	}
	off := len(e.sarena)
	e.sarena = append(e.sarena, b...)
	e.queue(off, len(b), dst, 0)
	return nil
}

// queue adds the message of n arena octets at off to the send batch;
// seg > 0 makes it a segmented one.
func (e *mmsgEndpoint) queue(off, n int, dst netip.AddrPort, seg int) {
	i := e.sn
	e.siovs[i].Base = &e.sarena[off]
	e.siovs[i].SetLen(n)
	h := &e.shdrs[i].Hdr
	if e.peer.IsValid() && dst == e.peer {
		h.Namelen = 0 // connected: the kernel's cached route
	} else {
		if e.snamelen[i] == 0 || e.sdsts[i] != dst {
			// One peer fills every slot with the same address: encode it
			// only when the slot held another.
			e.sdsts[i] = dst
			e.snamelen[i] = addrPortToSockaddr(dst, &e.snames[i], e.v6)
		}
		h.Namelen = e.snamelen[i]
	}
	if seg > 0 {
		c := e.sctl[i*sctlLen:]
		*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = uint16(seg)
		h.Control = &c[0]
		h.SetControllen(sctlLen)
	} else {
		h.Control = nil
		h.SetControllen(0)
	}
	e.sn++
}

// SegmentLimits implements SegmentWriter. The size comes from the
// kernel's path MTU of the connected socket (IP_MTU, IPV6_MTU); an
// endpoint without Peer assumes Ethernet's 1500 octets.
func (e *mmsgEndpoint) SegmentLimits() (count, size int) {
	if !e.gso || e.closed.Load() {
		return 0, 0
	}
	mtu, hdr := 1500, 20+8
	if e.v6 {
		hdr = 40 + 8
	}
	if e.peer.IsValid() {
		var err error
		if e.v6 {
			mtu, err = unix.GetsockoptInt(e.fd, unix.IPPROTO_IPV6, unix.IPV6_MTU)
		} else {
			mtu, err = unix.GetsockoptInt(e.fd, unix.IPPROTO_IP, unix.IP_MTU)
		}
		if err != nil {
			return 0, 0
		}
	}
	return maxSegments, min(mtu, 65535) - hdr
}

// maxSegments is UDP_MAX_SEGMENTS of Linux 4.18 to 6.8 (later kernels
// take more); maxSegmentedLen keeps a segmented message within one IP
// packet's 16-bit length, as the kernel requires.
const (
	maxSegments     = 64
	maxSegmentedLen = 65535 - 40 - 8
)

// WriteSegments implements SegmentWriter with one UDP_SEGMENT message
// (RFC 768 datagrams cut by the kernel, Linux udp(7)).
func (e *mmsgEndpoint) WriteSegments(b []byte, size int, dst netip.AddrPort) error {
	if e.closed.Load() {
		return ErrClosed
	}
	if !e.gso {
		return fmt.Errorf("dataplane: %s: %w", e.local, ErrNoSegmentation)
	}
	if size <= 0 || len(b) == 0 || len(b) > maxSegmentedLen || (len(b)+size-1)/size > maxSegments {
		return fmt.Errorf("dataplane: %s: cannot send %d bytes as segments of %d", e.local, len(b), size)
	}
	if e.sn == len(e.shdrs) || len(e.sarena)+len(b) > cap(e.sarena) {
		if err := e.Flush(); err != nil {
			return err
		}
	}
	off := len(e.sarena)
	e.sarena = append(e.sarena, b...)
	seg := size
	if len(b) <= size {
		seg = 0 // one datagram: nothing to cut
	}
	e.queue(off, len(b), dst, seg)
	return nil
}

func (e *mmsgEndpoint) Flush() error {
	if e.sn == 0 {
		return nil
	}
	defer func() {
		e.sn = 0
		e.sarena = e.sarena[:0]
	}()
	if e.closed.Load() {
		return ErrClosed
	}
	var firstErr error
	for done := 0; done < e.sn; {
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(e.fd), uintptr(unsafe.Pointer(&e.shdrs[done])),
			uintptr(e.sn-done), unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			done += int(n) // a partial send continues with the rest
		case unix.EAGAIN:
			// Socket buffer full: wait until it drains.
			pfd := []unix.PollFd{{Fd: int32(e.fd), Events: unix.POLLOUT}}
			if _, err := unix.Poll(pfd, 1000); err != nil && err != unix.EINTR {
				return e.wrap(err)
			}
		case unix.EINTR:
		case unix.EBADF:
			return ErrClosed
		default:
			// The datagram at done failed (for instance ECONNREFUSED from an
			// earlier ICMP error); skip it and report the first such error.
			if firstErr == nil {
				firstErr = e.wrap(errno)
			}
			done++
		}
	}
	return firstErr
}

func (e *mmsgEndpoint) LocalAddr() netip.AddrPort { return e.local }

// SyscallConn gives the socket, for SteerByCallID. Only its Control
// works; reads and writes stay the endpoint's.
func (e *mmsgEndpoint) SyscallConn() (syscall.RawConn, error) { return mmsgRawConn{e}, nil }

// mmsgRawConn is the syscall.RawConn of an mmsg endpoint's socket.
type mmsgRawConn struct{ e *mmsgEndpoint }

// Control runs f with the socket's descriptor, unless the endpoint is
// closed (its descriptor number may be another file's by now).
func (c mmsgRawConn) Control(f func(fd uintptr)) error {
	if c.e.closed.Load() {
		return ErrClosed
	}
	f(uintptr(c.e.fd))
	return nil
}

func (c mmsgRawConn) Read(func(fd uintptr) bool) error  { return errors.ErrUnsupported }
func (c mmsgRawConn) Write(func(fd uintptr) bool) error { return errors.ErrUnsupported }

// Close releases the socket. Callers close an endpoint only after its
// shard stopped using it.
func (e *mmsgEndpoint) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.closed.Store(true)
		err = unix.Close(e.fd)
		if cerr := unix.Close(e.event); err == nil {
			err = cerr
		}
	})
	return err
}

func (e *mmsgEndpoint) wrap(err error) error {
	if errors.Is(err, unix.EBADF) {
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

// control walks a received datagram's control messages: it returns the
// SCM_TIMESTAMPNS time stamp as Unix nanoseconds (0 when absent) and
// records the SO_RXQ_OVFL drop count.
//
//	struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; }
//	followed (aligned) by the data: struct timespec, or a uint32 count
func (e *mmsgEndpoint) control(ctl []byte, n int) int64 {
	var ts int64
	n = min(n, len(ctl))
	for off := 0; off+unix.CmsgLen(0) <= n; {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&ctl[off]))
		l := int(h.Len)
		if l < unix.CmsgLen(0) || off+l > n {
			break
		}
		data := off + unix.CmsgLen(0)
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && l >= unix.CmsgLen(16):
			ts = (*unix.Timespec)(unsafe.Pointer(&ctl[data])).Nano()
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SO_RXQ_OVFL && l >= unix.CmsgLen(4):
			e.drops.Store(uint64(*(*uint32)(unsafe.Pointer(&ctl[data]))))
		}
		off += unix.CmsgSpace(l - unix.CmsgLen(0))
	}
	return ts
}

// Drops implements DropCounter.
func (e *mmsgEndpoint) Drops() uint64 { return e.drops.Load() }
