package scenario

// CONTRACT written by the integrator (see scenario.go).

import "github.com/gossip-sip/gossip/sipfast"

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

	// Keywords added with issue 7 (each is a Feature: OpFeature(k)).

	OpRemoteHost         // [remote_host]: the remote host as given on the command line (a name stays a name)
	OpServerIP           // [server_ip]: the local address of the call's socket
	OpAutoMediaPort      // [auto_media_port] (+Offset): media port + Offset + (4*(call_number-1)) % 10000
	OpRTPStreamAudioPort // [rtpstream_audio_port] (+Offset): the call's RTP stream audio port (media)
	OpRTPStreamVideoPort // [rtpstream_video_port] (+Offset): the call's RTP stream video port (media)
	OpCrypto             // SRTP keywords ([cryptotag1audio], [cryptosuiteaescm128sha1801audio], ...): Op.Name is the keyword (media)
	OpDynamicID          // [dynamic_id]: a run-wide counter, incremented by each rendering (-dynamicMax, -dynamicStep)
	OpMsgIndex           // [msg_index]: SIPp's index of the command being sent (Command.MsgIndex)
	OpNextURL            // [next_url]: the Contact URI recorded by rrs="true", else [last_Request_URI]
	OpLastRequestURI     // [last_Request_URI]: the URI in the last received message's To header
	OpLastCSeqNumber     // [last_cseq_number] (+Offset): the number of the last received CSeq, 0 if none
	OpTDMMap             // [tdmmap]: the call's -tdmmap circuit ("x.h.y/z")
	OpClockTick          // [clock_tick]: the engine clock in milliseconds
	OpUsers              // [users]: the -users value
	OpUserID             // [userid]: the call's user number (-users)
	OpTimestamp          // [timestamp]: the current time as in log files ("2006-01-02\t15:04:05.000000\t<epoch>.<usec>")
	OpDate               // [date]: the current time, RFC 1123 in GMT ("Mon, 02 Jan 2006 15:04:05 GMT")
	OpSippVersion        // [sipp_version]: the version string
	OpVar                // [$name]: the value of variable Op.Var (Op.Name is its name), see VarKind
	OpFill               // [fill variable=n text=t]: Op.Lit repeated to the length in variable Op.Var (a double)
	OpField              // [fieldN file=f line=l]: field Op.Field of injection file Op.File, line Op.Line (nil: the call's line)
	OpFile               // [file name=f]: the whole content of the file named by Op.Path
	OpAuth               // [authentication ...]: an Authorization or Proxy-Authorization header answering the last challenge, parameters in Op.Auth
	opKindCount
)

// Op is one template instruction.
type Op struct {
	Kind      OpKind
	Lit       []byte            // OpLiteral bytes; OpFill: the fill text (never empty, "X" by default)
	Name      string            // OpLastHeader: header name as written, with trailing ':'; OpVar, OpFill: the variable's name; OpCrypto: the keyword
	ValueOnly bool              // OpLastHeader: value without the "Name: " prefix
	Header    sipfast.HeaderKey // OpLastHeader: Name, looked up once
	Offset    int               // [cseq+1], [remote_port-2], [branch-1], [len+3]

	Var   VarID       // OpVar, OpFill: the variable
	Field int         // OpField: N of [fieldN]
	File  string      // OpField: the injection file, as -inf names it (its base name); the first -inf file when the keyword has no file=
	Line  *Template   // OpField: line= parameter, rendered then read as a 0-based line number; nil: the line of the call (-inf ordering)
	Path  *Template   // OpFile: name= parameter, rendered to the path of the file to insert
	Auth  *AuthParams // OpAuth
}

// AuthParams are the parameters of an [authentication] keyword. Each is
// a template (it may hold keywords such as [$user] or [field1]); nil means
// the parameter was not given.
type AuthParams struct {
	Username *Template // username=; nil: -au, or -s when -au is not given
	Password *Template // password=; nil: -ap
	AKAK     *Template // aka_K=; nil: the first 16 bytes of the password
	AKAOP    *Template // aka_OP=; nil: empty
	AKAAMF   *Template // aka_AMF=; nil: empty
}

// Template is a message compiled once into a list of ops. The line
// structure SIPp applies (leading whitespace stripped, CRLF line ends, a
// blank line after the headers) is already in the literals. Templates of
// action attributes (log message=, exec command=, assignstr value=, ...),
// of <sendCmd> and of keyword parameters get no start-line check: their
// Method and Status are empty.
type Template struct {
	Ops    []Op
	Line   int    // source line of the message text
	Method string // request method of the start line, or "" for a response
	Status int    // status code of a response start line, or 0
}
