package cli

import (
	"bufio"
	"errors"
	"maps"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// expect returns Defaults() with remote set, edit applied and Given holding
// the flags named in given.
func expect(remote string, edit func(o *Options), given ...string) *Options {
	o := Defaults()
	o.Remote = remote
	if edit != nil {
		edit(o)
	}
	for _, g := range given {
		o.Given[g] = true
	}
	return o
}

// xdpEdit wraps edit with the flags every -xdp_* row also gives.
func xdpEdit(edit func(o *Options)) func(o *Options) {
	return func(o *Options) {
		o.Dataplane, o.XDPIface = DataplaneXDP, "eth1"
		o.Given["dataplane"], o.Given["xdp_iface"] = true, true
		edit(o)
	}
}

func mustParse(t *testing.T, args ...string) *Options {
	t.Helper()
	o, err := Parse(args)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return o
}

func TestDefaults(t *testing.T) {
	o := mustParse(t, "127.0.0.1")
	want := &Options{
		Remote:                "127.0.0.1",
		Transport:             "u1",
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
		CallIDFormat:          "%u-%p@%s",
		Keys:                  map[string]string{},
		Rate:                  10,
		RatePeriod:            time.Second,
		DefaultBehaviors:      "all",
		DynamicStart:          10000,
		DynamicMax:            12000,
		DynamicStep:           4,
		Limit:                 -1,
		MaxRetrans:            9,
		MaxInviteRetrans:      5,
		MaxNonInviteRetrans:   9,
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
		HEPTransport:          "udp",
		HEPID:                 2001,
		Given:                 map[string]bool{},
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", o, want)
	}
	if err := Defaults().Validate(); err != nil {
		t.Errorf("Defaults().Validate() = %v", err)
	}
	if got := o.Scenario(); got != "uac" {
		t.Errorf("Scenario() = %q, want uac", got)
	}
}

// TestEachFlag parses every implemented flag on its own and checks that it
// sets its field, marks it given, and changes nothing else.
func TestEachFlag(t *testing.T) {
	tests := []struct {
		flag string
		args []string
		edit func(o *Options)
	}{
		{"sn", []string{"-sn", "uas"}, func(o *Options) { o.ScenarioName = "uas" }},
		{"sf", []string{"-sf", "my scenario.xml"}, func(o *Options) { o.ScenarioFile = "my scenario.xml" }},
		{"sd", []string{"-sd", "branchc"}, func(o *Options) { o.ScenarioDump = "branchc" }},
		{"i", []string{"-i", "10.0.0.1"}, func(o *Options) { o.LocalIP = "10.0.0.1" }},
		{"p", []string{"-p", "5070"}, func(o *Options) { o.LocalPort = 5070 }},
		{"t", []string{"-t", "t1"}, func(o *Options) { o.Transport = TransportTCP }},
		{"tls_cert", []string{"-tls_cert", "c.pem"}, func(o *Options) { o.TLSCert = "c.pem" }},
		{"tls_key", []string{"-tls_key", "k.pem"}, func(o *Options) { o.TLSKey = "k.pem" }},
		{"tls_ca", []string{"-tls_ca", "ca.pem"}, func(o *Options) { o.TLSCA = "ca.pem" }},
		{"tls_version", []string{"-tls_version", "1.3"}, func(o *Options) { o.TLSVersion = "1.3" }},
		{"tls_server_name", []string{"-tls_server_name", "sip.example"}, func(o *Options) { o.TLSServerName = "sip.example" }},
		{"tls_skip_verify", []string{"-tls_skip_verify"}, func(o *Options) { o.TLSSkipVerify = true }},
		{"ws_path", []string{"-ws_path", "/sip"}, func(o *Options) { o.WSPath = "/sip" }},
		{"ip_field", []string{"-ip_field", "2"}, func(o *Options) { o.IPField = 2 }},
		{"max_socket", []string{"-max_socket", "100"}, func(o *Options) { o.MaxSocket = 100 }},
		{"max_reconnect", []string{"-max_reconnect", "-1"}, func(o *Options) { o.MaxReconnect = -1 }},
		{"reconnect_sleep", []string{"-reconnect_sleep", "250"}, func(o *Options) { o.ReconnectSleep = 250 * time.Millisecond }},
		{"reconnect_close", []string{"-reconnect_close", "false"}, func(o *Options) { o.ReconnectClose = false }},
		{"rsa", []string{"-rsa", "10.0.0.9:5080"}, func(o *Options) { o.RemoteSendAddr = "10.0.0.9:5080" }},
		{"mi", []string{"-mi", "10.0.0.2"}, func(o *Options) { o.MediaIP = "10.0.0.2" }},
		{"mp", []string{"-mp", "7000"}, func(o *Options) { o.MediaPort = 7000 }},
		{"buff_size", []string{"-buff_size", "1048576"}, func(o *Options) { o.BufferSize = 1 << 20 }},
		{"s", []string{"-s", "1000"}, func(o *Options) { o.Service = "1000" }},
		{"aa", []string{"-aa"}, func(o *Options) { o.AutoAnswer = true }},
		{"base_cseq", []string{"-base_cseq", "100"}, func(o *Options) { o.BaseCSeq = 100 }},
		{"default_behaviors", []string{"-default_behaviors", "all,-bye"}, func(o *Options) { o.DefaultBehaviors = "all,-bye" }},
		{"pause_msg_ign", []string{"-pause_msg_ign"}, func(o *Options) { o.PauseMsgIgnore = true }},
		{"oocsf", []string{"-oocsf", "ooc.xml"}, func(o *Options) { o.OOCScenarioFile = "ooc.xml" }},
		{"oocsn", []string{"-oocsn", "ooc_default"}, func(o *Options) { o.OOCScenarioName = "ooc_default" }},
		{"lost", []string{"-lost", "2.5"}, func(o *Options) { o.Lost = 2.5 }},
		{"dynamicStart", []string{"-dynamicStart", "5"}, func(o *Options) { o.DynamicStart = 5 }},
		{"dynamicMax", []string{"-dynamicMax", "50"}, func(o *Options) { o.DynamicMax = 50 }},
		{"dynamicStep", []string{"-dynamicStep", "2"}, func(o *Options) { o.DynamicStep = 2 }},
		{"cid_str", []string{"-cid_str", "%u@gossip"}, func(o *Options) { o.CallIDFormat = "%u@gossip" }},
		{"key", []string{"-key", "user", "alice"}, func(o *Options) { o.Keys["user"] = "alice" }},
		{"set", []string{"-set", "x", "1"}, func(o *Options) { o.Sets = []KV{{"x", "1"}} }},
		{"au", []string{"-au", "alice"}, func(o *Options) { o.AuthUser = "alice" }},
		{"ap", []string{"-ap", "s3cret"}, func(o *Options) { o.AuthPassword = "s3cret" }},
		{"auth_uri", []string{"-auth_uri", "h.example"}, func(o *Options) { o.AuthURI = "h.example" }},
		{"inf", []string{"-inf", "a.csv", "-inf", "dir/b.csv"}, func(o *Options) { o.InjectionFiles = []string{"a.csv", "dir/b.csv"} }},
		{"tdmmap", []string{"-tdmmap", "{0-3}{99}{5-8}{1-31}"}, func(o *Options) { o.TDMMap = "{0-3}{99}{5-8}{1-31}" }},
		{"rxinf", []string{"-rxinf", "a.csv", "-rxinf", "dir/c.csv"}, func(o *Options) { o.RxInjectionFiles = []string{"a.csv", "dir/c.csv"} }},
		{"infindex", []string{"-infindex", "a.csv", "1", "-infindex", "b.csv", "0"}, func(o *Options) {
			o.InjectionIndexes = []KV{{"a.csv", "1"}, {"b.csv", "0"}}
		}},
		{"r", []string{"-r", "2.5"}, func(o *Options) { o.Rate = 2.5 }},
		{"rp", []string{"-rp", "2000"}, func(o *Options) { o.RatePeriod = 2 * time.Second }},
		{"l", []string{"-l", "500"}, func(o *Options) { o.Limit = 500 }},
		{"m", []string{"-m", "1000"}, func(o *Options) { o.MaxCalls = 1000 }},
		{"users", []string{"-users", "50"}, func(o *Options) { o.Users = 50 }},
		{"d", []string{"-d", "3000"}, func(o *Options) { o.CallDuration = 3 * time.Second }},
		{"recv_timeout", []string{"-recv_timeout", "500"}, func(o *Options) { o.RecvTimeout = 500 * time.Millisecond }},
		{"timeout", []string{"-timeout", "30"}, func(o *Options) { o.Timeout = 30 * time.Second }},
		{"timeout_error", []string{"-timeout_error"}, func(o *Options) { o.TimeoutError = true }},
		{"max_retrans", []string{"-max_retrans", "3"}, func(o *Options) { o.MaxRetrans = 3 }},
		{"nr", []string{"-nr"}, func(o *Options) { o.NoRetrans = true }},
		{"cp", []string{"-cp", "9000"}, func(o *Options) { o.ControlPort = 9000 }},
		{"ci", []string{"-ci", "127.0.0.2"}, func(o *Options) { o.ControlIP = "127.0.0.2" }},
		{"max_invite_retrans", []string{"-max_invite_retrans", "2"}, func(o *Options) { o.MaxInviteRetrans = 2 }},
		{"max_non_invite_retrans", []string{"-max_non_invite_retrans", "3"}, func(o *Options) { o.MaxNonInviteRetrans = 3 }},
		{"T2", []string{"-T2", "2s"}, func(o *Options) { o.T2 = 2 * time.Second }},
		{"deadcall_wait", []string{"-deadcall_wait", "1000"}, func(o *Options) { o.DeadCallWait = time.Second }},
		{"timer_resol", []string{"-timer_resol", "2"}, func(o *Options) { o.TimerResol = 2 * time.Millisecond }},
		{"trace_stat", []string{"-trace_stat"}, func(o *Options) { o.TraceStat = true }},
		{"stf", []string{"-stf", "stats.csv"}, func(o *Options) { o.StatFile = "stats.csv" }},
		{"fd", []string{"-fd", "5"}, func(o *Options) { o.StatPeriod = 5 * time.Second }},
		{"trace_err", []string{"-trace_err"}, func(o *Options) { o.TraceErr = true }},
		{"trace_msg", []string{"-trace_msg"}, func(o *Options) { o.TraceMsg = true }},
		{"trace_screen", []string{"-trace_screen"}, func(o *Options) { o.TraceScreen = true }},
		{"trace_shortmsg", []string{"-trace_shortmsg"}, func(o *Options) { o.TraceShortMsg = true }},
		{"trace_counts", []string{"-trace_counts"}, func(o *Options) { o.TraceCounts = true }},
		{"trace_error_codes", []string{"-trace_error_codes"}, func(o *Options) { o.TraceErrorCodes = true }},
		{"trace_rtt", []string{"-trace_rtt"}, func(o *Options) { o.TraceRTT = true }},
		{"rtt_freq", []string{"-rtt_freq", "7"}, func(o *Options) { o.RTTFreq = 7 }},
		{"trace_logs", []string{"-trace_logs"}, func(o *Options) { o.TraceLogs = true }},
		{"periodic_rtd", []string{"-periodic_rtd"}, func(o *Options) { o.PeriodicRTD = true }},
		{"message_file", []string{"-message_file", "m.log"}, func(o *Options) { o.MessageFile = "m.log" }},
		{"message_overwrite", []string{"-message_overwrite", "false"}, func(o *Options) { o.MessageOverwrite = false }},
		{"shortmessage_file", []string{"-shortmessage_file", "s.log"}, func(o *Options) { o.ShortMessageFile = "s.log" }},
		{"shortmessage_overwrite", []string{"-shortmessage_overwrite", "FALSE"}, func(o *Options) { o.ShortMessageOverwrite = false }},
		{"error_file", []string{"-error_file", "e.log"}, func(o *Options) { o.ErrorFile = "e.log" }},
		{"error_overwrite", []string{"-error_overwrite", "0"}, func(o *Options) { o.ErrorOverwrite = false }},
		{"log_file", []string{"-log_file", "l.log"}, func(o *Options) { o.LogFile = "l.log" }},
		{"log_overwrite", []string{"-log_overwrite", "true"}, nil},
		{"screen_file", []string{"-screen_file", "scr.log"}, func(o *Options) { o.ScreenFile = "scr.log" }},
		{"screen_overwrite", []string{"-screen_overwrite", "0x0"}, func(o *Options) { o.ScreenOverwrite = false }},
		{"rate_increase", []string{"-rate_increase", "10"}, func(o *Options) { o.RateIncrease = 10 }},
		{"rate_max", []string{"-rate_max", "100"}, func(o *Options) { o.RateMax = 100 }},
		{"no_rate_quit", []string{"-no_rate_quit"}, func(o *Options) { o.NoRateQuit = true }},
		{"rate_interval", []string{"-rate_interval", "5"}, func(o *Options) { o.RateInterval = 5 * time.Second }},
		{"trace_hdr", []string{"-trace_hdr", "run.hlog"}, func(o *Options) { o.TraceHDR = "run.hlog" }},
		{"summary_json", []string{"-summary_json", "run.json"}, func(o *Options) { o.SummaryJSON = "run.json" }},
		{"3pcc", []string{"-3pcc", "127.0.0.1:6000"}, func(o *Options) { o.ThirdPCC = "127.0.0.1:6000" }},
		{"master", []string{"-master", "m", "-slave_cfg", "peers.cfg"}, func(o *Options) {
			o.Master, o.SlaveCfg = "m", "peers.cfg"
			o.Given["slave_cfg"] = true
		}},
		{"slave", []string{"-slave", "s1", "-slave_cfg", "peers.cfg"}, func(o *Options) {
			o.Slave, o.SlaveCfg = "s1", "peers.cfg"
			o.Given["slave_cfg"] = true
		}},
		{"slave_cfg", []string{"-slave_cfg", "peers.cfg", "-slave", "s1"}, func(o *Options) {
			o.Slave, o.SlaveCfg = "s1", "peers.cfg"
			o.Given["slave"] = true
		}},
		{"trace_calldebug", []string{"-trace_calldebug"}, func(o *Options) { o.TraceCallDebug = true }},
		{"calldebug_file", []string{"-calldebug_file", "d.log"}, func(o *Options) { o.CallDebugFile = "d.log" }},
		{"calldebug_overwrite", []string{"-calldebug_overwrite", "false"}, func(o *Options) { o.CallDebugOverwrite = false }},
		{"bg", []string{"-bg"}, func(o *Options) { o.Background = true }},
		{"nostdin", []string{"-nostdin"}, func(o *Options) { o.NoStdin = true }},
		{"skip_rlimit", []string{"-skip_rlimit"}, func(o *Options) { o.SkipRlimit = true }},
		{"threads", []string{"-threads", "7"}, func(o *Options) { o.Threads = 7 }},
		{"dataplane", []string{"-dataplane", "mmsg"}, func(o *Options) { o.Dataplane = "mmsg" }},
		{"xdp_iface", []string{"-xdp_iface", "eth1", "-dataplane", "xdp"}, xdpEdit(func(o *Options) {})},
		{"xdp_queues", []string{"-xdp_queues", "4", "-dataplane", "xdp", "-xdp_iface", "eth1"}, xdpEdit(func(o *Options) { o.XDPQueues = 4 })},
		{"xdp_mode", []string{"-xdp_mode", "generic", "-dataplane", "xdp", "-xdp_iface", "eth1"}, xdpEdit(func(o *Options) { o.XDPMode = "generic" })},
		{"xdp_src_range", []string{"-xdp_src_range", "10.10.0.0/16", "-dataplane", "xdp", "-xdp_iface", "eth1"}, xdpEdit(func(o *Options) { o.XDPSrcRange = "10.10.0.0/16" })},
		{"xdp_next_hop_mac", []string{"-xdp_next_hop_mac", "02:00:00:00:00:01", "-dataplane", "xdp", "-xdp_iface", "eth1"}, xdpEdit(func(o *Options) { o.XDPNextHopMAC = "02:00:00:00:00:01" })},
		{"xdp_copy", []string{"-xdp_copy", "copy", "-dataplane", "xdp", "-xdp_iface", "eth1"}, xdpEdit(func(o *Options) { o.XDPCopy = "copy" })},
		{"hep_addr", []string{"-hep_addr", "127.0.0.1:9061"}, func(o *Options) { o.HEPAddr = "127.0.0.1:9061" }},
		{"hep_transport", []string{"-hep_transport", "tcp"}, func(o *Options) { o.HEPTransport = "tcp" }},
		{"hep_id", []string{"-hep_id", "4294967295"}, func(o *Options) { o.HEPID = 4294967295 }},
		{"hep_password", []string{"-hep_password", "s3cret"}, func(o *Options) { o.HEPPassword = "s3cret" }},
		{"hep_node_name", []string{"-hep_node_name", "lab-1"}, func(o *Options) { o.HEPNodeName = "lab-1" }},
		{"hep_nopad", []string{"-hep_nopad"}, func(o *Options) { o.HEPNoPad = true }},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.flag] = true
		for _, dashes := range []string{"-", "--"} {
			args := slices.Clone(tt.args)
			args[0] = dashes + tt.flag
			args = append(args, "192.0.2.1:5060")
			t.Run(args[0], func(t *testing.T) {
				got := mustParse(t, args...)
				want := expect("192.0.2.1:5060", tt.edit, tt.flag)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Parse(%q):\n got %+v\nwant %+v", args, got, want)
				}
				if !got.Changed(tt.flag) || !got.Changed("-"+tt.flag) {
					t.Errorf("Changed(%q) = false", tt.flag)
				}
			})
		}
	}
	for _, s := range implementedFlags() {
		if !covered[s.name] {
			t.Errorf("flag -%s has no row in this table", s.name)
		}
	}
}

