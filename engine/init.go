package engine

import "github.com/gossip-sip/gossip/scenario"

// runInit runs the scenario's <init> section once, before the first call,
// in a call of its own on shard 0 (SIPp's runInit): its nops' actions run
// in order, next= branches within the section; what they store in
// <Global> variables stays for the run, their call variables go with the
// call. It runs before the shards start.
func (e *Engine) runInit() {
	cmds := e.scn.Init
	if len(cmds) == 0 {
		return
	}
	s := e.shards[0]
	slot, c := s.alloc(0)
	c.flags |= flagInit
	i := 0
	for steps := 0; i < len(cmds) && steps < 1<<20; steps++ {
		cmd := &cmds[i]
		if cmd.CondExec != scenario.NoVar && !s.condExec(c, cmd) {
			i = s.nextInit(c, cmd, i)
			continue
		}
		if cmd.Kind == scenario.KindNop {
			// Action templates render with command 0's context: no
			// message was received, none is being sent.
			for k := range cmd.Actions {
				s.runAction(c, 0, &cmd.Actions[k], nil)
			}
			c.jump = 0 // <jump> indexes the main scenario's messages
		}
		i = s.nextInit(c, cmd, i)
	}
	if s.calls.nVar > 0 {
		s.releaseVars(c)
	}
	s.releaseAuth(c)
	c.live = false
	s.free = append(s.free, slot)
	s.active--
}

// nextInit is the <init> command after command i.
func (s *shard) nextInit(c *call, cmd *scenario.Command, i int) int {
	if cmd.Next != scenario.NoIndex && s.testSet(c, cmd) && (cmd.Chance >= 1 || s.random().Float64() < cmd.Chance) {
		return cmd.Next
	}
	return i + 1
}
