//go:build linux

package bpf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/gossip-sip/gossip/internal/testpeer"
	"golang.org/x/sys/unix"
)

// XDP return codes (enum xdp_action).
const (
	xdpPass     = 2
	xdpTX       = 3
	xdpRedirect = 4
)

var (
	hostMAC  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	peerMAC  = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
	localIP  = netip.MustParseAddr("10.1.0.1")
	peerIP   = netip.MustParseAddr("10.1.0.2")
	srcRange = netip.MustParsePrefix("10.10.0.0/16")
)

// loadForTest loads the program, or skips (fails in CI) when this process
// may not.
func loadForTest(t *testing.T) *Steering {
	t.Helper()
	testpeer.Require(t, os.Geteuid() == 0, "loading an XDP program needs root")
	s, err := Load()
	testpeer.Require(t, err == nil, "the kernel refused the XDP program: "+errString(err))
	t.Cleanup(func() { s.Close() })
	if err := s.Configure(Settings{LocalIP: localIP, Range: srcRange, MAC: hostMAC, ARP: ARPReply}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPort(5060); err != nil {
		t.Fatal(err)
	}
	return s
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// udpFrame builds Ethernet/IPv4/UDP with the given destination and flags.
func udpFrame(dst netip.Addr, port uint16, proto byte, fragOff uint16) []byte {
	payload := []byte("OPTIONS sip:x SIP/2.0\r\n\r\n")
	b := make([]byte, 14+20+8+len(payload))
	copy(b[0:6], hostMAC)
	copy(b[6:12], peerMAC)
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	binary.BigEndian.PutUint16(ip[6:], fragOff)
	ip[8] = 64
	ip[9] = proto
	s, d := peerIP.As4(), dst.As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], 5062)
	binary.BigEndian.PutUint16(udp[2:], port)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(udp[8:], payload)
	return b
}

// arpRequest is "who has target? tell peerIP" (RFC 826), broadcast.
func arpRequest(target netip.Addr) []byte {
	b := make([]byte, 14+28)
	copy(b[0:6], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	copy(b[6:12], peerMAC)
	binary.BigEndian.PutUint16(b[12:], 0x0806)
	a := b[14:]
	binary.BigEndian.PutUint16(a[0:], 1)
	binary.BigEndian.PutUint16(a[2:], 0x0800)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:], 1)
	copy(a[8:14], peerMAC)
	p, tg := peerIP.As4(), target.As4()
	copy(a[14:18], p[:])
	copy(a[24:28], tg[:])
	return b
}

func run(t *testing.T, s *Steering, frame []byte) (uint32, []byte) {
	t.Helper()
	out := make([]byte, len(frame)+256)
	ret, err := s.Program().Run(&ebpf.RunOptions{Data: frame, DataOut: out})
	if err != nil {
		t.Fatalf("BPF_PROG_TEST_RUN: %v", err)
	}
	return ret, out[:len(frame)]
}

func TestSteerDecisions(t *testing.T) {
	s := loadForTest(t)
	fd := boundXSK(t)
	if err := s.SetSocket(0, fd); err != nil {
		t.Fatal(err)
	}
	ipv6 := udpFrame(localIP, 5060, 17, 0)
	binary.BigEndian.PutUint16(ipv6[12:], 0x86dd)
	cases := []struct {
		name  string
		frame []byte
		want  uint32
	}{
		{"SIP to the local address", udpFrame(localIP, 5060, 17, 0), xdpRedirect},
		{"SIP to a range address", udpFrame(netip.MustParseAddr("10.10.3.7"), 5060, 17, 0), xdpRedirect},
		{"SIP to another address", udpFrame(netip.MustParseAddr("10.1.0.9"), 5060, 17, 0), xdpPass},
		{"other UDP port", udpFrame(localIP, 53, 17, 0), xdpPass},
		{"TCP to the SIP port", udpFrame(localIP, 5060, 6, 0), xdpPass},
		{"first fragment", udpFrame(localIP, 5060, 17, 0x2000), xdpPass},
		{"later fragment", udpFrame(localIP, 5060, 17, 0x0010), xdpPass},
		{"IPv6", ipv6, xdpPass},
		{"ARP for the host", arpRequest(localIP), xdpPass},
		{"ARP outside the range", arpRequest(netip.MustParseAddr("10.11.0.1")), xdpPass},
		{"runt frame", udpFrame(localIP, 5060, 17, 0)[:30], xdpPass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := run(t, s, tc.frame); got != tc.want {
				t.Errorf("action %d, want %d", got, tc.want)
			}
		})
	}
	c, err := s.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.Redirected != 2 || c.Passed != 9 || c.NoSocket != 0 || c.ARPReplied != 0 {
		t.Errorf("counters %+v, want 2 redirected, 9 passed", c)
	}

	// Without a socket on the queue, gossip's datagrams go to the kernel.
	if err := s.ClearSocket(0); err != nil {
		t.Fatal(err)
	}
	if got, _ := run(t, s, udpFrame(localIP, 5060, 17, 0)); got != xdpPass {
		t.Errorf("no socket: action %d, want XDP_PASS", got)
	}
	if c, _ := s.Counters(); c.NoSocket != 1 {
		t.Errorf("NoSocket = %d, want 1", c.NoSocket)
	}

	// A port leaves the map: its datagrams pass.
	if err := s.RemovePort(5060); err != nil {
		t.Fatal(err)
	}
	if ports, _ := s.Ports(); len(ports) != 0 {
		t.Errorf("ports %v after removal", ports)
	}
}