func TestTimeValues(t *testing.T) {
	tests := []struct {
		flag, value string
		want        time.Duration
	}{
		{"-rp", "1000", time.Second},
		{"-rp", "1s", time.Second},
		{"-rp", "5s", 5 * time.Second},
		{"-rp", "250ms", 250 * time.Millisecond},
		{"-rp", "1.5", time.Millisecond}, // bare number in ms, truncated like SIPp
		{"-rp", "1.5s", 1500 * time.Millisecond},
		{"-rp", "1e3", time.Second},
		{"-d", "0", 0},
		{"-d", "2m", 2 * time.Minute},
		{"-d", "1h", time.Hour},
		{"-d", "0.5h", 30 * time.Minute},
		{"-recv_timeout", "10s", 10 * time.Second},
		{"-timeout", "10", 10 * time.Second},
		{"-timeout", "10s", 10 * time.Second},
		{"-timeout", "90m", 90 * time.Minute},
		{"-timeout", "0.25", 250 * time.Millisecond},
		{"-timeout", "5.", 5 * time.Second},
		{"-fd", "1", time.Second},
		{"-fd", "500ms", 500 * time.Millisecond},
	}
	for _, tt := range tests {
		o := mustParse(t, tt.flag, tt.value)
		var got time.Duration
		switch tt.flag {
		case "-rp":
			got = o.RatePeriod
		case "-d":
			got = o.CallDuration
		case "-recv_timeout":
			got = o.RecvTimeout
		case "-timeout":
			got = o.Timeout
		case "-fd":
			got = o.StatPeriod
		}
		if got != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.flag, tt.value, got, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tt := range []struct {
		args []string
		get  func(o *Options) any
		want any
	}{
		{[]string{"-p", "0x13c4"}, func(o *Options) any { return o.LocalPort }, 5060},
		{[]string{"-p", "+5060"}, func(o *Options) any { return o.LocalPort }, 5060},
		{[]string{"-m", "010"}, func(o *Options) any { return o.MaxCalls }, 8}, // strtol base 0: octal
		{[]string{"-r", "0"}, func(o *Options) any { return o.Rate }, 0.0},
		{[]string{"-r", ".5"}, func(o *Options) any { return o.Rate }, 0.5},
		{[]string{"-r", "1e4"}, func(o *Options) any { return o.Rate }, 10000.0},
		{[]string{"-l", "0"}, func(o *Options) any { return o.Limit }, 0},
		{[]string{"-base_cseq", "0"}, func(o *Options) any { return o.BaseCSeq }, int64(0)},
		{[]string{"-base_cseq", "4294967295"}, func(o *Options) any { return o.BaseCSeq }, int64(4294967295)},
		{[]string{"-i", "[2001:db8::1]:5070"}, func(o *Options) any { return o.LocalIP }, "2001:db8::1"},
		{[]string{"-i", "10.0.0.1:5070"}, func(o *Options) any { return o.LocalIP }, "10.0.0.1"},
		{[]string{"-mi", "2001:db8::2"}, func(o *Options) any { return o.MediaIP }, "2001:db8::2"},
	} {
		o := mustParse(t, tt.args...)
		if got := tt.get(o); got != tt.want {
			t.Errorf("%q: got %v (%T), want %v", tt.args, got, got, tt.want)
		}
	}
}

func TestRemotePosition(t *testing.T) {
	for _, args := range [][]string{
		{"10.1.1.1:5070", "-sn", "uac", "-r", "5"},
		{"-sn", "uac", "10.1.1.1:5070", "-r", "5"},
		{"-sn", "uac", "-r", "5", "10.1.1.1:5070"},
		{"--sn", "uac", "--r", "5", "10.1.1.1:5070"},
	} {
		o := mustParse(t, args...)
		want := expect("10.1.1.1:5070", func(o *Options) { o.ScenarioName = "uac"; o.Rate = 5 }, "sn", "r")
		if !reflect.DeepEqual(o, want) {
			t.Errorf("Parse(%q):\n got %+v\nwant %+v", args, o, want)
		}
		host, port, err := o.RemoteAddr()
		if host != "10.1.1.1" || port != 5070 || err != nil {
			t.Errorf("RemoteAddr() = %q, %d, %v", host, port, err)
		}
	}
	o := mustParse(t, "-sn", "uas", "-p", "5060")
	if o.Remote != "" {
		t.Errorf("Remote = %q, want none", o.Remote)
	}
	o = mustParse(t, "[2001:db8::5]")
	if host, port, err := o.RemoteAddr(); host != "2001:db8::5" || port != 5060 || err != nil {
		t.Errorf("RemoteAddr() = %q, %d, %v; want default port 5060", host, port, err)
	}
}

func TestKeyAndSet(t *testing.T) {
	o := mustParse(t, "-key", "a", "b", "127.0.0.1", "-key", "c", "d", "-set", "x", "-1",
		"-set", "y", "-", "-key", "a", "B", "-set", "x", "2")
	wantKeys := map[string]string{"a": "B", "c": "d"}
	if !maps.Equal(o.Keys, wantKeys) {
		t.Errorf("Keys = %v, want %v", o.Keys, wantKeys)
	}
	wantSets := []KV{{"x", "-1"}, {"y", "-"}, {"x", "2"}}
	if !slices.Equal(o.Sets, wantSets) {
		t.Errorf("Sets = %v, want %v", o.Sets, wantSets)
	}
	if o.Remote != "127.0.0.1" {
		t.Errorf("Remote = %q", o.Remote)
	}
	// Names and values may hold anything, including '=', ':' and digits
	// that look like the internal length prefix.
	o = mustParse(t, "-key", "3:a=b", "x y:z", "-key", "", "", "-key", "-h", "--sn")
	wantKeys = map[string]string{"3:a=b": "x y:z", "": "", "-h": "--sn"}
	if !maps.Equal(o.Keys, wantKeys) {
		t.Errorf("Keys = %q, want %q", o.Keys, wantKeys)
	}
}

func TestValuesStartingWithDash(t *testing.T) {
	o := mustParse(t, "-s", "-foo", "-cid_str", "-%u-", "-sf", "-weird.xml", "-stf", "-", "-key", "k", "--",
		"-set", "n", "-5")
	if o.Service != "-foo" || o.CallIDFormat != "-%u-" || o.ScenarioFile != "-weird.xml" ||
		o.StatFile != "-" || o.Keys["k"] != "--" || !slices.Equal(o.Sets, []KV{{"n", "-5"}}) {
		t.Errorf("values lost their dash: %+v", o)
	}
	if o.Remote != "" {
		t.Errorf("a value became the remote: %q", o.Remote)
	}
	// A value that is a flag name is still a value; here it fails as a rate.
	_, err := Parse([]string{"-r", "-h"})
	if !errors.Is(err, ErrBadValue) || err.Error() != `invalid value "-h" for -r: not a number` {
		t.Errorf("-r -h: %v", err)
	}
	// Negative numbers parse, then fail range checks with the value as typed.
	_, err = Parse([]string{"-r", "-1"})
	if !errors.Is(err, ErrBadValue) || !strings.HasPrefix(err.Error(), `invalid value "-1" for -r:`) {
		t.Errorf("-r -1: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		args []string
		kind error
		msg  string
	}{
		// unknown flags
		{[]string{"-foo"}, ErrUnknownFlag, "unknown flag -foo (see gossip -h)"},
		{[]string{"--foo", "127.0.0.1"}, ErrUnknownFlag, "unknown flag --foo (see gossip -h)"},
		{[]string{"-trace_stats"}, ErrUnknownFlag, "unknown flag -trace_stats (did you mean -trace_stat?; see gossip -h)"},
		{[]string{"-t2", "5"}, ErrUnknownFlag, "unknown flag -t2 (did you mean -T2?; see gossip -h)"},
		{[]string{"-r=5"}, ErrUnknownFlag, "unknown flag -r=5 (write -r 5, without '='; see gossip -h)"},
		{[]string{"-"}, ErrUnknownFlag, `unknown flag "-" (see gossip -h)`},
		{[]string{"--"}, ErrUnknownFlag, `unknown flag "--" (see gossip -h)`},
		{[]string{"-trace_timeout"}, ErrUnknownFlag, "unknown flag -trace_timeout (see gossip -h)"},
		{[]string{"-rxsn", "uac"}, ErrUnknownFlag, "unknown flag -rxsn (did you mean -rxrn?; see gossip -h)"},
		// unsupported SIPp flags
		{[]string{"-rtp_echo"}, ErrNotSupported, "-rtp_echo is a SIPp flag gossip does not support yet"},
		{[]string{"--mb", "4096", "127.0.0.1"}, ErrNotSupported, "-mb is a SIPp flag gossip does not support yet"},
		{[]string{"-rtp_echo", "-mb", "4096", "127.0.0.1", "-send_timeout", "4000"}, ErrNotSupported,
			"-rtp_echo is a SIPp flag gossip does not support yet\n" +
				"-mb is a SIPp flag gossip does not support yet\n" +
				"-send_timeout is a SIPp flag gossip does not support yet"},
		{[]string{"-t", "s1"}, ErrNotSupported, "-t s1 (SCTP) is a SIPp transport gossip does not support yet"},
		{[]string{"-t", "un"}, ErrNotSupported, "-t un (a UDP socket per call) is a SIPp transport gossip does not support yet"},
		{[]string{"-tls_version", "1.1"}, ErrBadValue, "invalid value \"1.1\" for -tls_version: TLS version 1.2 or 1.3 (older versions are insecure)"},
		{[]string{"-t", "ui"}, ErrConflict, "-t ui takes each call's local address from an -inf file (field -ip_field): give -inf"},
		// missing values
		{[]string{"-r"}, ErrMissingValue, "missing value for -r (see gossip -h)"},
		{[]string{"127.0.0.1", "--sn"}, ErrMissingValue, "missing value for -sn (see gossip -h)"},
		{[]string{"-key", "a"}, ErrMissingValue, "missing value for -key: it takes two, NAME VALUE (see gossip -h)"},
		{[]string{"-set"}, ErrMissingValue, "missing value for -set: it takes two, NAME VALUE (see gossip -h)"},
		// bad values
		{[]string{"-r", "abc"}, ErrBadValue, `invalid value "abc" for -r: not a number`},
		{[]string{"-r", "inf"}, ErrBadValue, `invalid value "inf" for -r: not a number`},
		{[]string{"-r", "1e999"}, ErrBadValue, `invalid value "1e999" for -r: number out of range`},
		{[]string{"-p", "abc"}, ErrBadValue, `invalid value "abc" for -p: not an integer`},
		{[]string{"-p", "99999999999999999999"}, ErrBadValue, `invalid value "99999999999999999999" for -p: integer out of range`},
		{[]string{"-p", "70000"}, ErrBadValue, `invalid value "70000" for -p: not a port number (0 to 65535)`},
		{[]string{"-p", "1_000"}, ErrBadValue, `invalid value "1_000" for -p: not an integer`},
		{[]string{"-tdmmap", "0-3,99"}, ErrBadValue, `invalid value "0-3,99" for -tdmmap: not of the form {X1-X2}{H}{Y1-Y2}{Z1-Z2}, e.g. {0-3}{99}{5-8}{1-31}`},
		{[]string{"-tdmmap", "{0-3}{99}{8-5}{1-31}"}, ErrBadValue, `invalid value "{0-3}{99}{8-5}{1-31}" for -tdmmap: range 8-5 runs backwards`},
		{[]string{"-mp", "-1"}, ErrBadValue, `invalid value "-1" for -mp: not a port number (0 to 65535)`},
		{[]string{"-rp", "abc"}, ErrBadValue, `invalid value "abc" for -rp: not a time: want a number with an optional unit, ms, s, m or h`},
		{[]string{"-rp", "-5"}, ErrBadValue, `invalid value "-5" for -rp: not a time: want a number with an optional unit, ms, s, m or h`},
		{[]string{"-rp", "0"}, ErrBadValue, `invalid value "0" for -rp: must be positive`},
		{[]string{"-rp", "0.5"}, ErrBadValue, `invalid value "0.5" for -rp: must be positive`},
		{[]string{"-timeout", "1:00"}, ErrBadValue, `invalid value "1:00" for -timeout: mm:ss and hh:mm:ss are not supported; use a unit suffix such as 90s or 2m`},
		{[]string{"-d", "5x"}, ErrBadValue, `invalid value "5x" for -d: not a time: want a number with an optional unit, ms, s, m or h`},
		{[]string{"-d", "1e30h"}, ErrBadValue, `invalid value "1e30h" for -d: time out of range`},
		{[]string{"-fd", "0"}, ErrBadValue, `invalid value "0" for -fd: must be positive`},
		{[]string{"-l", "-2"}, ErrBadValue, `invalid value "-2" for -l: must be 0 (no limit) or more`},
		{[]string{"-l", "-1"}, ErrBadValue, `invalid value "-1" for -l: must be 0 (no limit) or more`},
		{[]string{"-m", "0"}, ErrBadValue, `invalid value "0" for -m: must be at least 1 (leave -m out for no limit)`},
		{[]string{"-m", "abc"}, ErrBadValue, `invalid value "abc" for -m: not an integer`},
		{[]string{"-users", "0"}, ErrBadValue, `invalid value "0" for -users: must be at least 1`},
		{[]string{"-max_retrans", "-1"}, ErrBadValue, `invalid value "-1" for -max_retrans: must not be negative`},
		{[]string{"-timer_resol", "0"}, ErrBadValue, `invalid value "0" for -timer_resol: must be at least 1ms (the timers' resolution)`},
		{[]string{"-buff_size", "0"}, ErrBadValue, `invalid value "0" for -buff_size: must be positive`},
		{[]string{"-base_cseq", "-1"}, ErrBadValue, `invalid value "-1" for -base_cseq: must be between 0 and 4294967295`},
		{[]string{"-base_cseq", "4294967296"}, ErrBadValue, `invalid value "4294967296" for -base_cseq: must be between 0 and 4294967295`},
		{[]string{"-t", "xx"}, ErrBadValue, `invalid value "xx" for -t: unknown transport mode (u1, ui, t1, tn, l1, ln, w1, wn, ws1 or wsn)`},
		{[]string{"-t", "U1"}, ErrBadValue, `invalid value "U1" for -t: unknown transport mode (u1, ui, t1, tn, l1, ln, w1, wn, ws1 or wsn)`},
		{[]string{"-sn", "nope"}, ErrBadValue, `invalid value "nope" for -sn: not a built-in scenario (one of uac, uas, regexp, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, branchc, branchs, uac_pcap, ooc_default, ooc_dummy)`},
		{[]string{"-sn", ""}, ErrBadValue, `invalid value "" for -sn: not a built-in scenario (one of uac, uas, regexp, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, branchc, branchs, uac_pcap, ooc_default, ooc_dummy)`},
		{[]string{"-sd", "nope"}, ErrBadValue, `invalid value "nope" for -sd: not a built-in scenario (one of uac, uas, regexp, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, branchc, branchs, uac_pcap, ooc_default, ooc_dummy)`},
		{[]string{"-sf", ""}, ErrBadValue, `invalid value "" for -sf: empty file name`},
		{[]string{"-stf", ""}, ErrBadValue, `invalid value "" for -stf: empty file name`},
		{[]string{"-message_file", ""}, ErrBadValue, `invalid value "" for -message_file: empty file name`},
		{[]string{"-summary_json", ""}, ErrBadValue, `invalid value "" for -summary_json: empty file name`},
		{[]string{"-message_overwrite", "maybe"}, ErrBadValue, `invalid value "maybe" for -message_overwrite: not a boolean (true, false or a number)`},
		{[]string{"-rtt_freq", "0"}, ErrBadValue, `invalid value "0" for -rtt_freq: must be at least 1`},
		{[]string{"-rate_max", "-5"}, ErrBadValue, `invalid value "-5" for -rate_max: must not be negative (leave it out for no maximum)`},
		{[]string{"-rate_interval", "0"}, ErrBadValue, `invalid value "0" for -rate_interval: must be positive`},
		{[]string{"-rate_increase", "1.5"}, ErrBadValue, `invalid value "1.5" for -rate_increase: not an integer`},
		{[]string{"-calldebug_file", ""}, ErrBadValue, `invalid value "" for -calldebug_file: empty file name`},
		{[]string{"-i", ""}, ErrBadValue, `invalid value "" for -i: empty address`},
		{[]string{"-3pcc", "127.0.0.1"}, ErrBadValue, `invalid value "127.0.0.1" for -3pcc: want HOST:PORT`},
		{[]string{"-3pcc", "127.0.0.1:6000", "-master", "m", "-slave_cfg", "f"}, ErrConflict, `-3pcc is not compatible with -master and -slave`},
		{[]string{"-3pcc", "127.0.0.1:6000", "-slave_cfg", "f"}, ErrConflict, `-3pcc and -slave_cfg are not compatible`},
		{[]string{"-master", "m", "-slave", "s", "-slave_cfg", "f"}, ErrConflict, `-slave and -master are not compatible`},
		{[]string{"-master", "m"}, ErrConflict, `-slave_cfg must be used with -slave or -master`},
		{[]string{"-slave_cfg", "f"}, ErrConflict, `-slave_cfg must be used with -slave or -master`},
		{[]string{"-i", "[::1"}, ErrBadValue, `invalid value "[::1" for -i: missing ']' after IPv6 address`},
		{[]string{"-rsa", "host:abc"}, ErrBadValue, `invalid value "host:abc" for -rsa: port "abc" is not a number between 1 and 65535`},
		{[]string{"-threads", "0"}, ErrBadValue, `invalid value "0" for -threads: must be at least 1`},
		{[]string{"-dataplane", "dpdk"}, ErrBadValue, `invalid value "dpdk" for -dataplane: unknown backend (std, mmsg or xdp)`},
		{[]string{"-dataplane", "xdp"}, ErrConflict, `-dataplane xdp needs -xdp_iface IFNAME, the interface to attach to`},
		{[]string{"-xdp_iface", "eth1"}, ErrConflict, `-xdp_iface needs -dataplane xdp`},
		{[]string{"-dataplane", "xdp", "-xdp_iface", "eth1", "-xdp_mode", "fast"}, ErrBadValue, `invalid value "fast" for -xdp_mode: unknown mode (native or generic)`},
		{[]string{"-dataplane", "xdp", "-xdp_iface", "eth1", "-xdp_src_range", "10.10.0.0"}, ErrBadValue, `invalid value "10.10.0.0" for -xdp_src_range: not an IPv4 prefix such as 10.10.0.0/16`},
		{[]string{"-dataplane", "xdp", "-xdp_iface", "eth1", "-xdp_next_hop_mac", "zz"}, ErrBadValue, `invalid value "zz" for -xdp_next_hop_mac: not an Ethernet address such as 02:00:00:00:00:01`},
		{[]string{"host:0"}, ErrBadValue, `invalid remote address "host:0": port "0" is not a number between 1 and 65535`},
		{[]string{""}, ErrBadValue, `invalid remote address "": empty address`},
		{[]string{"a b"}, ErrBadValue, `invalid remote address "a b": contains white space or control characters`},
		// conflicts
		{[]string{"-sn", "uac", "-sf", "x.xml"}, ErrConflict, "-sn and -sf cannot be used together: give one scenario"},
		{[]string{"-sn", "uac", "-sn", "uas"}, ErrConflict, "-sn and -sn cannot be used together: give one scenario"},
		{[]string{"-sd", "uac", "-sn", "uac"}, ErrConflict, "-sn and -sd cannot be used together: give one scenario"},
		{[]string{"a.example", "-r", "5", "b.example"}, ErrConflict,
			`remote address given twice ("a.example" and "b.example"); gossip takes one host[:port]`},
		{[]string{"-users", "5", "-l", "5"}, ErrConflict,
			"-l cannot be combined with -users (with -users, the number of users is the call limit)"},
		{[]string{"-users", "5", "-rate_increase", "5"}, ErrConflict,
			"-rate_increase changes the call rate, which a -users run does not use"},
	}
	for _, tt := range tests {
		o, err := Parse(tt.args)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want error", tt.args, o)
			continue
		}
		if o != nil {
			t.Errorf("Parse(%q) returned Options with an error", tt.args)
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("Parse(%q) = %v, not %v", tt.args, err, tt.kind)
		}
		if err.Error() != tt.msg {
			t.Errorf("Parse(%q) message\n got %s\nwant %s", tt.args, err, tt.msg)
		}
		if got := ExitCode(err); got != ExitFailed {
			t.Errorf("ExitCode(Parse(%q)) = %d, want %d", tt.args, got, ExitFailed)
		}
	}
}

func TestFlagErrorFields(t *testing.T) {
	_, err := Parse([]string{"-r", "abc"})
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not a *FlagError", err)
	}
	if fe.Flag != "-r" || fe.Value != "abc" || fe.Kind != ErrBadValue {
		t.Errorf("FlagError = %+v", fe)
	}
}

func TestHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want error
	}{
		{nil, ErrHelp},
		{[]string{}, ErrHelp},
		{[]string{"-h"}, ErrHelp},
		{[]string{"-help"}, ErrHelp},
		{[]string{"--h"}, ErrHelp},
		{[]string{"-h", "stat"}, ErrHelp},
		{[]string{"-v"}, ErrVersion},
		{[]string{"--v", "127.0.0.1"}, ErrVersion},
		{[]string{"-h", "-foo"}, ErrHelp},                       // SIPp stops at -h
		{[]string{"-r", "abc", "-h"}, ErrHelp},                  // values are checked after the walk
		{[]string{"-rtp_echo", "-h"}, ErrHelp},                  // unsupported flags are reported after the walk
		{[]string{"-foo", "-h"}, ErrUnknownFlag},                // but an unknown flag stops it first
		{[]string{"-sn", "-h"}, ErrBadValue},                    // "-h" is -sn's value here
		{[]string{"a.example", "b.example", "-h"}, ErrConflict}, // and so does a second remote
	}
	for _, tt := range tests {
		_, err := Parse(tt.args)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.args, err, tt.want)
		}
	}
}

func TestUsersAndLimitOrder(t *testing.T) {
	// SIPp lets a later -users override an earlier -l.
	o := mustParse(t, "-l", "5", "-users", "7")
	if o.Users != 7 || o.Limit != LimitAuto || o.Changed("l") || !o.Changed("users") {
		t.Errorf("-l 5 -users 7: Users=%d Limit=%d given=%v", o.Users, o.Limit, o.Given)
	}
}

