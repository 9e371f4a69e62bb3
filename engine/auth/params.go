package auth

import "fmt"

// seen records which parameters a challenge or credentials carried, to
// refuse duplicates (RFC 7616 §3.3, §3.4: each parameter at most once).
type seen uint32

const (
	seenRealm seen = 1 << iota
	seenNonce
	seenOpaque
	seenDomain
	seenAlgorithm
	seenQOP
	seenStale
	seenUserHash
	seenCharset
	seenUsername
	seenURI
	seenResponse
	seenCNonce
	seenNC
)

func (s *seen) mark(bit seen, name []byte) error {
	if *s&bit != 0 {
		return fmt.Errorf("%w: parameter %q appears twice", ErrMalformed, name)
	}
	*s |= bit
	return nil
}

// digestParam is one parameter a Digest challenge or credentials knows:
// its name, the bit that refuses it twice, and the field that keeps its
// value as sent (raw: without quotes, with quoted-pair escapes kept), or
// nil when the caller decodes the value.
type digestParam struct {
	name string
	bit  seen
	raw  *[]byte
}

// readParam reads one item of a Digest auth-param list, as the scanner
// cuts it (RFC 7235 §2.1, RFC 3261 §25.1: token "=" ( token /
// quoted-string )), for a challenge or credentials ("challenge" or
// "credentials" in what). A token68 there is ErrMalformed. A name in
// params (compared case-insensitively) is marked in s, ErrMalformed if it
// was already, and its raw field, if any, set to the value; its bit is
// returned so the caller can decode the value. A name not in params
// returns 0: RFC 7616 §3.3, "Any unrecognized directive MUST be ignored".
func readParam(it *item, s *seen, what string, params []digestParam) (seen, error) {
	if it.kind != itemParam {
		return 0, fmt.Errorf("%w: Digest %s with a token68 %q", ErrMalformed, what, it.value)
	}
	for i := range params {
		p := &params[i]
		if !equalFold(it.name, p.name) {
			continue
		}
		if err := s.mark(p.bit, it.name); err != nil {
			return 0, err
		}
		if p.raw != nil {
			*p.raw = it.value
		}
		return p.bit, nil
	}
	return 0, nil
}
