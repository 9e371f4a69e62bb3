package engine

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/inject"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

// uasHead is the start of the UAS scenarios below: the INVITE of the
// built-in uac, answered with 180 and 200.
const uasHead = `<?xml version="1.0"?>
<scenario name="t">
  <recv request="INVITE"/>
  <send><![CDATA[
    SIP/2.0 180 Ringing
    [last_Via:]
    [last_From:]
    [last_To:];tag=[pid]SIPpTag01[call_number]
    [last_Call-ID:]
    [last_CSeq:]
    Content-Length: 0
  ]]></send>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:];tag=[pid]SIPpTag01[call_number]
    [last_Call-ID:]
    [last_CSeq:]
    Contact: <sip:[local_ip]:[local_port];transport=[transport]>
    Content-Length: 0
  ]]></send>
  <recv request="ACK"/>
`

const okBye = `  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:]
    [last_Call-ID:]
    [last_CSeq:]
    Content-Length: 0
  ]]></send>
`

// exchange runs one built-in uac call against the pair's UAS, passing
// datagrams until neither side has anything left to say.
func (p *pair) exchange(t *testing.T) {
	t.Helper()
	c, s := p.uac.shards[0], p.uas.shards[0]
	c.startCall(p.uac.now())
	idle := 0
	for round := 0; round < 50 && idle < 2; round++ {
		got := 0
		for _, sh := range []*shard{c, s} {
			flush(t, sh)
			n, err := sh.ep.Read(p.pkts, time.Now().Add(100*time.Millisecond))
			if err != nil && !errors.Is(err, dataplane.ErrTimeout) {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				sh.onDatagram(p.pkts[i].Data, p.pkts[i].From, sh.e.now(), true)
			}
			got += n
		}
		if got == 0 {
			idle++
		} else {
			idle = 0
		}
	}
}

func langPair(t *testing.T, xml string, adjust func(*Config)) (*pair, *recorder) {
	t.Helper()
	rec := &recorder{}
	p := newLangPair(t, []byte(xml), func(c *Config) {
		c.Tracer, c.ActionLog = rec, rec
		if adjust != nil {
			adjust(c)
		}
	})
	return p, rec
}

// TestUnexpectedMessages: SIPp's rules for a message no step expects, with
// and without the default behaviours, the _unexp.main label and
// optional="global".
func TestUnexpectedMessages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		xml       string
		disabled  Behavior
		uasOK     int
		uasFailed int
		uacOK     int
		uasSent   int // messages the UAS sent
	}{
		// The uac's BYE comes while the UAS waits for an INFO: the BYE
		// is answered, the UAS call fails, the uac's succeeds.
		{"unexpected BYE", uasHead + `<recv request="INFO"/>` + okBye + `</scenario>`, 0, 0, 1, 1, 3},
		// Without abortunexp the BYE is ignored: nothing answers it.
		{"abortunexp off", uasHead + `<recv request="INFO"/>` + okBye + `</scenario>`, BehaviorAbortUnexp, 0, 0, 0, 2},
		// Without bye the call still fails, but the BYE gets no answer.
		{"bye off", uasHead + `<recv request="INFO"/>` + okBye + `</scenario>`, BehaviorBye, 0, 1, 0, 2},
		// _unexp.main takes the BYE to the recv after the label.
		{"_unexp.main", uasHead + `<recv request="INFO"/>` + okBye +
			`<label id="_unexp.main"/><nop><action><log message="ret=[$_unexp.retaddr]"/></action></nop>
			<recv request="BYE"/>` + okBye + `<Reference variables="_unexp.retaddr"/></scenario>`, 0, 1, 0, 1, 3},
		// optional="global" matches a BYE after later mandatory steps.
		{"optional global", strings.Replace(uasHead, `<recv request="ACK"/>`,
			`<recv request="BYE" optional="global" next="bye"/><recv request="ACK"/>`, 1) +
			`<recv request="INFO"/><label id="bye"/>` + okBye + `</scenario>`, 0, 1, 0, 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, rec := langPair(t, tc.xml, func(c *Config) { c.DisabledBehaviors = tc.disabled })
			p.exchange(t)
			u, a := p.uas.Snapshot().Cumulative, p.uac.Snapshot().Cumulative
			if u.Successful != uint64(tc.uasOK) || u.Failed != uint64(tc.uasFailed) || a.Successful != uint64(tc.uacOK) {
				t.Errorf("uas %d ok %d failed, uac %d ok; want %d, %d, %d (events %q)",
					u.Successful, u.Failed, a.Successful, tc.uasOK, tc.uasFailed, tc.uacOK, rec.events)
			}
			if tc.uasFailed > 0 && u.FailedBy[stats.FailUnexpectedMessage] != 1 {
				t.Errorf("uas failed by %v, want unexpected message", u.FailedBy)
			}
			if len(rec.sent) != tc.uasSent {
				t.Errorf("uas sent %d messages, want %d", len(rec.sent), tc.uasSent)
			}
			if tc.name == "_unexp.main" && (len(rec.logs) != 1 || rec.logs[0] != "ret=4.000000") {
				t.Errorf("_unexp.retaddr: logs %q, want ret=4.000000 (the INFO recv is message 4)", rec.logs)
			}
		})
	}
}

