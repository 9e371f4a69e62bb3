package cli

import (
	"time"

	"github.com/spf13/pflag"
)

// section groups flags in Usage.
type section int

const (
	secScenario section = iota
	secAddresses
	secTransport
	secCall
	secRate
	secTimers
	secStats
	sec3PCC
	secProcess
	secGossip
	numSections
)

func (s section) title() string {
	return [...]string{
		"Scenario",
		"Addresses",
		"Transports",
		"Call behaviour",
		"Call rate and limits",
		"Timers and retransmissions",
		"Statistics and traces",
		"Third-party call control (3PCC)",
		"Process",
		"gossip extensions",
	}[s]
}

// flagSpec describes one flag gossip implements.
type flagSpec struct {
	name  string // without dashes, SIPp's spelling
	sec   section
	arg   string // value placeholder for Usage; "" for switches
	arity int    // values the flag takes: 0, 1 or 2
	help  string // one line, gossip's own words
	// def is the default Usage shows: "" derives it from Defaults through
	// bind, "-" shows none.
	def  string
	unit string // for time values: the unit of a bare number
	bind func(o *Options) pflag.Value
}

// Helpers that keep the table below readable.
func sw(name string, sec section, help string, p func(o *Options) *bool) flagSpec {
	return flagSpec{name: name, sec: sec, help: help, def: "-",
		bind: func(o *Options) pflag.Value { return &boolValue{p(o)} }}
}

func str(name string, sec section, arg, help, def string, p func(o *Options) *string) flagSpec {
	return flagSpec{name: name, sec: sec, arg: arg, arity: 1, help: help, def: def,
		bind: func(o *Options) pflag.Value { return &stringValue{p(o)} }}
}

func host(name string, sec section, arg, help, def string, p func(o *Options) *string) flagSpec {
	return flagSpec{name: name, sec: sec, arg: arg, arity: 1, help: help, def: def,
		bind: func(o *Options) pflag.Value { return &hostValue{p(o)} }}
}

func num(name string, sec section, arg, help, def string, p func(o *Options) *int) flagSpec {
	return flagSpec{name: name, sec: sec, arg: arg, arity: 1, help: help, def: def,
		bind: func(o *Options) pflag.Value { return &intValue{p(o)} }}
}

// num64 is num for values that need more than 32 bits on every platform.
func num64(name string, sec section, arg, help, def string, p func(o *Options) *int64) flagSpec {
	return flagSpec{name: name, sec: sec, arg: arg, arity: 1, help: help, def: def,
		bind: func(o *Options) pflag.Value { return &int64Value{p(o)} }}
}

func dur(name string, sec section, arg, help, def string, unit time.Duration, p func(o *Options) *time.Duration) flagSpec {
	label := map[time.Duration]string{time.Millisecond: "ms", time.Second: "s"}[unit]
	return flagSpec{name: name, sec: sec, arg: arg, arity: 1, help: help, def: def, unit: label,
		bind: func(o *Options) pflag.Value { return &timeValue{p: p(o), unit: unit} }}
}

// overwrite is a SIPp *_overwrite flag: a boolean value (true, false or a
// number) saying whether the log file is truncated (the default) or
// appended to.
func overwrite(name, file string, p func(o *Options) *bool) flagSpec {
	return flagSpec{name: name, sec: secStats, arg: "BOOL", arity: 1, def: "true",
		help: "false: append to the " + file + " file instead of truncating it",
		bind: func(o *Options) pflag.Value { return &sippBoolValue{p(o)} }}
}

