package engine

import (
	"bytes"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/auth"
	"github.com/gossip-sip/gossip/scenario"
)

// authPair runs one REGISTER call of testdata/auth_uac.xml against
// testdata/auth_uas.xml (both edited by the test) and returns what each
// side sent.
func authPair(t *testing.T, uacEdit, uasEdit func([]byte) []byte, user, pass string) (uacSent, uasSent [][]byte, uac, uas *Engine) {
	t.Helper()
	load := func(name string, edit func([]byte) []byte) *scenario.Scenario {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			b = edit(b)
		}
		scn, err := scenario.Parse(b, name)
		if err != nil {
			t.Fatal(err)
		}
		return scn
	}
	lo := netip.MustParseAddr("127.0.0.1")
	ru, rs := &recorder{}, &recorder{}
	uas, err := New(Config{Scenario: load("auth_uas.xml", uasEdit), Local: lo, Shards: 1, Backend: "std", Tracer: rs})
	if err != nil {
		t.Fatal(err)
	}
	uac, err = New(Config{Scenario: load("auth_uac.xml", uacEdit), Local: lo, Shards: 1, Backend: "std",
		Remote: uas.LocalAddrs()[0], Tracer: ru, AuthUser: user, AuthPassword: pass})
	if err != nil {
		t.Fatal(err)
	}
	uac.t0, uas.t0 = time.Now(), time.Now()
	t.Cleanup(func() { uac.closeEndpoints(); uas.closeEndpoints() })
	p := &pair{uac: uac, uas: uas, pkts: make([]dataplane.Packet, 1)}
	c, s := uac.shards[0], uas.shards[0]
	c.startCall(uac.now())
	for i := 0; i < 2; i++ { // REGISTER, challenge or answer
		flush(t, c)
		p.pump(t, s, 1)
		flush(t, s)
		p.pump(t, c, 1)
	}
	flush(t, c)
	return ru.sent, rs.sent, uac, uas
}

var authLine = regexp.MustCompile(`(?m)^(Proxy-)?Authorization: (.*)\r$`)

func TestDigestAuth(t *testing.T) {
	t.Run("flags", func(t *testing.T) {
		uacSent, uasSent, uac, uas := authPair(t, nil, nil, "alice", "secret")
		if len(uacSent) != 2 || len(uasSent) != 2 {
			t.Fatalf("sent %d and %d messages", len(uacSent), len(uasSent))
		}
		m := authLine.FindSubmatch(uacSent[1])
		if m == nil || len(m[1]) != 0 {
			t.Fatalf("no Authorization header in\n%s", uacSent[1])
		}
		h := string(m[2])
		for _, want := range []string{`Digest username="alice"`, `realm="gossip.test"`, `nc=00000001`, `qop=auth`,
			`uri="sip:` + uas.LocalAddrs()[0].String() + `"`, `nonce="n1abcdef"`, `algorithm=MD5`, `opaque="op"`} {
			if !strings.Contains(h, want) {
				t.Errorf("Authorization %s lacks %s", h, want)
			}
		}
		if err := auth.VerifyHeader(m[2], &auth.Expect{Username: []byte("alice"), Password: []byte("secret"), Method: []byte("REGISTER")}); err != nil {
			t.Errorf("the answer does not verify: %v", err)
		}
		if !bytes.HasPrefix(uasSent[1], []byte("SIP/2.0 200 ")) {
			t.Errorf("verifyauth refused the answer: uas sent\n%s", uasSent[1])
		}
		if s := uac.Snapshot().Cumulative; s.Successful != 1 || s.Failed != 0 {
			t.Errorf("uac: successful %d failed %d", s.Successful, s.Failed)
		}
	})
	t.Run("keyword-credentials", func(t *testing.T) {
		edit := func(b []byte) []byte {
			return bytes.Replace(b, []byte("[authentication]"), []byte(`[authentication username=alice password=secret]`), -1)
		}
		_, uasSent, uac, _ := authPair(t, edit, nil, "", "")
		if !bytes.HasPrefix(uasSent[1], []byte("SIP/2.0 200 ")) {
			t.Errorf("verifyauth refused the answer: uas sent\n%s", uasSent[1])
		}
		if s := uac.Snapshot().Cumulative; s.Successful != 1 {
			t.Errorf("uac: successful %d", s.Successful)
		}
	})
	t.Run("wrong-password", func(t *testing.T) {
		_, uasSent, uac, _ := authPair(t, nil, nil, "alice", "wrong")
		if !bytes.HasPrefix(uasSent[1], []byte("SIP/2.0 403 ")) {
			t.Errorf("verifyauth accepted a wrong password: uas sent\n%s", uasSent[1])
		}
		if s := uac.Snapshot().Cumulative; s.Failed != 1 {
			t.Errorf("uac: failed %d, want 1 (unexpected 403)", s.Failed)
		}
	})
	t.Run("407", func(t *testing.T) {
		uacEdit := func(b []byte) []byte { return bytes.Replace(b, []byte(`response="401"`), []byte(`response="407"`), 1) }
		uasEdit := func(b []byte) []byte {
			b = bytes.Replace(b, []byte("401 Unauthorized"), []byte("407 Proxy Authentication Required"), 1)
			return bytes.Replace(b, []byte("WWW-Authenticate:"), []byte("Proxy-Authenticate:"), 1)
		}
		uacSent, uasSent, _, _ := authPair(t, uacEdit, uasEdit, "alice", "secret")
		m := authLine.FindSubmatch(uacSent[1])
		if m == nil || string(m[1]) != "Proxy-" {
			t.Fatalf("no Proxy-Authorization header in\n%s", uacSent[1])
		}
		// SIPp's verifyauth reads Authorization only.
		if !bytes.HasPrefix(uasSent[1], []byte("SIP/2.0 403 ")) {
			t.Errorf("uas sent\n%s", uasSent[1])
		}
	})
}
