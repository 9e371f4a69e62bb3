package auth

import (
	"bytes"
	"crypto/subtle"
	"fmt"
)

// Credentials are the Digest credentials of an Authorization or
// Proxy-Authorization header value (RFC 7616 §3.4, RFC 3261 §22.4). Like a
// Challenge, its byte slices are views into the parsed header value, raw:
// without quotes, with any quoted-pair escapes kept.
type Credentials struct {
	// Username, Realm, Nonce, URI and Response are always present (the
	// username is H(username ":" realm) when UserHash is set).
	Username, Realm, Nonce, URI, Response []byte
	// CNonce, NC (as sent: 8 hex digits) and QOPRaw are present when the
	// client answered with a qop.
	CNonce, NC, QOPRaw []byte
	// QOP is QOPRaw decoded: QOPAuth, QOPAuthInt, or 0 without qop.
	QOP QOP
	// Opaque is echoed from the challenge, nil when absent.
	Opaque []byte
	// Algorithm is the algorithm parameter, MD5 when absent.
	Algorithm Algorithm
	// UserHash is userhash=true: Username is H(username ":" realm).
	UserHash bool
}

// ParseCredentials parses the first Digest credentials in an Authorization
// or Proxy-Authorization header value. A value with only other schemes is
// ErrNoDigest; a Digest one without username, realm, nonce, uri or response
// is ErrMalformed. It does not allocate unless it fails.
func ParseCredentials(value []byte) (Credentials, error) {
	var (
		sc    = scanner{s: value}
		it    item
		cr    Credentials
		in    bool
		s     seen
		found bool
	)
	for sc.next(&it) {
		if it.kind == itemScheme {
			if in {
				break // only the first Digest credentials
			}
			in = equalFold(it.name, "Digest")
			found = found || in
			continue
		}
		if !in {
			continue
		}
		if err := cr.setParam(&it, &s); err != nil {
			return Credentials{}, err
		}
	}
	if sc.err != nil {
		return Credentials{}, sc.err
	}
	if !found {
		return Credentials{}, ErrNoDigest
	}
	for _, req := range [...]struct {
		bit  seen
		name string
	}{{seenUsername, "username"}, {seenRealm, "realm"}, {seenNonce, "nonce"}, {seenURI, "uri"}, {seenResponse, "response"}} {
		if s&req.bit == 0 {
			return Credentials{}, fmt.Errorf("%w: Digest credentials without %s", ErrMalformed, req.name)
		}
	}
	if cr.Algorithm == 0 {
		cr.Algorithm = MD5
	}
	if s&seenQOP != 0 && (cr.NC == nil || cr.CNonce == nil) {
		return Credentials{}, fmt.Errorf("%w: qop=%s without nc or cnonce", ErrMalformed, cr.QOPRaw)
	}
	return cr, nil
}

// setParam stores one credentials parameter (RFC 7616 §3.4). Unknown
// parameters are ignored.
func (c *Credentials) setParam(it *item, s *seen) error {
	bit, err := readParam(it, s, "credentials", []digestParam{
		// kept as sent
		{"username", seenUsername, &c.Username}, {"realm", seenRealm, &c.Realm}, {"nonce", seenNonce, &c.Nonce},
		{"uri", seenURI, &c.URI}, {"response", seenResponse, &c.Response}, {"opaque", seenOpaque, &c.Opaque},
		{"cnonce", seenCNonce, &c.CNonce}, {"nc", seenNC, &c.NC},
		// kept as sent and decoded below
		{"qop", seenQOP, &c.QOPRaw},
		// decoded below
		{"algorithm", seenAlgorithm, nil}, {"userhash", seenUserHash, nil},
	})
	if err != nil {
		return err
	}
	v := it.value
	switch bit {
	case seenQOP: // one qop value, not a list (RFC 7616 §3.4)
		switch {
		case equalFold(v, "auth"):
			c.QOP = QOPAuth
		case equalFold(v, "auth-int"):
			c.QOP = QOPAuthInt
		default:
			return fmt.Errorf("%w: qop=%q", ErrUnsupportedQOP, v)
		}
	case seenAlgorithm:
		c.Algorithm, err = ParseAlgorithm(v)
	case seenUserHash:
		c.UserHash = equalFold(v, "true")
	}
	return err
}

// Expect is what a verifier checks credentials against.
type Expect struct {
	// Username and Password are the user's credentials (SIPp's verifyauth
	// username= and password=). The username parameter the client sent is
	// not compared: the response hashes the username, so a different one
	// fails as a mismatch (SIPp compares only the response as well).
	Username, Password []byte

	// Method is the request's method, Body its body (hashed for
	// auth-int).
	Method, Body []byte

	// URI, Realm and Nonce, when not nil, must equal the credentials'
	// uri, realm and nonce (unescaped). SIPp checks none of them: it
	// computes the response from the values the credentials carry, so the
	// engine leaves them nil for verifyauth.
	URI, Realm, Nonce []byte
}

// Verify checks credentials against e: it recomputes the response from
// e's username, password, method and body and the credentials' realm,
// nonce, uri, cnonce, nc, qop and algorithm, and compares it with the
// credentials' response (in constant time). It returns nil when they
// match, else an error saying why: ErrMismatch, ErrUnexpected (a realm,
// nonce or uri other than e's). It does not allocate when it succeeds.
func Verify(cr *Credentials, e *Expect) error {
	if e.Realm != nil && !equalUnq(cr.Realm, e.Realm) {
		return fmt.Errorf("%w: realm %q, want %q", ErrUnexpected, cr.Realm, e.Realm)
	}
	if e.Nonce != nil && !equalUnq(cr.Nonce, e.Nonce) {
		return fmt.Errorf("%w: nonce %q, want %q", ErrUnexpected, cr.Nonce, e.Nonce)
	}
	if e.URI != nil && !equalUnq(cr.URI, e.URI) {
		return fmt.Errorf("%w: uri %q, want %q", ErrUnexpected, cr.URI, e.URI)
	}
	alg := cr.Algorithm
	if alg == 0 {
		alg = MD5
	}
	var want [64]byte
	var uname [256]byte
	d := digest{
		alg: alg, username: appendQuoted(uname[:0], e.Username), realm: cr.Realm,
		password: e.Password, method: e.Method, uri: cr.URI, nonce: cr.Nonce,
		cnonce: cr.CNonce, nc: cr.NC, qop: cr.QOP, qopRaw: cr.QOPRaw, body: e.Body,
	}
	got := d.response(&want, false)
	if len(got) != len(cr.Response) || subtle.ConstantTimeCompare(got, cr.Response) != 1 {
		return fmt.Errorf("%w: %s response %q for user %q, computed %q", ErrMismatch, alg, cr.Response, e.Username, string(got))
	}
	return nil
}

// VerifyHeader parses an Authorization header value and verifies it: the
// whole of SIPp's verifyauth action.
func VerifyHeader(value []byte, e *Expect) error {
	cr, err := ParseCredentials(value)
	if err != nil {
		return err
	}
	return Verify(&cr, e)
}

// equalUnq compares a raw parameter value with a plain one.
func equalUnq(raw, plain []byte) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return bytes.Equal(raw, plain)
	}
	var buf [256]byte
	return bytes.Equal(appendUnq(buf[:0], raw), plain)
}
