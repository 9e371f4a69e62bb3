package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/cmd/gossip/internal/live"
	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine"
	"github.com/gossip-sip/gossip/engine/inject"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/hep"
	"github.com/gossip-sip/gossip/scenario"
)

// runSIPp runs the SIPp-compatible command line.
func runSIPp(args []string, stdout, stderr *os.File) int {
	opts, err := cli.Parse(args)
	switch {
	case errors.Is(err, cli.ErrHelp):
		cli.Usage(stdout)
		return cli.ExitCode(err)
	case errors.Is(err, cli.ErrVersion):
		fmt.Fprintf(stdout, "gossip %s (SIPp 3.6 command line)\n", version)
		return cli.ExitCode(err)
	case err != nil:
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		return cli.ExitCode(err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if opts.ScenarioDump != "" {
		xml, ok := scenario.BuiltinXML(opts.ScenarioDump)
		if !ok {
			fmt.Fprintf(stderr, "gossip: -sd: unknown built-in scenario %q (have %s)\n",
				opts.ScenarioDump, strings.Join(scenario.BuiltinNames(), ", "))
			return cli.ExitFailed
		}
		stdout.Write(xml)
		return cli.ExitOther
	}

	scn, err := loadScenario(opts)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		return cli.ExitFailed
	}
	for _, w := range scn.Warnings {
		fmt.Fprintf(stderr, "gossip: warning: %s\n", w)
	}

	if opts.Background && !inBackgroundChild() {
		return startBackground(args, stdout, stderr)
	}

	cfg, err := engineConfig(opts, scn, logger)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		return cli.ExitFailed
	}
	out, err := openOutputs(opts, scn, args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		return cli.ExitFatal
	}
	defer out.close()
	out.configure(&cfg)
	hx, err := openHEP(opts, &cfg, logger, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		return cli.ExitFailed
	}
	defer closeHEP(hx, &stats.Snapshot{}, io.Discard) // after a failure; runEngine closes it first
	// Shards block in raw system calls that keep their scheduler slot: give
	// the rest of the process (screen, signals, HEP sender) slots of its own.
	if want := cfg.Shards + 2; cfg.Shards > 0 && runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		if errors.Is(err, dataplane.ErrXDP) {
			return cli.ExitFatal // asked for xdp and cannot have it: no silent fallback
		}
		if errors.Is(err, engine.ErrBind) {
			return cli.ExitBind
		}
		if errors.Is(err, engine.ErrThirdPCC) || errors.Is(err, engine.ErrTwinConnect) {
			return cli.ExitFatal // SIPp: ERROR() while setting up the twin sockets
		}
		return cli.ExitFailed
	}
	return runEngine(eng, opts, scn, hx, out, stdout, stderr)
}

func loadScenario(opts *cli.Options) (*scenario.Scenario, error) {
	so := scenario.Options{Keys: opts.Keys, InjectionFiles: opts.InjectionFiles, RxInjectionFiles: opts.RxInjectionFiles}
	if opts.ScenarioFile != "" {
		return so.Load(opts.ScenarioFile)
	}
	return so.Builtin(opts.Scenario())
}

