package dataplane

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gossip-sip/gossip/bpf"
	"golang.org/x/sys/unix"
)

// xdpEndpoint is the AF_XDP backend: one AF_XDP socket on one receive
// queue, its UMEM and four rings, and a handle on the steering program
// that redirects gossip's datagrams into it. It builds and parses
// Ethernet/IPv4/UDP frames itself (frame.go); the kernel's IP and UDP
// layers never see them.
//
//	Read:    recycle last batch's frames to the fill ring ── rx ring ── parse
//	         nothing? ── ppoll(socket, eventfd, deadline) ── rx ring
//	Write:   frame from the tx pool ── build headers + copy payload ── tx slot
//	Flush:   publish tx slots ── sendto(MSG_DONTWAIT) ── completions to the pool
//
// xskRings (xdp_ring.go) keeps the frames' accounting; nothing is
// allocated after open.
type xdpEndpoint struct {
	waiter
	fd      int
	reserve int // kernel UDP socket holding the port (and resolving ARP)
	local   netip.AddrPort
	iface   string
	queue   int
	zc      bool // zero-copy bind

	umem     []byte
	rxFrames uint32    // entries of the fill and rx rings, and receive frames
	rings    [4][]byte // mappings of the rx, tx, fill and completion rings
	xskRings

	srcMAC     mac
	srcRange   netip.Prefix // -xdp_src_range, for the ARP requests the socket answers
	maxPayload int
	ipID       uint16
	hop        nextHop

	steer *bpf.Steering
	ports []uint16 // ports this endpoint added to the program's map

	statFD    int           // fd for Drops, fixed at open
	drops     atomic.Uint64 // the kernel's drop count when Drops last looked
	closed    atomic.Bool
	closeOnce sync.Once
}

const (
	xdpRingSize = 2048          // entries of the tx and completion rings, least of the others
	xdpMaxRx    = 32768         // most entries of the fill and rx rings
	xdpBatch    = ReadBatchSize // frames per receive, sends per kick
	xdpMaxKicks = 64            // sendto calls per Flush before the rest waits for the next one
	xdpTxWait   = 50 * time.Millisecond
)