func TestSteerAnswersARPForRange(t *testing.T) {
	s := loadForTest(t)
	target := netip.MustParseAddr("10.10.200.9")
	ret, out := run(t, s, arpRequest(target))
	if ret != xdpTX {
		t.Fatalf("action %d, want XDP_TX", ret)
	}
	want := arpRequest(target)
	copy(want[0:6], peerMAC)
	copy(want[6:12], hostMAC)
	a := want[14:]
	binary.BigEndian.PutUint16(a[6:], 2)
	tg, p := target.As4(), peerIP.As4()
	copy(a[8:14], hostMAC)
	copy(a[14:18], tg[:])
	copy(a[18:24], peerMAC)
	copy(a[24:28], p[:])
	if !bytes.Equal(out, want) {
		t.Errorf("reply\n got %x\nwant %x", out, want)
	}
	if c, _ := s.Counters(); c.ARPReplied != 1 {
		t.Errorf("ARPReplied = %d, want 1", c.ARPReplied)
	}

	// With replies off, the request goes to the kernel untouched.
	if err := s.Configure(Settings{LocalIP: localIP, Range: srcRange, MAC: hostMAC}); err != nil {
		t.Fatal(err)
	}
	if ret, out := run(t, s, arpRequest(target)); ret != xdpPass || !bytes.Equal(out, arpRequest(target)) {
		t.Errorf("replies off: action %d, want XDP_PASS and the frame unchanged", ret)
	}

	// Answered by the socket: redirected untouched, or passed when the
	// queue has no socket.
	if err := s.Configure(Settings{LocalIP: localIP, Range: srcRange, MAC: hostMAC, ARP: ARPToSocket}); err != nil {
		t.Fatal(err)
	}
	if ret, _ := run(t, s, arpRequest(target)); ret != xdpPass {
		t.Errorf("to socket, no socket: action %d, want XDP_PASS", ret)
	}
	if err := s.SetSocket(0, boundXSK(t)); err != nil {
		t.Fatal(err)
	}
	if ret, out := run(t, s, arpRequest(target)); ret != xdpRedirect || !bytes.Equal(out, arpRequest(target)) {
		t.Errorf("to socket: action %d, want XDP_REDIRECT and the frame unchanged", ret)
	}
	if ret, _ := run(t, s, arpRequest(localIP)); ret != xdpPass {
		t.Errorf("to socket, host address: action %d, want XDP_PASS", ret)
	}
	if c, _ := s.Counters(); c.ARPToSocket != 1 || c.NoSocket != 1 || c.ARPReplied != 1 {
		t.Errorf("counters %+v, want 1 to socket, 1 without socket, 1 replied", c)
	}
}

// boundXSK returns an AF_XDP socket bound (copy mode) to the loopback
// interface of a private network namespace, so it can go into the xsks
// map. The namespace lives as long as the socket.
func boundXSK(t *testing.T) int {
	t.Helper()
	type result struct {
		fd  int
		mem []byte
		err error
	}
	ch := make(chan result)
	go func() {
		// This thread enters a new network namespace and is never
		// unlocked, so Go discards it when the goroutine ends.
		runtime.LockOSThread()
		fd, mem, err := newXSKInPrivateNetns()
		ch <- result{fd, mem, err}
	}()
	r := <-ch
	testpeer.Require(t, r.err == nil, "AF_XDP socket: "+errString(r.err))
	t.Cleanup(func() {
		unix.Close(r.fd)
		unix.Munmap(r.mem)
	})
	return r.fd
}

func newXSKInPrivateNetns() (fd int, mem []byte, err error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return -1, nil, err
	}
	fd, err = unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	const frames, size = 16, 4096
	mem, err = unix.Mmap(-1, 0, frames*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	fail := func(err error) (int, []byte, error) {
		unix.Close(fd)
		unix.Munmap(mem)
		return -1, nil, err
	}
	reg := unix.XDPUmemReg{Addr: uint64(uintptr(unsafe.Pointer(&mem[0]))), Len: uint64(len(mem)), Size: size}
	steps := []struct {
		opt uintptr
		p   unsafe.Pointer
		n   uintptr
	}{
		{unix.XDP_UMEM_REG, unsafe.Pointer(&reg), unsafe.Sizeof(reg)},
		{unix.XDP_UMEM_FILL_RING, unsafe.Pointer(&[]uint32{frames}[0]), 4},
		{unix.XDP_UMEM_COMPLETION_RING, unsafe.Pointer(&[]uint32{frames}[0]), 4},
		{unix.XDP_RX_RING, unsafe.Pointer(&[]uint32{frames}[0]), 4},
	}
	for _, st := range steps {
		if _, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_XDP, st.opt, uintptr(st.p), st.n, 0); e != 0 {
			return fail(e)
		}
	}
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return fail(err)
	}
	if err := unix.Bind(fd, &unix.SockaddrXDP{Flags: unix.XDP_COPY, Ifindex: uint32(lo.Index)}); err != nil {
		return fail(errors.Join(errors.New("bind"), err))
	}
	return fd, mem, nil
}
