package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// perIPEndpoint is SIPp's socket-per-IP mode (-t ui): one UDP socket per
// local address, all on the same port, so each call can send from its own
// address (WriteFrom) and a server answers from the address it was called
// on (Packet.To). The addresses are few (those of an injection file's
// field); each socket has a reader goroutine that queues datagrams for
// the shard's Read.
type perIPEndpoint struct {
	rxQueue
	conns []*net.UDPConn
	addrs []netip.AddrPort // bound address of conns[i]
	wg    sync.WaitGroup
}

func openPerIP(cfg Config) (*perIPEndpoint, error) {
	e := &perIPEndpoint{}
	e.rxQueue.init()
	port := cfg.Local.Port()
	seen := map[netip.Addr]bool{}
	for _, a := range cfg.PerIP {
		a = a.Unmap()
		if seen[a] {
			continue
		}
		seen[a] = true
		lc := net.ListenConfig{}
		if cfg.ReusePort {
			lc.Control = controlReusePort
		}
		network := "udp4"
		if a.Is6() {
			network = "udp6"
		}
		pc, err := lc.ListenPacket(context.Background(), network, netip.AddrPortFrom(a, port).String())
		if err != nil {
			e.closeConns()
			return nil, fmt.Errorf("dataplane: bind %s: %w", netip.AddrPortFrom(a, port), err)
		}
		c := pc.(*net.UDPConn)
		if cfg.BufferSize > 0 {
			setBuffers(c, cfg.BufferSize)
		}
		bound := c.LocalAddr().(*net.UDPAddr).AddrPort()
		port = bound.Port() // the others join the port the first got
		e.conns = append(e.conns, c)
		e.addrs = append(e.addrs, netip.AddrPortFrom(a, bound.Port()))
	}
	if len(e.conns) == 0 {
		return nil, errors.New("dataplane: socket per address: no address")
	}
	max := cfg.MaxDatagram
	if max <= 0 {
		max = 65535
	}
	for i := range e.conns {
		e.wg.Add(1)
		go e.read(i, max)
	}
	return e, nil
}

func (e *perIPEndpoint) read(i, max int) {
	defer e.wg.Done()
	buf := make([]byte, max)
	c, to := e.conns[i], e.addrs[i]
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if e.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP errors surface here: nothing to deliver
		}
		e.lockSpace()
		e.queueLocked(buf[:n], from, to, 0)
		e.mu.Unlock()
		e.signal()
	}
}

// Write implements Endpoint: it sends from the first address of dst's
// family.
func (e *perIPEndpoint) Write(b []byte, dst netip.AddrPort) error {
	for i, a := range e.addrs {
		if a.Addr().Is4() == dst.Addr().Unmap().Is4() {
			return e.send(i, b, dst)
		}
	}
	return e.send(0, b, dst)
}

// WriteFrom implements SourceWriter: it sends from the socket bound to
// src's address.
func (e *perIPEndpoint) WriteFrom(b []byte, src, dst netip.AddrPort) error {
	sa := src.Addr().Unmap()
	for i, a := range e.addrs {
		if a.Addr() == sa {
			return e.send(i, b, dst)
		}
	}
	return fmt.Errorf("dataplane: no socket on %s", sa)
}

func (e *perIPEndpoint) send(i int, b []byte, dst netip.AddrPort) error {
	if _, err := e.conns[i].WriteToUDPAddrPort(b, dst); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("dataplane: %s to %s: %w", e.addrs[i], dst, err)
	}
	return nil
}

// Flush implements Endpoint: writes go out at once.
func (e *perIPEndpoint) Flush() error { return nil }

// Wake implements Endpoint.
func (e *perIPEndpoint) Wake() { e.wake() }

// LocalAddr implements Endpoint: the first address.
func (e *perIPEndpoint) LocalAddr() netip.AddrPort { return e.addrs[0] }

// LocalAddrs returns every bound address.
func (e *perIPEndpoint) LocalAddrs() []netip.AddrPort { return e.addrs }

func (e *perIPEndpoint) closeConns() {
	for _, c := range e.conns {
		_ = c.Close()
	}
}

// Close implements Endpoint.
func (e *perIPEndpoint) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	e.shut()
	e.closeConns()
	e.wg.Wait()
	return nil
}
