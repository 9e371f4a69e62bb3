package scenario

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ActionKind is what an action does. Each kind is a Feature
// (ActionFeature(k)).
type ActionKind uint8

const (
	ActionEreg         ActionKind = iota + 1 // <ereg>: regular expression match, groups into variables
	ActionLog                                // <log message=>: a line in the -trace_logs file
	ActionWarning                            // <warning message=>: a warning (error log, screen)
	ActionError                              // <error message=>: a fatal error: the run stops
	ActionExec                               // <exec command=>: run a shell command
	ActionIntCmd                             // <exec int_cmd=>: stop_call, stop_gracefully, stop_now
	ActionMedia                              // <exec play_pcap_image=|play_dtmf=|rtp_stream=|rtp_echo=>, <rtp_echo>
	ActionJump                               // <jump value=|variable=>: continue at a SIPp message index
	ActionPauseRestore                       // <pauserestore value=|variable=>: resume a pause saved in _unexp.pausedaddr
	ActionGetTimeOfDay                       // <gettimeofday assign_to="s,us">
	ActionSetDest                            // <setdest host= port= protocol=>: change the call's remote address
	ActionCloseCon                           // <closecon>: close the call's connection (TCP)
	ActionVerifyAuth                         // <verifyauth assign_to= username= password=>: check the Authorization header
	ActionLookup                             // <lookup assign_to= file= key=>: line number of key in an indexed injection file
	ActionInsert                             // <insert file= value=>: add a line to an injection file (in memory)
	ActionReplace                            // <replace file= line= value=>: replace a line of an injection file (in memory)
	ActionAssign                             // <assign assign_to= value=|variable=>: a double
	ActionAssignStr                          // <assignstr assign_to= value=>: a string (template)
	ActionIndex                              // <index assign_to=>: the current SIPp message index, as a double
	ActionSample                             // <sample assign_to= distribution=...>: a random double
	ActionToDouble                           // <todouble assign_to= variable=>
	ActionAdd                                // <add assign_to= value=|variable=>
	ActionSubtract                           // <subtract assign_to= value=|variable=>
	ActionMultiply                           // <multiply assign_to= value=|variable=>
	ActionDivide                             // <divide assign_to= value=|variable=>
	ActionTest                               // <test assign_to= variable= compare= value=|variable2=>
	ActionStrcmp                             // <strcmp assign_to= variable= value=|variable2=>
	ActionURLEncode                          // <urlencode variable=>
	ActionURLDecode                          // <urldecode variable=>
	ActionTrim                               // <trim assign_to=>
	ActionPlayPcap                           // <exec play_pcap_audio=|play_pcap_video=>: replay a capture's RTP (Media, MediaArg)
	actionKindCount
)

var actionNames = [...]string{
	ActionEreg: "ereg", ActionLog: "log", ActionWarning: "warning", ActionError: "error",
	ActionExec: "exec", ActionIntCmd: "exec", ActionMedia: "exec", ActionJump: "jump",
	ActionPauseRestore: "pauserestore", ActionGetTimeOfDay: "gettimeofday", ActionSetDest: "setdest",
	ActionCloseCon: "closecon", ActionVerifyAuth: "verifyauth", ActionLookup: "lookup",
	ActionInsert: "insert", ActionReplace: "replace", ActionAssign: "assign", ActionAssignStr: "assignstr",
	ActionIndex: "index", ActionSample: "sample", ActionToDouble: "todouble", ActionAdd: "add",
	ActionSubtract: "subtract", ActionMultiply: "multiply", ActionDivide: "divide", ActionTest: "test",
	ActionStrcmp: "strcmp", ActionURLEncode: "urlencode", ActionURLDecode: "urldecode", ActionTrim: "trim",
	ActionPlayPcap: "exec",
}

// String returns the action's element name (exec for the exec kinds).
func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		switch k {
		case ActionIntCmd:
			return "exec int_cmd"
		case ActionMedia:
			return "exec media"
		case ActionPlayPcap:
			return "exec play_pcap"
		}
		return actionNames[k]
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// SearchIn is where an <ereg> looks.
type SearchIn uint8

