package engine

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
	"github.com/gossip-sip/gossip/sipfast"
)

const (
	tick        = time.Millisecond // timer wheel resolution
	maxIdle     = 100 * time.Millisecond
	handoffSize = 1024
)

// shard is one event loop: it owns an endpoint, a slab of calls, their
// table and timer wheel, and a statistics recorder. Everything here is
// written by the shard's goroutine only, except inbox and sleeping.
type shard struct {
	e     *Engine
	idx   int
	ep    dataplane.Endpoint
	local netip.AddrPort
	rec   *stats.Recorder

	calls   slab
	bufs    bufPool
	peers   peerTable
	free    []int32
	table   *callTable
	dead    *deadCalls
	wheel   *wheel
	active  int
	expired []int32

	inbox    *handoff
	sleeping atomic.Bool

	poller    dataplane.Poller // nil when the backend only blocks
	busy      bool             // draining per tick instead of per datagram
	rxWindow  int              // datagrams received in the current window
	windowEnd int64

	msg      *sipfast.Message // the datagram being handled: one of ahead.bufs
	ahead    rxAhead          // the next datagram of the batch, parsed early
	last     sipfast.Message  // a call's last received message, for rendering
	lastCall *call            // whose lastRecv s.last indexes
	lastGen  uint64           // and which version of it
	gen      uint64           // hands out call.lastGen values
	tx       []byte
	pkts     []dataplane.Packet
	msgs     []*scenario.Template // message templates by command, constants folded (render.go)

	// Rendering memos (render.go): "z9hG4bK-PID-" of [branch], and the
	// decimal digits of the call number rendered last.
	branchPrefix []byte
	numText      [20]byte
	numLen       uint8
	numOf        uint64

	// Stream transports (stream.go); stream is nil on datagram ones.
	stream        dataplane.StreamEndpoint
	rxConn        dataplane.ConnID           // connection of the message being handled
	connCalls     map[dataplane.ConnID]int32 // live calls per connection
	mainConn      dataplane.ConnID           // a client's shared connection (t1, l1)
	ownConns      []dataplane.ConnID         // a client's per-call connections (tn, ln)
	rr            int                        // next of ownConns to share past -max_socket
	reconnects    int                        // reconnections spent (-max_reconnect)
	reconnectAt   int64                      // no new call before (-reconnect_sleep)
	everConnected bool
	connErrors    int

	mirrorLocal netip.AddrPort // the local address Config.Mirror sees (mirrorAddr)
	lang        shardLang      // scratch and RNG of actions and branching (actions.go)
	freeUsers   userDeque      // -users: this shard's free users (users.go)
	ooc         *shard         // the out-of-call engine's shard this one drives (ooc.go), or nil
	// queued is the unexpected message a jump to _unexp.main hands to the
	// first recv after the label (queuedCall's); replaying is set while
	// that recv handles it (unexpected.go).
	queued     []byte
	queuedCall *call
	replaying  bool

	health       shardHealth
	wakeAt       int64  // the deadline the loop last slept towards; 0: none
	dropsAtStart uint64 // the socket's kernel drop count when the shard started
	remote       uint32 // peer index of the configured remote host
	sched        uint64 // next index in this shard's share of the rate schedule
	userSlots    int    // -users: calls to start now
	exhausted    bool   // -m reached: no more calls from this shard
	limited      bool   // -l reached at the last launch

	dbg        map[int32][]byte // -trace_calldebug: live calls' histories by slot (calldebug.go)
	dbgAborted map[int32]bool   // -trace_calldebug: calls whose abort is already in their history
}

func newShard(e *Engine, idx int, ep dataplane.Endpoint, capacity int) *shard {
	s := &shard{
		calls: slab{nRTD: len(e.scn.RTDNames), nVar: e.callSlots(), nInf: injectFiles(e.cfg.Inject), nAuth: usesAuth(e.scn), nUID: e.uidSlots(), nTxn: len(e.scn.Transactions), nInv: e.checksAckCSeq(), nMedia: e.mediaSlots()},
		e:     e,
		idx:   idx,
		ep:    ep,
		local: ep.LocalAddr(),
		rec:   stats.NewRecorder(e.layout),
		table: newCallTable(capacity),
		dead:  newDeadCalls(4096),
		wheel: newWheel(0),
		inbox: newHandoff(handoffSize),
		free:  make([]int32, 0, capacity),
		tx:    make([]byte, 0, 4096),
		pkts:  make([]dataplane.Packet, dataplane.ReadBatchSize),
	}
	s.msg = &s.ahead.bufs[0]
	if e.cfg.Limit > 0 {
		s.calls.reserve(capacity)
		s.wheel.nodes = slices.Grow(s.wheel.nodes, capacity)
	}
	s.poller, _ = ep.(dataplane.Poller)
	if se, ok := ep.(dataplane.StreamEndpoint); ok && e.streamOn() {
		s.stream = se
		s.connCalls = make(map[dataplane.ConnID]int32)
	}
	s.mirrorLocal = mirrorAddr(s.local, e.localIP)
	s.remote = s.peers.intern(e.cfg.Remote)
	s.initUsers()
	if e.cfg.Users > 0 {
		s.userSlots = e.cfg.Users / e.cfg.Shards
		if idx < e.cfg.Users%e.cfg.Shards {
			s.userSlots++
		}
	}
	return s
}

