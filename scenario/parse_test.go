package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// inv is a minimal valid INVITE for scenarios in tests.
const inv = "<send><![CDATA[INVITE sip:x SIP/2.0]]></send>\n"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, xml, want string
		is              error
	}{
		{"unknown element", doc("  " + inv + "  <foo/>\n"), "t.xml:3: unknown element <foo>", ErrUnknownElement},
		{"unknown child element", doc("  <recv request=\"INVITE\">\n    <bar/>\n  </recv>\n"), "t.xml:3: unknown element <bar>", ErrUnknownElement},
		{"misspelled action", doc("  <recv request=\"INVITE\">\n    <action>\n" +
			"      <egre regexp=\"x\" search_in=\"msg\" assign_to=\"1\"/>\n    </action>\n  </recv>\n"), "t.xml:4: unknown action <egre>", ErrUnknownElement},
		{"misspelled element in send", doc("<send>\n<![CDATA[\nINVITE sip:x SIP/2.0\n]]>\n<actoin/>\n</send>\n"), "t.xml:6: unknown element <actoin>", ErrUnknownElement},
		{"Reference to a variable nothing uses", doc("<Reference variables=\"a\"/>\n" + inv), `t.xml:2: <Reference> names variable "a", which nothing before it uses`, ErrInvalid},
		{"unknown keyword", "<?xml version=\"1.0\"?>\n<scenario>\n  <send>\n    <![CDATA[\n\n      INVITE sip:x SIP/2.0\n" +
			"      Call-ID: [call_id]\n      X-Foo: [foo]\n    ]]>\n  </send>\n</scenario>\n", "t.xml:8: unknown keyword [foo]", ErrUnknownKeyword},
		{"unknown keyword with offset as written", doc("<send><![CDATA[INVITE sip:x SIP/2.0\nX: [foo+1]\n]]></send>\n"), "t.xml:3: unknown keyword [foo+1]", ErrUnknownKeyword},
		{"IPv6 literal is a keyword as in SIPp", doc("<send><![CDATA[INVITE sip:x SIP/2.0\n\nc=IN IP6 [::1]\n]]></send>\n"), "t.xml:4: unknown keyword [::1]", ErrUnknownKeyword},
		{"misspelled keyword", doc("  <send>\n    <![CDATA[\n      REGISTER sip:x SIP/2.0\n" +
			"      [authentification username=joe password=secret]\n    ]]>\n  </send>\n"), "t.xml:5: unknown keyword [authentification username=joe password=secret]", ErrUnknownKeyword},
		{"variable keyword without a name", doc("<send><![CDATA[INVITE sip:[$] SIP/2.0]]></send>\n"), "t.xml:2: keyword [$]: a variable name must not be empty", ErrSyntax},
		{"field keyword without -inf hides parameters", doc("<send><![CDATA[INVITE sip:[field0 file=\"users.csv\"] SIP/2.0]]></send>\n"), "t.xml:2: keyword [field0] needs an injection file, and no -inf file was given", ErrInvalid},
		{"unterminated keyword", doc("<send><![CDATA[INVITE sip:x SIP/2.0\nCall-ID: [call_id\n]]></send>\n"), "t.xml:3: unterminated keyword [call_id", ErrSyntax},
		{"empty keyword", doc("<send><![CDATA[INVITE sip:x SIP/2.0\nX: []\n]]></send>\n"), "t.xml:3: empty keyword []", ErrSyntax},
		{"last_ without header", doc("<send><![CDATA[SIP/2.0 200 OK\n[last_]\n]]></send>\n"), "t.xml:3: keyword [last_] names no header", ErrSyntax},
		{"keyword as method", doc("<send>\n<![CDATA[\n[service] sip:x SIP/2.0\n]]></send>\n"), "t.xml:4: the start line must begin with literal text (a method or SIP/2.0), not a keyword", ErrSyntax},
		{"status code out of range", doc("<recv request=\"INVITE\"/>\n<send><![CDATA[SIP/2.0 999 Odd]]></send>\n"), `t.xml:3: status code "999" is out of range 100-699`, ErrSyntax},
		{"status code not a number", doc("<recv request=\"INVITE\"/>\n<send><![CDATA[SIP/2.0 2OO OK]]></send>\n"), `t.xml:3: invalid status code "2OO"`, ErrSyntax},
		{"send without message", doc("<send>\n</send>\n"), "t.xml:2: <send> has no message (put it in a CDATA section)", ErrSyntax},
		{"undefined next label", doc(inv + "<recv response=\"200\"\n   next=\"nowhere\"/>\n<label id=\"end\"/>\n"), `t.xml:3: next="nowhere" names a label that is not defined`, ErrUnknownLabel},
		{"undefined ontimeout label", doc(inv + "<recv response=\"200\" timeout=\"100\" ontimeout=\"x\"/>\n"), `t.xml:3: ontimeout="x" names a label that is not defined`, ErrUnknownLabel},
		{"recv without request or response", doc(inv + "<recv optional=\"true\"/>\n"), "t.xml:3: <recv> needs a request or a response attribute", ErrBadAttribute},
		{"recv with request and response", doc("<recv request=\"INVITE\" response=\"200\"/>\n"), "t.xml:2: <recv> has both request and response; use one", ErrBadAttribute},
		{"bad response code", doc(inv + "<recv response=\"OK\"/>\n"), `t.xml:3: attribute response="OK" on <recv>: not a status code (100-699)`, ErrBadAttribute},
		{"bad milliseconds", doc(inv + "<pause milliseconds=\"abc\"/>\n"), `t.xml:3: attribute milliseconds="abc" on <pause>: not a number`, ErrBadAttribute},
		{"negative milliseconds", doc(inv + "<pause milliseconds=\"-5\"/>\n"), `t.xml:3: attribute milliseconds="-5" on <pause>: out of range`, ErrBadAttribute},
		{"bad retrans", doc("<send retrans=\"5s\"><![CDATA[INVITE sip:x SIP/2.0]]></send>\n"), `t.xml:2: attribute retrans="5s" on <send>: not a valid integer`, ErrBadAttribute},
		{"bad timeout", doc(inv + "<recv response=\"200\" timeout=\"1.5\"/>\n"), `t.xml:3: attribute timeout="1.5" on <recv>: not a valid integer`, ErrBadAttribute},
		{"bad rrs", doc(inv + "<recv response=\"200\" rrs=\"yes\"/>\n"), `t.xml:3: attribute rrs="yes" on <recv>: not a valid boolean`, ErrBadAttribute},
		{"bad optional", doc(inv + "<recv response=\"100\" optional=\"maybe\"/>\n"), `t.xml:3: attribute optional="maybe" on <recv>: want "true", "false" or "global"`, ErrBadAttribute},
		{"lost out of range", doc(inv + "<recv response=\"200\" lost=\"110\"/>\n"), `t.xml:3: attribute lost="110" on <recv>: a percentage from 0 to 100`, ErrBadAttribute},
		{"misspelled pause distribution", doc(inv + "<pause distribution=\"uniforme\" min=\"1\" max=\"5\"/>\n"), `t.xml:3: attribute distribution="uniforme" on <pause>: unknown distribution (want fixed, uniform, normal, lognormal, exponential, weibull, pareto, gpareto, gamma or negbin)`, ErrBadAttribute},
		{"repeat_rtd without rtd", doc(inv + "<recv response=\"200\" repeat_rtd=\"true\"/>\n"), "t.xml:3: repeat_rtd without rtd on <recv>", ErrBadAttribute},
		{"bad counter name", doc(inv + "<recv response=\"200\" counter=\"a,b\"/>\n"), `t.xml:3: attribute counter="a,b" on <recv>: a counter name must be non-empty and hold no '$' or ','`, ErrBadAttribute},
		{"label without id", doc(inv + "<label name=\"x\"/>\n"), "t.xml:3: <label> has no id attribute", ErrBadAttribute},
		{"bad repartition", doc(inv + "<CallLengthRepartition value=\"10, x\"/>\n"), `t.xml:3: attribute value="10, x" on <CallLengthRepartition>: want comma separated integers`, ErrBadAttribute},
		{"duplicate label", doc("<label id=\"a\"/>\n" + inv + "<label id=\"a\"/>\n"), `t.xml:4: label "a" is defined twice`, ErrInvalid},
		{"timewait not last", doc(inv + "<timewait milliseconds=\"100\"/>\n<pause/>\n"), "t.xml:4: <timewait> must be the last message of the scenario", ErrInvalid},
		{"next on timewait", doc("<label id=\"a\"/>\n" + inv + "<timewait next=\"a\"/>\n"), "t.xml:4: next is not allowed on <timewait>", ErrInvalid},
		{"optional recv before send", doc(inv + "<recv response=\"100\" optional=\"true\"/>\n" + inv), "t.xml:4: optional <recv> right before <send>: a mandatory <recv> must come between them", ErrInvalid},
		{"rtd started never stopped", doc("<send start_rtd=\"reg\"><![CDATA[REGISTER sip:x SIP/2.0]]></send>\n<recv response=\"200\"/>\n"), `t.xml:2: response time "reg" is started but never stopped (no rtd="reg")`, ErrInvalid},
		{"empty scenario", "<?xml version=\"1.0\"?>\n<scenario name=\"empty\">\n  <!-- nothing -->\n</scenario>\n", "t.xml:2: the scenario has no commands (send, recv, pause, nop)", ErrInvalid},
		{"labels only", doc("<label id=\"a\"/>\n"), "t.xml:1: the scenario has no commands (send, recv, pause, nop)", ErrInvalid},
		{"no send or recv", doc("<pause/>\n<nop/>\n"), "t.xml:1: the scenario has no <send> or <recv>, so it is neither client nor server", ErrInvalid},
		{"unterminated XML", "<scenario>\n  <send>\n    <![CDATA[\n      INVITE sip:x SIP/2.0\n", "t.xml:5: XML syntax error: unexpected EOF in CDATA section", ErrSyntax},
		{"unclosed scenario", "<scenario>\n" + inv, "t.xml:3: XML syntax error: unexpected EOF", ErrSyntax},
		{"mismatched end tag", doc("<recv request=\"INVITE\">\n</send>\n"), "t.xml:3: XML syntax error: element <recv> closed by </send>", ErrSyntax},
		{"no root", "<?xml version=\"1.0\"?>\n<!-- only a comment -->\n", "t.xml:3: no <scenario> element", ErrSyntax},
		{"empty file", "", "t.xml:1: no <scenario> element", ErrSyntax},
		{"wrong root", "<?xml version=\"1.0\"?>\n<scenarios>\n</scenarios>\n", "t.xml:2: root element is <scenarios>, want <scenario>", ErrSyntax},
		{"element after root", "<scenario>\n" + inv + "</scenario>\n<scenario/>\n", "t.xml:4: element <scenario> after </scenario>", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefused(t, Options{}, tt.xml, tt.want, tt.is)
		})
	}
}