const (
	SearchMsg  SearchIn = iota // search_in="msg" (default): the whole message
	SearchHdr                  // search_in="hdr": the value of header Action.Header
	SearchBody                 // search_in="body": what follows the first CRLF CRLF
	SearchVar                  // search_in="var": the string value of variable Action.Var
)

// Compare is the comparison of a <test> action.
type Compare uint8

const (
	CompareEqual          Compare = iota + 1 // equal
	CompareNotEqual                          // not_equal
	CompareGreater                           // greater_than
	CompareLess                              // less_than
	CompareGreaterOrEqual                    // greater_than_equal
	CompareLessOrEqual                       // less_than_equal
)

var compareNames = map[string]Compare{
	"equal": CompareEqual, "not_equal": CompareNotEqual, "greater_than": CompareGreater,
	"less_than": CompareLess, "greater_than_equal": CompareGreaterOrEqual, "less_than_equal": CompareLessOrEqual,
}

// IntCmd is the internal command of <exec int_cmd=>.
type IntCmd uint8

const (
	IntCmdStopCall       IntCmd = iota + 1 // stop_call (also any unknown value, as in SIPp): the call fails
	IntCmdStopGracefully                   // stop_gracefully: like the 'q' key, no new calls, running ones finish
	IntCmdStopNow                          // stop_now: like Ctrl-C, the run ends at once
)

// Action is one action of a command's <action> block. Which fields mean
// something depends on Kind (see each field); variable fields are NoVar
// when not used.
type Action struct {
	Kind ActionKind
	Line int // source line of the action element

	// AssignTo is the variable the action writes: the whole match of
	// <ereg>, the seconds of <gettimeofday>, the target of assign,
	// assignstr, index, sample, todouble, add, subtract, multiply,
	// divide, test, strcmp, verifyauth, lookup, trim; the variable
	// urlencode and urldecode rewrite in place. NoVar for a test or
	// strcmp without assign_to (check_it only).
	AssignTo VarID
	// SubVars are the further assign_to variables: the groups 1..n of
	// <ereg> (at most 9), the microseconds of <gettimeofday>.
	SubVars []VarID
	// Var is the input variable: ereg search_in="var", the variable=
	// operand of assign, add, subtract, multiply, divide, jump,
	// pauserestore, <rtp_echo>, and the first operand of todouble, test,
	// strcmp.
	Var VarID
	// Var2 is variable2= of test and strcmp.
	Var2 VarID
	// Value is the numeric value= operand (used when Var is NoVar):
	// assign, add, subtract, multiply, divide (never 0), jump (a SIPp
	// message index, see Scenario.MsgCommands), pauserestore, test,
	// <rtp_echo>.
	Value float64

	// ereg
	Regexp         *regexp.Regexp // compiled once, POSIX semantics (leftmost-longest, '.' matches a newline)
	RegexpText     string         // regexp= as written
	SearchIn       SearchIn
	Header         string // search_in="hdr": the header text searched for, as written ("From:", "Contact: ")
	CaseIndep      bool   // case_indep: look for Header ignoring case
	Occurrence     int    // occurrence: the n-th occurrence of Header (1-based, default 1)
	StartLine      bool   // start_line: Header must start a line
	CheckIt        bool   // check_it (ereg, test, strcmp): the call fails when there is no match (test: false; strcmp: not equal)
	CheckItInverse bool   // check_it_inverse: the call fails when there is a match (test: true; strcmp: equal)

	// Message is the template of log, warning and error message=, exec
	// command=, assignstr value=, and the play_dtmf digits.
	Message *Template
	// Args are the templates of the other templated attributes, in this
	// order: lookup file, key; insert file, value; replace file, line,
	// value; setdest host, port, protocol; verifyauth username, password.
	Args []*Template

	Compare Compare       // test
	String  string        // strcmp value= (a plain string, not a template)
	IntCmd  IntCmd        // exec int_cmd
	Dist    *Distribution // sample

	// Media is the media action as written: "play_pcap_audio",
	// "play_pcap_image", "play_pcap_video", "play_dtmf", "rtp_stream",
	// "rtp_echo" (exec attributes) or "<rtp_echo>" (the element, whose
	// operand is Var or Value). MediaArg is the attribute's value (a
	// [key] value replaced by its -key value).
	Media    string
	MediaArg string
}