// run is the shard's event loop.
func (s *shard) run() {
	defer s.e.wg.Done()
	if dc, ok := s.ep.(dataplane.DropCounter); ok {
		s.dropsAtStart = dc.Drops()
	}
	for {
		now := s.e.now()
		if s.wakeAt != 0 && now > s.wakeAt {
			s.health.noteWake(now - s.wakeAt)
		}
		s.wakeAt = 0
		st := s.e.state.Load()
		if st >= stateAborting {
			s.abortAll(now)
			_ = s.ep.Flush()
			s.publishMirrored()
			s.rec.SetCurrentCalls(s.active)
			return
		}
		for s.inbox.Pop(s.onHandoff) {
			// Datagrams other shards pass on count towards the busy
			// state like those of the shard's own socket: a shard fed
			// mostly by hand-offs then drains them every busyDrain instead
			// of being woken for each.
			s.rxWindow++
		}
		if st == stateRunning && s.e.launches {
			s.launch(now)
		}
		s.expired = s.wheel.Advance(uint64(now/int64(tick)), s.expired[:0])
		for _, slot := range s.expired {
			s.onTimer(slot, now)
		}
		s.dead.Expire(now)
		if s.ooc != nil {
			s.oocTimers(now)
		}
		if err := s.ep.Flush(); err != nil {
			s.e.logSendError(err)
		}
		s.publishMirrored()
		s.rec.SetCurrentCalls(s.active)

		deadline := s.nextDeadline(now, st)
		s.wakeAt = deadline
		if s.busy && s.poller != nil {
			// Busy: sleep to the next drain (or deadline) and take what
			// queued meanwhile, many datagrams per wake-up. Kernel receive
			// stamps keep response times exact despite the wait.
			s.poller.Sleep(s.e.t0.Add(time.Duration(busyWake(now, deadline, int64(s.e.cfg.TimerResol)))))
			for {
				n, err := s.poller.TryRead(s.pkts)
				if err != nil {
					if s.readFailed(err) {
						return
					}
					break
				}
				s.dispatch(n)
				if n < len(s.pkts) {
					break
				}
			}
			continue
		}
		s.sleeping.Store(true)
		if !s.inbox.Empty() || s.e.state.Load() != st {
			s.sleeping.Store(false)
			continue
		}
		n, err := s.ep.Read(s.pkts, s.e.t0.Add(time.Duration(deadline)))
		s.sleeping.Store(false)
		if err != nil {
			if errors.Is(err, dataplane.ErrTimeout) {
				s.dispatch(0)
				continue
			}
			if s.readFailed(err) {
				return
			}
			continue
		}
		s.dispatch(n)
	}
}

// Busy detection: a shard that received at least busyDatagrams in the
// last busyWindow (10,000 a second) switches from one wake-up per datagram
// to draining its socket and its hand-off queue every Config.TimerResol
// (the drain period; -timer_resol, 1 ms by default). Below that rate the
// wake-ups cost little and each message is answered at once; above it,
// batching saves a wake-up per datagram and delays an answer by at most
// the drain period. Each wake-up has a fixed cost (about 15 µs of CPU on
// a 2-core VM, most of it refilling caches), so a longer period trades
// answer delay for CPU. (Draining every 250 µs instead cost about 10% more
// CPU per call at 20,000 calls/s gossip -> gossip on 2 cores.)
const (
	busyWindow    = 10 * time.Millisecond
	busyDatagrams = 100
)

// busyWake is when a busy shard draining every period wakes next: at the
// next period boundary, or at the first boundary after an earlier
// deadline. Deadlines are rounded up, not honoured to the nanosecond:
// timers already fire on tick boundaries, and calls falling due within one
// drain period are launched together at its end (SIPp, too, launches per
// timer tick), so a busy UAC sends its INVITEs in the same sendmmsg batch
// as the rest of the period's messages instead of waking once per call.
func busyWake(now, deadline, period int64) int64 {
	next := (now/period + 1) * period
	if deadline < next {
		next = max((deadline+period-1)/period*period, deadline)
	}
	return next
}

// dispatch hands the n datagrams in s.pkts to their calls, at the time the
// kernel received them when the backend says, and updates the busy state.
func (s *shard) dispatch(n int) {
	t := time.Now()
	now := int64(t.Sub(s.e.t0))
	wallOffset := t.UnixNano() - now
	// Parsing one datagram ahead pays off unless the shard steers by a
	// peek before parsing (then half the datagrams are not its own).
	lookAhead := !s.e.steer || s.e.byCallID != nil
	for i := 0; i < n; i++ {
		pk := &s.pkts[i]
		if pk.Truncated {
			s.rec.ParseError()
			continue
		}
		if pk.Closed {
			s.onConnClosed(pk.Conn, pk.Err, now, true)
			continue
		}
		s.adoptAhead(pk.Data)
		if lookAhead && i+1 < n {
			if nx := &s.pkts[i+1]; !nx.Truncated && !nx.Closed {
				s.parseAhead(nx.Data)
			}
		}
		s.rxConn = pk.Conn
		if s.e.perIP != nil {
			s.rxConn = s.perIPOf(pk.To)
		}
		at := now
		if pk.Received != 0 {
			at = min(max(pk.Received-wallOffset, now-int64(time.Second)), now)
		}
		if s.e.xdp.portSteer && s.steerByPort(pk, at) {
			continue
		}
		s.onDatagram(pk.Data, pk.From, at, true)
	}
	s.ahead.reset() // the receive buffers are about to be reused
	s.rxWindow += n
	if now >= s.windowEnd {
		s.busy = s.rxWindow >= busyDatagrams
		s.rxWindow = 0
		s.windowEnd = now + int64(busyWindow)
	}
}

// readFailed handles a receive error and reports whether the loop must end.
func (s *shard) readFailed(err error) bool {
	if errors.Is(err, dataplane.ErrClosed) {
		s.abortAll(s.e.now())
		return true
	}
	s.e.cfg.Logger.Warn("receive failed", "shard", s.idx, "err", err)
	return false
}

// nextDeadline is when the loop must run again even if nothing arrives.
func (s *shard) nextDeadline(now int64, st int32) int64 {
	d := now + int64(maxIdle)
	if t, ok := s.wheel.NextExpiry(); ok {
		d = min(d, int64(t)*int64(tick))
	}
	if s.ooc != nil {
		if t, ok := s.ooc.wheel.NextExpiry(); ok {
			d = min(d, int64(t)*int64(tick))
		}
	}
	if st == stateRunning && s.e.launches && !s.exhausted {
		if s.reconnectAt > now {
			d = min(d, s.reconnectAt)
		} else if s.e.cfg.Users > 0 {
			if s.userSlots > 0 {
				d = now
			}
		} else if s.limited {
			d = min(d, now+int64(tick))
		} else if p := s.e.pace.Load(); p.interval > 0 {
			d = min(d, s.dueAt(p))
		}
	}
	return d
}

