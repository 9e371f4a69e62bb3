package sipfast

import "bytes"

// Matching helpers for the engine's <recv>: they compare without allocating.

// IsMethod reports whether m is a request with the given method. Methods are
// compared case-sensitively (RFC 3261 §7.1).
func (m *Message) IsMethod(method string) bool {
	return m.meta.req && string(m.get(m.meta.method)) == method
}

// CSeqMethodIs reports whether the CSeq method equals method
// (case-sensitive).
func (m *Message) CSeqMethodIs(method string) bool {
	_, meth := m.CSeq()
	return meth != nil && string(meth) == method
}

// MatchResponse reports whether m is a response with status code code (0
// matches any) whose CSeq method is cseqMethod ("" matches any). This is how
// SIPp matches <recv response="200"> against the transaction it belongs to:
// a 200 to BYE is not a 200 to INVITE.
func (m *Message) MatchResponse(code int, cseqMethod string) bool {
	if m.meta.status == 0 || code != 0 && m.meta.status != code {
		return false
	}
	return cseqMethod == "" || m.CSeqMethodIs(cseqMethod)
}

// MatchRequest reports whether m is a request with the given method ("" matches
// any request).
func (m *Message) MatchRequest(method string) bool {
	return m.meta.req && (method == "" || string(m.get(m.meta.method)) == method)
}

// DialogID returns the three values that identify the dialog of a message
// (RFC 3261 §12: Call-ID, local tag, remote tag) as seen by the user agent
// that receives m: for a request the remote tag is the From tag and the local
// tag the To tag; for a response it is the other way round.
func (m *Message) DialogID() (callID, localTag, remoteTag []byte) {
	if m.meta.req {
		return m.CallID(), m.ToTag(), m.FromTag()
	}
	return m.CallID(), m.FromTag(), m.ToTag()
}

// InDialog reports whether m, received by a user agent, belongs to the dialog
// with the given Call-ID and tags (RFC 3261 §12.2.2). Tags are compared
// byte for byte; a nil or empty remoteTag matches any remote tag (the dialog
// is not confirmed yet, e.g. while waiting for the first response with a To
// tag).
func (m *Message) InDialog(callID, localTag, remoteTag []byte) bool {
	cid, lt, rt := m.DialogID()
	if cid == nil || !bytes.Equal(cid, callID) || !bytes.Equal(lt, localTag) {
		return false
	}
	return len(remoteTag) == 0 || bytes.Equal(rt, remoteTag)
}
