//go:build linux

package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
)

// ProgramName is the name the kernel lists the steering program under
// (`bpftool prog`, `ip link`).
const ProgramName = "gossip_steer"

// Mode says where the kernel runs an XDP program.
type Mode int

const (
	// ModeNative runs the program in the driver, before any socket buffer
	// exists (XDP_FLAGS_DRV_MODE). Drivers without XDP support refuse it.
	ModeNative Mode = iota
	// ModeGeneric runs the program after the kernel built a socket buffer
	// (XDP_FLAGS_SKB_MODE): any interface, at a fraction of the speed.
	ModeGeneric
)

// String is the mode's -xdp_mode spelling.
func (m Mode) String() string {
	if m == ModeGeneric {
		return "generic"
	}
	return "native"
}

// Settings is what the program matches and answers, as the config map
// holds it.
type Settings struct {
	// LocalIP is the interface address gossip sends from; datagrams to it
	// on a steered port are redirected. Invalid or unspecified matches any
	// destination address.
	LocalIP netip.Addr
	// Range, when valid, is the -xdp_src_range prefix: datagrams to any of
	// its addresses are redirected too, and ARP requests for them answered.
	Range netip.Prefix
	// MAC is the interface's hardware address, the sender of ARP replies.
	MAC net.HardwareAddr
	// ARP says how ARP requests for Range addresses are answered.
	ARP ARPMode
}

// ARPMode says who answers ARP requests for source-range addresses.
type ARPMode int

const (
	// ARPPass leaves them to the kernel (which ignores them).
	ARPPass ARPMode = iota
	// ARPReply answers in the program: the request becomes the reply and
	// leaves through the port it came in on (XDP_TX).
	ARPReply
	// ARPToSocket redirects them to the AF_XDP socket of the receive
	// queue, whose owner answers through its transmit ring: for drivers
	// whose XDP_TX cannot reach the wire (veth in native mode without GRO
	// on the peer).
	ARPToSocket
)

// Counters is what the program did, summed over all CPUs.
type Counters struct {
	// Redirected frames went to an AF_XDP socket.
	Redirected uint64
	// Passed frames were not gossip's and went to the kernel.
	Passed uint64
	// NoSocket frames were gossip's, but no socket was bound to their
	// receive queue, so they went to the kernel (and most likely to a
	// closed port).
	NoSocket uint64
	// ARPReplied counts ARP requests for Range addresses answered in place.
	ARPReplied uint64
	// ARPToSocket counts ARP requests for Range addresses handed to a
	// socket to answer.
	ARPToSocket uint64
}

// Indexes of the counters map (enum counter in steer.c).
const (
	counterRedirected = iota
	counterPassed
	counterNoSocket
	counterARPReplied
	counterARPToSocket
	numCounters
)

// Settings flags (CONFIG_ARP_* in steer.c).
const (
	settingsARPReply    = 1
	settingsARPToSocket = 2
)

// ErrForeign is returned by Join when the interface runs an XDP program
// that is not gossip's, or one not attached through a BPF link.
var ErrForeign = errors.New("bpf: the interface runs another XDP program")

// Steering is one handle on the steering program and its maps. Several
// handles may share one attachment: the kernel detaches the program when
// the last handle that holds its link is closed, so teardown needs no
// bookkeeping in the process and happens even if the process dies.
type Steering struct {
	objs steerObjects
	link link.Link // nil until Attach or Join
}

// Load loads the program and fresh maps into the kernel, unattached.
func Load() (*Steering, error) {
	s := &Steering{}
	if err := loadSteerObjects(&s.objs, nil); err != nil {
		return nil, fmt.Errorf("bpf: loading %s: %w", ProgramName, err)
	}
	return s, nil
}

// Attach attaches the loaded program to the interface with index ifindex
// through a BPF link.
func (s *Steering) Attach(ifindex int, mode Mode) error {
	flags := link.XDPDriverMode
	if mode == ModeGeneric {
		flags = link.XDPGenericMode
	}
	l, err := link.AttachXDP(link.XDPOptions{Program: s.objs.GossipSteer, Interface: ifindex, Flags: flags})
	if err != nil {
		return fmt.Errorf("bpf: attaching %s in %s mode: %w", ProgramName, mode, err)
	}
	s.link = l
	return nil
}

// Join returns a handle on the steering program that another handle
// attached to ifindex as program progID (the id the interface reports),
// sharing its link and maps. It fails with ErrForeign when progID is not
// gossip's program or was attached without a link.
func Join(ifindex int, progID uint32) (*Steering, error) {
	prog, err := ebpf.NewProgramFromID(ebpf.ProgramID(progID))
	if err != nil {
		return nil, fmt.Errorf("bpf: program %d: %w", progID, err)
	}
	s := &Steering{}
	s.objs.GossipSteer = prog
	fail := func(err error) (*Steering, error) {
		_ = s.Close()
		return nil, err
	}
	info, err := prog.Info()
	if err != nil {
		return fail(fmt.Errorf("bpf: program %d: %w", progID, err))
	}
	if info.Name != ProgramName {
		return fail(fmt.Errorf("%w (program %d, %q)", ErrForeign, progID, info.Name))
	}
	ids, _ := info.MapIDs()
	for _, id := range ids {
		m, err := ebpf.NewMapFromID(id)
		if err != nil {
			return fail(fmt.Errorf("bpf: map %d of program %d: %w", id, progID, err))
		}
		mi, err := m.Info()
		var dst **ebpf.Map
		if err == nil {
			switch mi.Name {
			case steerMapConfig:
				dst = &s.objs.Config
			case steerMapCounters:
				dst = &s.objs.Counters
			case steerMapPorts:
				dst = &s.objs.Ports
			case steerMapXsks:
				dst = &s.objs.Xsks
			}
		}
		if dst == nil || *dst != nil {
			m.Close()
			continue
		}
		*dst = m
	}
	if s.objs.Config == nil || s.objs.Counters == nil || s.objs.Ports == nil || s.objs.Xsks == nil {
		return fail(fmt.Errorf("%w (program %d lacks gossip's maps)", ErrForeign, progID))
	}
	// The link keeps the attachment alive while this handle lives.
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		li, err := it.Link.Info()
		if err != nil || uint32(li.Program) != progID {
			continue
		}
		if x := li.XDP(); x == nil || int(x.Ifindex) != ifindex {
			continue
		}
		s.link = it.Take()
		return s, nil
	}
	if err := it.Err(); err != nil {
		return fail(fmt.Errorf("bpf: listing links: %w", err))
	}
	return fail(fmt.Errorf("%w (program %d is attached without a BPF link)", ErrForeign, progID))
}

