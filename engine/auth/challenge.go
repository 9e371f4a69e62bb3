package auth

import (
	"bytes"
	"errors"
	"fmt"
)

// QOP is a set of quality-of-protection values (RFC 7616 §3.3 "qop").
type QOP uint8

// The qop values this package implements. A challenge with QOP 0 has no
// qop parameter: the answer follows RFC 2069 (no cnonce, no nc).
const (
	QOPAuth    QOP = 1 << iota // "auth"
	QOPAuthInt                 // "auth-int": A2 includes H(entity-body)
)

// String returns the qop token ("auth", "auth-int") or a comma list.
func (q QOP) String() string {
	switch q {
	case 0:
		return ""
	case QOPAuth:
		return "auth"
	case QOPAuthInt:
		return "auth-int"
	case QOPAuth | QOPAuthInt:
		return "auth,auth-int"
	}
	return fmt.Sprintf("QOP(%d)", uint8(q))
}

// Challenge is one Digest challenge from a WWW-Authenticate or
// Proxy-Authenticate header value (RFC 7616 §3.3, RFC 3261 §22.4).
//
// Its byte slices are views into the header value it was parsed from: they
// are valid only as long as that buffer is. To answer the challenge later
// (SIPp answers it in a later send), copy Raw and parse the copy again with
// ParseChallenge; that is cheap and does not allocate.
type Challenge struct {
	// Raw is this challenge's text, from "Digest" to its last parameter.
	Raw []byte

	// Realm, Nonce, Opaque and Domain are the parameters' values as sent:
	// without the surrounding quotes, with any quoted-pair escapes kept,
	// so they can be echoed unchanged. Opaque and Domain may be nil.
	Realm, Nonce, Opaque, Domain []byte

	// Algorithm is the challenge's algorithm, MD5 when it has none.
	Algorithm Algorithm

	// QOP is the set of qop values offered, 0 when there is no qop
	// parameter (RFC 2069 compatibility).
	QOP QOP

	// Stale is stale=true: the nonce expired but the credentials were
	// good, so the client retries without asking for new ones.
	Stale bool

	// UserHash is userhash=true (RFC 7616 §3.4.4): the answer sends
	// H(username ":" realm) instead of the username.
	UserHash bool

	// Charset is the charset parameter's value (RFC 7616 allows only
	// "UTF-8"), nil when absent. It is informational: usernames and
	// passwords are hashed as the bytes given.
	Charset []byte

	badAlg []byte // an algorithm token this package does not implement
}

// Policy says which of several supported Digest challenges to answer.
type Policy uint8

const (
	// Strongest answers the challenge with the strongest hash function
	// (SHA-512-256, then SHA-256, then MD5; a -sess variant ranks with its
	// hash), and among equals the first one. RFC 7616 §3.7 lets a local
	// policy override the server's order; this is gossip's default.
	Strongest Policy = iota
	// First answers the first challenge the client supports, in header
	// order: the server's preference, what RFC 7616 §3.7 and RFC 8760
	// §2.4 say a client SHOULD do absent a local policy. SIPp also answers the
	// first Digest challenge it finds.
	First
)

// ParseChallenge parses one WWW-Authenticate or Proxy-Authenticate header
// value, which may hold several challenges, and returns the strongest
// supported Digest challenge (Policy Strongest). It does not allocate
// unless it fails.
func ParseChallenge(value []byte) (Challenge, error) {
	return SelectChallenge(Strongest, value)
}

