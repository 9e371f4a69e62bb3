package sipfast

import "errors"

// Sentinel errors returned by Parse, Validate and the framer. Compare with
// errors.Is: a few errors match two sentinels at once (see errPair).
var (
	// ErrStartLine: the Request-Line or Status-Line does not follow
	// RFC 3261 §7.1/§7.2 (missing parts, extra whitespace, bad method token,
	// Request-URI without a scheme).
	ErrStartLine = errors.New("sipfast: malformed start line")
	// ErrVersion: the SIP-Version is not SIP/2.0 (RFC 3261 §7.1).
	ErrVersion = errors.New("sipfast: unsupported SIP version")
	// ErrStatusCode: the Status-Code is not three digits in 100..699
	// (RFC 3261 §7.2, §21).
	ErrStatusCode = errors.New("sipfast: status code out of range")
	// ErrHeader: a header line has no name, no ':' or a non-token name
	// (RFC 3261 §7.3), or a continuation line has no header to continue.
	ErrHeader = errors.New("sipfast: malformed header")
	// ErrTooManyHeaders: the message has more than MaxHeaders header fields.
	ErrTooManyHeaders = errors.New("sipfast: too many headers")
	// ErrContentLength: Content-Length is not a decimal number, is negative,
	// too large, given twice with different values, or absent on a stream
	// (RFC 3261 §18.3, §20.14).
	ErrContentLength = errors.New("sipfast: bad Content-Length")
	// ErrTruncated: the message ends before its header section does, or
	// before the body that Content-Length announces.
	ErrTruncated = errors.New("sipfast: message truncated")
	// ErrNoCallID: the message has no (or an empty) Call-ID. The index is
	// complete; accessors work.
	ErrNoCallID = errors.New("sipfast: missing Call-ID")
	// ErrCSeq: the CSeq header is absent, its number is not a 32-bit
	// unsigned integer, or its method is missing (RFC 3261 §8.1.1.5, §20.16).
	// The index is complete; accessors work.
	ErrCSeq = errors.New("sipfast: malformed CSeq")
	// ErrKeepAlive: the buffer holds only keep-alive bytes (CRLF, SP, HT,
	// NUL), e.g. an RFC 5626 §4.4.1 CRLF ping sent over UDP. Not a message;
	// callers usually ignore it rather than count a parse error.
	ErrKeepAlive = errors.New("sipfast: keep-alive, not a message")
	// ErrTooLarge: a stream message (header section or header section plus
	// Content-Length) exceeds the framer's size limit, or a buffer passed to
	// Parse exceeds MaxMessageSize.
	ErrTooLarge = errors.New("sipfast: message too large")

	// Semantic errors reported by Validate (RFC 3261 §8.2, §16.3).

	// ErrMissingHeader: a header that RFC 3261 §8.1.1 makes mandatory is absent.
	ErrMissingHeader = errors.New("sipfast: mandatory header missing")
	// ErrDuplicateHeader: a header that may appear once appears again
	// (RFC 3261 §7.3.1: only comma-list headers may repeat).
	ErrDuplicateHeader = errors.New("sipfast: single-valued header repeated")
	// ErrCSeqMethod: the CSeq method differs from the request method
	// (RFC 3261 §8.1.1.5).
	ErrCSeqMethod = errors.New("sipfast: CSeq method does not match request method")
	// ErrURIScheme: the Request-URI scheme is not sip, sips or tel
	// (RFC 3261 §8.2.2.1, answered with 416).
	ErrURIScheme = errors.New("sipfast: unsupported Request-URI scheme")
	// ErrRequestURI: the Request-URI carries a header component, which RFC 3261
	// §19.1.1 (table 1) forbids there.
	ErrRequestURI = errors.New("sipfast: Request-URI must not carry headers")
	// ErrAddress: a From, To or Contact value is not a well-formed name-addr or
	// addr-spec (unbalanced quotes or angle brackets; RFC 3261 §20.10).
	ErrAddress = errors.New("sipfast: malformed address")
)

// errPair is an error that matches two sentinels with errors.Is. It is only
// used for package-level values, so returning it never allocates.
type errPair struct {
	msg  string
	errs []error
}

// Error returns the message.
func (e *errPair) Error() string { return e.msg }

// Unwrap returns both sentinels, for errors.Is.
func (e *errPair) Unwrap() []error { return e.errs }

var (
	// errBodyShort: Content-Length announces more bytes than the datagram
	// holds (RFC 3261 §18.3: a UDP receiver answers 400).
	errBodyShort = &errPair{"sipfast: Content-Length exceeds the bytes received", []error{ErrContentLength, ErrTruncated}}
	// errCLTooLarge: on a stream, Content-Length exceeds the size limit.
	errCLTooLarge = &errPair{"sipfast: Content-Length exceeds the size limit", []error{ErrContentLength, ErrTooLarge}}
)
