package engine

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/inject"
	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// Config is everything a run needs. The zero value of each optional field
// takes SIPp's default (see Defaults).
type Config struct {
	Scenario *scenario.Scenario

	// Remote is the peer calls go to (client mode); for server mode it is
	// unused, replies go to where requests came from.
	Remote netip.AddrPort
	// Local is the address to bind (SIPp -i); unspecified binds all and
	// renders [local_ip] as the address that routes to Remote.
	Local netip.Addr
	// LocalPort is the port to bind (-p); 0 picks one. Server shards all
	// bind it (SO_REUSEPORT); client shard k binds LocalPort+k.
	LocalPort int
	// Shards is the number of event loops (-threads).
	Shards int
	// Backend names the dataplane backend ("std").
	Backend string
	// BufferSize sets the sockets' send and receive buffers (-buff_size).
	BufferSize int
	// NoKernelSteering leaves off the SO_REUSEPORT program that has the
	// kernel put each datagram of a server's shared UDP port on its
	// call's shard (Engine.steerByCallID): the shards then hand datagrams
	// to each other, as when the program cannot be loaded. For comparing
	// the two (GOSSIP_NO_REUSEPORT_BPF=1 in cmd/gossip).
	NoKernelSteering bool
	// XDP configures the "xdp" backend (-xdp_iface, -xdp_mode,
	// -xdp_src_range): shard k serves receive queue k, and XDP.Queues,
	// when positive (-xdp_queues), is the number of shards. With
	// XDP.SrcRange set, each call of a client scenario sends from its own
	// address of the range (call number modulo the range's size), which
	// [local_ip] renders (source.go). Other backends ignore it.
	XDP dataplane.XDPConfig

	// Transport is the SIP transport (-t): "" or "udp", or a stream
	// transport, "tcp", "tls", "ws" or "wss" (stream.go).
	Transport string
	// ConnPerCall opens one connection per call (-t tn, ln; SIPp's
	// multi-socket mode) instead of one per shard (t1, l1).
	ConnPerCall bool
	// TLS is the TLS configuration of "tls" and "wss": the client side
	// of a client scenario, the server side of a server scenario.
	TLS *tls.Config
	// WSPath is the WebSocket request target; default "/".
	WSPath string
	// MaxSocket caps the connections a ConnPerCall client opens
	// (-max_socket, default 50000); beyond it calls share the open ones.
	MaxSocket int
	// MaxReconnect is how many times a client re-establishes its shared
	// connection after losing it (-max_reconnect; -1: no limit, 0: losing
	// it ends the run with a fatal error, as SIPp does).
	MaxReconnect int
	// ReconnectSleep is the wait before reconnecting (-reconnect_sleep,
	// default 1 s); no call starts meanwhile.
	ReconnectSleep time.Duration
	// PerIP is SIPp's -t ui: one UDP socket per address of field IPField
	// (-ip_field) of the first Inject file; each client call sends from
	// the address of its line (perip.go).
	PerIP   bool
	IPField int
	// ReconnectKeepCalls keeps the calls of a lost connection running on
	// the next one instead of failing them (-reconnect_close false).
	ReconnectKeepCalls bool

	// Rate is the number of new calls per RatePeriod (-r, -rp).
	Rate       float64
	RatePeriod time.Duration
	// Limit caps simultaneous calls (-l); 0 means no cap.
	Limit int
	// MaxCalls stops creating calls after this many (-m); 0 means no cap.
	MaxCalls int
	// Users, when positive, replaces the rate: that many calls run at once,
	// each replaced by a new one when it ends (-users).
	Users int

	// DefaultPause is the length of a pause without milliseconds (-d).
	DefaultPause time.Duration
	// RecvTimeout is the receive timeout for recvs without one (-recv_timeout).
	RecvTimeout time.Duration
	// MaxRetrans caps UDP retransmissions of one message (-max_retrans);
	// INVITE transactions stop after 5 (SIPp's default), others after 9.
	MaxRetrans          int
	MaxInviteRetrans    int
	MaxNonInviteRetrans int
	// NoRetrans disables UDP retransmissions (-nr).
	NoRetrans bool
	// T2 caps the retransmission interval of non-INVITE requests
	// (RFC 3261 §17.1.2.2); default 4 s.
	T2 time.Duration
	// TimerResol is how often a busy shard wakes (-timer_resol): it then
	// receives everything queued, sends, launches the calls due and runs
	// its timers, so a longer period means fewer wake-ups, each serving
	// more messages, and answers held up to that long; its timers fire on
	// the same boundaries (SIPp: calls are managed "every timer_resol ms
	// at best"). An idle shard answers at once and keeps 1 ms timers.
	// Default 1 ms; it is rounded up to whole ms.
	TimerResol time.Duration
	// DeadCallWait is how long an ended call's Call-ID is remembered so
	// late messages count as dead-call messages (-deadcall_wait).
	DeadCallWait time.Duration

	// Service renders [service] (-s).
	Service string
	// BaseCSeq is the first [cseq] value of every call (-base_cseq); 0
	// takes SIPp's default, 1, and a negative value starts at 0.
	BaseCSeq int64
	// CallIDFormat builds Call-IDs of new calls (-cid_str): %u call number,
	// %p process id, %s local IP, %% a percent sign.
	CallIDFormat string
	// TDMMap is -tdmmap: each call holds a circuit, which [tdmmap]
	// renders; nil: none (a scenario using [tdmmap] is refused).
	TDMMap *TDMMap
	// MediaIP and MediaPort render [media_ip] and [media_port].
	MediaIP   netip.Addr
	MediaPort int
	// PID renders [pid]; 0 takes the process id.
	PID int

	// SendTo, when valid, receives every message instead of Remote
	// (-rsa); [remote_ip] and [remote_port] still render Remote.
	SendTo netip.AddrPort
	// AutoAnswer answers INFO, NOTIFY, OPTIONS and UPDATE requests that no
	// scenario step expects with 200 OK instead of failing the call (-aa).
	AutoAnswer bool
	// DisabledBehaviors turns off SIPp's default behaviours
	// (-default_behaviors); the zero value keeps them all.
	DisabledBehaviors Behavior
	// PauseMsgIgnore drops the messages a call receives while it is in a
	// <pause> (-pause_msg_ign).
	PauseMsgIgnore bool
	// Lost is the percentage of messages to drop on purpose, sending and
	// receiving (-lost); SIPp applies it, and lost= attributes, only when
	// the scenario has at least one lost= attribute.
	Lost float64
	// Tracer, when set, receives every message and call warning
	// (-trace_msg, -trace_err, -trace_shortmsg).
	Tracer trace.Tracer
	// Observer, when set, receives each response-time sample and the
	// status code of each unexpected message (-trace_rtt,
	// -trace_error_codes).
	Observer trace.CallObserver
	// ActionLog, when set, receives the text of the scenario's <log>
	// actions (-trace_logs).
	ActionLog trace.ActionLogger
	// CallDebug, when set, receives the history of each call aborted on a
	// timeout, a retransmission limit, an unexpected message or a 3PCC
	// abort (-trace_calldebug).
	CallDebug trace.CallDebugger
	// Mirror, when set, receives a copy of every SIP message sent or
	// received, with its real send or receive time (HEP export, -hep_addr).
	Mirror trace.Mirror

	// Inject holds the -inf files (with their -infindex indexes) that
	// [fieldN] and <lookup> read; nil: none.
	Inject *inject.Set

	// AuthUser, AuthPassword and AuthURI answer digest challenges for
	// [authentication] without username=/password= (-au, default -s;
	// -ap, default "password"; -auth_uri: the digest-uri is
	// "sip:"+AuthURI, default "sip:" remote_ip:remote_port).
	AuthUser, AuthPassword, AuthURI string

	// ThirdPCC configures <sendCmd> and <recvCmd>: -3pcc, or -master or
	// -slave with -slave_cfg (twin.go).
	ThirdPCC ThirdPCC

	// OOC is the out-of-call scenario (-oocsf, -oocsn): in a client run,
	// a request of no known call starts a call of it, which answers it.
	// It must start with a <recv>; load it with scenario.Options.Main set
	// to Scenario so they share <Global> variables. Its calls keep
	// statistics of their own (Engine.OOCSnapshot).
	OOC *scenario.Scenario

	// RemoteHost renders [remote_host]: the remote host as the command
	// line gave it; empty: Remote's address.
	RemoteHost string
	// Version renders [sipp_version]; empty: "gossip".
	Version string
	// DynamicStart, DynamicMax and DynamicStep drive [dynamic_id]
	// (-dynamicStart, -dynamicMax, -dynamicStep): it starts at
	// DynamicStart, grows by DynamicStep at each rendering and goes back
	// to DynamicStart past DynamicMax. All three zero take SIPp's
	// defaults, 10000, 12000 and 4.
	DynamicStart, DynamicMax, DynamicStep int

	// Set gives <Global> variables a string value before the first call
	// (-set NAME VALUE); a name the scenario does not declare <Global> is
	// an error.
	Set map[string]string

	// DrainTimeout bounds how long Stop lets running calls finish before
	// they are aborted.
	DrainTimeout time.Duration

	// Logger receives warnings; nil discards them.
	Logger *slog.Logger

	// openEndpoint replaces dataplane.Open in tests.
	openEndpoint func(dataplane.Config) (dataplane.Endpoint, error)
}