func openXDP(cfg Config) (Endpoint, error) {
	x := cfg.XDP
	if x.Iface == "" {
		return nil, xdpError("no interface given; name one with -xdp_iface IFNAME")
	}
	ifi, err := net.InterfaceByName(x.Iface)
	if err != nil {
		return nil, xdpError("interface %s not found (ip link shows the interfaces of this network namespace)", x.Iface)
	}
	if a := cfg.Local.Addr(); a.Is6() && !a.Is4In6() && !a.IsUnspecified() {
		return nil, xdpError("IPv6 is not supported yet (local address %s); use -dataplane mmsg", a)
	}
	mode := bpf.ModeNative
	switch x.Mode {
	case "", XDPModeNative:
	case XDPModeGeneric:
		mode = bpf.ModeGeneric
	default:
		return nil, xdpError("unknown mode %q (native or generic)", x.Mode)
	}
	switch x.Copy {
	case "", XDPCopyAuto, XDPCopy, XDPZeroCopy:
	default:
		return nil, xdpError("unknown copy mode %q (auto, copy or zerocopy)", x.Copy)
	}
	la, err := queryLink(ifi.Index)
	if err != nil {
		return nil, xdpError("%s: %v", x.Iface, err)
	}
	la.rxQueues = rxQueues(x.Iface, la.rxQueues)
	if x.Queue < 0 || x.Queue >= la.rxQueues {
		return nil, xdpError("queue %d does not exist on %s, which has %d receive queue(s); use -xdp_queues %d",
			x.Queue, x.Iface, la.rxQueues, la.rxQueues)
	}
	if x.Queues > 0 && x.Queues < la.rxQueues {
		return nil, xdpError("%s has %d receive queues but -xdp_queues is %d: datagrams hashed onto the other queues would miss gossip; "+
			"use -xdp_queues %d, or lower the queues with `ethtool -L %s combined %d`",
			x.Iface, la.rxQueues, x.Queues, la.rxQueues, x.Iface, x.Queues)
	}
	if x.SrcRange.IsValid() && !x.SrcRange.Addr().Is4() {
		return nil, xdpError("source range %s: only IPv4 ranges are supported", x.SrcRange)
	}

	e := &xdpEndpoint{waiter: waiter{event: -1}, fd: -1, reserve: -1, statFD: -1, iface: x.Iface, queue: x.Queue,
		rxFrames: xdpRxFrames(cfg.BufferSize)}
	fail := func(err error) (Endpoint, error) {
		e.teardown()
		return nil, err
	}

	// Addresses: ours and the interface's.
	src := x.SrcIP
	if !src.IsValid() {
		if a := cfg.Local.Addr().Unmap(); a.IsValid() && !a.IsUnspecified() {
			src = a
		} else if p, ok := firstIPv4(ifi); ok {
			src = p.Addr()
		} else {
			return fail(xdpError("interface %s has no IPv4 address; add one (ip addr add ... dev %s) or give -i", x.Iface, x.Iface))
		}
	}
	src = src.Unmap()
	if len(x.SrcMAC) == 6 {
		copy(e.srcMAC[:], x.SrcMAC)
	} else if len(ifi.HardwareAddr) == 6 {
		copy(e.srcMAC[:], ifi.HardwareAddr)
	} else {
		return fail(xdpError("interface %s has no Ethernet address; AF_XDP needs an Ethernet interface", x.Iface))
	}
	if ifi.MTU < 68 { // RFC 791: every IPv4 link carries 68 bytes
		return fail(xdpError("interface %s has an MTU of %d", x.Iface, ifi.MTU))
	}

	// The port: a kernel socket holds it, so nothing else on the host
	// takes it, and a port already taken fails as a bind error.
	port, err := e.reservePort(netip.AddrPortFrom(src, cfg.Local.Port()), cfg.ReusePort)
	if err != nil {
		return fail(fmt.Errorf("dataplane: bind %s: %w", netip.AddrPortFrom(src, cfg.Local.Port()), err))
	}
	e.local = netip.AddrPortFrom(src, port)

	// The socket first: it tells whether AF_XDP exists and we may use it.
	if err := e.openSocket(ifi, x, la); err != nil {
		return fail(err)
	}

	// The steering program: attach it, or join the one another endpoint
	// of this run attached.
	if e.steer, err = attachSteering(ifi, mode, la.xdpProgID); err != nil {
		return fail(err)
	}
	e.srcRange = x.SrcRange.Masked()
	arp := bpf.ARPPass
	if e.srcRange.IsValid() {
		arp = arpMode(ifi.Name, mode)
	}
	if err := e.steer.Configure(bpf.Settings{LocalIP: src, Range: e.srcRange, MAC: e.srcMAC[:], ARP: arp}); err != nil {
		return fail(xdpError("%s: %v", x.Iface, err))
	}
	for _, p := range append([]uint16{port}, x.Ports...) {
		if err := e.steer.AddPort(p); err != nil {
			return fail(xdpError("%s: %v", x.Iface, err))
		}
		e.ports = append(e.ports, p)
	}
	if err := e.steer.SetSocket(x.Queue, e.fd); err != nil {
		return fail(xdpError("%s queue %d: %v", x.Iface, x.Queue, err))
	}

	// Next hops.
	e.hop = nextHop{iface: x.Iface, probe: e.reserve}
	if len(x.NextHopMAC) == 6 {
		e.hop.fixed = true
		copy(e.hop.fixedMAC[:], x.NextHopMAC)
	} else {
		if e.hop.routes, err = openProcTable("route"); err != nil {
			return fail(xdpError("reading routes: %v", err))
		}
		if e.hop.arp, err = openProcTable("arp"); err != nil {
			return fail(xdpError("reading the neighbour table: %v", err))
		}
		if x.Peer.IsValid() {
			if _, err := e.hop.mac(x.Peer); err != nil {
				return fail(err)
			}
		}
	}

	if e.event, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err != nil {
		return fail(fmt.Errorf("dataplane: eventfd: %w", err))
	}
	e.statFD = e.fd
	e.pfds[0] = unix.PollFd{Fd: int32(e.fd), Events: unix.POLLIN}
	e.pfds[1] = unix.PollFd{Fd: int32(e.event), Events: unix.POLLIN}
	e.maxPayload = min(ifi.MTU-ipv4HeaderLen-udpHeaderLen, int(e.frameSize)-udpFrameOverhead)
	return e, nil
}

