package sipfast

// HeaderID is the canonical identity of a well-known header field, shared by
// its long and compact forms (RFC 3261 §7.3.3). Parse stores one per header
// so that lookups of well-known headers cost one array read. Header names
// that are not well known have ID HOther and are found by name.
type HeaderID uint8

// Well-known header IDs. The compact form, where one exists, follows the
// long name in the comment with the RFC that assigns it.
const (
	HOther              HeaderID = iota // not a well-known header
	HVia                                // Via, v (RFC 3261 §20.42)
	HCallID                             // Call-ID, i (RFC 3261 §20.8)
	HCSeq                               // CSeq (RFC 3261 §20.16)
	HFrom                               // From, f (RFC 3261 §20.20)
	HTo                                 // To, t (RFC 3261 §20.39)
	HContact                            // Contact, m (RFC 3261 §20.10)
	HContentLength                      // Content-Length, l (RFC 3261 §20.14)
	HContentType                        // Content-Type, c (RFC 3261 §20.15)
	HContentEncoding                    // Content-Encoding, e (RFC 3261 §20.12)
	HMaxForwards                        // Max-Forwards (RFC 3261 §20.22)
	HRoute                              // Route (RFC 3261 §20.34)
	HRecordRoute                        // Record-Route (RFC 3261 §20.30)
	HSubject                            // Subject, s (RFC 3261 §20.36)
	HSupported                          // Supported, k (RFC 3261 §20.37)
	HEvent                              // Event, o (RFC 6665 §8.2.1)
	HReferTo                            // Refer-To, r (RFC 3515 §2.1)
	HReferredBy                         // Referred-By, b (RFC 3892 §3)
	HRejectContact                      // Reject-Contact, j (RFC 3841 §9.2)
	HRequestDisposition                 // Request-Disposition, d (RFC 3841 §9.1)
	HSessionExpires                     // Session-Expires, x (RFC 4028 §4)
	HIdentity                           // Identity, y (RFC 8224 §4)
	HIdentityInfo                       // Identity-Info, n (RFC 4474 §9)
	HAllowEvents                        // Allow-Events, u (RFC 6665 §8.2.2)
	HAcceptContact                      // Accept-Contact, a (RFC 3841 §9.2)
	HExpires                            // Expires (RFC 3261 §20.19)
	HMinExpires                         // Min-Expires (RFC 3261 §20.23)
	HRequire                            // Require (RFC 3261 §20.32)
	HProxyRequire                       // Proxy-Require (RFC 3261 §20.29)
	HUnsupported                        // Unsupported (RFC 3261 §20.40)
	HAllow                              // Allow (RFC 3261 §20.5)
	HAccept                             // Accept (RFC 3261 §20.1)
	HAuthorization                      // Authorization (RFC 3261 §20.7)
	HProxyAuthorization                 // Proxy-Authorization (RFC 3261 §20.28)
	HWWWAuthenticate                    // WWW-Authenticate (RFC 3261 §20.44)
	HProxyAuthenticate                  // Proxy-Authenticate (RFC 3261 §20.27)
	HAuthenticationInfo                 // Authentication-Info (RFC 3261 §20.6)
	HUserAgent                          // User-Agent (RFC 3261 §20.41)
	HServer                             // Server (RFC 3261 §20.35)
	HDate                               // Date (RFC 3261 §20.17)
	HTimestamp                          // Timestamp (RFC 3261 §20.38)
	HWarning                            // Warning (RFC 3261 §20.43)
	HRetryAfter                         // Retry-After (RFC 3261 §20.33)
	HContentDisposition                 // Content-Disposition (RFC 3261 §20.11)
	HRSeq                               // RSeq (RFC 3262 §7.1)
	HRAck                               // RAck (RFC 3262 §7.2)
	HPAssertedIdentity                  // P-Asserted-Identity (RFC 3325 §9.1)
	HPath                               // Path (RFC 3327 §4)
	HSubscriptionState                  // Subscription-State (RFC 6665 §8.2.3)
	HReplaces                           // Replaces (RFC 3891 §6.1)
	HPrivacy                            // Privacy (RFC 3323 §4.2)

	numHeaderIDs
)

// hdrInfo names a well-known header: its canonical long name and its compact
// letter (0 when it has none).
type hdrInfo struct {
	name    string
	compact byte
}