func TestChanged(t *testing.T) {
	o := mustParse(t, "-p", "0", "--trace_stat")
	for _, n := range []string{"p", "-p", "--p", "trace_stat"} {
		if !o.Changed(n) {
			t.Errorf("Changed(%q) = false", n)
		}
	}
	for _, n := range []string{"i", "sn", "remote", ""} {
		if o.Changed(n) {
			t.Errorf("Changed(%q) = true", n)
		}
	}
	if (&Options{}).Changed("p") {
		t.Error("Changed on Options without Given = true")
	}
}

// TestSIPpOptionTable checks that every option in SIPp's table
// (testdata/sipp_options.txt) is implemented, refused as not supported,
// or one of -h/-help/-v, and that gossip refuses nothing SIPp lacks.
func TestSIPpOptionTable(t *testing.T) {
	f, err := os.Open("testdata/sipp_options.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sipp := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			sipp[l] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(sipp) < 140 {
		t.Fatalf("only %d SIPp options in testdata", len(sipp))
	}
	impl := map[string]bool{}
	for _, s := range implementedFlags() {
		impl[s.name] = true
	}
	only := sippOnlyFlags()
	for name := range sipp {
		_, refused := only[name]
		switch {
		case name == "h" || name == "help" || name == "v":
		case impl[name] && refused:
			t.Errorf("-%s is both implemented and refused", name)
		case impl[name] || refused:
		default:
			t.Errorf("SIPp option -%s is neither implemented nor refused", name)
		}
	}
	for name := range only {
		if !sipp[name] {
			t.Errorf("-%s is refused as a SIPp flag but SIPp has no such option", name)
		}
	}
	ext := map[string]bool{}
	for _, s := range implementedFlags() {
		ext[s.name] = s.sec == secGossip
	}
	for name := range impl {
		if !sipp[name] && !ext[name] {
			t.Errorf("-%s is implemented but is neither a SIPp option nor a gossip extension", name)
		}
	}
	// And Parse agrees: each refused flag, given its values, is refused.
	for name, arity := range only {
		args := []string{"-" + name}
		for range arity {
			args = append(args, "1")
		}
		_, err := Parse(append(args, "127.0.0.1"))
		if !errors.Is(err, ErrNotSupported) || err.Error() != "-"+name+" is a SIPp flag gossip does not support yet" {
			t.Errorf("Parse(%q) = %v", args, err)
		}
	}
}