// checkRefused parses xml as t.xml with opts and checks that it fails with
// exactly the error want, that the error wraps is, and that it is an
// *Error naming the file and a line.
func checkRefused(t *testing.T, opts Options, xml, want string, is error) {
	t.Helper()
	sc, err := opts.Parse([]byte(xml), "t.xml")
	if err == nil {
		t.Fatalf("Parse succeeded (%d commands), want error %q", len(sc.Commands), want)
	}
	if got := err.Error(); got != want {
		t.Errorf("error\n got: %s\nwant: %s", got, want)
	}
	if !errors.Is(err, is) {
		t.Errorf("errors.Is(%v, %v) = false", err, is)
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "t.xml" || e.Line < 1 {
		t.Errorf("error %#v is not an *Error with file and line", err)
	}
}

// checkWarnings checks that sc has exactly the warnings want, in order.
func checkWarnings(t *testing.T, sc *Scenario, want []string) {
	t.Helper()
	var got []string
	for _, w := range sc.Warnings {
		got = append(got, w.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n got: %q\nwant: %q", got, want)
	}
}

func TestParseWarnings(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="windows-1252"?>
<scenario name="w" author="me">
  <send retrans="500" colour="blue">
    <![CDATA[
      INVITE sip:x SIP/2.0
    ]]>
  </send>
  <recv response="200"
        crlf="false"
        bogus="1"/>
  <label id="x" next="y"/>
  <pause milliseconds="10" chance="0.5"/>
</scenario>
`
	sc, err := Parse([]byte(doc), "w.xml")
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, sc, []string{
		`w.xml:1: encoding "windows-1252" is not supported; the file is read as UTF-8`,
		`w.xml:2: unknown attribute "author" on <scenario>`,
		`w.xml:3: unknown attribute "colour" on <send>`,
		`w.xml:8: crlf="false" on <recv> still adds a blank line: only the attribute's presence counts`,
		`w.xml:8: unknown attribute "bogus" on <recv>`,
		`w.xml:11: unknown attribute "next" on <label>`,
		`w.xml:12: attribute "chance" on <pause> is ignored: it only applies with next=`,
	})
	if !sc.Commands[1].Crlf {
		t.Error(`crlf="false" must still set Crlf, as in SIPp`)
	}
}

