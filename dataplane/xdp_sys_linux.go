package dataplane

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// What the xdp backend asks the kernel about an interface, its routes and
// its neighbours. None of it runs per datagram.

// linkAttrs is what rtnetlink reports about an interface.
type linkAttrs struct {
	rxQueues  int    // IFLA_NUM_RX_QUEUES
	xdpProgID uint32 // the attached XDP program, 0 when none
}

// queryLink asks rtnetlink (RTM_GETLINK) about the interface with index
// ifindex in the calling thread's network namespace.
func queryLink(ifindex int) (linkAttrs, error) {
	var la linkAttrs
	b, err := syscall.NetlinkRIB(unix.RTM_GETLINK, unix.AF_UNSPEC)
	if err != nil {
		return la, fmt.Errorf("rtnetlink: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return la, fmt.Errorf("rtnetlink: %w", err)
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
			continue
		}
		ifi := (*unix.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		if int(ifi.Index) != ifindex {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return la, fmt.Errorf("rtnetlink: %w", err)
		}
		la.rxQueues = 1
		for _, a := range attrs {
			switch a.Attr.Type &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER) {
			case unix.IFLA_NUM_RX_QUEUES:
				if len(a.Value) >= 4 {
					la.rxQueues = int(binary.NativeEndian.Uint32(a.Value))
				}
			case unix.IFLA_XDP:
				la.xdpProgID = xdpProgID(a.Value)
			}
		}
		return la, nil
	}
	return la, fmt.Errorf("rtnetlink: no interface with index %d", ifindex)
}

// xdpProgID finds the program id in a nested IFLA_XDP attribute.
func xdpProgID(b []byte) uint32 {
	var id uint32
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b[0:2]))
		typ := binary.NativeEndian.Uint16(b[2:4]) &^ (unix.NLA_F_NESTED | unix.NLA_F_NET_BYTEORDER)
		if n < 4 || n > len(b) {
			break
		}
		switch typ {
		case unix.IFLA_XDP_PROG_ID, unix.IFLA_XDP_DRV_PROG_ID, unix.IFLA_XDP_SKB_PROG_ID:
			if n >= 8 && id == 0 {
				id = binary.NativeEndian.Uint32(b[4:8])
			}
		}
		b = b[min((n+3)&^3, len(b)):]
	}
	return id
}

// rxQueues is the number of receive queues AF_XDP can bind to: the
// driver's receive and combined channels (ETHTOOL_GCHANNELS), which are
// the queues in use; without that ioctl, what rtnetlink reports (which
// for some drivers, veth among them, is the queues allocated, not used).
func rxQueues(ifname string, fromLink int) int {
	if n, err := ethtoolChannels(ifname); err == nil && n > 0 {
		return n
	}
	return fromLink
}

// ethtoolChannels asks the driver for its channel counts.
func ethtoolChannels(ifname string) (int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	// struct ethtool_channels (linux/ethtool.h).
	var ch struct {
		cmd, maxRx, maxTx, maxOther, maxCombined, rx, tx, other, combined uint32
	}
	ch.cmd = unix.ETHTOOL_GCHANNELS
	// struct ifreq: the name, then a pointer to the command.
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [24 - unsafe.Sizeof(uintptr(0))]byte
	}
	copy(ifr.name[:unix.IFNAMSIZ-1], ifname)
	ifr.data = unsafe.Pointer(&ch)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); errno != 0 {
		return 0, errno
	}
	return int(ch.rx + ch.combined), nil
}

// XDPQueueCount returns the number of receive queues of the interface
// named iface, the number of AF_XDP sockets (and shards) it takes to
// serve all its traffic.
func XDPQueueCount(iface string) (int, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return 0, xdpError("interface %s not found (ip link shows the interfaces of this network namespace)", iface)
	}
	la, err := queryLink(ifi.Index)
	if err != nil {
		return 0, xdpError("%s: %v", iface, err)
	}
	return rxQueues(iface, la.rxQueues), nil
}

// firstIPv4 is the interface's first IPv4 address and its prefix.
func firstIPv4(ifi *net.Interface) (netip.Prefix, bool) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Prefix{}, false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() {
				bits, _ := n.Mask.Size()
				return netip.PrefixFrom(ip.Unmap(), bits), true
			}
		}
	}
	return netip.Prefix{}, false
}

// procTable is a /proc/net file opened once (in the network namespace of
// the opening thread, which the file keeps) and read again on demand.
type procTable struct {
	f *os.File
}

