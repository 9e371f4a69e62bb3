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

// nameHash hashes one more lower-case name byte into h. Parse computes it
// while it scans a header name, so identifying the header costs one probe of
// longTab and one comparison.
func nameHash(h uint32, lc byte) uint32 { return h*31 + uint32(lc) }

const longTabSize = 256 // power of two, > 4 × the number of long names

// longTab is an open-addressing table from the hash of a lower-case long
// name to its ID (0 = empty slot).
var longTab = func() (t [longTabSize]HeaderID) {
	for id := HeaderID(1); id < numHeaderIDs; id++ {
		var h uint32
		for i := 0; i < len(hdrInfos[id].name); i++ {
			h = nameHash(h, lowerTab[hdrInfos[id].name[i]])
		}
		s := h & (longTabSize - 1)
		for t[s] != 0 {
			s = (s + 1) & (longTabSize - 1)
		}
		t[s] = id
	}
	return
}()

// lookupLong finds the ID of a long header name whose lower-case hash is h.
func lookupLong[T string | []byte](name T, h uint32) HeaderID {
	s := h & (longTabSize - 1)
	for {
		id := longTab[s]
		if id == 0 {
			return HOther
		}
		if equalFold(name, hdrInfos[id].name) {
			return id
		}
		s = (s + 1) & (longTabSize - 1)
	}
}

// headerID identifies a header name (already trimmed).
func headerID[T string | []byte](name T) HeaderID {
	switch len(name) {
	case 0:
		return HOther
	case 1:
		return compactTab[name[0]]
	}
	var h uint32
	for i := 0; i < len(name); i++ {
		h = nameHash(h, lowerTab[name[i]])
	}
	return lookupLong(name, h)
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
