package scenario

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, that every failure is
// an *Error with a position, and that what loads is consistent.
func FuzzParse(f *testing.F) {
	for _, name := range BuiltinNames() {
		data, _ := BuiltinXML(name)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := Parse(data, "f.xml")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.xml" || e.Line < 1 || e.Msg == "" || e.Err == nil {
				t.Fatalf("error without position: %#v", err)
			}
			// The line is one of the file's (XML ends a line at LF, CRLF or
			// a lone CR, §2.11), and the message leads with it.
			lines := bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte{'\n'}) +
				bytes.Count(bytes.ReplaceAll(data, []byte("\r\n"), nil), []byte{'\r'}) + 1
			if e.Line > lines ||
				!strings.HasPrefix(err.Error(), "f.xml:"+strconv.Itoa(e.Line)+": ") {
				t.Fatalf("error %q: line %d of %d", err, e.Line, lines)
			}
			return
		}
		if sc.Mode != ModeClient && sc.Mode != ModeServer {
			t.Fatalf("mode %v", sc.Mode)
		}
		n := len(sc.Commands)
		if n == 0 {
			t.Fatal("no commands")
		}
		inRange := func(i, max int) bool { return i == NoIndex || (i >= 0 && i < max) }
		nv := len(sc.Vars.List)
		varOK := func(id VarID) bool { return id == NoVar || (id >= 0 && int(id) < nv) }
		var checkTemplate func(where string, m *Template)
		checkTemplate = func(where string, m *Template) {
			for j, o := range m.Ops {
				if o.Kind >= opKindCount || (o.Kind == OpLiteral && len(o.Lit) == 0) {
					t.Fatalf("%s op %d: %+v", where, j, o)
				}
				if (o.Kind == OpVar || o.Kind == OpFill) && (o.Var == NoVar || !varOK(o.Var)) {
					t.Fatalf("%s op %d: variable %d of %d", where, j, o.Var, nv)
				}
				if o.Kind == OpFill && len(o.Lit) == 0 {
					t.Fatalf("%s op %d: empty fill text", where, j)
				}
				for _, sub := range []*Template{o.Line, o.Path} {
					if sub != nil {
						checkTemplate(where+" param", sub)
					}
				}
				if o.Kind == OpFile && o.Path == nil || o.Kind == OpAuth && o.Auth == nil {
					t.Fatalf("%s op %d without parameters", where, j)
				}
				_ = o.String()
			}
		}
		for i, v := range sc.Vars.List {
			limit := map[Scope]int{ScopeCall: sc.Vars.Call, ScopeUser: sc.Vars.User, ScopeGlobal: sc.Vars.Global}[v.Scope]
			if v.Slot < 0 || v.Slot >= limit || sc.Vars.Resolve(v.Name) == NoVar {
				t.Fatalf("variable %d %+v out of its scope's %d slots", i, v, limit)
			}
		}
		if err := sc.Check(func(Feature) bool { return true }); err != nil {
			t.Fatalf("Check(all): %v", err)
		}
		if len(sc.Uses) > 0 && sc.Check(func(Feature) bool { return false }) == nil {
			t.Fatal("Check(none) accepts a scenario with features")
		}
		for i, c := range sc.Init {
			if c.Kind != KindNop && c.Kind != KindLabel {
				t.Fatalf("init command %d is %v", i, c.Kind)
			}
			if !inRange(c.Next, len(sc.Init)) || !inRange(c.OnTimeout, len(sc.Init)) {
				t.Fatalf("init command %d has an index out of range: %+v", i, c)
			}
		}
		for _, n := range sc.MsgCommands {
			if n < 0 || n >= len(sc.Commands) || sc.Commands[n].Kind == KindLabel {
				t.Fatalf("MsgCommands %v", sc.MsgCommands)
			}
		}
		for i, c := range append(slices.Clone(sc.Init), sc.Commands...) {
			for _, id := range []VarID{c.Test, c.CondExec, c.PauseVar} {
				if !varOK(id) {
					t.Fatalf("command %d: variable %d of %d", i, id, nv)
				}
			}
			for _, k := range []int{c.StartTxn, c.AckTxn, c.ResponseTxn} {
				if !inRange(k, len(sc.Transactions)) {
					t.Fatalf("command %d: transaction %d of %d", i, k, len(sc.Transactions))
				}
			}
			if c.Chance < 0 || c.Chance > 1 || (c.Lost != -1 && (c.Lost < 0 || c.Lost > 100)) {
				t.Fatalf("command %d: chance %v lost %v", i, c.Chance, c.Lost)
			}
			for j, a := range c.Actions {
				if a.Kind == 0 || a.Kind >= actionKindCount || !varOK(a.AssignTo) || !varOK(a.Var) || !varOK(a.Var2) {
					t.Fatalf("command %d action %d: %+v", i, j, a)
				}
				for _, id := range a.SubVars {
					if id == NoVar || !varOK(id) {
						t.Fatalf("command %d action %d: sub variable %d", i, j, id)
					}
				}
				if a.Kind == ActionEreg && a.Regexp == nil {
					t.Fatalf("command %d action %d: ereg without regexp", i, j)
				}
				if a.Message != nil {
					checkTemplate("action", a.Message)
				}
				for _, arg := range a.Args {
					checkTemplate("action arg", arg)
				}
			}
			if c.Kind == KindSendCmd {
				checkTemplate("sendCmd", c.Message)
			}
		}
		for i, c := range sc.Commands {
			if !inRange(c.Next, n) || !inRange(c.OnTimeout, n) ||
				!inRange(c.StartRTD, len(sc.RTDNames)) || !inRange(c.StopRTD, len(sc.RTDNames)) {
				t.Fatalf("command %d has an index out of range: %+v", i, c)
			}
			if (c.Next != NoIndex && sc.Commands[c.Next].Kind != KindLabel) ||
				(c.OnTimeout != NoIndex && sc.Commands[c.OnTimeout].Kind != KindLabel) {
				t.Fatalf("command %d jumps to a non-label", i)
			}
			if c.Kind == KindSend {
				m := c.Message
				if m == nil || len(m.Ops) == 0 || m.Ops[0].Kind != OpLiteral {
					t.Fatalf("send %d has a bad template", i)
				}
				if (m.Method == "") == (m.Status == 0) {
					t.Fatalf("send %d: method %q status %d", i, m.Method, m.Status)
				}
				checkTemplate("send", m)
				for j, o := range m.Ops {
					if j > 0 && o.Kind == OpLiteral && m.Ops[j-1].Kind == OpLiteral {
						t.Fatalf("send %d: literals %d and %d not merged", i, j-1, j)
					}
				}
			}
		}
	})
}

