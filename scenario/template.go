package scenario

// CONTRACT written by the integrator (see scenario.go).

// OpKind is one instruction of a compiled message template.
type OpKind uint8

const (
	OpLiteral      OpKind = iota // append Op.Lit
	OpService                    // [service]
	OpRemoteIP                   // [remote_ip]
	OpRemotePort                 // [remote_port] (+Offset)
	OpLocalIP                    // [local_ip]
	OpLocalIPType                // [local_ip_type]: 4 or 6
	OpLocalPort                  // [local_port] (+Offset)
	OpTransport                  // [transport]: UDP, TCP, TLS
	OpMediaIP                    // [media_ip]
	OpMediaIPType                // [media_ip_type]
	OpMediaPort                  // [media_port] (+Offset)
	OpCallNumber                 // [call_number]
	OpCallID                     // [call_id]
	OpCSeq                       // [cseq] (+Offset)
	OpPID                        // [pid]
	OpBranch                     // [branch] (+Offset)
	OpLen                        // [len] (+Offset): body length, patched after rendering
	OpPeerTagParam               // [peer_tag_param]: ";tag=X" of the peer, or nothing
	OpRoutes                     // [routes]: Route headers from the recorded Record-Route set
	OpLastHeader                 // [last_Name:] or [last_Name]: Op.Name is the header name with ':'; Op.ValueOnly for [last_Name:value]
	OpLastMessage                // [last_message]
	opKindCount
)

// Op is one template instruction.
type Op struct {
	Kind      OpKind
	Lit       []byte // OpLiteral bytes
	Name      string // OpLastHeader: header name as written, with trailing ':'
	ValueOnly bool   // OpLastHeader: value without the "Name: " prefix
	Offset    int    // [cseq+1], [remote_port-2], [branch-1], [len+3]
}

// Template is a message compiled once into a list of ops. The line
// structure SIPp applies (leading whitespace stripped, CRLF line ends, a
// blank line after the headers) is already in the literals.
type Template struct {
	Ops    []Op
	Line   int    // source line of the message text
	Method string // request method of the start line, or "" for a response
	Status int    // status code of a response start line, or 0
}