// dueAt is when this shard's next scheduled call is due. Shard i takes
// schedule positions i, i+N, i+2N, … so the shards together keep the rate
// without sharing a clock.
func (s *shard) dueAt(p *pace) int64 {
	k := uint64(s.idx) + s.sched*uint64(s.e.cfg.Shards)
	if k < p.base {
		return p.start // scheduled before the last rate change: due now
	}
	return p.start + int64(float64(k-p.base)*p.interval)
}

// launch starts the calls that are due.
func (s *shard) launch(now int64) {
	if s.exhausted || s.reconnectAt > now {
		return // -reconnect_sleep holds new calls back
	}
	if s.e.cfg.Users > 0 {
		for s.userSlots > 0 {
			if !s.startCall(now) {
				return
			}
			s.userSlots--
		}
		return
	}
	p := s.e.pace.Load()
	if p.interval <= 0 {
		return
	}
	heldBack := s.limited // catching up after -l is not the generator's delay
	s.limited = false
	// The calls due by now are started in one burst, which can take long
	// (tens of thousands of INVITEs when the loop fell behind): each call's
	// start, and its lateness, move on with the time the burst has taken so
	// far, read off the clock every 32 calls. Calls falling due meanwhile
	// wait for the next turn of the loop, so that receiving and timers keep
	// up.
	at, began := now, s.e.now()
	for k := 0; s.dueAt(p) <= now; k++ {
		if max := s.e.cfg.MaxCalls; max > 0 && s.e.created.Load() >= uint64(max) {
			s.exhausted = true
			return
		}
		if s.e.cfg.Limit > 0 && s.e.open.Load() >= int64(s.e.cfg.Limit) {
			s.limited = true // -l reached: look again next tick
			return
		}
		if k&31 == 31 {
			at = now + max(s.e.now()-began, 0)
		}
		if !heldBack {
			s.health.noteLaunch(at - s.dueAt(p))
		}
		if !s.startCall(at) {
			return
		}
		s.sched++
		if s.reconnectAt > now {
			return // the shared connection is down: wait -reconnect_sleep
		}
	}
}

// startCall creates an outgoing call and runs it until it waits.
func (s *shard) startCall(now int64) bool {
	number, ok := s.e.claimCall()
	if !ok {
		s.exhausted = true
		return false
	}
	// The Call-ID's table slot is cold more often than not: ask for it
	// first and set the call up while it comes.
	ids := s.e.appendCallID(s.bufs.get(64), number)
	idLen := uint16(min(len(ids), 0xffff))
	h := maphash.Bytes(s.e.seed, ids[:idLen])
	s.table.prefetch(h)
	slot, c := s.alloc(now)
	c.number = number
	c.peer = s.remote
	s.takeUser(c)
	s.drawLines(c)
	c.cseq = uint32(s.e.cfg.BaseCSeq - 1)
	c.ids, c.idLen, c.hash = ids, idLen, h
	s.table.Insert(h, slot)
	s.rec.CallCreated(false)
	if s.e.tdm != nil && !s.takeCircuit(slot, c, now) {
		return true
	}
	if s.e.perIP != nil {
		s.choosePerIP(c)
	}
	if s.stream != nil && !s.connectCall(c, now) {
		s.endCall(slot, c, outcomeFailed, stats.FailTCPConnect, now)
		return true
	}
	s.advance(slot, c, now)
	return true
}

// alloc takes a slot for a call that claimCall counted open (or for
// <init>'s call, which is never counted).
func (s *shard) alloc(now int64) (int32, *call) {
	var slot int32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		slot = s.calls.grow()
		s.wheel.grow(s.calls.len())
	}
	c := s.calls.at(slot)
	c.reset()
	c.slot = slot
	c.live = true
	c.start = now
	for i := range s.calls.rtdStart(slot) {
		s.calls.rtdStart(slot)[i] = now
	}
	s.active++ // Engine.open counts it already (claimCall)
	return slot, c
}

func (s *shard) callID(slot int32) []byte { return s.calls.at(slot).id() }

// dst is where the call's messages go: its peer, or -rsa.
func (s *shard) dst(c *call) netip.AddrPort {
	if s.e.cfg.SendTo.IsValid() && s.e.client {
		return s.e.cfg.SendTo
	}
	return s.peers.addrs[c.peer]
}

// setPeerTag records the To tag of a response after the Call-ID.
func (s *shard) setPeerTag(c *call, tag []byte) {
	if string(c.peerTag()) == string(tag) {
		return
	}
	n := int(c.idLen) + len(tag)
	if cap(c.ids) < n {
		b := append(s.bufs.get(n), c.id()...)
		s.bufs.put(c.ids)
		c.ids = b
	}
	c.ids = append(c.ids[:c.idLen], tag...)
}

// outcome is how a call ended.
type outcome uint8

const (
	outcomeSuccess outcome = iota
	outcomeFailed
	outcomeAborted
)

// endCall counts the call in exactly one class and frees its slot,
// remembering its Call-ID for late messages.
func (s *shard) endCall(slot int32, c *call, how outcome, class stats.FailureClass, now int64) {
	length := time.Duration(now - c.start)
	if s.dbg != nil {
		s.debugEnd(c, how, class) // -trace_calldebug (calldebug.go)
	}
	if how == outcomeSuccess && c.actFail != 0 {
		how, class = outcomeFailed, stats.FailureClass(c.actFail-1) // SIPp's last_action_result
	}
	if s.calls.nVar > 0 {
		s.releaseVars(c)
	}
	s.releaseAuth(c)
	if c.conn != 0 && s.stream != nil {
		s.unbindConn(c)
	}
	s.releaseUser(c)
	s.releaseTxns(c)
	if c.tdm != 0 {
		s.e.tdm.release(c.tdm)
		c.tdm = 0
	}
	if s.calls.nInv > 0 {
		s.calls.invOf(c.slot)[0] = 0
	}
	if s.calls.nMedia > 0 {
		s.endMedia(c)
	}
	switch how {
	case outcomeSuccess:
		s.rec.CallSucceeded(length)
	case outcomeFailed:
		s.rec.CallFailed(class, length)
	default:
		s.rec.CallAborted(length)
	}
	s.table.Delete(c.hash, slot)
	s.dead.Add(c.hash, now+int64(s.e.cfg.DeadCallWait))
	s.wheel.Cancel(slot)
	c.live = false
	for _, b := range [...]*[]byte{&c.ids, &c.lastSent, &c.lastRecv, &c.routes} {
		s.bufs.release(b)
	}
	s.free = append(s.free, slot)
	s.active--
	s.e.open.Add(-1)
	s.e.ended.Add(1)
	if s.e.cfg.Users > 0 && s.e.state.Load() == stateRunning {
		s.userSlots++
	}
}