// Behavior is one of SIPp's default behaviours (-default_behaviors), as
// a bit of a mask.
type Behavior uint8

const (
	// BehaviorBye: an aborted client call sends BYE, CANCEL or ACK to end
	// the dialog, and an unexpected BYE or CANCEL gets its 200 OK.
	BehaviorBye Behavior = 1 << iota
	// BehaviorAbortUnexp: an unexpected message fails the call; without
	// it the message is ignored and the call goes on.
	BehaviorAbortUnexp
	// BehaviorPingReply: an unexpected PING is answered with 200 OK and
	// ends the call.
	BehaviorPingReply
	// BehaviorBadCSeq: an ACK whose CSeq number differs from its INVITE's
	// fails the call.
	BehaviorBadCSeq

	// BehaviorAll is every default behaviour (SIPp's default).
	BehaviorAll = BehaviorBye | BehaviorAbortUnexp | BehaviorPingReply | BehaviorBadCSeq
)

// Errors returned by New for a configuration that cannot run.
var (
	ErrNoScenario = errors.New("engine: no scenario")
	ErrNoRemote   = errors.New("engine: a client scenario needs a remote host")
	ErrConfig     = errors.New("engine: invalid configuration")
	// ErrBind wraps a failure to bind the local address (SIPp exits 254).
	ErrBind = errors.New("engine: cannot bind local address")
)