// SelectChallenge picks one Digest challenge out of several header values
// (several WWW-Authenticate headers, each maybe with several challenges),
// by policy. Challenges of other schemes are skipped; a malformed Digest
// challenge or one with an unsupported algorithm or qop is skipped too, and
// its error is returned only when no challenge can be answered. With no
// Digest challenge at all the error is ErrNoDigest. It does not allocate
// unless it fails.
func SelectChallenge(policy Policy, values ...[]byte) (Challenge, error) {
	var (
		best     Challenge
		found    bool
		firstErr error
	)
	var badAlg []byte // the algorithm of the first challenge refused for it
	consider := func(c *Challenge, err error) bool {
		if err != nil {
			if firstErr == nil {
				firstErr, badAlg = err, c.badAlg
			}
			return false
		}
		if !found || c.Algorithm.strength() > best.Algorithm.strength() {
			best, found = *c, true
		}
		return found && policy == First
	}
	for _, v := range values {
		var (
			sc         = scanner{s: v}
			it         item
			cur        Challenge
			inCur      bool // cur is a Digest challenge being collected
			curStart   int
			curErr     error
			curSeen    seen
			schemeSeen bool // a scheme was seen in this value
		)
		for sc.next(&it) {
			if it.kind == itemScheme {
				if inCur && consider(&cur, finish(&cur, curErr, &curSeen)) {
					return best, nil
				}
				schemeSeen = true
				inCur = equalFold(it.name, "Digest")
				cur, curErr, curSeen = Challenge{Raw: v[it.start:it.end]}, nil, 0
				curStart = it.start
				continue
			}
			if !schemeSeen {
				if firstErr == nil {
					firstErr = fmt.Errorf("%w: %q before any auth-scheme", ErrMalformed, v[it.start:it.end])
				}
				continue
			}
			if !inCur {
				continue
			}
			cur.Raw = v[curStart:it.end]
			if curErr == nil {
				curErr = cur.setParam(&it, &curSeen)
			}
		}
		if sc.err != nil && curErr == nil {
			curErr = sc.err // the challenge being read is cut short
		}
		if inCur && consider(&cur, finish(&cur, curErr, &curSeen)) {
			return best, nil
		}
		if sc.err != nil && firstErr == nil {
			firstErr = sc.err
		}
	}
	if found {
		return best, nil
	}
	if firstErr == nil {
		firstErr = ErrNoDigest
	}
	if firstErr == errAlgorithm {
		firstErr = algorithmError(badAlg)
	}
	return Challenge{}, firstErr
}

// Errors of challenges that SelectChallenge may skip for a later one: built
// once, so skipping (an AKA challenge before an MD5 one, say) does not
// allocate.
var (
	errAlgorithm = errors.New("unsupported algorithm (placeholder)")
	errNoRealm   = fmt.Errorf("%w: Digest challenge without realm", ErrMalformed)
	errNoNonce   = fmt.Errorf("%w: Digest challenge without nonce", ErrMalformed)
	errNoQOP     = fmt.Errorf("%w: none of the offered qop values is auth or auth-int", ErrUnsupportedQOP)
)

// setParam stores one challenge parameter (RFC 7616 §3.3). Unknown
// parameters are ignored.
func (c *Challenge) setParam(it *item, s *seen) error {
	bit, err := readParam(it, s, "challenge", []digestParam{
		// kept as sent
		{"realm", seenRealm, &c.Realm}, {"nonce", seenNonce, &c.Nonce}, {"opaque", seenOpaque, &c.Opaque},
		{"domain", seenDomain, &c.Domain}, {"charset", seenCharset, &c.Charset},
		// decoded below
		{"algorithm", seenAlgorithm, nil}, {"qop", seenQOP, nil}, {"stale", seenStale, nil}, {"userhash", seenUserHash, nil},
	})
	if err != nil {
		return err
	}
	v := it.value
	switch bit {
	case seenAlgorithm:
		var ok bool
		if c.Algorithm, ok = lookupAlgorithm(v); !ok {
			c.badAlg = v
			return errAlgorithm
		}
	case seenQOP:
		c.QOP, err = parseQOPOptions(v)
	case seenStale:
		c.Stale = equalFold(v, "true")
	case seenUserHash:
		c.UserHash = equalFold(v, "true")
	}
	return err
}

// finish validates a collected challenge.
func finish(c *Challenge, err error, s *seen) error {
	if err != nil {
		return err
	}
	if *s&seenRealm == 0 {
		return errNoRealm
	}
	if len(c.Nonce) == 0 { // SIPp refuses an empty nonce too
		return errNoNonce
	}
	if c.Algorithm == 0 {
		c.Algorithm = MD5
	}
	return nil
}

// parseQOPOptions reads qop-options: a comma-separated list of qop values
// (RFC 7616 §3.3), usually quoted. Unknown values are ignored; a list with
// none this package implements is ErrUnsupportedQOP.
func parseQOPOptions(v []byte) (QOP, error) {
	var q QOP
	other := false
	for len(v) > 0 {
		var tok []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			tok, v = v[:i], v[i+1:]
		} else {
			tok, v = v, nil
		}
		tok = bytes.Trim(tok, " \t\r\n")
		switch {
		case len(tok) == 0:
		case equalFold(tok, "auth"):
			q |= QOPAuth
		case equalFold(tok, "auth-int"):
			q |= QOPAuthInt
		default:
			other = true
		}
	}
	if q == 0 && other {
		return 0, errNoQOP
	}
	return q, nil
}
