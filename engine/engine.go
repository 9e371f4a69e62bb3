package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/media"
	"github.com/gossip-sip/gossip/scenario"
	"github.com/gossip-sip/gossip/sipfast"
)

// Engine states, in the order a run goes through them.
const (
	stateRunning  int32 = iota // creating and answering calls
	stateDraining              // no new calls; running calls may finish
	stateAborting              // shards abort what is left and exit
)

// Engine runs one scenario on a set of shards.
type Engine struct {
	cfg    Config
	scn    *scenario.Scenario
	client bool
	steer  bool     // shards share a port: route each message to its call's shard
	xdp    xdpState // the xdp backend's source range and port steering (source.go)
	shards []*shard
	seed   maphash.Seed
	t0     time.Time
	layout stats.Layout
	coll   *stats.Collector

	// pcaps are the captures of the play_pcap actions, loaded once
	// (media.go); player sends them during Run.
	pcaps  map[*scenario.Action]*media.Pcap
	player *media.Player
	tdm    *tdmTable // -tdmmap circuits (tdmmap.go), nil without it

	// launches: the engine starts calls at the rate (SIPp's creation
	// mode client); false for 3PCC scenarios whose calls start from
	// commands (3pcc-C-B, slaves).
	launches bool
	bus      *cmdBus // the 3PCC command bus (twin.go); nil: none

	pace         atomic.Pointer[pace] // the call schedule; replaced by SetRate
	needsLast    []bool               // per command: the template uses [last_*]
	keepLast     []bool               // per command: a later send may still use the last message
	counterIndex []int                // per command: generic counter index or -1
	globals      *globalVars          // <Global> variables (vars.go), shared with the out-of-call engine
	userVals     []varValue           // <User> variables with -users: (Users+1) × Vars.User, written by the user's shard (users.go)
	fieldFile    map[string]int       // -inf file base name → index in Config.Inject (fields.go)
	proto        string               // [transport]: UDP, TCP, TLS, WS or WSS
	conns        *dataplane.ConnTable // stream transports: every shard's connections
	defaults     defaultMessages      // SIPp's automatic messages (unexpected.go)
	ooc          *Engine              // the out-of-call scenario's engine (ooc.go), or nil
	losePackets  bool                 // the scenario has a lost= attribute: lost= and -lost apply
	remoteHost   []byte               // [remote_host]
	dynamicID    atomic.Int64         // [dynamic_id]
	filesMu      sync.Mutex           // guards files
	files        map[string][]byte    // [file name=]: contents read once
	localIP      []byte
	localIPHost  []byte         // [local_ip]: localIP, in brackets for IPv6 (SIPp's local_ip_w_brackets)
	perIP        []netip.Addr   // -t ui: the local addresses (perip.go)
	perIPHost    [][]byte       // [local_ip] of each
	perIPIndex   map[string]int // -ip_field value → index in perIP
	localIPType  byte
	mediaIP      []byte
	mediaIPType  byte

	stopNow   atomic.Bool // <exec int_cmd="stop_now"> ended the run
	halted    atomic.Bool // stop_now or a fatal error: actions stop at once
	fatalOnce sync.Once
	fatalErr  error // what stopped the run (an <error> action), set once before Abort

	created      atomic.Uint64 // calls claimed (numbers handed out)
	open         atomic.Int64  // calls running now
	ended        atomic.Uint64
	handoffDrops atomic.Uint64
	sendErrors   atomic.Uint64
	state        atomic.Int32
	wg           sync.WaitGroup
	stopOnce     sync.Once
	stopped      chan struct{}
	abortCh      chan struct{}
	abortOnce    sync.Once

	handedOff atomic.Uint64 // datagrams a shard passed to the shard that owns their call
	// byCallID is the kernel program that puts each datagram on its
	// owner's socket when the shards share a UDP port; nil without it.
	// Set by New, never changed.
	byCallID *dataplane.CallIDSteering
}

