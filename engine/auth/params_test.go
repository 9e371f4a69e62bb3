package auth

import (
	"errors"
	"testing"
)

// TestDigestParams runs the same auth-param lists through both parsers, a
// challenge's and credentials', to pin down what they share (RFC 7235
// §2.1, RFC 3261 §25.1 grammar; RFC 7616 §3.3 and §3.4 parameters, each
// at most once, unknown ones ignored) and where they differ.
func TestDigestParams(t *testing.T) {
	const (
		challengeBase   = `Digest realm="r", nonce="n"`
		credentialsBase = `Digest username="u", realm="r", nonce="n", uri="sip:x", response="0", nc=00000001, cnonce="c"`
	)
	type want struct {
		opaque   string // "<nil>" when absent
		alg      Algorithm
		userhash bool
		qop      QOP
	}
	cases := []struct {
		name          string
		params        string // appended to both bases after ", "
		common        want   // expected from both when they succeed
		chQOP, crQOP  QOP
		chErr, crErr  error
		sameErrString string // when set, both errors read exactly this
	}{
		{name: "none", params: ``, common: want{opaque: "<nil>", alg: MD5}},
		{name: "quoted commas", params: `opaque="a, b=c, d"`, common: want{opaque: "a, b=c, d", alg: MD5}},
		{name: "escapes kept raw", params: `opaque="x\"y\\z,"`, common: want{opaque: `x\"y\\z,`, alg: MD5}},
		{name: "empty quoted value", params: `opaque=""`, common: want{opaque: "", alg: MD5}},
		{name: "token value, spaces around =", params: "opaque = o\t", common: want{opaque: "o", alg: MD5}},
		{name: "empty list elements", params: `,, opaque="o" ,,`, common: want{opaque: "o", alg: MD5}},
		{name: "no comma between params", params: `opaque="o" userhash=true`, common: want{opaque: "o", alg: MD5, userhash: true}},
		{name: "unknown params ignored", params: `x-foo="a, \"b\"", Opaque="o", bar=baz`, common: want{opaque: "o", alg: MD5}},
		{name: "unknown param twice", params: `foo=1, FOO="2"`, common: want{opaque: "<nil>", alg: MD5}},
		{name: "names are case-insensitive", params: `ALGORITHM=sha-256, UserHash=TRUE`, common: want{opaque: "<nil>", alg: SHA256, userhash: true}},
		{name: "quoted algorithm", params: `algorithm="SHA-512-256-sess"`, common: want{opaque: "<nil>", alg: SHA512_256Sess}},
		{name: "qop auth", params: `qop="auth"`, common: want{opaque: "<nil>", alg: MD5}, chQOP: QOPAuth, crQOP: QOPAuth},
		{name: "qop auth-int token", params: `qop=auth-int`, common: want{opaque: "<nil>", alg: MD5}, chQOP: QOPAuthInt, crQOP: QOPAuthInt},
		{name: "qop list", params: `qop="auth,auth-int"`, common: want{opaque: "<nil>", alg: MD5}, chQOP: QOPAuth | QOPAuthInt, crErr: ErrUnsupportedQOP},
		{name: "qop unknown", params: `qop=auth-conf`, chErr: ErrUnsupportedQOP, crErr: ErrUnsupportedQOP},
		{name: "unsupported algorithm", params: `algorithm=AKAv1-MD5`, chErr: ErrUnsupportedAlgorithm, crErr: ErrUnsupportedAlgorithm},
		{name: "duplicate realm, other case", params: `REALM="r"`, chErr: ErrMalformed, crErr: ErrMalformed,
			sameErrString: `malformed digest header: parameter "REALM" appears twice`},
		{name: "duplicate opaque", params: `opaque="a", opaque="a"`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "duplicate empty opaque", params: `opaque="", opaque=""`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "duplicate algorithm", params: `algorithm=MD5, Algorithm=MD5`, chErr: ErrMalformed, crErr: ErrMalformed,
			sameErrString: `malformed digest header: parameter "Algorithm" appears twice`},
		{name: "duplicate bad algorithm", params: `algorithm=MD5, algorithm=AKAv1-MD5`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "duplicate qop", params: `qop=auth, qop="auth"`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "duplicate userhash", params: `userhash=false, userhash=false`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "duplicate stale (challenge only)", params: `stale=true, stale=false`, common: want{opaque: "<nil>", alg: MD5}, chErr: ErrMalformed},
		{name: "duplicate nc (credentials only)", params: `nc=00000002`, common: want{opaque: "<nil>", alg: MD5}, crErr: ErrMalformed},
		{name: "no value", params: `opaque=`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "no value before a comma", params: `opaque=, userhash=true`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "unterminated quoted-string", params: `opaque="o`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "escape at the end", params: `opaque="o\`, chErr: ErrMalformed, crErr: ErrMalformed},
		{name: "not a token", params: `@`, chErr: ErrMalformed, crErr: ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch, chErr := ParseChallenge([]byte(challengeBase + ", " + tc.params))
			cr, crErr := ParseCredentials([]byte(credentialsBase + ", " + tc.params))
			if !errors.Is(chErr, tc.chErr) || (tc.chErr == nil) != (chErr == nil) {
				t.Errorf("challenge: error %v, want %v", chErr, tc.chErr)
			}
			if !errors.Is(crErr, tc.crErr) || (tc.crErr == nil) != (crErr == nil) {
				t.Errorf("credentials: error %v, want %v", crErr, tc.crErr)
			}
			if tc.sameErrString != "" {
				for _, err := range []error{chErr, crErr} {
					if err == nil || err.Error() != tc.sameErrString {
						t.Errorf("error %q, want %q", err, tc.sameErrString)
					}
				}
			}
			if chErr == nil {
				w := tc.common
				w.qop = tc.chQOP
				if got := (want{rawString(ch.Opaque), ch.Algorithm, ch.UserHash, ch.QOP}); got != w {
					t.Errorf("challenge: got %+v, want %+v", got, w)
				}
				if string(ch.Realm) != "r" || string(ch.Nonce) != "n" {
					t.Errorf("challenge: realm %q nonce %q", ch.Realm, ch.Nonce)
				}
			}
			if crErr == nil {
				w := tc.common
				w.qop = tc.crQOP
				if got := (want{rawString(cr.Opaque), cr.Algorithm, cr.UserHash, cr.QOP}); got != w {
					t.Errorf("credentials: got %+v, want %+v", got, w)
				}
				if string(cr.Username) != "u" || string(cr.Realm) != "r" || string(cr.Nonce) != "n" ||
					string(cr.URI) != "sip:x" || string(cr.Response) != "0" || string(cr.NC) != "00000001" || string(cr.CNonce) != "c" {
					t.Errorf("credentials: %+v", cr)
				}
			}
		})
	}
}

// A token68 where a Digest auth-param list belongs is malformed, in a
// challenge and in credentials alike.
func TestDigestToken68(t *testing.T) {
	const v = `Digest YWxhZGRpbjpvcGVuIHNlc2FtZQ==`
	if _, err := ParseChallenge([]byte(v)); err == nil ||
		err.Error() != `malformed digest header: Digest challenge with a token68 "YWxhZGRpbjpvcGVuIHNlc2FtZQ=="` {
		t.Errorf("challenge: %v", err)
	}
	if _, err := ParseCredentials([]byte(v)); err == nil ||
		err.Error() != `malformed digest header: Digest credentials with a token68 "YWxhZGRpbjpvcGVuIHNlc2FtZQ=="` {
		t.Errorf("credentials: %v", err)
	}
}

func rawString(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	return string(b)
}