// implementedFlags lists the flags gossip parses, in Usage order. It
// returns a fresh slice on every call (no package-level mutable state).
func implementedFlags() []flagSpec {
	return []flagSpec{
		str("sn", secScenario, "NAME", "run a built-in scenario: uac, uas, regexp, branchc, branchs, 3pcc-*, ...",
			DefaultScenario, func(o *Options) *string { return &o.ScenarioName }),
		str("sf", secScenario, "FILE", "run the scenario in this XML file",
			"-", func(o *Options) *string { return &o.ScenarioFile }),
		str("oocsf", secScenario, "FILE", "answer requests of no known call with the scenario in this XML file (client runs)",
			"-", func(o *Options) *string { return &o.OOCScenarioFile }),
		str("oocsn", secScenario, "NAME", "answer requests of no known call with a built-in scenario, e.g. ooc_default (client runs)",
			"-", func(o *Options) *string { return &o.OOCScenarioName }),
		str("sd", secScenario, "NAME", "print a built-in scenario's XML and exit with status 99",
			"-", func(o *Options) *string { return &o.ScenarioDump }),

		host("i", secAddresses, "IP", "local address put in Via, Contact and From",
			"host address", func(o *Options) *string { return &o.LocalIP }),
		num("p", secAddresses, "PORT", "local SIP port; 0 lets the system pick a free one",
			"", func(o *Options) *int { return &o.LocalPort }),
		{name: "t", sec: secTransport, arg: "MODE", arity: 1,
			help: "u1 UDP, ui UDP from each call's -ip_field address; t1/tn TCP, l1/ln TLS, w1/wn WebSocket, ws1/wsn secure WebSocket: 1 one connection per thread, n one per call",
			bind: func(o *Options) pflag.Value { return &transportValue{&o.Transport} }},
		num("ip_field", secTransport, "N", "with -t ui: the field of the first -inf file holding each call's local address",
			"", func(o *Options) *int { return &o.IPField }),
		str("tls_cert", secTransport, "FILE", "TLS certificate (PEM): the server's, or the client's own",
			"", func(o *Options) *string { return &o.TLSCert }),
		str("tls_key", secTransport, "FILE", "private key (PEM) of -tls_cert",
			"", func(o *Options) *string { return &o.TLSKey }),
		str("tls_ca", secTransport, "FILE", "trusted CAs (PEM): verify the server, or require client certificates",
			"-", func(o *Options) *string { return &o.TLSCA }),
		str("tls_version", secTransport, "VERSION", "lowest TLS version: 1.2 or 1.3",
			"1.2", func(o *Options) *string { return &o.TLSVersion }),
		str("tls_server_name", secGossip, "NAME", "server name a TLS client sends (SNI) and verifies",
			"the remote host", func(o *Options) *string { return &o.TLSServerName }),
		sw("tls_skip_verify", secGossip, "do not verify the TLS peer even with -tls_ca (labs only)",
			func(o *Options) *bool { return &o.TLSSkipVerify }),
		str("ws_path", secGossip, "PATH", "WebSocket request target",
			"", func(o *Options) *string { return &o.WSPath }),
		num("max_socket", secTransport, "N", "most connections in the per-call modes; then calls share them",
			"", func(o *Options) *int { return &o.MaxSocket }),
		num("max_reconnect", secTransport, "N", "reconnections after the shared connection is lost (-1: always)",
			"", func(o *Options) *int { return &o.MaxReconnect }),
		dur("reconnect_sleep", secTransport, "TIME", "wait before reconnecting; no call starts meanwhile",
			"", time.Millisecond, func(o *Options) *time.Duration { return &o.ReconnectSleep }),
		{name: "reconnect_close", sec: secTransport, arg: "BOOL", arity: 1, def: "true",
			help: "fail the calls of a lost connection (false: they go on over the next one)",
			bind: func(o *Options) pflag.Value { return &sippBoolValue{&o.ReconnectClose} }},
		str("rsa", secAddresses, "HOST[:PORT]", "send all messages to this address instead of the remote host",
			"-", func(o *Options) *string { return &o.RemoteSendAddr }),
		host("mi", secAddresses, "IP", "local media address, written by [media_ip]; play_pcap_* sends from it",
			"the -i address", func(o *Options) *string { return &o.MediaIP }),
		num("mp", secAddresses, "PORT", "local media port, written by [media_port] and [auto_media_port]; play_pcap_* sends from it",
			"", func(o *Options) *int { return &o.MediaPort }),
		num("buff_size", secAddresses, "BYTES", "socket send and receive buffer size; as root even past net.core.rmem_max",
			"", func(o *Options) *int { return &o.BufferSize }),

		str("s", secCall, "NAME", "user part of the request URI, written by [service]",
			"", func(o *Options) *string { return &o.Service }),
		sw("aa", secCall, "answer INFO, NOTIFY, OPTIONS and UPDATE with 200 OK automatically",
			func(o *Options) *bool { return &o.AutoAnswer }),
		str("default_behaviors", secCall, "LIST", "SIPp's automatic behaviours, comma-separated: all, none, bye, abortunexp, pingreply, cseq; +x adds, -x removes",
			"all", func(o *Options) *string { return &o.DefaultBehaviors }),
		sw("pause_msg_ign", secCall, "ignore the messages a call receives while it is in a <pause>",
			func(o *Options) *bool { return &o.PauseMsgIgnore }),
		{name: "lost", sec: secCall, arg: "PERCENT", arity: 1, def: "0",
			help: "drop this percentage of messages on purpose, sending and receiving (only for scenarios with a lost= attribute, which overrides it)",
			bind: func(o *Options) pflag.Value { return &floatValue{&o.Lost} }},
		num("dynamicStart", secCall, "N", "first value of [dynamic_id]",
			"", func(o *Options) *int { return &o.DynamicStart }),
		num("dynamicMax", secCall, "N", "largest value of [dynamic_id]; past it the counter starts again",
			"", func(o *Options) *int { return &o.DynamicMax }),
		num("dynamicStep", secCall, "N", "increment of [dynamic_id] at each use",
			"", func(o *Options) *int { return &o.DynamicStep }),
		num64("base_cseq", secCall, "N", "CSeq number of the first request of each call",
			"", func(o *Options) *int64 { return &o.BaseCSeq }),
		str("cid_str", secCall, "FORMAT", "Call-ID format: %u call number, %p pid, %s local IP, %r random",
			"", func(o *Options) *string { return &o.CallIDFormat }),
		str("tdmmap", secCall, "{X1-X2}{H}{Y1-Y2}{Z1-Z2}", "table of TDM circuits: each call holds a free one (none free: the call fails), [tdmmap] writes it as x.h.y/z",
			"-", func(o *Options) *string { return &o.TDMMap }),
		{name: "key", sec: secCall, arg: "NAME VALUE", arity: 2, def: "-",
			help: "write VALUE wherever a message template says [NAME] (repeatable)",
			bind: func(o *Options) pflag.Value { return &keyValue{&o.Keys} }},
		{name: "set", sec: secCall, arg: "NAME VALUE", arity: 2, def: "-",
			help: "start the scenario's global variable NAME at VALUE (repeatable)",
			bind: func(o *Options) pflag.Value { return &setValue{&o.Sets} }},
		str("au", secCall, "USER", "user name that [authentication] answers digest challenges with",
			"the -s value", func(o *Options) *string { return &o.AuthUser }),
		str("ap", secCall, "PASSWORD", "password that [authentication] answers digest challenges with",
			"password", func(o *Options) *string { return &o.AuthPassword }),
		str("auth_uri", secCall, "URI", "digest uri of [authentication] answers: sip:URI",
			"sip:remote_ip:remote_port", func(o *Options) *string { return &o.AuthURI }),
		{name: "inf", sec: secCall, arg: "FILE", arity: 1, def: "-",
			help: "injection file (CSV) whose lines [fieldN] reads, one line per call (repeatable)",
			bind: func(o *Options) pflag.Value { return &listValue{&o.InjectionFiles} }},
		{name: "rxinf", sec: secCall, arg: "FILE", arity: 1, def: "-",
			help: "injection file as -inf, except that [fieldN] without file= never reads it: name it with file= (repeatable)",
			bind: func(o *Options) pflag.Value { return &listValue{&o.RxInjectionFiles} }},
		{name: "infindex", sec: secCall, arg: "FILE FIELD", arity: 2, def: "-",
			help: "index field FIELD of -inf FILE (base name) for the lookup action (repeatable)",
			bind: func(o *Options) pflag.Value { return &setValue{&o.InjectionIndexes} }},

		{name: "r", sec: secRate, arg: "RATE", arity: 1, help: "calls started per rate period",
			bind: func(o *Options) pflag.Value { return &floatValue{&o.Rate} }},
		dur("rp", secRate, "TIME", "rate period", "", time.Millisecond,
			func(o *Options) *time.Duration { return &o.RatePeriod }),
		num("l", secRate, "N", "most calls open at once; 0 for no limit",
			"3 x call length x rate", func(o *Options) *int { return &o.Limit }),
		num("m", secRate, "N", "stop after N calls", "no limit", func(o *Options) *int { return &o.MaxCalls }),
		num("users", secRate, "N", "keep N calls open at all times instead of pacing by -r",
			"-", func(o *Options) *int { return &o.Users }),
		dur("d", secRate, "TIME", "length of scenario pauses that give none", "", time.Millisecond,
			func(o *Options) *time.Duration { return &o.CallDuration }),
		num("rate_increase", secRate, "N", "add N to the rate every -rate_interval",
			"-", func(o *Options) *int { return &o.RateIncrease }),
		num("rate_max", secRate, "N", "with -rate_increase: stop raising the rate past N, and end the test",
			"-", func(o *Options) *int { return &o.RateMax }),
		sw("no_rate_quit", secRate, "with -rate_max: keep running at the maximum rate instead of ending",
			func(o *Options) *bool { return &o.NoRateQuit }),
		dur("rate_interval", secRate, "TIME", "period of -rate_increase steps", "the -fd period", time.Second,
			func(o *Options) *time.Duration { return &o.RateInterval }),

		dur("recv_timeout", secTimers, "TIME", "abort a call whose expected message is late",
			"none", time.Millisecond, func(o *Options) *time.Duration { return &o.RecvTimeout }),
		dur("timeout", secTimers, "TIME", "end the test after this long", "none", time.Second,
			func(o *Options) *time.Duration { return &o.Timeout }),
		sw("timeout_error", secTimers, "count reaching -timeout as a failure",
			func(o *Options) *bool { return &o.TimeoutError }),
		num("max_retrans", secTimers, "N", "most UDP retransmissions of one message (INVITE: 5 at most)",
			"", func(o *Options) *int { return &o.MaxRetrans }),
		sw("nr", secTimers, "never retransmit over UDP", func(o *Options) *bool { return &o.NoRetrans }),
		num("max_invite_retrans", secTimers, "N", "most UDP retransmissions in an INVITE transaction",
			"5", func(o *Options) *int { return &o.MaxInviteRetrans }),
		num("max_non_invite_retrans", secTimers, "N", "most UDP retransmissions in other transactions",
			"9", func(o *Options) *int { return &o.MaxNonInviteRetrans }),
		dur("T2", secTimers, "TIME", "longest retransmission interval of non-INVITE requests (RFC 3261 T2)",
			"4s", time.Millisecond, func(o *Options) *time.Duration { return &o.T2 }),
		dur("timer_resol", secTimers, "TIME", "how often a busy event loop wakes to receive, send and run timers: longer means fewer wake-ups and less CPU per call, but answers up to this late",
			"1ms", time.Millisecond, func(o *Options) *time.Duration { return &o.TimerResol }),
		dur("deadcall_wait", secTimers, "TIME", "how long an ended call's Call-ID is remembered for late messages",
			"33s", time.Millisecond, func(o *Options) *time.Duration { return &o.DeadCallWait }),

		sw("trace_stat", secStats, "write periodic statistics to a CSV file",
			func(o *Options) *bool { return &o.TraceStat }),
		str("stf", secStats, "FILE", "name of the -trace_stat file", "<scenario>_<pid>_.csv",
			func(o *Options) *string { return &o.StatFile }),
		dur("fd", secStats, "TIME", "period between -trace_stat rows", "", time.Second,
			func(o *Options) *time.Duration { return &o.StatPeriod }),
		sw("trace_err", secStats, "log unexpected messages to <scenario>_<pid>_errors.log",
			func(o *Options) *bool { return &o.TraceErr }),
		sw("trace_msg", secStats, "log messages sent and received to <scenario>_<pid>_messages.log",
			func(o *Options) *bool { return &o.TraceMsg }),
		sw("trace_screen", secStats, "write the final screens to <scenario>_<pid>_screen.log",
			func(o *Options) *bool { return &o.TraceScreen }),
		sw("trace_shortmsg", secStats, "log one line per message to <scenario>_<pid>_shortmessages.log",
			func(o *Options) *bool { return &o.TraceShortMsg }),
		sw("trace_counts", secStats, "write per-message counters every -fd to <scenario>_<pid>_counts.csv",
			func(o *Options) *bool { return &o.TraceCounts }),
		sw("trace_error_codes", secStats, "write the codes of unexpected responses every -fd to <scenario>_<pid>_error_codes.csv",
			func(o *Options) *bool { return &o.TraceErrorCodes }),
		sw("trace_rtt", secStats, "write every response time to <scenario>_<pid>_rtt.csv",
			func(o *Options) *bool { return &o.TraceRTT }),
		num("rtt_freq", secStats, "N", "write -trace_rtt samples N at a time", "",
			func(o *Options) *int { return &o.RTTFreq }),
		sw("trace_logs", secStats, "write the scenario's <log> actions to <scenario>_<pid>_logs.log",
			func(o *Options) *bool { return &o.TraceLogs }),
		sw("periodic_rtd", secStats, "write repartition counts of each -fd period, not of the run, to -trace_stat",
			func(o *Options) *bool { return &o.PeriodicRTD }),
		str("message_file", secStats, "FILE", "name of the -trace_msg file", "-",
			func(o *Options) *string { return &o.MessageFile }),
		overwrite("message_overwrite", "-message_file", func(o *Options) *bool { return &o.MessageOverwrite }),
		str("shortmessage_file", secStats, "FILE", "name of the -trace_shortmsg file", "-",
			func(o *Options) *string { return &o.ShortMessageFile }),
		overwrite("shortmessage_overwrite", "-shortmessage_file", func(o *Options) *bool { return &o.ShortMessageOverwrite }),
		str("error_file", secStats, "FILE", "name of the -trace_err file", "-",
			func(o *Options) *string { return &o.ErrorFile }),
		overwrite("error_overwrite", "-error_file", func(o *Options) *bool { return &o.ErrorOverwrite }),
		str("log_file", secStats, "FILE", "name of the -trace_logs file", "-",
			func(o *Options) *string { return &o.LogFile }),
		overwrite("log_overwrite", "-log_file", func(o *Options) *bool { return &o.LogOverwrite }),
		str("screen_file", secStats, "FILE", "name of the -trace_screen file", "-",
			func(o *Options) *string { return &o.ScreenFile }),
		overwrite("screen_overwrite", "-screen_file", func(o *Options) *bool { return &o.ScreenOverwrite }),
		sw("trace_calldebug", secStats, "write the messages and events of every aborted call to <scenario>_<pid>_calldebug.log",
			func(o *Options) *bool { return &o.TraceCallDebug }),
		str("calldebug_file", secStats, "FILE", "name of the -trace_calldebug file", "-",
			func(o *Options) *string { return &o.CallDebugFile }),
		overwrite("calldebug_overwrite", "-calldebug_file", func(o *Options) *bool { return &o.CallDebugOverwrite }),

		str("3pcc", sec3PCC, "HOST:PORT", "3PCC twin mode: the command socket shared with the twin; a scenario whose first command is <sendCmd> connects to it (start it last), one whose first is <recvCmd> listens on it",
			"-", func(o *Options) *string { return &o.ThirdPCC }),
		str("master", sec3PCC, "NAME", "extended 3PCC: this instance is the master NAME of -slave_cfg",
			"-", func(o *Options) *string { return &o.Master }),
		str("slave", sec3PCC, "NAME", "extended 3PCC: this instance is the slave NAME of -slave_cfg",
			"-", func(o *Options) *string { return &o.Slave }),
		str("slave_cfg", sec3PCC, "FILE", "extended 3PCC: \"name;host:port\" lines giving every instance's command socket (each listens on its own, sendCmd dest= and recvCmd src= name the others)",
			"-", func(o *Options) *string { return &o.SlaveCfg }),

		sw("bg", secProcess, "run in the background", func(o *Options) *bool { return &o.Background }),
		num("cp", secProcess, "PORT", "UDP remote-control port (keys and \"cset rate N\" commands)",
			"8888, or the next free of 60", func(o *Options) *int { return &o.ControlPort }),
		str("ci", secProcess, "IP", "address of the remote-control port", "127.0.0.1",
			func(o *Options) *string { return &o.ControlIP }),
		sw("nostdin", secProcess, "ignore keyboard commands on standard input",
			func(o *Options) *bool { return &o.NoStdin }),
		sw("skip_rlimit", secProcess, "leave the open-files limit alone",
			func(o *Options) *bool { return &o.SkipRlimit }),

		num("threads", secGossip, "N", "event loops (shards) to run calls on",
			"number of CPUs", func(o *Options) *int { return &o.Threads }),
		str("dataplane", secGossip, "NAME", "packet I/O: mmsg (Linux recvmmsg/sendmmsg batches), std (portable) or xdp (Linux AF_XDP, root; see -xdp_*)",
			"mmsg on Linux", func(o *Options) *string { return &o.Dataplane }),
		str("xdp_iface", secGossip, "IFNAME", "-dataplane xdp: the interface to send and receive on (required)",
			"-", func(o *Options) *string { return &o.XDPIface }),
		num("xdp_queues", secGossip, "N", "-dataplane xdp: receive queues to serve, one shard each (instead of -threads)",
			"all of the interface's", func(o *Options) *int { return &o.XDPQueues }),
		str("xdp_mode", secGossip, "MODE", "-dataplane xdp: native (in the driver) or generic (any interface, slower)",
			XDPModeNative, func(o *Options) *string { return &o.XDPMode }),
		str("xdp_src_range", secGossip, "CIDR", "-dataplane xdp: send each call from its own address of this IPv4 range",
			"-", func(o *Options) *string { return &o.XDPSrcRange }),
		str("xdp_next_hop_mac", secGossip, "MAC", "-dataplane xdp: destination MAC of every frame",
			"from the neighbour table", func(o *Options) *string { return &o.XDPNextHopMAC }),
		str("xdp_copy", secGossip, "MODE", "-dataplane xdp: auto (zero-copy where the driver offers it), copy or zerocopy",
			XDPCopyAuto, func(o *Options) *string { return &o.XDPCopy }),
		str("trace_hdr", secGossip, "FILE", "write an HdrHistogram interval log of response times and call lengths every -fd",
			"-", func(o *Options) *string { return &o.TraceHDR }),
		str("summary_json", secGossip, "FILE", "write a JSON summary of the run (totals, failures, percentiles) at the end",
			"-", func(o *Options) *string { return &o.SummaryJSON }),
		str("hep_addr", secGossip, "HOST[:PORT]", "mirror every SIP message sent and received to this HEP3 (Homer) collector",
			"none; port 9060", func(o *Options) *string { return &o.HEPAddr }),
		str("hep_transport", secGossip, "udp|tcp", "transport to the -hep_addr collector",
			"", func(o *Options) *string { return &o.HEPTransport }),
		num64("hep_id", secGossip, "N", "HEP capture agent ID (0 to 4294967295)",
			"", func(o *Options) *int64 { return &o.HEPID }),
		str("hep_password", secGossip, "KEY", "HEP authentication key sent in every packet",
			"-", func(o *Options) *string { return &o.HEPPassword }),
		str("hep_node_name", secGossip, "NAME", "HEP capture node name sent in every packet",
			"-", func(o *Options) *string { return &o.HEPNodeName }),
		sw("hep_nopad", secGossip, "UDP HEP: send each packet unpadded in its own datagram, in order (more CPU; for collectors that reject unknown chunks)",
			func(o *Options) *bool { return &o.HEPNoPad }),
	}
}

