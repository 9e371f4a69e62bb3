package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/gossip-sip/gossip/dataplane"
	"hash/maphash"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// The 3PCC command bus: <sendCmd> and <recvCmd> between twin instances
// (SIPp's -3pcc) and between a master and its slaves (-master, -slave,
// -slave_cfg).
//
// The wire format is SIPp's (socket.cpp, call.cpp sendCmdMessage): each
// command is the rendered <sendCmd> text followed by one ESC byte (0x1b)
// on a TCP connection; the command's Call-ID header names the call. In
// -3pcc mode the scenario whose first command is a <sendCmd> (3pcc-C-A)
// connects to the twin address, and the one whose first command is a
// <recvCmd> (3pcc-C-B) listens on it; both directions share the one
// connection. In extended mode every instance listens on its own address
// from the -slave_cfg file and connects to each peer its <sendCmd dest=>
// names (a master at start, a slave when the first peer connects to it);
// a command names its sender in a "From: NAME" header, which <recvCmd
// src=> must match.
//
// Shards never touch the connections: a shard copies each command into a
// bounded lock-free queue (handoff.go) that the bus goroutine drains and
// writes; a reader goroutine per connection splits the stream at ESC and
// hands each command to the shard that owns its call through the shard's
// inbox, where it arrives as a datagram with no source address. A command
// for an unknown Call-ID creates a call, on the shard the Call-ID hashes
// to, when the scenario's calls start from commands (3pcc-C-B, slaves).

// ThirdPCC configures the 3PCC command bus. The zero value disables it.
type ThirdPCC struct {
	// Twin is -3pcc's address: the twin to connect to when the scenario
	// sends the first command (3pcc-C-A), the address to listen on when
	// it receives the first command (3pcc-C-B).
	Twin netip.AddrPort
	// Self is the -master or -slave name; Master says which of the two.
	Self   string
	Master bool
	// Peers maps instance names to addresses (the -slave_cfg file).
	Peers map[string]netip.AddrPort
}

// Enabled reports whether a 3PCC mode is configured.
func (t *ThirdPCC) Enabled() bool { return t.Twin.IsValid() || t.Self != "" }

// Errors of the 3PCC command bus.
var (
	// ErrThirdPCC wraps an inconsistency between the scenario's
	// <sendCmd>/<recvCmd> and the 3PCC flags.
	ErrThirdPCC = errors.New("engine: 3PCC configuration")
	// ErrTwinConnect wraps a failure to connect to a twin or peer instance.
	ErrTwinConnect = errors.New("engine: cannot connect to the 3PCC twin")
)

const (
	cmdEnd       = 0x1b // SIPp ends every command with ESC
	cmdQueueSize = 4096
	cmdHeader    = 2 + 1 + 8 // shard index, peer index, Call-ID hash
	routeTTL     = 2 * time.Minute
)

// cmdBus owns the command connections of one engine.
type cmdBus struct {
	e       *Engine
	cfg     ThirdPCC
	extend  bool     // -master/-slave rather than -3pcc
	listen  bool     // accept connections (twin B side, every extended instance)
	creates bool     // a command for an unknown Call-ID starts a call
	names   []string // peers by index: sendCmd dest= (index 0 is the twin in -3pcc mode)
	dest    []uint8  // per scenario command: peer index of its sendCmd
	out     *handoff // commands from the shards
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
	ln      net.Listener

	mu      sync.Mutex
	conns   []net.Conn // write side per peer; nil: not connected
	readers []net.Conn // every connection read from
	dialled bool       // extended slave: peers dialled
	closing bool

	routeMu sync.Mutex
	route   map[uint64]routeEntry // Call-ID hash → shard that sent a command for it

	connected  atomic.Bool // a twin connection exists (-3pcc)
	dropped    atomic.Uint64
	started    bool
	writerDone chan struct{}
}

type routeEntry struct {
	shard uint16
	at    int64
}

