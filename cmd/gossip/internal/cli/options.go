package cli

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults that other packages may want to name.
const (
	// DefaultScenario is the built-in scenario SIPp runs when neither -sn
	// nor -sf is given.
	DefaultScenario = "uac"
	// LimitAuto is Options.Limit when -l is not given: SIPp then caps open
	// calls at 3 × call duration × rate ÷ rate period (at least 1).
	LimitAuto = -1
	// DefaultMaxInviteRetrans and DefaultMaxNonInviteRetrans are SIPp's
	// per-transaction retransmission caps; -max_retrans lowers both.
	DefaultMaxInviteRetrans    = 5
	DefaultMaxNonInviteRetrans = 9
)

// KV is one -set NAME VALUE pair.
type KV struct {
	Name  string
	Value string
}

// Transport is a SIPp -t mode: a protocol letter (u UDP, t TCP, l TLS,
// s SCTP) and a socket letter (1 one socket, n one per call, i one per IP
// address).
type Transport string

// The -t modes SIPp knows.
const (
	TransportUDP         Transport = "u1" // UDP, one socket (SIPp's default)
	TransportUDPPerCall  Transport = "un" // UDP, one socket per call
	TransportUDPPerIP    Transport = "ui" // UDP, one socket per IP of the -inf file
	TransportTCP         Transport = "t1" // TCP, one connection
	TransportTCPPerCall  Transport = "tn" // TCP, one connection per call
	TransportTLS         Transport = "l1" // TLS, one connection
	TransportTLSPerCall  Transport = "ln" // TLS, one connection per call
	TransportSCTP        Transport = "s1" // SCTP, one association
	TransportSCTPPerCall Transport = "sn" // SCTP, one association per call
	// gossip's own: SIP over WebSocket (RFC 7118), plain and secure.
	TransportWS         Transport = "w1"  // WebSocket, one connection
	TransportWSPerCall  Transport = "wn"  // WebSocket, one connection per call
	TransportWSS        Transport = "ws1" // secure WebSocket, one connection
	TransportWSSPerCall Transport = "wsn" // secure WebSocket, one connection per call
)

// Protocol returns "udp", "tcp", "tls", "ws", "wss" or "sctp", or "" for
// a mode gossip does not know.
func (t Transport) Protocol() string {
	if !t.valid() {
		return ""
	}
	switch t[0] {
	case 'u':
		return "udp"
	case 't':
		return "tcp"
	case 'l':
		return "tls"
	case 'w':
		if t[1] == 's' {
			return "wss"
		}
		return "ws"
	default:
		return "sctp"
	}
}

// SocketPerCall reports whether each call gets its own socket (the "n"
// modes).
func (t Transport) SocketPerCall() bool { return t.valid() && t[len(t)-1] == 'n' }

func (t Transport) valid() bool {
	switch t {
	case TransportUDP, TransportUDPPerCall, TransportUDPPerIP, TransportTCP, TransportTCPPerCall,
		TransportTLS, TransportTLSPerCall, TransportSCTP, TransportSCTPPerCall,
		TransportWS, TransportWSPerCall, TransportWSS, TransportWSSPerCall:
		return true
	}
	return false
}

// HEP export defaults and the transports -hep_transport accepts.
const (
	// DefaultHEPPort is the collector port when -hep_addr gives none.
	DefaultHEPPort = 9060
	// DefaultHEPID is the capture agent ID when -hep_id is not given.
	DefaultHEPID    = 2001
	HEPTransportUDP = "udp"
	HEPTransportTCP = "tcp"
)

// Dataplane backends accepted by -dataplane.
const (
	DataplaneStd  = "std"  // portable, any OS
	DataplaneMmsg = "mmsg" // Linux recvmmsg/sendmmsg batches
	DataplaneXDP  = "xdp"  // Linux AF_XDP sockets and an XDP steering program
)

// Values of -xdp_mode and -xdp_copy.
const (
	XDPModeNative  = "native"
	XDPModeGeneric = "generic"
	XDPCopyAuto    = "auto"
	XDPCopyCopy    = "copy"
	XDPCopyZero    = "zerocopy"
)

