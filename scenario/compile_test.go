package scenario

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestCleanMessage(t *testing.T) {
	tests := []struct {
		name, in, want string
		lead           int
	}{
		{"header only gets a blank line", "\n\n   OPTIONS sip:x SIP/2.0\n   Max-Forwards: 70\n\n  ", "OPTIONS sip:x SIP/2.0\nMax-Forwards: 70\n\n", 2},
		{"no trailing newline, no body", "BYE sip:x SIP/2.0", "BYE sip:x SIP/2.0\n\n", 0},
		{"body keeps one final newline", "\n  INVITE sip:x SIP/2.0\n  L: 3\n\n  v=0\n\n   ", "INVITE sip:x SIP/2.0\nL: 3\n\nv=0\n", 1},
		{"body without final newline", "INVITE sip:x SIP/2.0\nL: 3\n\nv=0", "INVITE sip:x SIP/2.0\nL: 3\n\nv=0", 0},
		{"trailing blanks on lines", "A b  \n C: d\t\t\nE: f", "A b\nC: d\nE: f\n\n", 0},
		{"space then tab at the end keeps the space", "A b\nC: d \t\nE: f", "A b\nC: d \nE: f\n\n", 0},
		{"blank line made of spaces separates the body", "A b\n   \nbody\n", "A b\n\nbody\n", 0},
		// SIPp's passes run spaces first, then tabs: a tab-then-space
		// indent keeps its space, a space-then-tab indent loses both.
		{"tab then space indent keeps the space", "A b\n\t X: y", "A b\n X: y\n\n", 0},
		{"space then tab indent", "A b\n \tX: y", "A b\nX: y\n\n", 0},
		{"inner blanks stay", "A  b\nX:   y", "A  b\nX:   y\n\n", 0},
	}
	for _, tt := range tests {
		got, lead, err := cleanMessage(tt.in, true)
		if err != nil || got != tt.want || lead != tt.lead {
			t.Errorf("%s: cleanMessage(%q) = %q, %d, %v; want %q, %d", tt.name, tt.in, got, lead, err, tt.want, tt.lead)
		}
	}
	if _, _, err := cleanMessage(" \n\t\n ", true); err == nil {
		t.Error("blank message: no error")
	}
}