// Program is the XDP program, for tests (Program.Run) and inspection.
func (s *Steering) Program() *ebpf.Program { return s.objs.GossipSteer }

// Configure writes the settings into the config map.
func (s *Steering) Configure(set Settings) error {
	var v steerSettings
	if a := set.LocalIP.Unmap(); a.Is4() && !a.IsUnspecified() {
		v.LocalIp = netOrder(a)
	}
	if p := set.Range.Masked(); p.IsValid() && p.Addr().Is4() {
		v.RangeNet = netOrder(p.Addr())
		v.RangeMask = netOrder(maskOf(p.Bits()))
	}
	copy(v.Mac[:], set.MAC)
	switch set.ARP {
	case ARPReply:
		v.Flags |= settingsARPReply
	case ARPToSocket:
		v.Flags |= settingsARPToSocket
	}
	if err := s.objs.Config.Put(uint32(0), &v); err != nil {
		return fmt.Errorf("bpf: config map: %w", err)
	}
	return nil
}

// AddPort steers UDP datagrams to port.
func (s *Steering) AddPort(port uint16) error {
	if err := s.objs.Ports.Put(port, uint8(1)); err != nil {
		return fmt.Errorf("bpf: ports map: adding %d: %w", port, err)
	}
	return nil
}

// RemovePort stops steering port; a port not in the map is no error.
func (s *Steering) RemovePort(port uint16) error {
	if err := s.objs.Ports.Delete(port); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("bpf: ports map: removing %d: %w", port, err)
	}
	return nil
}

// Ports lists the steered ports.
func (s *Steering) Ports() ([]uint16, error) {
	var out []uint16
	var k uint16
	var v uint8
	it := s.objs.Ports.Iterate()
	for it.Next(&k, &v) {
		out = append(out, k)
	}
	if err := it.Err(); err != nil {
		return out, fmt.Errorf("bpf: ports map: %w", err)
	}
	return out, nil
}

// SetSocket makes fd, a bound AF_XDP socket, the target of the frames
// steered on receive queue queue.
func (s *Steering) SetSocket(queue, fd int) error {
	if err := s.objs.Xsks.Put(uint32(queue), uint32(fd)); err != nil {
		return fmt.Errorf("bpf: xsks map: queue %d: %w", queue, err)
	}
	return nil
}

// ClearSocket removes queue's socket; a missing entry is no error.
func (s *Steering) ClearSocket(queue int) error {
	if err := s.objs.Xsks.Delete(uint32(queue)); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("bpf: xsks map: queue %d: %w", queue, err)
	}
	return nil
}

// Counters sums the per-CPU counters.
func (s *Steering) Counters() (Counters, error) {
	sums, err := sumPerCPU(s.objs.Counters, numCounters)
	if err != nil {
		return Counters{}, fmt.Errorf("bpf: %w", err)
	}
	return Counters{
		Redirected:  sums[counterRedirected],
		Passed:      sums[counterPassed],
		NoSocket:    sums[counterNoSocket],
		ARPReplied:  sums[counterARPReplied],
		ARPToSocket: sums[counterARPToSocket],
	}, nil
}

// Close releases this handle: its link (the kernel detaches the program
// when no handle holds the link any more), the program and the maps.
func (s *Steering) Close() error {
	var errs []error
	if s.link != nil {
		errs = append(errs, s.link.Close())
		s.link = nil
	}
	for _, c := range []interface{ Close() error }{s.objs.GossipSteer, s.objs.Config, s.objs.Counters, s.objs.Ports, s.objs.Xsks} {
		if c != nil && !isNil(c) {
			errs = append(errs, c.Close())
		}
	}
	s.objs = steerObjects{}
	return errors.Join(errs...)
}

func isNil(c interface{ Close() error }) bool {
	switch v := c.(type) {
	case *ebpf.Program:
		return v == nil
	case *ebpf.Map:
		return v == nil
	}
	return false
}

// netOrder is an IPv4 address as the uint32 that holds its bytes in
// network order in memory, which is how the program compares them.
func netOrder(a netip.Addr) uint32 {
	b := a.As4()
	return binary.NativeEndian.Uint32(b[:])
}

func maskOf(bits int) netip.Addr {
	var b [4]byte
	for i := 0; i < bits; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}

// sumPerCPU reads entries 0 to n-1 of a PERCPU_ARRAY of counters (the
// programs' counters maps) and sums each over the CPUs.
func sumPerCPU(m *ebpf.Map, n int) ([]uint64, error) {
	sums := make([]uint64, n)
	var per []uint64
	for i := range sums {
		if err := m.Lookup(uint32(i), &per); err != nil {
			return nil, fmt.Errorf("counters map: entry %d: %w", i, err)
		}
		for _, v := range per {
			sums[i] += v
		}
	}
	return sums, nil
}
