package main

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestInteropLanguageSIPpUAC runs a gossip UAS whose actions (ereg on a
// header, todouble, assign, add, test, assignstr, trim, strcmp, all with
// check_it) and [$var] keywords answer the real sipp running a mirror
// scenario that fails its call unless gossip's 200 OK echoes the values
// those actions computed, including a -set global. A wrong -set value
// must fail calls on both sides.
func TestInteropLanguageSIPpUAC(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	uasXML, err := filepath.Abs("testdata/lang_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	uacXML, err := filepath.Abs("testdata/lang_uac_sipp.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set    string
		failed bool
	}{{"fromset", false}, {"other", true}} {
		t.Run(tc.set, func(t *testing.T) {
			dir := t.TempDir()
			port := testpeer.FreeUDPPort(t, 1)
			uas := testpeer.Start(t, 60*time.Second, dir, gossip, "-sf", uasXML, "-set", "g", tc.set,
				"-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "50", "-threads", "2",
				"-trace_stat", "-stf", "gossip_uas.csv", "-nostdin")
			testpeer.WaitUDPBound(t, port, 5*time.Second)
			uac := testpeer.Start(t, 60*time.Second, dir, sipp, "-sf", uacXML, "-i", "127.0.0.1",
				"127.0.0.1:"+strconv.Itoa(port), "-r", "100", "-m", "50", "-nostdin",
				"-trace_stat", "-stf", "sipp_uac.csv", "-fd", "1")
			want := 0
			if tc.failed {
				want = 1
			}
			if code := uac.Wait(); code != want {
				t.Fatalf("sipp uac exit %d, want %d", code, want)
			}
			if code := uas.Wait(); code != want {
				t.Fatalf("gossip uas exit %d, want %d", code, want)
			}
			g := statTotals(t, filepath.Join(dir, "gossip_uas.csv"))
			s := statTotals(t, filepath.Join(dir, "sipp_uac.csv"))
			if !tc.failed {
				assertCalls(t, "gossip uas", g, 50)
				assertCalls(t, "sipp uac", s, 50)
				return
			}
			// strcmp check_it fails gossip's calls; the echo fails sipp's.
			if g["FailedCall"] != 50 || g["FailedStrcmpDoesntMatch"] != 50 {
				t.Errorf("gossip uas: %v, want 50 calls failed by strcmp", g)
			}
			if s["FailedCall"] != 50 || s["FailedRegexpDoesntMatch"] != 50 {
				t.Errorf("sipp uac: FailedCall=%d FailedRegexpDoesntMatch=%d, want 50", s["FailedCall"], s["FailedRegexpDoesntMatch"])
			}
		})
	}
}
