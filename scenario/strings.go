package scenario

import (
	"strconv"
	"strings"
)

// String returns "client" or "server".
func (m Mode) String() string {
	switch m {
	case ModeClient:
		return "client"
	case ModeServer:
		return "server"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

var kindNames = [...]string{
	KindSend:  "send",
	KindRecv:  "recv",
	KindPause: "pause",
	KindNop:   "nop",
	KindLabel: "label",
}

// String returns the element name of the kind: send, recv, pause, nop,
// label.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

var opNames = [...]string{
	OpLiteral:      "literal",
	OpService:      "service",
	OpRemoteIP:     "remote_ip",
	OpRemotePort:   "remote_port",
	OpLocalIP:      "local_ip",
	OpLocalIPType:  "local_ip_type",
	OpLocalPort:    "local_port",
	OpTransport:    "transport",
	OpMediaIP:      "media_ip",
	OpMediaIPType:  "media_ip_type",
	OpMediaPort:    "media_port",
	OpCallNumber:   "call_number",
	OpCallID:       "call_id",
	OpCSeq:         "cseq",
	OpPID:          "pid",
	OpBranch:       "branch",
	OpLen:          "len",
	OpPeerTagParam: "peer_tag_param",
	OpRoutes:       "routes",
	OpLastHeader:   "last_",
	OpLastMessage:  "last_message",
}

// String returns the keyword name of the op kind ("cseq", "last_";
// "literal" for OpLiteral).
func (k OpKind) String() string {
	if k < opKindCount {
		return opNames[k]
	}
	return "OpKind(" + strconv.Itoa(int(k)) + ")"
}

// String returns the op as it would be written in a scenario: the literal
// bytes for OpLiteral, otherwise the keyword in brackets with its offset,
// e.g. "[cseq+1]", "[last_Via:]", "[last_To:value]".
func (o Op) String() string {
	if o.Kind == OpLiteral {
		return string(o.Lit)
	}
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(o.Kind.String())
	if o.Kind == OpLastHeader {
		b.WriteString(o.Name)
		if o.ValueOnly {
			b.WriteString("value")
		}
	}
	if o.Offset > 0 {
		b.WriteByte('+')
	}
	if o.Offset != 0 {
		b.WriteString(strconv.Itoa(o.Offset))
	}
	b.WriteByte(']')
	return b.String()
}

// String returns the template as message text with its keywords in
// brackets (line ends are CRLF, as they will be sent).
func (t *Template) String() string {
	var b strings.Builder
	for _, o := range t.Ops {
		b.WriteString(o.String())
	}
	return b.String()
}
