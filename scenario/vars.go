package scenario

import (
	"fmt"
	"strconv"
	"strings"
)

// Scope says where a variable's value lives.
type Scope uint8

const (
	// ScopeCall variables have one value per call. Every name that is
	// not declared <Global> or <User> is a call variable, created by its
	// first use (an action's assign_to, [$name], test=, ...).
	ScopeCall Scope = iota
	// ScopeUser variables (<User variables="a,b"/>) have one value per
	// -users user, kept from one call of that user to the next.
	ScopeUser
	// ScopeGlobal variables (<Global variables="a,b"/>) have one value
	// for the whole run, shared by every call and every scenario of the
	// process (main, -oocsf); -set NAME VALUE gives them a string value
	// before the first call.
	ScopeGlobal
)

// VarID identifies a variable of a scenario: an index into
// Scenario.Vars.List. NoVar means "no variable".
type VarID int32

// NoVar marks an absent variable reference.
const NoVar VarID = -1

// VarKind is the kind of value a variable holds at run time; it is what
// SIPp's call variables distinguish. The engine keeps one value per
// variable slot; a new call's call variables are all VarUnset. SIPp's
// rules, which the engine follows:
//
//   - "set" (test=, condexec=, the [$x] rendering rule): VarMatch when it
//     matched at least once, VarBool when true, VarDouble when non-zero,
//     VarString always, VarUnset never.
//   - the string value (strcmp, ereg search_in="var", trim, urlencode,
//     urldecode): the text of VarString and VarMatch, "" for every other
//     kind.
//   - the double value (add, subtract, multiply, divide, test, jump and
//     pauserestore variable=, pause variable=, [fill] length): the number
//     of VarDouble, 0 for every other kind (a string "5" is 0 until
//     <todouble> converts it).
//   - <todouble>: VarString and VarMatch parse as C strtod with nothing
//     after the number (otherwise the action warns and leaves the target
//     alone); VarDouble copies; VarBool is 0 or 1; VarUnset fails.
//   - [$x] renders a set VarMatch or VarString as its text, a set
//     VarDouble with six decimals ("%lf": 1 renders "1.000000"), a true
//     VarBool as "true", a false VarBool as "false", anything unset
//     (including the double 0) as nothing.
type VarKind uint8

const (
	VarUnset  VarKind = iota // never assigned in this call
	VarString                // assignstr, trim, urlencode, urldecode, -set: text
	VarDouble                // assign, add, subtract, multiply, divide, sample, todouble, gettimeofday, lookup, index, strcmp: a float64
	VarBool                  // test, verifyauth: true or false
	VarMatch                 // ereg assign_to: the matched text (whole match or one group)
)

// Variable is one variable of a scenario.
type Variable struct {
	Name  string
	Scope Scope
	// Slot is the variable's index in its scope's table: 0 to
	// Vars.Call-1 for call variables, 0 to Vars.User-1 for user
	// variables, 0 to Vars.Global-1 for global ones. A call keeps its
	// call variables in a slice of Vars.Call values indexed by Slot.
	Slot int
	Line int // line of the first reference (the declaration for Global and User)
	// Refs counts the references in the file the way SIPp counts them
	// (declarations, every attribute or keyword naming the variable).
	Refs int
	// Set is true when something can give the variable a value: an
	// action writes it, or it is Global or User (their values come from
	// -set, from other calls, or from another scenario).
	Set bool
	// Read is true when something reads it: a keyword, test=,
	// condexec=, an action operand.
	Read bool

	inherited bool // from Options.Main: not this file's to validate
}

// Vars holds every variable a scenario references, resolved at load time.
type Vars struct {
	List   []Variable // indexed by VarID
	Call   int        // number of call variable slots
	User   int        // number of user variable slots
	Global int        // number of global variable slots

	call, user, global map[string]VarID
}

// Lookup returns the variable of that scope with that name, or NoVar.
func (v *Vars) Lookup(name string, scope Scope) VarID {
	var m map[string]VarID
	switch scope {
	case ScopeCall:
		m = v.call
	case ScopeUser:
		m = v.user
	case ScopeGlobal:
		m = v.global
	}
	if id, ok := m[name]; ok {
		return id
	}
	return NoVar
}

// Resolve returns the variable a reference to name denotes, as SIPp
// resolves it: a call variable of that name, else a user variable, else
// a global one; NoVar when there is none.
func (v *Vars) Resolve(name string) VarID {
	for _, s := range [...]Scope{ScopeCall, ScopeUser, ScopeGlobal} {
		if id := v.Lookup(name, s); id != NoVar {
			return id
		}
	}
	return NoVar
}

// Name returns the name of a variable, or "" for NoVar.
func (v *Vars) Name(id VarID) string {
	if id < 0 || int(id) >= len(v.List) {
		return ""
	}
	return v.List[id].Name
}

func (v *Vars) init() {
	if v.call == nil {
		v.call, v.user, v.global = map[string]VarID{}, map[string]VarID{}, map[string]VarID{}
	}
}