// xdpRxFrames sizes the receive side from -buff_size, as SO_RCVBUF sizes
// a socket's: a frame per KiB, a power of two from xdpRingSize to
// xdpMaxRx. The rx ring absorbs what arrives while the shard is not
// reading (a GC pause, a busy CPU); what does not fit is dropped (Drops).
func xdpRxFrames(bufferSize int) uint32 {
	n := uint32(xdpRingSize)
	for n < xdpMaxRx && int(n)<<10 < bufferSize {
		n <<= 1
	}
	return n
}

// attachSteering attaches gossip's XDP program to ifi, or joins the copy
// attached there already (progID, from the interface).
func attachSteering(ifi *net.Interface, mode bpf.Mode, progID uint32) (*bpf.Steering, error) {
	if progID != 0 {
		s, err := bpf.Join(ifi.Index, progID)
		if errors.Is(err, bpf.ErrForeign) {
			return nil, xdpError("%s already runs another XDP program (%v); remove it with `ip link set dev %s xdp off` or use another interface",
				ifi.Name, err, ifi.Name)
		}
		if err != nil {
			return nil, permissionOr(err, "%s: joining the steering program: %v", ifi.Name, err)
		}
		return s, nil
	}
	s, err := bpf.Load()
	if err != nil {
		return nil, permissionOr(err, "loading the steering program: %v (the kernel needs CONFIG_BPF_SYSCALL and XDP)", err)
	}
	if err := s.Attach(ifi.Index, mode); err != nil {
		s.Close()
		if mode == bpf.ModeNative {
			return nil, permissionOr(err, "attaching in native mode failed on %s: %v; try -xdp_mode generic", ifi.Name, err)
		}
		return nil, permissionOr(err, "attaching in generic mode failed on %s: %v", ifi.Name, err)
	}
	return s, nil
}

// permissionOr turns a permission error into the message that says what
// to do about it, and anything else into an ErrXDP error.
func permissionOr(err error, format string, args ...any) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, os.ErrPermission) {
		return xdpError("needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF (run as root): %v", err)
	}
	return xdpError(format, args...)
}

// reservePort binds a kernel UDP socket to ap and returns its port.
func (e *xdpEndpoint) reservePort(ap netip.AddrPort, reuse bool) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return 0, err
	}
	e.reserve = fd
	if reuse {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return 0, err
		}
	}
	// The receive buffer stays minimal: only what the program passes to
	// the kernel (fragments) lands here, and nobody reads it.
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 1)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return 0, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	sa4, ok := sa.(*unix.SockaddrInet4)
	if !ok {
		return 0, fmt.Errorf("getsockname returned %T", sa)
	}
	return uint16(sa4.Port), nil
}