func TestTransport(t *testing.T) {
	for _, tt := range []struct {
		t       Transport
		proto   string
		perCall bool
	}{
		{TransportUDP, "udp", false}, {TransportUDPPerCall, "udp", true}, {TransportUDPPerIP, "udp", false},
		{TransportTCP, "tcp", false}, {TransportTCPPerCall, "tcp", true},
		{TransportTLS, "tls", false}, {TransportTLSPerCall, "tls", true},
		{TransportSCTP, "sctp", false}, {TransportSCTPPerCall, "sctp", true},
		{"xx", "", false}, {"", "", false},
	} {
		if got := tt.t.Protocol(); got != tt.proto {
			t.Errorf("%q.Protocol() = %q, want %q", tt.t, got, tt.proto)
		}
		if got := tt.t.SocketPerCall(); got != tt.perCall {
			t.Errorf("%q.SocketPerCall() = %v, want %v", tt.t, got, tt.perCall)
		}
	}
}

func TestValidateHandBuilt(t *testing.T) {
	o := Defaults()
	o.ScenarioName, o.ScenarioFile = "uac", "x.xml"
	if err := o.Validate(); !errors.Is(err, ErrConflict) {
		t.Errorf("-sn with -sf: %v", err)
	}
	o = Defaults()
	o.RatePeriod = 0
	if err := o.Validate(); !errors.Is(err, ErrBadValue) || err.Error() != `invalid value "0" for -rp: must be positive` {
		t.Errorf("RatePeriod 0: %v", err)
	}
	o = Defaults()
	o.Users, o.Limit = 3, 10
	if err := o.Validate(); !errors.Is(err, ErrConflict) {
		t.Errorf("Users with Limit: %v", err)
	}
	o = Defaults()
	o.Given = nil
	o.MaxCalls, o.Users = 0, 0 // "not set" without Given is fine
	if err := o.Validate(); err != nil {
		t.Errorf("hand-built defaults without Given: %v", err)
	}
	o.ScenarioFile = "x.xml"
	if got := o.Scenario(); got != "" {
		t.Errorf("Scenario() with a file = %q, want \"\"", got)
	}
	if err := (&Options{}).Validate(); err == nil {
		t.Error("zero Options validated")
	}
}