// TestLostAndInit: lost="100" drops a send; <init> sets a global before
// the first call; regexp_match matches a method by expression;
// advance_state="false" runs actions without moving the call.
func TestLostAndInit(t *testing.T) {
	xml := `<?xml version="1.0"?><scenario name="t">
  <Global variables="g"/>
  <init><nop><action><assign assign_to="g" value="7"/></action></nop></init>
  <recv request="INV.*" regexp_match="true"/>
  <send lost="100"><![CDATA[
    SIP/2.0 180 Ringing
    [last_Via:]
    [last_From:]
    [last_To:];tag=1
    [last_Call-ID:]
    [last_CSeq:]
    Content-Length: 0
	]]></send>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:];tag=1
    [last_Call-ID:]
    [last_CSeq:]
    X-G: [$g]
    Content-Length: 0
	]]></send>
  <recv request="ACK" optional="true" advance_state="false"><action><log message="ack"/></action></recv>
  <recv request="BYE"/>` + okBye + `</scenario>`
	p, rec := langPair(t, xml, nil)
	p.uas.runInit()
	p.exchange(t)
	u, a := p.uas.Snapshot().Cumulative, p.uac.Snapshot().Cumulative
	if u.Successful != 1 || a.Successful != 1 {
		t.Fatalf("uas %d ok %d failed, uac %d ok %d failed (events %q, sent %q)", u.Successful, u.Failed, a.Successful, a.Failed, rec.events, rec.sent)
	}
	if len(rec.sent) != 2 {
		t.Errorf("uas sent %d messages, want 2 (the 180 is lost)", len(rec.sent))
	}
	if got := header(t, rec.sent[0], "X-G"); got != "7.000000" {
		t.Errorf("X-G = %q, want 7.000000 from <init>", got)
	}
	if len(rec.logs) != 1 || rec.logs[0] != "ack" {
		t.Errorf("logs %q, want the ack action once", rec.logs)
	}
}