// abortAll ends every live call as aborted (shutdown).
func (s *shard) abortAll(now int64) {
	for i := 0; i < s.calls.len(); i++ {
		if c := s.calls.at(int32(i)); c.live {
			s.endCall(int32(i), c, outcomeAborted, 0, now)
		}
	}
}

// arm puts the call's earliest deadline on the wheel.
func (s *shard) arm(slot int32, c *call) {
	w := c.wake()
	if w == 0 {
		s.wheel.Cancel(slot)
		return
	}
	s.wheel.Schedule(slot, uint64((w+int64(tick)-1)/int64(tick)))
}

// next is the command after idx: a <jump> its actions made, its next=
// label (when test= and chance= allow, branch.go), or the following one.
func (s *shard) next(c *call, idx int32) int32 {
	if c.jump != 0 {
		return s.takeJump(c)
	}
	if n := s.e.scn.Commands[idx].Next; n != scenario.NoIndex && s.branch(c, idx) {
		return int32(n)
	}
	return idx + 1
}

// advance executes commands until the call waits (recv, pause) or ends.
func (s *shard) advance(slot int32, c *call, now int64) {
	cmds := s.e.scn.Commands
	for {
		if int(c.cmd) >= len(cmds) {
			s.endCall(slot, c, outcomeSuccess, 0, now)
			return
		}
		cmd := &cmds[c.cmd]
		if cmd.CondExec != scenario.NoVar && !s.condExec(c, cmd) {
			c.cmd = s.next(c, c.cmd) // SIPp: a skipped command still branches
			continue
		}
		switch cmd.Kind {
		case scenario.KindSend:
			s.bookkeeping(slot, c, c.cmd, now)
			tpl := cmd.Message
			if tpl.Status == 0 && !cmd.IsAck && !cmd.IsCancel {
				c.cseq++
			}
			if !s.send(c, int(c.cmd)) {
				s.endCall(slot, c, outcomeFailed, stats.FailCannotSendMessage, now)
				return
			}
			if c.lastRecvHash != 0 {
				// Remember what answered that message, to answer its
				// retransmissions the same way.
				c.recvRetransHash = c.lastRecvHash
				c.recvRetransRecv = c.lastRecvCmd
				c.recvRetransSend = c.cmd
				c.lastRecvHash = 0
			}
			c.lastSendCmd = c.cmd
			s.sentTxn(c, cmd, c.cmd)
			if cmd.IsAck {
				c.flags = c.flags&^flagAckPending | flagEstablished
			}
			if cmd.Retrans > 0 && !s.e.cfg.NoRetrans {
				s.bufs.store(&c.lastSent, s.tx)
				c.retransDelay = cmd.Retrans
				c.retransAt = now + int64(cmd.Retrans)
				c.retransCount = 0
				c.retransInvite = cmd.IsInvite
			} else {
				c.retransAt = 0
				s.bufs.release(&c.lastSent)
			}
			if !s.e.keepLast[c.cmd] && (c.recvRetransSend < 0 || !s.e.needsLast[c.recvRetransSend]) && !s.keepForAbort(c) {
				s.bufs.release(&c.lastRecv)
			}
			if len(cmd.Actions) > 0 {
				s.runActions(c, c.cmd, s.tx)
			}
			c.cmd = s.next(c, c.cmd)
		case scenario.KindRecv:
			if s.queuedCall == c && !s.replaying {
				// The unexpected message that sent the call to
				// _unexp.main is this recv's to handle (SIPp's queue_up).
				s.replaying = true
				s.incoming(slot, c, s.queued, s.peers.addrs[c.peer], now)
				s.replaying = false
				s.queued, s.queuedCall = nil, nil
				return
			}
			if c.recvDeadline == 0 {
				// SIPp arms the shortest timeout among this recv and the
				// recvs that directly follow it.
				var t time.Duration
				for i := int(c.cmd); i < len(cmds) && cmds[i].Kind == scenario.KindRecv; i++ {
					d := cmds[i].Timeout
					if d == 0 {
						d = s.e.cfg.RecvTimeout
					}
					if d > 0 && (t == 0 || d < t) {
						t = d
					}
				}
				if t > 0 {
					c.recvDeadline = now + int64(t)
				}
			}
			s.arm(slot, c)
			return
		case scenario.KindPause:
			if c.pauseUntil != 0 {
				// A pause <pauserestore> restored: wait out what is left.
				if c.pauseUntil <= now {
					c.pauseUntil = 0
					c.cmd = s.next(c, c.cmd)
					continue
				}
				s.arm(slot, c)
				return
			}
			d := cmd.Pause
			if cmd.PauseFromFlag {
				d = s.e.cfg.DefaultPause
			}
			if cmd.PauseDist != nil || cmd.PauseVar != scenario.NoVar {
				d = s.pauseLength(c, cmd)
			}
			s.bookkeeping(slot, c, c.cmd, now)
			s.rec.PauseStarted(int(c.cmd))
			if len(cmd.Actions) > 0 {
				s.runActions(c, c.cmd, nil)
			}
			if d <= 0 {
				c.cmd = s.next(c, c.cmd)
				continue
			}
			c.pauseUntil = now + int64(d)
			s.arm(slot, c)
			return
		case scenario.KindSendCmd: // 3PCC (twin.go)
			if !s.sendCommand(slot, c, now) {
				return
			}
			c.cmd = s.next(c, c.cmd)
		case scenario.KindRecvCmd:
			s.waitCommand(slot, c)
			return
		default: // nop, label
			s.bookkeeping(slot, c, c.cmd, now)
			if len(cmd.Actions) > 0 {
				s.runActions(c, c.cmd, nil)
			}
			c.cmd = s.next(c, c.cmd)
		}
	}
}