func TestRemoteSendAddrPort(t *testing.T) {
	o := mustParse(t, "-rsa", "proxy.example")
	if h, p, err := o.RemoteSendAddrPort(); h != "proxy.example" || p != 5060 || err != nil {
		t.Errorf("RemoteSendAddrPort() = %q, %d, %v", h, p, err)
	}
	o = mustParse(t, "-sn", "uas")
	if _, _, err := o.RemoteAddr(); !errors.Is(err, ErrBadValue) {
		t.Errorf("RemoteAddr() without a remote: %v", err)
	}
}

func TestHEPFlags(t *testing.T) {
	o := mustParse(t, "-sn", "uas", "-hep_addr", "homer.example")
	if h, p, err := o.HEPAddrPort(); h != "homer.example" || p != DefaultHEPPort || err != nil {
		t.Errorf("HEPAddrPort() = %q, %d, %v; want the default port 9060", h, p, err)
	}
	o = mustParse(t, "-sn", "uas", "-hep_addr", "[::1]:9999")
	if h, p, err := o.HEPAddrPort(); h != "::1" || p != 9999 || err != nil {
		t.Errorf("HEPAddrPort() = %q, %d, %v", h, p, err)
	}
	if _, _, err := Defaults().HEPAddrPort(); !errors.Is(err, ErrBadValue) {
		t.Errorf("HEPAddrPort() without -hep_addr: %v", err)
	}
	for _, tt := range []struct{ args, want string }{
		{"-hep_addr host:0", `invalid value "host:0" for -hep_addr: port "0" is not a number between 1 and 65535`},
		{"-hep_addr host -hep_transport sctp", `invalid value "sctp" for -hep_transport: unknown transport (udp or tcp)`},
		{"-hep_addr host -hep_id -1", `invalid value "-1" for -hep_id: must be between 0 and 4294967295`},
		{"-hep_addr host -hep_id 4294967296", `invalid value "4294967296" for -hep_id: must be between 0 and 4294967295`},
	} {
		_, err := Parse(append([]string{"-sn", "uas"}, strings.Fields(tt.args)...))
		if !errors.Is(err, ErrBadValue) || err.Error() != tt.want {
			t.Errorf("Parse(%s) = %v, want %s", tt.args, err, tt.want)
		}
	}
}