func TestParseCommands(t *testing.T) {
	const doc = `<scenario name="flow">
  <send retrans="0x1f4" timeout="2000" start_rtd="setup" counter="calls" display="go">
    <![CDATA[
      INVITE sip:[service]@[remote_ip] SIP/2.0
      CSeq: [cseq] INVITE
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="200" rtd="setup" start_rtd="true" rrs="true" timeout="010" ontimeout="fail" next="ok"/>
  <send>
    <![CDATA[
      ACK sip:x SIP/2.0
    ]]>
  </send>
  <label id="ok"/>
  <pause milliseconds="1.9" hide="1"/>
  <pause distribution="fixed" value="250" crlf=""/>
  <nop rtd="true" repeat_rtd="true" hiderest="true"/>
  <send>
    <![CDATA[
      CANCEL sip:x SIP/2.0
    ]]>
  </send>
  <recv response="487" ignoresdp="TRUE"/>
  <label id="fail"/>
  <label id="_unexp.main"/>
  <send>
    <![CDATA[
      BYE sip:x SIP/2.0
    ]]>
  </send>
  <recv response="200" hide="false"/>
  <timewait/>
  <ResponseTimeRepartition value="100, 10 ,50"/>
  <CallLengthRepartition value="5000,1000"/>
</scenario>
`
	sc, err := Parse([]byte(doc), "flow.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Warnings) != 0 {
		t.Errorf("warnings: %v", sc.Warnings)
	}
	if sc.Name != "flow" || sc.Source != "flow.xml" || sc.Mode != ModeClient {
		t.Errorf("Name %q Source %q Mode %v", sc.Name, sc.Source, sc.Mode)
	}
	kinds := []Kind{KindSend, KindRecv, KindRecv, KindSend, KindLabel, KindPause, KindPause, KindNop,
		KindSend, KindRecv, KindLabel, KindLabel, KindSend, KindRecv, KindPause}
	var got []Kind
	for _, c := range sc.Commands {
		got = append(got, c.Kind)
	}
	if !slices.Equal(got, kinds) {
		t.Fatalf("kinds %v, want %v", got, kinds)
	}
	c := sc.Commands
	// RTD numbering: "setup" first (send's start_rtd), then on the 200
	// rtd= comes before start_rtd=, so "1" is second.
	if !slices.Equal(sc.RTDNames, []string{"setup", "1"}) {
		t.Errorf("RTDNames %q", sc.RTDNames)
	}
	if c[0].Retrans != 500*time.Millisecond || c[0].SendTimeout != 2*time.Second || c[0].StartRTD != 0 ||
		c[0].Counter != "calls" || c[0].Display != "go" || !c[0].IsInvite || c[0].Line != 2 {
		t.Errorf("INVITE command %+v", c[0])
	}
	if c[0].Message.Method != "INVITE" || c[0].Message.Line != 4 {
		t.Errorf("INVITE template method %q line %d", c[0].Message.Method, c[0].Message.Line)
	}
	if !c[1].Optional || c[1].Response != 100 || c[1].Line != 8 {
		t.Errorf("100 recv %+v", c[1])
	}
	r := c[2]
	if r.StopRTD != 0 || r.StartRTD != 1 || !r.RRS || r.Timeout != 8*time.Millisecond ||
		r.Next != 4 || r.OnTimeout != 10 {
		t.Errorf("200 recv %+v", r)
	}
	if !c[3].IsAck || c[3].IsInvite {
		t.Errorf("ACK flags %+v", c[3])
	}
	if c[4].Label != "ok" {
		t.Errorf("label %+v", c[4])
	}
	if c[5].Pause != time.Millisecond || c[5].PauseFromFlag || !c[5].Hide {
		t.Errorf("pause 1.9 ms: %+v", c[5])
	}
	if c[6].Pause != 250*time.Millisecond || !c[6].Crlf || c[6].Hide {
		t.Errorf("fixed pause: %+v", c[6])
	}
	if c[7].StopRTD != 1 || !c[7].RepeatRTD || !c[7].Hide {
		t.Errorf("nop: %+v", c[7])
	}
	if !c[8].IsCancel || c[8].IsAck || !c[8].Hide {
		t.Errorf("CANCEL: %+v", c[8])
	}
	if !c[9].IgnoreSDP {
		t.Errorf("487: %+v", c[9])
	}
	if sc.UnexpectedJump != 11 {
		t.Errorf("UnexpectedJump %d", sc.UnexpectedJump)
	}
	if c[13].Hide {
		t.Error(`hide="false" must override hiderest`)
	}
	if !c[14].Timewait || !c[14].PauseFromFlag {
		t.Errorf("timewait: %+v", c[14])
	}
	if !slices.Equal(sc.RTDRepartition, []int{10, 50, 100}) || sc.RTDRepartitionCount != 2 {
		t.Errorf("RTDRepartition %v count %d", sc.RTDRepartition, sc.RTDRepartitionCount)
	}
	if !slices.Equal(sc.CallLengthRepartition, []int{1000, 5000}) {
		t.Errorf("CallLengthRepartition %v", sc.CallLengthRepartition)
	}
	for i, c := range sc.Commands {
		if c.Kind != KindLabel && c.Next == NoIndex && i == 2 {
			t.Error("next lost")
		}
	}
	if got := sc.SkipLabels(10); got != 12 {
		t.Errorf("SkipLabels(10) = %d, want 12", got)
	}
	if got := sc.SkipLabels(3); got != 3 {
		t.Errorf("SkipLabels(3) = %d, want 3", got)
	}
}

