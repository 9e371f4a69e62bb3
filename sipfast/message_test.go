package sipfast

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// msg builds a message from a start line and header lines (CRLF-joined,
// with the empty line and body appended).
func msg(start string, headers []string, body string) []byte {
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n" + body)
	return []byte(b.String())
}

// stdHeaders are enough headers for Parse to succeed.
var stdHeaders = []string{
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1",
	"From: <sip:a@example.com>;tag=f1",
	"To: <sip:b@example.com>",
	"Call-ID: c1@example.com",
	"CSeq: 1 OPTIONS",
}

func TestStartLine(t *testing.T) {
	tests := []struct {
		line        string
		err         error
		method, uri string
		status      int
		reason      string
	}{
		{line: "INVITE sip:bob@example.com SIP/2.0", method: "INVITE", uri: "sip:bob@example.com"},
		{line: "OPTIONS sips:bob@example.com:5061;transport=tls SIP/2.0", method: "OPTIONS", uri: "sips:bob@example.com:5061;transport=tls"},
		{line: "OPTIONS tel:+1-555-0100 sip/2.0", method: "OPTIONS", uri: "tel:+1-555-0100"},
		{line: "invite sip:x SIP/2.0", method: "invite", uri: "sip:x"},
		{line: "SIP/2.0 200 OK", status: 200, reason: "OK"},
		{line: "sip/2.0 180 Ringing", status: 180, reason: "Ringing"},
		{line: "SIP/2.0 100 ", status: 100, reason: ""},
		{line: "SIP/2.0 100", status: 100, reason: ""},
		{line: "SIP/2.0 699 a reason  with  spaces ", status: 699, reason: "a reason  with  spaces "},
		{line: "SIP/2.0 200 \xff\xfe", status: 200, reason: "\xff\xfe"},
		{line: "SIP/2.0 099 Low", err: ErrStatusCode},
		{line: "SIP/2.0 700 High", err: ErrStatusCode},
		{line: "SIP/2.0 20 Short", err: ErrStatusCode},
		{line: "SIP/2.0 2000 Long", err: ErrStatusCode},
		{line: "SIP/2.0 4294967496 Wrap", err: ErrStatusCode},
		{line: "SIP/2.0 -200 Negative", err: ErrStatusCode},
		{line: "SIP/2.0 2x0 Hex", err: ErrStatusCode},
		{line: "SIP/2.0  200 TwoSpaces", err: ErrStatusCode},
		{line: "SIP/2.0", err: ErrStartLine},
		{line: "SIP/3.0 200 OK", err: ErrVersion},
		{line: "SIP/2.00 200 OK", err: ErrVersion},
		{line: "SIP/ 200 OK", err: ErrVersion},
		{line: "INVITE sip:x SIP/1.0", err: ErrVersion},
		{line: "INVITE sip:x SIP/2.0x", err: ErrVersion},
		{line: "INVITE sip:x HTTP/1.1", err: ErrStartLine},
		{line: "INVITE sip:x", err: ErrStartLine},
		{line: "INVITE", err: ErrStartLine},
		{line: "INVITE ", err: ErrStartLine},
		{line: " INVITE sip:x SIP/2.0", err: ErrStartLine},
		{line: "INVITE  sip:x SIP/2.0", err: ErrStartLine},
		{line: "INVITE sip:x  SIP/2.0", err: ErrStartLine},
		{line: "INVITE sip:x SIP/2.0 ", err: ErrStartLine},
		{line: "INVITE\tsip:x SIP/2.0", err: ErrStartLine},
		{line: "INV(ITE sip:x SIP/2.0", err: ErrStartLine},
		{line: "INVITE <sip:x> SIP/2.0", err: ErrStartLine},
		{line: "INVITE x SIP/2.0", err: ErrStartLine},
		{line: "INVITE 1sip:x SIP/2.0", err: ErrStartLine},
		{line: "INVITE :x SIP/2.0", err: ErrStartLine},
		{line: "GET / HTTP/1.1", err: ErrStartLine},
		{line: "\x00\x01\x02", err: ErrStartLine},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			var m Message
			err := m.Parse(msg(tc.line, stdHeaders, ""))
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("Parse: %v, want %v", err, tc.err)
			}
			if err != nil {
				if m.IsRequest() || m.StatusCode() != 0 || m.Method() != nil || m.CallID() != nil {
					t.Errorf("index not empty after %v", err)
				}
				return
			}
			if string(m.Method()) != tc.method || string(m.RequestURI()) != tc.uri ||
				m.StatusCode() != tc.status || m.IsRequest() != (tc.method != "") || m.IsResponse() != (tc.status != 0) {
				t.Errorf("got %q %q %d", m.Method(), m.RequestURI(), m.StatusCode())
			}
			if tc.status != 0 && string(m.Reason()) != tc.reason {
				t.Errorf("Reason = %q, want %q", m.Reason(), tc.reason)
			}
			if m.StatusClass() != tc.status/100 {
				t.Errorf("StatusClass = %d", m.StatusClass())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	ok := "OPTIONS sip:x SIP/2.0"
	tests := []struct {
		name string
		buf  []byte
		err  error
	}{
		{"empty", nil, ErrKeepAlive},
		{"crlf", []byte("\r\n"), ErrKeepAlive},
		{"ping", []byte("\r\n\r\n"), ErrKeepAlive},
		{"spaces and nul", []byte(" \t\x00\r\n "), ErrKeepAlive},
		{"no line end", []byte("OPTIONS sip:x SIP/2.0"), ErrTruncated},
		{"header cut", []byte(ok + "\r\nCall-ID: abc"), ErrTruncated},
		{"name cut", []byte(ok + "\r\nCall-I"), ErrTruncated},
		{"folded cut", []byte(ok + "\r\nCall-ID: abc\r\n def"), ErrTruncated},
		{"empty name", msg(ok, append([]string{": value"}, stdHeaders...), ""), ErrHeader},
		{"no colon", msg(ok, append([]string{"Foo"}, stdHeaders...), ""), ErrHeader},
		{"bad name char", msg(ok, append([]string{"Fo<o: bar"}, stdHeaders...), ""), ErrHeader},
		{"space in name", msg(ok, append([]string{"Call ID: x"}, stdHeaders...), ""), ErrHeader},
		{"CR in name", msg(ok, append([]string{"Call\rID: x"}, stdHeaders...), ""), ErrHeader},
		{"bare CR line", []byte(ok + "\r\n" + strings.Join(stdHeaders, "\r\n") + "\r\n\rX\r\n\r\n"), ErrHeader},
		{"continuation first", msg(ok, append([]string{" folded: x"}, stdHeaders...), ""), ErrHeader},
		{"cl letters", msg(ok, append([]string{"Content-Length: ten"}, stdHeaders...), ""), ErrContentLength},
		{"cl empty", msg(ok, append([]string{"l:"}, stdHeaders...), ""), ErrContentLength},
		{"cl plus", msg(ok, append([]string{"l: +3"}, stdHeaders...), "abc"), ErrContentLength},
		{"cl spaces inside", msg(ok, append([]string{"l: 1 0"}, stdHeaders...), "abc"), ErrContentLength},
		{"cl too big for datagram", msg(ok, append([]string{"l: 4"}, stdHeaders...), "abc"), ErrTruncated},
		{"cl over MaxMessageSize", msg(ok, append([]string{"l: 1073741825"}, stdHeaders...), ""), ErrContentLength},
		{"cl conflict", msg(ok, append([]string{"l: 3", "Content-Length: 2"}, stdHeaders...), "abc"), ErrContentLength},
		{"no call-id", msg(ok, stdHeaders[:3], ""), ErrNoCallID},
		{"empty call-id", msg(ok, append([]string{"Call-ID:"}, stdHeaders...), ""), ErrNoCallID},
		{"no cseq", msg(ok, stdHeaders[:4], ""), ErrCSeq},
		{"cseq no space", msg(ok, append(stdHeaders[:4:4], "CSeq: 1OPTIONS"), ""), ErrCSeq},
		{"cseq no number", msg(ok, append(stdHeaders[:4:4], "CSeq: OPTIONS"), ""), ErrCSeq},
		{"cseq bad method", msg(ok, append(stdHeaders[:4:4], "CSeq: 1 OPT IONS"), ""), ErrCSeq},
		{"cseq overflow", msg(ok, append(stdHeaders[:4:4], "CSeq: 99999999999999999999999 OPTIONS"), ""), ErrCSeq},
		{"cseq 2^32", msg(ok, append(stdHeaders[:4:4], "CSeq: 4294967296 OPTIONS"), ""), ErrCSeq},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := m.Parse(tc.buf); !errors.Is(err, tc.err) {
				t.Fatalf("Parse: %v, want %v", err, tc.err)
			}
			touchAll(&m)
		})
	}
}