// Options is the parsed command line: one field per flag, with SIPp's
// default when the flag is absent (see Defaults). Durations have been
// converted from SIPp's units (truncated to whole milliseconds, as SIPp
// does).
type Options struct {
	// Remote is the positional remote_host[:port], as typed; "" when
	// absent (server scenarios need none). See RemoteAddr.
	Remote string

	// ScenarioName is -sn, a built-in scenario. With ScenarioFile also
	// empty, DefaultScenario runs. Default "".
	ScenarioName string
	// ScenarioFile is -sf, an XML scenario file. Default "".
	ScenarioFile string
	// OOCScenarioFile and OOCScenarioName are -oocsf and -oocsn: the
	// out-of-call scenario, a file or a built-in (the file when both are
	// given).
	// Default "".
	OOCScenarioFile, OOCScenarioName string
	// ScenarioDump is -sd: the caller prints this built-in scenario and
	// exits with ExitOther, as SIPp does. Default "".
	ScenarioDump string

	// LocalIP is -i, the local address rendered in Via/Contact/From
	// (brackets and any port dropped, as SIPp does). Default "" (the
	// primary host address).
	LocalIP string
	// LocalPort is -p; 0 lets the system choose. Default 0.
	LocalPort int
	// Transport is -t. Default TransportUDP ("u1").
	Transport Transport
	// TLSCert and TLSKey are -tls_cert and -tls_key, PEM files: the
	// server's certificate, or the client certificate a client presents.
	// Default "cacert.pem" and "cakey.pem" (SIPp's); a client uses them
	// only when given or present.
	TLSCert, TLSKey string
	// TLSCA is -tls_ca, a PEM file of trusted CAs: a client verifies the
	// server against it, a server requires client certificates signed by
	// it. Default "" (no verification, as SIPp).
	TLSCA string
	// TLSVersion is -tls_version, the lowest TLS version: "1.2" or "1.3".
	// Default "" (1.2).
	TLSVersion string
	// TLSServerName is -tls_server_name, the name a client sends (SNI)
	// and verifies. Default "" (the remote host).
	TLSServerName string
	// TLSSkipVerify is -tls_skip_verify: no verification even with
	// -tls_ca (labs).
	TLSSkipVerify bool
	// IPField is -ip_field: the field of the first -inf file that holds
	// each call's local address with -t ui. Default 0.
	IPField int
	// WSPath is -ws_path, the WebSocket request target. Default "/".
	WSPath string
	// MaxSocket is -max_socket, the most connections a client opens in
	// the per-call modes. Default 50000.
	MaxSocket int
	// MaxReconnect is -max_reconnect: how many times a client reconnects
	// its shared connection (-1: always). Default 0.
	MaxReconnect int
	// ReconnectSleep is -reconnect_sleep. Default 1 s.
	ReconnectSleep time.Duration
	// ReconnectClose is -reconnect_close: fail the calls of a lost
	// connection. Default true.
	ReconnectClose bool
	// RemoteSendAddr is -rsa HOST[:PORT]: messages go there instead of to
	// Remote. Default "". See RemoteSendAddrPort.
	RemoteSendAddr string
	// ThirdPCC is -3pcc HOST:PORT: the twin instance's address (a
	// scenario whose first command is <sendCmd> connects to it, one
	// whose first command is <recvCmd> listens on it). Default "".
	ThirdPCC string
	// Master and Slave are -master NAME and -slave NAME, the instance's
	// name in extended 3PCC mode; SlaveCfg is -slave_cfg FILE, the
	// "name;host:port" lines that give every instance's address.
	// Default "".
	Master, Slave, SlaveCfg string
	// MediaIP is -mi, rendered by [media_ip]. Default "" (LocalIP).
	MediaIP string
	// MediaPort is -mp, rendered by [media_port]. Default 6000.
	MediaPort int
	// BufferSize is -buff_size, the sockets' send and receive buffer size
	// in bytes. Default 4 MiB (SIPp: 65535, which drops datagrams at a few
	// thousand calls/s).
	BufferSize int

	// Service is -s, rendered by [service]. Default "service".
	Service string
	// AutoAnswer is -aa: answer unexpected INFO, NOTIFY, OPTIONS and UPDATE
	// with 200 OK. Default false.
	AutoAnswer bool
	// DefaultBehaviors is -default_behaviors as given: SIPp's automatic
	// behaviours (all, none, bye, abortunexp, pingreply, cseq, with +/-).
	// Default "all". Behaviors decodes it.
	DefaultBehaviors string
	// PauseMsgIgnore is -pause_msg_ign: drop messages received during a
	// pause. Default false.
	PauseMsgIgnore bool
	// Lost is -lost, the percentage of messages dropped on purpose (only
	// for scenarios with a lost= attribute). Default 0.
	Lost float64
	// DynamicStart, DynamicMax and DynamicStep are -dynamicStart,
	// -dynamicMax and -dynamicStep ([dynamic_id]). Defaults 10000, 12000
	// and 4.
	DynamicStart, DynamicMax, DynamicStep int
	// BaseCSeq is -base_cseq, the CSeq number of a call's first request
	// (0 to 4294967295). Default 1.
	BaseCSeq int64
	// CallIDFormat is -cid_str: %u call number, %p process id, %s local
	// IP, %r random number, %% a percent sign. Default "%u-%p@%s".
	CallIDFormat string
	// TDMMap is -tdmmap {X1-X2}{H}{Y1-Y2}{Z1-Z2}, SIPp's table of TDM
	// circuits (TDMMapRanges reads it). Default "" (none).
	TDMMap string
	// Keys holds the -key NAME VALUE pairs (later wins), rendered by
	// [NAME]. Default empty, never nil after Parse or Defaults.
	Keys map[string]string
	// Sets holds the -set NAME VALUE pairs in command-line order; they
	// initialise global scenario variables. Default empty.
	Sets []KV
	// AuthUser, AuthPassword and AuthURI are -au, -ap and -auth_uri:
	// what [authentication] answers a digest challenge with. Defaults:
	// none (the engine then uses -s), "password", none.
	AuthUser, AuthPassword, AuthURI string
	// InjectionFiles are the -inf files in command-line order. Default
	// none.
	InjectionFiles []string
	// RxInjectionFiles are the -rxinf files: loaded and drawn per call
	// as -inf files, but never the default file of [fieldN] (SIPp 3.6
	// keeps them apart from the -inf default). Default none.
	RxInjectionFiles []string
	// InjectionIndexes are the -infindex FILE FIELD pairs (FILE a base
	// name of an -inf file). Default none.
	InjectionIndexes []KV

	// Rate is -r, new calls per RatePeriod. Default 10.
	Rate float64
	// RatePeriod is -rp (plain numbers are milliseconds). Default 1s.
	RatePeriod time.Duration
	// Limit is -l, the cap on simultaneous calls; 0 means no cap.
	// Default LimitAuto (-1).
	Limit int
	// MaxCalls is -m: stop after this many calls. Default 0, no limit
	// (-m itself must be at least 1).
	MaxCalls int
	// Users is -users: keep this many calls open instead of pacing by rate.
	// Default 0, off (-users itself must be at least 1).
	Users int
	// CallDuration is -d, the length of scenario pauses that give none
	// (plain numbers are milliseconds). Default 0.
	CallDuration time.Duration
	// RateIncrease is -rate_increase: add this to Rate every RateInterval
	// (a negative value lowers it, down to 0). Default 0, off.
	RateIncrease int
	// RateMax is -rate_max: with RateIncrease, the rate stops at this
	// value and, unless NoRateQuit, the test ends when it would pass it.
	// Default 0, no maximum.
	RateMax int
	// NoRateQuit is -no_rate_quit: keep running at RateMax. Default false.
	NoRateQuit bool
	// RateInterval is -rate_interval, the period of RateIncrease steps
	// (plain numbers are seconds); 0 means StatPeriod (-fd), as in SIPp.
	// Default 0.
	RateInterval time.Duration

	// RecvTimeout is -recv_timeout, the default timeout of recv commands
	// (plain numbers are milliseconds); 0 means none. Default 0.
	RecvTimeout time.Duration
	// Timeout is -timeout, the global test timeout (plain numbers are
	// seconds); 0 means none. Default 0.
	Timeout time.Duration
	// TimeoutError is -timeout_error: reaching Timeout is a failure.
	// Default false.
	TimeoutError bool
	// MaxRetrans is -max_retrans, the cap on UDP retransmissions of one
	// message; INVITE transactions are further capped at
	// DefaultMaxInviteRetrans and others at DefaultMaxNonInviteRetrans.
	// Default 9.
	MaxRetrans int
	// NoRetrans is -nr: no UDP retransmissions. Default false.
	NoRetrans bool
	// MaxInviteRetrans and MaxNonInviteRetrans are -max_invite_retrans and
	// -max_non_invite_retrans. Defaults DefaultMaxInviteRetrans and
	// DefaultMaxNonInviteRetrans.
	MaxInviteRetrans, MaxNonInviteRetrans int
	// T2 is -T2, the cap on non-INVITE retransmission intervals (plain
	// numbers are milliseconds). Default 4s.
	T2 time.Duration
	// TimerResol is -timer_resol (plain numbers are milliseconds): the
	// period at which a busy shard drains its socket and runs its timers.
	// Default 1ms, SIPp's.
	TimerResol time.Duration
	// DeadCallWait is -deadcall_wait (plain numbers are milliseconds).
	// Default 33s.
	DeadCallWait time.Duration

	// TraceStat is -trace_stat: write the statistics CSV file. Default
	// false.
	TraceStat bool
	// StatFile is -stf, the statistics CSV file name. Default "" (SIPp's
	// <scenario>_<pid>_.csv).
	StatFile string
	// StatPeriod is -fd, how often a statistics row is written (plain
	// numbers are seconds). Default 60s.
	StatPeriod time.Duration
	// TraceErr is -trace_err: log unexpected messages. Default false.
	TraceErr bool
	// TraceMsg is -trace_msg: log every message sent and received.
	// Default false.
	TraceMsg bool
	// TraceScreen is -trace_screen: write the final screens to a file.
	// Default false.
	TraceScreen bool
	// TraceShortMsg is -trace_shortmsg: log one line per message sent or
	// received. Default false.
	TraceShortMsg bool
	// TraceCounts is -trace_counts: write the per-message counters every
	// StatPeriod. Default false.
	TraceCounts bool
	// TraceErrorCodes is -trace_error_codes: write the status codes of
	// unexpected responses every StatPeriod. Default false.
	TraceErrorCodes bool
	// TraceRTT is -trace_rtt: write every response-time sample. Default
	// false.
	TraceRTT bool
	// RTTFreq is -rtt_freq: -trace_rtt samples are written this many at a
	// time. Default 200.
	RTTFreq int
	// TraceLogs is -trace_logs: write the scenario's <log> actions.
	// Default false.
	TraceLogs bool
	// PeriodicRTD is -periodic_rtd: -trace_stat repartition counts cover
	// each period instead of the whole run. Default false.
	PeriodicRTD bool
	// MessageFile, ShortMessageFile, ErrorFile, LogFile and ScreenFile are
	// -message_file, -shortmessage_file, -error_file, -log_file and
	// -screen_file, the names of the -trace_msg, -trace_shortmsg,
	// -trace_err, -trace_logs and -trace_screen files. Default "" (SIPp's
	// <scenario>_<pid>_<kind>.log).
	MessageFile, ShortMessageFile, ErrorFile, LogFile, ScreenFile string
	// The *Overwrite fields are SIPp's -*_overwrite flags: false appends to
	// the log file instead of truncating it. Default true.
	MessageOverwrite, ShortMessageOverwrite, ErrorOverwrite, LogOverwrite, ScreenOverwrite bool
	// TraceCallDebug is -trace_calldebug: write the history of every
	// aborted call. CallDebugFile is -calldebug_file, its name (default
	// "": <scenario>_<pid>_calldebug.log); CallDebugOverwrite is
	// -calldebug_overwrite (default true).
	TraceCallDebug     bool
	CallDebugFile      string
	CallDebugOverwrite bool
	// TraceHDR is gossip's -trace_hdr FILE: an HdrHistogram interval log
	// of response times and call lengths, one interval per StatPeriod.
	// Default "" (none).
	TraceHDR string
	// SummaryJSON is gossip's -summary_json FILE: a JSON summary of the
	// run written at its end. Default "" (none).
	SummaryJSON string

	// Background is -bg: detach from the terminal. Default false.
	Background bool
	// NoStdin is -nostdin: do not read keyboard commands. Default false.
	NoStdin bool
	// ControlPort is -cp, the UDP remote-control port; 0 tries 8888 and
	// the next 59 ports as SIPp does. Default 0.
	ControlPort int
	// ControlIP is -ci, the remote-control port's address. gossip binds
	// loopback by default where SIPp binds every address. Default "".
	ControlIP string
	// SkipRlimit is -skip_rlimit: do not raise the open-files limit.
	// Default false.
	SkipRlimit bool

	// Threads is gossip's -threads, the number of event-loop shards.
	// Default runtime.NumCPU().
	Threads int
	// Dataplane is gossip's -dataplane backend, DataplaneStd,
	// DataplaneMmsg or DataplaneXDP. Default DataplaneMmsg on Linux,
	// DataplaneStd elsewhere.
	Dataplane string
	// XDPIface is -xdp_iface, the interface of the xdp backend. Default "".
	XDPIface string
	// XDPQueues is -xdp_queues, the receive queues (and shards) the xdp
	// backend serves. Default 0: every queue of the interface.
	XDPQueues int
	// XDPMode is -xdp_mode, XDPModeNative or XDPModeGeneric. Default ""
	// (native).
	XDPMode string
	// XDPSrcRange is -xdp_src_range, an IPv4 prefix each call sends from
	// its own address of. Default "" (none). See XDPSrcPrefix.
	XDPSrcRange string
	// XDPNextHopMAC is -xdp_next_hop_mac, the destination MAC of every
	// frame. Default "" (resolved per destination).
	XDPNextHopMAC string
	// XDPCopy is -xdp_copy, XDPCopyAuto, XDPCopyCopy or XDPCopyZero.
	// Default "" (auto).
	XDPCopy string

	// HEPAddr is gossip's -hep_addr HOST[:PORT]: every SIP message sent
	// and received is mirrored to this HEP3 collector (Homer). Default ""
	// (none). See HEPAddrPort.
	HEPAddr string
	// HEPTransport is -hep_transport, HEPTransportUDP or HEPTransportTCP.
	// Default HEPTransportUDP.
	HEPTransport string
	// HEPID is -hep_id, the HEP capture agent ID (0 to 4294967295).
	// Default DefaultHEPID.
	HEPID int64
	// HEPPassword is -hep_password, the HEP authentication key. Default "".
	HEPPassword string
	// HEPNodeName is -hep_node_name, the HEP capture node name. Default "".
	HEPNodeName string
	// HEPNoPad is -hep_nopad: over UDP, every HEP packet goes out
	// unpadded in its own message instead of padded, segmented batches.
	HEPNoPad bool

	// Given records the flags the user typed, by name without dashes
	// ("p", "trace_stat"), so callers can tell "-p 0" from no -p. Parse
	// fills it; it may be nil in Options built by hand. See Changed.
	Given map[string]bool
}