// send renders command idx for c into s.tx and sends it to the peer.
func (s *shard) send(c *call, idx int) bool {
	s.tx = s.render(s.tx[:0], c, idx)
	if s.lost(int32(idx)) {
		return true // lost= / -lost: as if the network dropped it
	}
	if !s.writeCall(c, s.tx, s.dst(c)) {
		return false
	}
	s.rec.MessageSent(idx)
	return true
}

// publishMirrored makes what the shard mirrored since the last turn of
// its loop visible to a batching Mirror (trace.MirrorPublisher).
func (s *shard) publishMirrored() {
	if p, ok := s.e.cfg.Mirror.(trace.MirrorPublisher); ok {
		p.MirrorPublish(s.idx)
	}
}

// write sends one datagram and traces it.
func (s *shard) write(b []byte, dst netip.AddrPort) bool {
	return s.writeOn(nil, b, dst)
}

// writeOn sends one message of call c (nil: the message being handled)
// and traces it.
func (s *shard) writeOn(c *call, b []byte, dst netip.AddrPort) bool {
	var err error
	if s.stream != nil {
		err = s.writeStream(c, b)
	} else if s.e.perIP != nil {
		err = s.writePerIP(c, b, dst)
	} else {
		err = s.ep.Write(b, dst)
	}
	if err != nil {
		s.e.logSendError(err)
		return false
	}
	if tr := s.e.cfg.Tracer; tr != nil {
		tr.Message(trace.Sent, time.Now(), s.e.proto, b, dst)
	}
	if m := s.e.cfg.Mirror; m != nil {
		m.Mirror(s.idx, trace.Sent, time.Now(), b, s.mirrorLocal, dst, nil)
	}
	return true
}

// event reports a call warning to the tracer (-trace_err).
func (s *shard) event(format string, args ...any) {
	if tr := s.e.cfg.Tracer; tr != nil {
		tr.Event(time.Now(), fmt.Sprintf(format, args...))
	}
}

// bookkeeping runs a command's response-time and counter attributes.
func (s *shard) bookkeeping(slot int32, c *call, idx int32, now int64) {
	cmd := &s.e.scn.Commands[idx]
	// Every response-time counter starts with the call; start_rtd restarts
	// it; rtd records it once, or each time with repeat_rtd (SIPp's rule).
	if cmd.StartRTD != scenario.NoIndex {
		s.calls.rtdStart(slot)[cmd.StartRTD] = now
	}
	if r := cmd.StopRTD; r != scenario.NoIndex && c.rtdDone&(1<<r) == 0 {
		d := time.Duration(now - s.calls.rtdStart(slot)[r])
		s.rec.ResponseTime(r, d)
		if o := s.e.cfg.Observer; o != nil {
			o.ResponseTime(r, time.Duration(now), d)
		}
		if !cmd.RepeatRTD {
			c.rtdDone |= 1 << r
		}
	}
	if k := s.e.counterIndex[idx]; k >= 0 {
		s.rec.Counter(k)
	}
}

// onTimer handles a call's wake-up: retransmission, pause end, timeout.
func (s *shard) onTimer(slot int32, now int64) {
	c := s.calls.at(slot)
	if !c.live {
		return
	}
	cmds := s.e.scn.Commands
	if c.retransAt != 0 && now >= c.retransAt {
		c.retransCount++
		allowed := s.e.cfg.MaxNonInviteRetrans
		if c.retransInvite {
			allowed = s.e.cfg.MaxInviteRetrans
		}
		allowed = min(allowed, s.e.cfg.MaxRetrans)
		if s.e.cfg.CallDebug != nil {
			s.debugf(c, "Retransmisison required (%d retransmissions, max %d)\n", c.retransCount, allowed) // SIPp's spelling
		}
		if int(c.retransCount) > allowed {
			s.rec.RecvTimeout(int(c.lastSendCmd))
			if to := cmds[c.lastSendCmd].OnTimeout; to != scenario.NoIndex {
				// The send's ontimeout label (SIPp); one at the end fails
				// the call.
				s.event("Call-Id: %s, timeout on max UDP retrans for message %d, jumping to label %d",
					c.id(), cmds[c.cmd].MsgIndex, cmds[to].MsgIndex)
				c.retransAt, c.recvDeadline = 0, 0
				s.bufs.release(&c.lastSent)
				c.cmd = int32(to)
				if s.e.scn.SkipLabels(to) >= len(cmds) {
					s.abortCall(slot, c, stats.FailMaxUDPRetrans, now)
					return
				}
				s.advance(slot, c, now)
				return
			}
			s.event("Aborting call on UDP retransmission timeout for Call-ID '%s'", c.id())
			s.abortCall(slot, c, stats.FailMaxUDPRetrans, now)
			return
		}
		// RFC 3261 §17.1.1.2 Timer A doubles without bound for INVITE;
		// §17.1.2.2 Timer E caps non-INVITE (and SIPp's 2xx) at T2.
		c.retransDelay *= 2
		if !c.retransInvite && c.retransDelay > s.e.cfg.T2 {
			c.retransDelay = s.e.cfg.T2
		}
		if !s.lost(c.lastSendCmd) {
			s.writeCall(c, c.lastSent, s.dst(c))
		}
		s.rec.Retransmission(int(c.lastSendCmd))
		c.retransAt = now + int64(c.retransDelay)
	}
	cmd := &cmds[c.cmd]
	switch {
	case cmd.Kind == scenario.KindPause && c.pauseUntil != 0 && now >= c.pauseUntil:
		c.pauseUntil = 0
		c.cmd = s.next(c, c.cmd)
		s.advance(slot, c, now)
		return
	case (cmd.Kind == scenario.KindRecv || cmd.Kind == scenario.KindRecvCmd) && c.recvDeadline != 0 && now >= c.recvDeadline:
		c.recvDeadline = 0
		s.rec.RecvTimeout(int(c.cmd))
		s.recvTimeoutEvent(c, cmd) // errtext.go
		if cmd.OnTimeout != scenario.NoIndex {
			c.retransAt = 0
			c.cmd = int32(cmd.OnTimeout)
			if s.e.scn.SkipLabels(cmd.OnTimeout) >= len(cmds) {
				// SIPp: a label at the end fails the call.
				s.abortCall(slot, c, stats.FailTimeoutOnRecv, now)
				return
			}
			s.advance(slot, c, now)
			return
		}
		s.abortCall(slot, c, stats.FailTimeoutOnRecv, now)
		return
	case cmd.Kind != scenario.KindPause && c.pauseUntil != 0 && now >= c.pauseUntil:
		// A pause <pauserestore> restored on another command: SIPp waits
		// it out, then moves on.
		c.pauseUntil = 0
		c.cmd = s.next(c, c.cmd)
		s.advance(slot, c, now)
		return
	}
	s.arm(slot, c)
}

