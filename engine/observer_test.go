package engine

import (
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/scenario"
)

// observed records what the engine reports to a trace.CallObserver.
type observed struct {
	mu      sync.Mutex
	rtd     []int
	elapsed []time.Duration
	values  []time.Duration
	codes   []int
}

func (o *observed) ResponseTime(rtd int, elapsed, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rtd = append(o.rtd, rtd)
	o.elapsed = append(o.elapsed, elapsed)
	o.values = append(o.values, d)
}

func (o *observed) UnexpectedMessage(code int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes = append(o.codes, code)
}

func TestObserverGetsResponseTimesAndCounts(t *testing.T) {
	p := newPair(t, uasNoLinger(t))
	obs := &observed{}
	p.uac.cfg.Observer = obs
	for range 3 {
		p.call(t)
	}
	if len(obs.rtd) != 3 {
		t.Fatalf("%d response-time samples, want one per call", len(obs.rtd))
	}
	for i := range obs.rtd {
		if obs.rtd[i] != 0 || obs.values[i] <= 0 || obs.values[i] > time.Second ||
			obs.elapsed[i] < obs.values[i] || (i > 0 && obs.elapsed[i] < obs.elapsed[i-1]) {
			t.Errorf("sample %d: rtd %d, %v at %v", i, obs.rtd[i], obs.values[i], obs.elapsed[i])
		}
	}
	// The uac's pause (command 6) was entered by every call.
	if got := p.uac.Snapshot().Cumulative.Commands[6].Paused; got != 3 {
		t.Errorf("pause entered %d times, want 3", got)
	}
}

// TestObserverRTTLogNoAllocs: -trace_rtt keeps the call cycle free of
// allocations.
func TestObserverRTTLogNoAllocs(t *testing.T) {
	p := newPair(t, uasNoLinger(t))
	p.uac.cfg.Observer = &trace.Observers{RTT: trace.NewRTTLog(io.Discard, []string{"1"}, 16, "")}
	for range 40 {
		p.call(t)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.call(t) }); allocs != 0 {
		t.Fatalf("a call cycle with -trace_rtt allocates %v times, want 0", allocs)
	}
}

func TestObserverGetsUnexpectedCodes(t *testing.T) {
	busy, err := scenario.Parse([]byte(`<scenario name="busy">
  <recv request="INVITE"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>`), "busy.xml")
	if err != nil {
		t.Fatal(err)
	}
	p := newPair(t, busy)
	obs := &observed{}
	p.uac.cfg.Observer = obs
	c, s := p.uac.shards[0], p.uas.shards[0]
	c.startCall(p.uac.now())
	flush(t, c)
	p.pump(t, s, 1)
	flush(t, s)
	p.pump(t, c, 1)
	snap := p.uac.Snapshot().Cumulative
	if snap.Failed != 1 || len(obs.codes) != 1 || obs.codes[0] != 486 {
		t.Errorf("failed %d, codes %v; want one call failed on 486", snap.Failed, obs.codes)
	}
}
