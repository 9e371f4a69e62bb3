// Package auth implements SIP digest authentication for the engine: the
// client side of SIPp's [authentication] keyword (answer a 401/407
// challenge) and the server side of SIPp's verifyauth action (check an
// Authorization header).
//
// # Standards
//
//   - RFC 2617 §3.2.1 challenge, §3.2.2 response, §3.2.2.2 A1 with MD5-sess,
//     §3.5 the worked example; RFC 2069's answer without qop (§2.1.2) is
//     kept for challenges that carry no qop.
//   - RFC 7616 §3.3 WWW-Authenticate parameters, §3.4.1 response, §3.4.2 A1
//     (and the -sess variants), §3.4.3 A2 (auth-int hashes the body),
//     §3.4.4 userhash, §3.7 choosing among several challenges, §3.9 the
//     worked examples (the SHA-512-256 one as corrected by erratum 4897:
//     the printed values use SHA-512 cut to 256 bits).
//   - RFC 8760: SHA-256 and SHA-512-256 (and -sess) for SIP; §2.3-§2.4, a
//     UAS lists its challenges most preferred first and a UAC answers the
//     topmost one it supports unless a local policy says otherwise.
//   - RFC 3261 §22.4, §25.1: the SIP grammar of challenge and credentials,
//     Proxy-Authenticate/Proxy-Authorization for 407.
//   - RFC 7235 §2.1: several challenges in one header value, token68.
//
// Algorithms: MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256,
// SHA-512-256-sess; qop auth, auth-int, or none. AKA (AKAv1-MD5, RFC 3310)
// is out of scope: it yields ErrUnsupportedAlgorithm naming it. username*
// (RFC 7616 §3.4 extended notation) is not sent: a username is sent as a
// quoted-string with '"' and '\' escaped, which carries UTF-8 in SIP.
//
// # Allocation
//
// ParseChallenge, SelectChallenge, ParseCredentials, AppendAuthorization
// (given room in dst) and Verify do not allocate when they succeed: parsed
// values are views into the header value, hashes are computed with the
// crypto packages' Sum functions over stack buffers. Errors allocate.
//
// # Client: SIPp's [authentication] keyword
//
// SIPp's rules, which the engine applies around this package:
//
//   - A <recv response="401"|"407" auth="true"> stores the challenge: the
//     Proxy-Authenticate header if the response has one, else
//     WWW-Authenticate (a response with neither is a fatal error). Each such challenge
//     resets the call's nonce count to 1; every [authentication] rendered
//     afterwards uses the count and increments it.
//   - [authentication] renders the whole header line: "Authorization: "
//     when the stored challenge came in a 401, "Proxy-Authorization: "
//     otherwise, then the value AppendAuthorization makes. Without a stored
//     challenge it is a fatal error. A message can carry one
//     [authentication] only; it must be in the headers, not the body.
//   - username= and password= parameters of the keyword (themselves
//     rendered, so they may hold keywords such as [field1]); without
//     username=, the -au value, and without -au, the -s service name
//     (default "service"); without password=, the -ap value (default
//     "password").
//   - An injection-file field whose value contains "[authentication ...]"
//     is parsed as that keyword when the field is rendered.
//   - The digest-uri is "sip:" followed by -auth_uri when it is set, else
//     "sip:" remote_ip ":" remote_port. It is not the Request-URI, as RFC
//     3261 would have it; the engine passes SIPp's value to stay
//     compatible.
//   - auth-int hashes the rendered message's body: what follows the first
//     CRLF CRLF, after keyword substitution and [len].
//   - SIPp answers auth-int when the challenge offers it, else auth, and
//     RFC 2069 when there is no qop (PreferAuthInt, the zero value); its
//     cnonce is a random hex number.
//   - Where SIPp deviates, gossip is correct: SIPp 3.6 answers only MD5
//     (and AKA) and treats "MD5-sess" as MD5 (it compares the first three
//     letters); gossip answers every algorithm above, -sess included.
//
// The output is byte-for-byte what SIPp sends for the same inputs and
// cnonce (the interop test checks it against the real sipp):
//
//	Digest username="alice",realm="r",cnonce="6b8b4567",nc=00000001,qop=auth,uri="sip:127.0.0.1:5060",nonce="n",response="…",algorithm=MD5,opaque="o"
//
// # Server: SIPp's verifyauth action
//
// verifyauth assign_to=, username=, password= reads the request's
// Authorization header (not Proxy-Authorization), its method (from the
// request line) and its body (after the first CRLF CRLF), recomputes the
// response from the username and password given and the realm, nonce,
// uri, cnonce, nc, qop and algorithm the header carries, and sets a
// boolean variable: VerifyHeader with Expect{Username, Password, Method,
// Body} does exactly this, and its error says why a check failed. SIPp
// checks neither that the nonce is one it issued nor that the uri is the
// Request-URI; Expect's Nonce, Realm and URI add those checks for callers
// that want them.
package auth