func TestParseLenient(t *testing.T) {
	ok := "OPTIONS sip:x SIP/2.0"
	tests := []struct {
		name string
		buf  []byte
		body string
	}{
		{"no empty line", []byte(ok + "\r\n" + strings.Join(stdHeaders, "\r\n") + "\r\n"), ""},
		{"no empty line, CR only", []byte(ok + "\r\n" + strings.Join(stdHeaders, "\r\n") + "\r\n\r"), ""},
		{"bare LF", []byte(ok + "\n" + strings.Join(stdHeaders, "\n") + "\n\nbody"), "body"},
		{"mixed line ends", []byte(ok + "\r\n" + strings.Join(stdHeaders, "\n") + "\r\n\nbody"), "body"},
		{"leading CRLFs", append([]byte("\r\n\r\n\n"), msg(ok, stdHeaders, "xyz")...), "xyz"},
		{"cl with leading zeros", msg(ok, append([]string{"l: 003"}, stdHeaders...), "abcdef"), "abc"},
		{"cl twice, same value", msg(ok, append([]string{"l: 3", "Content-Length:3"}, stdHeaders...), "abcdef"), "abc"},
		{"cl zero", msg(ok, append([]string{"Content-Length: 0"}, stdHeaders...), "ignored"), ""},
		{"cseq 0", msg(ok, append(stdHeaders[:4:4], "CSeq: 0 OPTIONS"), ""), ""},
		{"cseq tab", msg(ok, append(stdHeaders[:4:4], "CSeq:\t1\tOPTIONS\t"), ""), ""},
		{"empty header value", msg(ok, append([]string{"Subject:", "X:   "}, stdHeaders...), ""), ""},
		{"binary body", msg(ok, append([]string{"l: 4"}, stdHeaders...), "\x00\r\n\xff"), "\x00\r\n\xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			if err := m.Parse(tc.buf); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if string(m.Body()) != tc.body || m.Body() == nil {
				t.Errorf("Body = %q, want %q", m.Body(), tc.body)
			}
			if string(m.CallID()) != "c1@example.com" || string(m.ViaBranch()) != "z9hG4bK1" {
				t.Errorf("CallID %q, branch %q", m.CallID(), m.ViaBranch())
			}
		})
	}
}