// Result is what a finished run reports.
type Result struct {
	// Stats is the final snapshot: cumulative totals of the whole run.
	Stats *stats.Snapshot
	// Interrupted is true when the run ended through Stop, Abort or a
	// cancelled context rather than by reaching its call limit.
	Interrupted bool
	// SendErrors counts datagrams the kernel refused.
	SendErrors uint64
	// Health says whether the generator itself fell behind during the run.
	Health Health
	// StopNow is true when an <exec int_cmd="stop_now"> action ended the
	// run (SIPp exits with status 97).
	StopNow bool
	// Fatal, when set, is the error that ended the run early (SIPp's
	// fatal errors, exit status 255): an <error> action, an action that
	// could not run, or a client that lost its connection with no
	// reconnection left (ErrConnectionLost).
	Fatal error
}

// New checks cfg, binds every shard's endpoint and returns an engine ready
// to Run. A bind failure wraps ErrBind.
func New(cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	scn := cfg.Scenario
	e := &Engine{
		cfg:     cfg,
		scn:     scn,
		client:  scn.Mode == scenario.ModeClient,
		seed:    maphash.MakeSeed(),
		stopped: make(chan struct{}),
		abortCh: make(chan struct{}),
	}
	e.launches = e.client && scn.Creation == scenario.ModeClient
	e.proto = transportToken(cfg.Transport)
	if e.streamOn() {
		e.cfg.NoRetrans = true // reliable transport: no timer A or E (RFC 3261 §17.1.1.2)
	}
	e.pace.Store(&pace{interval: intervalOf(cfg.Rate, cfg.RatePeriod), rate: cfg.Rate})
	e.layout = stats.Layout{
		RTDNames:              scn.RTDNames,
		Commands:              len(scn.Commands),
		RTDRepartition:        scn.RTDRepartition,
		CallLengthRepartition: scn.CallLengthRepartition,
	}
	e.counterIndex = make([]int, len(scn.Commands))
	e.needsLast = make([]bool, len(scn.Commands))
	for i := range scn.Commands {
		cmd := &scn.Commands[i]
		e.counterIndex[i] = -1
		if cmd.Counter != "" {
			k := indexOf(e.layout.Counters, cmd.Counter)
			if k < 0 {
				k = len(e.layout.Counters)
				e.layout.Counters = append(e.layout.Counters, cmd.Counter)
			}
			e.counterIndex[i] = k
		}
		if cmd.Message != nil {
			for _, op := range cmd.Message.Ops {
				if op.Kind == scenario.OpLastHeader || op.Kind == scenario.OpLastMessage {
					e.needsLast[i] = true
				}
			}
		}
	}

	e.keepLast = keepLastAfter(scn, e.needsLast)
	if err := e.initLanguage(); err != nil {
		return nil, err
	}
	if err := e.initMedia(); err != nil {
		return nil, err
	}
	if err := e.initTDM(); err != nil {
		return nil, err
	}
	if err := e.initPerIP(); err != nil {
		return nil, err
	}
	var err error
	if e.defaults, err = compileDefaults(scn); err != nil {
		return nil, err
	}
	e.losePackets = scn.UsesFeature(scenario.FeatureLost)
	e.initUserVars()
	e.remoteHost = []byte(cfg.RemoteHost)
	if cfg.RemoteHost == "" && cfg.Remote.IsValid() {
		e.remoteHost = []byte(cfg.Remote.Addr().Unmap().String())
	}
	e.dynamicID.Store(int64(cfg.DynamicStart))

	local := cfg.Local
	if !local.IsValid() || local.IsUnspecified() {
		local = guessLocalIP(cfg.Remote)
	}
	e.localIP = []byte(local.Unmap().String())
	e.localIPHost = appendHost(nil, local)
	e.localIPType = ipType(local)
	media := cfg.MediaIP
	if !media.IsValid() {
		media = local
	}
	e.mediaIP = []byte(media.Unmap().String())
	e.mediaIPType = ipType(media)

	bind := cfg.Local
	if !bind.IsValid() {
		bind = netip.IPv4Unspecified()
		if cfg.Remote.IsValid() && cfg.Remote.Addr().Is6() && !cfg.Remote.Addr().Is4In6() {
			bind = netip.IPv6Unspecified()
		}
	}
	shards := e.xdpShards(cfg.Shards)
	// A server answers on one port: its shards share it when the kernel
	// can spread flows over them, and re-steer by Call-ID.
	share := !e.client && shards > 1
	if share && !dataplane.ReusePortSupported {
		shards = 1
		share = false
	}
	e.steer = share
	e.cfg.Shards = shards
	capacity := max(cfg.Limit/shards, 1024)
	if cfg.Limit > 0 {
		capacity = cfg.Limit/shards + 1
	}
	for i := 0; i < shards; i++ {
		port := cfg.LocalPort
		if e.client && port != 0 {
			port += i
		}
		open := dataplane.Open
		if cfg.openEndpoint != nil {
			open = cfg.openEndpoint
		}
		ep, err := open(dataplane.Config{
			Backend:    cfg.Backend,
			Local:      netip.AddrPortFrom(bind, uint16(port)),
			ReusePort:  share,
			BufferSize: cfg.BufferSize,
			XDP:        e.xdpConfig(i),
			Stream:     e.streamConfig(),
			PerIP:      e.perIP,
		})
		if err != nil {
			e.closeEndpoints()
			if errors.Is(err, dataplane.ErrXDP) {
				return nil, err // names what the host lacks; not a bind failure
			}
			if errors.Is(err, dataplane.ErrUnknownBackend) {
				return nil, fmt.Errorf("%w: %w", ErrConfig, err)
			}
			return nil, fmt.Errorf("%w: %w", ErrBind, err)
		}
		if share && port == 0 && i == 0 {
			// Later shards join the port the first one got.
			cfg.LocalPort = int(ep.LocalAddr().Port())
		}
		e.shards = append(e.shards, newShard(e, i, ep, capacity))
	}
	e.steerByCallID()
	e.initXDP()
	if err := e.initOOC(); err != nil {
		e.closeEndpoints()
		return nil, err
	}
	recs := make([]*stats.Recorder, len(e.shards))
	for i, s := range e.shards {
		recs[i] = s.rec
	}
	e.coll = stats.NewCollector(e.layout, recs)
	if err := e.initBus(); err != nil {
		e.closeEndpoints()
		return nil, err
	}
	return e, nil
}

