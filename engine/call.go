package engine

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
)

// id is the call's Call-ID.
func (c *call) id() []byte { return c.ids[:c.idLen] }

// peerTag is the To tag of the last response, or empty.
func (c *call) peerTag() []byte { return c.ids[c.idLen:] }

// routeSet is the recorded route set ([routes]).
func (c *call) routeSet() []byte { return c.routes[:c.routeLen] }

// target is the recorded remote target URI ([next_url]).
func (c *call) target() []byte { return c.routes[c.routeLen:] }

// peerTable interns the remote addresses of a shard's calls: a call keeps a
// 4-byte index instead of a 32-byte address, and a run has few peers.
type peerTable struct {
	addrs []netip.AddrPort
	hosts [][]byte // [remote_ip] of each: the address, an IPv6 one in brackets
	ports [][]byte // [remote_port] of each, in decimal
	index map[netip.AddrPort]uint32
	last  uint32 // the index intern returned last: most calls come from it
}

// intern returns a's index, adding a when it is new.
func (t *peerTable) intern(a netip.AddrPort) uint32 {
	// A SIPp peer sends every call from one address: compare with the
	// last one before hashing the 32-octet key.
	if int(t.last) < len(t.addrs) && t.addrs[t.last] == a {
		return t.last
	}
	if i, ok := t.index[a]; ok {
		t.last = i
		return i
	}
	if t.index == nil {
		t.index = make(map[netip.AddrPort]uint32)
	}
	i := uint32(len(t.addrs))
	t.addrs = append(t.addrs, a)
	t.hosts = append(t.hosts, appendHost(nil, a.Addr()))
	t.ports = append(t.ports, strconv.AppendUint(nil, uint64(a.Port()), 10))
	t.index[a] = i
	t.last = i
	return i
}

// appendHost appends a as a URI or Via host: an IPv6 address in brackets
// (RFC 3261 §25.1 IPv6reference, SIPp's remote_ip_w_brackets).
func appendHost(dst []byte, a netip.Addr) []byte {
	a = a.Unmap()
	if !a.Is6() {
		return a.AppendTo(dst)
	}
	dst = append(dst, '[')
	dst = a.AppendTo(dst)
	return append(dst, ']')
}

// call is one call's state: a slot in its shard's slab. It holds no Go
// timer, goroutine or map; message copies come from the shard's buffer
// pool only while the scenario still needs them, so a call held in a long
// pause costs a few hundred bytes.
type call struct {
	number uint64 // [call_number]
	hash   uint64 // Call-ID hash (table key and shard routing)
	start  int64  // engine-relative ns when the call started

	retransAt    int64 // 0: no retransmission pending
	pauseUntil   int64 // 0: not paused
	recvDeadline int64 // 0: no receive timeout armed
	retransDelay time.Duration

	// SIPp's retransmission detection: the hash of the last message that
	// advanced the call, and of the one a send answered.
	lastRecvHash    uint64
	recvRetransHash uint64
	lastGen         uint64 // changes whenever lastRecv does

	// ids holds the Call-ID, then the To tag of the last response
	// ([peer_tag_param]): one pooled buffer for both.
	ids      []byte
	lastSent []byte // the message being retransmitted (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1)
	lastRecv []byte // copy of the last accepted message, while a send may use [last_*]
	routes   []byte // recorded route set ([routes]), then the remote target ([next_url])
	idLen    uint16
	routeLen uint16 // the route set's length in routes; the remote target follows
	peer     uint32 // index into the shard's peer table: [remote_ip], [remote_port], replies

	cmd             int32 // current scenario command
	lastSendCmd     int32
	lastRecvCmd     int32
	recvRetransRecv int32
	recvRetransSend int32
	cseq            uint32 // [cseq]: last CSeq used or seen
	rtdDone         uint64 // bit r: response time r was recorded
	retransCount    uint8
	retransInvite   bool
	live            bool
	// actFail is SIPp's last_action_result: 1 + the failure class of an
	// action that failed (check_it); the call goes on and ends failed.
	actFail uint8
	conn    dataplane.ConnID // stream transports: the call's connection (stream.go)
	flags   uint8            // flagEstablished, ... (SIPp's call_established, ack_is_pending)
	stop    uint8            // stopNone, or why an action ends the call (actions.go)
	slot    int32            // the call's slot in its shard's slab (variables)
	jump    int32            // 1 + the command a <jump> action chose, 0: none (branch.go)
	tdm     int32            // the call's -tdmmap circuit, 1-based; 0: none (tdmmap.go)
}

// Call flags.
const (
	flagEstablished uint8 = 1 << iota // an ACK was sent or received (SIPp's call_established)
	flagAckPending                    // a 200 came and no ACK was sent since (SIPp's ack_is_pending)
	flagGotMsg                        // a message was received (SIPp's last_recv_msg is set)
	flagInit                          // the call runs <init> (Scenario.Init), not Commands
)

// maxRTDs is how many response-time counters a scenario may use.
const maxRTDs = 64

