package engine

import (
	"bytes"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// recorder is a Tracer and ActionLogger that keeps what it gets.
type recorder struct {
	mu     sync.Mutex
	sent   [][]byte
	events []string
	logs   []string
}

func (r *recorder) Message(dir trace.Direction, _ time.Time, _ string, data []byte, _ netip.AddrPort) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if dir == trace.Sent {
		r.sent = append(r.sent, bytes.Clone(data))
	}
}

func (r *recorder) Event(_ time.Time, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, text)
}

func (r *recorder) LogAction(text []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, string(text))
}

// newLangPair is newPair with a UAS scenario from testdata and a UAS
// configuration the test adjusts.
func newLangPair(t *testing.T, xml []byte, adjust func(*Config)) *pair {
	t.Helper()
	scn, err := scenario.Parse(xml, "lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	cfg := Config{Scenario: scn, Local: lo, Shards: 1, Backend: "std"}
	if adjust != nil {
		adjust(&cfg)
	}
	uas, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0], Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	uac.t0, uas.t0 = now, now
	t.Cleanup(func() { uac.closeEndpoints(); uas.closeEndpoints() })
	return &pair{uac: uac, uas: uas, pkts: make([]dataplane.Packet, 1)}
}

func header(t *testing.T, msg []byte, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `: ?(.*)\r$`).FindSubmatch(msg)
	if m == nil {
		t.Fatalf("no %s header in\n%s", name, msg)
	}
	return string(m[1])
}

// TestActionsAndVariables runs a UAS whose actions extract, compute and
// render variables ([$x]) against the built-in uac.
func TestActionsAndVariables(t *testing.T) {
	xml, err := os.ReadFile("testdata/lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	p := newLangPair(t, xml, func(c *Config) {
		c.Tracer, c.ActionLog = rec, rec
		c.Set = map[string]string{"g": "hello"}
	})
	p.call(t)

	snap := p.uas.Snapshot().Cumulative
	if snap.Successful != 1 || snap.Failed != 0 {
		t.Fatalf("uas: successful %d failed %d, want 1/0 (events %q)", snap.Successful, snap.Failed, rec.events)
	}
	if len(rec.sent) != 3 {
		t.Fatalf("uas sent %d messages, want 3", len(rec.sent))
	}
	ringing, ok200, bye200 := rec.sent[0], rec.sent[1], rec.sent[2]
	callNum := "1"
	for name, want := range map[string]string{
		"X-Cid":   callNum,
		"X-CSeq":  "1",
		"X-MPort": "0",        // a match renders as text, even "0"
		"X-N":     "2.000000", // ((3+1.5)*2-1)/4, "%lf"
		"X-S":     "a b&c/" + callNum,
		"X-U":     "a%20b%26c%2F" + callNum,
		"X-D":     "a b&c/" + callNum,
		"X-Numd":  "42.500000",
		"X-Big":   "true",
		"X-Small": "false",
		"X-Cmp":   "<>", // strcmp equal: the double 0 renders nothing
		"X-Cmp2":  "-1.000000",
		"X-Idx":   "1.000000", // the nop is SIPp message 1
	} {
		if got := header(t, ringing, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	smp, err := strconv.ParseFloat(header(t, ringing, "X-Smp"), 64)
	if err != nil || smp < 10 || smp > 20 {
		t.Errorf("X-Smp = %v (%v), want a sample in [10, 20]", smp, err)
	}
	// Both parts are doubles, rendered with six decimals as in SIPp.
	tod := strings.Split(header(t, ringing, "X-Time"), ".")
	sec, err := strconv.ParseInt(tod[0], 10, 64)
	if err != nil || len(tod) != 4 || tod[1] != "000000" || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		t.Errorf("X-Time = %q, want the time of day", header(t, ringing, "X-Time"))
	}
	// The nop assigned 7 to the global variable that -set gave "hello".
	if got := header(t, ok200, "X-G"); got != "7.000000" {
		t.Errorf("X-G = %q, want 7.000000", got)
	}
	if v, ok := p.uas.Global("g"); !ok || v != "7.000000" {
		t.Errorf("Global(g) = %q, %v", v, ok)
	}
	if got := header(t, bye200, "X-Nope"); got != "" {
		t.Errorf("X-Nope = %q, want empty (no match)", got)
	}
	if len(rec.logs) != 1 || rec.logs[0] != "cidnum="+callNum+" n=2.000000" {
		t.Errorf("log actions wrote %q", rec.logs)
	}
	if len(rec.events) != 1 || rec.events[0] != "global g=hello" {
		t.Errorf("warning actions wrote %q", rec.events)
	}
}

// TestEregCheckItFailsCall: a check_it ereg that does not match lets the
// call go on and counts it failed, in SIPp's class, at its end.
func TestEregCheckItFailsCall(t *testing.T) {
	xml, err := os.ReadFile("testdata/lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		attr  string
		class stats.FailureClass
	}{
		{`regexp="NOPE" search_in="msg" check_it="true"`, stats.FailRegexpDoesntMatch},
		{`regexp="BYE" search_in="msg" check_it_inverse="true"`, stats.FailRegexpShouldntMatch},
		{`regexp="x" search_in="hdr" header="X-Missing:" check_it="true"`, stats.FailRegexpHdrNotFound},
	} {
		x := bytes.Replace(xml, []byte(`regexp="NOPE" search_in="msg" check_it="false"`), []byte(tc.attr), 1)
		rec := &recorder{}
		p := newLangPair(t, x, func(c *Config) { c.Tracer = rec })
		p.call(t)
		snap := p.uas.Snapshot().Cumulative
		if snap.Failed != 1 || snap.FailedBy[tc.class] != 1 {
			t.Errorf("%s: failed %d, by class %v: %d; want 1", tc.attr, snap.Failed, tc.class, snap.FailedBy[tc.class])
		}
		if len(rec.sent) != 3 {
			t.Errorf("%s: the call did not go on: %d messages sent", tc.attr, len(rec.sent))
		}
	}
}

// TestSetNeedsGlobal: -set names a <Global> variable.
func TestSetNeedsGlobal(t *testing.T) {
	xml, err := os.ReadFile("testdata/lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	scn, err := scenario.Parse(xml, "lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1, Set: map[string]string{"nope": "1"}})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("New with -set nope = %v", err)
	}
}

// TestURLCodec: urlencode, urldecode, todouble's strtod, and ereg's
// header extraction.
func TestURLCodec(t *testing.T) {
	in := []byte("a b&c/é~-_.")
	enc := urlEncode(nil, in)
	if string(enc) != "a%20b%26c%2F%C3%A9~-_." {
		t.Errorf("urlEncode = %q", enc)
	}
	if dec := urlDecode(nil, enc); !bytes.Equal(dec, in) {
		t.Errorf("urlDecode = %q", dec)
	}
	if v, ok := cStrtod([]byte(" 12.5")); !ok || v != 12.5 {
		t.Errorf("cStrtod = %v %v", v, ok)
	}
	if _, ok := cStrtod([]byte("12x")); ok {
		t.Errorf("cStrtod(12x) accepted")
	}
	if got := string(headerPart([]byte("A: 1\r\nVia: x\r\n y\r\nvia: z\r\n"), "via:", true, 2, true)); got != " z" {
		t.Errorf("headerPart = %q", got)
	}
}