// defaultDataplane is mmsg where the kernel has recvmmsg/sendmmsg (Linux)
// and std elsewhere.
func defaultDataplane() string {
	if runtime.GOOS == "linux" {
		return DataplaneMmsg
	}
	return DataplaneStd
}

// Defaults returns Options holding SIPp's defaults (and gossip's for its
// own flags), with nothing given.
func Defaults() *Options {
	return &Options{
		Transport:             TransportUDP,
		TLSCert:               "cacert.pem",
		TLSKey:                "cakey.pem",
		WSPath:                "/",
		MaxSocket:             50000,
		ReconnectSleep:        time.Second,
		ReconnectClose:        true,
		MediaPort:             6000,
		BufferSize:            4 << 20,
		Service:               "service",
		BaseCSeq:              1,
		DefaultBehaviors:      "all",
		DynamicStart:          10000,
		DynamicMax:            12000,
		DynamicStep:           4,
		CallIDFormat:          "%u-%p@%s",
		Keys:                  map[string]string{},
		Rate:                  10,
		RatePeriod:            time.Second,
		Limit:                 LimitAuto,
		MaxRetrans:            max(DefaultMaxInviteRetrans, DefaultMaxNonInviteRetrans),
		MaxInviteRetrans:      DefaultMaxInviteRetrans,
		MaxNonInviteRetrans:   DefaultMaxNonInviteRetrans,
		T2:                    4 * time.Second,
		DeadCallWait:          33 * time.Second,
		TimerResol:            time.Millisecond,
		StatPeriod:            60 * time.Second,
		RTTFreq:               200,
		MessageOverwrite:      true,
		ShortMessageOverwrite: true,
		ErrorOverwrite:        true,
		LogOverwrite:          true,
		ScreenOverwrite:       true,
		CallDebugOverwrite:    true,
		Threads:               runtime.NumCPU(),
		Dataplane:             defaultDataplane(),
		HEPTransport:          HEPTransportUDP,
		HEPID:                 DefaultHEPID,
		Given:                 map[string]bool{},
	}
}