// keepLastAfter says, for each command, whether a call must keep its last
// received message once past it: whether a send that renders [last_*] can
// run before the next mandatory recv replaces the message. A scenario that
// jumps (next, ontimeout) keeps it always.
func keepLastAfter(scn *scenario.Scenario, needsLast []bool) []bool {
	keep := make([]bool, len(scn.Commands))
	jumps := false
	for _, c := range scn.Commands {
		if c.Next != scenario.NoIndex || c.OnTimeout != scenario.NoIndex {
			jumps = true
		}
	}
	for i := range keep {
		if jumps {
			keep[i] = true
			continue
		}
		for k := i + 1; k < len(scn.Commands); k++ {
			c := &scn.Commands[k]
			if c.Kind == scenario.KindSend && needsLast[k] {
				keep[i] = true
				break
			}
			if c.Kind == scenario.KindRecv && !c.Optional {
				break
			}
		}
	}
	return keep
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func ipType(a netip.Addr) byte {
	if a.Is6() && !a.Is4In6() {
		return '6'
	}
	return '4'
}

// guessLocalIP finds the address the kernel would send from towards
// remote (no packet is sent), or a loopback address.
func guessLocalIP(remote netip.AddrPort) netip.Addr {
	if remote.IsValid() {
		if c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(remote)); err == nil {
			defer c.Close()
			return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

// steerByCallID attaches the kernel program that picks the socket of a
// datagram's shard by Call-ID (dataplane.SteerByCallID) when the shards
// share a UDP port. Without it the kernel picks by 4-tuple, so one peer's
// datagrams all reach one shard, which hands most of them on: correct,
// but each hand-off costs a copy and a wake-up on another core.
// Config.NoKernelSteering leaves it off, to compare.
func (e *Engine) steerByCallID() {
	if !e.steer || e.proto != "UDP" || e.cfg.Backend == "xdp" || e.perIP != nil || e.cfg.NoKernelSteering {
		return
	}
	eps := make([]dataplane.Endpoint, len(e.shards))
	for i, s := range e.shards {
		eps[i] = s.ep
	}
	st, err := dataplane.SteerByCallID(eps)
	switch {
	case err == nil:
		e.byCallID = st
	case errors.Is(err, dataplane.ErrNoSocket):
		// Test endpoints: nothing to attach to.
	default:
		e.cfg.Logger.Warn("the kernel cannot steer datagrams to their shard by Call-ID; shards hand them on instead", "err", err)
	}
}

func (e *Engine) closeEndpoints() {
	if e.byCallID != nil {
		_ = e.byCallID.Close() // keeps its counters for Health
	}
	for _, s := range e.shards {
		_ = s.ep.Close()
	}
}

// LocalAddrs returns each shard's bound address.
func (e *Engine) LocalAddrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(e.shards))
	for i, s := range e.shards {
		out[i] = s.local
	}
	return out
}

// Shards returns the number of shards the engine runs.
func (e *Engine) Shards() int { return len(e.shards) }

// now is nanoseconds since the run started (monotonic).
func (e *Engine) now() int64 { return int64(time.Since(e.t0)) }

// claimCall hands out the next call number, or false once -m is reached,
// and counts the call open: the caller then allocates its slot.
func (e *Engine) claimCall() (uint64, bool) {
	// The call counts as open before it counts as created: finished (on
	// another goroutine) must never see the last call created and not yet
	// open, or it ends the run under it. The shard's alloc follows.
	e.open.Add(1)
	for {
		n := e.created.Load()
		if e.cfg.MaxCalls > 0 && n >= uint64(e.cfg.MaxCalls) {
			e.open.Add(-1)
			return 0, false
		}
		if e.created.CompareAndSwap(n, n+1) {
			return n + 1, true
		}
	}
}

// shardOf returns the index of the shard that owns the calls of a Call-ID
// on a server whose shards share a port (steer): the one a SIP message or
// a 3PCC command that starts such a call is steered to. It is the hash
// the kernel's SO_REUSEPORT program computes (sipfast.ShardHash), so a
// datagram the program placed is already on its shard.
func (e *Engine) shardOf(cid []byte) int {
	return int(sipfast.ShardHash(cid) % uint32(len(e.shards)))
}

// appendCallID renders -cid_str for a new call.
func (e *Engine) appendCallID(dst []byte, number uint64) []byte {
	dst = dst[:0]
	f := e.cfg.CallIDFormat
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			dst = append(dst, f[i])
			continue
		}
		i++
		switch f[i] {
		case 'u':
			dst = strconv.AppendUint(dst, number, 10)
		case 'p':
			dst = strconv.AppendInt(dst, int64(e.cfg.PID), 10)
		case 's':
			dst = append(dst, e.localIP...)
		case 'r':
			dst = strconv.AppendUint(dst, uint64(uint32(maphash.Comparable(e.seed, number))), 10)
		case '%':
			dst = append(dst, '%')
		default:
			dst = append(dst, '%', f[i])
		}
	}
	return dst
}