func TestTooManyHeaders(t *testing.T) {
	hs := append([]string(nil), stdHeaders...)
	for len(hs) < MaxHeaders {
		hs = append(hs, fmt.Sprintf("X-H%d: v%d", len(hs), len(hs)))
	}
	var m Message
	if err := m.Parse(msg("OPTIONS sip:x SIP/2.0", hs, "")); err != nil {
		t.Fatalf("%d headers: %v", len(hs), err)
	}
	if m.NumHeaders() != MaxHeaders || string(m.Header("x-h127")) != "v127" {
		t.Errorf("NumHeaders %d, X-H127 %q", m.NumHeaders(), m.Header("x-h127"))
	}
	hs = append(hs, "X-One-Too-Many: v")
	if err := m.Parse(msg("OPTIONS sip:x SIP/2.0", hs, "")); !errors.Is(err, ErrTooManyHeaders) {
		t.Fatalf("%d headers: %v, want ErrTooManyHeaders", len(hs), err)
	}
	touchAll(&m)
}

func TestLookupHeader(t *testing.T) {
	tests := []struct {
		name string
		id   HeaderID
	}{
		{"Via", HVia}, {"v", HVia}, {"V", HVia}, {"VIA", HVia}, {"via:", HVia}, {" Via : ", HVia},
		{"Call-ID", HCallID}, {"i", HCallID}, {"call-id:", HCallID}, {"CALL-ID", HCallID},
		{"CSeq", HCSeq}, {"cseq", HCSeq},
		{"From", HFrom}, {"f", HFrom}, {"To", HTo}, {"t", HTo},
		{"Contact", HContact}, {"m", HContact},
		{"Content-Length", HContentLength}, {"l", HContentLength}, {"L:", HContentLength},
		{"Content-Type", HContentType}, {"c", HContentType},
		{"Content-Encoding", HContentEncoding}, {"e", HContentEncoding},
		{"Subject", HSubject}, {"s", HSubject}, {"Supported", HSupported}, {"k", HSupported},
		{"Event", HEvent}, {"o", HEvent}, {"Refer-To", HReferTo}, {"r", HReferTo},
		{"Referred-By", HReferredBy}, {"b", HReferredBy}, {"Reject-Contact", HRejectContact}, {"j", HRejectContact},
		{"Request-Disposition", HRequestDisposition}, {"d", HRequestDisposition},
		{"Session-Expires", HSessionExpires}, {"x", HSessionExpires},
		{"Identity", HIdentity}, {"y", HIdentity}, {"Identity-Info", HIdentityInfo}, {"n", HIdentityInfo},
		{"Allow-Events", HAllowEvents}, {"u", HAllowEvents}, {"Accept-Contact", HAcceptContact}, {"a", HAcceptContact},
		{"Max-Forwards", HMaxForwards}, {"Route", HRoute}, {"Record-Route", HRecordRoute},
		{"WWW-Authenticate", HWWWAuthenticate}, {"P-Asserted-Identity", HPAssertedIdentity},
		{"", HOther}, {":", HOther}, {"z", HOther}, {"X-Foo", HOther}, {"Vias", HOther}, {"Via-", HOther},
		{"Call_ID", HOther}, {"Call\rID", HOther}, {"Contact\x00", HOther}, {"C%6Fntact", HOther},
	}
	for _, tc := range tests {
		if got := LookupHeader(tc.name); got != tc.id {
			t.Errorf("LookupHeader(%q) = %v, want %v", tc.name, got, tc.id)
		}
	}
	// Every well-known name, in three spellings, is found both by
	// LookupHeader and by Parse.
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		name := id.String()
		for _, n := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			if got := LookupHeader(n); got != id {
				t.Errorf("LookupHeader(%q) = %v, want %v", n, got, id)
			}
			var m Message
			if err := m.Parse(msg("OPTIONS sip:x SIP/2.0", append([]string{n + ": value-of-" + name}, stdHeaders...), "")); err != nil &&
				!(id == HContentLength || id == HCallID || id == HCSeq) {
				t.Fatalf("%s: %v", n, err)
			}
			if m.HeaderIDAt(0) != id {
				t.Errorf("Parse identified %q as %v, want %v", n, m.HeaderIDAt(0), id)
			}
		}
		if c := id.Compact(); c != 0 && LookupHeader(string(c)) != id {
			t.Errorf("compact %q not %v", c, id)
		}
	}
	if HeaderID(200).String() != "" || HeaderID(200).Compact() != 0 || HOther.String() != "" {
		t.Error("out of range IDs")
	}
}