// onHandoff handles a datagram another shard passed to this one.
func (s *shard) onHandoff(data []byte, from netip.AddrPort, conn dataplane.ConnID, at int64) {
	if len(data) == 0 && conn != 0 {
		s.onConnClosed(conn, nil, s.e.now(), false)
		return
	}
	if !from.IsValid() && conn == 0 { // a 3PCC command from the bus (twin.go)
		s.onCommand(data)
		return
	}
	s.rxConn = conn
	if at == 0 {
		at = s.e.now()
	}
	s.onDatagram(data, from, at, false)
}

// onDatagram parses a datagram, steers it to the shard that owns its
// call, and hands it to the call (creating one for a new incoming call).
func (s *shard) onDatagram(data []byte, from netip.AddrPort, now int64, fromSocket bool) {
	if tr := s.e.cfg.Tracer; tr != nil && fromSocket {
		tr.Message(trace.Received, time.Now(), s.e.proto, data, from)
	}
	if m := s.e.cfg.Mirror; m != nil && fromSocket {
		m.Mirror(s.idx, trace.Received, s.e.t0.Add(time.Duration(now)), data, s.mirrorLocal, from, nil)
	}
	var peeked []byte // the Call-ID PeekCallID found: this shard's
	if fromSocket && s.e.steer && s.e.byCallID == nil {
		// Steer before parsing: only the owning shard indexes the message.
		// With the kernel steering by Call-ID the datagram is nearly always
		// at its owner already; the check after parsing catches the rest.
		if cid := sipfast.PeekCallID(data); cid != nil {
			if s.handOff(cid, data, from, now) {
				return
			}
			peeked = cid
		}
	}
	h, hashed, err := s.parse(data)
	if err != nil {
		if !errors.Is(err, sipfast.ErrKeepAlive) { // RFC 5626 §4.4.1 CRLF keep-alives are not errors
			s.rec.ParseError()
		}
		return
	}
	cid := s.msg.CallID()
	if len(cid) == 0 {
		s.rec.ParseError()
		return
	}
	if !hashed {
		h = maphash.Bytes(s.e.seed, cid)
	}
	if slot, ok := s.table.Lookup(h, cid, s.callID); ok {
		// A call of this shard: the datagram is where it belongs.
		s.incoming(slot, s.calls.at(slot), data, from, now)
		return
	}
	// No call here: the kernel (or the peer's hash) may have put a
	// datagram of another shard's call on this socket.
	if fromSocket && s.e.steer && !bytes.Equal(cid, peeked) && s.handOff(cid, data, from, now) {
		return
	}
	if s.dead.Contains(h) {
		s.rec.DeadCallMessage()
		return
	}
	// SIPp's server mode makes a call of any message of no known call,
	// a response too (it fails as unexpected unless the scenario starts
	// with that response).
	if s.e.client || s.e.state.Load() != stateRunning {
		if s.ooc != nil && s.msg.IsRequest() {
			// -oocsf: the out-of-call scenario answers it (its shard
			// parses it again and finds or makes its call). SIPp counts
			// each new out-of-call call as auto-answered.
			o := s.ooc
			if oh := maphash.Bytes(o.e.seed, cid); !o.dead.Contains(oh) {
				if _, ok := o.table.Lookup(oh, cid, o.callID); !ok {
					s.rec.AutoAnswered()
				}
			}
			o.onDatagram(data, from, now, false)
			return
		}
		if s.e.cfg.AutoAnswer && s.msg.IsRequest() && s.autoAnswer(from) {
			return
		}
		s.rec.OutOfCallMessage()
		return
	}
	slot, c, ok := s.newPeerCall(cid, h, s.peers.intern(from), true, now)
	if !ok {
		return
	}
	s.incoming(slot, c, data, from, now)
}

// newPeerCall makes a call of a message (incoming: a SIP message that
// just arrived; otherwise a 3PCC command) whose Call-ID, hashing to h, no
// call has: it takes a call number (-m), a slot and, with -tdmmap, a
// circuit. ok is false when no call goes on: -m was reached (the message
// counts as out-of-call) or no circuit was free (the call failed).
func (s *shard) newPeerCall(cid []byte, h uint64, peer uint32, incoming bool, now int64) (int32, *call, bool) {
	number, ok := s.e.claimCall()
	if !ok {
		s.rec.OutOfCallMessage()
		return 0, nil, false
	}
	slot, c := s.alloc(now)
	c.number = number
	c.peer = peer
	s.drawLines(c)
	c.cseq = uint32(s.e.cfg.BaseCSeq - 1)
	s.bufs.store(&c.ids, cid)
	c.idLen = uint16(min(len(cid), 0xffff))
	c.hash = h
	if incoming {
		if s.stream != nil {
			s.bindConn(c, s.rxConn)
		} else if s.e.perIP != nil {
			c.conn = s.rxConn // answer from the address it was called on
		}
	}
	s.table.Insert(h, slot)
	s.rec.CallCreated(incoming)
	if s.e.tdm != nil && !s.takeCircuit(slot, c, now) {
		return 0, nil, false
	}
	return slot, c, true
}

