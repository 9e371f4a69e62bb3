package engine

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/gossip-sip/gossip/scenario"
)

// Branching: next= with test= and chance=, condexec=, <jump>, and pause
// lengths drawn from a distribution or read from a variable. SIPp's
// call::next() and executeMessage are the reference.

// random returns the shard's random source, made on first use.
func (s *shard) random() *rand.Rand {
	if s.lang.rng == nil {
		s.lang.rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(s.idx)+1))
	}
	return s.lang.rng
}

// branch reports whether command idx's next= is taken: its test= variable
// is set (or there is none) and its chance= draw succeeds.
func (s *shard) branch(c *call, idx int32) bool {
	cmd := &s.e.scn.Commands[idx]
	if cmd.Test != scenario.NoVar {
		s.readVar(c, cmd.Test, &s.lang.a)
		if !s.lang.a.isSet() {
			return false
		}
	}
	return cmd.Chance >= 1 || s.random().Float64() < cmd.Chance
}

// condExec reports whether a command with condexec= runs.
func (s *shard) condExec(c *call, cmd *scenario.Command) bool {
	s.readVar(c, cmd.CondExec, &s.lang.a)
	return s.lang.a.isSet() != cmd.CondExecInverse
}

// pauseLength is a pause's length from its distribution or variable: a
// draw below 1 ms is 0, above 2^31-1 ms is 2^31-1, then whole ms.
func (s *shard) pauseLength(c *call, cmd *scenario.Command) time.Duration {
	var ms float64
	if cmd.PauseDist != nil {
		ms = cmd.PauseDist.Sample(s.random())
	} else {
		s.readVar(c, cmd.PauseVar, &s.lang.a)
		ms = s.lang.a.double()
	}
	switch {
	case ms < 1 || math.IsNaN(ms):
		return 0
	case ms > math.MaxInt32:
		ms = math.MaxInt32
	}
	return time.Duration(int64(ms)) * time.Millisecond
}

// jumpTo records a <jump> to SIPp message index n: the call continues
// there once the command's actions are done; n past the last message
// ends the call.
func (s *shard) jumpTo(c *call, n float64) {
	mc := s.e.scn.MsgCommands
	target := int32(len(s.e.scn.Commands))
	if i := int(n); n >= 0 && i < len(mc) {
		target = int32(mc[i])
	}
	c.jump = target + 1
}

// takeJump returns the command a <jump> chose and clears it.
func (s *shard) takeJump(c *call) int32 {
	t := c.jump - 1
	c.jump = 0
	return t
}
