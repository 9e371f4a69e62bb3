package engine

import (
	"fmt"
	"net/netip"

	"github.com/gossip-sip/gossip/dataplane"
)

// SIPp's socket-per-IP mode (-t ui, Config.PerIP): every shard binds one
// UDP socket per distinct address of the first -inf file's field
// Config.IPField (-ip_field), all on the shard's port. A client call sends
// from the address on its injection line; a server call answers from the
// address it was called on. [local_ip] renders the call's address. A
// call keeps its address as 1 + its index in Engine.perIP, in call.conn
// (unused on UDP otherwise), so the mode costs no memory per call.

// maxPerIPLines bounds how many lines of the file are scanned for
// addresses (a PRINTF file can have millions of virtual lines).
const maxPerIPLines = 1 << 20

// initPerIP collects the addresses of the -ip_field field.
func (e *Engine) initPerIP() error {
	if !e.cfg.PerIP {
		return nil
	}
	set := e.cfg.Inject
	if set == nil || set.Len() == 0 {
		return fmt.Errorf("%w: -t ui needs an -inf file whose field %d (-ip_field) holds each call's local address", ErrConfig, e.cfg.IPField)
	}
	f := set.File(0)
	e.perIPIndex = map[string]int{}
	var buf []byte
	for line := 0; line < min(f.NumLines(), maxPerIPLines); line++ {
		var ok bool
		buf, ok = f.AppendField(buf[:0], line, e.cfg.IPField)
		if !ok {
			return fmt.Errorf("%w: -ip_field %d: %s line %d has no such field", ErrConfig, e.cfg.IPField, f.Path(), line+1)
		}
		if _, dup := e.perIPIndex[string(buf)]; dup {
			continue
		}
		a, err := netip.ParseAddr(string(buf))
		if err != nil {
			return fmt.Errorf("%w: -ip_field %d: %s line %d: %q is not an IP address", ErrConfig, e.cfg.IPField, f.Path(), line+1, buf)
		}
		a = a.Unmap()
		k := len(e.perIP)
		for i, b := range e.perIP {
			if a == b {
				k = i
			}
		}
		if k == len(e.perIP) {
			e.perIP = append(e.perIP, a)
			e.perIPHost = append(e.perIPHost, appendHost(nil, a))
		}
		e.perIPIndex[string(buf)] = k
	}
	return nil
}

// perIPOf is 1 + the index of the local address a datagram was sent to
// (0: unknown).
func (s *shard) perIPOf(to netip.AddrPort) dataplane.ConnID {
	a := to.Addr().Unmap()
	for i, b := range s.e.perIP {
		if a == b {
			return dataplane.ConnID(i + 1)
		}
	}
	return 0
}

// choosePerIP gives a new client call the address of its injection line.
func (s *shard) choosePerIP(c *call) {
	if s.calls.nInf == 0 {
		return
	}
	s.lang.line, _ = s.e.cfg.Inject.AppendIPField(s.lang.line[:0], s.calls.lines(c.slot), s.e.cfg.IPField)
	if k, ok := s.e.perIPIndex[string(s.lang.line)]; ok {
		c.conn = dataplane.ConnID(k + 1)
	}
}

// writePerIP sends b from call c's address (c nil: from the address the
// message being handled came to).
func (s *shard) writePerIP(c *call, b []byte, dst netip.AddrPort) error {
	k := s.rxConn
	if c != nil {
		k = c.conn
	}
	if k == 0 {
		return s.ep.Write(b, dst)
	}
	src := netip.AddrPortFrom(s.e.perIP[k-1], s.local.Port())
	return s.ep.(dataplane.SourceWriter).WriteFrom(b, src, dst)
}