// initBus checks the scenario's 3PCC role against the flags and opens the
// listening socket and the connections made at start.
func (e *Engine) initBus() error {
	cfg := e.cfg.ThirdPCC
	role := e.scn.ThirdPCC
	if !cfg.Enabled() {
		if role != scenario.ThirdPCCNone {
			return fmt.Errorf("%w: the scenario has <sendCmd> or <recvCmd> but neither -3pcc nor -master/-slave with -slave_cfg is set", ErrThirdPCC)
		}
		return nil
	}
	if cfg.Twin.IsValid() && cfg.Self != "" {
		return fmt.Errorf("%w: -3pcc is not compatible with -master and -slave", ErrThirdPCC)
	}
	if role == scenario.ThirdPCCNone {
		return fmt.Errorf("%w: 3PCC mode is set but the scenario has no <sendCmd> or <recvCmd>", ErrThirdPCC)
	}
	b := &cmdBus{
		e:          e,
		cfg:        cfg,
		extend:     cfg.Self != "",
		out:        newHandoff(cmdQueueSize),
		kick:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
		route:      make(map[uint64]routeEntry),
		creates:    role == scenario.ThirdPCCControllerB || role == scenario.ThirdPCCAPassive,
		dest:       make([]uint8, len(e.scn.Commands)),
	}
	var listenAddr netip.AddrPort
	var dialNow bool
	if !b.extend {
		b.names = []string{""}
		if role == scenario.ThirdPCCControllerB {
			b.listen, listenAddr = true, cfg.Twin
		} else {
			dialNow = true
		}
	} else {
		master := role != scenario.ThirdPCCControllerB
		switch {
		case master && !cfg.Master:
			return fmt.Errorf("%w: inconsistency between command line and scenario: master scenario but -master option not set", ErrThirdPCC)
		case !master && cfg.Master:
			return fmt.Errorf("%w: inconsistency between command line and scenario: slave scenario but -slave option not set", ErrThirdPCC)
		}
		self, ok := cfg.Peers[cfg.Self]
		if !ok {
			return fmt.Errorf("%w: %q is not in the -slave_cfg file", ErrThirdPCC, cfg.Self)
		}
		b.listen, listenAddr, dialNow = true, self, master
		b.creates = b.creates || role == scenario.ThirdPCCAPassive
	}
	for i := range e.scn.Commands {
		c := &e.scn.Commands[i]
		if !b.extend {
			continue
		}
		switch c.Kind {
		case scenario.KindSendCmd:
			if c.Peer == "" {
				return fmt.Errorf("%w: %s:%d: <sendCmd> needs dest= in extended 3PCC mode", ErrThirdPCC, e.scn.Source, c.Line)
			}
			if _, ok := cfg.Peers[c.Peer]; !ok {
				return fmt.Errorf("%w: %s:%d: <sendCmd dest=%q>: no such instance in the -slave_cfg file", ErrThirdPCC, e.scn.Source, c.Line, c.Peer)
			}
			k := indexOf(b.names, c.Peer)
			if k < 0 {
				k = len(b.names)
				b.names = append(b.names, c.Peer)
			}
			if k > 255 {
				return fmt.Errorf("%w: more than 256 peers", ErrThirdPCC)
			}
			b.dest[i] = uint8(k)
		case scenario.KindRecvCmd:
			if c.Peer == "" {
				return fmt.Errorf("%w: %s:%d: <recvCmd> needs src= in extended 3PCC mode", ErrThirdPCC, e.scn.Source, c.Line)
			}
		}
	}
	b.conns = make([]net.Conn, len(b.names))
	if b.listen {
		ln, err := net.Listen("tcp", listenAddr.String())
		if err != nil {
			return fmt.Errorf("%w: cannot listen on the 3PCC socket %s: %w", ErrThirdPCC, listenAddr, err)
		}
		b.ln = ln
	}
	if dialNow {
		if err := b.dialAll(); err != nil {
			b.shutdown()
			return err
		}
	}
	e.bus = b
	return nil
}