// TestHeaderTables keeps the tables honest: canonical names are letters and
// '-' only (bufHeaderID relies on it) and nameKey is a perfect hash over
// them (one probe per lookup).
func TestHeaderTables(t *testing.T) {
	seen := map[uint32]string{}
	compacts := map[byte]string{}
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		n := hdrInfos[id].name
		for i := 0; i < len(n); i++ {
			c := n[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				t.Errorf("%q: byte %q is not a letter or '-'", n, c)
			}
		}
		if len(n) < 2 {
			t.Errorf("%q: long names have two or more bytes", n)
		}
		k := nameKey(len(n), n[0], n[len(n)-1])
		if other, dup := seen[k]; dup {
			t.Errorf("nameKey collision: %q and %q", n, other)
		}
		seen[k] = n
		if c := hdrInfos[id].compact; c != 0 {
			if c < 'a' || c > 'z' {
				t.Errorf("%q: compact form %q", n, c)
			}
			if other, dup := compacts[c]; dup {
				t.Errorf("compact %q used by %q and %q", c, n, other)
			}
			compacts[c] = n
		}
	}
}

func TestHeaderAndAppend(t *testing.T) {
	buf := msg("SIP/2.0 200 OK", []string{
		"Via: SIP/2.0/UDP a;branch=z9hG4bKa",
		"v: SIP/2.0/UDP b;branch=z9hG4bKb, SIP/2.0/UDP c",
		"VIA  :   SIP/2.0/UDP d   ",
		"Via:",
		"From: <sip:a@x>;tag=1",
		"To: <sip:b@x>;tag=2",
		"Call-ID: c",
		"CSeq: 1 INVITE",
		"X-Thing: one",
		"x-thing: two",
		"X-Folded: first",
		"  second",
		"X-Empty:",
	}, "")
	var m Message
	if err := m.Parse(buf); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		first string // Header; absent for nil
		all   string // AppendHeaderValues
		found bool
	}{
		{"Via", "SIP/2.0/UDP a;branch=z9hG4bKa", "SIP/2.0/UDP a;branch=z9hG4bKa, SIP/2.0/UDP b;branch=z9hG4bKb, SIP/2.0/UDP c, SIP/2.0/UDP d", true},
		{"v:", "SIP/2.0/UDP a;branch=z9hG4bKa", "SIP/2.0/UDP a;branch=z9hG4bKa, SIP/2.0/UDP b;branch=z9hG4bKb, SIP/2.0/UDP c, SIP/2.0/UDP d", true},
		{"x-THING:", "one", "one, two", true},
		{"X-Folded", "first second", "first second", true},
		{"X-Empty", "", "", true},
		{"X-Missing", absent, "", false},
		{"Route", absent, "", false},
		{"", absent, "", false},
		{":", absent, "", false},
		{"i", "c", "c", true},
	}
	for _, tc := range tests {
		got := m.Header(tc.name)
		if tc.first == absent && got != nil || tc.first != absent && (got == nil || string(got) != tc.first) {
			t.Errorf("Header(%q) = %q, want %q", tc.name, got, tc.first)
		}
		dst := make([]byte, 3, 256)
		copy(dst, "abc")
		out, found := m.AppendHeaderValues(dst, tc.name)
		if found != tc.found || string(out) != "abc"+tc.all {
			t.Errorf("AppendHeaderValues(%q) = %q, %v; want %q, %v", tc.name, out, found, "abc"+tc.all, tc.found)
		}
		if &out[0] != &dst[0] {
			t.Errorf("AppendHeaderValues(%q) reallocated", tc.name)
		}
	}
	// A copy indexes its own buffer the same way (first and last field of
	// each ID included).
	var cp Message
	if !m.CopyTo(&cp, bytes.Clone(buf)) {
		t.Fatal("CopyTo refused a buffer of the same length")
	}
	for _, tc := range tests {
		want, wantOK := m.AppendHeaderValues(nil, tc.name)
		if got, ok := cp.AppendHeaderValues(nil, tc.name); ok != wantOK || string(got) != string(want) {
			t.Errorf("copy: AppendHeaderValues(%q) = %q, %v; want %q, %v", tc.name, got, ok, want, wantOK)
		}
	}
	if cp.Count(HVia) != 4 {
		t.Errorf("copy: Count(HVia) = %d, want 4", cp.Count(HVia))
	}
	// Returned slices cannot be appended into the buffer.
	cid := m.CallID()
	_ = append(cid, "XXXXXXXX"...)
	if !bytes.Contains(buf, []byte("Call-ID: c\r\nCSeq")) {
		t.Error("append to an accessor result wrote into the message buffer")
	}
	// Iterating header fields.
	if n, v := m.HeaderAt(2); string(n) != "VIA" || string(v) != "SIP/2.0/UDP d" || m.HeaderIDAt(2) != HVia {
		t.Errorf("HeaderAt(2) = %q %q", n, v)
	}
	if m.Count(HVia) != 4 || m.Count(HRoute) != 0 || m.Count(HOther) != 0 {
		t.Errorf("Count(HVia) = %d", m.Count(HVia))
	}
}

