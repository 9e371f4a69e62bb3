package engine

import (
	"net/netip"
	"time"
)

// call is one call's state: a slot in its shard's slab. Slots are reused,
// and so are their buffers, so a steady run allocates nothing per call.
type call struct {
	live   bool
	number uint64         // [call_number]
	hash   uint64         // Call-ID hash (table key and shard routing)
	id     []byte         // Call-ID
	cmd    int            // current scenario command
	start  int64          // engine-relative ns when the call started
	peer   netip.AddrPort // rendered by [remote_ip] and [remote_port]
	dst    netip.AddrPort // where messages go (peer, or -rsa)
	cseq   uint32         // [cseq]: last CSeq used or seen

	// UDP retransmission of the last sent request or response
	// (RFC 3261 §17.1.1.2 Timer A, §17.1.2.2 Timer E, §17.2.1 for 2xx).
	lastSent      []byte
	lastSendCmd   int
	retransAt     int64 // 0: no retransmission pending
	retransDelay  time.Duration
	retransCount  int
	retransInvite bool

	pauseUntil   int64 // 0: not paused
	recvDeadline int64 // 0: no receive timeout armed

	// SIPp's retransmission detection: the hash of the last message that
	// advanced the call, and of the one a send answered.
	lastRecvHash    uint64
	lastRecvCmd     int
	recvRetransHash uint64
	recvRetransRecv int
	recvRetransSend int
	lastRecv        []byte // copy of the last accepted message ([last_*])
	lastGen         uint64 // changes whenever lastRecv does
	peerTag         []byte // To tag of the last response ([peer_tag_param])
	routes          []byte // recorded route set ([routes])
	rtdStart        []int64
	rtdDone         []bool
}

// reset prepares a slot for a new call, keeping buffer capacity.
func (c *call) reset(nRTD int) {
	*c = call{
		id:              c.id[:0],
		lastSent:        c.lastSent[:0],
		lastRecv:        c.lastRecv[:0],
		peerTag:         c.peerTag[:0],
		routes:          c.routes[:0],
		rtdStart:        c.rtdStart[:0],
		rtdDone:         c.rtdDone[:0],
		lastRecvCmd:     -1,
		recvRetransRecv: -1,
		recvRetransSend: -1,
		lastSendCmd:     -1,
	}
	for i := 0; i < nRTD; i++ {
		c.rtdStart = append(c.rtdStart, 0)
		c.rtdDone = append(c.rtdDone, false)
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
