package auth_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/auth"
	"github.com/gossip-sip/gossip/internal/testpeer"
)

// Interop with the real SIPp, both ways: SIPp's verifyauth action checks
// answers this package computes, and this package's Verify checks the
// answers SIPp's [authentication] keyword computes. SIPp 3.6 (Debian's
// sip-tester) implements only MD5 digest: its client refuses SHA-256
// ("authentication must use MD5 or AKAv1-MD5") and its verifyauth fails
// it; SHA-256 arrived in later SIPp sources. So MD5 with each qop form is
// what can be checked against it; the RFC vectors cover the rest.

type interopChallenge struct {
	name      string
	challenge string
	body      string // of the authenticated request (auth-int hashes it)
}

var interopChallenges = []interopChallenge{
	{"MD5/no-qop", `Digest realm="gossip.test", nonce="a1b2c3d4e5"`, ""},
	{"MD5/auth", `Digest realm="gossip.test", nonce="a1b2c3d4e5", qop="auth", opaque="op1"`, ""},
	{"MD5/auth-int", `Digest realm="gossip.test", nonce="a1b2c3d4e5", qop="auth-int"`, "hello, body\r\n"},
	{"MD5/auth-or-auth-int", `Digest realm="gossip.test", nonce="a1b2c3d4e5", qop="auth,auth-int", algorithm=MD5, opaque="x"`, "v=0\r\n"},
}

const sippUAS = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="verifyauth">
  <recv request="REGISTER" />
  <send>
    <![CDATA[

      SIP/2.0 401 Unauthorized
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      WWW-Authenticate: CHALLENGE
      Content-Length: 0

    ]]>
  </send>
  <recv request="REGISTER">
    <action>
      <verifyauth assign_to="authvalid" username="alice" password="s3cret" />
    </action>
  </recv>
  <nop hide="true" test="authvalid" next="good" />
  <send next="end">
    <![CDATA[

      SIP/2.0 403 Forbidden
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="good" />
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <label id="end" />
</scenario>
`

// eachInterop runs test as a subtest for every interop challenge and
// variant, named challenge/prefix+variant, with the path of the sipp
// binary (the test skips without it, outside CI).
func eachInterop(t *testing.T, prefix string, variants []string, test func(t *testing.T, sipp string, tc interopChallenge, variant string)) {
	t.Helper()
	sipp := testpeer.SIPp(t)
	for _, tc := range interopChallenges {
		for _, v := range variants {
			t.Run(tc.name+"/"+prefix+v, func(t *testing.T) { test(t, sipp, tc, v) })
		}
	}
}

func TestSIPpVerifiesOurAnswer(t *testing.T) {
	eachInterop(t, "", []string{"s3cret", "wrong"}, func(t *testing.T, sipp string, tc interopChallenge, pass string) {
		port := testpeer.FreeUDPPort(t, 1)
		p := startSIPp(t, sipp, strings.Replace(sippUAS, "CHALLENGE", tc.challenge, 1), port)
		testpeer.WaitUDPBound(t, port, 5*time.Second)

		c := dialUDP(t, port)
		local := c.LocalAddr().String()
		ruri := "sip:127.0.0.1:" + strconv.Itoa(port)
		resp := c.roundTrip(t, register(local, ruri, 1, "", ""), 401)
		values := headerValues(resp, "WWW-Authenticate")
		ch, err := auth.SelectChallenge(auth.Strongest, values...)
		if err != nil {
			t.Fatalf("challenge %q: %v", values, err)
		}
		r := auth.Request{Username: []byte("alice"), Password: []byte(pass), Method: []byte("REGISTER"),
			URI: []byte(ruri), Body: []byte(tc.body), CNonce: auth.AppendCNonce(nil, 0x5eed), NC: 1}
		hdr, err := auth.AppendAuthorization([]byte("Authorization: "), &ch, &r)
		if err != nil {
			t.Fatal(err)
		}
		want := 200
		if pass != "s3cret" {
			want = 403
		}
		c.roundTrip(t, register(local, ruri, 2, string(hdr), tc.body), want)
		if code := p.Wait(); code != 0 {
			t.Errorf("sipp exited %d", code)
		}
	})
}

const sippUAC = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="authentication">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@gossip.test>;tag=[pid]SIPpTag00[call_number]
      To: <sip:alice@gossip.test>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:alice@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true" />
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:alice@gossip.test>;tag=[pid]SIPpTag00[call_number]
      To: <sip:alice@gossip.test>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:alice@[local_ip]:[local_port]>
      [authentication username=alice password=s3cret]
      Max-Forwards: 70
      Content-Type: text/plain
      Content-Length: [len]

      hello, body

    ]]>
  </send>
  <recv response="200" />
</scenario>
`

func TestOurVerifyAcceptsSIPp(t *testing.T) {
	eachInterop(t, "auth_uri=", []string{"", "gossip.test"}, func(t *testing.T, sipp string, tc interopChallenge, authURI string) {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		uasPort := pc.LocalAddr().(*net.UDPAddr).Port
		args := []string{"127.0.0.1:" + strconv.Itoa(uasPort)}
		wantURI := "sip:127.0.0.1:" + strconv.Itoa(uasPort) // SIPp: "sip:" remote_ip ":" remote_port
		if authURI != "" {
			args = append(args, "-auth_uri", authURI)
			wantURI = "sip:" + authURI
		}
		p := startSIPp(t, sipp, sippUAC, testpeer.FreeUDPPort(t, 1), args...)

		buf := make([]byte, 65535)
		var verr error
		for done := false; !done; {
			_ = pc.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				t.Fatalf("no request from sipp: %v", err)
			}
			req := append([]byte(nil), buf[:n]...)
			switch cseq := string(firstValue(req, "CSeq")); cseq {
			case "1 REGISTER":
				reply(t, pc, from, req, "401 Unauthorized", "WWW-Authenticate: "+tc.challenge+"\r\n")
			case "2 REGISTER":
				hdr := firstValue(req, "Authorization")
				_, body, _ := bytes.Cut(req, []byte("\r\n\r\n"))
				cr, err := auth.ParseCredentials(hdr)
				if err == nil && strings.Contains(tc.challenge, "auth-int") && cr.QOP != auth.QOPAuthInt {
					t.Errorf("SIPp answered %q with qop %s; the package documents auth-int", tc.challenge, cr.QOP)
				}
				if err == nil {
					// Same inputs (SIPp's cnonce), same bytes.
					ch, _ := auth.ParseChallenge([]byte(tc.challenge))
					ours, err := auth.AppendAuthorization(nil, &ch, &auth.Request{Username: []byte("alice"),
						Password: []byte("s3cret"), Method: []byte("REGISTER"), URI: []byte(wantURI),
						Body: body, CNonce: cr.CNonce, NC: 1})
					if err != nil || !bytes.Equal(ours, hdr) {
						t.Errorf("for the same inputs SIPp sent\n%s\nand we make\n%s (%v)", hdr, ours, err)
					}
				}
				if err == nil {
					verr = auth.Verify(&cr, &auth.Expect{Username: []byte("alice"), Password: []byte("s3cret"),
						Method: []byte("REGISTER"), Body: body, URI: []byte(wantURI),
						Realm: []byte("gossip.test"), Nonce: []byte("a1b2c3d4e5")})
				} else {
					verr = err
				}
				if verr != nil {
					t.Errorf("sipp's %q: %v", hdr, verr)
					reply(t, pc, from, req, "403 Forbidden", "")
				} else {
					reply(t, pc, from, req, "200 OK", "")
				}
				done = true
			default:
				t.Fatalf("unexpected CSeq %q in %s", cseq, req)
			}
		}
		if code := p.Wait(); code != 0 && verr == nil {
			t.Errorf("sipp exited %d", code)
		}
	})
}

// startSIPp writes scenario into a fresh directory and runs sipp there
// with it, on 127.0.0.1:port, for one call, without reading the keyboard,
// followed by args (a UAC's remote host and options).
func startSIPp(t *testing.T, sipp, scenario string, port int, args ...string) *testpeer.Proc {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "scenario.xml"), []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"-sf", "scenario.xml", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "1", "-nostdin"}, args...)
	return testpeer.Start(t, 20*time.Second, dir, sipp, args...)
}