func TestValues(t *testing.T) {
	buf := msg("SIP/2.0 200 OK", []string{
		"Record-Route: <sip:p1;lr>, <sip:p2;lr;x=\"a,b\">",
		"Via: SIP/2.0/UDP a",
		`Record-Route: "Display, Name" <sip:p3;lr>,,  ,<sip:p4,odd;lr>`,
		"Route: <sip:r1;lr>",
		"Call-ID: c", "CSeq: 1 INVITE",
		"Allow: INVITE, ACK,BYE",
		"allow: CANCEL",
	}, "")
	var m Message
	if err := m.Parse(buf); err != nil {
		t.Fatal(err)
	}
	collect := func(it Values) []string {
		var out []string
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			out = append(out, string(e))
		}
		if e, ok := it.Next(); ok || e != nil {
			t.Error("Next after the end")
		}
		return out
	}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("RecordRoutes", collect(m.RecordRoutes()),
		"<sip:p1;lr>", `<sip:p2;lr;x="a,b">`, `"Display, Name" <sip:p3;lr>`, "<sip:p4,odd;lr>")
	check("Routes", collect(m.Routes()), "<sip:r1;lr>")
	check("Vias", collect(m.Vias()), "SIP/2.0/UDP a")
	check("Contacts", collect(m.Contacts()))
	check("Values(allow)", collect(m.Values("ALLOW:")), "INVITE", "ACK", "BYE", "CANCEL")
	check("Values(x)", collect(m.Values("X-None")))
	check("Values()", collect(m.Values("")))
	check("ValuesByID(bad)", collect(m.ValuesByID(numHeaderIDs+3)))
	check("zero Values", collect(Values{}))
	var uris []string
	it := m.RecordRoutes()
	for e, ok := it.Next(); ok; e, ok = it.Next() {
		a, _ := ParseAddr(e)
		uris = append(uris, string(a.URI))
	}
	check("Record-Route URIs", uris, "sip:p1;lr", "sip:p2;lr;x=\"a,b\"", "sip:p3;lr", "sip:p4,odd;lr")
}