func TestGivenFlags(t *testing.T) {
	args := []string{"-sn", "uac", "127.0.0.1:5070", "-key", "a", "b c", "-r", "5", "--trace_stat", "-r", "-1"}
	if _, err := Parse(args[:len(args)-2]); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sn": "uac", "key": "a b c", "r": "-1", "trace_stat": ""}
	if got := GivenFlags(args); !maps.Equal(got, want) {
		t.Errorf("GivenFlags = %v, want %v", got, want)
	}
}

// TestBehaviors decodes -default_behaviors as SIPp does: the mask starts
// empty, so "-bye" alone leaves nothing.
func TestBehaviors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"all", BehaviorAll},
		{"none", 0},
		{"bye", BehaviorBye},
		{"-bye", 0},
		{"all,-bye", BehaviorAll &^ BehaviorBye},
		{"bye,+abortunexp", BehaviorBye | BehaviorAbortUnexp},
		{"all,none,cseq", BehaviorBadCSeq},
		{"pingreply", BehaviorPingReply},
	} {
		o := Defaults()
		o.DefaultBehaviors = tc.in
		got, err := o.Behaviors()
		if err != nil || got != tc.want {
			t.Errorf("Behaviors(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	o := Defaults()
	o.DefaultBehaviors = "all,nope"
	if _, err := o.Behaviors(); !errors.Is(err, ErrBadValue) {
		t.Errorf("Behaviors(all,nope) = %v, want ErrBadValue", err)
	}
}