// FuzzCompileTemplate checks that no message text makes the compiler
// panic.
func FuzzCompileTemplate(f *testing.F) {
	f.Add("INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0\nCSeq: [cseq+1] INVITE\n\nv=0\n")
	f.Add("SIP/2.0 200 OK\n[last_Via:]\n[last_To:value]\nX: a [b [call_id] \\x5B \\x9")
	f.Add("OPTIONS sip:x SIP/2.0\nX: \"[q]\" [authentication username=\"a]\"]")
	f.Add("INVITE sip:[$u]@[remote_host] SIP/2.0\nX: [field1 file=\"a.csv\" line=\"[$l]\"] [fill variable=n text=ab] [file name=0x6162]\n" +
		"[authentication username=\"[$u]\" password=p aka_K=k] [last_cseq_number+1] [cryptotag1audio] [date] [$u-1]")
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := CompileTemplate(text, 1)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Line < 1 {
				t.Fatalf("error without line: %#v", err)
			}
			return
		}
		if len(tmpl.Ops) == 0 || tmpl.Ops[0].Kind != OpLiteral {
			t.Fatal("template does not start with a literal")
		}
	})
}

// FuzzPOSIXRegexp checks that the POSIX-to-Go translation never panics
// and that what it accepts compiles.
func FuzzPOSIXRegexp(f *testing.F) {
	for _, s := range []string{`[0-9]{1,3}[.][0-9]{1,3}`, `o=([[:alnum:]]*) ([[:alnum:]]*)`, `[]a\.]`, `a{,3}b**`, `(a|)\)`, `\<x\1`, `[[.a.]]`, `é{2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		r, err := compilePOSIX(expr)
		if err == nil && r.re == nil {
			t.Fatal("no regexp and no error")
		}
	})
}
