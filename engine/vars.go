package engine

import (
	"strconv"
	"sync"

	"github.com/gossip-sip/gossip/scenario"
)

// varValue is one variable's value, with SIPp's kinds (scenario.VarKind).
// A string or match keeps its text in a buffer of the owning shard's
// bufPool (call variables) or of the engine (global variables); a double
// or bool keeps num (a bool is 1 or 0).
type varValue struct {
	str  []byte
	num  float64
	kind scenario.VarKind
}

// isSet is SIPp's "set" rule (test=, condexec=, [$x]).
func (v *varValue) isSet() bool {
	switch v.kind {
	case scenario.VarMatch, scenario.VarString:
		return true
	case scenario.VarBool, scenario.VarDouble:
		return v.num != 0
	}
	return false
}

// text is the string value: the text of a string or match, else nothing.
func (v *varValue) text() []byte {
	if v.kind == scenario.VarString || v.kind == scenario.VarMatch {
		return v.str
	}
	return nil
}

// double is the double value: the number of a double, else 0.
func (v *varValue) double() float64 {
	if v.kind == scenario.VarDouble {
		return v.num
	}
	return 0
}

// appendVar renders a value as [$x] does.
func appendVar(dst []byte, v *varValue) []byte {
	switch v.kind {
	case scenario.VarString, scenario.VarMatch:
		return append(dst, v.str...)
	case scenario.VarDouble:
		if v.num != 0 {
			return strconv.AppendFloat(dst, v.num, 'f', 6, 64) // C's "%lf"
		}
	case scenario.VarBool:
		if v.num != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	}
	return dst
}

// globalVars are a run's <Global> variables, shared by every shard. They
// are rare, so one mutex guards them all.
type globalVars struct {
	mu   sync.Mutex
	vals []varValue
}

// callVars returns the call's variable slots (nil when the scenario has
// no call variables).
func (s *shard) callVars(c *call) []varValue {
	return s.calls.vars(c.slot)
}

// readVar copies variable id of call c into *dst (the string into dst's
// own buffer, so a global's text stays valid after its lock is released).
func (s *shard) readVar(c *call, id scenario.VarID, dst *varValue) {
	if id == scenario.NoVar {
		*dst = varValue{str: dst.str[:0]}
		return
	}
	vr := &s.e.scn.Vars.List[id]
	src := s.varOf(c, vr)
	if src == nil {
		g := s.e.globals
		g.mu.Lock()
		defer g.mu.Unlock()
		if vr.Scope == scenario.ScopeGlobal && vr.Slot < len(g.vals) {
			src = &g.vals[vr.Slot]
		}
	}
	buf := dst.str[:0]
	if src == nil {
		*dst = varValue{str: buf}
		return
	}
	*dst = varValue{str: append(buf, src.str...), num: src.num, kind: src.kind}
}

// setVar stores a value into variable id of call c: text for a string or
// match, num for a double or bool.
func (s *shard) setVar(c *call, id scenario.VarID, kind scenario.VarKind, text []byte, num float64) {
	if id == scenario.NoVar {
		return
	}
	vr := &s.e.scn.Vars.List[id]
	if v := s.varOf(c, vr); v != nil {
		if kind == scenario.VarString || kind == scenario.VarMatch {
			s.bufs.store(&v.str, text)
		} else {
			s.bufs.release(&v.str)
		}
		v.kind, v.num = kind, num
		return
	}
	g := s.e.globals
	g.mu.Lock()
	defer g.mu.Unlock()
	if vr.Scope != scenario.ScopeGlobal || vr.Slot >= len(g.vals) {
		return
	}
	v := &g.vals[vr.Slot]
	v.str = append(v.str[:0], text...)
	if kind != scenario.VarString && kind != scenario.VarMatch {
		v.str = v.str[:0]
	}
	v.kind, v.num = kind, num
}

// appendVarOf renders variable id as [$x] does.
func (s *shard) appendVarOf(dst []byte, c *call, id scenario.VarID) []byte {
	vr := &s.e.scn.Vars.List[id]
	if v := s.varOf(c, vr); v != nil {
		return appendVar(dst, v)
	}
	g := s.e.globals
	g.mu.Lock()
	defer g.mu.Unlock()
	if vr.Scope == scenario.ScopeGlobal && vr.Slot < len(g.vals) {
		dst = appendVar(dst, &g.vals[vr.Slot])
	}
	return dst
}

// releaseVars returns a call's strings to the pool and unsets its
// variables.
func (s *shard) releaseVars(c *call) {
	vs := s.callVars(c)
	for i := range vs {
		s.bufs.release(&vs[i].str)
		vs[i] = varValue{}
	}
}

// initGlobals sizes the global variables and applies -set values.
func (e *Engine) initGlobals() error {
	vars := &e.scn.Vars
	e.globals = &globalVars{vals: make([]varValue, vars.Global)}
	for name, val := range e.cfg.Set {
		id, err := vars.LookupGlobal(name)
		if err != nil {
			return err
		}
		v := &e.globals.vals[vars.List[id].Slot]
		v.kind, v.str = scenario.VarString, []byte(val)
	}
	return nil
}

// Global returns the current value of a Global variable as [$name]
// renders it, and whether the scenario declares it.
func (e *Engine) Global(name string) (string, bool) {
	id := e.scn.Vars.Lookup(name, scenario.ScopeGlobal)
	if id == scenario.NoVar {
		return "", false
	}
	e.globals.mu.Lock()
	defer e.globals.mu.Unlock()
	slot := e.scn.Vars.List[id].Slot
	if slot >= len(e.globals.vals) {
		return "", true
	}
	return string(appendVar(nil, &e.globals.vals[slot])), true
}
