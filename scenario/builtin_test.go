package scenario

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// dumpScenario writes a scenario in a stable, readable form for golden
// files: every command with the fields that are set, every template op.
func dumpScenario(sc *Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %q mode=%v source=%q\n", sc.Name, sc.Mode, sc.Source)
	fmt.Fprintf(&b, "rtd_names=%q\n", sc.RTDNames)
	fmt.Fprintf(&b, "rtd_repartition=%v (first %d rtds)\n", sc.RTDRepartition, sc.RTDRepartitionCount)
	fmt.Fprintf(&b, "call_length_repartition=%v\n", sc.CallLengthRepartition)
	fmt.Fprintf(&b, "unexpected_jump=%d\n", sc.UnexpectedJump)
	for _, w := range sc.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	for i, c := range sc.Commands {
		f := []string{fmt.Sprintf("#%d %v line=%d", i, c.Kind, c.Line)}
		add := func(cond bool, s string) {
			if cond {
				f = append(f, s)
			}
		}
		add(c.Retrans != 0, "retrans="+c.Retrans.String())
		add(c.SendTimeout != 0, "send_timeout="+c.SendTimeout.String())
		add(c.IsAck, "ack")
		add(c.IsInvite, "invite")
		add(c.IsCancel, "cancel")
		add(c.Request != "", "request="+c.Request)
		add(c.Response != 0, "response="+strconv.Itoa(c.Response))
		add(c.Response != 0, fmt.Sprintf("methods=%q list=%q any=%v", c.ResponseMethods, c.ResponseMethodList, c.ResponseAnyMethod))
		add(c.Optional, "optional")
		add(c.Timeout != 0, "timeout="+c.Timeout.String())
		add(c.OnTimeout != NoIndex, "ontimeout="+strconv.Itoa(c.OnTimeout))
		add(c.RRS, "rrs")
		add(c.Pause != 0, "pause="+c.Pause.String())
		add(c.PauseFromFlag, "pause=-d")
		add(c.Timewait, "timewait")
		add(c.Label != "", "label="+c.Label)
		add(c.Next != NoIndex, "next="+strconv.Itoa(c.Next))
		add(c.Crlf, "crlf")
		add(c.StartRTD != NoIndex, "start_rtd="+strconv.Itoa(c.StartRTD))
		add(c.StopRTD != NoIndex, "rtd="+strconv.Itoa(c.StopRTD))
		add(c.RepeatRTD, "repeat_rtd")
		add(c.Counter != "", "counter="+c.Counter)
		add(c.Display != "", "display="+strconv.Quote(c.Display))
		add(c.Hide, "hide")
		add(c.IgnoreSDP, "ignoresdp")
		b.WriteString(strings.Join(f, " "))
		b.WriteByte('\n')
		if m := c.Message; m != nil {
			fmt.Fprintf(&b, "  template line=%d method=%q status=%d\n", m.Line, m.Method, m.Status)
			for _, line := range strings.SplitAfter(dumpOps(m.Ops), "\n") {
				if line != "" {
					b.WriteString("    " + line)
				}
			}
		}
	}
	return b.String()
}

func TestBuiltinGolden(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			sc, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpScenario(sc)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./scenario/ -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s (rerun with -update if intended):\n%s", name, path, got)
			}
		})
	}
}