// openSocket creates the AF_XDP socket with its UMEM and rings and binds
// it to the queue: zero-copy first unless copy mode is forced, then copy
// mode unless zero-copy is.
func (e *xdpEndpoint) openSocket(ifi *net.Interface, x XDPConfig, la linkAttrs) error {
	// Frames: the kernel puts a received frame XDP_PACKET_HEADROOM bytes
	// into its chunk, so a chunk holds headroom + Ethernet header + MTU.
	e.frameSize = 2048
	if xdpHeadroom+ethHeaderLen+ifi.MTU > 2048 {
		e.frameSize = 4096
	}
	var err error
	size := (int(e.rxFrames) + xdpRingSize) * int(e.frameSize)
	e.umem, err = unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		return xdpError("mapping %d MiB of UMEM: %v", size>>20, err)
	}
	tries := []struct {
		flags uint16
		zc    bool
	}{{unix.XDP_ZEROCOPY, true}, {unix.XDP_COPY, false}}
	switch x.Copy {
	case XDPCopy:
		tries = tries[1:]
	case XDPZeroCopy:
		tries = tries[:1]
	}
	var bindErr error
	for _, t := range tries {
		// A socket closed a moment ago (a failed attempt, a gossip that
		// just exited) gives its queue up in deferred kernel work: EBUSY
		// for a few milliseconds.
		deadline := time.Now().Add(time.Second)
		for {
			err := e.setupSocket(ifi, x.Queue, t.flags)
			if err == nil {
				e.zc = t.zc
				return nil
			}
			var be *bindError
			if !errors.As(err, &be) {
				return err
			}
			bindErr = be.err
			e.closeSocket()
			if !errors.Is(bindErr, unix.EBUSY) || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if x.Copy == XDPZeroCopy {
		return xdpError("zero-copy bind failed on %s queue %d: %v; the driver does not offer AF_XDP zero-copy (leave the copy mode on auto)",
			ifi.Name, x.Queue, bindErr)
	}
	if errors.Is(bindErr, unix.EBUSY) {
		return xdpError("binding to %s queue %d failed: %v; another AF_XDP socket (another gossip?) holds the queue", ifi.Name, x.Queue, bindErr)
	}
	return xdpError("binding to %s queue %d failed: %v", ifi.Name, x.Queue, bindErr)
}

// bindError is a failed bind(2), which openSocket retries in copy mode.
type bindError struct{ err error }

func (e *bindError) Error() string { return "bind: " + e.err.Error() }
func (e *bindError) Unwrap() error { return e.err }

// setupSocket creates the socket, registers the UMEM, sizes and maps the
// rings, binds with flags and stocks the fill ring.
func (e *xdpEndpoint) setupSocket(ifi *net.Interface, queue int, flags uint16) error {
	fd, err := unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.EAFNOSUPPORT):
		return xdpError("the kernel has no AF_XDP sockets (it needs CONFIG_XDP_SOCKETS=y, Linux 5.4 or later)")
	case errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
		return xdpError("needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF (run as root): %v", err)
	case err != nil:
		return xdpError("AF_XDP socket: %v", err)
	}
	e.fd = fd
	reg := unix.XDPUmemReg{
		Addr: uint64(uintptr(unsafe.Pointer(&e.umem[0]))),
		Len:  uint64(len(e.umem)),
		Size: uint32(e.frameSize),
	}
	if err := setsockopt(fd, unix.SOL_XDP, unix.XDP_UMEM_REG, unsafe.Pointer(&reg), unsafe.Sizeof(reg)); err != nil {
		return xdpError("registering the UMEM: %v", err)
	}
	for _, r := range []struct {
		opt  int
		size uint32
	}{
		{unix.XDP_UMEM_FILL_RING, e.rxFrames}, {unix.XDP_UMEM_COMPLETION_RING, xdpRingSize},
		{unix.XDP_RX_RING, e.rxFrames}, {unix.XDP_TX_RING, xdpRingSize},
	} {
		if err := setsockopt(fd, unix.SOL_XDP, r.opt, unsafe.Pointer(&r.size), 4); err != nil {
			return xdpError("sizing ring %d to %d entries: %v", r.opt, r.size, err)
		}
	}
	off, err := xdpMmapOffsets(fd)
	if err != nil {
		return xdpError("ring offsets: %v", err)
	}
	descSize := uint64(unsafe.Sizeof(xdpDesc{}))
	maps := []struct {
		pgoff int64
		off   unix.XDPRingOffset
		entry uint64
		size  uint32
	}{
		{unix.XDP_PGOFF_RX_RING, off.Rx, descSize, e.rxFrames},
		{unix.XDP_PGOFF_TX_RING, off.Tx, descSize, xdpRingSize},
		{unix.XDP_UMEM_PGOFF_FILL_RING, off.Fr, 8, e.rxFrames},
		{unix.XDP_UMEM_PGOFF_COMPLETION_RING, off.Cr, 8, xdpRingSize},
	}
	var rs [4]ring
	for i, m := range maps {
		b, err := unix.Mmap(fd, m.pgoff, int(m.off.Desc+uint64(m.size)*m.entry), unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_SHARED|unix.MAP_POPULATE)
		if err != nil {
			return xdpError("mapping ring %d: %v", i, err)
		}
		e.rings[i] = b
		rs[i] = newRing(u32At(b, m.off.Producer), u32At(b, m.off.Consumer), u32At(b, m.off.Flags), m.size)
	}
	e.rx = descRing{ring: rs[0], descs: unsafe.Slice((*xdpDesc)(unsafe.Pointer(&e.rings[0][off.Rx.Desc])), e.rxFrames)}
	e.tx = descRing{ring: rs[1], descs: unsafe.Slice((*xdpDesc)(unsafe.Pointer(&e.rings[1][off.Tx.Desc])), xdpRingSize)}
	e.fill = addrRing{ring: rs[2], addrs: unsafe.Slice((*uint64)(unsafe.Pointer(&e.rings[2][off.Fr.Desc])), e.rxFrames)}
	e.comp = addrRing{ring: rs[3], addrs: unsafe.Slice((*uint64)(unsafe.Pointer(&e.rings[3][off.Cr.Desc])), xdpRingSize)}

	// Copy mode sends at most a budget of frames per sendto (32 by
	// default); a larger one saves system calls where the kernel lets us
	// set it (Linux 6.17, XDP_MAX_TX_SKB_BUDGET).
	budget := uint32(xdpBatch * 4)
	_ = setsockopt(fd, unix.SOL_XDP, unix.XDP_MAX_TX_SKB_BUDGET, unsafe.Pointer(&budget), 4)

	sa := &unix.SockaddrXDP{Flags: flags | unix.XDP_USE_NEED_WAKEUP, Ifindex: uint32(ifi.Index), QueueID: uint32(queue)}
	if err := unix.Bind(fd, sa); err != nil {
		return &bindError{err}
	}

	// Receive frames into the fill ring, send frames into the pool.
	if !e.init(e.frameSize, xdpBatch) || e.frames()*int(e.frameSize) != len(e.umem) {
		return xdpError("fill ring not empty after bind")
	}
	return nil
}