// withDefaults returns cfg with SIPp's defaults filled in.
func (cfg Config) withDefaults() Config {
	if cfg.Shards <= 0 {
		cfg.Shards = runtime.NumCPU()
	}
	if cfg.RatePeriod <= 0 {
		cfg.RatePeriod = time.Second
	}
	if cfg.MaxInviteRetrans <= 0 {
		cfg.MaxInviteRetrans = 5
	}
	if cfg.MaxNonInviteRetrans <= 0 {
		cfg.MaxNonInviteRetrans = 9
	}
	if cfg.MaxRetrans <= 0 {
		cfg.MaxRetrans = max(cfg.MaxInviteRetrans, cfg.MaxNonInviteRetrans)
	}
	if cfg.T2 <= 0 {
		cfg.T2 = 4 * time.Second
	}
	if cfg.DeadCallWait <= 0 {
		cfg.DeadCallWait = 33 * time.Second
	}
	cfg.TimerResol = max((cfg.TimerResol+tick-1)/tick*tick, tick)
	switch {
	case cfg.BaseCSeq == 0:
		cfg.BaseCSeq = 1
	case cfg.BaseCSeq < 0:
		cfg.BaseCSeq = 0
	}
	if cfg.DynamicStart == 0 && cfg.DynamicMax == 0 && cfg.DynamicStep == 0 {
		cfg.DynamicStart, cfg.DynamicMax, cfg.DynamicStep = 10000, 12000, 4
	}
	if cfg.Version == "" {
		cfg.Version = "gossip"
	}
	if cfg.Service == "" {
		cfg.Service = "service"
	}
	if cfg.CallIDFormat == "" {
		cfg.CallIDFormat = "%u-%p@%s"
	}
	if cfg.PID == 0 {
		cfg.PID = os.Getpid()
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 5 * time.Second
	}
	if cfg.MaxSocket <= 0 {
		cfg.MaxSocket = 50000
	}
	if cfg.ReconnectSleep <= 0 {
		cfg.ReconnectSleep = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// engineSupports says which scenario features beyond send, recv, pause,
// nop, label and timewait the engine executes (languageSupports in
// actions.go lists them); Check refuses the others by file and line.
func engineSupports(f scenario.Feature) bool {
	return languageSupports(f) || f == scenario.FeatureSendCmd || f == scenario.FeatureRecvCmd
}

func (cfg *Config) validate() error {
	if cfg.Scenario == nil || len(cfg.Scenario.Commands) == 0 {
		return ErrNoScenario
	}
	// The loader parses all of SIPp's language; refuse, with file and
	// line, what the engine does not execute yet rather than ignore it.
	if err := cfg.Scenario.Check(engineSupports); err != nil {
		return err
	}
	if cfg.Scenario.Mode == scenario.ModeClient && !cfg.Remote.IsValid() {
		return ErrNoRemote
	}
	if cfg.Rate < 0 {
		return fmt.Errorf("%w: negative rate %v", ErrConfig, cfg.Rate)
	}
	switch cfg.Transport {
	case "", "udp", "tcp", "tls", "ws", "wss":
	default:
		return fmt.Errorf("%w: unknown transport %q", ErrConfig, cfg.Transport)
	}
	if (cfg.Transport == "tls" || cfg.Transport == "wss") && cfg.TLS == nil {
		return fmt.Errorf("%w: transport %s needs a TLS configuration", ErrConfig, cfg.Transport)
	}
	if cfg.LocalPort < 0 || cfg.LocalPort > 65535 {
		return fmt.Errorf("%w: local port %d", ErrConfig, cfg.LocalPort)
	}
	return nil
}