func TestResponseMethods(t *testing.T) {
	const doc = `<scenario>
  <label id="start"/>
  <recv response="200"/>
  <send><![CDATA[REGISTER sip:x SIP/2.0]]></send>
  <recv response="200"/>
  <send><![CDATA[SIP/2.0 200 OK]]></send>
  <send><![CDATA[PRACK sip:x SIP/2.0]]></send>
  <send><![CDATA[REGISTER sip:x SIP/2.0]]></send>
  <recv response="200"/>
</scenario>
`
	sc, err := Parse([]byte(doc), "m.xml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Mode != ModeServer {
		t.Errorf("mode %v", sc.Mode)
	}
	first, second, last := sc.Commands[1], sc.Commands[3], sc.Commands[7]
	if !first.ResponseAnyMethod || first.ResponseMethods != nil || !first.AcceptsResponseMethod("OPTIONS") {
		t.Errorf("first recv (after a label) must accept any method: %+v", first)
	}
	if second.ResponseAnyMethod || !slices.Equal(second.ResponseMethods, []string{"REGISTER"}) ||
		second.ResponseMethodList != "REGISTER" || !second.AcceptsResponseMethod("REGISTER") ||
		second.AcceptsResponseMethod("INVITE") {
		t.Errorf("second recv %+v", second)
	}
	if !slices.Equal(last.ResponseMethods, []string{"REGISTER", "PRACK"}) ||
		last.ResponseMethodList != "REGISTERPRACKREGISTER" {
		t.Errorf("last recv %+v", last)
	}
	// SIPp's rule is a substring test: ACK is "accepted" because PRACK was sent.
	if !last.AcceptsResponseMethod("ACK") || last.AcceptsResponseMethod("BYE") {
		t.Error("AcceptsResponseMethod does not follow SIPp's substring rule")
	}
	for _, m := range []string{"REGISTER", "PRACK", "ACK", "BYE", "INVITE", ""} {
		if a, b := last.AcceptsResponseMethod(m), last.AcceptsResponseMethodBytes([]byte(m)); a != b {
			t.Errorf("%q: AcceptsResponseMethod %v, Bytes %v", m, a, b)
		}
		if a, b := second.AcceptsResponseMethod(m), second.AcceptsResponseMethodBytes([]byte(m)); a != b {
			t.Errorf("%q: AcceptsResponseMethod %v, Bytes %v", m, a, b)
		}
	}
	if !first.AcceptsResponseMethodBytes([]byte("X")) {
		t.Error("first recv must accept any method")
	}
	buf := []byte("CSeq: 2 PRACK")
	if n := testing.AllocsPerRun(100, func() { last.AcceptsResponseMethodBytes(buf[8:]) }); n != 0 {
		t.Errorf("AcceptsResponseMethodBytes allocates %v times", n)
	}
}