func u32At(b []byte, off uint64) *atomic.Uint32 {
	return (*atomic.Uint32)(unsafe.Pointer(&b[off]))
}

// closeSocket closes the AF_XDP socket and unmaps its rings (not the UMEM).
func (e *xdpEndpoint) closeSocket() {
	if e.fd >= 0 {
		unix.Close(e.fd)
		e.fd = -1
	}
	for i, b := range e.rings {
		if b != nil {
			_ = unix.Munmap(b)
			e.rings[i] = nil
		}
	}
	e.xskRings = xskRings{frameSize: e.frameSize}
}

// teardown releases everything open holds, in the order that keeps the
// kernel from touching freed memory: the socket leaves the program's map
// (and its ports leave the ports map), the socket closes and its rings
// are unmapped (the kernel stops using the UMEM), the UMEM is unmapped,
// then the program handle goes (the last one detaches the program).
func (e *xdpEndpoint) teardown() error {
	var errs []error
	if e.statFD >= 0 && e.statFD == e.fd {
		e.updateDrops()
	}
	if e.steer != nil && e.fd >= 0 {
		errs = append(errs, e.steer.ClearSocket(e.queue))
	}
	if e.steer != nil {
		for _, p := range e.ports {
			errs = append(errs, e.steer.RemovePort(p))
		}
	}
	e.closeSocket()
	if e.umem != nil {
		errs = append(errs, unix.Munmap(e.umem))
		e.umem = nil
	}
	if e.steer != nil {
		errs = append(errs, e.steer.Close())
		e.steer = nil
	}
	e.hop.routes.close()
	e.hop.arp.close()
	for _, fd := range []*int{&e.reserve, &e.event} {
		if *fd >= 0 {
			errs = append(errs, unix.Close(*fd))
			*fd = -1
		}
	}
	return errors.Join(errs...)
}

