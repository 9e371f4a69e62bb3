//go:build linux

package bpf

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// ReuseportProgramName is the name the kernel lists the SO_REUSEPORT
// program under (`bpftool prog`).
const ReuseportProgramName = "gossip_reuseport"

// Indexes of the reuseport counters map (enum counter in reuseport.c).
const (
	rpCounterSteered = iota
	rpCounterNotFound
	rpCounterNoSocket
	rpNumCounters
)

// maxReuseportSockets is the size of the socks map (reuseport.c).
const maxReuseportSockets = 256

// Reuseport is the SO_REUSEPORT program attached to one group of UDP
// sockets that share a port, with its maps.
type Reuseport struct {
	objs  reuseportObjects
	first syscall.RawConn // the socket the program was attached through
}

// AttachReuseport loads the program, makes conns[i] the socket of the
// calls whose Call-ID hashes to i (sipfast.ShardHash modulo len(conns)),
// and attaches the program to their SO_REUSEPORT group. The sockets must
// be bound UDP sockets of one group, in shard order. It fails with an
// error wrapping ErrReuseportUnsupported when the kernel refuses the
// program or its maps (no BPF, no privilege), so the caller can go on
// without it.
func AttachReuseport(conns []syscall.RawConn) (*Reuseport, error) {
	if len(conns) == 0 || len(conns) > maxReuseportSockets {
		return nil, fmt.Errorf("bpf: %s: %d sockets (want 1 to %d)", ReuseportProgramName, len(conns), maxReuseportSockets)
	}
	r := &Reuseport{}
	if err := loadReuseportObjects(&r.objs, nil); err != nil {
		return nil, fmt.Errorf("%w: loading %s: %w", ErrReuseportUnsupported, ReuseportProgramName, err)
	}
	fail := func(err error) (*Reuseport, error) {
		_ = r.objs.Close()
		return nil, err
	}
	for i, c := range conns {
		var perr error
		err := c.Control(func(fd uintptr) {
			perr = r.objs.Socks.Put(uint32(i), uint32(fd))
		})
		if err = errors.Join(err, perr); err != nil {
			return fail(fmt.Errorf("bpf: %s: socks map: socket %d: %w", ReuseportProgramName, i, err))
		}
	}
	if err := r.objs.Nsocks.Put(uint32(0), uint32(len(conns))); err != nil {
		return fail(fmt.Errorf("bpf: %s: nsocks map: %w", ReuseportProgramName, err))
	}
	var serr error
	err := conns[0].Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_REUSEPORT_EBPF, r.objs.GossipReuseport.FD())
	})
	if err = errors.Join(err, serr); err != nil {
		return fail(fmt.Errorf("bpf: attaching %s (SO_ATTACH_REUSEPORT_EBPF): %w", ReuseportProgramName, err))
	}
	r.first = conns[0]
	return r, nil
}

// Counters sums the per-CPU counters.
func (r *Reuseport) Counters() (ReuseportCounters, error) {
	sums, err := sumPerCPU(r.objs.Counters, rpNumCounters)
	if err != nil {
		return ReuseportCounters{}, fmt.Errorf("bpf: %s: %w", ReuseportProgramName, err)
	}
	return ReuseportCounters{
		Steered:  sums[rpCounterSteered],
		NotFound: sums[rpCounterNotFound],
		NoSocket: sums[rpCounterNoSocket],
	}, nil
}

// Program is the loaded program, for tests and inspection.
func (r *Reuseport) Program() *ebpf.Program { return r.objs.GossipReuseport }

// Close detaches the program from the group, when its sockets are still
// open, and releases the program and its maps. Closing the sockets first
// is fine too: the group, and the program with it, goes with the last one.
func (r *Reuseport) Close() error {
	if r.first != nil {
		// Best effort: the socket may be closed already (its group gone).
		_ = r.first.Control(func(fd uintptr) {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_DETACH_REUSEPORT_BPF, 0)
		})
		r.first = nil
	}
	if err := r.objs.Close(); err != nil {
		return fmt.Errorf("bpf: %s: %w", ReuseportProgramName, err)
	}
	return nil
}
