package sipfast

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The RFC 4475 torture messages live outside the repository, beside the
// clone: ../shared/rfc4475 from the project root, i.e. ../../shared/rfc4475
// from this package. GOSSIP_RFC4475 overrides the location.
func rfc4475Dir(t testing.TB) string {
	dir := os.Getenv("GOSSIP_RFC4475")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "rfc4475")
	}
	if _, err := os.Stat(filepath.Join(dir, "valid")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("RFC 4475 messages not found at %s (set GOSSIP_RFC4475): %v", dir, err)
		}
		t.Skipf("RFC 4475 messages not found at %s (set GOSSIP_RFC4475); the testdata fixtures still run", dir)
	}
	return dir
}

// rfc4475Valid: RFC 4475 §3.1.1. Each parses and yields exact field values.
var rfc4475Valid = map[string]want{
	// §3.1.1.8 Extra trailing octets in a UDP datagram: a second message
	// follows; Content-Length 0 ends the first.
	"dblreq.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "dblreq.0ha0isndaksdj99sdfafnl3lk233412",
		cseq: 8, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw23492", fromTag: "43251j3j324",
		length: 300,
	},
	// §3.1.1.3 Valid use of the % escaping mechanism; a folded Contact; "C:".
	"esc01.dat": {
		method: "INVITE", uri: "sip:sips%3Auser%40example.com@example.net", callID: "esc01.239409asdfakjkn23onasd0-3234",
		cseq: 234234, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "938",
		clen: 150, bodyLen: 150, bodyPrefix: "v=0\r\n",
		headers: map[string]string{
			"Contact":      "<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>",
			"Content-Type": "application/sdp",
			"To":           "sip:%75se%72@example.com",
		},
	},
	// §3.1.1.5 Use of % when it is not an escape: "C%6Fntact" is another
	// header, not Contact.
	"esc02.dat": {
		method: "RE%47IST%45R", uri: "sip:registrar.example.com", callID: "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
		cseq: 29344, cseqMethod: "RE%47IST%45R", branch: "z9hG4bK209%fzsnel234", fromTag: "f232jadfj23",
		headers: map[string]string{"C%6Fntact": "<sip:alias2@host2.example.com>"},
		appendHeaders: map[string]string{
			"Contact:": "<sip:alias1@host1.example.com>, <sip:alias3@host3.example.com>",
		},
	},
	// §3.1.1.4 Escaped nulls in URIs; "L:0".
	"escnull.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
		cseq: 14398234, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "839923423",
		appendHeaders: map[string]string{"Contact": "<sip:%00@host5.example.com>, <sip:%00%00@host5.example.com>"},
	},
	// §3.1.1.2 Wide range of valid characters.
	"intmeth.dat": {
		method: "!interesting-Method0123456789_*+`.%indeed'~",
		uri:    "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
		callID: "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
		cseq:   139122385, cseqMethod: "!interesting-Method0123456789_*+`.%indeed'~",
		branch: "z9hG4bK-.!%66*_+`'~", fromTag: "_token~1'+`*%!-.",
		headers: map[string]string{
			"extensionHeader-!.%*+_`'~": "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb",
			"Max-Forwards":              "255",
		},
	},
	// §3.1.1.7 Long values in header fields; 34 Via header fields in every
	// spelling of "Via" and "v", with whitespace before the colon.
	"longreq.dat": {
		method: "INVITE", uri: "sip:user@example.com",
		callID: "longreq.one" + strings.Repeat("really", 20) + "longcallid",
		cseq:   3882340, cseqMethod: "INVITE", branch: "",
		fromTag: "12982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982982424",
		clen:    150, bodyLen: 150, bodyPrefix: "v=0\r\n",
		headers: map[string]string{"Via": "SIP/2.0/TCP sip33.example.com", "l": "150"},
	},
	// §3.1.1.6 No LWS between display name and "<".
	"lwsdisp.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "lwsdisp.1234abcd@funky.example.com",
		cseq: 60, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw", fromTag: "323",
	},
	// §3.1.1.11 Multipart MIME message with a binary part.
	"mpart01.dat": {
		method: "MESSAGE", uri: "sip:kumiko@example.org", callID: "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..",
		cseq: 1, cseqMethod: "MESSAGE", branch: "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", fromTag: "2fb0dcc9",
		clen: 553, bodyLen: 553, bodyPrefix: "--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n",
		headers: map[string]string{"Content-Type": "multipart/mixed;boundary=7a9cbec02ceef655", "Route": "<sip:127.0.0.1:5080>"},
	},
	// §3.1.1.13 Empty reason phrase.
	"noreason.dat": {
		status: 100, reason: "", callID: "noreason.asndj203insdf99223ndf",
		cseq: 35, cseqMethod: "INVITE", branch: "z9hG4bK2398ndaoe", fromTag: "39ansfi3", toTag: "902jndnke3",
	},
	// §3.1.1.9 Semicolon-separated parameters in the URI user part; folded
	// Accept.
	"semiuri.dat": {
		method: "OPTIONS", uri: "sip:user;par=u%40example.net@example.com", callID: "semiuri.0ha0isndaksdj",
		cseq: 8, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw", fromTag: "33242",
		headers: map[string]string{
			"Accept": "application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag",
		},
	},
	// §3.1.1.10 Varied and unknown transport types.
	"transports.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "transports.kijh4akdnaqjkwendsasfdj",
		cseq: 60, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw", fromTag: "323",
	},
	// §3.1.1.12 Unusual reason phrase (UTF-8).
	"unreason.dat": {
		status: 200, callID: "unreason.1234ksdfak3j2erwedfsASdf",
		reason: "= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5",
		cseq:   35, cseqMethod: "INVITE", branch: "z9hG4bK1324923", fromTag: "11141343", toTag: "2229",
		clen: 154, bodyLen: 154, bodyPrefix: "v=0\r\n",
	},
	// §3.1.1.1 A short tortuous INVITE: folding everywhere, whitespace
	// around ':' and '=', escaped quotes in a display name, empty Subject.
	"wsinv.dat": {
		method: "INVITE", uri: "sip:vivekg@chair-dnrc.example.com;unknownparam", callID: "wsinv.ndaksdj@192.0.2.1",
		cseq: 9, cseqMethod: "INVITE", branch: "390skdjuw", fromTag: "98asjd8", toTag: "1918181833n",
		clen: 150, bodyLen: 150, bodyPrefix: "v=0\r\n",
		headers: map[string]string{
			"NewFangledHeader":              "newfangled value continued newfangled value",
			"UnknownHeaderWithUnusualValue": ";;,,;;,;",
			"Subject":                       "",
			"Max-Forwards":                  "0068",
			"Via":                           "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw",
			"Route":                         "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
			"Contact":                       `"Quoted string \"\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33`,
		},
		appendHeaders: map[string]string{
			// Each line fold becomes one SP; other whitespace stays.
			"Via": "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw, " +
				"SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , " +
				"SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239",
		},
	},
}

