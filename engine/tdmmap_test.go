package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/gossip-sip/gossip/engine/stats"
	"github.com/gossip-sip/gossip/scenario"
)

// TestTDMMapRender: SIPp's formula for -tdmmap {0-3}{99}{5-8}{1-31}, on
// its 1-based circuit numbers.
func TestTDMMapRender(t *testing.T) {
	m := &TDMMap{X1: 0, X2: 3, H: 99, Y1: 5, Y2: 8, Z1: 1, Z2: 31}
	if m.size() != 496 {
		t.Fatalf("size %d, want 496", m.size())
	}
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "0.99.5/2"}, {30, "0.99.5/31"}, {31, "0.99.6/1"}, {123, "0.99.8/31"},
		{124, "1.99.5/1"}, {495, "3.99.8/31"}, {496, "0.99.5/1"},
	} {
		if got := string(m.appendCircuit(nil, tc.n)); got != tc.want {
			t.Errorf("circuit %d = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestTDMMapCircuits: each call holds a distinct circuit while it lives;
// a call that finds them all busy fails as outbound congestion; an ended
// call's circuit is free again. [tdmmap] without -tdmmap is refused.
func TestTDMMapCircuits(t *testing.T) {
	uas := strings.Replace(uasHead, "Content-Length: 0", "X-TDM: [tdmmap]\n    Content-Length: 0", 1) +
		`<recv request="BYE"/>` + okBye + `</scenario>`
	p, rec := langPair(t, uas, func(c *Config) { c.TDMMap = &TDMMap{X1: 1, X2: 2, H: 7, Y1: 0, Y2: 0, Z1: 3, Z2: 3} })
	s := p.uas.shards[0]
	if got := len(s.e.tdm.busy); got != 2 {
		t.Fatalf("%d circuits, want 2", got)
	}
	// Three INVITEs while none ends: two get a circuit, the third fails.
	for range 3 {
		p.uac.shards[0].startCall(p.uac.now())
		flush(t, p.uac.shards[0])
		p.pump(t, s, 1)
		flush(t, s)
	}
	u := p.uas.Snapshot().Cumulative
	if u.Failed != 1 || u.FailedBy[stats.FailOutboundCongestion] != 1 {
		t.Errorf("uas: %d failed (%v), want 1 outbound congestion", u.Failed, u.FailedBy)
	}
	var seen []string
	for _, m := range rec.sent {
		if i := strings.Index(string(m), "X-TDM: "); i >= 0 {
			seen = append(seen, strings.SplitN(string(m)[i+7:], "\r\n", 2)[0])
		}
	}
	if len(seen) != 2 || seen[0] == seen[1] || !strings.HasSuffix(seen[0], ".7.0/3") && !strings.HasSuffix(seen[0], ".7.0/4") {
		t.Errorf("circuits rendered %q, want two distinct x.7.0/z", seen)
	}
	busy := 0
	for i := range s.e.tdm.busy {
		if s.e.tdm.busy[i].Load() {
			busy++
		}
	}
	if busy != 2 {
		t.Errorf("%d circuits busy, want 2", busy)
	}
	s.abortAll(p.uas.now())
	for i := range s.e.tdm.busy {
		if s.e.tdm.busy[i].Load() {
			t.Errorf("circuit %d still busy after every call ended", i+1)
		}
	}

	scn, err := scenario.Parse([]byte(uas), "tdm.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{Scenario: scn, Local: netip.MustParseAddr("127.0.0.1"), Shards: 1})
	if err == nil || err.Error() != "tdm.xml:11: keyword [tdmmap] needs -tdmmap" {
		t.Errorf("New without -tdmmap = %v", err)
	}
}