func TestParam(t *testing.T) {
	tests := []struct {
		params, name string
		value        string
		ok           bool
	}{
		{";branch=z9hG4bK1;rport", "branch", "z9hG4bK1", true},
		{";branch=z9hG4bK1;rport", "rport", "", true},
		{";branch=z9hG4bK1;rport", "BRANCH", "z9hG4bK1", true},
		{";Branch=z9hG4bK1", "branch", "z9hG4bK1", true},
		{";rport=5060;received=192.0.2.1", "received", "192.0.2.1", true},
		{" ; tag = abc ; x", "tag", "abc", true},
		{";x=\"a;tag=no\";tag=yes", "tag", "yes", true},
		{";x=\"a\\\";tag=no\";tag=yes", "tag", "yes", true},
		{";q=\"quoted value\"", "q", "\"quoted value\"", true},
		{";maddr=[2001:db8::1];lr", "maddr", "[2001:db8::1]", true},
		{";a=1, <sip:x>;tag=no", "tag", "", false},
		{";a=1", "b", "", false},
		{";tagx=1;tag=2", "tag", "2", true},
		{";ta=1", "tag", "", false},
		{"", "tag", "", false},
		{";", "tag", "", false},
		{";;;", "tag", "", false},
		{";tag=", "tag", "", true},
		{";tag", "tag", "", true},
		{";x=\"unterminated;tag=1", "tag", "", false},
		{";tag=\"unterminated", "tag", "", false},
		{"SIP/2.0/UDP h;branch=b", "branch", "b", true},
	}
	for _, tc := range tests {
		v, ok := Param([]byte(tc.params), tc.name)
		if ok != tc.ok || string(v) != tc.value || ok && v == nil {
			t.Errorf("Param(%q, %q) = %q, %v; want %q, %v", tc.params, tc.name, v, ok, tc.value, tc.ok)
		}
	}
}