// engineConfig turns SIPp options into an engine configuration.
func engineConfig(opts *cli.Options, scn *scenario.Scenario, logger *slog.Logger) (engine.Config, error) {
	cfg := engine.Config{
		Scenario:            scn,
		LocalPort:           opts.LocalPort,
		Shards:              opts.Threads,
		Backend:             opts.Dataplane,
		BufferSize:          opts.BufferSize,
		NoKernelSteering:    os.Getenv("GOSSIP_NO_REUSEPORT_BPF") == "1", // README: Development
		Rate:                opts.Rate,
		RatePeriod:          opts.RatePeriod,
		MaxCalls:            opts.MaxCalls,
		Users:               opts.Users,
		DefaultPause:        opts.CallDuration,
		RecvTimeout:         opts.RecvTimeout,
		NoRetrans:           opts.NoRetrans,
		MaxInviteRetrans:    opts.MaxInviteRetrans,
		MaxNonInviteRetrans: opts.MaxNonInviteRetrans,
		T2:                  opts.T2,
		DeadCallWait:        opts.DeadCallWait,
		TimerResol:          opts.TimerResol,
		Service:             opts.Service,
		AuthUser:            opts.AuthUser,
		AuthPassword:        opts.AuthPassword,
		AuthURI:             opts.AuthURI,
		BaseCSeq:            opts.BaseCSeq,
		CallIDFormat:        opts.CallIDFormat,
		MediaPort:           opts.MediaPort,
		Logger:              logger,
	}
	if opts.TDMMap != "" {
		v, err := opts.TDMMapRanges()
		if err != nil {
			return cfg, err
		}
		cfg.TDMMap = &engine.TDMMap{X1: v[0], X2: v[1], H: v[2], Y1: v[3], Y2: v[4], Z1: v[5], Z2: v[6]}
	}
	switch {
	case opts.Limit > 0:
		cfg.Limit = opts.Limit
	case opts.Limit == cli.LimitAuto && opts.Users <= 0:
		cfg.Limit = autoLimit(scn, opts)
	}
	if opts.Changed("max_retrans") {
		cfg.MaxRetrans = opts.MaxRetrans
	}
	if opts.LocalIP != "" {
		a, err := resolveIP(opts.LocalIP)
		if err != nil {
			return cfg, fmt.Errorf("-i %s: %w", opts.LocalIP, err)
		}
		cfg.Local = a
	}
	if opts.MediaIP != "" {
		a, err := resolveIP(opts.MediaIP)
		if err != nil {
			return cfg, fmt.Errorf("-mi %s: %w", opts.MediaIP, err)
		}
		cfg.MediaIP = a
	}
	if opts.Remote != "" {
		host, port, err := opts.RemoteAddr()
		if err != nil {
			return cfg, err
		}
		a, err := resolveIP(host)
		if err != nil {
			return cfg, fmt.Errorf("remote host %s: %w", host, err)
		}
		cfg.Remote = netip.AddrPortFrom(a, uint16(port))
		cfg.RemoteHost = host
	}
	if err := thirdPCCConfig(opts, &cfg); err != nil {
		return cfg, err
	}
	cfg.AutoAnswer = opts.AutoAnswer
	if err := transportConfig(opts, &cfg, scn.Mode == scenario.ModeClient, os.Stderr); err != nil {
		return cfg, err
	}
	if opts.OOCScenarioFile != "" || opts.OOCScenarioName != "" {
		so := scenario.Options{Keys: opts.Keys, InjectionFiles: opts.InjectionFiles, RxInjectionFiles: opts.RxInjectionFiles, Main: scn}
		var err error
		if opts.OOCScenarioFile != "" {
			cfg.OOC, err = so.Load(opts.OOCScenarioFile)
		} else {
			cfg.OOC, err = so.Builtin(opts.OOCScenarioName)
		}
		if err != nil {
			return cfg, fmt.Errorf("out-of-call scenario: %w", err)
		}
		if scn.Mode == scenario.ModeServer {
			return cfg, fmt.Errorf("out-of-call scenarios (-oocsf, -oocsn) cannot be used in server mode")
		}
	}
	behaviors, err := opts.Behaviors()
	if err != nil {
		return cfg, err
	}
	cfg.DisabledBehaviors = engine.BehaviorAll &^ engine.Behavior(behaviors)
	cfg.PauseMsgIgnore = opts.PauseMsgIgnore
	cfg.Lost = opts.Lost
	cfg.DynamicStart, cfg.DynamicMax, cfg.DynamicStep = opts.DynamicStart, opts.DynamicMax, opts.DynamicStep
	cfg.Version = version
	if opts.BaseCSeq == 0 {
		cfg.BaseCSeq = -1 // the engine reads 0 as SIPp's default, 1
	}
	cfg.XDP = xdpConfig(opts)
	if opts.RemoteSendAddr != "" {
		host, port, err := opts.RemoteSendAddrPort()
		if err != nil {
			return cfg, err
		}
		a, err := resolveIP(host)
		if err != nil {
			return cfg, fmt.Errorf("-rsa %s: %w", host, err)
		}
		cfg.SendTo = netip.AddrPortFrom(a, uint16(port))
		if !cfg.Remote.IsValid() {
			cfg.Remote = cfg.SendTo
		}
	}
	for _, kv := range opts.Sets {
		// SIPp: -set gives a <Global> variable a string value; later wins.
		if _, err := scn.Vars.LookupGlobal(kv.Name); err != nil {
			return cfg, fmt.Errorf("-set %s: %w", kv.Name, err)
		}
		if cfg.Set == nil {
			cfg.Set = make(map[string]string, len(opts.Sets))
		}
		cfg.Set[kv.Name] = kv.Value
	}
	if len(opts.InjectionFiles) > 0 || len(opts.RxInjectionFiles) > 0 || len(opts.InjectionIndexes) > 0 {
		set, err := injectionSet(opts)
		if err != nil {
			return cfg, err
		}
		cfg.Inject = set
	}
	if scn.Mode == scenario.ModeClient && !cfg.Remote.IsValid() {
		return cfg, errors.New("a client scenario needs a remote host: gossip -sn uac HOST[:PORT]")
	}
	return cfg, nil
}