// rfc4475Invalid: RFC 4475 §3.1.2. Framing and start-line errors are
// rejected by Parse with the sentinel that says why. The others are
// accepted by Parse (leniently, as stated per message) and Validate says
// what a UAS owes, where it can tell.
var rfc4475Invalid = map[string]want{
	// §3.1.2.14 Spaces within addr-spec: accepted; the URI is trimmed.
	"badaspec.dat": {
		method: "OPTIONS", uri: "sip:user@example.org", callID: "badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3",
		cseq: 3923239, cseqMethod: "OPTIONS", branch: "z9hG4bKkdju43234", fromTag: "433423",
	},
	// §3.1.2.12 Invalid time zone in Date: accepted; Date is not parsed.
	"baddate.dat": {
		method: "INVITE", uri: "sip:user@example.com", callID: "baddate.239423mnsadf3j23lj42--sedfnm234",
		cseq: 1392934, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "2234923",
		clen: 150, bodyLen: 150, bodyPrefix: "v=0",
	},
	// §3.1.2.15 Non-token characters in display name. Accepted by Parse (it
	// also lacks the final empty line, tolerated at the end of a datagram);
	// the comma splits From, so there is no tag; Validate: 400.
	"baddn.dat": {
		method: "OPTIONS", uri: "sip:t.watson@example.org", callID: "baddn.31415@c.example.com",
		cseq: 3923239, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw",
		status400: 400, validateErr: ErrAddress,
	},
	// §3.1.2.1 Extraneous header field separators: Via has no sent-by
	// parameters worth the name; Validate: 400.
	"badinv01.dat": {
		method: "INVITE", uri: "sip:user@example.com", callID: "badinv01.0ha0isndaksdjasdf3234nas",
		cseq: 8, cseqMethod: "INVITE", fromTag: "134161461246",
		clen: 152, bodyLen: 152, bodyPrefix: "v=0", status400: 400, validateErr: ErrHeader,
	},
	// §3.1.2.16 Unknown protocol version.
	"badvers.dat": {err: ErrVersion, skipFields: true},
	// §3.1.2.19 Overlarge response code.
	"bigcode.dat": {err: ErrStatusCode, skipFields: true},
	// §3.1.2.2 Content-Length larger than the message.
	"clerr.dat": {
		err: ErrContentLength, err2: ErrTruncated,
		method: "INVITE", uri: "sip:user@example.com", callID: "clerr.0ha0isndaksdjweiafasdk3",
		cseq: 8, cseqMethod: "INVITE", branch: "z9hG4bK-39234-23523", fromTag: "93942939o2", clen: 9999,
	},
	// §3.1.2.11 Escaped headers in the Request-URI: accepted; Validate: 400.
	"escruri.dat": {
		method: "INVITE", uri: "sip:user@example.com?Route=%3Csip:example.com%3E",
		callID: "escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5",
		cseq:   149209342, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "341518",
		clen: 150, bodyLen: 150, bodyPrefix: "v=0", status400: 400, validateErr: ErrRequestURI,
	},
	// §3.1.2.7 <> enclosing the Request-URI.
	"ltgtruri.dat": {err: ErrStartLine, skipFields: true},
	// §3.1.2.8 Embedded LWS in the Request-URI.
	"lwsruri.dat": {err: ErrStartLine, skipFields: true},
	// §3.1.2.9 Multiple SP separating Request-Line elements.
	"lwsstart.dat": {err: ErrStartLine, skipFields: true},
	// §3.1.2.10 SP at the end of the Request-Line.
	"trws.dat": {err: ErrStartLine, skipFields: true},
	// §3.1.2.17 Start line and CSeq method mismatch: accepted; Validate: 400.
	"mismatch01.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "mismatch01.dj0234sxdfl3",
		cseq: 8, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "34525",
		status400: 400, validateErr: ErrCSeqMethod,
	},
	// §3.1.2.18 Unknown method with CSeq method mismatch: accepted; 400.
	"mismatch02.dat": {
		method: "NEWMETHOD", uri: "sip:user@example.com", callID: "mismatch02.dj0234sxdfl3",
		cseq: 8, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "34525",
		clen: 138, bodyLen: 138, bodyPrefix: "v=0", status400: 400, validateErr: ErrCSeqMethod,
	},
	// §3.1.2.3 Negative Content-Length.
	"ncl.dat": {
		err: ErrContentLength, method: "INVITE", uri: "sip:user@example.com", callID: "ncl.0ha0isndaksdj2193423r542w35",
		cseq: 0, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "32394234", clen: -1,
	},
	// §3.1.2.6 Unterminated quoted string in the display name: accepted;
	// To has no tag and no URI; Validate: 400.
	"quotbal.dat": {
		method: "INVITE", uri: "sip:user@example.com", callID: "quotbal.aksdj",
		cseq: 8, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw39234", fromTag: "93334",
		clen: 152, bodyLen: 152, bodyPrefix: "v=0", status400: 400, validateErr: ErrAddress,
	},
	// §3.1.2.13 Failure to enclose a name-addr URI in <>: accepted; 400.
	"regbadct.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "regbadct.k345asrl3fdbv@10.0.0.1",
		cseq: 1, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "998332",
		status400: 400, validateErr: ErrAddress,
	},
	// §3.1.2.4 Request scalar fields with overlarge values: CSeq rejected.
	"scalar02.dat": {
		err: ErrCSeq, method: "REGISTER", uri: "sip:example.com", callID: "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32",
		branch: "z9hG4bK342sdfoi3", fromTag: "239232jh3", status400: 400, validateErr: ErrCSeq,
		headers: map[string]string{"Max-Forwards": "300", "Expires": "1" + strings.Repeat("0", 100)},
	},
	// §3.1.2.5 Response scalar fields with overlarge values: CSeq rejected.
	"scalarlg.dat": {
		err: ErrCSeq, status: 503, reason: "Service Unavailable", callID: "scalarlg.noase0of0234hn2qofoaf0232aewf2394r",
		branch: "z9hG4bKzzxdiwo34sw", fromTag: "2easdjfejw", status400: 400, validateErr: ErrCSeq,
	},
}