func TestBuiltinUAC(t *testing.T) {
	sc, err := Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Mode != ModeClient || sc.Name != "Basic Sipstone UAC" || sc.Source != "built-in uac" || len(sc.Warnings) != 0 {
		t.Errorf("mode %v name %q source %q warnings %v", sc.Mode, sc.Name, sc.Source, sc.Warnings)
	}
	kinds := []Kind{KindSend, KindRecv, KindRecv, KindRecv, KindRecv, KindSend, KindPause, KindSend, KindRecv}
	if got := commandKinds(sc); !slices.Equal(got, kinds) {
		t.Fatalf("kinds %v, want %v", got, kinds)
	}
	c := sc.Commands
	if c[0].Message.Method != "INVITE" || !c[0].IsInvite || c[0].Retrans != 500*time.Millisecond {
		t.Errorf("INVITE: %+v", c[0])
	}
	for i, code := range []int{100, 180, 183} {
		if r := c[1+i]; r.Response != code || !r.Optional {
			t.Errorf("recv %d: %+v", code, r)
		}
	}
	if r := c[4]; r.Response != 200 || r.Optional || r.StopRTD != 0 || !slices.Equal(sc.RTDNames, []string{"1"}) {
		t.Errorf("recv 200: %+v, RTDNames %q", r, sc.RTDNames)
	}
	if !c[5].IsAck || c[5].Retrans != 0 || !c[6].PauseFromFlag || c[7].Message.Method != "BYE" || c[7].Retrans != 500*time.Millisecond {
		t.Errorf("ACK/pause/BYE: %+v %+v %+v", c[5], c[6], c[7])
	}
	if r := c[8]; r.Response != 200 || !r.Crlf || !slices.Equal(r.ResponseMethods, []string{"INVITE", "ACK", "BYE"}) {
		t.Errorf("final 200: %+v", r)
	}
	if !slices.Equal(sc.RTDRepartition, []int{10, 20, 30, 40, 50, 100, 150, 200}) || sc.RTDRepartitionCount != 1 ||
		!slices.Equal(sc.CallLengthRepartition, []int{10, 50, 100, 500, 1000, 5000, 10000}) {
		t.Errorf("repartitions %v/%d %v", sc.RTDRepartition, sc.RTDRepartitionCount, sc.CallLengthRepartition)
	}
}

func TestBuiltinUAS(t *testing.T) {
	sc, err := Builtin("uas")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Mode != ModeServer || sc.Name != "Basic UAS responder" || len(sc.Warnings) != 0 {
		t.Errorf("mode %v name %q warnings %v", sc.Mode, sc.Name, sc.Warnings)
	}
	kinds := []Kind{KindRecv, KindSend, KindSend, KindRecv, KindRecv, KindSend, KindPause}
	if got := commandKinds(sc); !slices.Equal(got, kinds) {
		t.Fatalf("kinds %v, want %v", got, kinds)
	}
	c := sc.Commands
	if c[0].Request != "INVITE" || !c[0].Crlf {
		t.Errorf("recv INVITE: %+v", c[0])
	}
	if c[1].Message.Status != 180 || c[1].Retrans != 0 || c[2].Message.Status != 200 || c[2].Retrans != 500*time.Millisecond {
		t.Errorf("180/200: %+v %+v", c[1], c[2])
	}
	if r := c[3]; r.Request != "ACK" || !r.Optional || r.StopRTD != 0 || !r.Crlf {
		t.Errorf("recv ACK: %+v", r)
	}
	if c[4].Request != "BYE" || c[4].Optional {
		t.Errorf("recv BYE: %+v", c[4])
	}
	if p := c[6]; !p.Timewait || p.Pause != 4*time.Second || p.PauseFromFlag {
		t.Errorf("timewait: %+v", p)
	}
	// SIPp's built-in uas (unlike docs/uas.xml) copies Record-Route into the 200 OK.
	if !strings.Contains(c[2].Message.String(), "[last_Record-Route:]") {
		t.Error("200 OK lacks [last_Record-Route:]")
	}
}

func commandKinds(sc *Scenario) []Kind {
	var k []Kind
	for _, c := range sc.Commands {
		k = append(k, c.Kind)
	}
	return k
}

func TestBuiltinLookup(t *testing.T) {
	if got := BuiltinNames(); !slices.Equal(got, []string{"uac", "uas"}) {
		t.Errorf("BuiltinNames() = %q", got)
	}
	names := BuiltinNames()
	names[0] = "changed"
	if BuiltinNames()[0] != "uac" {
		t.Error("BuiltinNames returns shared state")
	}
	if data, ok := BuiltinXML("uas"); !ok || !strings.Contains(string(data), `<scenario name="Basic UAS responder">`) {
		t.Errorf("BuiltinXML(uas) = %d bytes, %v", len(data), ok)
	}
	if _, ok := BuiltinXML("../uac"); ok {
		t.Error("BuiltinXML accepts a path")
	}
	_, err := Builtin("branchc")
	if !errors.Is(err, ErrUnknownBuiltin) || err.Error() != `unknown built-in scenario "branchc" (known: uac, uas)` {
		t.Errorf("Builtin(branchc) = %v", err)
	}
}
