package auth

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
)

// Algorithm is a digest algorithm (RFC 7616 §3.3 "algorithm", RFC 8760 §2.1).
// The zero value is not an algorithm; a challenge without an algorithm
// parameter means MD5 (RFC 2617 §3.2.1, RFC 7616 §3.3).
type Algorithm uint8

// The algorithms this package computes. AKA (RFC 3310, 3GPP) is out of
// scope and yields ErrUnsupportedAlgorithm.
const (
	MD5            Algorithm = iota + 1 // RFC 2617
	MD5Sess                             // RFC 2617 §3.2.2.2, A1 over the session
	SHA256                              // RFC 7616, RFC 8760
	SHA256Sess                          // RFC 7616 §3.4.2
	SHA512_256                          // RFC 7616, RFC 8760: SHA-512/256 of FIPS 180-4 §6.7
	SHA512_256Sess                      // RFC 7616 §3.4.2
)

var algorithmNames = [...]string{
	MD5:            "MD5",
	MD5Sess:        "MD5-sess",
	SHA256:         "SHA-256",
	SHA256Sess:     "SHA-256-sess",
	SHA512_256:     "SHA-512-256",
	SHA512_256Sess: "SHA-512-256-sess",
}

// String returns the algorithm's token as RFC 7616 §3.3 spells it.
func (a Algorithm) String() string {
	if a == 0 || int(a) >= len(algorithmNames) {
		return fmt.Sprintf("Algorithm(%d)", a)
	}
	return algorithmNames[a]
}

// Sess reports whether a is a "-sess" variant, whose A1 hashes the
// session's nonce and cnonce in (RFC 7616 §3.4.2).
func (a Algorithm) Sess() bool { return a == MD5Sess || a == SHA256Sess || a == SHA512_256Sess }

// strength ranks algorithms by their hash function only: a -sess variant is
// as strong as its plain form (ties keep the server's order).
func (a Algorithm) strength() int {
	switch a {
	case MD5, MD5Sess:
		return 1
	case SHA256, SHA256Sess:
		return 2
	case SHA512_256, SHA512_256Sess:
		return 3
	}
	return 0
}

// hexLen is the length of the algorithm's hex digest.
func (a Algorithm) hexLen() int {
	if a == MD5 || a == MD5Sess {
		return 2 * md5.Size
	}
	return 2 * sha256.Size // SHA-256 and SHA-512/256 are both 32 bytes
}

// ParseAlgorithm reads an algorithm token (case-insensitive, as RFC 7616
// §3.3 compares it). An empty token is MD5. AKAv1-MD5, AKAv2-* and any
// other token return ErrUnsupportedAlgorithm naming the token.
func ParseAlgorithm(tok []byte) (Algorithm, error) {
	if a, ok := lookupAlgorithm(tok); ok {
		return a, nil
	}
	return 0, algorithmError(tok)
}

// lookupAlgorithm is ParseAlgorithm without the error (and its allocation).
func lookupAlgorithm(tok []byte) (Algorithm, bool) {
	if len(tok) == 0 {
		return MD5, true
	}
	for a := MD5; a <= SHA512_256Sess; a++ {
		if equalFold(tok, algorithmNames[a]) {
			return a, true
		}
	}
	return 0, false
}

// algorithmError names an algorithm this package does not implement.
func algorithmError(tok []byte) error {
	if len(tok) >= 3 && equalFold(tok[:3], "AKA") {
		return fmt.Errorf("%w: %q (AKA, RFC 3310, is not supported)", ErrUnsupportedAlgorithm, tok)
	}
	return fmt.Errorf("%w: %q", ErrUnsupportedAlgorithm, tok)
}

// hexSum hashes data with a's hash function and writes the lowercase hex
// digest (RFC 7616 §3.2 "H" and LHEX) into out, returning the used part.
func hexSum(a Algorithm, out *[64]byte, data []byte) []byte {
	switch a {
	case MD5, MD5Sess:
		s := md5.Sum(data)
		hex.Encode(out[:], s[:])
		return out[:2*md5.Size]
	case SHA256, SHA256Sess:
		s := sha256.Sum256(data)
		hex.Encode(out[:], s[:])
		return out[:]
	default:
		s := sha512.Sum512_256(data)
		hex.Encode(out[:], s[:])
		return out[:]
	}
}

// equalFold compares b with an ASCII string, ignoring ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// appendUnq appends the value of a parameter with its quoted-pairs
// resolved: unq() of RFC 7616 §3.2. Raw values keep their escapes so they
// can be echoed unchanged; hashes need them removed.
func appendUnq(dst, raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return append(dst, raw...)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) {
			i++
		}
		dst = append(dst, raw[i])
	}
	return dst
}

// appendQuoted appends v as the inside of a quoted-string, escaping '"' and
// '\' (RFC 3261 §25.1 quoted-pair).
func appendQuoted(dst, v []byte) []byte {
	for _, c := range v {
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return dst
}