// actions reads an <action> element's children up to its end tag.
func (p *parser) actions(line int) ([]Action, error) {
	var out []Action
	err := p.children(unexpectedEOF, func(se xml.StartElement, l int) error {
		a, err := p.action(se, l)
		if err != nil {
			return err
		}
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		p.warn(line, "<action> holds no action")
	}
	return out, nil
}

// action parses one action element.
func (p *parser) action(se xml.StartElement, line int) (Action, error) {
	name := elementName(se.Name)
	a := newAttrs(p, name, line, se.Attr)
	act := Action{Line: line, AssignTo: NoVar, Var: NoVar, Var2: NoVar}
	var err error
	switch name {
	case "ereg":
		err = p.ereg(&act, a)
	case "log", "warning", "error":
		act.Kind = map[string]ActionKind{"log": ActionLog, "warning": ActionWarning, "error": ActionError}[name]
		act.Message, err = p.attrTemplate(a, "message")
	case "assign":
		act.Kind = ActionAssign
		err = p.arithmetic(&act, a)
	case "add", "subtract", "multiply", "divide":
		act.Kind = map[string]ActionKind{"add": ActionAdd, "subtract": ActionSubtract, "multiply": ActionMultiply, "divide": ActionDivide}[name]
		err = p.arithmetic(&act, a)
		if err == nil && act.Kind == ActionDivide && act.Var == NoVar && act.Value == 0 {
			v, _ := a.get("value")
			err = a.bad("value", v, "a divide action cannot divide by zero")
		}
	case "assignstr":
		act.Kind = ActionAssignStr
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err == nil {
			act.Message, err = p.attrTemplate(a, "value")
		}
	case "gettimeofday":
		act.Kind = ActionGetTimeOfDay
		var names []string
		if names, err = p.varList(a, "assign_to"); err == nil {
			if len(names) != 2 {
				v, _ := a.get("assign_to")
				err = a.bad("assign_to", v, "gettimeofday needs two variables: seconds,microseconds")
				break
			}
			act.AssignTo = p.sc.Vars.ref(names[0], line, accWrite)
			act.SubVars = []VarID{p.sc.Vars.ref(names[1], line, accWrite)}
		}
	case "index":
		act.Kind = ActionIndex
		act.AssignTo, err = p.varAttr(a, "assign_to", accWrite)
	case "jump", "pauserestore":
		act.Kind = ActionJump
		if name == "pauserestore" {
			act.Kind = ActionPauseRestore
		}
		err = p.operand(&act, a)
	case "sample":
		act.Kind = ActionSample
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err == nil {
			act.Dist, err = p.distribution(a, false)
		}
	case "todouble":
		act.Kind = ActionToDouble
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err == nil {
			act.Var, err = p.varAttr(a, "variable", accRead)
		}
	case "test", "strcmp":
		err = p.comparison(&act, a)
	case "verifyauth":
		act.Kind = ActionVerifyAuth
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err == nil {
			act.Args, err = p.attrTemplates(a, "username", "password")
		}
	case "lookup":
		act.Kind = ActionLookup
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err == nil {
			act.Args, err = p.attrTemplates(a, "file", "key")
		}
	case "insert":
		act.Kind = ActionInsert
		act.Args, err = p.attrTemplates(a, "file", "value")
	case "replace":
		act.Kind = ActionReplace
		act.Args, err = p.attrTemplates(a, "file", "line", "value")
	case "setdest":
		act.Kind = ActionSetDest
		act.Args, err = p.attrTemplates(a, "host", "port", "protocol")
	case "closecon":
		act.Kind = ActionCloseCon
	case "trim":
		act.Kind = ActionTrim
		act.AssignTo, err = p.varAttr(a, "assign_to", accRead|accWrite)
	case "urlencode", "urldecode":
		act.Kind = ActionURLEncode
		if name == "urldecode" {
			act.Kind = ActionURLDecode
		}
		act.AssignTo, err = p.varAttr(a, "variable", accRead|accWrite)
	case "exec":
		err = p.exec(&act, a)
	case "rtp_echo":
		act.Kind, act.Media = ActionMedia, "<rtp_echo>"
		err = p.operand(&act, a)
	default:
		return act, p.errorAt(line, ErrUnknownElement, fmt.Sprintf("unknown action <%s>", name))
	}
	if err != nil {
		return act, err
	}
	a.warnUnused()
	if err := p.skipContent(); err != nil {
		return act, err
	}
	what := "action <" + name + ">"
	if (act.Kind == ActionMedia || act.Kind == ActionPlayPcap) && act.Media != "<rtp_echo>" {
		what = "action <exec " + act.Media + ">"
	} else if act.Kind == ActionIntCmd {
		what = "action <exec int_cmd>"
	}
	p.use(ActionFeature(act.Kind), line, what)
	return act, nil
}

// varAttr reads a mandatory attribute naming one variable.
func (p *parser) varAttr(a *attrs, attr string, acc access) (VarID, error) {
	v, err := a.required(attr)
	if err != nil {
		return NoVar, err
	}
	return p.varRef(a, attr, v, acc)
}

// varRef returns the variable named by v, the value of attribute attr,
// after checking the name as SIPp does.
func (p *parser) varRef(a *attrs, attr, v string, acc access) (VarID, error) {
	if err := checkVarName(v); err != nil {
		return NoVar, a.bad(attr, v, err.Error())
	}
	return p.sc.Vars.ref(v, a.line, acc), nil
}

// varList reads a comma separated list of variable names (assign_to of
// ereg and gettimeofday), split as SIPp splits it: at every comma, blanks
// kept.
func (p *parser) varList(a *attrs, attr string) ([]string, error) {
	v, err := a.required(attr)
	if err != nil {
		return nil, err
	}
	names := strings.Split(v, ",")
	for _, n := range names {
		if err := checkVarName(n); err != nil {
			return nil, a.bad(attr, v, err.Error())
		}
		warnBlanks(a, attr, n)
	}
	return names, nil
}

// warnBlanks warns about a variable name with blanks around it: SIPp
// keeps them as part of the name, so "a, b" names "a" and " b".
func warnBlanks(a *attrs, attr, name string) {
	if strings.TrimSpace(name) != name {
		a.p.warn(a.line, fmt.Sprintf("%s on <%s> names variable %q, blanks included (SIPp splits at commas only)", attr, a.elem, name))
	}
}

// attrTemplate compiles a mandatory attribute as a template (keywords
// allowed, no start-line check).
func (p *parser) attrTemplate(a *attrs, attr string) (*Template, error) {
	v, err := a.required(attr)
	if err != nil {
		return nil, err
	}
	return p.compileRaw(v, a.line)
}

func (p *parser) attrTemplates(a *attrs, names ...string) ([]*Template, error) {
	out := make([]*Template, len(names))
	for i, n := range names {
		t, err := p.attrTemplate(a, n)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// operand reads SIPp's right-hand side: value= (a number) or variable=,
// exactly one of them.
func (p *parser) operand(act *Action, a *attrs) error {
	v, hasValue := a.get("value")
	name, hasVar := a.get("variable")
	switch {
	case hasValue && hasVar:
		return a.errorf(ErrBadAttribute, "value and variable are mutually exclusive on <%s>", a.elem)
	case hasValue:
		f, err := cDouble(v)
		if err != nil {
			return a.bad("value", v, err.Error())
		}
		act.Value = f
	case hasVar:
		id, err := p.varRef(a, "variable", name, accRead)
		if err != nil {
			return err
		}
		act.Var = id
	default:
		return a.errorf(ErrBadAttribute, "<%s> needs a value or a variable attribute", a.elem)
	}
	return nil
}

// arithmetic reads assign_to and the operand of assign, add, subtract,
// multiply and divide.
func (p *parser) arithmetic(act *Action, a *attrs) error {
	acc := accRead | accWrite
	if act.Kind == ActionAssign {
		acc = accWrite
	}
	var err error
	if act.AssignTo, err = p.varAttr(a, "assign_to", acc); err != nil {
		return err
	}
	return p.operand(act, a)
}

// checkIt reads check_it and check_it_inverse, which exclude each other.
func (p *parser) checkIt(act *Action, a *attrs) error {
	if a.index("check_it") >= 0 && a.index("check_it_inverse") >= 0 {
		a.has("check_it")
		a.has("check_it_inverse")
		return a.errorf(ErrBadAttribute, "<%s> cannot have both check_it and check_it_inverse", a.elem)
	}
	var err error
	if act.CheckIt, err = a.boolean("check_it", false); err != nil {
		return err
	}
	act.CheckItInverse, err = a.boolean("check_it_inverse", false)
	return err
}

// comparison reads <test> and <strcmp>.
func (p *parser) comparison(act *Action, a *attrs) error {
	act.Kind = ActionTest
	if a.elem == "strcmp" {
		act.Kind = ActionStrcmp
	}
	if err := p.checkIt(act, a); err != nil {
		return err
	}
	var err error
	// assign_to may be left out when check_it or check_it_inverse is
	// there (present, whatever its value, as SIPp tests it).
	if a.index("assign_to") >= 0 || (a.index("check_it") < 0 && a.index("check_it_inverse") < 0) {
		if act.AssignTo, err = p.varAttr(a, "assign_to", accWrite); err != nil {
			return err
		}
	}
	if act.Var, err = p.varAttr(a, "variable", accRead); err != nil {
		return err
	}
	if v, ok := a.get("value"); ok {
		if a.has("variable2") {
			return a.errorf(ErrBadAttribute, "<%s> cannot have both value and variable2", a.elem)
		}
		if act.Kind == ActionStrcmp {
			act.String = v
		} else {
			f, err := cDouble(v)
			if err != nil {
				return a.bad("value", v, err.Error())
			}
			act.Value = f
		}
	} else if a.index("variable2") < 0 {
		return a.errorf(ErrBadAttribute, "<%s> needs a value or a variable2 attribute", a.elem)
	} else if act.Var2, err = p.varAttr(a, "variable2", accRead); err != nil {
		return err
	}
	if act.Kind == ActionTest {
		c, err := a.required("compare")
		if err != nil {
			return err
		}
		if act.Compare = compareNames[c]; act.Compare == 0 {
			return a.bad("compare", c, "want equal, not_equal, greater_than, less_than, greater_than_equal or less_than_equal")
		}
	}
	return nil
}

// ereg reads a regular expression action.
func (p *parser) ereg(act *Action, a *attrs) error {
	act.Kind = ActionEreg
	expr, err := a.required("regexp")
	if err != nil {
		return err
	}
	if act.CaseIndep, err = a.boolean("case_indep", false); err != nil {
		return err
	}
	if act.StartLine, err = a.boolean("start_line", false); err != nil {
		return err
	}
	act.Occurrence = 1
	where, _ := a.get("search_in")
	switch where {
	case "", "msg":
		if where == "" && a.index("search_in") >= 0 {
			return a.bad("search_in", where, "want msg, hdr, body or var")
		}
		act.SearchIn = SearchMsg
	case "body":
		act.SearchIn = SearchBody
	case "var":
		act.SearchIn = SearchVar
		if act.Var, err = p.varAttr(a, "variable", accRead); err != nil {
			return err
		}
	case "hdr":
		act.SearchIn = SearchHdr
		h, _ := a.get("header")
		if h == "" {
			return a.errorf(ErrBadAttribute, `search_in="hdr" on <ereg> needs a non-empty header attribute`)
		}
		act.Header = h
		occ, ok := a.get("occurrence")
		if !ok {
			occ, ok = a.get("occurence") // SIPp's old spelling
		}
		if ok {
			act.Occurrence = atoiPrefix(strings.TrimLeft(occ, " \t"))
		}
	default:
		return a.bad("search_in", where, "want msg, hdr, body or var")
	}
	if act.SearchIn != SearchHdr {
		for _, n := range []string{"header", "occurrence", "occurence"} {
			a.ignore(n, `it only applies with search_in="hdr"`)
		}
	}
	if err := p.checkIt(act, a); err != nil {
		return err
	}
	names, err := p.varList(a, "assign_to")
	if err != nil {
		return err
	}
	if len(names) > 10 {
		v, _ := a.get("assign_to")
		return a.bad("assign_to", v, "at most 10 variables: the whole match and 9 groups")
	}
	act.AssignTo = p.sc.Vars.ref(names[0], a.line, accWrite)
	for _, n := range names[1:] {
		act.SubVars = append(act.SubVars, p.sc.Vars.ref(n, a.line, accWrite))
	}
	act.RegexpText = expr
	re, err := p.regexp(a, "regexp", expr)
	if err != nil {
		return err
	}
	act.Regexp = re
	return nil
}

// regexp compiles a POSIX regular expression attribute.
func (p *parser) regexp(a *attrs, attr, expr string) (*regexp.Regexp, error) {
	r, err := compilePOSIX(expr)
	if err != nil {
		sentinel := ErrBadAttribute
		if strings.Contains(err.Error(), errRegexpUnsupported.Error()) {
			sentinel = ErrUnsupported
		}
		return nil, a.errorf(sentinel, "regular expression %s=%q on <%s>: %v", attr, expr, a.elem, err)
	}
	for _, w := range r.warnings {
		p.warn(a.line, fmt.Sprintf("%s=%q on <%s>: %s", attr, expr, a.elem, w))
	}
	return r.re, nil
}

// exec reads <exec>: command, int_cmd or a media attribute, in SIPp's
// order of precedence.
func (p *parser) exec(act *Action, a *attrs) error {
	defer func() {
		for _, n := range []string{"command", "int_cmd", "play_pcap_audio", "play_pcap_image", "play_pcap_video", "play_dtmf", "rtp_stream", "rtp_echo"} {
			a.ignore(n, "an <exec> runs one command; use one <exec> for each")
		}
	}()
	if v, ok := a.get("command"); ok {
		act.Kind = ActionExec
		var err error
		act.Message, err = p.compileRaw(v, a.line)
		return err
	}
	if v, ok := a.get("int_cmd"); ok {
		act.Kind = ActionIntCmd
		switch v {
		case "stop_now":
			act.IntCmd = IntCmdStopNow
		case "stop_gracefully":
			act.IntCmd = IntCmdStopGracefully
		case "stop_call":
			act.IntCmd = IntCmdStopCall
		default:
			act.IntCmd = IntCmdStopCall
			p.warn(a.line, fmt.Sprintf("int_cmd=%q on <exec> is not stop_call, stop_gracefully or stop_now: SIPp takes it as stop_call", v))
		}
		return nil
	}
	for _, m := range []string{"play_pcap_audio", "play_pcap_image", "play_pcap_video", "play_dtmf", "rtp_stream", "rtp_echo"} {
		v, ok := a.get(m)
		if !ok {
			continue
		}
		act.Kind, act.Media, act.MediaArg = ActionMedia, m, v
		if m == "play_pcap_audio" || m == "play_pcap_video" {
			act.Kind = ActionPlayPcap
		}
		if strings.HasPrefix(m, "play_pcap") && len(v) >= 2 && v[0] == '[' && v[len(v)-1] == ']' {
			key, ok := p.opts.Keys[v[1:len(v)-1]]
			if !ok {
				return a.bad(m, v, "looks like a -key value, but no such -key was given")
			}
			act.MediaArg = key
		}
		if m == "play_dtmf" {
			var err error
			act.Message, err = p.compileRaw(v, a.line)
			return err
		}
		return nil
	}
	return a.errorf(ErrBadAttribute, "<exec> needs a command, int_cmd, play_pcap_audio, play_pcap_image, play_pcap_video, play_dtmf, rtp_stream or rtp_echo attribute")
}

// String returns the comparison's SIPp spelling (equal, less_than, ...).
func (c Compare) String() string {
	for name, cc := range compareNames {
		if cc == c {
			return name
		}
	}
	return "Compare(" + strconv.Itoa(int(c)) + ")"
}

// String returns msg, hdr, body or var.
func (s SearchIn) String() string {
	switch s {
	case SearchMsg:
		return "msg"
	case SearchHdr:
		return "hdr"
	case SearchBody:
		return "body"
	case SearchVar:
		return "var"
	}
	return "SearchIn(" + strconv.Itoa(int(s)) + ")"
}

// String returns stop_call, stop_gracefully or stop_now.
func (c IntCmd) String() string {
	switch c {
	case IntCmdStopCall:
		return "stop_call"
	case IntCmdStopGracefully:
		return "stop_gracefully"
	case IntCmdStopNow:
		return "stop_now"
	}
	return "IntCmd(" + strconv.Itoa(int(c)) + ")"
}