func (e *Engine) logSendError(err error) {
	if e.sendErrors.Add(1) <= 10 {
		e.cfg.Logger.Warn("send failed", "err", err)
	}
}

// Snapshot merges the shards' statistics now.
func (e *Engine) Snapshot() *stats.Snapshot {
	s := e.coll.Snapshot(time.Now())
	s.TargetRate = e.targetRate()
	if e.cfg.Users <= 0 {
		s.Users = -1
	} else {
		s.Users = e.cfg.Users
	}
	e.fillMirror(s)
	return s
}

// Collector returns the statistics collector, for periodic outputs that
// keep their own period (stats.Collector.NewPeriod).
func (e *Engine) Collector() *stats.Collector { return e.coll }

func (e *Engine) targetRate() float64 {
	return e.pace.Load().rate * float64(time.Second) / float64(e.cfg.RatePeriod)
}

// pace is the call schedule: schedule position k (counted over all shards)
// is due at start + (k-base)·interval; positions before base are due now.
// It is immutable; SetRate publishes a new one.
type pace struct {
	start    int64   // engine time of position base
	base     uint64  // first position of this schedule
	interval float64 // ns between positions; 0: no new calls
	rate     float64 // calls per RatePeriod, as set
}

func intervalOf(rate float64, period time.Duration) float64 {
	if rate <= 0 {
		return 0
	}
	return float64(period) / rate
}

