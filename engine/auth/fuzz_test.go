package auth

import (
	"bytes"
	"testing"
)

// FuzzParseChallenge: any header value parses without panicking; a
// challenge that parses has its Raw text parse to the same challenge, and
// an answer to it verifies.
func FuzzParseChallenge(f *testing.F) {
	for _, tc := range rfcCases {
		for _, v := range tc.challenge {
			f.Add([]byte(v))
		}
	}
	f.Add([]byte(`Basic realm="b", Digest realm="a, b", nonce="x\"y", qop="auth,auth-int", algorithm=SHA-256-sess, userhash=true`))
	f.Add([]byte(`Negotiate YIIBdg==, Digest realm=r nonce=n`))
	f.Fuzz(func(t *testing.T, value []byte) {
		c, err := ParseChallenge(value)
		if err != nil {
			return
		}
		if c.Algorithm == 0 || c.Realm == nil || c.Nonce == nil {
			t.Fatalf("%q: incomplete challenge %+v", value, c)
		}
		c2, err := ParseChallenge(append([]byte(nil), c.Raw...))
		if err != nil {
			t.Fatalf("Raw %q of %q: %v", c.Raw, value, err)
		}
		if !bytes.Equal(c2.Realm, c.Realm) || !bytes.Equal(c2.Nonce, c.Nonce) || c2.Algorithm != c.Algorithm || c2.QOP != c.QOP {
			t.Fatalf("Raw %q of %q parses differently: %+v vs %+v", c.Raw, value, c2, c)
		}
		r := Request{Username: []byte("u\"1"), Password: []byte("p"), Method: []byte("INVITE"),
			URI: []byte("sip:x"), Body: value, CNonce: []byte("cn"), NC: 1}
		hdr, err := AppendAuthorization(nil, &c, &r)
		if err != nil {
			t.Fatalf("answer to %q: %v", value, err)
		}
		if err := VerifyHeader(hdr, &Expect{Username: r.Username, Password: r.Password, Method: r.Method, Body: value}); err != nil {
			t.Fatalf("answer %q to %q does not verify: %v", hdr, value, err)
		}
	})
}