func TestParseTextMessageAndLatin1(t *testing.T) {
	// A message as plain text (no CDATA) and a Latin-1 file: é is 0xE9.
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<scenario name=\"caf\xe9\">\n<send>\n" +
		"  INVITE sip:x SIP/2.0\n  Subject: caf\xe9 &amp; cr\xe8me\n</send>\n</scenario>\n"
	sc, err := Parse([]byte(doc), "l.xml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "café" {
		t.Errorf("name %q", sc.Name)
	}
	m := sc.Commands[0].Message
	if got, want := m.String(), "INVITE sip:x SIP/2.0\r\nSubject: café & crème\r\n\r\n"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if m.Line != 4 {
		t.Errorf("template line %d, want 4", m.Line)
	}
}

func TestParseFirstCDATAWins(t *testing.T) {
	doc := "<scenario>\n<send>\n<![CDATA[OPTIONS sip:a SIP/2.0]]>\n<![CDATA[ignored]]>\n</send>\n</scenario>\n"
	sc, err := Parse([]byte(doc), "c.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Commands[0].Message.String(); got != "OPTIONS sip:a SIP/2.0\r\n\r\n" {
		t.Errorf("message %q", got)
	}
}

func TestOptionsKeys(t *testing.T) {
	doc := "<scenario>\n<send><![CDATA[INVITE sip:[user]@[remote_ip] SIP/2.0\nX: [user+1]!\n]]></send>\n</scenario>\n"
	if _, err := Parse([]byte(doc), "k.xml"); !errors.Is(err, ErrUnknownKeyword) {
		t.Fatalf("without -key: %v", err)
	}
	sc, err := Options{Keys: map[string]string{"user": "alice"}}.Parse([]byte(doc), "k.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := sc.Commands[0].Message
	if got, want := m.String(), "INVITE sip:alice@[remote_ip] SIP/2.0\r\nX: alice!\r\n\r\n"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if m.Ops[0].Kind != OpLiteral || string(m.Ops[0].Lit) != "INVITE sip:alice@" {
		t.Errorf("-key value not merged into the literal: %q", m.Ops[0].Lit)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "uac.xml")
	data, _ := BuiltinXML("uac")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sc, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Source != path || len(sc.Commands) != 9 {
		t.Errorf("Source %q, %d commands", sc.Source, len(sc.Commands))
	}
	_, err = Load(filepath.Join(dir, "missing.xml"))
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.xml") {
		t.Errorf("Load(missing) = %v", err)
	}
}