// recv takes up to len(pkts) datagrams from the rx ring without blocking.
// Frames that are not datagrams for us are dropped, except ARP requests
// the program handed over, which are answered.
func (e *xdpEndpoint) recv(pkts []Packet) int {
	e.recycle()
	want := uint32(min(len(pkts), xdpBatch))
	k := 0
	for k == 0 {
		n := e.rx.available(want)
		if n == 0 {
			break
		}
		now := time.Now().UnixNano()
		for i := uint32(0); i < n; i++ {
			d := e.rx.descs[(e.rx.cons+i)&e.rx.mask]
			e.hold(d.Addr)
			if d.Addr+uint64(d.Len) > uint64(len(e.umem)) {
				continue
			}
			frame := e.umem[d.Addr : d.Addr+uint64(d.Len)]
			f, ok := parseUDP(frame)
			if !ok {
				e.answerARP(frame) // or not a datagram we can take: dropped
				continue
			}
			e.hop.learn(f.src.Addr(), f.srcMAC)
			pkts[k] = Packet{Data: f.payload, From: f.src, To: f.dst, Received: now}
			k++
		}
		e.rx.release(n)
		if k == 0 {
			e.recycle()
		}
	}
	if e.zc && e.fill.needWakeup() {
		// The driver ran out of fill entries and waits to be told.
		_, _, _ = unix.RawSyscall6(unix.SYS_RECVFROM, uintptr(e.fd), 0, 0, unix.MSG_DONTWAIT, 0, 0)
	}
	return k
}

// answerARP replies to an ARP request for a source-range address that
// the program handed to the socket (bpf.ARPToSocket), at once.
func (e *xdpEndpoint) answerARP(frame []byte) {
	q, ok := parseARPRequest(frame)
	if !ok || !e.srcRange.Contains(q.target) || q.target == e.local.Addr() {
		return
	}
	addr, ok := e.txPool.get()
	if !ok {
		e.reclaim()
		if addr, ok = e.txPool.get(); !ok {
			return // the requester asks again
		}
	}
	e.queueTx(addr, buildARPReply(e.umem[addr:addr+e.frameSize], e.srcMAC, q))
	_ = e.Flush()
}

// arpMode chooses who answers ARP for the source range: the program
// (XDP_TX), except where XDP_TX does not reach the wire: veth in native
// mode drops it unless the peer has GRO or an XDP program of its own.
func arpMode(ifname string, mode bpf.Mode) bpf.ARPMode {
	if mode == bpf.ModeNative && driverName(ifname) == "veth" {
		return bpf.ARPToSocket
	}
	return bpf.ARPReply
}

// driverName is the interface's driver (ETHTOOL_GDRVINFO), or "".
func driverName(ifname string) string {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	info, err := unix.IoctlGetEthtoolDrvinfo(fd, ifname)
	if err != nil {
		return ""
	}
	return unix.ByteSliceToString(info.Driver[:])
}

// Drops implements DropCounter: frames the kernel dropped for this socket
// because its rx ring was full or the fill ring had no frame (and any it
// could not place in a frame), per XDP_STATISTICS.
func (e *xdpEndpoint) Drops() uint64 {
	if !e.closed.Load() {
		e.updateDrops()
	}
	return e.drops.Load()
}

func (e *xdpEndpoint) updateDrops() {
	if st, err := xdpStatistics(e.statFD); err == nil {
		e.drops.Store(st.Rx_dropped + st.Rx_ring_full + st.Rx_fill_ring_empty_descs)
	}
}