// TestKeywords renders the keywords added with issue 7 in SIPp's formats.
func TestKeywords(t *testing.T) {
	file := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(file, []byte("from a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	xml := keywordsXML(file)
	p, rec := langPair(t, xml, func(c *Config) {
		c.RemoteHost = "sut.example"
		c.MediaPort = 6000
		c.Version = "9.9"
		c.DynamicStart, c.DynamicMax, c.DynamicStep = 1, 5, 3
	})
	p.exchange(t)
	checkKeywords(t, p, rec)
}

// TestKeywordsNoAllocs: the new keywords, recorded routes and the
// language's per-message work allocate nothing once warm.
func TestKeywordsNoAllocs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(file, []byte("from a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := newLangPair(t, []byte(keywordsXML(file)), nil)
	for i := 0; i < 20; i++ {
		p.call(t)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.call(t) }); allocs != 0 {
		t.Fatalf("a call cycle allocates %v times, want 0", allocs)
	}
}

func keywordsXML(file string) string {
	return `<?xml version="1.0"?><scenario name="t">
  <recv request="INVITE" rrs="true"><action><assign assign_to="n" value="5"/></action></recv>
  <label id="l"/>
  <send><![CDATA[
    SIP/2.0 180 Ringing
    [last_Via:]
    [last_From:]
    [last_To:];tag=1
    [last_Call-ID:]
    [last_CSeq:]
    X-Branch: [branch]
    X-Idx: [msg_index]
    X-Host: [remote_host]
    X-Server: [server_ip]
    X-AMP: [auto_media_port+2]
    X-Dyn: [dynamic_id] [dynamic_id] [dynamic_id]
    X-Tick: [clock_tick]
    X-TS: [timestamp]
    X-Date: [date]
    X-V: [sipp_version]
    X-Users: [users] [userid]
    X-Fill: [fill variable=n text=ab]
    X-File: [file name=` + file + `]
    X-LCN: [last_cseq_number+1]
    X-LRU: [last_Request_URI]
    X-Next: [next_url]
    Content-Length: 0
	]]></send>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:];tag=1
    [last_Call-ID:]
    [last_CSeq:]
    Content-Length: 0
	]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>` + okBye + `</scenario>`
}

func checkKeywords(t *testing.T, p *pair, rec *recorder) {
	t.Helper()
	if u := p.uas.Snapshot().Cumulative; u.Successful != 1 {
		t.Fatalf("uas: %d ok %d failed (events %q)", u.Successful, u.Failed, rec.events)
	}
	m := rec.sent[0]
	for name, want := range map[string]string{
		"X-Branch": "z9hG4bK-" + itoa(p.uas.cfg.PID) + "-1-1", // message 1: the label is not a message
		"X-Idx":    "1",
		"X-Host":   "sut.example",
		"X-Server": "127.0.0.1",
		"X-AMP":    "6002",
		"X-Dyn":    "1 4 1",
		"X-V":      "9.9",
		"X-Users":  "-1 0",
		"X-Fill":   "ababa",
		"X-File":   "from a file",
		"X-LCN":    "2",
		"X-LRU":    "sip:service@" + p.uas.LocalAddrs()[0].String(),
		"X-Next":   "sip:sipp@127.0.0.1:" + itoa(int(p.uac.LocalAddrs()[0].Port())),
	} {
		if got := header(t, m, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for name, re := range map[string]string{
		"X-Tick": `^[0-9]+$`,
		"X-TS":   `^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d{6}\t\d{10}\.\d{6}$`,
		"X-Date": `^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$`,
	} {
		if got := header(t, m, name); !regexp.MustCompile(re).MatchString(got) {
			t.Errorf("%s = %q, want %s", name, got, re)
		}
	}
}

// TestActionsStopAndFail: <exec int_cmd="stop_call"> on a recv ends the
// call as rejected; stop_now and <error> end the run.
func TestActionsStopAndFail(t *testing.T) {
	xml := uasHead + `<recv request="BYE"><action><exec int_cmd="stop_call"/></action></recv>` + okBye + `</scenario>`
	p, rec := langPair(t, xml, nil)
	p.exchange(t)
	if u := p.uas.Snapshot().Cumulative; u.Failed != 1 || u.FailedBy[stats.FailCallRejected] != 1 {
		t.Errorf("uas: %d failed by %v, want 1 rejected", u.Failed, u.FailedBy)
	}
	if len(rec.sent) != 2 {
		t.Errorf("uas sent %d messages, want 2: the stopped call answers no BYE", len(rec.sent))
	}

	for _, tc := range []struct{ action, want string }{
		{`<exec int_cmd="stop_now"/>`, "stop_now"},
		{`<error message="bad [call_number]"/>`, "lang_uas.xml:5: bad 1"},
	} {
		xml := `<?xml version="1.0"?><scenario name="t">
<recv request="INVITE"/>
<nop>
<action>
` + tc.action + `
</action>
</nop>
</scenario>`
		p, _ := langPair(t, xml, nil)
		p.uac.shards[0].startCall(p.uac.now())
		flush(t, p.uac.shards[0])
		p.pump(t, p.uas.shards[0], 1)
		switch tc.want {
		case "stop_now":
			if !p.uas.stopNow.Load() || p.uas.state.Load() != stateAborting {
				t.Errorf("stop_now: stopNow %v, state %d", p.uas.stopNow.Load(), p.uas.state.Load())
			}
		default:
			if !errors.Is(p.uas.fatalErr, ErrScenarioError) || !strings.Contains(p.uas.fatalErr.Error(), tc.want) {
				t.Errorf("error action: fatal %v, want %q", p.uas.fatalErr, tc.want)
			}
		}
	}
}

// TestUsersOrder: -users hands out user numbers as SIPp does (the last
// free one first, an ended call's user back in front) and keeps <User>
// variables per user.
func TestUsersOrder(t *testing.T) {
	var d userDeque
	d.ids = make([]int32, 4)
	for u := int32(1); u <= 3; u++ {
		d.pushBack(u)
	}
	a, _ := d.popBack()
	b, _ := d.popBack()
	d.pushFront(a)
	c, _ := d.popBack()
	e, _ := d.popBack()
	if a != 3 || b != 2 || c != 1 || e != 3 {
		t.Errorf("users %d %d %d %d, want 3 2 1 3", a, b, c, e)
	}
	if _, ok := d.popBack(); ok {
		t.Error("popBack on an empty deque")
	}
}

// TestEngineRefuses is the table of constructs the engine still refuses:
// New names the file and line of the first one.
func TestEngineRefuses(t *testing.T) {
	inv := "<send><![CDATA[INVITE sip:x SIP/2.0]]></send>\n"
	for _, tc := range []struct{ body, want string }{
		{inv + "<nop><action>\n<exec play_pcap_image=\"t38.pcap\"/></action></nop>\n", "t.xml:5: action <exec play_pcap_image> is not supported yet"},
		{"<send><![CDATA[INVITE sip:x SIP/2.0\n\nm=audio [rtpstream_audio_port] RTP/AVP 0]]></send>\n", "t.xml:5: keyword [rtpstream_audio_port] is not supported yet"},
	} {
		scn, err := scenario.Options{InjectionFiles: []string{"a.csv"}}.Parse([]byte("<?xml version=\"1.0\"?>\n<scenario name=\"t\">\n"+tc.body+"</scenario>\n"), "t.xml")
		if err != nil {
			t.Fatalf("%s: %v", tc.want, err)
		}
		_, err = New(Config{Scenario: scn, Remote: netip.MustParseAddrPort("127.0.0.1:5060"), Shards: 1})
		if !errors.Is(err, scenario.ErrUnsupported) || err.Error() != tc.want {
			t.Errorf("New = %v, want %q", err, tc.want)
		}
	}
}

// TestNopFirstServer: a server scenario may start with a nop (SIPp): it
// runs, and the INVITE waits for the recv after it.
func TestNopFirstServer(t *testing.T) {
	xml := strings.Replace(uasHead, `<recv request="INVITE"/>`,
		`<nop><action><log message="first"/></action></nop><recv request="INVITE"/>`, 1) +
		`<recv request="BYE"/>` + okBye + `</scenario>`
	p, rec := langPair(t, xml, nil)
	p.call(t)
	if u := p.uas.Snapshot().Cumulative; u.Successful != 1 {
		t.Errorf("uas: %d ok, %d failed (events %q)", u.Successful, u.Failed, rec.events)
	}
	if len(rec.logs) != 1 || rec.logs[0] != "first" {
		t.Errorf("logs %q", rec.logs)
	}
}

// TestSendOnTimeout: a send whose retransmissions run out jumps to its
// ontimeout label (SIPp), and fails the call when that label ends the
// scenario.
func TestSendOnTimeout(t *testing.T) {
	sink, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	for _, tc := range []struct {
		after        string
		ok, failed   uint64
		failureClass stats.FailureClass
	}{
		{`<label id="gone"/><nop><action><log message="timed out"/></action></nop>`, 1, 0, 0},
		{`<label id="gone"/>`, 0, 1, stats.FailMaxUDPRetrans},
	} {
		xml := `<?xml version="1.0"?><scenario name="t">
  <send retrans="5" ontimeout="gone"><![CDATA[
    INVITE sip:x@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
    From: <sip:a@b>;tag=1
    To: <sip:x@y>
    Call-ID: [call_id]
    CSeq: [cseq] INVITE
    Content-Length: 0
  ]]></send>
  <recv response="200"/>
  ` + tc.after + `
</scenario>`
		scn, err := scenario.Parse([]byte(xml), "t.xml")
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		e, err := New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Remote: netip.MustParseAddrPort(sink.LocalAddr().String()),
			Shards: 1, Backend: "std", Rate: 100, MaxCalls: 1, MaxInviteRetrans: 1, Tracer: rec, ActionLog: rec})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := e.Run(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c := res.Stats.Cumulative
		if c.Successful != tc.ok || c.Failed != tc.failed || (tc.failed > 0 && c.FailedBy[tc.failureClass] != 1) {
			t.Errorf("%s: %d ok %d failed %v (events %q)", tc.after, c.Successful, c.Failed, c.FailedBy, rec.events)
		}
		if len(rec.sent) != 2 {
			t.Errorf("%s: sent %d messages, want the INVITE and one retransmission", tc.after, len(rec.sent))
		}
	}
}

// TestAbortSendsCancel: a client call that times out after a 180 cancels
// its INVITE, as SIPp's abortCall does; with -default_behaviors all,-bye
// it sends nothing.
func TestAbortSendsCancel(t *testing.T) {
	uasXML := uasHead[:strings.Index(uasHead, `  <send><![CDATA[
    SIP/2.0 200 OK`)] + `<recv request="CANCEL"/>` + okBye + `</scenario>`
	uacXML := `<?xml version="1.0"?><scenario name="t">
  <send retrans="500"><![CDATA[
    INVITE sip:x@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
    From: <sip:a@[local_ip]:[local_port]>;tag=1
    To: <sip:x@[remote_ip]:[remote_port]>
    Call-ID: [call_id]
    CSeq: [cseq] INVITE
    Content-Length: 0
  ]]></send>
  <recv response="180"/>
  <recv response="200" timeout="100"/>
</scenario>`
	for _, disabled := range []Behavior{0, BehaviorBye} {
		lo := netip.MustParseAddr("127.0.0.1")
		uasScn, err := scenario.Parse([]byte(uasXML), "uas.xml")
		if err != nil {
			t.Fatal(err)
		}
		uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 1, Backend: "std", MaxCalls: 1})
		if err != nil {
			t.Fatal(err)
		}
		uacScn, err := scenario.Parse([]byte(uacXML), "uac.xml")
		if err != nil {
			t.Fatal(err)
		}
		uac, err := New(Config{Scenario: uacScn, Local: lo, Remote: uas.LocalAddrs()[0], Shards: 1, Backend: "std",
			Rate: 100, MaxCalls: 1, DisabledBehaviors: disabled})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		done := make(chan *Result, 1)
		go func() { r, _ := uas.Run(ctx); done <- r }()
		ures, _ := uac.Run(ctx)
		if disabled != 0 {
			time.Sleep(300 * time.Millisecond)
			uas.Abort()
		}
		sres := <-done
		cancel()
		u, s := ures.Stats.Cumulative, sres.Stats.Cumulative
		if u.Failed != 1 || u.FailedBy[stats.FailTimeoutOnRecv] != 1 {
			t.Errorf("disabled %d: uac %d failed %v, want 1 timeout", disabled, u.Failed, u.FailedBy)
		}
		wantOK := uint64(1)
		if disabled != 0 {
			wantOK = 0 // no CANCEL: the UAS call is still waiting when aborted
		}
		if s.Successful != wantOK {
			t.Errorf("disabled %d: uas %d ok %d failed %d aborted, want %d ok", disabled, s.Successful, s.Failed, s.Aborted, wantOK)
		}
	}
}

// TestPauseMsgIgnore: a BYE that comes during a pause is unexpected (and
// answered), unless -pause_msg_ign drops it.
func TestPauseMsgIgnore(t *testing.T) {
	xml := uasHead + `<pause milliseconds="10000"/><recv request="BYE"/>` + okBye + `</scenario>`
	for _, ign := range []bool{false, true} {
		p, rec := langPair(t, xml, func(c *Config) { c.PauseMsgIgnore = ign })
		p.exchange(t)
		u := p.uas.Snapshot().Cumulative
		wantFailed, wantSent := uint64(1), 3
		if ign {
			wantFailed, wantSent = 0, 2
		}
		if u.Failed != wantFailed || len(rec.sent) != wantSent {
			t.Errorf("pause_msg_ign %v: uas failed %d, sent %d; want %d, %d", ign, u.Failed, len(rec.sent), wantFailed, wantSent)
		}
	}
}

// TestInsertLookup: <insert> adds a line an -infindex lookup then finds,
// and <replace> rewrites one (SIPp's registrar idiom).
func TestInsertLookup(t *testing.T) {
	f, err := inject.Parse("reg.csv", []byte("SEQUENTIAL\nnobody;0\n"))
	if err != nil {
		t.Fatal(err)
	}
	set := inject.NewSet(f)
	if err := set.AddIndex("reg.csv", 0); err != nil {
		t.Fatal(err)
	}
	xml := strings.Replace(uasHead, `<recv request="INVITE"/>`, `<recv request="INVITE">
  <action>
    <insert file="reg.csv" value="[call_id];[call_number]"/>
    <lookup assign_to="line" file="reg.csv" key="[call_id]"/>
    <replace file="reg.csv" line="0" value="somebody;1"/>
    <lookup assign_to="old" file="reg.csv" key="nobody"/>
    <log message="line=[$line] old=[$old]"/>
  </action>
</recv>`, 1) + `<recv request="BYE"/>` + okBye + `</scenario>`
	p, rec := langPair(t, xml, func(c *Config) { c.Inject = set })
	p.call(t)
	if len(rec.logs) != 1 || rec.logs[0] != "line=1.000000 old=-1.000000" {
		t.Errorf("logs %q", rec.logs)
	}
	if v, _ := f.AppendField(nil, 0, 0); string(v) != "somebody" {
		t.Errorf("replaced line: %q", v)
	}
	if u := p.uas.Snapshot().Cumulative; u.Successful != 1 {
		t.Errorf("uas: %d ok, %d failed (events %q)", u.Successful, u.Failed, rec.events)
	}
}

// TestOutOfCallScenario: with -oocsn ooc_default, a client run answers a
// request of no known call with the out-of-call scenario, whose calls keep
// their own statistics.
func TestOutOfCallScenario(t *testing.T) {
	uac, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	ooc, err := scenario.Options{Main: uac}.Builtin("ooc_default")
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	e, err := New(Config{Scenario: uac, OOC: ooc, Local: netip.MustParseAddr("127.0.0.1"),
		Remote: netip.MustParseAddrPort(peer.LocalAddr().String()), Shards: 1, Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *Result, 1)
	go func() { r, _ := e.Run(context.Background()); done <- r }()
	options := "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + peer.LocalAddr().String() + ";branch=z9hG4bK-1\r\n" +
		"From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: ooc-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	to, _ := net.ResolveUDPAddr("udp", e.LocalAddrs()[0].String())
	if _, err := peer.WriteTo([]byte(options), to); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = peer.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := peer.ReadFrom(buf)
	e.Abort()
	<-done
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 OK\r\n") || !strings.Contains(string(buf[:n]), "Call-ID: ooc-1\r\n") {
		t.Errorf("answer:\n%s", buf[:n])
	}
	if got := e.OOCSnapshot().Cumulative.Created(); got != 1 {
		t.Errorf("out-of-call calls created: %d, want 1", got)
	}
	if got := e.Snapshot().Cumulative; got.Created() != 0 || got.OutOfCall != 0 || got.AutoAnswered != 1 {
		t.Errorf("main scenario: %d calls, %d out-of-call messages, %d auto-answered; want 0, 0, 1", got.Created(), got.OutOfCall, got.AutoAnswered)
	}
}

// TestAckCSeqCheck: an ACK whose CSeq is not its INVITE's fails the call
// (SIPp's cseq behaviour), unless -default_behaviors leaves cseq out.
func TestAckCSeqCheck(t *testing.T) {
	xml := uasHead + `<recv request="BYE"/>` + okBye + `</scenario>`
	for _, disabled := range []Behavior{0, BehaviorBadCSeq} {
		p, _ := langPair(t, xml, func(c *Config) { c.DisabledBehaviors = disabled })
		uac, uas := p.uac.shards[0], p.uas.shards[0]
		uac.startCall(p.uac.now())
		flush(t, uac)
		p.pump(t, uas, 1)
		ack := "ACK sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-a\r\nFrom: <sip:a@b>;tag=1\r\n" +
			"To: <sip:c@d>;tag=2\r\nCall-ID: " + string(p.uac.appendCallID(nil, 1)) + "\r\nCSeq: 5 ACK\r\nContent-Length: 0\r\n\r\n"
		uas.onDatagram([]byte(ack), uac.local, p.uas.now(), false)
		u := p.uas.Snapshot().Cumulative
		want := uint64(1)
		if disabled != 0 {
			want = 0
		}
		if u.Failed != want {
			t.Errorf("disabled %d: uas failed %d, want %d", disabled, u.Failed, want)
		}
	}
}