// Changed reports whether the user gave flag name ("p", "-p" and "--p" all
// work).
func (o *Options) Changed(name string) bool {
	return o.Given[strings.TrimLeft(name, "-")]
}

// Scenario returns the built-in scenario name to run, or "" when
// ScenarioFile names a file instead; it applies SIPp's default (uac).
func (o *Options) Scenario() string {
	switch {
	case o.ScenarioFile != "":
		return ""
	case o.ScenarioName != "":
		return o.ScenarioName
	default:
		return DefaultScenario
	}
}

// RemoteAddr splits Remote into host and port; the port defaults to
// DefaultSIPPort. It fails when Remote is empty or malformed.
func (o *Options) RemoteAddr() (host string, port int, err error) {
	return splitWithDefault(o.Remote, "", DefaultSIPPort)
}

// RemoteSendAddrPort splits RemoteSendAddr (-rsa) into host and port; the
// port defaults to DefaultSIPPort. It fails when -rsa is empty or malformed.
func (o *Options) RemoteSendAddrPort() (host string, port int, err error) {
	return splitWithDefault(o.RemoteSendAddr, "-rsa", DefaultSIPPort)
}

func splitWithDefault(addr, flag string, def int) (string, int, error) {
	host, port, err := SplitHostPort(addr)
	if err != nil {
		return "", 0, &FlagError{Flag: flag, Value: addr, Kind: ErrBadValue, Detail: err.Error()}
	}
	if port == 0 {
		port = def
	}
	return host, port, nil
}