// handOff passes a datagram of Call-ID cid, received at at, to the shard
// that owns it, reporting false when that is this shard.
func (s *shard) handOff(cid []byte, data []byte, from netip.AddrPort, at int64) bool {
	owner := s.e.shards[s.e.shardOf(cid)]
	if owner == s {
		return false
	}
	if owner.inbox.Push(data, from, s.rxConn, at) {
		s.e.handedOff.Add(1)
		if owner.sleeping.Load() {
			owner.ep.Wake()
		}
	} else {
		s.e.handoffDrops.Add(1)
	}
	return true
}

// matches reports whether scenario command idx of call c expects the
// message in s.msg (rxBranch: the hash of its Via branch, for
// response_txn).
func (s *shard) matches(c *call, idx int32, rxBranch uint64) bool {
	cmd := &s.e.scn.Commands[idx]
	if cmd.Kind != scenario.KindRecv {
		return false
	}
	if s.msg.IsRequest() {
		if cmd.Regexp != nil && cmd.Request != "" {
			return cmd.Regexp.Match(s.msg.Method()) // regexp_match
		}
		return cmd.Request != "" && string(s.msg.Method()) == cmd.Request
	}
	if cmd.Regexp != nil && cmd.Request == "" {
		var b [8]byte
		if !cmd.Regexp.Match(strconv.AppendInt(b[:0], int64(s.msg.StatusCode()), 10)) {
			return false
		}
	} else if cmd.Response != s.msg.StatusCode() {
		return false
	}
	if cmd.ResponseTxn != scenario.NoIndex {
		// Only the responses of that transaction (SIPp: same branch).
		b := s.calls.txnOf(c.slot)[cmd.ResponseTxn].branch
		return b != 0 && b == rxBranch
	}
	_, m := s.msg.CSeq()
	return cmd.AcceptsResponseMethodBytes(m)
}

