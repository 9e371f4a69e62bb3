package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/stats"
)

// What the engine does differently on stream transports (TCP, TLS,
// WebSocket; Config.Transport):
//
//   - Every shard's endpoint is a dataplane stream endpoint; they share
//     one connection table, so a shard answers on a connection another
//     shard accepted. Messages arrive framed, with the connection they
//     came on (dataplane.Packet.Conn), and a call remembers its
//     connection (call.conn); its messages go out on it.
//   - Server: every shard listens on the port (SO_REUSEPORT), the kernel
//     spreads connections over them, and messages are steered by Call-ID
//     as datagrams are, so a UAS that receives a single connection still
//     spreads its calls over every shard. A call follows the connection
//     its last message came on.
//   - Client, one connection (t1, l1): each shard dials one connection on
//     its first call and every call of the shard uses it (SIPp's
//     mono-socket mode, one connection per shard). When the peer closes it,
//     the calls on it fail ("TCP closed", unless -reconnect_close false)
//     and the shard reconnects after -reconnect_sleep, up to
//     -max_reconnect times; with no reconnection left the run ends with a
//     fatal error, as SIPp does.
//   - Client, connection per call (tn, ln): each call dials its own and
//     closes it when it ends; past -max_socket connections, calls share
//     the open ones in turn.
//   - A connection that cannot be established fails the call as "TCP
//     connect" (also for a failed TLS or WebSocket handshake); a
//     connection the peer closes fails its calls as "TCP closed".
//   - No retransmissions: the transport is reliable (RFC 3261 §17.1.1.2:
//     timer A only for unreliable transports).

// streamOn reports whether the run uses a stream transport.
func (e *Engine) streamOn() bool {
	switch e.cfg.Transport {
	case "tcp", "tls", "ws", "wss":
		return true
	}
	return false
}

// transportToken is what [transport] renders and traces show.
func transportToken(t string) string {
	switch t {
	case "tcp":
		return "TCP"
	case "tls":
		return "TLS"
	case "ws":
		return "WS"
	case "wss":
		return "WSS"
	}
	return "UDP"
}

// streamConfig is the stream part of shard endpoints' configuration.
func (e *Engine) streamConfig() *dataplane.StreamConfig {
	if !e.streamOn() {
		return nil
	}
	if e.conns == nil {
		e.conns = dataplane.NewConnTable(0)
	}
	return &dataplane.StreamConfig{
		Protocol: e.cfg.Transport,
		Listen:   true,
		TLS:      e.cfg.TLS,
		Conns:    e.conns,
		WSPath:   e.cfg.WSPath,
	}
}

// ErrConnectionLost is the fatal error of a client whose shared
// connection closed with no reconnection left (-max_reconnect).
var ErrConnectionLost = errors.New("engine: connection lost")

// bindConn makes conn c's connection, keeping count of the calls on each.
func (s *shard) bindConn(c *call, id dataplane.ConnID) {
	if c.conn == id {
		return
	}
	if c.conn != 0 {
		s.unbindConn(c)
	}
	c.conn = id
	if id != 0 {
		s.connCalls[id]++
	}
}

// unbindConn forgets c's connection, and closes it when the call owned it
// (a connection per call) and no other call uses it.
func (s *shard) unbindConn(c *call) {
	id := c.conn
	if id == 0 {
		return
	}
	c.conn = 0
	n := s.connCalls[id] - 1
	if n > 0 {
		s.connCalls[id] = n
		return
	}
	delete(s.connCalls, id)
	if s.e.client && s.e.cfg.ConnPerCall {
		s.stream.CloseConn(id)
		s.dropOwnConn(id)
	}
}

func (s *shard) dropOwnConn(id dataplane.ConnID) {
	for i, o := range s.ownConns {
		if o == id {
			s.ownConns[i] = s.ownConns[len(s.ownConns)-1]
			s.ownConns = s.ownConns[:len(s.ownConns)-1]
			return
		}
	}
}

// connectCall gives a new client call its connection, dialling one when
// needed; false means it could not (the call is then ended as failed).
func (s *shard) connectCall(c *call, now int64) bool {
	dst := s.dst(c)
	if !s.e.cfg.ConnPerCall {
		if s.mainConn == 0 {
			id, err := s.stream.Dial(dst)
			if err != nil {
				s.connectFailed(err)
				return false
			}
			s.mainConn = id
			s.everConnected = true
		}
		s.bindConn(c, s.mainConn)
		return true
	}
	perShard := max(s.e.cfg.MaxSocket/s.e.cfg.Shards, 1)
	if len(s.ownConns) >= perShard {
		// -max_socket reached: share the open connections in turn.
		s.rr = (s.rr + 1) % len(s.ownConns)
		s.bindConn(c, s.ownConns[s.rr])
		return true
	}
	id, err := s.stream.Dial(dst)
	if err != nil {
		s.connectFailed(err)
		return false
	}
	s.ownConns = append(s.ownConns, id)
	s.bindConn(c, id)
	return true
}

