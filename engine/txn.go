package engine

import (
	"bytes"
	"hash/maphash"

	"github.com/gossip-sip/gossip/scenario"
)

// Named transactions (start_txn, ack_txn, response_txn), as SIPp keeps
// them per call: the branch of the request that started each, the index
// of the ACK that acknowledges it, and the hash of its final response.

// txnState is one transaction of one call.
type txnState struct {
	branch uint64 // hash of the Via branch of the request that started it; 0: not started
	resp   uint64 // hash of the response its recv matched (SIPp's txnResp)
	ack    int32  // 1 + the command of its ACK once that was sent (SIPp's ackIndex)
}

// txnOf returns the call's transactions (len(Scenario.Transactions)).
func (s *slab) txnOf(slot int32) []txnState {
	i := int(slot%slotsPerChunk) * s.nTxn
	return s.txns[slot/slotsPerChunk][i : i+s.nTxn : i+s.nTxn]
}

// viaBranch is SIPp's extract_transaction: the ";branch=" value of a Via
// header value, up to ';', ',' or a blank.
func viaBranch(via []byte) []byte {
	i := bytes.Index(via, []byte(";branch="))
	if i < 0 {
		return nil
	}
	b := via[i+len(";branch="):]
	for j, ch := range b {
		if ch == ';' || ch == ',' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' {
			return b[:j]
		}
	}
	return b
}

// firstVia returns the value of the first Via (or v) header of a message
// being sent.
func firstVia(msg []byte) []byte {
	for len(msg) > 0 {
		nl := bytes.IndexByte(msg, '\n')
		line := msg
		if nl >= 0 {
			line = msg[:nl]
			msg = msg[nl+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return nil // end of the headers
		}
		c := bytes.IndexByte(line, ':')
		if c < 0 {
			continue
		}
		name := bytes.TrimRight(line[:c], " \t")
		if bytes.EqualFold(name, []byte("Via")) || bytes.EqualFold(name, []byte("v")) {
			return line[c+1:]
		}
	}
	return nil
}

// branchHash hashes a branch; 0 for none.
func (s *shard) branchHash(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	h := maphash.Bytes(s.e.seed, b)
	if h == 0 {
		h = 1
	}
	return h
}

// sentTxn records what a send does to its call's transactions.
func (s *shard) sentTxn(c *call, cmd *scenario.Command, idx int32) {
	if s.calls.nTxn == 0 {
		return
	}
	t := s.calls.txnOf(c.slot)
	if cmd.StartTxn != scenario.NoIndex {
		t[cmd.StartTxn].branch = s.branchHash(viaBranch(firstVia(s.tx)))
	}
	if cmd.AckTxn != scenario.NoIndex {
		t[cmd.AckTxn].ack = idx + 1
	}
}

// releaseTxns forgets a call's transactions.
func (s *shard) releaseTxns(c *call) {
	if s.calls.nTxn == 0 {
		return
	}
	clear(s.calls.txnOf(c.slot))
}