// incoming runs SIPp's reception rules for one message of a live call
// (call.cpp process_incoming): retransmission detection, a forward search
// over optional recvs, a backward search for late messages of earlier
// steps, then the state change.
func (s *shard) incoming(slot int32, c *call, raw []byte, from netip.AddrPort, now int64) {
	cmds := s.e.scn.Commands
	if s.e.cfg.CallDebug != nil {
		s.debugReceived(c, raw)
	}
	if s.e.cfg.PauseMsgIgnore && cmds[c.cmd].Kind == scenario.KindPause {
		return // -pause_msg_ign
	}
	if c.cmd == 0 && !s.replaying && cmds[s.e.scn.SkipLabels(0)].Kind == scenario.KindNop {
		// SIPp lets a server scenario start with a nop: it runs, and the
		// message waits for the first recv.
		s.queued, s.queuedCall = raw, c
		s.advance(slot, c, now)
		s.queued, s.queuedCall = nil, nil
		return
	}
	if s.badAckCSeq(c) {
		s.event("ACK CSeq value does NOT match value of related INVITE CSeq -- aborting call")
		s.endCall(slot, c, outcomeFailed, stats.FailUnexpectedMessage, now)
		return
	}
	cookie := maphash.Bytes(s.e.seed, raw)
	if !s.e.cfg.NoRetrans {
		if c.recvRetransRecv >= 0 && c.recvRetransHash == cookie {
			if s.lost(c.recvRetransRecv) {
				return
			}
			// The peer did not get our answer: send it again (unless the
			// call moved on and no longer holds what the answer copies).
			if s.e.needsLast[c.recvRetransSend] && len(c.lastRecv) == 0 {
				s.rec.DeadCallMessage()
				return
			}
			s.rec.RecvRetransmission(int(c.recvRetransRecv))
			s.rec.Retransmission(int(c.recvRetransSend))
			s.tx = s.render(s.tx[:0], c, int(c.recvRetransSend))
			s.writeCall(c, s.tx, s.dst(c))
			return
		}
		if c.lastRecvCmd >= 0 && c.lastRecvHash == cookie {
			s.rec.RecvRetransmission(int(c.lastRecvCmd))
			return // duplicate of a message not answered yet
		}
	}
	if s.stream != nil && !s.e.client && s.rxConn != 0 {
		s.bindConn(c, s.rxConn) // answer on the connection the peer uses now
	}
	isReq := s.msg.IsRequest()
	code := s.msg.StatusCode()
	cseqNum, cseqMethod := s.msg.CSeq()
	if !isReq {
		if tag := s.msg.ToTag(); len(tag) > 0 {
			s.setPeerTag(c, tag)
		}
	}

	var rxBranch uint64
	if s.calls.nTxn > 0 && !isReq {
		rxBranch = s.branchHash(viaBranch(s.msg.Via()))
	}
	found := int32(-1)
	for i := c.cmd; int(i) < len(cmds); i++ {
		if s.matches(c, i, rxBranch) {
			found = i
			break
		}
		if !cmds[i].Optional && cmds[i].Kind != scenario.KindLabel { // labels are not messages (SIPp)
			break
		}
	}
	if found < 0 {
		contig := true
		for i := c.cmd - 1; i >= 0; i-- {
			if !cmds[i].Optional && cmds[i].Kind != scenario.KindLabel {
				contig = false
			}
			if !s.matches(c, i, rxBranch) {
				continue
			}
			if contig || cmds[i].OptionalGlobal {
				found = i
				break
			}
			if t := cmds[i].ResponseTxn; t != scenario.NoIndex {
				// A late response of a named transaction: a provisional
				// one changes nothing, a final one gets its ACK again, a
				// retransmission of the final one it had is ignored.
				st := &s.calls.txnOf(c.slot)[t]
				switch {
				case code < 200:
					return
				case st.ack != 0:
					s.rec.Retransmission(int(st.ack - 1))
					s.tx = s.render(s.tx[:0], c, int(st.ack-1))
					s.writeCall(c, s.tx, s.dst(c))
					return
				case st.resp == cookie:
					s.event("Ignoring final UDP message for transaction %s", s.e.scn.Transactions[t].Name)
					return
				}
				continue
			}
			// A late message of an earlier step: a retransmitted final
			// response to an INVITE gets the ACK again (RFC 3261 §17.1.1.2).
			if ack := s.e.scn.SkipLabels(int(i) + 1); !isReq && string(cseqMethod) == "INVITE" &&
				ack < len(cmds) && cmds[ack].Kind == scenario.KindSend && cmds[ack].IsAck {
				s.rec.Retransmission(ack)
				s.tx = s.render(s.tx[:0], c, ack)
				s.writeCall(c, s.tx, s.dst(c))
				return
			}
			// SIPp looks further back, and failing that the message is
			// unexpected.
		}
	}
	if found < 0 {
		s.unexpected(slot, c, raw, now)
		return
	}
	if s.lost(found) {
		return // lost= / -lost: as if it never arrived
	}

	cmd := &cmds[found]
	if cmd.ResponseTxn != scenario.NoIndex {
		s.calls.txnOf(c.slot)[cmd.ResponseTxn].resp = cookie
	}
	s.bookkeeping(slot, c, found, now)
	s.rec.MessageReceived(int(found))
	if s.calls.nMedia > 0 && !cmd.IgnoreSDP {
		// SIPp reads the SDP of a response with a body and of an INVITE,
		// ACK or PRACK (call.cpp process_incoming).
		if isReq && isAnyOf(s.msg.Method(), "INVITE", "ACK", "PRACK") || !isReq && len(s.msg.Body()) > 0 {
			s.mediaSDP(c, s.msg.Body())
		}
	}
	if isReq {
		if cseqNum > c.cseq {
			c.cseq = cseqNum
		}
		if string(s.msg.Method()) == "ACK" {
			c.flags |= flagEstablished
		}
	} else if code == 200 {
		c.flags |= flagAckPending
	}
	// Stop retransmitting once the peer answered (SIPp's rule: responses
	// and ACK/CANCEL/BYE/PRACK to a later step; a provisional response to
	// a non-INVITE only slows retransmissions to T2).
	if found > c.lastSendCmd && (!isReq || isAnyOf(s.msg.Method(), "ACK", "CANCEL", "BYE", "PRACK")) {
		if isReq || code >= 200 || string(cseqMethod) == "INVITE" {
			c.retransAt = 0
			s.bufs.release(&c.lastSent)
		} else {
			c.retransAt = now + int64(s.e.cfg.T2)
			c.retransDelay = s.e.cfg.T2
		}
	}
	if cmd.RRS && c.routeLen == 0 { // SIPp records until a route set exists
		s.recordRoutes(c, isReq)
	}
	if cmd.Auth {
		s.keepChallenge(c, code)
	}
	if cmd.NoAdvanceState {
		// advance_state="false": the actions run, but the message does not
		// become the call's last message nor move it.
		if len(cmd.Actions) > 0 {
			s.runActions(c, found, raw)
		}
		if c.jump == 0 {
			s.arm(slot, c)
			return
		}
	} else {
		c.lastRecvCmd = found
		c.lastRecvHash = cookie
		c.flags |= flagGotMsg
		if s.e.keepLast[found] || s.keepForAbort(c) {
			s.bufs.store(&c.lastRecv, raw)
			s.gen++
			c.lastGen = s.gen
			// The sends that follow render from this copy: index it now from
			// the parse already done.
			if s.msg.CopyTo(&s.last, c.lastRecv) {
				s.lastCall, s.lastGen = c, c.lastGen
			}
		} else {
			s.bufs.release(&c.lastRecv)
		}
		if len(cmd.Actions) > 0 {
			s.runActions(c, found, raw)
		}
	}
	if c.stop != stopNone {
		s.stopCall(slot, c, now)
		return
	}

	// An optional recv moves the call only when its next= applies (its
	// test= variable set), or an action jumped.
	if !cmd.Optional || c.jump != 0 || (cmd.Next != scenario.NoIndex && s.testSet(c, cmd)) {
		c.pauseUntil = 0
		c.recvDeadline = 0
		c.cmd = s.next(c, found)
		s.advance(slot, c, now)
		return
	}
	s.arm(slot, c)
}

func isAnyOf(m []byte, names ...string) bool {
	for _, n := range names {
		if string(m) == n {
			return true
		}
	}
	return false
}

// appendUint is strconv.AppendUint for readability at call sites.
func appendUint(b []byte, v uint64) []byte { return strconv.AppendUint(b, v, 10) }

// autoAnswer sends 200 OK to an INFO, NOTIFY, OPTIONS or UPDATE request in
// s.msg (SIPp's -aa), reporting whether it did.
func (s *shard) autoAnswer(dst netip.AddrPort) bool {
	if !isAnyOf(s.msg.Method(), "INFO", "NOTIFY", "OPTIONS", "UPDATE") {
		return false
	}
	// RFC 3261 §8.2.6.2: a response copies Via, From, To, Call-ID and CSeq.
	b := append(s.tx[:0], "SIP/2.0 200 OK\r\n"...)
	for _, h := range [...]string{"Via", "From", "To", "Call-ID", "CSeq"} {
		n := len(b)
		b = append(b, h...)
		b = append(b, ": "...)
		var ok bool
		if b, ok = s.msg.AppendHeaderValues(b, h); ok {
			b = append(b, "\r\n"...)
		} else {
			b = b[:n]
		}
	}
	b = append(b, "Content-Length: 0\r\n\r\n"...)
	s.tx = b
	s.write(b, dst)
	s.rec.AutoAnswered()
	return true
}

// firstLine is a message's start line, for log texts.
func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\r'); i >= 0 {
		return b[:i]
	}
	return b
}