// HEPAddrPort splits HEPAddr (-hep_addr) into host and port; the port
// defaults to DefaultHEPPort. It fails when -hep_addr is empty or malformed.
func (o *Options) HEPAddrPort() (host string, port int, err error) {
	return splitWithDefault(o.HEPAddr, "-hep_addr", DefaultHEPPort)
}

// SIPpScenarios returns the names SIPp 3.6/3.7 accept for -sn and -sd, in
// SIPp's order. Whether gossip embeds each one is the scenario package's
// business.
func SIPpScenarios() []string {
	return []string{"uac", "uas", "regexp", "3pcc-C-A", "3pcc-C-B", "3pcc-A", "3pcc-B",
		"branchc", "branchs", "uac_pcap", "ooc_default", "ooc_dummy"}
}

// Validate checks value ranges and the rules between flags. Parse calls it;
// call it again after changing Options by hand. The error is a *FlagError
// wrapping ErrBadValue, ErrConflict or ErrNotSupported.
func (o *Options) Validate() error {
	bad := func(flag, value, detail string) error {
		return &FlagError{Flag: flag, Value: value, Kind: ErrBadValue, Detail: detail}
	}
	itoa := strconv.Itoa
	itoa64 := func(n int64) string { return strconv.FormatInt(n, 10) }

	// Scenario selection.
	var picked []string
	if o.ScenarioName != "" || o.Changed("sn") {
		picked = append(picked, "-sn")
	}
	if o.ScenarioFile != "" || o.Changed("sf") {
		picked = append(picked, "-sf")
	}
	if o.ScenarioDump != "" || o.Changed("sd") {
		picked = append(picked, "-sd")
	}
	if len(picked) > 1 {
		return &FlagError{Flag: picked[0], Kind: ErrConflict,
			Detail: strings.Join(picked, " and ") + " cannot be used together: give one scenario"}
	}
	for _, f := range []struct{ flag, v string }{{"-sn", o.ScenarioName}, {"-sd", o.ScenarioDump}} {
		if (f.v != "" || o.Changed(f.flag)) && !slices.Contains(SIPpScenarios(), f.v) {
			return bad(f.flag, f.v, "not a built-in scenario (one of "+strings.Join(SIPpScenarios(), ", ")+")")
		}
	}
	if o.Changed("sf") && o.ScenarioFile == "" {
		return bad("-sf", "", "empty file name")
	}

	// Addresses.
	if o.Remote != "" {
		if _, _, err := SplitHostPort(o.Remote); err != nil {
			return bad("", o.Remote, err.Error())
		}
	}
	for _, f := range []struct{ flag, v string }{{"-i", o.LocalIP}, {"-mi", o.MediaIP}} {
		if o.Changed(f.flag) && f.v == "" {
			return bad(f.flag, f.v, "empty address")
		}
	}
	if o.RemoteSendAddr != "" || o.Changed("rsa") {
		if _, _, err := SplitHostPort(o.RemoteSendAddr); err != nil {
			return bad("-rsa", o.RemoteSendAddr, err.Error())
		}
	}
	if err := o.validate3PCC(); err != nil {
		return err
	}
	if o.LocalPort < 0 || o.LocalPort > 65535 {
		return bad("-p", itoa(o.LocalPort), "not a port number (0 to 65535)")
	}
	if o.TDMMap != "" {
		if _, err := o.TDMMapRanges(); err != nil {
			return err
		}
	}
	if o.MediaPort < 0 || o.MediaPort > 65535 {
		return bad("-mp", itoa(o.MediaPort), "not a port number (0 to 65535)")
	}
	switch o.Transport {
	case TransportUDP, TransportTCP, TransportTCPPerCall, TransportTLS, TransportTLSPerCall,
		TransportWS, TransportWSPerCall, TransportWSS, TransportWSSPerCall:
	case TransportUDPPerIP:
		if len(o.InjectionFiles) == 0 {
			return &FlagError{Flag: "-t", Value: string(o.Transport), Kind: ErrConflict,
				Detail: "-t ui takes each call's local address from an -inf file (field -ip_field): give -inf"}
		}
	case TransportUDPPerCall:
		return &FlagError{Flag: "-t", Value: string(o.Transport), Kind: ErrNotSupported,
			Detail: "-t un (a UDP socket per call) is a SIPp transport gossip does not support yet"}
	case TransportSCTP, TransportSCTPPerCall:
		return &FlagError{Flag: "-t", Value: string(o.Transport), Kind: ErrNotSupported,
			Detail: "-t " + string(o.Transport) + " (SCTP) is a SIPp transport gossip does not support yet"}
	default:
		return bad("-t", string(o.Transport), "unknown transport mode (u1, ui, t1, tn, l1, ln, w1, wn, ws1 or wsn)")
	}
	switch o.TLSVersion {
	case "", "1.2", "1.3":
	default:
		return bad("-tls_version", o.TLSVersion, "TLS version 1.2 or 1.3 (older versions are insecure)")
	}
	if o.IPField < 0 {
		return bad("-ip_field", itoa(o.IPField), "must be a field number, 0 or more")
	}
	if o.MaxSocket < 1 {
		return bad("-max_socket", itoa(o.MaxSocket), "must be at least 1")
	}
	if o.MaxReconnect < -1 {
		return bad("-max_reconnect", itoa(o.MaxReconnect), "must be -1 (no limit), 0 or more")
	}
	if o.ReconnectSleep < 0 {
		return bad("-reconnect_sleep", formatDuration(o.ReconnectSleep), "must not be negative")
	}
	if o.BufferSize <= 0 {
		return bad("-buff_size", itoa(o.BufferSize), "must be positive")
	}

	// Call behaviour.
	if o.BaseCSeq < 0 || o.BaseCSeq > math.MaxUint32 {
		return bad("-base_cseq", itoa64(o.BaseCSeq), "must be between 0 and 4294967295")
	}
	if _, err := o.Behaviors(); err != nil {
		return err
	}
	if math.IsNaN(o.Lost) || o.Lost < 0 || o.Lost > 100 {
		return bad("-lost", strconv.FormatFloat(o.Lost, 'g', -1, 64), "must be a percentage from 0 to 100")
	}

	// Rate and limits.
	if math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0) || o.Rate < 0 {
		return bad("-r", strconv.FormatFloat(o.Rate, 'g', -1, 64), "must be a number of calls, 0 or more")
	}
	if o.RatePeriod <= 0 {
		return bad("-rp", formatDuration(o.RatePeriod), "must be positive")
	}
	if o.Limit < LimitAuto || (o.Changed("l") && o.Limit < 0) {
		return bad("-l", itoa(o.Limit), "must be 0 (no limit) or more")
	}
	if o.MaxCalls < 0 || (o.Changed("m") && o.MaxCalls < 1) {
		return bad("-m", itoa(o.MaxCalls), "must be at least 1 (leave -m out for no limit)")
	}
	if o.Users < 0 || (o.Changed("users") && o.Users < 1) {
		return bad("-users", itoa(o.Users), "must be at least 1")
	}
	if o.Users > 0 && o.Limit != LimitAuto {
		return &FlagError{Flag: "-l", Kind: ErrConflict,
			Detail: "-l cannot be combined with -users (with -users, the number of users is the call limit)"}
	}
	if o.CallDuration < 0 {
		return bad("-d", formatDuration(o.CallDuration), "must not be negative")
	}

	// Timers.
	if o.RecvTimeout < 0 {
		return bad("-recv_timeout", formatDuration(o.RecvTimeout), "must not be negative")
	}
	if o.Timeout < 0 {
		return bad("-timeout", formatDuration(o.Timeout), "must not be negative")
	}
	if o.TimerResol < time.Millisecond {
		return bad("-timer_resol", formatDuration(o.TimerResol), "must be at least 1ms (the timers' resolution)")
	}
	if o.MaxRetrans < 0 {
		return bad("-max_retrans", itoa(o.MaxRetrans), "must not be negative")
	}

	// Statistics.
	if o.StatPeriod <= 0 {
		return bad("-fd", formatDuration(o.StatPeriod), "must be positive")
	}
	for _, f := range []struct{ flag, v string }{{"stf", o.StatFile}, {"message_file", o.MessageFile},
		{"shortmessage_file", o.ShortMessageFile}, {"error_file", o.ErrorFile}, {"log_file", o.LogFile},
		{"screen_file", o.ScreenFile}, {"calldebug_file", o.CallDebugFile}, {"trace_hdr", o.TraceHDR}, {"summary_json", o.SummaryJSON}} {
		if o.Changed(f.flag) && f.v == "" {
			return bad("-"+f.flag, "", "empty file name")
		}
	}
	if o.RTTFreq < 1 {
		return bad("-rtt_freq", itoa(o.RTTFreq), "must be at least 1")
	}
	if o.RateMax < 0 {
		return bad("-rate_max", itoa(o.RateMax), "must not be negative (leave it out for no maximum)")
	}
	if o.RateInterval < 0 || (o.Changed("rate_interval") && o.RateInterval <= 0) {
		return bad("-rate_interval", formatDuration(o.RateInterval), "must be positive")
	}
	if o.RateIncrease != 0 && o.Users > 0 {
		return &FlagError{Flag: "-rate_increase", Kind: ErrConflict,
			Detail: "-rate_increase changes the call rate, which a -users run does not use"}
	}

	// gossip's own.
	if o.Threads < 1 {
		return bad("-threads", itoa(o.Threads), "must be at least 1")
	}
	if o.Dataplane != DataplaneStd && o.Dataplane != DataplaneMmsg && o.Dataplane != DataplaneXDP {
		return bad("-dataplane", o.Dataplane, fmt.Sprintf("unknown backend (%s, %s or %s)", DataplaneStd, DataplaneMmsg, DataplaneXDP))
	}
	if err := o.validateXDP(); err != nil {
		return err
	}

	// HEP export.
	if o.HEPAddr != "" || o.Changed("hep_addr") {
		if _, _, err := SplitHostPort(o.HEPAddr); err != nil {
			return bad("-hep_addr", o.HEPAddr, err.Error())
		}
	}
	if o.HEPTransport != HEPTransportUDP && o.HEPTransport != HEPTransportTCP {
		return bad("-hep_transport", o.HEPTransport, "unknown transport (udp or tcp)")
	}
	if o.HEPID < 0 || o.HEPID > math.MaxUint32 {
		return bad("-hep_id", itoa64(o.HEPID), "must be between 0 and 4294967295")
	}
	return nil
}

