package sipfast

import "testing"

// fixtures are the hand-written messages in testdata/*.sip: the same kinds
// of trouble as RFC 4475 (compact forms, folding, escapes, multipart bodies,
// wrong Content-Length, bad versions, huge and negative numbers), so the
// suite stays meaningful without the RFC files.
var fixtures = map[string]want{
	"valid-compact.sip": {
		method: "INVITE", uri: "sip:bob@example.org", callID: "compact-1@198.51.100.1",
		cseq: 101, cseqMethod: "INVITE", branch: "z9hG4bKcompact1", fromTag: "c0mpact-f",
		clen: 138, bodyLen: 138, bodyPrefix: "v=0\r\n",
		headers: map[string]string{
			"Event": "presence", "Refer-To": "<sip:carol@example.net>",
			"Referred-By": "<sip:alice@example.com>", "Reject-Contact": "*;audio",
			"Request-Disposition": "proxy, recurse", "Session-Expires": "1800;refresher=uac",
			"Identity": "aWRlbnRpdHk", "Identity-Info": "<https://example.com/cert>;alg=rsa-sha1",
			"Allow-Events": "presence, dialog", "Accept-Contact": "*;video",
			"Supported": "timer, 100rel", "Subject": "compact forms", "Content-Encoding": "identity",
			"Content-Type": "application/sdp", "Contact": "<sip:alice@198.51.100.1>",
			"Content-Length:": "138", "From": `"Alice" <sip:alice@example.com>;tag=c0mpact-f`,
			"To": "<sip:bob@example.org>", "Route": absent,
		},
	},
	"valid-folding.sip": {
		method: "SUBSCRIBE", uri: "sip:presence@example.org", callID: "folding-1@client.example.com",
		cseq: 4711, cseqMethod: "SUBSCRIBE", branch: "z9hG4bKfold1", fromTag: "fold-from",
		headers: map[string]string{
			"Via":       "SIP/2.0/TCP client.example.com:5061 ;branch=z9hG4bKfold1 ;rport",
			"From":      `"Folded Name" <sip:folder@example.com> ;tag=fold-from`,
			"Subject":   "a subject that goes on and on, and on",
			"Supported": "eventlist , timer",
			"Event":     "presence",
		},
		appendHeaders: map[string]string{"Subject:": "a subject that goes on and on, and on"},
	},
	"valid-case-ws.sip": {
		method: "OPTIONS", uri: "sip:carol@example.net", callID: "case-1@198.51.100.7",
		cseq: 7, cseqMethod: "OPTIONS", branch: "z9hG4bKcase1", fromTag: "case-from",
		headers: map[string]string{
			"X-Custom-Header": "custom value", "max-forwards": "0070", "TO": "<sip:carol@example.net>",
		},
		appendHeaders: map[string]string{"X-CUSTOM-HEADER:": "custom value, second value"},
	},
	"valid-escaped.sip": {
		method: "MESSAGE", uri: "sip:user%20name;ext=%3B1@example.org;transport=tcp", callID: "esc-1@198.51.100.9",
		cseq: 9, cseqMethod: "MESSAGE", branch: "z9hG4bK%41esc", fromTag: "esc-f", toTag: "esc-t",
		clen: 14, bodyLen: 14, bodyPrefix: "hello, world\r\n",
		headers: map[string]string{
			"Contact":      "<sip:quote@198.51.100.9;transport=tcp?Subject=%22hi%22>",
			"Content-Type": "text/plain;charset=utf-8",
		},
	},
	"valid-multipart.sip": {
		method: "INVITE", uri: "sip:bob@example.org", callID: "multi-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKmulti1", fromTag: "multi-f",
		clen: 270, bodyLen: 270, bodyPrefix: "--boundary42\r\nContent-Type: application/sdp\r\n\r\nv=0",
		headers: map[string]string{"MIME-Version": "1.0", "c": "multipart/mixed;boundary=boundary42"},
	},
	"valid-183-lists.sip": {
		status: 183, reason: "Session Progress", callID: "rr-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKp2", fromTag: "rr-f", toTag: "rr-t",
		clen: 138, bodyLen: 138, bodyPrefix: "v=0",
		headers: map[string]string{"RSeq": "1", "Require": "100rel"},
		appendHeaders: map[string]string{
			"Via:": "SIP/2.0/UDP proxy2.example.org;branch=z9hG4bKp2, SIP/2.0/UDP proxy1.example.org;branch=z9hG4bKp1, " +
				"SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKuac;rport=5060;received=198.51.100.1",
			"Record-Route:": `<sip:proxy2.example.org;lr>, <sip:proxy1.example.org;lr;x="a,b">, <sip:edge.example.org;lr>`,
		},
	},
	"valid-bare-lf.sip": {
		status: 486, reason: "Busy Here", callID: "lf-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKlf1", fromTag: "lf-f", toTag: "lf-t",
	},
	"valid-two-messages.sip": {
		method: "BYE", uri: "sip:bob@203.0.113.5", callID: "two-1@example.com",
		cseq: 2, cseqMethod: "BYE", branch: "z9hG4bKtwo1", fromTag: "two-f", toTag: "two-t",
		length: 241,
	},
	"valid-no-content-length.sip": {
		method: "NOTIFY", uri: "sip:alice@198.51.100.1", callID: "nocl-1@example.org",
		cseq: 20, cseqMethod: "NOTIFY", branch: "z9hG4bKnocl", fromTag: "nocl-f", toTag: "nocl-t",
		clen: -1, bodyLen: 16, bodyPrefix: "SIP/2.0 200 OK\r\n",
		headers: map[string]string{"Subscription-State": "active;expires=60", "Event": "refer"},
	},
	"valid-ipv6.sip": {
		method: "INVITE", uri: "sip:bob@[2001:db8::20]:5070", callID: "v6-1@[2001:db8::10]",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKv6", fromTag: "v6-f",
	},
	"valid-register-star.sip": {
		method: "REGISTER", uri: "sip:registrar.example.com", callID: "star-1@198.51.100.1",
		cseq: 3, cseqMethod: "REGISTER", branch: "z9hG4bKstar", fromTag: "star-f",
		headers: map[string]string{"Contact": "*", "Expires": "0"},
	},
	"valid-leading-crlf.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "lead-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKlead", fromTag: "lead-f",
	},
	"valid-cl-smaller.sip": {
		method: "MESSAGE", uri: "sip:bob@example.org", callID: "small-1@example.com",
		cseq: 1, cseqMethod: "MESSAGE", branch: "z9hG4bKsmall", fromTag: "small-f",
		clen: 5, bodyLen: 5, bodyPrefix: "hello", length: 275,
	},
	"valid-cseq-max.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "max-1@example.com",
		cseq: 4294967295, cseqMethod: "OPTIONS", branch: "z9hG4bKmax", fromTag: "max-f",
		headers: map[string]string{"Max-Forwards": "255"},
	},

	// Framing errors: the header section is indexed, the body is not.
	"bad-cl-larger.sip": {
		err: ErrContentLength, err2: ErrTruncated,
		method: "INVITE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKbad", fromTag: "bad-f", clen: 500,
	},
	"bad-cl-negative.sip": {
		err: ErrContentLength, method: "INVITE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKbad", fromTag: "bad-f", clen: -1,
	},
	"bad-cl-huge.sip": {
		err: ErrContentLength, method: "INVITE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKbad", fromTag: "bad-f", clen: -1,
	},
	"bad-cl-conflict.sip": {
		err: ErrContentLength, method: "MESSAGE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "MESSAGE", branch: "z9hG4bKbad", fromTag: "bad-f", clen: -1,
		status400: 400, validateErr: ErrDuplicateHeader,
	},
	"bad-cl-garbage.sip": {
		err: ErrContentLength, method: "MESSAGE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "MESSAGE", branch: "z9hG4bKbad", fromTag: "bad-f", clen: -1,
	},
	// Semantic errors found after the header section: the index is complete.
	"bad-cseq-huge.sip": {
		err: ErrCSeq, method: "OPTIONS", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		branch: "z9hG4bKbad", fromTag: "bad-f", status400: 400, validateErr: ErrCSeq,
	},
	"bad-cseq-negative.sip": {
		err: ErrCSeq, method: "OPTIONS", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		branch: "z9hG4bKbad", fromTag: "bad-f", status400: 400, validateErr: ErrCSeq,
	},
	"bad-cseq-no-method.sip": {
		err: ErrCSeq, method: "OPTIONS", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		branch: "z9hG4bKbad", fromTag: "bad-f", status400: 400, validateErr: ErrCSeq,
		headers: map[string]string{"CSeq": "17"},
	},
	"bad-no-callid.sip": {
		err: ErrNoCallID, method: "OPTIONS", uri: "sip:bob@example.org",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKnocid", fromTag: "nocid-f",
		status400: 400, validateErr: ErrMissingHeader,
	},
	// Errors in the start line or a header line: nothing useful is indexed.
	"bad-version-req.sip":           {err: ErrVersion, skipFields: true},
	"bad-version-resp.sip":          {err: ErrVersion, skipFields: true},
	"bad-status-huge.sip":           {err: ErrStatusCode, skipFields: true},
	"bad-status-low.sip":            {err: ErrStatusCode, skipFields: true},
	"bad-status-700.sip":            {err: ErrStatusCode, skipFields: true},
	"bad-status-negative.sip":       {err: ErrStatusCode, skipFields: true},
	"bad-header-no-colon.sip":       {err: ErrHeader, skipFields: true},
	"bad-header-space-in-name.sip":  {err: ErrHeader, skipFields: true},
	"bad-header-fold-first.sip":     {err: ErrHeader, skipFields: true},
	"bad-truncated.sip":             {err: ErrTruncated, skipFields: true},
	"bad-startline-lws.sip":         {err: ErrStartLine, skipFields: true},
	"bad-startline-no-uri.sip":      {err: ErrStartLine, skipFields: true},
	"bad-startline-bracket-uri.sip": {err: ErrStartLine, skipFields: true},

	// Framed and parsed; Validate says what a UAS owes.
	"sem-missing-from.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "sem-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKsem1",
		status400: 400, validateErr: ErrMissingHeader, headers: map[string]string{"From": absent},
	},
	"sem-cseq-mismatch.sip": {
		method: "BYE", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKbad", fromTag: "bad-f",
		status400: 400, validateErr: ErrCSeqMethod,
	},
	"sem-unknown-scheme.sip": {
		method: "OPTIONS", uri: "im:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKbad", fromTag: "bad-f",
		status400: 416, validateErr: ErrURIScheme,
	},
	"sem-ruri-headers.sip": {
		method: "INVITE", uri: "sip:bob@example.org?Subject=hi", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "INVITE", branch: "z9hG4bKbad", fromTag: "bad-f",
		status400: 400, validateErr: ErrRequestURI,
	},
	"sem-unbalanced-quote.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "sem-5@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKsem5",
		status400: 400, validateErr: ErrAddress,
	},
	"sem-maxforwards-huge.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKbad", fromTag: "bad-f",
		status400: 400, validateErr: ErrHeader,
	},
	"sem-duplicate-callid.sip": {
		method: "OPTIONS", uri: "sip:bob@example.org", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKbad", fromTag: "bad-f",
		status400: 400, validateErr: ErrDuplicateHeader,
		appendHeaders: map[string]string{"Call-ID": "bad-1@example.com, other@example.com"},
	},
	"sem-tel-uri.sip": {
		method: "OPTIONS", uri: "tel:+15551234567;phone-context=example.com", callID: "bad-1@example.com",
		cseq: 1, cseqMethod: "OPTIONS", branch: "z9hG4bKbad", fromTag: "bad-f",
	},
}

func TestFixtures(t *testing.T) {
	checkTable(t, corpusFiles(t, "testdata", "*.sip"), fixtures)
}
