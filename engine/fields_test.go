package engine

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/dataplane"
	"github.com/gossip-sip/gossip/engine/inject"
	"github.com/gossip-sip/gossip/scenario"
)

// TestInjectionFields runs a UAS that renders [fieldN] from two -inf
// files (the call's line, line=, a line found by <lookup> on an
// -infindex field) for four calls: SEQUENTIAL files wrap.
func TestInjectionFields(t *testing.T) {
	xml, err := os.ReadFile("testdata/field_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"testdata/users.csv", "testdata/routes.csv"}
	scn, err := scenario.Options{InjectionFiles: files}.Parse(xml, "field_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	set := inject.NewSet()
	for _, f := range files {
		inf, err := inject.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		set.Add(inf)
	}
	if err := set.AddIndex("users.csv", 0); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: scn, Local: lo, Shards: 1, Backend: "std", Tracer: rec, Inject: set})
	if err != nil {
		t.Fatal(err)
	}
	uacScn, _ := scenario.Builtin("uac")
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0], Backend: "std"})
	if err != nil {
		t.Fatal(err)
	}
	uac.t0, uas.t0 = time.Now(), time.Now()
	t.Cleanup(func() { uac.closeEndpoints(); uas.closeEndpoints() })
	p := &pair{uac: uac, uas: uas, pkts: make([]dataplane.Packet, 1)}

	users := []string{"alice", "bob", "carol", "alice"}
	pass := []string{"a-pw", "b-pw", "c-pw", "a-pw"}
	routes := []string{"100", "200", "100", "200"}
	for i := range users {
		rec.sent = nil
		p.call(t)
		if len(rec.sent) != 3 {
			t.Fatalf("call %d: uas sent %d messages", i, len(rec.sent))
		}
		for name, want := range map[string]string{
			"X-User":   users[i],
			"X-Pass":   pass[i],
			"X-Route":  routes[i],
			"X-Fixed":  "bob",
			"X-Looked": "c-pw",
			"X-Line":   "2.000000",
			"X-None":   "-1.000000",
		} {
			if got := header(t, rec.sent[0], name); got != want {
				t.Errorf("call %d: %s = %q, want %q", i, name, got, want)
			}
		}
	}
	if s := uas.Snapshot().Cumulative; s.Successful != 4 || s.Failed != 0 {
		t.Errorf("uas: successful %d failed %d", s.Successful, s.Failed)
	}
}
