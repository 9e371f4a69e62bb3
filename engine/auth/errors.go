package auth

import "errors"

// Sentinel errors. Functions wrap them with the detail a user needs, so test
// with errors.Is.
var (
	// ErrNoDigest: a header value holds no Digest challenge or credentials
	// (only other schemes such as Basic or Bearer, or nothing at all).
	ErrNoDigest = errors.New("no Digest challenge or credentials")

	// ErrMalformed: the header value does not follow the challenge or
	// credentials grammar, or a required parameter (realm, nonce, response,
	// ...) is missing.
	ErrMalformed = errors.New("malformed digest header")

	// ErrUnsupportedAlgorithm: the algorithm is not one of MD5, MD5-sess,
	// SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess. The wrapping
	// error names the algorithm (AKAv1-MD5 and AKAv2-* are out of scope).
	ErrUnsupportedAlgorithm = errors.New("unsupported digest algorithm")

	// ErrUnsupportedQOP: the challenge offers qop values, none of which is
	// auth or auth-int.
	ErrUnsupportedQOP = errors.New("unsupported qop")

	// ErrMissingInput: AppendAuthorization lacks an input it needs (a
	// method, a cnonce when the answer carries one, a non-zero nonce count).
	ErrMissingInput = errors.New("missing input")

	// ErrMismatch: Verify computed a different response than the
	// credentials carry (wrong username, password, method, body, ...).
	ErrMismatch = errors.New("digest response does not match")

	// ErrUnexpected: Verify found credentials that do not answer what the
	// verifier expects (realm, nonce or uri differ from the expected ones).
	ErrUnexpected = errors.New("digest credentials do not match the expected value")
)
