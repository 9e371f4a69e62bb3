package engine

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// TestBranching runs a UAS that takes and skips next=, test=, chance=,
// condexec= and <jump> branches; the 180 it sends shows which ran.
func TestBranching(t *testing.T) {
	xml, err := os.ReadFile("testdata/branch_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	p := newLangPair(t, xml, func(c *Config) { c.Tracer = rec })
	for i := 0; i < 5; i++ {
		rec.sent = nil
		p.call(t)
		if len(rec.sent) != 3 {
			t.Fatalf("uas sent %d messages, want 3", len(rec.sent))
		}
		for name, want := range map[string]string{
			"X-Path": "", // every wrong path skipped
			"X-Inv":  "ran",
			"X-C":    "1.000000",
		} {
			if got := header(t, rec.sent[0], name); got != want {
				t.Errorf("call %d: %s = %q, want %q", i, name, got, want)
			}
		}
	}
	snap := p.uas.Snapshot().Cumulative
	if snap.Successful != 5 || snap.Failed != 0 {
		t.Fatalf("uas: successful %d failed %d, want 5/0 (events %q)", snap.Successful, snap.Failed, rec.events)
	}
}

// TestPauseLength: pause lengths drawn from a distribution or read from a
// variable's double, clamped and truncated to whole milliseconds.
func TestPauseLength(t *testing.T) {
	xml := []byte(`<scenario>
  <recv request="INVITE"><action><assign assign_to="ms" value="42.7"/><assignstr assign_to="str" value="42"/></action></recv>
  <pause distribution="uniform" min="10" max="20"/>
  <pause variable="ms"/>
  <pause variable="str"/>
  <pause distribution="normal" mean="-50" stdev="1"/>
</scenario>`)
	p := newLangPair(t, xml, nil)
	s := p.uas.shards[0]
	_, c := s.alloc(0)
	cmds := p.uas.scn.Commands
	s.runActions(c, 0, nil)
	for i := 0; i < 100; i++ {
		if d := s.pauseLength(c, &cmds[1]); d < 10*time.Millisecond || d > 20*time.Millisecond || d%time.Millisecond != 0 {
			t.Fatalf("uniform 10..20 drew %v", d)
		}
	}
	if d := s.pauseLength(c, &cmds[2]); d != 42*time.Millisecond {
		t.Errorf("pause variable=ms (42.7) = %v, want 42ms", d)
	}
	if d := s.pauseLength(c, &cmds[3]); d != 0 {
		t.Errorf("pause variable=str (a string) = %v, want 0", d)
	}
	if d := s.pauseLength(c, &cmds[4]); d != 0 {
		t.Errorf("negative draw = %v, want 0", d)
	}
}

// TestLanguageNoAllocs: variables, actions and branching cost no
// allocation per call once warm (ereg aside: a regexp match allocates).
func TestLanguageNoAllocs(t *testing.T) {
	xml, err := os.ReadFile("testdata/branch_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	xml = bytes.Replace(xml, []byte(`<ereg regexp="INVITE" search_in="msg" assign_to="isinv"/>`),
		[]byte(`<assignstr assign_to="isinv" value="[call_id]"/>`), 1)
	p := newLangPair(t, xml, nil)
	for i := 0; i < 20; i++ {
		p.call(t)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.call(t) }); allocs != 0 {
		t.Fatalf("a call cycle allocates %v times, want 0", allocs)
	}
}
