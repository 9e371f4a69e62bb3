package scenario

import (
	"errors"
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
				for j, o := range m.Ops {
					if o.Kind >= opKindCount || (o.Kind == OpLiteral && len(o.Lit) == 0) {
						t.Fatalf("send %d op %d: %+v", i, j, o)
					}
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