// TryRead implements Poller.
func (e *xdpEndpoint) TryRead(pkts []Packet) (int, error) {
	if e.closed.Load() {
		return 0, ErrClosed
	}
	if len(pkts) == 0 {
		return 0, nil
	}
	return e.recv(pkts), nil
}

// Read implements Endpoint: it waits in ppoll on the socket and the
// eventfd until a datagram arrives, deadline passes or Wake is called.
// The datagrams' Data point into the UMEM until the next Read or TryRead.
func (e *xdpEndpoint) Read(pkts []Packet, deadline time.Time) (int, error) {
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
		if n := e.recv(pkts); n > 0 {
			return n, nil
		}
		if err := e.wait(deadline); err == ErrTimeout {
			return 0, ErrTimeout
		} else if err != nil {
			return 0, e.wrap(err)
		}
	}
}

// Write implements Endpoint: it queues a frame from the endpoint's own
// address; Flush sends it (Write flushes by itself every xdpBatch frames).
func (e *xdpEndpoint) Write(b []byte, dst netip.AddrPort) error {
	return e.WriteFrom(b, e.local, dst)
}

// WriteFrom implements SourceWriter: the frame carries src as its IPv4
// source address and UDP source port.
func (e *xdpEndpoint) WriteFrom(b []byte, src, dst netip.AddrPort) error {
	if e.closed.Load() {
		return ErrClosed
	}
	if !dst.Addr().Unmap().Is4() || !src.Addr().Unmap().Is4() {
		return fmt.Errorf("dataplane: xdp %s: cannot send from %s to %s: IPv4 only", e.local, src, dst)
	}
	if len(b) > e.maxPayload {
		return fmt.Errorf("dataplane: xdp %s: a datagram of %d bytes does not fit %s's MTU (%d bytes of payload at most; AF_XDP sends no fragments)",
			e.local, len(b), e.iface, e.maxPayload)
	}
	dmac, err := e.hop.mac(dst.Addr())
	if err != nil {
		return err
	}
	addr, err := e.txFrame()
	if err != nil {
		return err
	}
	n := buildUDP(e.umem[addr:addr+e.frameSize], e.srcMAC, dmac, src, dst, e.ipID, b)
	e.ipID++
	e.queueTx(addr, n)
	if e.txQueued >= xdpBatch {
		return e.Flush()
	}
	return nil
}

// txFrame takes a free send frame, reclaiming completed ones and, when
// every frame is in flight, kicking the kernel until one completes.
func (e *xdpEndpoint) txFrame() (uint64, error) {
	if a, ok := e.txPool.get(); ok {
		return a, nil
	}
	e.reclaim()
	if a, ok := e.txPool.get(); ok {
		return a, nil
	}
	deadline := time.Now().Add(xdpTxWait)
	for {
		if err := e.Flush(); err != nil {
			return 0, err
		}
		if a, ok := e.txPool.get(); ok {
			return a, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("dataplane: xdp %s: no send frame completed within %s (%s queue %d stalled)",
				e.local, xdpTxWait, e.iface, e.queue)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// Flush publishes the queued frames and asks the kernel to send them. In
// copy mode the kernel sends inside sendto, a budget of frames per call,
// so Flush repeats it until the ring is drained (or gives up after a few
// tries and leaves the rest to the next Flush); in zero-copy mode the
// driver sends on its own once woken.
func (e *xdpEndpoint) Flush() error {
	if e.closed.Load() {
		return ErrClosed
	}
	e.submitTx()
	var err error
	for kicks := 0; kicks < xdpMaxKicks && e.tx.pending() > 0; kicks++ {
		if e.zc && !e.tx.needWakeup() {
			break
		}
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(e.fd), 0, 0, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0, unix.EAGAIN, unix.EBUSY, unix.ENOBUFS, unix.EINTR:
		case unix.EBADF:
			return ErrClosed
		case unix.ENETDOWN, unix.ENXIO:
			err = fmt.Errorf("dataplane: xdp %s: %s is down: %w", e.local, e.iface, errno)
		default:
			err = e.wrap(errno)
		}
		e.reclaim()
		if err != nil || e.zc {
			break
		}
	}
	e.reclaim()
	return err
}

// LocalAddr implements Endpoint: the source address and port of the
// endpoint's frames.
func (e *xdpEndpoint) LocalAddr() netip.AddrPort { return e.local }

// Close detaches this endpoint's socket from the steering program, closes
// it and unmaps its memory; the last endpoint on the interface to close
// detaches the program.
func (e *xdpEndpoint) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.closed.Store(true)
		err = e.teardown()
	})
	return err
}

