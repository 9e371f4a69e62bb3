package auth

import "fmt"

// QOPPreference says which qop to answer with when a challenge offers both
// auth and auth-int.
type QOPPreference uint8

const (
	// PreferAuthInt answers auth-int whenever it is offered: what SIPp
	// does ("auth,auth-int" yields auth-int), so it is the zero value.
	PreferAuthInt QOPPreference = iota
	// PreferAuth answers auth when it is offered, auth-int otherwise.
	PreferAuth
)

// Request is what AppendAuthorization needs besides the challenge: the
// user's credentials and the request being authorized. Byte slices are
// only read.
type Request struct {
	// Username and Password are the user's credentials. The username is
	// sent in a quoted-string ('"' and '\' escaped) or, when the
	// challenge asks for userhash, as H(username ":" realm).
	Username, Password []byte

	// Method is the request's method ("REGISTER", "INVITE", ...); for an
	// ACK or CANCEL RFC 3261 §22.4 uses the method of the request the
	// challenge answered.
	Method []byte

	// URI is the digest-uri: the Request-URI in RFC 3261 §22.4. SIPp sends
	// "sip:" + -auth_uri, or "sip:" + remote_ip:remote_port (see the
	// package documentation).
	URI []byte

	// Body is the message body, hashed for qop auth-int (RFC 7616 §3.4.3).
	Body []byte

	// CNonce is the client nonce, required when the answer carries qop or
	// uses a -sess algorithm. AppendCNonce makes one from caller-supplied
	// entropy.
	CNonce []byte

	// NC is the nonce count: 1 for the first request with a nonce, then
	// incremented per request that reuses it (RFC 7616 §3.4 "nc"). It is
	// sent as 8 lowercase hex digits and must not be 0 when a qop is used.
	NC uint32

	// QOP chooses between auth and auth-int when both are offered.
	QOP QOPPreference
}

// ChosenQOP returns the qop an answer to c uses: 0 (no qop, RFC 2069) when
// c offers none, else auth or auth-int as pref and the offer decide.
func (c *Challenge) ChosenQOP(pref QOPPreference) QOP {
	switch {
	case c.QOP == 0:
		return 0
	case c.QOP == QOPAuth, c.QOP&QOPAuthInt == 0:
		return QOPAuth
	case c.QOP == QOPAuthInt:
		return QOPAuthInt
	case pref == PreferAuth:
		return QOPAuth
	}
	return QOPAuthInt
}

// AppendCNonce appends a client nonce made from entropy: 16 lowercase hex
// digits. The caller owns the randomness (a per-shard generator, a counter
// in tests), so answers are reproducible.
func AppendCNonce(dst []byte, entropy uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, digits[(entropy>>uint(shift))&0xf])
	}
	return dst
}

// AppendNC appends a nonce count as RFC 7616 §3.4 writes it: 8 lowercase
// hex digits.
func AppendNC(dst []byte, nc uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		dst = append(dst, digits[(nc>>uint(shift))&0xf])
	}
	return dst
}

// AppendAuthorization appends the value of an Authorization (for a 401's
// WWW-Authenticate) or Proxy-Authorization (for a 407's Proxy-Authenticate)
// header answering c for r: "Digest username=...". The header name is the
// caller's (SIPp's [authentication] keyword writes it too; see the package
// documentation). The parameters come in SIPp's order and spelling, with
// no space after the commas:
//
//	Digest username="u",realm="r",cnonce="c",nc=00000001,qop=auth,uri="sip:h",nonce="n",response="...",algorithm=MD5,opaque="o"
//
// cnonce, nc and qop appear only when c offers a qop (a -sess answer
// without qop still sends its cnonce); opaque only when c has one;
// userhash=true last when c asks for it. With enough capacity in dst it
// does not allocate.
func AppendAuthorization(dst []byte, c *Challenge, r *Request) ([]byte, error) {
	if len(r.Method) == 0 {
		return dst, fmt.Errorf("%w: no method", ErrMissingInput)
	}
	if len(c.Nonce) == 0 {
		return dst, fmt.Errorf("%w: challenge without nonce", ErrMalformed)
	}
	alg := c.Algorithm
	if alg == 0 {
		alg = MD5
	}
	qop := c.ChosenQOP(r.QOP)
	var ncBuf [8]byte
	nc := ncBuf[:0]
	if qop != 0 {
		if r.NC == 0 {
			return dst, fmt.Errorf("%w: nonce count 0 (the first use of a nonce is 1)", ErrMissingInput)
		}
		nc = AppendNC(nc, r.NC)
	}
	if (qop != 0 || alg.Sess()) && len(r.CNonce) == 0 {
		return dst, fmt.Errorf("%w: a %s answer with qop %q needs a cnonce", ErrMissingInput, alg, qop)
	}
	var resp [64]byte
	d := digest{
		alg: alg, username: r.Username, realm: c.Realm, password: r.Password,
		method: r.Method, uri: r.URI, nonce: c.Nonce, cnonce: r.CNonce,
		nc: nc, qop: qop, body: r.Body,
	}
	response := d.response(&resp, true)

	dst = append(dst, `Digest username="`...)
	if c.UserHash {
		var uh [64]byte
		dst = append(dst, d.userHash(&uh)...)
	} else {
		dst = appendQuoted(dst, r.Username)
	}
	dst = append(dst, `",realm="`...)
	dst = append(dst, c.Realm...)
	dst = append(dst, '"')
	if qop != 0 || alg.Sess() {
		dst = append(dst, `,cnonce="`...)
		dst = appendQuoted(dst, r.CNonce)
		dst = append(dst, '"')
	}
	if qop != 0 {
		dst = append(dst, ",nc="...)
		dst = append(dst, nc...)
		dst = append(dst, ",qop="...)
		dst = append(dst, qop.String()...)
	}
	dst = append(dst, `,uri="`...)
	dst = appendQuoted(dst, r.URI)
	dst = append(dst, `",nonce="`...)
	dst = append(dst, c.Nonce...)
	dst = append(dst, `",response="`...)
	dst = append(dst, response...)
	dst = append(dst, `",algorithm=`...)
	dst = append(dst, alg.String()...)
	if c.Opaque != nil {
		dst = append(dst, `,opaque="`...)
		dst = append(dst, c.Opaque...)
		dst = append(dst, '"')
	}
	if c.UserHash {
		dst = append(dst, ",userhash=true"...)
	}
	return dst, nil
}