// autoLimit is SIPp's default -l (call_generation_task.cpp): three times
// the calls started during one call's length, the length being the longer
// of the scenario's fixed pauses and -d, at least one second.
func autoLimit(scn *scenario.Scenario, opts *cli.Options) int {
	var length time.Duration
	for _, c := range scn.Commands {
		if c.Kind == scenario.KindPause && !c.PauseFromFlag {
			length += c.Pause
		}
	}
	length = max(length, opts.CallDuration, time.Second)
	n := int(3 * opts.Rate * float64(length) / float64(opts.RatePeriod))
	return max(n, 1)
}

func resolveIP(host string) (netip.Addr, error) {
	host = strings.Trim(host, "[]")
	if a, err := netip.ParseAddr(host); err == nil {
		return a, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, a := range addrs {
		if a.Is4() {
			return a, nil
		}
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("no address for %s", host)
	}
	return addrs[0], nil
}

// runEngine runs the engine with signals, the screen, statistics files
// and the global timeout, and returns SIPp's exit status.
func runEngine(eng *engine.Engine, opts *cli.Options, scn *scenario.Scenario, hx *hep.Exporter, out *outputs, stdout, stderr *os.File) int {
	info := screenInfo(eng, opts, scn)

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	timedOut := false
	var timeoutCh <-chan time.Time
	if opts.Timeout > 0 {
		timeoutCh = time.After(opts.Timeout)
	}

	done := make(chan *engine.Result, 1)
	go func() {
		res, _ := eng.Run(context.Background())
		done <- res
	}()

	controller := live.NewController(eng, 1, opts.Users > 0, func(msg string) {
		fmt.Fprintf(stderr, "gossip: %s\n", msg)
	})
	closeControl, err := startControlPort(opts, controller, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		eng.Abort()
		<-done
		return cli.ExitFatal
	}
	defer closeControl()
	if err := out.start(eng, controller); err != nil { // -trace_stat rows and the -rate_increase ramp
		fmt.Fprintf(stderr, "gossip: %v\n", err)
		eng.Abort()
		<-done
		return cli.ExitFatal
	}
	restoreKeyboard, rawKeys := startKeyboard(opts, controller)
	defer restoreKeyboard()
	var screenOut io.Writer = stdout
	if rawKeys {
		screenOut = crlfWriter{stdout}
	}

	terminal := isTerminal(stdout)
	screenTick := time.NewTicker(time.Second)
	defer screenTick.Stop()
	var res *engine.Result
	var lastHealth engine.Health
	signals := 0
	screen := eng.Collector().NewPeriod()
wait:
	for {
		select {
		case res = <-done:
			break wait
		case <-sigs:
			signals++
			if signals == 1 {
				fmt.Fprintln(stderr, "gossip: stopping: no new calls, waiting for running calls (signal again to abort)")
				eng.Stop()
			} else {
				eng.Abort()
			}
		case <-timeoutCh:
			timedOut = true
			if opts.TimeoutError {
				fmt.Fprintf(stderr, "gossip: %s timed out after %s\n", info.Scenario, opts.Timeout)
			}
			eng.Abort()
		case <-screenTick.C:
			snap := screen.Snapshot(time.Now())
			snap.TargetRate, snap.Users = targetOf(opts, eng)
			hepSnapshot(hx, snap)
			if terminal {
				io.WriteString(screenOut, "\x1b[H\x1b[2J")
				stats.WriteScreenNumber(screenOut, controller.Screen(), snap, info)
				if controller.Paused() {
					io.WriteString(screenOut, "\nTraffic paused: p resumes.\n")
				}
				if h := eng.Health(); h.Saturated() {
					io.WriteString(screenOut, "\n"+h.String()+"\n")
				}
				io.WriteString(screenOut, "\nKeys: + - * / rate, p pause, q stop, Q quit now, 1-4 6-9 screens.\n")
			} else {
				writeProgress(stdout, snap)
				if h := eng.Health(); h.Saturated() && h != lastHealth {
					fmt.Fprintf(stderr, "gossip: warning: %s\n", h)
					lastHealth = h
				}
			}
		}
	}
	final := res.Stats
	final.TargetRate, final.Users = targetOf(opts, eng)
	closeHEP(hx, final, stderr)
	if terminal {
		io.WriteString(screenOut, "\x1b[H\x1b[2J") // the summary replaces the live screen
	}
	stats.WriteSummary(screenOut, final, info) // \r\n while the terminal is raw
	if res.Health.Saturated() {
		fmt.Fprintf(stdout, "\n%s\n", res.Health)
	}
	if res.SendErrors > 0 {
		fmt.Fprintf(stderr, "gossip: %d datagrams could not be sent\n", res.SendErrors)
	}
	// Every run checks that each call it created was counted once.
	if err := final.Cumulative.CheckConservation(final.CurrentCalls); err != nil {
		fmt.Fprintf(stderr, "gossip: internal error: %v (please report it)\n", err)
	}
	code := exitStatus(final, timedOut, opts.TimeoutError)
	switch {
	case res.Fatal != nil:
		fmt.Fprintf(stderr, "gossip: %v\n", res.Fatal)
		code = cli.ExitFatal
	case res.StopNow:
		code = cli.ExitInternal // SIPp's stop_now exits 97
	}
	if err := out.finish(final, info, res.Health, code); err != nil { // last rows, -trace_screen, -summary_json
		fmt.Fprintf(stderr, "gossip: %v\n", err)
	}
	return code
}

// exitStatus applies SIPp's rules (sipp.cpp sipp_exit).
func exitStatus(s *stats.Snapshot, timedOut, timeoutError bool) int {
	switch {
	case timedOut && timeoutError:
		return cli.ExitFatal
	case s.Cumulative.Failed > 0:
		return cli.ExitFailed
	case timedOut && s.Cumulative.Successful < 1:
		return cli.ExitInternal
	default:
		return cli.ExitOK
	}
}

func targetOf(opts *cli.Options, eng *engine.Engine) (float64, int) {
	if opts.Users > 0 {
		return 0, opts.Users
	}
	return eng.Rate() * float64(time.Second) / float64(opts.RatePeriod), -1
}

func screenInfo(eng *engine.Engine, opts *cli.Options, scn *scenario.Scenario) stats.ScreenInfo {
	mode := "uac"
	if scn.Mode == scenario.ModeServer {
		mode = "uas"
	}
	addrs := eng.LocalAddrs()
	local := addrs[0].String()
	if len(addrs) > 1 {
		local += fmt.Sprintf(" (+%d shards)", len(addrs)-1)
	}
	info := stats.ScreenInfo{
		Scenario:  scenarioBase(opts, scn),
		Mode:      mode,
		Transport: strings.ToUpper(opts.Transport.Protocol()),
		Local:     local,
		Remote:    opts.Remote,
		CallLimit: uint64(max(opts.MaxCalls, 0)),
		MaxCalls:  max(opts.Limit, 0),
	}
	for _, c := range scn.Commands {
		info.Commands = append(info.Commands, commandLabel(&c))
	}
	info.Steps = scenarioSteps(scn, opts)
	info.Keys = opts.Keys
	return info
}

func commandLabel(c *scenario.Command) string {
	switch c.Kind {
	case scenario.KindSend:
		if c.Message.Status != 0 {
			return fmt.Sprintf("%d ->", c.Message.Status)
		}
		return c.Message.Method + " ->"
	case scenario.KindRecv:
		if c.Response != 0 {
			return fmt.Sprintf("%d <-", c.Response)
		}
		return c.Request + " <-"
	case scenario.KindPause:
		if c.PauseFromFlag {
			return "Pause [-d]"
		}
		return fmt.Sprintf("Pause [%s]", c.Pause)
	case scenario.KindLabel:
		return "label " + c.Label
	case scenario.KindSendCmd:
		return "sendCmd ->"
	case scenario.KindRecvCmd:
		return "recvCmd <-"
	default:
		return "nop"
	}
}

// scenarioBase is the scenario's name as SIPp uses it in file names.
func scenarioBase(opts *cli.Options, scn *scenario.Scenario) string {
	if opts.ScenarioFile != "" {
		return strings.TrimSuffix(filepath.Base(opts.ScenarioFile), filepath.Ext(opts.ScenarioFile))
	}
	return opts.Scenario()
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// writeProgress prints one line of progress when stdout is not a terminal.
func writeProgress(w io.Writer, s *stats.Snapshot) {
	c := &s.Cumulative
	fmt.Fprintf(w, "%s created=%d current=%d successful=%d failed=%d retrans=%d rate=%.1f/s\n",
		s.Elapsed(true).Truncate(time.Second), c.Created(), s.CurrentCalls, c.Successful,
		c.Failed, c.Retransmissions, s.CallRate(false))
}

// injectionSet loads the -inf files and builds the -infindex indexes.
func injectionSet(opts *cli.Options) (*inject.Set, error) {
	set := inject.NewSet()
	for i, path := range append(slices.Clone(opts.InjectionFiles), opts.RxInjectionFiles...) {
		f, err := inject.Load(path)
		if err != nil {
			flag := "-inf"
			if i >= len(opts.InjectionFiles) {
				flag = "-rxinf"
			}
			return nil, fmt.Errorf("%s %s: %w", flag, path, err)
		}
		set.Add(f)
	}
	for _, kv := range opts.InjectionIndexes {
		k, err := inject.ParseFieldNumber(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("-infindex %s %s: %w", kv.Name, kv.Value, err)
		}
		if err := set.AddIndex(kv.Name, k); err != nil {
			return nil, err
		}
	}
	return set, nil
}
