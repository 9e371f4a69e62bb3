package dataplane

import (
	"errors"
	"fmt"
	"sync"
	"syscall"

	"github.com/gossip-sip/gossip/bpf"
)

// ErrNoSocket is returned by SteerByCallID when an endpoint does not
// expose its socket (syscall.Conn): stream, per-address and xdp endpoints.
var ErrNoSocket = errors.New("dataplane: endpoint exposes no socket")

// CallIDSteering is gossip's SO_REUSEPORT program (package bpf) attached
// to the UDP sockets of a server's shards, which share one port: the
// kernel puts each datagram on the socket of the shard that owns its
// Call-ID (sipfast.ShardHash modulo the number of shards), so the shards
// hand nothing to each other. A datagram the program cannot read goes
// where the kernel's 4-tuple hash puts it.
type CallIDSteering struct {
	mu     sync.Mutex
	rp     *bpf.Reuseport
	closed bool
	final  bpf.ReuseportCounters // the counters when it was closed
}

// SteerByCallID attaches the program to eps, the std or mmsg endpoints of
// one SO_REUSEPORT group in shard order. It fails with ErrNoSocket when an
// endpoint has no socket to give, and with an error wrapping
// bpf.ErrReuseportUnsupported when the host cannot run the program.
func SteerByCallID(eps []Endpoint) (*CallIDSteering, error) {
	conns := make([]syscall.RawConn, len(eps))
	for i, ep := range eps {
		sc, ok := ep.(syscall.Conn)
		if !ok {
			return nil, fmt.Errorf("%w (shard %d)", ErrNoSocket, i)
		}
		c, err := sc.SyscallConn()
		if err != nil {
			return nil, fmt.Errorf("dataplane: %s: %w", ep.LocalAddr(), err)
		}
		conns[i] = c
	}
	rp, err := bpf.AttachReuseport(conns)
	if err != nil {
		return nil, fmt.Errorf("dataplane: steering %s by Call-ID: %w", eps[0].LocalAddr(), err)
	}
	return &CallIDSteering{rp: rp}, nil
}

// Counters returns what the program did so far, or in all once closed.
// Safe for concurrent use.
func (s *CallIDSteering) Counters() (bpf.ReuseportCounters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.final, nil
	}
	return s.rp.Counters()
}

// Close detaches the program, keeping its final counters; call it before
// closing the endpoints. Later calls do nothing.
func (s *CallIDSteering) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.final, _ = s.rp.Counters()
	return s.rp.Close()
}