// TwinAddr returns the address the 3PCC bus listens on, if it listens.
func (e *Engine) TwinAddr() (netip.AddrPort, bool) {
	if e.bus == nil || e.bus.ln == nil {
		return netip.AddrPort{}, false
	}
	return e.bus.ln.Addr().(*net.TCPAddr).AddrPort(), true
}

// dialAll connects to the twin or to every peer the scenario sends to.
func (b *cmdBus) dialAll() error {
	for i, name := range b.names {
		addr := b.cfg.Twin
		if b.extend {
			addr = b.cfg.Peers[name]
		}
		conn, err := net.DialTimeout("tcp", addr.String(), 5*time.Second)
		if err != nil {
			who := "twin"
			if b.extend {
				who = fmt.Sprintf("peer %q", name)
			}
			return fmt.Errorf("%w: %s at %s: %w", ErrTwinConnect, who, addr, err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		b.mu.Lock()
		b.conns[i] = conn
		b.readers = append(b.readers, conn)
		b.mu.Unlock()
		if !b.extend {
			b.connected.Store(true)
		}
	}
	b.dialled = true
	return nil
}

// start launches the bus goroutines (Run).
func (b *cmdBus) start() {
	b.started = true
	b.mu.Lock()
	for _, c := range b.readers {
		b.goRead(c)
	}
	b.mu.Unlock()
	if b.ln != nil {
		b.wg.Add(1)
		go b.accept()
	}
	go b.write()
}

func (b *cmdBus) goRead(c net.Conn) {
	b.wg.Add(1)
	go b.read(c)
}

// accept takes connections from the twin or from peers.
func (b *cmdBus) accept() {
	defer b.wg.Done()
	for {
		conn, err := b.ln.Accept()
		if err != nil {
			return // closed by shutdown
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		b.mu.Lock()
		if b.closing {
			b.mu.Unlock()
			conn.Close()
			return
		}
		b.readers = append(b.readers, conn)
		if !b.extend {
			// SIPp: the last connection is the twin.
			b.conns[0] = conn
			b.connected.Store(true)
		}
		dial := b.extend && !b.dialled
		b.mu.Unlock()
		if dial {
			// A slave connects to its peers when the first one connects
			// to it (SIPp's connect_to_all_peers).
			if err := b.dialAll(); err != nil {
				b.e.cfg.Logger.Warn("3PCC: cannot connect to a peer", "err", err)
			} else {
				b.mu.Lock()
				for _, c := range b.conns {
					if c != nil {
						b.goRead(c)
					}
				}
				b.mu.Unlock()
			}
		}
		// Read only now: a command's call may answer at once, and its
		// answer needs the connections just dialled.
		b.goRead(conn)
	}
}

// read splits one connection's stream into commands and hands each to
// the shard that owns its call.
func (b *cmdBus) read(conn net.Conn) {
	defer b.wg.Done()
	r := bufio.NewReaderSize(conn, 64<<10)
	var long []byte
	for {
		frame, err := r.ReadSlice(cmdEnd)
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, frame...)
			continue
		}
		if err != nil {
			b.lost(conn)
			return
		}
		if long != nil {
			frame = append(long, frame...)
			long = nil
		}
		b.deliver(frame[:len(frame)-1], conn)
	}
}

// lost handles the end of a connection: SIPp ends the run when its twin
// or a peer goes away; gossip lets running calls finish (Stop).
func (b *cmdBus) lost(conn net.Conn) {
	b.mu.Lock()
	closing := b.closing
	b.mu.Unlock()
	if closing || b.e.finished() {
		return // the run ends anyway
	}
	switch {
	case b.extend:
		b.e.cfg.Logger.Warn("3PCC: one of the twin instances has ended, stopping", "peer", conn.RemoteAddr().String())
	case b.listen:
		b.e.cfg.Logger.Warn("3PCC: controller A has ended, stopping", "peer", conn.RemoteAddr().String())
	default:
		b.e.cfg.Logger.Warn("3PCC: the twin has ended, stopping", "peer", conn.RemoteAddr().String())
	}
	b.e.Stop()
}

// deliver routes one received command to the shard that owns its call:
// the shard that last sent a command for the Call-ID, or the one the
// Call-ID hashes to.
func (b *cmdBus) deliver(cmd []byte, conn net.Conn) {
	if tr := b.e.cfg.Tracer; tr != nil {
		// SIPp: "TCP control message received [N] bytes :", without the ESC.
		tr.Message(trace.Received, time.Now(), "TCP control", cmd, addrOf(conn.RemoteAddr()))
	}
	cid := commandCallID(cmd)
	if len(cid) == 0 {
		b.e.cfg.Logger.Warn("3PCC: command without Call-ID discarded", "command", string(cmd))
		return
	}
	h := maphash.Bytes(b.e.seed, cid)
	b.routeMu.Lock()
	r, ok := b.route[h]
	b.routeMu.Unlock()
	idx := b.e.shardOf(cid)
	if ok {
		idx = int(r.shard)
	}
	owner := b.e.shards[idx]
	// A command is never dropped: wait for room in the owner's inbox.
	for !owner.inbox.Push(cmd, netip.AddrPort{}, 0, 0) {
		if b.e.state.Load() >= stateAborting {
			return
		}
		owner.ep.Wake()
		time.Sleep(50 * time.Microsecond)
	}
	if owner.sleeping.Load() {
		owner.ep.Wake()
	}
}

// write drains the shards' commands onto the connections.
func (b *cmdBus) write() {
	defer close(b.writerDone)
	writers := make([]*bufio.Writer, len(b.names))
	var conns []net.Conn
	sweep := time.NewTicker(routeTTL / 4)
	defer sweep.Stop()
	pop := func(data []byte, _ netip.AddrPort, _ dataplane.ConnID, _ int64) {
		shard := uint16(data[0])<<8 | uint16(data[1])
		peer := int(data[2])
		var h uint64
		for i := 0; i < 8; i++ {
			h = h<<8 | uint64(data[3+i])
		}
		b.routeMu.Lock()
		b.route[h] = routeEntry{shard: shard, at: b.e.now()}
		b.routeMu.Unlock()
		if conns == nil || conns[peer] == nil {
			b.mu.Lock()
			conns = append(conns[:0], b.conns...)
			b.mu.Unlock()
		}
		c := conns[peer]
		if c == nil {
			b.dropped.Add(1)
			b.e.cfg.Logger.Warn("3PCC: no connection to send a command on", "peer", b.names[peer])
			return
		}
		w := writers[peer]
		if w == nil || w.Size() == 0 {
			w = bufio.NewWriterSize(c, 64<<10)
			writers[peer] = w
		}
		if _, err := w.Write(data[cmdHeader:]); err != nil {
			b.dropped.Add(1)
		}
		if tr := b.e.cfg.Tracer; tr != nil {
			// SIPp: "TCP control message sent (N bytes):", the ESC included.
			tr.Message(trace.Sent, time.Now(), "TCP control", data[cmdHeader:], addrOf(c.RemoteAddr()))
		}
	}
	flush := func() {
		for i, w := range writers {
			if w != nil && w.Buffered() > 0 {
				if err := w.Flush(); err != nil {
					b.e.cfg.Logger.Warn("3PCC: send failed", "peer", b.names[i], "err", err)
					writers[i] = nil
					conns = nil
				}
			}
		}
	}
	for {
		select {
		case <-b.kick:
			for b.out.Pop(pop) {
			}
			flush()
		case <-sweep.C:
			cut := b.e.now() - int64(routeTTL)
			b.routeMu.Lock()
			for h, r := range b.route {
				if r.at < cut {
					delete(b.route, h)
				}
			}
			b.routeMu.Unlock()
		case <-b.done:
			for b.out.Pop(pop) {
			}
			flush()
			return
		}
	}
}

// shutdown flushes what the shards queued and closes every connection
// (once the shards stopped), which ends the readers.
func (b *cmdBus) shutdown() {
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		return
	}
	b.closing = true
	b.mu.Unlock()
	close(b.done)
	if b.ln != nil {
		_ = b.ln.Close()
	}
	if b.started {
		<-b.writerDone
	}
	b.mu.Lock()
	for _, c := range b.readers {
		_ = c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func addrOf(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return netip.AddrPort{}
}

// commandCallID is the value of a command's Call-ID header (any line,
// either case, compact form "i" too), as SIPp's get_call_id finds it.
func commandCallID(cmd []byte) []byte {
	for len(cmd) > 0 {
		line := cmd
		if i := bytes.IndexByte(cmd, '\n'); i >= 0 {
			line, cmd = cmd[:i], cmd[i+1:]
		} else {
			cmd = nil
		}
		if v, ok := headerValue(line, "Call-ID", "i"); ok {
			return v
		}
	}
	return nil
}

// headerValue returns the trimmed value of line when it is header name
// (or its compact form), case-insensitively.
func headerValue(line []byte, name, compact string) ([]byte, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return nil, false
	}
	n := bytes.TrimSpace(line[:colon])
	if !bytes.EqualFold(n, []byte(name)) && !(compact != "" && bytes.EqualFold(n, []byte(compact))) {
		return nil, false
	}
	return bytes.Trim(line[colon+1:], " \t\r"), true
}

// isAbortCommand reports whether a command is SIPp's "internal-cmd:
// abort_call" (the 3pcc_abort default message).
func isAbortCommand(cmd []byte) bool {
	i := bytes.Index(cmd, []byte("internal-cmd:"))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(cmd[i+len("internal-cmd:"):], " \t")
	end := bytes.IndexAny(rest, " \t\r\n")
	if end < 0 {
		return false // SIPp wants the value terminated
	}
	return string(rest[:end]) == "abort_call"
}

// commandSender is SIPp's check_peer_src: the token after the first
// "From:" of the command (case-sensitive), which must end before the
// command does.
func commandSender(cmd []byte) ([]byte, bool) {
	i := bytes.Index(cmd, []byte("From:"))
	if i < 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(cmd[i+len("From:"):], " \t")
	end := bytes.IndexAny(rest, " \t\r\n")
	if end <= 0 {
		return nil, false
	}
	return rest[:end], true
}

// sendCommand renders command c.cmd (a <sendCmd>) and queues it for the
// bus; false means the call failed (counted) and ended.
func (s *shard) sendCommand(slot int32, c *call, now int64) bool {
	b := s.e.bus
	idx := int(c.cmd)
	tx := append(s.tx[:0], make([]byte, cmdHeader)...)
	tx = s.render(tx, c, idx)
	tx = append(tx, cmdEnd)
	s.tx = tx
	tx[0], tx[1], tx[2] = byte(s.idx>>8), byte(s.idx), b.dest[idx]
	h := c.hash
	for i := 7; i >= 0; i-- {
		tx[3+i] = byte(h)
		h >>= 8
	}
	if (!b.extend && !b.connected.Load()) || !b.out.Push(tx, netip.AddrPort{}, 0, 0) {
		s.event("Unable to send 3PCC command for Call-ID '%s'", c.id()) // gossip's words: SIPp fails silently
		s.endCall(slot, c, outcomeFailed, stats.FailCmdNotSent, now)
		return false
	}
	select {
	case b.kick <- struct{}{}:
	default:
	}
	s.rec.MessageSent(idx)
	s.bookkeeping(slot, c, c.cmd, now)
	if len(s.e.scn.Commands[idx].Actions) > 0 {
		s.runActions(c, c.cmd, nil)
	}
	return true
}

// sendAbort tells the twin to abort the call (SIPp's 3pcc_abort default
// message), in -3pcc mode once the call is past its first command.
func (s *shard) sendAbort(c *call) {
	b := s.e.bus
	if b == nil || b.extend || c.cmd == 0 || !b.connected.Load() {
		return
	}
	tx := append(s.tx[:0], make([]byte, cmdHeader)...)
	if t := s.e.scn.DefaultMessages["3pcc_abort"]; t != nil {
		tx = s.renderTemplate(tx, c, int(c.cmd), t)
	} else {
		tx = append(tx, "call-id: "...)
		tx = append(tx, c.id()...)
		tx = append(tx, "\r\ninternal-cmd: abort_call\r\n\r\n"...)
	}
	tx = append(tx, cmdEnd)
	s.tx = tx
	tx[0], tx[1], tx[2] = byte(s.idx>>8), byte(s.idx), 0
	h := c.hash
	for i := 7; i >= 0; i-- {
		tx[3+i] = byte(h)
		h >>= 8
	}
	if b.out.Push(tx, netip.AddrPort{}, 0, 0) {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// waitCommand parks the call on a <recvCmd>, with its receive timeout.
func (s *shard) waitCommand(slot int32, c *call) {
	if c.recvDeadline == 0 {
		d := s.e.scn.Commands[c.cmd].Timeout
		if d == 0 {
			d = s.e.cfg.RecvTimeout
		}
		if d > 0 {
			c.recvDeadline = s.e.now() + int64(d)
		}
	}
	s.arm(slot, c)
}

// onCommand handles a command the bus delivered: to its call, or to a
// new call when the scenario's calls start from commands.
func (s *shard) onCommand(cmd []byte) {
	now := s.e.now()
	cid := commandCallID(cmd)
	h := maphash.Bytes(s.e.seed, cid)
	if slot, ok := s.table.Lookup(h, cid, s.callID); ok {
		s.recvCommand(slot, s.calls.at(slot), cmd, now)
		return
	}
	if isAbortCommand(cmd) {
		return // the call is gone already
	}
	if s.dead.Contains(h) {
		s.rec.DeadCallMessage()
		return
	}
	b := s.e.bus
	if b == nil || !b.creates || s.e.state.Load() != stateRunning {
		s.rec.OutOfCallMessage()
		return
	}
	slot, c, ok := s.newPeerCall(cid, h, s.remote, false, now)
	if !ok {
		return
	}
	s.recvCommand(slot, c, cmd, now)
}

// recvCommand is SIPp's process_twinSippCom: the command must match the
// <recvCmd> the call waits on (optional commands and nops before it may
// be skipped); anything else rejects the call.
func (s *shard) recvCommand(slot int32, c *call, cmd []byte, now int64) {
	if s.e.cfg.CallDebug != nil {
		s.debugf(c, "Processing incoming command for call-ID %s:\n%s\n\n", c.id(), cmd)
	}
	if isAbortCommand(cmd) {
		s.endCall(slot, c, outcomeFailed, stats.FailUnclassified, now)
		return
	}
	cmds := s.e.scn.Commands
	found := int32(-1)
	for i := c.cmd; int(i) < len(cmds); i++ {
		k := cmds[i].Kind
		if k != scenario.KindRecvCmd {
			if cmds[i].Optional || k == scenario.KindNop || k == scenario.KindLabel {
				continue
			}
			break
		}
		if s.e.bus.extend {
			if from, ok := commandSender(cmd); !ok || string(from) != cmds[i].Peer {
				s.event("Unexpected sender for the received peer message\n%s\n", cmd)
				s.endCall(slot, c, outcomeFailed, stats.FailCallRejected, now)
				return
			}
		}
		found = i
		break
	}
	if found < 0 {
		// SIPp says so in its message and call-debug logs, not as a warning.
		if s.e.cfg.CallDebug != nil {
			s.debugf(c, "Unexpected control message received (no such message found):\n%s\n\n", cmd)
		}
		s.endCall(slot, c, outcomeFailed, stats.FailCallRejected, now)
		return
	}
	s.rec.MessageReceived(int(found))
	s.bookkeeping(slot, c, found, now)
	// SIPp drops the line ends that end a command before its actions.
	for len(cmd) >= 2 && cmd[len(cmd)-1] == '\n' && cmd[len(cmd)-2] == '\r' {
		cmd = cmd[:len(cmd)-2]
	}
	if len(cmds[found].Actions) > 0 {
		s.runActions(c, found, cmd)
	}
	c.pauseUntil = 0
	c.recvDeadline = 0
	c.cmd = s.next(c, found)
	s.advance(slot, c, now)
}