func TestParseVia(t *testing.T) {
	tests := []struct {
		in                              string
		ok                              bool
		transport, sentBy, host, params string
		port                            int
	}{
		{"SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport", true, "UDP", "192.0.2.1:5060", "192.0.2.1", ";branch=z9hG4bK1;rport", 5060},
		{"SIP/2.0/TCP host.example.com", true, "TCP", "host.example.com", "host.example.com", "", 0},
		{"SIP / 2.0 / TLS  h ; branch=x", true, "TLS", "h", "h", "; branch=x", 0},
		{"SIP/2.0/UDP [2001:db8::1]:5070;rport=1", true, "UDP", "[2001:db8::1]:5070", "[2001:db8::1]", ";rport=1", 5070},
		{"SIP/2.0/UDP [2001:db8::1]", true, "UDP", "[2001:db8::1]", "[2001:db8::1]", "", 0},
		{"SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK", true, "WS", "df7jal23ls0d.invalid", "df7jal23ls0d.invalid", ";branch=z9hG4bK", 0},
		{"SIP/2.0/UDP h : 5060", true, "UDP", "h : 5060", "h", "", 5060},
		{"SIP/2.0/UDP h:99999", false, "", "", "", "", 0},
		{"SIP/2.0/UDP h:", false, "", "", "", "", 0},
		{"SIP/2.0/UDP [2001:db8::1", false, "", "", "", "", 0},
		{"SIP/2.0/UDP", false, "", "", "", "", 0},
		{"SIP/2.0/UDP ;branch=x", false, "", "", "", "", 0},
		{"SIP/2.0 h", false, "", "", "", "", 0},
		{"SIP/2.0/UDPh", false, "", "", "", "", 0},
		{";;,;,,", false, "", "", "", "", 0},
		{"", false, "", "", "", "", 0},
	}
	for _, tc := range tests {
		v, ok := ParseVia([]byte(tc.in))
		if ok != tc.ok || string(v.Transport) != tc.transport || string(v.SentBy) != tc.sentBy ||
			string(v.Host) != tc.host || string(v.Params) != tc.params || v.Port != tc.port {
			t.Errorf("ParseVia(%q) = %+v, %v", tc.in, v, ok)
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in                   string
		ok                   bool
		display, uri, params string
	}{
		{`"Alice" <sip:alice@example.com>;tag=1`, true, "Alice", "sip:alice@example.com", ";tag=1"},
		{`<sip:alice@example.com;lr>`, true, "", "sip:alice@example.com;lr", ""},
		{`sip:alice@example.com;tag=1;x=2`, true, "", "sip:alice@example.com", ";tag=1;x=2"},
		{`Alice Smith <sip:a@x> ; tag = 1`, true, "Alice Smith", "sip:a@x", "; tag = 1"},
		{`caller<sip:caller@example.com>;tag=323`, true, "caller", "sip:caller@example.com", ";tag=323"},
		{`"a \"b\" c" <sip:x>`, true, `a \"b\" c`, "sip:x", ""},
		{`< sip:t.watson@example.org >`, true, "", "sip:t.watson@example.org", ""},
		{`<sip:a>;x="y,z", <sip:b>`, true, "", "sip:a", `;x="y,z"`},
		{`sip:a@x, sip:b@y`, true, "", "sip:a@x", ""},
		{`*`, true, "", "*", ""},
		{`"unterminated <sip:x>`, false, "", "", ""},
		{`<sip:x`, false, "", "", ""},
		{`<>`, false, "", "", ""},
		{`"only display"`, false, "", "", ""},
		{`"display";tag=1`, false, "", "", ""},
		{``, false, "", "", ""},
		{`;tag=1`, false, "", "", ""},
	}
	for _, tc := range tests {
		a, ok := ParseAddr([]byte(tc.in))
		if ok != tc.ok || string(a.Display) != tc.display || string(a.URI) != tc.uri || string(a.Params) != tc.params {
			t.Errorf("ParseAddr(%q) = {%q %q %q}, %v", tc.in, a.Display, a.URI, a.Params, ok)
		}
	}
}

func TestViaAccessors(t *testing.T) {
	var m Message
	err := m.Parse(msg("SIP/2.0 200 OK", []string{
		"Via: SIP/2.0/UDP 192.0.2.1:5062;branch=z9hG4bKx;rport=5062;received=198.51.100.9",
		"Via: SIP/2.0/UDP proxy;branch=z9hG4bKy",
		"Call-ID: c", "CSeq: 1 INVITE",
	}, ""))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := m.ViaRport()
	if string(m.ViaBranch()) != "z9hG4bKx" || string(m.ViaSentBy()) != "192.0.2.1:5062" ||
		string(m.ViaReceived()) != "198.51.100.9" || p != 5062 || !ok {
		t.Errorf("branch %q sent-by %q received %q rport %d %v", m.ViaBranch(), m.ViaSentBy(), m.ViaReceived(), p, ok)
	}
	if v, ok := m.TopVia(); !ok || string(v.Transport) != "UDP" || v.Port != 5062 {
		t.Errorf("TopVia %+v", v)
	}
	// No Via at all.
	if err := m.Parse(msg("SIP/2.0 200 OK", []string{"Call-ID: c", "CSeq: 1 INVITE"}, "")); err != nil {
		t.Fatal(err)
	}
	if m.ViaBranch() != nil || m.ViaSentBy() != nil || m.Via() != nil || m.ViaReceived() != nil {
		t.Error("Via accessors without Via")
	}
	if _, ok := m.ViaRport(); ok {
		t.Error("rport without Via")
	}
	if _, ok := m.TopVia(); ok {
		t.Error("TopVia without Via")
	}
}

// TestFoldScratchReuse parses folded and unfolded messages alternately into
// one Message: values must always be right, whichever buffer they live in.
func TestFoldScratchReuse(t *testing.T) {
	folded := msg("OPTIONS sip:x SIP/2.0", []string{
		"Via: SIP/2.0/UDP h", " ;branch=z9hG4bKfolded",
		"From: <sip:a@x>", "\t;tag=ff",
		"To: <sip:b@x>", "Call-ID:", " folded-id", "CSeq: 7", "  OPTIONS",
	}, "")
	plain := msg("OPTIONS sip:x SIP/2.0", stdHeaders, "")
	var m Message
	for i := 0; i < 4; i++ {
		if err := m.Parse(folded); err != nil {
			t.Fatal(err)
		}
		n, meth := m.CSeq()
		if string(m.CallID()) != "folded-id" || string(m.ViaBranch()) != "z9hG4bKfolded" ||
			string(m.FromTag()) != "ff" || n != 7 || string(meth) != "OPTIONS" {
			t.Fatalf("folded: %q %q %q %d %q", m.CallID(), m.ViaBranch(), m.FromTag(), n, meth)
		}
		if err := m.Parse(plain); err != nil {
			t.Fatal(err)
		}
		if string(m.CallID()) != "c1@example.com" || string(m.ViaBranch()) != "z9hG4bK1" {
			t.Fatalf("plain: %q %q", m.CallID(), m.ViaBranch())
		}
	}
}

func TestZeroMessage(t *testing.T) {
	var m Message
	touchAll(&m)
	if m.CallID() != nil || len(m.Body()) != 0 || m.Header("Via") != nil || m.ContentLength() != -1 ||
		m.MaxForwards() != -1 || m.Len() != 0 || m.NumHeaders() != 0 {
		t.Error("zero Message returned values")
	}
}

func TestMatching(t *testing.T) {
	var inv, ok200, bye200, bye, ringing Message
	mustParse := func(m *Message, b []byte) {
		t.Helper()
		if err := m.Parse(b); err != nil {
			t.Fatal(err)
		}
	}
	mustParse(&inv, msgInvite)
	mustParse(&ok200, msgOK)
	mustParse(&ringing, msgRinging)
	mustParse(&bye, msgBye)
	mustParse(&bye200, bytes.Replace(msgOK, []byte("CSeq: 1 INVITE"), []byte("CSeq: 2 BYE"), 1))

	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"INVITE is INVITE", inv.IsMethod("INVITE"), true},
		{"methods are case-sensitive", inv.IsMethod("invite"), false},
		{"response is no request", ok200.IsMethod("INVITE"), false},
		{"MatchRequest any", inv.MatchRequest(""), true},
		{"MatchRequest BYE", bye.MatchRequest("BYE"), true},
		{"MatchRequest on response", ok200.MatchRequest(""), false},
		{"200 to INVITE", ok200.MatchResponse(200, "INVITE"), true},
		{"200 any method", ok200.MatchResponse(200, ""), true},
		{"any code to INVITE", ringing.MatchResponse(0, "INVITE"), true},
		{"180 is not 200", ringing.MatchResponse(200, "INVITE"), false},
		{"200 to BYE is not 200 to INVITE", bye200.MatchResponse(200, "INVITE"), false},
		{"200 to BYE", bye200.MatchResponse(200, "BYE"), true},
		{"request is no response", inv.MatchResponse(0, ""), false},
		{"CSeqMethodIs", bye.CSeqMethodIs("BYE"), true},
		{"CSeqMethodIs other", bye.CSeqMethodIs("INVITE"), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	// Dialog as the UAC sees it: local tag is its From tag.
	cid, lt, rt := ok200.DialogID()
	if string(cid) != "1-4711@192.0.2.10" || string(lt) != "4711SIPpTag001" || string(rt) != "9876SIPpTag011" {
		t.Errorf("DialogID(200) = %q %q %q", cid, lt, rt)
	}
	uacLocal, uacRemote := []byte("4711SIPpTag001"), []byte("9876SIPpTag011")
	if !ok200.InDialog(cid, uacLocal, uacRemote) || !ok200.InDialog(cid, uacLocal, nil) {
		t.Error("200 not in the UAC's dialog")
	}
	if ok200.InDialog(cid, uacLocal, []byte("other")) || ok200.InDialog([]byte("x"), uacLocal, nil) ||
		ok200.InDialog(cid, []byte("other"), nil) {
		t.Error("200 matched a wrong dialog")
	}
	// A BYE from the UAS: its From tag is the UAC's remote tag.
	byeFromUAS := bytes.Replace(bytes.Replace(msgBye,
		[]byte(`From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001`), []byte("From: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011"), 1),
		[]byte("To: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011"), []byte("To: <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001"), 1)
	var b Message
	mustParse(&b, byeFromUAS)
	if !b.InDialog(cid, uacLocal, uacRemote) {
		cid, lt, rt := b.DialogID()
		t.Errorf("BYE from UAS not in the UAC's dialog: %q %q %q", cid, lt, rt)
	}
	// The INVITE, seen by the UAS: no local tag yet.
	cid, lt, rt = inv.DialogID()
	if lt != nil || string(rt) != "4711SIPpTag001" {
		t.Errorf("DialogID(INVITE) = %q %q %q", cid, lt, rt)
	}
}

// TestCopyTo: an index copied onto a copy of the buffer reads that copy
// alone, a buffer of another length is refused, and neither CopyTo nor
// PeekCallID allocates.
func TestCopyTo(t *testing.T) {
	var m, c Message
	buf := append([]byte(nil), msgInvite...)
	if err := m.Parse(buf); err != nil {
		t.Fatal(err)
	}
	cp := append([]byte(nil), buf...)
	if !m.CopyTo(&c, cp) {
		t.Fatal("CopyTo refused a same-length copy")
	}
	for i := range buf {
		buf[i] = 'x' // the copy must not depend on the original
	}
	var fresh Message
	if err := fresh.Parse(cp); err != nil {
		t.Fatal(err)
	}
	if string(c.CallID()) != string(fresh.CallID()) || string(c.ViaBranch()) != string(fresh.ViaBranch()) ||
		string(c.Body()) != string(fresh.Body()) {
		t.Fatalf("copied index differs: %q / %q", c.CallID(), fresh.CallID())
	}
	if m.CopyTo(&c, cp[:10]) {
		t.Fatal("CopyTo accepted a buffer of another length")
	}
	if a := testing.AllocsPerRun(100, func() { m.CopyTo(&c, cp); PeekCallID(cp) }); a != 0 {
		t.Fatalf("allocs = %v", a)
	}
}