// digest holds the inputs of one response computation (RFC 7616 §3.4.1 to
// §3.4.4). realm, nonce, cnonce, uri may be raw parameter values: their
// quoted-pairs are resolved before hashing.
type digest struct {
	alg                            Algorithm
	username, realm, password      []byte
	method, uri, nonce, cnonce, nc []byte
	qop                            QOP
	qopRaw                         []byte // as received by Verify; nil: qop.String()
	body                           []byte
}

// response computes the request-digest into out and returns it:
//
//	response = KD(H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2))   (qop)
//	response = KD(H(A1), unq(nonce) ":" H(A2))                                       (RFC 2069)
//	A1 = unq(username) ":" unq(realm) ":" passwd                                     (§3.4.2)
//	A1 = H(unq(username) ":" unq(realm) ":" passwd) ":" unq(nonce) ":" unq(cnonce)   (-sess)
//	A2 = Method ":" request-uri [":" H(entity-body)]                                 (§3.4.3, auth-int)
//	KD(secret, data) = H(secret ":" data)
//
// plain says username, uri and cnonce are plain values rather than raw
// parameter values: the client hashes what it was given (and escapes it on
// the wire), the verifier what it read (and resolves the escapes).
func (d *digest) response(out *[64]byte, plain bool) []byte {
	var scratch [512]byte
	var h1buf, h2buf [64]byte

	b := appendValue(scratch[:0], d.username, plain)
	b = append(b, ':')
	b = appendUnq(b, d.realm)
	b = append(b, ':')
	b = append(b, d.password...)
	ha1 := hexSum(d.alg, &h1buf, b)
	if d.alg.Sess() {
		b = append(scratch[:0], ha1...)
		b = append(b, ':')
		b = appendUnq(b, d.nonce)
		b = append(b, ':')
		b = appendValue(b, d.cnonce, plain)
		ha1 = hexSum(d.alg, &h1buf, b)
	}

	b = append(scratch[:0], d.method...)
	b = append(b, ':')
	b = appendValue(b, d.uri, plain)
	if d.qop == QOPAuthInt {
		var hb [64]byte
		b = append(b, ':')
		b = append(b, hexSum(d.alg, &hb, d.body)...)
	}
	ha2 := hexSum(d.alg, &h2buf, b)

	b = append(scratch[:0], ha1...)
	b = append(b, ':')
	b = appendUnq(b, d.nonce)
	if d.qop != 0 {
		b = append(b, ':')
		b = append(b, d.nc...)
		b = append(b, ':')
		b = appendValue(b, d.cnonce, plain)
		b = append(b, ':')
		if d.qopRaw != nil {
			b = appendUnq(b, d.qopRaw)
		} else {
			b = append(b, d.qop.String()...)
		}
	}
	b = append(b, ':')
	b = append(b, ha2...)
	return hexSum(d.alg, out, b)
}

// userHash computes H(unq(username) ":" unq(realm)) (RFC 7616 §3.4.4).
func (d *digest) userHash(out *[64]byte) []byte {
	var scratch [256]byte
	b := append(scratch[:0], d.username...)
	b = append(b, ':')
	b = appendUnq(b, d.realm)
	return hexSum(d.alg, out, b)
}

// appendValue appends a plain value as is, a raw one with its escapes
// resolved.
func appendValue(dst, v []byte, plain bool) []byte {
	if plain {
		return append(dst, v...)
	}
	return appendUnq(dst, v)
}