// hdrInfos is indexed by HeaderID.
var hdrInfos = [numHeaderIDs]hdrInfo{
	HOther:              {"", 0},
	HVia:                {"Via", 'v'},
	HCallID:             {"Call-ID", 'i'},
	HCSeq:               {"CSeq", 0},
	HFrom:               {"From", 'f'},
	HTo:                 {"To", 't'},
	HContact:            {"Contact", 'm'},
	HContentLength:      {"Content-Length", 'l'},
	HContentType:        {"Content-Type", 'c'},
	HContentEncoding:    {"Content-Encoding", 'e'},
	HMaxForwards:        {"Max-Forwards", 0},
	HRoute:              {"Route", 0},
	HRecordRoute:        {"Record-Route", 0},
	HSubject:            {"Subject", 's'},
	HSupported:          {"Supported", 'k'},
	HEvent:              {"Event", 'o'},
	HReferTo:            {"Refer-To", 'r'},
	HReferredBy:         {"Referred-By", 'b'},
	HRejectContact:      {"Reject-Contact", 'j'},
	HRequestDisposition: {"Request-Disposition", 'd'},
	HSessionExpires:     {"Session-Expires", 'x'},
	HIdentity:           {"Identity", 'y'},
	HIdentityInfo:       {"Identity-Info", 'n'},
	HAllowEvents:        {"Allow-Events", 'u'},
	HAcceptContact:      {"Accept-Contact", 'a'},
	HExpires:            {"Expires", 0},
	HMinExpires:         {"Min-Expires", 0},
	HRequire:            {"Require", 0},
	HProxyRequire:       {"Proxy-Require", 0},
	HUnsupported:        {"Unsupported", 0},
	HAllow:              {"Allow", 0},
	HAccept:             {"Accept", 0},
	HAuthorization:      {"Authorization", 0},
	HProxyAuthorization: {"Proxy-Authorization", 0},
	HWWWAuthenticate:    {"WWW-Authenticate", 0},
	HProxyAuthenticate:  {"Proxy-Authenticate", 0},
	HAuthenticationInfo: {"Authentication-Info", 0},
	HUserAgent:          {"User-Agent", 0},
	HServer:             {"Server", 0},
	HDate:               {"Date", 0},
	HTimestamp:          {"Timestamp", 0},
	HWarning:            {"Warning", 0},
	HRetryAfter:         {"Retry-After", 0},
	HContentDisposition: {"Content-Disposition", 0},
	HRSeq:               {"RSeq", 0},
	HRAck:               {"RAck", 0},
	HPAssertedIdentity:  {"P-Asserted-Identity", 0},
	HPath:               {"Path", 0},
	HSubscriptionState:  {"Subscription-State", 0},
	HReplaces:           {"Replaces", 0},
	HPrivacy:            {"Privacy", 0},
}

// String returns the canonical long name ("" for HOther).
func (id HeaderID) String() string {
	if id >= numHeaderIDs {
		return ""
	}
	return hdrInfos[id].name
}

// Compact returns the compact form letter of the header (RFC 3261 §7.3.3),
// or 0 when it has none.
func (id HeaderID) Compact() byte {
	if id >= numHeaderIDs {
		return 0
	}
	return hdrInfos[id].compact
}

// LookupHeader returns the ID of a header name given in long or compact form,
// in any case, with or without a trailing ':' ("Via", "v", "VIA:"). Names that
// are not well known give HOther.
func LookupHeader(name string) HeaderID {
	return headerID(trimName(name))
}

// lowerTab maps ASCII upper-case letters to lower case and every other byte
// to itself.
var lowerTab = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c) + 'a' - 'A'
	}
	return
}()

// tokenTab[c] is the lower-case form of c when c is a token character
// (RFC 3261 §25.1: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`"
// / "'" / "~"), and 0 otherwise.
var tokenTab = func() (t [256]byte) {
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c)
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
		t[c-'a'+'A'] = byte(c)
	}
	for _, c := range []byte("-.!%*_+`'~") {
		t[c] = c
	}
	return
}()

// compactTab maps a compact-form letter, either case, to its header ID.
var compactTab = func() (t [256]HeaderID) {
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		if c := hdrInfos[id].compact; c != 0 {
			t[c] = id
			t[c-'a'+'A'] = id
		}
	}
	return
}()

// Long header names are identified by a perfect hash of their length and
// first and last bytes (no per-byte hashing), then verified 8 bytes at a time.

// nameKey hashes a header name of length l with first and last bytes f and b
// into a longTab slot. |0x20 folds ASCII letters to lower case. The
// multiplier makes the hash perfect over the well-known names (a test keeps
// it so); collisions would still be resolved by probing.
func nameKey(l int, f, b byte) uint32 {
	return (uint32(f|0x20)<<16 | uint32(b|0x20)<<8 | uint32(l)) * 0xaa1906d9 >> 24
}

const longTabSize = 256 // 1 << (32-24): nameKey's range

// longTab is an open-addressing table from nameKey to header ID (0 = empty).
var longTab = func() (t [longTabSize]HeaderID) {
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		n := hdrInfos[id].name
		s := nameKey(len(n), n[0], n[len(n)-1])
		for t[s] != 0 {
			s = (s + 1) & (longTabSize - 1)
		}
		t[s] = id
	}
	return
}()

// nameWords is a lower-case long name as little-endian words: its first,
// middle (bytes 8..16) and last 8 bytes; a name shorter than 8 bytes is in
// w[0] (low bytes, selected by mask) and in w[2] (high bytes, selected by
// mask2), so that the first and the last word of any name can be compared
// alike. fold has 0x20 in the bytes that hold letters, so that x|fold folds
// exactly those to lower case.
type nameWords struct {
	n     int
	mask  uint64 // bytes of w[0] that belong to the name
	mask2 uint64 // bytes of w[2] that belong to the name
	w     [3]uint64
	fold  [3]uint64
}