func (e *xdpEndpoint) wrap(err error) error {
	if errors.Is(err, unix.EBADF) {
		return ErrClosed
	}
	return fmt.Errorf("dataplane: xdp %s: %w", e.local, err)
}

// steering returns the endpoint's handle on the program, for tests.
func (e *xdpEndpoint) steering() *bpf.Steering { return e.steer }

// nextHop finds the destination MAC of a frame.
type nextHop struct {
	iface    string
	fixed    bool // -xdp_next_hop_mac: one MAC for every destination
	fixedMAC mac
	cache    neighCache
	routes   procTable // /proc/net/route of the endpoint's namespace
	arp      procTable // /proc/net/arp
	probe    int       // a UDP socket whose sendto makes the kernel resolve
}

// learn records that ip was last seen behind m (a received frame's source
// MAC is the next hop back to its sender, directly or through a router).
func (h *nextHop) learn(ip netip.Addr, m mac) {
	if h.fixed {
		return
	}
	if old, ok := h.cache.get(ip); ok && old == m {
		return
	}
	h.cache.put(ip, m)
}

// mac returns the destination MAC for a frame to dst: the fixed one, the
// cached one, or one resolved through the kernel (slow; once per
// destination).
func (h *nextHop) mac(dst netip.Addr) (mac, error) {
	if h.fixed {
		return h.fixedMAC, nil
	}
	if m, ok := h.cache.get(dst); ok {
		return m, nil
	}
	m, err := h.resolve(dst)
	if err != nil {
		return m, err
	}
	h.cache.put(dst, m)
	return m, nil
}

// resolveWait bounds how long the kernel may take to resolve a next hop.
const resolveWait = 2 * time.Second

// resolve finds the next hop towards dst in the routing table and its MAC
// in the neighbour table; without an entry, it sends the next hop an
// empty datagram to the discard port (RFC 863) from a kernel socket,
// which makes the kernel resolve it by ARP, and waits for the entry.
func (h *nextHop) resolve(dst netip.Addr) (mac, error) {
	routes, err := h.routes.lines()
	if err != nil {
		return mac{}, xdpError("reading routes: %v", err)
	}
	via, ok := routeVia(routes, h.iface, dst)
	if !ok {
		return mac{}, xdpError("no route to %s through %s (ip route add %s dev %s, or give -xdp_next_hop_mac)", dst, h.iface, dst, h.iface)
	}
	deadline := time.Now().Add(resolveWait)
	for probes := 0; ; probes++ {
		rows, err := h.arp.lines()
		if err != nil {
			return mac{}, xdpError("reading the neighbour table: %v", err)
		}
		if m, ok := arpEntry(rows, h.iface, via); ok {
			return m, nil
		}
		if time.Now().After(deadline) {
			return mac{}, xdpError("no ARP reply from %s (next hop to %s) on %s within %s; is it up? Or give -xdp_next_hop_mac",
				via, dst, h.iface, resolveWait)
		}
		if probes%50 == 0 && h.probe >= 0 {
			_ = unix.Sendto(h.probe, nil, unix.MSG_DONTWAIT, &unix.SockaddrInet4{Port: 9, Addr: via.As4()})
		}
		time.Sleep(10 * time.Millisecond)
	}
}
