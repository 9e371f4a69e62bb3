package auth

import (
	"errors"
	"testing"
)

func TestParseChallengeSyntax(t *testing.T) {
	type want struct {
		realm, nonce, opaque string
		alg                  Algorithm
		qop                  QOP
		stale, userhash      bool
	}
	cases := []struct {
		name  string
		value string
		want  want
	}{
		{"minimal", `Digest realm="r",nonce="n"`, want{realm: "r", nonce: "n", alg: MD5}},
		{"lower-case scheme and names", `digest REALM="r", NoNcE="n", ALGORITHM=sha-256`, want{realm: "r", nonce: "n", alg: SHA256}},
		{"spaces around =", `Digest realm = "r" , nonce= "n",qop ="auth"`, want{realm: "r", nonce: "n", alg: MD5, qop: QOPAuth}},
		{"tabs and folding", "Digest\trealm=\"r\",\r\n nonce=\"n\",\r\n\talgorithm=MD5-sess", want{realm: "r", nonce: "n", alg: MD5Sess}},
		{"comma inside quotes", `Digest realm="a, b, c", nonce="x,y", qop="auth"`, want{realm: "a, b, c", nonce: "x,y", alg: MD5, qop: QOPAuth}},
		{"escaped quote kept raw", `Digest realm="say \"hi\"", nonce="n\\m"`, want{realm: `say \"hi\"`, nonce: `n\\m`, alg: MD5}},
		{"empty list elements", `Digest ,, realm="r",,, nonce="n" ,`, want{realm: "r", nonce: "n", alg: MD5}},
		{"no commas (SIPp reads these)", `Digest realm="r" nonce="n" algorithm=SHA-256`, want{realm: "r", nonce: "n", alg: SHA256}},
		{"token values", `Digest realm=r, nonce=n, opaque=o, stale=TRUE`, want{realm: "r", nonce: "n", opaque: "o", alg: MD5, stale: true}},
		{"quoted algorithm", `Digest realm="r", nonce="n", algorithm="SHA-512-256-sess"`, want{realm: "r", nonce: "n", alg: SHA512_256Sess}},
		{"qop list with unknown", `Digest realm="r", nonce="n", qop="auth-conf, auth-int ,x"`, want{realm: "r", nonce: "n", alg: MD5, qop: QOPAuthInt}},
		{"qop unquoted", `Digest realm="r", nonce="n", qop=auth`, want{realm: "r", nonce: "n", alg: MD5, qop: QOPAuth}},
		{"unknown parameters ignored", `Digest foo=bar, realm="r", x-y="a,b", nonce="n", domain="sip:a sip:b", charset=UTF-8, userhash=true`, want{realm: "r", nonce: "n", alg: MD5, userhash: true}},
		{"empty quoted values", `Digest realm="", nonce="n", opaque=""`, want{realm: "", nonce: "n", opaque: "", alg: MD5}},
		{"after a Basic challenge", `Basic realm="b", Digest realm="r", nonce="n"`, want{realm: "r", nonce: "n", alg: MD5}},
		{"after a token68 challenge", `Negotiate YIIBdg==, Digest realm="r", nonce="n"`, want{realm: "r", nonce: "n", alg: MD5}},
		{"after a bare scheme", `Newauth, Digest realm="r", nonce="n"`, want{realm: "r", nonce: "n", alg: MD5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseChallenge([]byte(tc.value))
			if err != nil {
				t.Fatal(err)
			}
			got := want{string(c.Realm), string(c.Nonce), string(c.Opaque), c.Algorithm, c.QOP, c.Stale, c.UserHash}
			if got != tc.want {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
			if len(c.Raw) < 6 || !equalFold(c.Raw[:6], "Digest") {
				t.Errorf("Raw %q does not start with the scheme", c.Raw)
			}
			// Raw, parsed again, is the same challenge.
			c2, err := ParseChallenge(append([]byte(nil), c.Raw...))
			if err != nil || string(c2.Realm) != string(c.Realm) || string(c2.Nonce) != string(c.Nonce) || c2.Algorithm != c.Algorithm || c2.QOP != c.QOP {
				t.Errorf("Raw %q parses to %+v, %v", c.Raw, c2, err)
			}
		})
	}
}

func TestParseChallengeErrors(t *testing.T) {
	cases := []struct {
		value string
		want  error
	}{
		{``, ErrNoDigest},
		{`Basic realm="x"`, ErrNoDigest},
		{`Bearer`, ErrNoDigest},
		{`Digest nonce="n"`, ErrMalformed},
		{`Digest realm="r"`, ErrMalformed},
		{`Digest realm="r", nonce=""`, ErrMalformed},
		{`Digest realm="r", nonce="n`, ErrMalformed},
		{`Digest realm="r", nonce="n\`, ErrMalformed},
		{`Digest realm="r", realm="s", nonce="n"`, ErrMalformed},
		{`Digest realm="r", nonce=, opaque="o"`, ErrMalformed},
		{`Digest realm="r", nonce="n", qop=`, ErrMalformed},
		{`realm="r", nonce="n"`, ErrMalformed},
		{`Digest realm="r", nonce="n", @`, ErrMalformed},
		{`Digest realm="r", nonce="n", algorithm=AKAv1-MD5`, ErrUnsupportedAlgorithm},
		{`Digest realm="r", nonce="n", algorithm=SHA-1`, ErrUnsupportedAlgorithm},
		{`Digest realm="r", nonce="n", qop="auth-conf"`, ErrUnsupportedQOP},
	}
	for _, tc := range cases {
		_, err := ParseChallenge([]byte(tc.value))
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.value, err, tc.want)
		}
	}
	_, err := ParseChallenge([]byte(`Digest realm="r", nonce="n", algorithm=AKAv1-MD5`))
	if want := `unsupported digest algorithm: "AKAv1-MD5" (AKA, RFC 3310, is not supported)`; err == nil || err.Error() != want {
		t.Errorf("AKA error %q, want %q", err, want)
	}
}

func TestSelectChallenge(t *testing.T) {
	md5 := `Digest realm="r", nonce="1", algorithm=MD5`
	sha := `Digest realm="r", nonce="2", algorithm=SHA-256`
	sha512 := `Digest realm="r", nonce="3", algorithm=SHA-512-256-sess`
	aka := `Digest realm="r", nonce="4", algorithm=AKAv1-MD5`
	bad := `Digest realm="r"`
	cases := []struct {
		name   string
		policy Policy
		values []string
		nonce  string
	}{
		{"strongest in one header", Strongest, []string{md5 + ", " + sha}, "2"},
		{"strongest over headers", Strongest, []string{md5, sha512, sha}, "3"},
		{"ties keep the first", Strongest, []string{sha, `Digest realm="r", nonce="5", algorithm=SHA-256-sess`}, "2"},
		{"first", First, []string{md5, sha512}, "1"},
		{"first skips unsupported", First, []string{aka + ", " + sha, md5}, "2"},
		{"strongest skips malformed", Strongest, []string{bad, "Basic realm=x, " + md5}, "1"},
		{"one value three schemes", Strongest, []string{`Basic realm="b", ` + sha + `, Bearer realm="x", ` + md5}, "2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := SelectChallenge(tc.policy, bs(tc.values)...)
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Nonce) != tc.nonce {
				t.Errorf("picked nonce %s, want %s (%s)", c.Nonce, tc.nonce, c.Raw)
			}
		})
	}
	// Only unanswerable challenges: the first reason is returned.
	if _, err := SelectChallenge(Strongest, []byte(aka), []byte(bad)); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("got %v, want ErrUnsupportedAlgorithm", err)
	}
}

func TestParseCredentials(t *testing.T) {
	v := `Digest username="bob \"b\"", realm="r", nonce="n", uri="sip:a@b;x=\"1\"", response="abc", qop=auth, nc=00000002, cnonce="c", algorithm=SHA-256, opaque="o", userhash=false`
	cr, err := ParseCredentials([]byte(v))
	if err != nil {
		t.Fatal(err)
	}
	if string(cr.Username) != `bob \"b\"` || string(cr.URI) != `sip:a@b;x=\"1\"` || string(cr.NC) != "00000002" ||
		cr.QOP != QOPAuth || cr.Algorithm != SHA256 || string(cr.Opaque) != "o" || cr.UserHash {
		t.Errorf("%+v", cr)
	}
	for _, bad := range []struct {
		v    string
		want error
	}{
		{`Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==`, ErrNoDigest},
		{`Digest username="u", realm="r", nonce="n", uri="x"`, ErrMalformed},
		{`Digest username="u", realm="r", nonce="n", uri="x", response="y", qop=auth`, ErrMalformed},
		{`Digest username="u", realm="r", nonce="n", uri="x", response="y", qop=auth-conf, nc=00000001, cnonce="c"`, ErrUnsupportedQOP},
		{`Digest username="u", realm="r", nonce="n", uri="x", response="y", algorithm=AKAv1-MD5`, ErrUnsupportedAlgorithm},
		{`Digest username="u", username="v", realm="r", nonce="n", uri="x", response="y"`, ErrMalformed},
	} {
		if _, err := ParseCredentials([]byte(bad.v)); !errors.Is(err, bad.want) {
			t.Errorf("%q: %v, want %v", bad.v, err, bad.want)
		}
	}
}

// Round trips through the client and the verifier for every algorithm and
// qop, with usernames, uris and cnonces that need escaping.
func TestRoundTrip(t *testing.T) {
	algs := []string{"", "MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"}
	qops := []string{"", `, qop="auth"`, `, qop="auth-int"`, `, qop="auth,auth-int"`}
	users := []string{"alice", `we"ird\user`, "J\u00e4s\u00f8n Doe"}
	for _, alg := range algs {
		for _, qop := range qops {
			for _, user := range users {
				value := `Digest realm="sip.\"example\".com", nonce="n\\1"` + qop
				if alg != "" {
					value += ", algorithm=" + alg
				}
				ch, err := ParseChallenge([]byte(value))
				if err != nil {
					t.Fatal(value, err)
				}
				r := Request{Username: []byte(user), Password: []byte("p@ss"), Method: []byte("REGISTER"),
					URI: []byte(`sip:"odd"@127.0.0.1:5060`), Body: []byte("body"), CNonce: []byte(`c"n\c`), NC: 0x1f}
				hdr, err := AppendAuthorization(nil, &ch, &r)
				if err != nil {
					t.Fatal(value, err)
				}
				e := Expect{Username: r.Username, Password: r.Password, Method: r.Method, Body: r.Body,
					URI: r.URI, Realm: []byte(`sip."example".com`), Nonce: []byte(`n\1`)}
				if err := VerifyHeader(hdr, &e); err != nil {
					t.Errorf("%s user %q: %v\n%s", value, user, err, hdr)
				}
				for _, mut := range []func(*Expect){
					func(e *Expect) { e.Username = []byte("mallory") },
					func(e *Expect) { e.Method = []byte("INVITE") },
				} {
					e2 := e
					mut(&e2)
					if err := VerifyHeader(hdr, &e2); !errors.Is(err, ErrMismatch) {
						t.Errorf("%s: changed input verifies: %v", value, err)
					}
				}
				e.URI = []byte("sip:other")
				if err := VerifyHeader(hdr, &e); !errors.Is(err, ErrUnexpected) {
					t.Errorf("%s: other uri: %v", value, err)
				}
			}
		}
	}
}

func TestAppendAuthorizationErrors(t *testing.T) {
	ch, _ := ParseChallenge([]byte(`Digest realm="r", nonce="n", qop="auth"`))
	for name, r := range map[string]Request{
		"no method": {Username: []byte("u"), CNonce: []byte("c"), NC: 1},
		"no cnonce": {Username: []byte("u"), Method: []byte("GET"), NC: 1},
		"nc 0":      {Username: []byte("u"), Method: []byte("GET"), CNonce: []byte("c")},
	} {
		if _, err := AppendAuthorization(nil, &ch, &r); !errors.Is(err, ErrMissingInput) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHelpers(t *testing.T) {
	if got := string(AppendCNonce(nil, 0x00c0ffee)); got != "0000000000c0ffee" {
		t.Errorf("cnonce %s", got)
	}
	if got := string(AppendNC([]byte("nc="), 0xabc)); got != "nc=00000abc" {
		t.Errorf("nc %s", got)
	}
	for a := MD5; a <= SHA512_256Sess; a++ {
		b, err := ParseAlgorithm([]byte(a.String()))
		if err != nil || b != a {
			t.Errorf("%s: %v %v", a, b, err)
		}
	}
	if a, err := ParseAlgorithm(nil); a != MD5 || err != nil {
		t.Errorf("empty algorithm: %v %v", a, err)
	}
	if QOP(3).String() != "auth,auth-int" || Algorithm(9).String() != "Algorithm(9)" {
		t.Error("String")
	}
}

func TestNoAllocations(t *testing.T) {
	challenge := []byte(`Digest realm="sip.example.com", nonce="7ypf/xlj9XXwfDPEoM4URrv", qop="auth,auth-int", algorithm=SHA-256, opaque="o"`)
	other := []byte(`Digest realm="sip.example.com", nonce="x", algorithm=AKAv1-MD5, Digest realm="sip.example.com", nonce="x", algorithm=MD5`)
	r := Request{Username: []byte("alice"), Password: []byte("secret"), Method: []byte("INVITE"),
		URI: []byte("sip:127.0.0.1:5060"), Body: []byte("v=0\r\n"), CNonce: []byte("0123456789abcdef"), NC: 1}
	buf := make([]byte, 0, 1024)
	var hdr []byte
	allocs := testing.AllocsPerRun(200, func() {
		ch, err := SelectChallenge(Strongest, other, challenge)
		if err != nil {
			t.Fatal(err)
		}
		hdr, err = AppendAuthorization(buf[:0], &ch, &r)
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("parse + answer: %v allocations, want 0", allocs)
	}
	e := Expect{Username: r.Username, Password: r.Password, Method: r.Method, Body: r.Body}
	allocs = testing.AllocsPerRun(200, func() {
		if err := VerifyHeader(hdr, &e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("verify: %v allocations, want 0", allocs)
	}
}

func BenchmarkAuthorization(b *testing.B) {
	for _, alg := range []string{"MD5", "SHA-256", "SHA-512-256"} {
		challenge := []byte(`Digest realm="sip.example.com", nonce="7ypf/xlj9XXwfDPEoM4URrv", qop="auth", algorithm=` + alg)
		r := Request{Username: []byte("alice"), Password: []byte("secret"), Method: []byte("INVITE"),
			URI: []byte("sip:127.0.0.1:5060"), CNonce: []byte("0123456789abcdef"), NC: 1}
		buf := make([]byte, 0, 1024)
		b.Run(alg+"/gossip", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ch, err := ParseChallenge(challenge)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := AppendAuthorization(buf[:0], &ch, &r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