// add creates a variable in scope.
func (v *Vars) add(name string, scope Scope, line int) VarID {
	v.init()
	id := VarID(len(v.List))
	vr := Variable{Name: name, Scope: scope, Line: line}
	switch scope {
	case ScopeCall:
		vr.Slot = v.Call
		v.Call++
		v.call[name] = id
	case ScopeUser:
		vr.Slot = v.User
		v.User++
		v.user[name] = id
		vr.Set = true
	case ScopeGlobal:
		vr.Slot = v.Global
		v.Global++
		v.global[name] = id
		vr.Set = true
	}
	v.List = append(v.List, vr)
	return id
}

// inherit copies the Global and User variables of main, keeping their
// slots, so that a second scenario of the same run (-oocsf) shares them.
func (v *Vars) inherit(main *Vars) {
	v.init()
	for _, mv := range main.List {
		if mv.Scope == ScopeCall {
			continue
		}
		id := VarID(len(v.List))
		mv.Refs, mv.inherited = 0, true
		v.List = append(v.List, mv)
		if mv.Scope == ScopeUser {
			v.user[mv.Name] = id
		} else {
			v.global[mv.Name] = id
		}
	}
	v.User, v.Global = main.User, main.Global
}

// access says how a reference uses a variable.
type access uint8

const (
	accRead access = 1 << iota
	accWrite
)

// checkVarName applies SIPp's rule for variable names in attributes and
// keywords: not empty, no '$' and no ','.
func checkVarName(name string) error {
	if name == "" {
		return fmt.Errorf("a variable name must not be empty")
	}
	if strings.ContainsAny(name, "$,") {
		return fmt.Errorf("variable name %q must not contain '$' or ','", name)
	}
	return nil
}

// ref resolves a reference to name for a call, creating a call variable
// when no variable of that name exists (SIPp's get_var).
func (v *Vars) ref(name string, line int, acc access) VarID {
	id := v.Resolve(name)
	if id == NoVar {
		id = v.add(name, ScopeCall, line)
	}
	vr := &v.List[id]
	vr.Refs++
	if acc&accRead != 0 {
		vr.Read = true
	}
	if acc&accWrite != 0 {
		vr.Set = true
	}
	return id
}

// declare handles one name of <Global> or <User>. A <User> name that is
// already Global stays Global, as in SIPp.
func (v *Vars) declare(name string, scope Scope, line int) VarID {
	v.init()
	if id := v.Lookup(name, scope); id != NoVar {
		v.List[id].Refs++
		return id
	}
	if scope == ScopeUser {
		if id := v.Lookup(name, ScopeGlobal); id != NoVar {
			v.List[id].Refs++
			return id
		}
	}
	id := v.add(name, scope, line)
	v.List[id].Refs++
	return id
}

// validate returns SIPp's checks on variable usage as warnings: SIPp
// refuses a scenario where a variable (other than "_") is referenced
// fewer than two times; gossip warns. A call variable that is read but
// never written is also worth a warning: it is always empty.
func (v *Vars) validate() []Warning {
	var out []Warning
	for _, vr := range v.List {
		if vr.inherited || vr.Name == "_" {
			continue
		}
		if vr.Refs < 2 {
			out = append(out, Warning{Line: vr.Line, Msg: fmt.Sprintf(
				"variable %q is referenced only once (SIPp refuses such a scenario; <Reference variables=%q/> silences this)",
				vr.Name, vr.Name)})
			continue
		}
		if vr.Scope == ScopeCall && vr.Read && !vr.Set {
			out = append(out, Warning{Line: vr.Line, Msg: fmt.Sprintf("variable %q is used but never set", vr.Name)})
		}
	}
	return out
}

// String returns "call", "user" or "global".
func (s Scope) String() string {
	switch s {
	case ScopeCall:
		return "call"
	case ScopeUser:
		return "user"
	case ScopeGlobal:
		return "global"
	}
	return "Scope(" + strconv.Itoa(int(s)) + ")"
}

// String returns the kind's name: unset, string, double, bool, match.
func (k VarKind) String() string {
	switch k {
	case VarUnset:
		return "unset"
	case VarString:
		return "string"
	case VarDouble:
		return "double"
	case VarBool:
		return "bool"
	case VarMatch:
		return "match"
	}
	return "VarKind(" + strconv.Itoa(int(k)) + ")"
}

// LookupGlobal returns the Global variable name for -set NAME VALUE. SIPp
// refuses -set for a variable no <Global> declares; so does the error,
// which lists the declared ones.
func (v *Vars) LookupGlobal(name string) (VarID, error) {
	if id := v.Lookup(name, ScopeGlobal); id != NoVar {
		return id, nil
	}
	var names []string
	for _, vr := range v.List {
		if vr.Scope == ScopeGlobal {
			names = append(names, vr.Name)
		}
	}
	if len(names) == 0 {
		return NoVar, fmt.Errorf("cannot set global variable %q: the scenario declares no <Global> variables", name)
	}
	return NoVar, fmt.Errorf("cannot set global variable %q: the scenario's <Global> variables are %s", name, strings.Join(names, ", "))
}