// validate3PCC applies SIPp's rules between -3pcc, -master, -slave and
// -slave_cfg.
func (o *Options) validate3PCC() error {
	conflict := func(flag, detail string) error {
		return &FlagError{Flag: flag, Kind: ErrConflict, Detail: detail}
	}
	if o.ThirdPCC != "" || o.Changed("3pcc") {
		if _, port, err := SplitHostPort(o.ThirdPCC); err != nil || port == 0 {
			detail := "want HOST:PORT"
			if err != nil {
				detail = err.Error()
			}
			return &FlagError{Flag: "-3pcc", Value: o.ThirdPCC, Kind: ErrBadValue, Detail: detail}
		}
		if o.Master != "" || o.Slave != "" {
			return conflict("-3pcc", "-3pcc is not compatible with -master and -slave")
		}
		if o.SlaveCfg != "" {
			return conflict("-3pcc", "-3pcc and -slave_cfg are not compatible")
		}
	}
	if o.Master != "" && o.Slave != "" {
		return conflict("-master", "-slave and -master are not compatible")
	}
	for _, f := range []struct{ flag, v string }{{"master", o.Master}, {"slave", o.Slave}, {"slave_cfg", o.SlaveCfg}} {
		if o.Changed(f.flag) && f.v == "" {
			return &FlagError{Flag: "-" + f.flag, Kind: ErrBadValue, Detail: "empty value"}
		}
	}
	if (o.SlaveCfg != "") != (o.Master != "" || o.Slave != "") {
		return conflict("-slave_cfg", "-slave_cfg must be used with -slave or -master")
	}
	return nil
}