// connectFailed reports a failed connection attempt; on the shared
// connection it spends a reconnection, or ends the run without any.
func (s *shard) connectFailed(err error) {
	if s.connErrors++; s.connErrors <= 3 {
		s.e.cfg.Logger.Warn("connection failed", "shard", s.idx, "err", err)
	}
	s.event("Unable to connect a %s socket: %v", transportToken(s.e.cfg.Transport), err)
	if s.e.cfg.ConnPerCall {
		return
	}
	if !s.takeReconnect() {
		s.e.fatal(fmt.Errorf("%w: %w", ErrConnectionLost, err))
		return
	}
	s.reconnectAt = s.e.now() + int64(s.e.cfg.ReconnectSleep)
}

// takeReconnect spends one of -max_reconnect, reporting whether one was
// left. The first connection of a shard is not a reconnection.
func (s *shard) takeReconnect() bool {
	if !s.everConnected {
		// SIPp: failing to connect at the start is fatal unless
		// reconnections are allowed.
		if s.e.cfg.MaxReconnect == 0 {
			return false
		}
	}
	switch {
	case s.e.cfg.MaxReconnect < 0:
		return true
	case s.reconnects < s.e.cfg.MaxReconnect:
		s.reconnects++
		return true
	}
	return false
}

// onConnClosed handles the end of a connection: its calls fail as "TCP
// closed" (or keep running, -reconnect_close false), and a client's
// shared connection is re-established later.
func (s *shard) onConnClosed(id dataplane.ConnID, err error, now int64, fromSocket bool) {
	if fromSocket && len(s.e.shards) > 1 && s.e.steer {
		// Calls of other shards may use it.
		for _, o := range s.e.shards {
			if o == s {
				continue
			}
			// The owner drains its inbox every turn: wait for room
			// rather than lose the event (its calls would hang).
			for try := 0; !o.inbox.Push(nil, netip.AddrPort{}, id, 0); try++ {
				if try == 10000 {
					s.e.handoffDrops.Add(1)
					break
				}
				runtime.Gosched()
			}
			if o.sleeping.Load() {
				o.ep.Wake()
			}
		}
	}
	if fromSocket {
		if err != nil {
			s.e.cfg.Logger.Warn("connection failed", "shard", s.idx, "err", err)
		}
		if s.e.cfg.Tracer != nil {
			if err != nil {
				s.event("Error on %s connection: %v", transportToken(s.e.cfg.Transport), err)
			} else {
				s.event("%s connection closed by the peer", transportToken(s.e.cfg.Transport))
			}
		}
	}
	if id == s.mainConn {
		s.mainConn = 0
		if s.e.state.Load() == stateRunning && !s.exhausted {
			if !s.takeReconnect() {
				s.e.fatal(fmt.Errorf("%w: %s connection to %s closed and -max_reconnect allows no reconnection",
					ErrConnectionLost, transportToken(s.e.cfg.Transport), s.e.cfg.Remote))
			} else {
				s.reconnectAt = now + int64(s.e.cfg.ReconnectSleep)
			}
		}
	}
	s.dropOwnConn(id)
	if s.connCalls[id] == 0 {
		delete(s.connCalls, id)
		return
	}
	delete(s.connCalls, id)
	for i := 0; i < s.calls.len(); i++ {
		c := s.calls.at(int32(i))
		if !c.live || c.conn != id {
			continue
		}
		c.conn = 0
		if cmd := &s.e.scn.Commands[c.cmd]; cmd.Timewait && c.pauseUntil != 0 {
			// SIPp: a call in its <timewait> has succeeded already.
			s.endCall(int32(i), c, outcomeSuccess, 0, now)
			continue
		}
		if s.e.cfg.ReconnectKeepCalls && s.e.client && !s.e.cfg.ConnPerCall {
			continue // SIPp's -reconnect_close false: the next send reconnects
		}
		s.event("Aborting call on %s connection closed for Call-ID '%s'", transportToken(s.e.cfg.Transport), c.id())
		s.endCall(int32(i), c, outcomeFailed, stats.FailTCPClosed, now)
	}
}

// writeStream sends b on call c's connection (reconnecting a client's
// shared connection when a kept call lost it).
func (s *shard) writeStream(c *call, b []byte) error {
	if c != nil && c.conn == 0 && s.e.client {
		if s.reconnectAt > s.e.now() {
			return dataplane.ErrConnClosed
		}
		if !s.connectCall(c, s.e.now()) {
			return dataplane.ErrConnect
		}
	}
	id := s.rxConn
	if c != nil {
		id = c.conn
	}
	return s.stream.WriteConn(b, id)
}
