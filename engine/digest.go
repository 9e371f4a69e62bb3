package engine

import (
	"bytes"
	"strconv"

	"github.com/gossip-sip/gossip/engine/auth"
	"github.com/gossip-sip/gossip/scenario"
)

// Digest authentication (engine/auth): a recv with auth="true" keeps a
// 401/407 challenge per call, [authentication] answers it, verifyauth
// checks a request's Authorization header. The challenge lives in the
// shard's slab only for scenarios that use authentication.

// authState is a call's stored challenge.
type authState struct {
	chal  []byte // the WWW-/Proxy-Authenticate value(s), pooled
	nc    uint32 // nonce count of the next answer
	proxy bool   // the challenge came in a 407: answer with Proxy-Authorization
}

// usesAuth says whether a scenario needs per-call challenge storage.
func usesAuth(scn *scenario.Scenario) int {
	if scn.UsesFeature(scenario.FeatureAuth) || scn.UsesFeature(scenario.OpFeature(scenario.OpAuth)) {
		return 1
	}
	return 0
}

// keepChallenge stores the challenge of the 401 or 407 in s.msg (SIPp:
// Proxy-Authenticate if present, else WWW-Authenticate) and resets the
// nonce count.
func (s *shard) keepChallenge(c *call, code int) {
	if s.calls.nAuth == 0 || (code != 401 && code != 407) {
		return
	}
	st := &s.calls.authOf(c.slot)[0]
	l := &s.lang
	var ok bool
	if l.line, ok = s.msg.AppendHeaderValues(l.line[:0], "Proxy-Authenticate"); !ok {
		l.line, ok = s.msg.AppendHeaderValues(l.line[:0], "WWW-Authenticate")
	}
	if !ok {
		s.event("Call-ID '%s': %d response without WWW-Authenticate or Proxy-Authenticate header", c.id(), code)
		s.bufs.release(&st.chal)
		return
	}
	s.bufs.store(&st.chal, l.line)
	st.nc = 1
	st.proxy = code == 407
}

// releaseAuth frees a call's challenge.
func (s *shard) releaseAuth(c *call) {
	if s.calls.nAuth == 0 {
		return
	}
	st := &s.calls.authOf(c.slot)[0]
	s.bufs.release(&st.chal)
	*st = authState{}
}

// insertAuth inserts the [authentication] header line at position at of
// the message rendered from start in dst (it is rendered after the rest
// of the message, whose body auth-int hashes). It returns dst and how
// many bytes it inserted.
func (s *shard) insertAuth(dst []byte, start, at int, c *call, cmdIdx int, tpl *scenario.Template, op *scenario.Op) ([]byte, int) {
	if s.calls.nAuth == 0 {
		return dst, 0
	}
	st := &s.calls.authOf(c.slot)[0]
	if len(st.chal) == 0 {
		s.event("Call-ID '%s': [authentication] without a challenge (no 401/407 received with auth=\"true\")", c.id())
		return dst, 0
	}
	ch, err := auth.ParseChallenge(st.chal)
	if err != nil {
		s.event("Call-ID '%s': cannot answer the challenge: %v", c.id(), err)
		return dst, 0
	}
	l := &s.lang
	cfg := &s.e.cfg
	l.user = l.user[:0]
	if op.Auth != nil && op.Auth.Username != nil {
		l.user = s.renderTemplate(l.user, c, cmdIdx, op.Auth.Username)
	} else if cfg.AuthUser != "" {
		l.user = append(l.user, cfg.AuthUser...)
	} else {
		l.user = append(l.user, cfg.Service...)
	}
	l.pass = l.pass[:0]
	if op.Auth != nil && op.Auth.Password != nil {
		l.pass = s.renderTemplate(l.pass, c, cmdIdx, op.Auth.Password)
	} else if cfg.AuthPassword != "" {
		l.pass = append(l.pass, cfg.AuthPassword...)
	} else {
		l.pass = append(l.pass, "password"...)
	}
	l.uri = append(l.uri[:0], "sip:"...)
	if cfg.AuthURI != "" {
		l.uri = append(l.uri, cfg.AuthURI...)
	} else {
		a := s.peers.addrs[c.peer]
		l.uri = a.Addr().Unmap().AppendTo(l.uri)
		l.uri = append(l.uri, ':')
		l.uri = strconv.AppendUint(l.uri, uint64(a.Port()), 10)
	}
	msg := dst[start:]
	method := []byte(tpl.Method)
	if len(method) == 0 {
		if i := bytes.IndexByte(msg, ' '); i > 0 {
			method = msg[:i]
		}
	}
	var body []byte
	if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
		body = msg[i+4:]
	}
	l.cnonce = auth.AppendCNonce(l.cnonce[:0], s.random().Uint64())
	l.hdr = l.hdr[:0]
	if st.proxy {
		l.hdr = append(l.hdr, "Proxy-Authorization: "...)
	} else {
		l.hdr = append(l.hdr, "Authorization: "...)
	}
	l.hdr, err = auth.AppendAuthorization(l.hdr, &ch, &auth.Request{
		Username: l.user, Password: l.pass, Method: method, URI: l.uri, Body: body,
		CNonce: l.cnonce, NC: st.nc,
	})
	if err != nil {
		s.event("Call-ID '%s': cannot answer the challenge: %v", c.id(), err)
		return dst, 0
	}
	st.nc++
	n := len(dst)
	dst = append(dst, l.hdr...)
	copy(dst[at+len(l.hdr):], dst[at:n])
	copy(dst[at:], l.hdr)
	return dst, len(l.hdr)
}

// verifyAuth runs <verifyauth assign_to= username= password=> on the
// request in s.msg: true when its Authorization header answers with
// those credentials.
func (s *shard) verifyAuth(c *call, idx int32, a *scenario.Action, msg []byte) {
	ok := false
	if len(msg) > 0 && len(a.Args) >= 2 && s.msg.IsRequest() {
		l := &s.lang
		l.user = s.renderTemplate(l.user[:0], c, int(idx), a.Args[0])
		l.pass = s.renderTemplate(l.pass[:0], c, int(idx), a.Args[1])
		if h := s.msg.Header("Authorization"); h != nil {
			var body []byte
			if i := bytes.Index(msg, []byte("\r\n\r\n")); i >= 0 {
				body = msg[i+4:]
			}
			err := auth.VerifyHeader(h, &auth.Expect{Username: l.user, Password: l.pass, Method: s.msg.Method(), Body: body})
			ok = err == nil
		}
	}
	b := 0.0
	if ok {
		b = 1
	}
	s.setVar(c, a.AssignTo, scenario.VarBool, nil, b)
}
