package engine

import (
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/scenario"
)

// sink is a UDP socket nobody reads: a peer that never answers.
func sink(t *testing.T) netip.AddrPort {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// TestPacingIsExact drives the shards' launch step with a simulated clock:
// after t seconds at rate r exactly floor(t·r)+1 calls have started (the
// first at t=0), whatever the number of shards.
func TestPacingIsExact(t *testing.T) {
	scn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	remote := sink(t)
	for _, tc := range []struct {
		rate   float64
		period time.Duration
		shards int
		span   time.Duration
	}{
		{1, time.Second, 1, 10 * time.Second},
		{10, time.Second, 3, 5 * time.Second},
		{2000, time.Second, 2, 500 * time.Millisecond},
		{50000, time.Second, 2, 200 * time.Millisecond},
		{50000, time.Second, 4, 200 * time.Millisecond},
		{3, 10 * time.Second, 2, 20 * time.Second},
	} {
		e, err := New(Config{Scenario: scn, Remote: remote, Local: netip.MustParseAddr("127.0.0.1"),
			Shards: tc.shards, Rate: tc.rate, RatePeriod: tc.period})
		if err != nil {
			t.Fatal(err)
		}
		e.t0 = time.Now()
		for now := int64(0); now <= int64(tc.span); now += int64(time.Millisecond) {
			for _, s := range e.shards {
				s.launch(now)
			}
		}
		want := uint64(tc.rate*float64(tc.span)/float64(tc.period)) + 1
		if got := e.created.Load(); got != want {
			t.Errorf("rate %v per %v on %d shards over %v: %d calls started, want %d",
				tc.rate, tc.period, tc.shards, tc.span, got, want)
		}
		e.closeEndpoints()
	}
}

// TestServerSpreadsOneRemoteOverShards sends every call from one UAC
// socket to a four-shard UAS: the kernel delivers them all to one socket,
// and steering by Call-ID must still spread the calls over the shards.
func TestServerSpreadsOneRemoteOverShards(t *testing.T) {
	uasScn := uasNoLinger(t)
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 4, MaxCalls: 400})
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0],
		Rate: 1000, MaxCalls: 400})
	if err != nil {
		t.Fatal(err)
	}
	runCalls(t, uas, uac, 400, 20*time.Second)
	for i, s := range uas.shards {
		n, _ := s.rec.CallsCreated()
		if n < 40 {
			t.Errorf("shard %d handled %d of 400 calls; steering does not spread them", i, n)
		}
	}
}

// TestSetRateRebasesTheSchedule changes the rate mid-run with a simulated
// clock: calls follow the old rate up to the change and the new one after
// it, pausing (rate 0) starts nothing, and no burst follows a resume.
func TestSetRateRebasesTheSchedule(t *testing.T) {
	scn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Scenario: scn, Remote: sink(t), Local: netip.MustParseAddr("127.0.0.1"),
		Shards: 2, Rate: 100, RatePeriod: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer e.closeEndpoints()
	e.t0 = time.Now()
	clock := int64(0)
	run := func(until time.Duration) {
		for ; clock <= int64(until); clock += int64(time.Millisecond) {
			for _, s := range e.shards {
				s.launch(clock)
			}
		}
	}
	setRate := func(r float64) {
		// SetRate reads the engine clock; pin it to the simulated one.
		e.t0 = time.Now().Add(-time.Duration(clock))
		e.SetRate(r)
	}
	run(time.Second) // t=0..1s at 100/s: 101 calls (one at t=0)
	if got := e.created.Load(); got != 101 {
		t.Fatalf("after 1 s at 100/s: %d calls, want 101", got)
	}
	setRate(1000)
	run(2 * time.Second)
	if got := e.created.Load(); got < 1095 || got > 1105 {
		t.Fatalf("after 1 s more at 1000/s: %d calls, want about 1101", got)
	}
	before := e.created.Load()
	setRate(0)
	run(3 * time.Second)
	if got := e.created.Load(); got != before {
		t.Fatalf("paused: %d calls started", got-before)
	}
	setRate(10)
	run(4 * time.Second)
	if got := e.created.Load() - before; got < 9 || got > 12 {
		t.Fatalf("after resume at 10/s for 1 s: %d calls, want about 10", got)
	}
	if e.Rate() != 10 {
		t.Fatalf("Rate() = %v", e.Rate())
	}
}

// TestTimerResolDefaults: -timer_resol defaults to 1 ms and is rounded up
// to whole milliseconds, the timers' resolution.
func TestTimerResolDefaults(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{0, time.Millisecond},
		{time.Millisecond, time.Millisecond},
		{1500 * time.Microsecond, 2 * time.Millisecond},
		{10 * time.Millisecond, 10 * time.Millisecond},
	} {
		if got := (Config{TimerResol: tc.in}).withDefaults().TimerResol; got != tc.want {
			t.Errorf("TimerResol %v: %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBusyWake(t *testing.T) {
	ms := int64(time.Millisecond)
	for _, tc := range []struct {
		name                  string
		now, deadline, period int64
		want                  int64
	}{
		{"deadline after the tick: the tick", 10*ms + 300, 50 * ms, ms, 11 * ms},
		{"launch due within the tick: the tick", 10*ms + 300, 10*ms + 700, ms, 11 * ms},
		{"deadline on the next boundary", 10*ms + 300, 11 * ms, ms, 11 * ms},
		{"deadline already passed: no sleep", 10*ms + 300, 9*ms + 5, ms, 10 * ms},
		{"now on a boundary, deadline now", 10 * ms, 10 * ms, ms, 10 * ms},
		// -timer_resol 2: boundaries every 2 ms, timers rounded up to them.
		{"2 ms: deadline after the period", 10*ms + 300, 50 * ms, 2 * ms, 12 * ms},
		{"2 ms: timer due within the period", 10*ms + 300, 11 * ms, 2 * ms, 12 * ms},
		{"2 ms: on a boundary", 11 * ms, 50 * ms, 2 * ms, 12 * ms},
	} {
		if got := busyWake(tc.now, tc.deadline, tc.period); got != tc.want {
			t.Errorf("%s: busyWake(%d, %d, %d) = %d, want %d", tc.name, tc.now, tc.deadline, tc.period, got, tc.want)
		}
	}
}

// TestTimerResolHoldsBusyAnswers: a busy uas (mmsg) drains every
// TimerResol, so with 20 ms its answers wait for the next 20 ms boundary
// and the uac's median response time is several milliseconds, where an
// idle loopback answer takes well under one. Only the lower bound is
// checked: load can make answers later, never earlier.
func TestTimerResolHoldsBusyAnswers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("busy draining needs the mmsg dataplane: Linux only")
	}
	const calls = 6000 // 1 s at 6,000 calls/s: 18,000 datagrams/s at the uas, busy
	lo := netip.MustParseAddr("127.0.0.1")
	// 20 ms of datagrams must fit the socket buffers, as gossip's own
	// default -buff_size makes sure.
	const buf = 4 << 20
	uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 1, Backend: "mmsg", BufferSize: buf,
		MaxCalls: calls, TimerResol: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Backend: "mmsg", BufferSize: buf,
		Remote: uas.LocalAddrs()[0], Rate: calls, MaxCalls: calls})
	if err != nil {
		t.Fatal(err)
	}
	ures, _ := runCalls(t, uas, uac, calls, 60*time.Second)
	if d := ures.Stats.RTD(0, true); d.P50 < 5*time.Millisecond {
		t.Errorf("median response time %v with the uas draining every 20 ms, want at least 5ms (%+v)", d.P50, d)
	}
}