// sippOnlyFlags maps every flag of SIPp's option table (3.6 and 3.7) that
// gossip does not implement yet to the number of values it takes, so Parse
// can refuse it by name and still skip its values.
func sippOnlyFlags() map[string]int {
	m := map[string]int{}
	for _, name := range []string{
		// switches
		"bind_local", "rtp_echo", "rtpcheck_debug", "srtpcheck_debug", "random_base_ssrc",
		"nd", "callid_slash_ign", "rfc3339",
	} {
		m[name] = 0
	}
	for _, name := range []string{
		// scenarios
		"rxsf", "rxrn",
		// addresses and transports
		"bind_to_device", "tls_crl",
		"multihome", "heartbeat", "assocmaxret", "pathmaxret", "pmtu", "gracefulclose",
		// overall behaviour
		"plugin", "sleep", "sendbuffer_warn",
		// call behaviour
		"cid_type",
		// media
		"mb", "min_rtp_port", "max_rtp_port", "rtp_payload", "rtp_threadtasks", "rtp_buffsize",
		"audiotolerance", "videotolerance",
		// rate
		"rate_scale",
		// timers
		"send_timeout", "rtcheck",
		// performance and watchdog
		"max_recv_loops", "max_sched_loops", "watchdog_interval",
		"watchdog_reset", "watchdog_minor_threshold", "watchdog_major_threshold",
		"watchdog_major_maxtriggers", "watchdog_minor_maxtriggers",
		// statistics and logs
		"f", "stat_delimiter",
		"ringbuffer_files", "ringbuffer_size", "max_log_size",
	} {
		m[name] = 1
	}
	return m
}