// Behavior bits of -default_behaviors (SIPp's DEFAULT_BEHAVIOR_*).
const (
	BehaviorBye        = 1 << iota // bye: end aborted calls with BYE, CANCEL or ACK
	BehaviorAbortUnexp             // abortunexp: an unexpected message fails the call
	BehaviorPingReply              // pingreply: answer an unexpected PING
	BehaviorBadCSeq                // cseq: check the CSeq of an ACK
	BehaviorAll        = BehaviorBye | BehaviorAbortUnexp | BehaviorPingReply | BehaviorBadCSeq
)

// Behaviors decodes -default_behaviors as SIPp does: the mask starts
// empty; each comma-separated word sets (no sign or +) or clears (-) its
// bits; "none" empties the mask; "all" is every behaviour.
func (o *Options) Behaviors() (int, error) {
	mask := 0
	for _, tok := range strings.Split(o.DefaultBehaviors, ",") {
		if tok == "" {
			continue
		}
		if tok == "none" {
			mask = 0
			continue
		}
		sign := byte('+')
		name := tok
		if tok[0] == '+' || tok[0] == '-' {
			sign, name = tok[0], tok[1:]
		}
		var bit int
		switch name {
		case "all":
			bit = BehaviorAll
		case "bye":
			bit = BehaviorBye
		case "abortunexp":
			bit = BehaviorAbortUnexp
		case "pingreply":
			bit = BehaviorPingReply
		case "cseq":
			bit = BehaviorBadCSeq
		default:
			return 0, fmt.Errorf("%w: -default_behaviors %q: unknown behaviour %q (want all, none, bye, abortunexp, pingreply, cseq)", ErrBadValue, o.DefaultBehaviors, tok)
		}
		if sign == '-' {
			mask &^= bit
		} else {
			mask |= bit
		}
	}
	return mask, nil
}

