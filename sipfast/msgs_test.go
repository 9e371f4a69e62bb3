package sipfast

import "strings"

// crlf turns a readable multi-line literal into a SIP message: "\n" becomes
// CRLF (RFC 3261 §7).
func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

const sdpOffer = `v=0
o=user1 53655765 2353687637 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 6000 RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
`

const sdpAnswer = `v=0
o=user2 1 1 IN IP4 192.0.2.20
s=-
c=IN IP4 192.0.2.20
t=0 0
m=audio 7000 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
`

// The messages of a basic call, as SIPp's uac/uas scenarios exchange them.
// Used by the allocation tests, the benchmarks and the differential test.
var (
	msgInvite = crlf(`INVITE sip:service@192.0.2.20:5060 SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4711-1-0;rport
From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001
To: <sip:service@192.0.2.20:5060>
Call-ID: 1-4711@192.0.2.10
CSeq: 1 INVITE
Contact: <sip:sipp@192.0.2.10:5060;transport=udp>
Max-Forwards: 70
User-Agent: gossip/0.1
Allow: INVITE, ACK, BYE, CANCEL, OPTIONS
Supported: timer, 100rel
Subject: Performance Test
Content-Type: application/sdp
Content-Length: 223

` + sdpOffer)

	msgRinging = crlf(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4711-1-0;rport=5060;received=192.0.2.10
From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001
To: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011
Call-ID: 1-4711@192.0.2.10
CSeq: 1 INVITE
Contact: <sip:192.0.2.20:5060;transport=UDP>
Content-Length: 0

`)

	msgOK = crlf(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4711-1-0;rport=5060;received=192.0.2.10
Record-Route: <sip:192.0.2.30;lr>
From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001
To: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011
Call-ID: 1-4711@192.0.2.10
CSeq: 1 INVITE
Contact: <sip:192.0.2.20:5060;transport=UDP>
Content-Type: application/sdp
Content-Length: 166

` + sdpAnswer)

	msgAck = crlf(`ACK sip:192.0.2.20:5060;transport=UDP SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4711-1-5
Route: <sip:192.0.2.30;lr>
From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001
To: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011
Call-ID: 1-4711@192.0.2.10
CSeq: 1 ACK
Contact: <sip:sipp@192.0.2.10:5060;transport=udp>
Max-Forwards: 70
Subject: Performance Test
Content-Length: 0

`)

	msgBye = crlf(`BYE sip:192.0.2.20:5060;transport=UDP SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-4711-1-7
Route: <sip:192.0.2.30;lr>
From: "sipp" <sip:sipp@192.0.2.10:5060>;tag=4711SIPpTag001
To: <sip:service@192.0.2.20:5060>;tag=9876SIPpTag011
Call-ID: 1-4711@192.0.2.10
CSeq: 2 BYE
Contact: <sip:sipp@192.0.2.10:5060;transport=udp>
Max-Forwards: 70
Subject: Performance Test
Content-Length: 0

`)

	msgRegister = crlf(`REGISTER sip:registrar.example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg-1;rport
Max-Forwards: 70
From: <sip:alice@example.com>;tag=reg-tag-1
To: <sip:alice@example.com>
Call-ID: reg-1@192.0.2.10
CSeq: 1 REGISTER
Contact: <sip:alice@192.0.2.10:5060>;expires=3600
Expires: 3600
Content-Length: 0

`)
)

// benchMsgs are the messages of BenchmarkParse, in report order.
var benchMsgs = []struct {
	name string
	msg  []byte
}{
	{"INVITE", msgInvite},
	{"180", msgRinging},
	{"200", msgOK},
	{"ACK", msgAck},
	{"BYE", msgBye},
}
