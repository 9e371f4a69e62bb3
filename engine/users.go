package engine

import "github.com/gossip-sip/gossip/scenario"

// -users: user numbers ([userid], USER ordering of -inf files) and <User>
// variables. SIPp keeps a list of free users: a new call takes the last
// one, an ended call puts its user first. Here each shard owns the users
// whose number is its index modulo the number of shards, so a user's
// variables have one writer.

// users is what [users] renders: -users, or -1 without it (SIPp).
func (e *Engine) users() int {
	if e.cfg.Users > 0 {
		return e.cfg.Users
	}
	return -1
}

// userDeque is a shard's free users, a ring.
type userDeque struct {
	ids        []int32
	head, size int
}

func (d *userDeque) pushBack(id int32) {
	d.ids[(d.head+d.size)%len(d.ids)] = id
	d.size++
}

func (d *userDeque) pushFront(id int32) {
	d.head = (d.head - 1 + len(d.ids)) % len(d.ids)
	d.ids[d.head] = id
	d.size++
}

func (d *userDeque) popBack() (int32, bool) {
	if d.size == 0 {
		return 0, false
	}
	d.size--
	return d.ids[(d.head+d.size)%len(d.ids)], true
}

// initUsers gives shard s its users.
func (s *shard) initUsers() {
	n := s.e.cfg.Users
	if n <= 0 {
		return
	}
	k := s.e.cfg.Shards
	s.freeUsers.ids = make([]int32, n/k+1)
	for u := s.idx + 1; u <= n; u += k {
		s.freeUsers.pushBack(int32(u))
	}
}

// takeUser gives a new outgoing call its user (-users).
func (s *shard) takeUser(c *call) {
	if s.calls.nUID == 0 {
		return
	}
	u, _ := s.freeUsers.popBack()
	s.calls.uidOf(c.slot)[0] = u
}

// releaseUser frees the call's user.
func (s *shard) releaseUser(c *call) {
	if s.calls.nUID == 0 {
		return
	}
	if u := s.calls.uidOf(c.slot)[0]; u != 0 {
		s.freeUsers.pushFront(u)
		s.calls.uidOf(c.slot)[0] = 0
	}
}

// userOf is the call's user number, 0 without one.
func (s *shard) userOf(c *call) int32 {
	if s.calls.nUID == 0 {
		return 0
	}
	return s.calls.uidOf(c.slot)[0]
}

// varOf returns where variable vr of call c lives: a call variable in
// the call's slots; a user variable in its user's slots (-users), or in
// the call's slots after its call variables without -users (SIPp gives
// such a call a table of its own); nil for a global.
func (s *shard) varOf(c *call, vr *scenario.Variable) *varValue {
	switch vr.Scope {
	case scenario.ScopeCall:
		return &s.callVars(c)[vr.Slot]
	case scenario.ScopeUser:
		if s.e.userVals == nil {
			return &s.callVars(c)[s.e.scn.Vars.Call+vr.Slot]
		}
		u := int(s.userOf(c))
		return &s.e.userVals[u*s.e.scn.Vars.User+vr.Slot]
	}
	return nil
}

// callSlots is how many variable slots a call has: its call variables,
// and its user variables when there is no -users.
func (e *Engine) callSlots() int {
	if e.cfg.Users > 0 {
		return e.scn.Vars.Call
	}
	return e.scn.Vars.Call + e.scn.Vars.User
}

// uidSlots is 1 when calls have users (-users), else 0.
func (e *Engine) uidSlots() int {
	if e.cfg.Users > 0 {
		return 1
	}
	return 0
}

// initUserVars sizes the <User> variables of every -users user.
func (e *Engine) initUserVars() {
	if e.cfg.Users > 0 && e.scn.Vars.User > 0 {
		e.userVals = make([]varValue, (e.cfg.Users+1)*e.scn.Vars.User)
	}
}