// TDMMapRanges reads -tdmmap {X1-X2}{H}{Y1-Y2}{Z1-Z2} (SIPp's
// "{%d-%d}{%d}{%d-%d}{%d-%d}") into X1, X2, H, Y1, Y2, Z1, Z2. Each range
// must not run backwards; the error is a *FlagError wrapping ErrBadValue.
func (o *Options) TDMMapRanges() ([7]int, error) {
	var v [7]int
	bad := func(detail string) ([7]int, error) {
		return v, &FlagError{Flag: "-tdmmap", Value: o.TDMMap, Kind: ErrBadValue, Detail: detail}
	}
	n, err := fmt.Sscanf(o.TDMMap, "{%d-%d}{%d}{%d-%d}{%d-%d}", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6])
	if err != nil || n != 7 {
		return bad("not of the form {X1-X2}{H}{Y1-Y2}{Z1-Z2}, e.g. {0-3}{99}{5-8}{1-31}")
	}
	for _, r := range [][2]int{{v[0], v[1]}, {v[3], v[4]}, {v[5], v[6]}} {
		if r[1] < r[0] {
			return bad(fmt.Sprintf("range %d-%d runs backwards", r[0], r[1]))
		}
	}
	if (v[1]-v[0]+1)*(v[4]-v[3]+1)*(v[6]-v[5]+1) > 1<<20 {
		return bad("more than 1048576 circuits")
	}
	return v, nil
}
