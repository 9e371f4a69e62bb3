package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/gossip-sip/gossip/scenario"
)

// TestFoldedMessagesRenderTheSame: folding a shard's constant keywords
// into literals (foldMessages) changes how a message is built, never what
// it is. Every send of every built-in scenario, and a scenario made of the
// line rules' corner cases, renders byte for byte as the unfolded
// template does.
func TestFoldedMessagesRenderTheSame(t *testing.T) {
	const corners = `<?xml version="1.0"?>
<scenario name="corners">
  <send><![CDATA[
    OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    X-Empty-Service: [service]
    [last_Foo:][service]
    [service]
    X-Var: [$empty]
    [service]
    X-Var-Ends-Line: [$empty]
      [local_ip] [media_ip]:[media_port]
    [routes]
    [transport]
    X-Types: [local_ip_type] [media_ip_type] [pid] [local_port+2] [media_port-1]
    Call-ID: [call_id]
    CSeq: [cseq] OPTIONS
    Content-Length: [len]

    v=0
    c=IN IP[media_ip_type] [media_ip]
  ]]></send>
</scenario>`
	custom, err := scenario.Parse([]byte(corners), "corners.xml")
	if err != nil {
		t.Fatal(err)
	}
	scenarios := map[string]*scenario.Scenario{"corners": custom}
	for _, name := range scenario.BuiltinNames() {
		scn, err := scenario.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		scenarios[name] = scn
	}
	for name, scn := range scenarios {
		for _, service := range []string{"", "service", " lead"} {
			cfg := Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1,
				Remote: netip.MustParseAddrPort("127.0.0.1:5999"), Service: service}
			e, err := New(cfg)
			if err != nil {
				t.Logf("%s: %v (not renderable here)", name, err)
				continue
			}
			s := e.shards[0]
			_, c := s.alloc(0)
			c.number, c.peer, c.cseq = 3, s.remote, 1
			s.bufs.store(&c.ids, []byte("3-4242@127.0.0.1"))
			c.idLen = uint16(len(c.ids))
			for idx := range scn.Commands {
				cmd := &scn.Commands[idx]
				if cmd.Kind != scenario.KindSend || cmd.Message == nil {
					continue
				}
				folded := string(s.render(nil, c, idx))
				plain := string(s.renderTemplate(nil, c, idx, cmd.Message))
				if folded != plain {
					t.Errorf("%s (service %q), command %d: folded render differs\nfolded:\n%s\nplain:\n%s", name, service, idx, folded, plain)
				}
				if n, m := len(s.msgs[idx].Ops), len(cmd.Message.Ops); n > m {
					t.Errorf("%s, command %d: %d ops folded, %d before", name, idx, n, m)
				}
			}
			e.closeEndpoints()
		}
	}
}

// TestConstantOpKeepsLineRules: a value that is empty or starts with a
// blank or a line end stays a keyword, since renderMsg's line rules look
// at how the literal after a keyword starts.
func TestConstantOpKeepsLineRules(t *testing.T) {
	scn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1, Remote: netip.MustParseAddrPort("127.0.0.1:5999")})
	if err != nil {
		t.Fatal(err)
	}
	defer e.closeEndpoints()
	s := e.shards[0]
	for _, tc := range []struct {
		service string
		fold    bool
	}{{"svc", true}, {"", false}, {" svc", false}, {"\tsvc", false}, {"\r\nsvc", false}, {"\nsvc", false}} {
		e.cfg.Service = tc.service
		v, ok := s.constantOp(&scenario.Op{Kind: scenario.OpService})
		if ok != tc.fold || ok && string(v) != tc.service {
			t.Errorf("service %q: folded %v (%q), want %v", tc.service, ok, v, tc.fold)
		}
	}
	for _, kind := range []scenario.OpKind{scenario.OpCallID, scenario.OpCSeq, scenario.OpRemoteIP, scenario.OpLastHeader, scenario.OpLen, scenario.OpBranch} {
		if _, ok := s.constantOp(&scenario.Op{Kind: kind}); ok {
			t.Errorf("op kind %v, which depends on the call, was folded", kind)
		}
	}
}

