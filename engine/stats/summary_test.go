package stats

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSummaryJSONGolden(t *testing.T) {
	s := fixedRun()[2]
	s.Mirror = MirrorTotals{Enabled: true, Sent: 120, Dropped: 3}
	sum := NewSummary(s, testInfo)
	sum.Version = "0.1.0-test"
	sum.Args = []string{"-sn", "uac", "127.0.0.1:5099", "-r", "12.5", "-m", "100", "-summary_json", "s.json"}
	sum.Flags = map[string]string{"sn": "uac", "r": "12.5", "m": "100", "summary_json": "s.json"}
	sum.ExitStatus = 1
	var buf bytes.Buffer
	if err := sum.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.json.golden", buf.Bytes())

	// The totals agree with the snapshot, and the failure classes add up.
	var back Summary
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	C := &s.Cumulative
	if back.Calls.Created != C.Created() || back.Calls.Successful != C.Successful ||
		back.Calls.Failed != C.Failed || back.Calls.Aborted != C.Aborted {
		t.Errorf("calls %+v, snapshot %+v", back.Calls, C)
	}
	var failed uint64
	for _, n := range back.Failures {
		failed += n
	}
	if failed != back.Calls.Failed || len(back.Failures) != int(NumFailureClasses)+1 {
		t.Errorf("failure classes add up to %d over %d classes, want %d over %d", failed, len(back.Failures),
			back.Calls.Failed, NumFailureClasses+1)
	}
	if len(back.ResponseTimes) != 2 || back.ResponseTimes[0].Name != "1" ||
		back.ResponseTimes[0].Count != s.RTD(0, true).Count || back.ResponseTimes[0].MaxMS != 200 {
		t.Errorf("response times %+v", back.ResponseTimes)
	}
	if back.CallLength.Count != 22 || back.CallLength.MaxMS != 32000 {
		t.Errorf("call length %+v", back.CallLength)
	}
	if back.HEP == nil || back.HEP.Dropped != 3 {
		t.Errorf("hep %+v", back.HEP)
	}
	if back.Schema != SummarySchema || back.Rates.TargetCPS != 12.5 {
		t.Errorf("schema %q, rates %+v", back.Schema, back.Rates)
	}

	// Without a mirror there is no hep member; with -users the users target
	// replaces the rate.
	s.Mirror = MirrorTotals{}
	s.Users = 40
	buf.Reset()
	sum = NewSummary(s, ScreenInfo{})
	if err := sum.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["hep"]; ok {
		t.Error("hep present without a mirror")
	}
	rates := m["rates"].(map[string]any)
	if rates["users"] != 40.0 || rates["target_cps"] != 0.0 {
		t.Errorf("rates with -users: %v", rates)
	}
}