// SetRate changes the call rate (calls per RatePeriod) from now on; 0
// pauses call creation. Calls already due are still started. Safe from
// any goroutine (SIPp's +, -, *, / keys and "cset rate").
func (e *Engine) SetRate(rate float64) {
	now := e.now()
	for {
		old := e.pace.Load()
		// Positions the old schedule made due by now keep their turn.
		base := old.base
		if old.interval > 0 && now > old.start {
			base += uint64(float64(now-old.start)/old.interval) + 1
		}
		np := &pace{start: now, base: base, interval: intervalOf(rate, e.cfg.RatePeriod), rate: max(rate, 0)}
		if e.pace.CompareAndSwap(old, np) {
			e.wakeAll()
			return
		}
	}
}

// Rate returns the current call rate (calls per RatePeriod).
func (e *Engine) Rate() float64 { return e.pace.Load().rate }

// Stop ends the run gracefully: no new calls; running calls may finish
// within DrainTimeout, then the rest are aborted. Safe to call from any
// goroutine, more than once.
func (e *Engine) Stop() {
	e.stopOnce.Do(func() {
		e.state.CompareAndSwap(stateRunning, stateDraining)
		e.wakeAll()
		close(e.stopped)
	})
}

// Abort ends the run at once: running calls are counted as aborted.
func (e *Engine) Abort() {
	e.abortOnce.Do(func() {
		e.state.Store(stateAborting)
		e.wakeAll()
		close(e.abortCh)
	})
}

func (e *Engine) wakeAll() {
	for _, s := range e.shards {
		s.ep.Wake()
	}
}

// Run executes the scenario until the call limit is reached and every call
// has ended, or until ctx is cancelled or Stop/Abort is called. It closes
// the endpoints before returning.
func (e *Engine) Run(ctx context.Context) (*Result, error) {
	e.t0 = time.Now()
	e.coll.SetStart(e.t0)
	if e.bus != nil {
		e.bus.start()
	}
	e.runInit()
	if e.ooc != nil {
		e.ooc.t0 = e.t0
		e.ooc.coll.SetStart(e.t0)
		e.ooc.runInit()
	}
	e.startMedia()
	for _, s := range e.shards {
		e.wg.Add(1)
		go s.run()
	}
	interrupted := false
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	var drainDeadline <-chan time.Time
	stopped := e.stopped
	ctxDone := ctx.Done()
loop:
	for {
		select {
		case <-ctxDone:
			ctxDone = nil
			interrupted = true
			e.Stop()
		case <-stopped:
			stopped = nil
			interrupted = true
			drainDeadline = time.After(e.cfg.DrainTimeout)
		case <-drainDeadline:
			break loop
		case <-e.abortCh:
			interrupted = true
			break loop
		case <-poll.C:
			if e.finished() {
				break loop
			}
		}
	}
	e.Abort()
	e.wg.Wait()
	e.stopMedia()
	if e.bus != nil {
		e.bus.shutdown()
	}
	e.closeEndpoints()
	res := &Result{Stats: e.Snapshot(), Interrupted: interrupted, SendErrors: e.sendErrors.Load(), Health: e.Health(),
		StopNow: e.stopNow.Load()}
	e.fatalOnce.Do(func() {}) // no fatal error from now on
	res.Fatal = e.fatalErr
	return res, nil
}

// finished reports whether the run has nothing left to do.
func (e *Engine) finished() bool {
	open := e.open.Load()
	switch e.state.Load() {
	case stateDraining:
		return open == 0
	case stateAborting:
		return true
	}
	if e.cfg.MaxCalls <= 0 {
		return false
	}
	return e.created.Load() >= uint64(e.cfg.MaxCalls) && open == 0
}

// OOCSnapshot returns the statistics of the out-of-call scenario's calls
// (-oocsf, -oocsn), or nil without one.
func (e *Engine) OOCSnapshot() *stats.Snapshot {
	if e.ooc == nil {
		return nil
	}
	return e.ooc.coll.Snapshot(time.Now())
}