// hdrLower holds the lower-case long names and hdrWords their words, by ID.
var hdrLower, hdrWords = func() (l [numHeaderIDs]string, w [numHeaderIDs]nameWords) {
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		b := []byte(hdrInfos[id].name)
		f := make([]byte, len(b))
		for i := range b {
			b[i] = lowerTab[b[i]]
			if b[i] >= 'a' && b[i] <= 'z' {
				f[i] = 0x20
			}
		}
		l[id] = string(b)
		nw := &w[id]
		nw.n = len(b)
		if len(b) < 8 {
			var pb, pf [8]byte
			copy(pb[:], b)
			copy(pf[:], f)
			nw.mask = 1<<(8*len(b)) - 1
			nw.w[0], nw.fold[0] = le64(pb[:]), le64(pf[:])
			pb, pf = [8]byte{}, [8]byte{}
			copy(pb[8-len(b):], b)
			copy(pf[8-len(b):], f)
			nw.mask2 = ^uint64(0) << (8 * (8 - len(b)))
			nw.w[2], nw.fold[2] = le64(pb[:]), le64(pf[:])
			continue
		}
		nw.mask, nw.mask2 = ^uint64(0), ^uint64(0)
		nw.w[0], nw.fold[0] = le64(b), le64(f)
		if len(b) > 16 {
			nw.w[1], nw.fold[1] = le64(b[8:]), le64(f[8:])
		}
		nw.w[2], nw.fold[2] = le64(b[len(b)-8:]), le64(f[len(f)-8:])
	}
	return
}()

// le64 loads 8 bytes little-endian (the compiler makes it one load).
func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// bufHeaderID identifies the header name buf[ns:ne] (two or more bytes of any
// kind) exactly, ignoring ASCII case: letters are compared with case folded,
// every other byte as is.
func bufHeaderID(buf []byte, ns, ne int) HeaderID {
	l := ne - ns
	s := nameKey(l, buf[ns], buf[ne-1])
	for {
		id := longTab[s]
		if id == 0 {
			return HOther
		}
		if w := &hdrWords[id]; w.n == l {
			switch {
			case l < 8 && ns+8 <= len(buf):
				if (le64(buf[ns:])|w.fold[0])&w.mask == w.w[0] {
					return id
				}
			case l < 8:
				if equalFold(buf[ns:ne], hdrLower[id]) {
					return id
				}
			default:
				if le64(buf[ns:])|w.fold[0] == w.w[0] && (l <= 16 || le64(buf[ns+8:])|w.fold[1] == w.w[1]) &&
					le64(buf[ne-8:])|w.fold[2] == w.w[2] {
					return id
				}
			}
		}
		s = (s + 1) & (longTabSize - 1)
	}
}

// SWAR helpers: find a byte in 8-byte words (the lowest set bit of
// hasZero(x) marks the first zero byte of x exactly).
const (
	ones64  = 0x0101010101010101
	highs64 = 0x8080808080808080
	colon64 = ':' * ones64
	lf64    = '\n' * ones64
)

// hasZero sets the high bit of the bytes of x that are zero (and possibly of
// bytes above a zero byte: only the lowest set bit is exact).
func hasZero(x uint64) uint64 { return (x - ones64) &^ x & highs64 }

// headerID identifies a header name (already trimmed) made of any bytes.
func headerID[T string | []byte](name T) HeaderID {
	switch len(name) {
	case 0:
		return HOther
	case 1:
		return compactTab[name[0]]
	}
	s := nameKey(len(name), name[0], name[len(name)-1])
	for {
		id := longTab[s]
		if id == 0 {
			return HOther
		}
		if equalFold(name, hdrLower[id]) {
			return id
		}
		s = (s + 1) & (longTabSize - 1)
	}
}

// equalFold reports whether a and b are equal under ASCII case folding.
func equalFold[A, B string | []byte](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerTab[a[i]] != lowerTab[b[i]] {
			return false
		}
	}
	return true
}

// trimName strips surrounding whitespace and one trailing ':' from a header
// name as written in a SIPp keyword ("[last_Via:]").
func trimName(name string) string {
	for len(name) > 0 && isWS(name[len(name)-1]) {
		name = name[:len(name)-1]
	}
	if len(name) > 0 && name[len(name)-1] == ':' {
		name = name[:len(name)-1]
	}
	for len(name) > 0 && isWS(name[len(name)-1]) {
		name = name[:len(name)-1]
	}
	for len(name) > 0 && isWS(name[0]) {
		name = name[1:]
	}
	return name
}

// isWS reports whether c is SP or HTAB (RFC 3261 §25.1 WSP).
func isWS(c byte) bool { return c == ' ' || c == '\t' }