func openProcTable(name string) (procTable, error) {
	// thread-self: the namespace of this thread, which may differ from
	// the process's (tests enter a namespace on one locked thread).
	f, err := os.Open("/proc/thread-self/net/" + name)
	if err != nil {
		return procTable{}, err
	}
	return procTable{f: f}, nil
}

// lines returns the file's current rows, without the heading line.
func (p procTable) lines() ([][]string, error) {
	if p.f == nil {
		return nil, os.ErrClosed
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var rows [][]string
	sc := bufio.NewScanner(p.f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		if f := strings.Fields(sc.Text()); len(f) > 0 {
			rows = append(rows, f)
		}
	}
	return rows, sc.Err()
}

func (p procTable) close() {
	if p.f != nil {
		p.f.Close()
	}
}

// routeVia returns the next hop towards dst through the interface ifname
// from a /proc/net/route table: dst itself when it is on a directly
// connected network, else the gateway of the longest matching route.
//
//	Iface Destination Gateway Flags RefCnt Use Metric Mask ...
//	veth0 0000000A    00000000 0001 ...            00FFFFFF
//
// Addresses are the hexadecimal of the in-memory (network order) word.
func routeVia(rows [][]string, ifname string, dst netip.Addr) (netip.Addr, bool) {
	best := -1
	var hop netip.Addr
	d := dst.Unmap().As4()
	dw := binary.NativeEndian.Uint32(d[:])
	for _, r := range rows {
		if len(r) < 8 || r[0] != ifname {
			continue
		}
		dest, err1 := strconv.ParseUint(r[1], 16, 32)
		gw, err2 := strconv.ParseUint(r[2], 16, 32)
		mask, err3 := strconv.ParseUint(r[7], 16, 32)
		flags, err4 := strconv.ParseUint(r[3], 16, 32)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || flags&unix.RTF_UP == 0 {
			continue
		}
		if dw&uint32(mask) != uint32(dest) {
			continue
		}
		var mb [4]byte
		binary.NativeEndian.PutUint32(mb[:], uint32(mask))
		ones := 0
		for _, x := range mb {
			for ; x&0x80 != 0; x <<= 1 {
				ones++
			}
		}
		if ones <= best {
			continue
		}
		best = ones
		if flags&unix.RTF_GATEWAY != 0 && gw != 0 {
			var g [4]byte
			binary.NativeEndian.PutUint32(g[:], uint32(gw))
			hop = netip.AddrFrom4(g)
		} else {
			hop = dst.Unmap()
		}
	}
	return hop, best >= 0
}

// atfCom is ATF_COM (linux/if_arp.h): the entry is complete.
const atfCom = 0x02

// arpEntry finds a complete entry for ip on ifname in /proc/net/arp rows:
//
//	IP address  HW type  Flags  HW address         Mask  Device
//	10.0.0.2    0x1      0x2    02:00:00:00:00:02  *     veth0
func arpEntry(rows [][]string, ifname string, ip netip.Addr) (mac, bool) {
	var m mac
	want := ip.Unmap().String()
	for _, r := range rows {
		if len(r) < 6 || r[0] != want || r[5] != ifname {
			continue
		}
		flags, err := strconv.ParseUint(strings.TrimPrefix(r[2], "0x"), 16, 32)
		if err != nil || flags&atfCom == 0 {
			continue
		}
		hw, err := net.ParseMAC(r[3])
		if err != nil || len(hw) != 6 || bytes.Equal(hw, make([]byte, 6)) {
			continue
		}
		copy(m[:], hw)
		return m, true
	}
	return m, false
}

// setsockopt sets a socket option whose value is the n bytes at p.
func setsockopt(fd, level, opt int, p unsafe.Pointer, n uintptr) error {
	_, _, errno := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(p), n, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// xdpMmapOffsets asks where in each ring mapping the indexes, flags and
// entries are (XDP_MMAP_OFFSETS).
func xdpMmapOffsets(fd int) (unix.XDPMmapOffsets, error) {
	var off unix.XDPMmapOffsets
	n := uint32(unsafe.Sizeof(off))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_MMAP_OFFSETS,
		uintptr(unsafe.Pointer(&off)), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return off, errno
	}
	if n != uint32(unsafe.Sizeof(off)) {
		return off, fmt.Errorf("XDP_MMAP_OFFSETS returned %d bytes (a kernel before 5.4 has no ring flags)", n)
	}
	return off, nil
}

// xdpStatistics reads the socket's drop counters (XDP_STATISTICS).
func xdpStatistics(fd int) (unix.XDPStatistics, error) {
	var st unix.XDPStatistics
	n := uint32(unsafe.Sizeof(st))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_STATISTICS,
		uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return st, errno
	}
	return st, nil
}