// rfc4475Semantic: RFC 4475 §3.2-§3.4. Framed and indexed; Validate says
// what a UAS owes where RFC 3261 alone decides it (400, 416).
var rfc4475Semantic = map[string]want{
	// §3.2.1 Missing transaction identifier: the branch is the bare cookie.
	"badbranch.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "badbranch.sadonfo23i420jv0as0derf3j3n",
		cseq: 8, cseqMethod: "OPTIONS", branch: "z9hG4bK", fromTag: "33242",
	},
	// §3.3.10 200 OK with a broadcast Via.
	"bcast.dat": {
		status: 200, reason: "OK", callID: "bcast.0384840201234ksdfak3j2erwedfsASdf",
		cseq: 35, cseqMethod: "INVITE", branch: "z9hG4bK1324923", fromTag: "11141343", toTag: "2229",
		clen: 154, bodyLen: 154, bodyPrefix: "v=0",
		appendHeaders: map[string]string{
			"v": "SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923, SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23",
		},
	},
	// §3.3.5 Require and Proxy-Require with unknown extensions (420 is the
	// engine's call).
	"bext01.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "bext01.0ha0isndaksdj",
		cseq: 8, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw", fromTag: "242etr",
		headers: map[string]string{
			"Require":       "nothingSupportsThis, nothingSupportsThisEither",
			"Proxy-Require": "noProxiesSupportThis, norDoAnyProxiesSupportThis",
		},
	},
	// §3.3.12 Contact header parameter vs URI parameter.
	"cparam01.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "cparam01.70710@saturn.example.com",
		cseq: 2, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "DkfVgjkrtMwaerKKpe",
		headers: map[string]string{"Contact": "sip:+19725552222@gw1.example.net;unknownparam"},
	},
	// §3.3.13 REGISTER with a url-parameter.
	"cparam02.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "cparam02.70710@saturn.example.com",
		cseq: 3, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "838293",
	},
	// §3.3.1 Missing required header fields: indexed, ErrNoCallID; 400.
	"insuf.dat": {
		err: ErrNoCallID, method: "INVITE", uri: "sip:user@example.com",
		cseq: 193942, cseqMethod: "INVITE", branch: "z9hG4bKkdj.insuf",
		clen: 152, bodyLen: 152, bodyPrefix: "v=0", status400: 400, validateErr: ErrMissingHeader,
	},
	// §3.4.1 INVITE with RFC 2543 syntax: no branch, no tag, no
	// Max-Forwards, no Content-Length (the body is the rest of the datagram).
	"inv2543.dat": {
		method: "INVITE", uri: "sip:UserB@example.com", callID: "inv2543.1717@ift.client.example.com",
		cseq: 56, cseqMethod: "INVITE", clen: -1, bodyLen: 105, bodyPrefix: "v=0",
		headers: map[string]string{"Record-Route": "<sip:UserB@example.com;maddr=ss1.example.com>"},
	},
	// §3.3.6 Unknown Content-Type (415 is the engine's call).
	"invut.dat": {
		method: "INVITE", uri: "sip:user@example.com", callID: "invut.0ha0isndaksdjadsfij34n23d",
		cseq: 235448, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "8392034",
		clen: 40, bodyLen: 40, bodyPrefix: "<audio>",
		headers: map[string]string{"Content-Type": "application/unknownformat"},
	},
	// §3.3.9 Multiple Content-Length values: the framing is ambiguous, so
	// Parse rejects it; the header section is still indexed; 400.
	"mcl01.dat": {
		err: ErrContentLength, method: "OPTIONS", uri: "sip:user@example.com", callID: "mcl01.fhn2323orihawfdoa3o4r52o3irsdf",
		cseq: 15932, cseqMethod: "OPTIONS", branch: "z9hG4bK293423", fromTag: "3923942", clen: -1,
		status400: 400, validateErr: ErrDuplicateHeader,
	},
	// §3.3.8 Multiple values in single-value required fields: the first
	// value wins; Validate: 400.
	"multi01.dat": {
		method: "INVITE", uri: "sip:user@company.com", callID: "multi01.98asdh@192.0.2.1",
		cseq: 5, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "3413415",
		clen: 154, bodyLen: 154, bodyPrefix: "v=0", status400: 400, validateErr: ErrDuplicateHeader,
		appendHeaders: map[string]string{"Call-ID": "multi01.98asdh@192.0.2.1, multi01.98asdh@192.0.2.2"},
	},
	// §3.3.3 Request-URI with a known but atypical scheme: 416.
	"novelsc.dat": {
		method: "OPTIONS", uri: "soap.beep://192.0.2.103:3002", callID: "novelsc.asdfasser0q239nwsdfasdkl34",
		cseq: 3923423, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw39234", fromTag: "384",
		status400: 416, validateErr: ErrURIScheme,
	},
	// §3.3.7 Unknown authorization scheme (401 is the engine's call).
	"regaut01.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "regaut01.0ha0isndaksdj",
		cseq: 9338, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "87321hj23128",
		headers: map[string]string{"Authorization": "NoOneKnowsThisScheme opaque-data=here"},
	},
	// §3.3.14 REGISTER with an escaped header in a Contact URI ("M:", "L:").
	"regescrt.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "regescrt.k345asrl3fdbv@192.0.2.1",
		cseq: 14398234, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "8",
		headers: map[string]string{"Contact": "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>"},
	},
	// §3.3.15 Unacceptable Accept offering (406 is the engine's call).
	"sdp01.dat": {
		method: "INVITE", uri: "sip:user@example.com", callID: "sdp01.ndaksdj9342dasdd",
		cseq: 8, cseqMethod: "INVITE", branch: "z9hG4bKkdjuw", fromTag: "234",
		clen: 150, bodyLen: 150, bodyPrefix: "v=0",
	},
	// §3.3.2 Request-URI with an unknown scheme: 416.
	"unkscm.dat": {
		method: "OPTIONS", uri: "nobodyKnowsThisScheme:totallyopaquecontent", callID: "unkscm.nasdfasser0q239nwsdfasdkl34",
		cseq: 3923423, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw39234", fromTag: "384",
		status400: 416, validateErr: ErrURIScheme,
	},
	// §3.3.4 Unknown URI schemes in header fields: indexed as they are.
	"unksm2.dat": {
		method: "REGISTER", uri: "sip:example.com", callID: "unksm2.daksdj@hyphenated-host.example.com",
		cseq: 234902, cseqMethod: "REGISTER", branch: "z9hG4bKkdjuw", fromTag: "3234233",
		headers: map[string]string{"To": "isbn:2983792873", "Contact": "<name:John_Smith>"},
	},
	// §3.3.11 Max-Forwards of zero.
	"zeromf.dat": {
		method: "OPTIONS", uri: "sip:user@example.com", callID: "zeromf.jfasdlfnm2o2l43r5u0asdfas",
		cseq: 39234321, cseqMethod: "OPTIONS", branch: "z9hG4bKkdjuw2349i", fromTag: "3ghsd41",
		headers: map[string]string{"Max-Forwards": "0"},
	},
}