// dumpOps renders ops one a line, literals quoted.
func dumpOps(ops []Op) string {
	var b strings.Builder
	for _, o := range ops {
		if o.Kind == OpLiteral {
			b.WriteString(strconv.Quote(string(o.Lit)))
		} else {
			b.WriteString(o.String())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCompileKeywords(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // ops: quoted literals or [keyword] forms
	}{
		{"offsets", "SIP/2.0 200 OK\nA: [cseq+1] [remote_port-2] [branch-1] [len+3] [media_port]",
			[]string{`"SIP/2.0 200 OK\r\nA: "`, "[cseq+1]", `" "`, "[remote_port-2]", `" "`, "[branch-1]", `" "`, "[len+3]", `" "`, "[media_port]", `"\r\n\r\n"`}},
		{"a dash not followed by a digit is no offset", "SIP/2.0 200 OK\n[last_Call-ID:]",
			[]string{`"SIP/2.0 200 OK\r\n"`, "[last_Call-ID:]", `"\r\n\r\n"`}},
		{"SIPp cuts at the first dash before a digit, even in a header name", "SIP/2.0 200 OK\n[last_X-1:]",
			[]string{`"SIP/2.0 200 OK\r\n"`, "[last_X:-1]", `"\r\n\r\n"`}},
		{"trailing junk after an offset is ignored", "SIP/2.0 200 OK\nCSeq: [cseq+1x]",
			[]string{`"SIP/2.0 200 OK\r\nCSeq: "`, "[cseq+1]", `"\r\n\r\n"`}},
		{"last header forms", "SIP/2.0 200 OK\n[last_Via:]\n[last_Via]\nTo: [last_To:value]",
			[]string{`"SIP/2.0 200 OK\r\n"`, "[last_Via:]", `"\r\n"`, "[last_Via:]", `"\r\nTo: "`, "[last_To:value]", `"\r\n\r\n"`}},
		{"every supported keyword", "INVITE [service][remote_ip][remote_port][local_ip][local_ip_type][local_port][transport]" +
			"[media_ip][media_ip_type][media_port][call_number][call_id][cseq][pid][branch][len][peer_tag_param][routes][last_message]",
			[]string{`"INVITE "`, "[service]", "[remote_ip]", "[remote_port]", "[local_ip]", "[local_ip_type]", "[local_port]", "[transport]",
				"[media_ip]", "[media_ip_type]", "[media_port]", "[call_number]", "[call_id]", "[cseq]", "[pid]", "[branch]", "[len]",
				"[peer_tag_param]", "[routes]", "[last_message]", `"\r\n\r\n"`}},
		{"hex escapes", `OPTIONS sip:x SIP/2.0` + "\n" + `X: \x5Bnot a keyword] \x41\x4a`,
			[]string{`"OPTIONS sip:x SIP/2.0\r\nX: [not a keyword] AJ\r\n\r\n"`}},
		{"a lone hex digit eats the next character, as in SIPp", `OPTIONS sip:x SIP/2.0` + "\n" + `X: \x9Zend \xQrest`,
			[]string{`"OPTIONS sip:x SIP/2.0\r\nX: \tend rest\r\n\r\n"`}},
		{"a second [ before ] makes the first one text", "OPTIONS sip:x SIP/2.0\nX: a [b [call_id] c [[pid]",
			[]string{`"OPTIONS sip:x SIP/2.0\r\nX: a [b "`, "[call_id]", `" c ["`, "[pid]", `"\r\n\r\n"`}},
	}
	for _, tt := range tests {
		tmpl, err := CompileTemplate(tt.in, 1)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got, want := dumpOps(tmpl.Ops), strings.Join(tt.want, "\n")+"\n"; got != want {
			t.Errorf("%s: ops\n%s\nwant\n%s", tt.name, got, want)
		}
		for i := 1; i < len(tmpl.Ops); i++ {
			if tmpl.Ops[i].Kind == OpLiteral && tmpl.Ops[i-1].Kind == OpLiteral {
				t.Errorf("%s: adjacent literals %d and %d not merged", tt.name, i-1, i)
			}
		}
	}
}

func TestCompileStartLine(t *testing.T) {
	for in, want := range map[string]Template{
		"INVITE sip:[service]@x SIP/2.0":       {Method: "INVITE", Line: 7},
		"\n\nSIP/2.0 180 Ringing\n[last_Via:]": {Status: 180, Line: 9},
		"SIP/2.0 487 Request Terminated":       {Status: 487, Line: 7},
		"MESSAGE sip:x SIP/2.0\n\nhello":       {Method: "MESSAGE", Line: 7},
	} {
		tmpl, err := CompileTemplate(in, 7)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if tmpl.Method != want.Method || tmpl.Status != want.Status || tmpl.Line != want.Line {
			t.Errorf("%q: method %q status %d line %d, want %q %d %d", in, tmpl.Method, tmpl.Status, tmpl.Line, want.Method, want.Status, want.Line)
		}
	}
}

func TestCompileTemplateErrors(t *testing.T) {
	tests := []struct {
		in, want string
		is       error
	}{
		{"INVITE sip:x SIP/2.0\n\n\nX: [nope]", "line 13: unknown keyword [nope]", ErrUnknownKeyword},
		{"\nINVITE sip:x SIP/2.0\nX: [dates]", "line 12: unknown keyword [dates]", ErrUnknownKeyword},
		{"INVITE sip:x SIP/2.0\nX: [fill text=\"x\"]", "line 11: keyword [fill] needs a variable= parameter: a variable name must not be empty", ErrSyntax},
		{"INVITE sip:x SIP/2.0\nX: [file nom=\"a\"]", "line 11: keyword [file] needs a name= parameter", ErrSyntax},
		{"INVITE sip:x SIP/2.0\nX: [rtpstream_audio_prot]", "line 11: unknown keyword [rtpstream_audio_prot]", ErrUnknownKeyword},
		{"INVITE sip:x SIP/2.0\nX: [$a,b]", "line 11: keyword [$a,b]: variable name \"a,b\" must not contain '$' or ','", ErrSyntax},
		{"INVITE sip:x SIP/2.0\nX: [media_port+]", "line 11: unknown keyword [media_port+]", ErrUnknownKeyword},
		{"INVITE sip:x SIP/2.0\nX: [" + strings.Repeat("a", 300) + "]", "line 11: keyword [aaaaaaaaaaaaaaaaaaaa...] is longer than 256 bytes", ErrSyntax},
		{"  \n ", "line 10: empty message", ErrSyntax},
		{"INVITE\nX: y", "line 10: the start line must begin with literal text (a method or SIP/2.0) and a space, not a keyword", ErrSyntax},
		{"SIP/2.0 [$code] OK", `line 10: status code "" is out of range 100-699`, ErrSyntax},
		{"SIP/2.0 [service] OK", `line 10: status code "" is out of range 100-699`, ErrSyntax},
	}
	for _, tt := range tests {
		_, err := CompileTemplate(tt.in, 10)
		if err == nil || err.Error() != tt.want || !errors.Is(err, tt.is) {
			t.Errorf("CompileTemplate(%q) = %v, want %q (%v)", tt.in, err, tt.want, tt.is)
		}
	}
}

// render fills a template with fixed values, the way the engine would,
// including the [len] second pass.
func render(t *Template, lastHeaders map[string]string) string {
	vals := map[OpKind]string{
		OpService: "service", OpRemoteIP: "10.0.0.2", OpRemotePort: "5060",
		OpLocalIP: "10.0.0.1", OpLocalIPType: "4", OpLocalPort: "5061", OpTransport: "UDP",
		OpMediaIP: "10.0.0.1", OpMediaIPType: "4", OpMediaPort: "6000", OpCallNumber: "1",
		OpCallID: "1-42@10.0.0.1", OpCSeq: "1", OpPID: "42", OpBranch: "z9hG4bK-42-1-0",
		OpPeerTagParam: ";tag=abc", OpRoutes: "", OpLastMessage: "",
	}
	var b strings.Builder
	lenAt := -1
	for _, o := range t.Ops {
		switch o.Kind {
		case OpLiteral:
			b.Write(o.Lit)
		case OpLen:
			lenAt = b.Len()
			b.WriteString("@LEN@")
		case OpLastHeader:
			b.WriteString(lastHeaders[o.Name])
		default:
			b.WriteString(vals[o.Kind])
		}
	}
	s := b.String()
	if lenAt >= 0 {
		// [len] sits in the headers, so the body after the blank line
		// does not contain the placeholder.
		body := 0
		if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
			body = len(s) - (i + 4)
		}
		s = s[:lenAt] + strconv.Itoa(body) + s[lenAt+len("@LEN@"):]
	}
	return s
}

func TestRenderBuiltinUAC(t *testing.T) {
	sc, err := Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	invite := render(sc.Commands[0].Message, nil)
	body := "v=0\r\n" +
		"o=user1 53655765 2353687637 IN IP4 10.0.0.1\r\n" +
		"s=-\r\n" +
		"c=IN IP4 10.0.0.1\r\n" +
		"t=0 0\r\n" +
		"m=audio 6000 RTP/AVP 0\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n"
	want := "INVITE sip:service@10.0.0.2:5060 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5061;branch=z9hG4bK-42-1-0\r\n" +
		"From: sipp <sip:sipp@10.0.0.1:5061>;tag=42SIPpTag001\r\n" +
		"To: service <sip:service@10.0.0.2:5060>\r\n" +
		"Call-ID: 1-42@10.0.0.1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: sip:sipp@10.0.0.1:5061\r\n" +
		"Max-Forwards: 70\r\n" +
		"Subject: Performance Test\r\n" +
		"Content-Type: application/sdp\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"\r\n" + body
	if invite != want {
		t.Errorf("INVITE\n got: %q\nwant: %q", invite, want)
	}
	ack := render(sc.Commands[5].Message, nil)
	wantACK := "ACK sip:service@10.0.0.2:5060 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.1:5061;branch=z9hG4bK-42-1-0\r\n" +
		"From: sipp <sip:sipp@10.0.0.1:5061>;tag=42SIPpTag001\r\n" +
		"To: service <sip:service@10.0.0.2:5060>;tag=abc\r\n" +
		"Call-ID: 1-42@10.0.0.1\r\n" +
		"CSeq: 1 ACK\r\n" +
		"Contact: sip:sipp@10.0.0.1:5061\r\n" +
		"Max-Forwards: 70\r\n" +
		"Subject: Performance Test\r\n" +
		"Content-Length: 0\r\n\r\n"
	if ack != wantACK {
		t.Errorf("ACK\n got: %q\nwant: %q", ack, wantACK)
	}
}

func TestRenderBuiltinUAS(t *testing.T) {
	sc, err := Builtin("uas")
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{
		"Via:": "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1", "From:": "From: a <sip:a@x>;tag=1",
		"To:": "To: b <sip:b@y>", "Call-ID:": "Call-ID: c1", "CSeq:": "CSeq: 1 INVITE",
	}
	ringing := render(sc.Commands[1].Message, last)
	want := "SIP/2.0 180 Ringing\r\n" +
		"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-1\r\n" +
		"From: a <sip:a@x>;tag=1\r\n" +
		"To: b <sip:b@y>;tag=42SIPpTag011\r\n" +
		"Call-ID: c1\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: <sip:10.0.0.1:5061;transport=UDP>\r\n" +
		"Content-Length: 0\r\n\r\n"
	if ringing != want {
		t.Errorf("180\n got: %q\nwant: %q", ringing, want)
	}
	ok := sc.Commands[2].Message
	if ok.Status != 200 || !strings.HasSuffix(render(ok, last), "a=rtpmap:0 PCMU/8000\r\n") {
		t.Errorf("200 OK: status %d, ends %q", ok.Status, render(ok, last)[len(render(ok, last))-30:])
	}
}

// TestAtoiPrefix checks C atoi's reading of keyword numbers ([local_port+N],
// [fieldN], occurrence=N): sign, digits up to the first other byte, and
// saturation to 32 bits, the same where int has 32 bits.
func TestAtoiPrefix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"12", 12},
		{"+7x", 7},
		{"-3]", -3},
		{"x1", 0},
		{"2147483647", 2147483647},
		{"2147483648", 2147483647},
		{"99999999999999999999", 2147483647},
		{"-2147483648", -2147483648},
		{"-99999999999999999999", -2147483648},
	} {
		if got := atoiPrefix(tc.in); got != tc.want {
			t.Errorf("atoiPrefix(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