// reset prepares a slot for a new call; its buffers must have been
// released to the pool.
func (c *call) reset() {
	*c = call{
		lastRecvCmd:     -1,
		recvRetransRecv: -1,
		recvRetransSend: -1,
		lastSendCmd:     -1,
	}
}

// wake is the earliest pending deadline of the call, or 0.
func (c *call) wake() int64 {
	w := int64(0)
	for _, t := range [...]int64{c.retransAt, c.pauseUntil, c.recvDeadline} {
		if t != 0 && (w == 0 || t < w) {
			w = t
		}
	}
	return w
}

// slab holds a shard's calls in fixed chunks, so growing it never moves a
// call (pointers stay valid) and never copies a million slots at once.
type slab struct {
	chunks [][]call
	rtd    [][]int64 // per chunk: slotsPerChunk × RTDs start times
	nRTD   int
	vals   [][]varValue // per chunk: slotsPerChunk × call variables (vars.go)
	nVar   int
	inf    [][]int32 // per chunk: slotsPerChunk × -inf files: the call's lines (fields.go)
	nInf   int
	auth   [][]authState // per chunk: slotsPerChunk × nAuth (0 or 1): the call's challenge (digest.go)
	nAuth  int
	invs   [][]uint32 // per chunk: slotsPerChunk × nInv (0 or 1): the CSeq of the last INVITE received (unexpected.go)
	nInv   int
	txns   [][]txnState // per chunk: slotsPerChunk × nTxn: the call's named transactions (txn.go)
	nTxn   int
	uid    [][]int32 // per chunk: slotsPerChunk × nUID (0 or 1): the call's -users user (users.go)
	nUID   int
	media  [][]callMedia // per chunk: slotsPerChunk × nMedia (0 or 1): the call's media addresses (media.go)
	nMedia int
	n      int
}

const slotsPerChunk = 4096

func (s *slab) len() int { return s.n }

// grow adds one slot and returns its index.
func (s *slab) grow() int32 {
	if s.n == len(s.chunks)*slotsPerChunk {
		s.addChunk()
	}
	s.n++
	return int32(s.n - 1)
}

func (s *slab) addChunk() {
	s.chunks = append(s.chunks, make([]call, slotsPerChunk))
	s.rtd = append(s.rtd, make([]int64, slotsPerChunk*s.nRTD))
	s.vals = append(s.vals, make([]varValue, slotsPerChunk*s.nVar))
	s.inf = append(s.inf, make([]int32, slotsPerChunk*s.nInf))
	s.auth = append(s.auth, make([]authState, slotsPerChunk*s.nAuth))
	s.uid = append(s.uid, make([]int32, slotsPerChunk*s.nUID))
	s.txns = append(s.txns, make([]txnState, slotsPerChunk*s.nTxn))
	s.invs = append(s.invs, make([]uint32, slotsPerChunk*s.nInv))
	s.media = append(s.media, make([]callMedia, slotsPerChunk*s.nMedia))
}

// reserve allocates chunks for n slots up front, so a run that knows its
// call limit (-l) never grows its slab, nor makes the garbage collector
// run, while it ramps up. Pages the kernel hands out zeroed stay out of
// RSS until a call uses them.
func (s *slab) reserve(n int) {
	for len(s.chunks)*slotsPerChunk < n {
		s.addChunk()
	}
}

func (s *slab) at(slot int32) *call {
	return &s.chunks[slot/slotsPerChunk][slot%slotsPerChunk]
}

// rtdStart returns the call's response-time start stamps.
func (s *slab) rtdStart(slot int32) []int64 {
	i := int(slot%slotsPerChunk) * s.nRTD
	return s.rtd[slot/slotsPerChunk][i : i+s.nRTD : i+s.nRTD]
}

// vars returns the call's variable slots (scenario.Vars.Call of them).
func (s *slab) vars(slot int32) []varValue {
	i := int(slot%slotsPerChunk) * s.nVar
	return s.vals[slot/slotsPerChunk][i : i+s.nVar : i+s.nVar]
}

// lines returns the call's line in each -inf file.
func (s *slab) lines(slot int32) []int32 {
	i := int(slot%slotsPerChunk) * s.nInf
	return s.inf[slot/slotsPerChunk][i : i+s.nInf : i+s.nInf]
}

// invOf returns the call's last INVITE CSeq slot (nInv of them).
func (s *slab) invOf(slot int32) []uint32 {
	i := int(slot%slotsPerChunk) * s.nInv
	return s.invs[slot/slotsPerChunk][i : i+s.nInv : i+s.nInv]
}

// uidOf returns the call's user slot (nUID of them).
func (s *slab) uidOf(slot int32) []int32 {
	i := int(slot%slotsPerChunk) * s.nUID
	return s.uid[slot/slotsPerChunk][i : i+s.nUID : i+s.nUID]
}

// authOf returns the call's challenge slot (nAuth of them).
func (s *slab) authOf(slot int32) []authState {
	i := int(slot%slotsPerChunk) * s.nAuth
	return s.auth[slot/slotsPerChunk][i : i+s.nAuth : i+s.nAuth]
}
