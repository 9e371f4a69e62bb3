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
	KindSendCmd: "sendCmd",
	KindRecvCmd: "recvCmd",
	KindSend:    "send",
	KindRecv:    "recv",
	KindPause:   "pause",
	KindNop:     "nop",
	KindLabel:   "label",
}

// String returns the element name of the kind: send, recv, pause, nop,
// label, sendCmd, recvCmd.
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

	OpRemoteHost:         "remote_host",
	OpServerIP:           "server_ip",
	OpAutoMediaPort:      "auto_media_port",
	OpRTPStreamAudioPort: "rtpstream_audio_port",
	OpRTPStreamVideoPort: "rtpstream_video_port",
	OpCrypto:             "crypto",
	OpDynamicID:          "dynamic_id",
	OpMsgIndex:           "msg_index",
	OpNextURL:            "next_url",
	OpLastRequestURI:     "last_Request_URI",
	OpLastCSeqNumber:     "last_cseq_number",
	OpTDMMap:             "tdmmap",
	OpClockTick:          "clock_tick",
	OpUsers:              "users",
	OpUserID:             "userid",
	OpTimestamp:          "timestamp",
	OpDate:               "date",
	OpSippVersion:        "sipp_version",
	OpVar:                "$",
	OpFill:               "fill",
	OpField:              "field",
	OpFile:               "file",
	OpAuth:               "authentication",
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
// bytes for OpLiteral, otherwise the keyword in brackets with its offset
// and parameters, e.g. "[cseq+1]", "[last_Via:]", "[last_To:value]",
// "[$user]", "[field1 file=\"u.csv\"]".
func (o Op) String() string {
	if o.Kind == OpLiteral {
		return string(o.Lit)
	}
	var b strings.Builder
	b.WriteByte('[')
	switch o.Kind {
	case OpCrypto:
		b.WriteString(o.Name)
	case OpVar:
		b.WriteString("$" + o.Name)
	case OpField:
		b.WriteString("field" + strconv.Itoa(o.Field))
	default:
		b.WriteString(o.Kind.String())
	}
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
	param := func(name, v string) {
		b.WriteString(" " + name + "=" + strconv.Quote(v))
	}
	switch o.Kind {
	case OpFill:
		param("variable", o.Name)
		param("text", string(o.Lit))
	case OpField:
		if o.File != "" {
			param("file", o.File)
		}
		if o.Line != nil {
			param("line", o.Line.String())
		}
	case OpFile:
		param("name", o.Path.String())
	case OpAuth:
		for _, p := range []struct {
			name string
			t    *Template
		}{{"username", o.Auth.Username}, {"password", o.Auth.Password}, {"aka_K", o.Auth.AKAK}, {"aka_OP", o.Auth.AKAOP}, {"aka_AMF", o.Auth.AKAAMF}} {
			if p.t != nil {
				param(p.name, p.t.String())
			}
		}
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

// String returns "none", "controller-A", "controller-B" or "A-passive".
func (t ThirdPCC) String() string {
	switch t {
	case ThirdPCCNone:
		return "none"
	case ThirdPCCControllerA:
		return "controller-A"
	case ThirdPCCControllerB:
		return "controller-B"
	case ThirdPCCAPassive:
		return "A-passive"
	}
	return "ThirdPCC(" + strconv.Itoa(int(t)) + ")"
}