// BenchmarkRender renders every send of the built-in uac, then of the
// built-in uas, for a new call each round (one op is one call's sends).
func BenchmarkRender(b *testing.B) {
	for _, name := range []string{"uac", "uas"} {
		b.Run(name, func(b *testing.B) {
			scn, err := scenario.Builtin(name)
			if err != nil {
				b.Fatal(err)
			}
			e, err := New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1,
				Remote: netip.MustParseAddrPort("127.0.0.1:5999")})
			if err != nil {
				b.Fatal(err)
			}
			s := e.shards[0]
			_, c := s.alloc(0)
			c.peer, c.cseq = s.remote, 1
			s.bufs.store(&c.ids, []byte("3-4242@127.0.0.1"))
			c.idLen = uint16(len(c.ids))
			var sends []int
			for idx := range scn.Commands {
				if cmd := &scn.Commands[idx]; cmd.Kind == scenario.KindSend && cmd.Message != nil {
					sends = append(sends, idx)
				}
			}
			buf := make([]byte, 0, 4096)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.number = uint64(1000 + i)
				for _, idx := range sends {
					buf = s.render(buf[:0], c, idx)
				}
			}
		})
	}
}

// TestRenderMemos: the digits render keeps between sends (the last call
// number, each peer's port, the [branch] prefix) never show a stale value
// when the call, the peer or the step changes.
func TestRenderMemos(t *testing.T) {
	const xml = `<?xml version="1.0"?>
<scenario name="memos">
  <send><![CDATA[
    OPTIONS sip:x@[remote_ip]:[remote_port] SIP/2.0
    X: [call_number] [branch] [branch-1] [branch+12] [remote_port+1] [call_number]
    Content-Length: 0
  ]]></send>
</scenario>`
	scn, err := scenario.Parse([]byte(xml), "memos.xml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1,
		Remote: netip.MustParseAddrPort("127.0.0.1:5999"), PID: 77})
	if err != nil {
		t.Fatal(err)
	}
	s := e.shards[0]
	other := s.peers.intern(netip.MustParseAddrPort("127.0.0.2:61000"))
	_, c := s.alloc(0)
	for _, tc := range []struct {
		number uint64
		peer   uint32
		want   string
	}{
		{7, s.remote, "sip:x@127.0.0.1:5999 SIP/2.0\r\nX: 7 z9hG4bK-77-7-0 z9hG4bK-77-7--1 z9hG4bK-77-7-12 6000 7\r\n"},
		{123456789012, s.remote, "X: 123456789012 z9hG4bK-77-123456789012-0 z9hG4bK-77-123456789012--1 z9hG4bK-77-123456789012-12 6000 123456789012\r\n"},
		{7, other, "sip:x@127.0.0.2:61000 SIP/2.0\r\nX: 7 z9hG4bK-77-7-0 z9hG4bK-77-7--1 z9hG4bK-77-7-12 61001 7\r\n"},
		{0, s.remote, "X: 0 z9hG4bK-77-0-0 z9hG4bK-77-0--1 z9hG4bK-77-0-12 6000 0\r\n"},
	} {
		c.number, c.peer = tc.number, tc.peer
		if got := string(s.render(nil, c, 0)); !strings.Contains(got, tc.want) {
			t.Errorf("call %d, peer %d: got\n%s\nwant it to hold\n%s", tc.number, tc.peer, got, tc.want)
		}
	}
}

// TestPatchLen: the length lands in the five columns [len] reserved,
// right-aligned as SIPp's "%5u" writes it, and a number wider than five
// columns widens them; the body moves only then.
func TestPatchLen(t *testing.T) {
	head := "INVITE sip:a@b SIP/2.0\r\nContent-Length: "
	for _, tc := range []struct {
		name   string
		body   string
		offset int
		want   string // what replaces the columns
	}{
		{"empty body", "", 0, "    0"},
		{"sdp", strings.Repeat("v", 129), 0, "  129"},
		{"offset", strings.Repeat("v", 129), 2, "  131"},
		{"negative", "", -3, "   -3"},
		{"five digits", strings.Repeat("v", 99999), 0, "99999"},
		{"six digits", strings.Repeat("v", 100000), 0, "100000"},
	} {
		msg := []byte(head + lenColumns + "\r\nMax-Forwards: 70\r\n\r\n" + tc.body)
		got := string(patchLen(msg, 0, len(head), tc.offset))
		want := head + tc.want + "\r\nMax-Forwards: 70\r\n\r\n" + tc.body
		if got != want {
			t.Errorf("%s: got %.80q…, want %.80q…", tc.name, got, want)
		}
	}
	// [len] inside the body counts the body without itself.
	msg := []byte("MESSAGE sip:a@b SIP/2.0\r\n\r\nlen=" + lenColumns + ";")
	if got, want := string(patchLen(msg, 0, len(msg)-6, 0)), "MESSAGE sip:a@b SIP/2.0\r\n\r\nlen=    5;"; got != want {
		t.Errorf("[len] in the body: got %q, want %q", got, want)
	}
}