type udpClient struct {
	*net.UDPConn
	buf []byte
}

func dialUDP(t *testing.T, port int) *udpClient {
	t.Helper()
	c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpClient{UDPConn: c, buf: make([]byte, 65535)}
}

// roundTrip sends msg (again every 500 ms, as UDP needs) until a final
// response arrives, and checks its status code.
func (c *udpClient) roundTrip(t *testing.T, msg string, want int) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := c.Read(c.buf)
		if err != nil {
			continue
		}
		resp := append([]byte(nil), c.buf[:n]...)
		var code int
		if _, err := fmt.Sscanf(string(resp), "SIP/2.0 %d", &code); err != nil || code < 200 {
			continue
		}
		if code != want {
			t.Fatalf("got %d, want %d:\n%s\nfor\n%s", code, want, resp, msg)
		}
		return resp
	}
	t.Fatalf("no final response to\n%s", msg)
	return nil
}

func register(local, ruri string, cseq int, authz, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "REGISTER %s SIP/2.0\r\n", ruri)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=z9hG4bK-gossip-%d\r\n", local, cseq)
	b.WriteString("Max-Forwards: 70\r\nFrom: <sip:alice@gossip.test>;tag=g1\r\nTo: <sip:alice@gossip.test>\r\n")
	b.WriteString("Call-ID: auth-interop@127.0.0.1\r\n")
	fmt.Fprintf(&b, "CSeq: %d REGISTER\r\nContact: <sip:alice@%s>\r\n", cseq, local)
	if authz != "" {
		b.WriteString(authz + "\r\n")
	}
	if body != "" {
		b.WriteString("Content-Type: text/plain\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// headerValues returns the values of every header named name (no compact
// forms needed here).
func headerValues(msg []byte, name string) [][]byte {
	head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
	var out [][]byte
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(bytes.TrimSpace(k)), name) {
			out = append(out, bytes.TrimSpace(v))
		}
	}
	return out
}

func firstValue(msg []byte, name string) []byte {
	if v := headerValues(msg, name); len(v) > 0 {
		return v[0]
	}
	return nil
}

func reply(t *testing.T, pc net.PacketConn, to net.Addr, req []byte, status, extra string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("SIP/2.0 " + status + "\r\n")
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		for _, v := range headerValues(req, h) {
			b.WriteString(h + ": " + string(v))
			if h == "To" {
				b.WriteString(";tag=uas1")
			}
			b.WriteString("\r\n")
		}
	}
	b.WriteString(extra)
	b.WriteString("Content-Length: 0\r\n\r\n")
	if _, err := pc.WriteTo([]byte(b.String()), to); err != nil {
		t.Fatal(err)
	}
}