func TestRFC4475(t *testing.T) {
	dir := rfc4475Dir(t)
	for _, c := range []struct {
		folder string
		table  map[string]want
	}{
		{"valid", rfc4475Valid},
		{"invalid", rfc4475Invalid},
		{"semantic", rfc4475Semantic},
	} {
		t.Run(c.folder, func(t *testing.T) {
			checkTable(t, corpusFiles(t, filepath.Join(dir, c.folder), "*.dat"), c.table)
		})
	}
}

// TestRFC4475Details checks what the table cannot say.
func TestRFC4475Details(t *testing.T) {
	dir := rfc4475Dir(t)
	read := func(name string) *Message {
		t.Helper()
		buf, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m := new(Message)
		_ = m.Parse(buf)
		return m
	}

	// longreq: 34 Via header fields in every case and spacing; the branch
	// is on the last one.
	m := read("valid/longreq.dat")
	if got := m.Count(HVia); got != 34 {
		t.Errorf("longreq: %d Via header fields, want 34", got)
	}
	var last []byte
	it := m.Vias()
	n := 0
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		last = v
		n++
	}
	if n != 34 {
		t.Errorf("longreq: %d Via elements, want 34", n)
	}
	if b, _ := Param(last, "branch"); !strings.HasPrefix(string(b), "verylong") || !strings.HasSuffix(string(b), "branchvalue") {
		t.Errorf("longreq: last branch %q", b)
	}
	if r, _ := Param(last, "received"); string(r) != "192.0.2.5" {
		t.Errorf("longreq: last received %q", r)
	}

	// wsinv: the second Via header holds two elements split over folds.
	m = read("valid/wsinv.dat")
	it = m.Vias()
	var vias []Via
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		pv, ok := ParseVia(v)
		if !ok {
			t.Fatalf("wsinv: ParseVia(%q) failed", v)
		}
		vias = append(vias, pv)
	}
	if len(vias) != 3 || string(vias[0].Transport) != "UDP" || string(vias[0].Host) != "192.0.2.2" ||
		string(vias[1].Transport) != "TCP" || string(vias[1].Host) != "spindle.example.com" ||
		string(vias[2].Host) != "192.168.255.111" {
		t.Errorf("wsinv: Vias %+v", vias)
	}
	if b, _ := Param(vias[2].Params, "branch"); string(b) != "z9hG4bK30239" {
		t.Errorf("wsinv: third branch %q", b)
	}
	if got := string(m.FromURI()); got != "sip:jdrosen@example.com" {
		t.Errorf("wsinv: FromURI %q", got)
	}
	a, ok := ParseAddr(m.From())
	if !ok || string(a.Display) != `J Rosenberg \\\"` {
		t.Errorf("wsinv: From display %q (%v)", a.Display, ok)
	}
	if got := string(m.ContactURI()); got != "sip:jdrosen@example.com" {
		t.Errorf("wsinv: ContactURI %q", got)
	}
	if q, _ := Param(m.Contact(), "q"); string(q) != "0.33" {
		t.Errorf("wsinv: Contact q %q", q)
	}

	// dblreq: the second message starts at Len() and parses on its own.
	m = read("valid/dblreq.dat")
	var m2 Message
	if err := m2.Parse(m.Bytes()[m.Len():]); err != nil || !m2.IsMethod("INVITE") ||
		string(m2.CallID()) != "dblreq.0ha0isnda977644900765@192.0.2.15" || m2.ContentLength() != 150 {
		t.Errorf("dblreq second message: %v %q %q %d", err, m2.Method(), m2.CallID(), m2.ContentLength())
	}

	// transports: one Via per transport, in order.
	m = read("valid/transports.dat")
	it = m.Vias()
	var tr []string
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		pv, _ := ParseVia(v)
		tr = append(tr, string(pv.Transport))
	}
	if strings.Join(tr, ",") != "UDP,SCTP,TLS,UNKNOWN,TCP" {
		t.Errorf("transports: %v", tr)
	}

	// lwsdisp, esc01: URIs of From and To.
	if got := string(read("valid/lwsdisp.dat").FromURI()); got != "sip:caller@example.com" {
		t.Errorf("lwsdisp: FromURI %q", got)
	}
	if got := string(read("valid/esc01.dat").FromURI()); got != "sip:I%20have%20spaces@example.net" {
		t.Errorf("esc01: FromURI %q", got)
	}

	// mpart01: rport without value.
	m = read("valid/mpart01.dat")
	if p, ok := m.ViaRport(); !ok || p != 0 {
		t.Errorf("mpart01: ViaRport %d %v", p, ok)
	}
	if got := string(m.ViaSentBy()); got != "127.0.0.1:5070" {
		t.Errorf("mpart01: ViaSentBy %q", got)
	}
}