func TestCLong(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "500": 500, " 42": 42, "0x1F": 31, "017": 15, "+7": 7, "-3": -3, "0": 0} {
		if got, err := cLong(in); err != nil || got != want {
			t.Errorf("cLong(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"abc", "5s", "08", "0x", " ", "1 ", "1_000", "--1", "99999999999999999999"} {
		if got, err := cLong(in); err == nil {
			t.Errorf("cLong(%q) = %d, want error", in, got)
		}
	}
}

// TestLenientXML: what SIPp 3.6.1's own XML reader accepts loads here too,
// with the same values (checked with sipp: an unknown entity stays as
// written, \" is a quote), and line numbers stay right.
func TestLenientXML(t *testing.T) {
	xml := `<?xml version="1.0"?>
<!-- a comment -- with dashes --->
<scenario name="x">
<nop display=">>>>> Sending hold <<<<<">
<action><log message="A=x&amp;y B=&nbsp; C=&lt; D=a\"b E=a&b"/></action>
</nop>
<send><![CDATA[
OPTIONS sip:x SIP/2.0
]]></send>
<!-- <pause milliseconds="3000"/> never closed
<recv response="200"/>
</scenario>
`
	sc, err := Parse([]byte(xml), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Commands) != 2 {
		t.Fatalf("%d commands, want 2: what follows a comment that never ends is ignored, as in SIPp", len(sc.Commands))
	}
	if got := sc.Commands[0].Display; got != ">>>>> Sending hold <<<<<" {
		t.Errorf("display = %q", got)
	}
	if got := string(sc.Commands[0].Actions[0].Message.Ops[0].Lit); got != `A=x&y B=&nbsp; C=< D=a"b E=a&b` {
		t.Errorf("log message = %q", got)
	}
	if sc.Commands[1].Line != 7 {
		t.Errorf("send on line %d, want 7", sc.Commands[1].Line)
	}
}

// TestDeclarationChildren: SIPp reads only the attributes of <Global>,
// <User> and <Reference>; what they hold is ignored with a warning.
func TestDeclarationChildren(t *testing.T) {
	xml := "<scenario>\n<Global variables=\"n\">\n<action><assign assign_to=\"n\" value=\"0\"/></action>\n</Global>\n" +
		"<send><![CDATA[OPTIONS sip:x SIP/2.0\nX: [$n]]]></send>\n</scenario>\n"
	sc, err := Parse([]byte(xml), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Commands) != 1 || len(sc.Warnings) != 1 || sc.Warnings[0].String() != "t.xml:3: <action> inside <Global> is ignored, as SIPp ignores it" {
		t.Errorf("commands %d, warnings %v", len(sc.Commands), sc.Warnings)
	}
}

// TestUnclosedStartTag: SIPp stops reading a scenario at a start tag
// without its '>' (checked with sipp: it runs what comes before).
func TestUnclosedStartTag(t *testing.T) {
	xml := "<?xml version=\"1.0\"?>\n<scenario>\n<send><![CDATA[OPTIONS sip:x SIP/2.0]]></send>\n<recv response=\"100\"\n</recv>\n<recv response=\"200\"/>\n</scenario>\n"
	sc, err := Parse([]byte(xml), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Commands) != 1 {
		t.Errorf("%d commands, want 1", len(sc.Commands))
	}
}
