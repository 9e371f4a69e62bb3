package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
			want := 0
			if tc.failed {
				want = 1
			}
			runPair(t, dir,
				side{"gossip uas", gossip, 60 * time.Second, []string{"-sf", uasXML, "-set", "g", tc.set},
					[]string{"-m", "50", "-threads", "2", "-trace_stat", "-stf", "gossip_uas.csv", "-nostdin"}},
				side{"sipp uac", sipp, 60 * time.Second, []string{"-sf", uacXML},
					[]string{"-r", "100", "-m", "50", "-nostdin", "-trace_stat", "-stf", "sipp_uac.csv", "-fd", "1"}}, want)
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

// TestInteropBuiltinBranchingAgainstSIPp runs the built-in scenarios that
// use actions and branching (ereg, next= with test=, optional recvs with
// next=, labels) against the real sipp, in both directions.
func TestInteropBuiltinBranchingAgainstSIPp(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	for _, tc := range []struct {
		name                 string
		server, client       string // binaries
		serverScn, clientScn string
	}{
		{"gossip-branchc/sipp-branchs", sipp, gossip, "branchs", "branchc"},
		{"sipp-branchc/gossip-branchs", gossip, sipp, "branchs", "branchc"},
		{"gossip-regexp/sipp-uas", sipp, gossip, "uas", "regexp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			runPair(t, dir,
				side{"server " + tc.serverScn, tc.server, 60 * time.Second, []string{"-sn", tc.serverScn},
					[]string{"-m", "10", "-nostdin", "-trace_stat", "-stf", "server.csv", "-fd", "1"}},
				side{"client " + tc.clientScn, tc.client, 60 * time.Second, []string{"-sn", tc.clientScn},
					[]string{"-r", "10", "-m", "10", "-nostdin", "-trace_stat", "-stf", "client.csv", "-fd", "1"}}, 0)
			assertCalls(t, "client", statTotals(t, filepath.Join(dir, "client.csv")), 10)
			assertCalls(t, "server", statTotals(t, filepath.Join(dir, "server.csv")), 10)
		})
	}
}

// TestInjectionFlagsAgainstSIPp runs a gossip UAS that renders [fieldN]
// from two -inf files (or one -inf and one -rxinf) and uses <lookup> on
// an -infindex field, against
// sipp's built-in uac; an -infindex naming no -inf file is refused.
func TestInjectionFlagsAgainstSIPp(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	td, err := filepath.Abs("../../engine/testdata")
	if err != nil {
		t.Fatal(err)
	}
	// routes.csv as -rxinf: [field1 file=routes.csv] still reads it, and
	// [field0] still reads the first -inf file.
	for _, routes := range []string{"-inf", "-rxinf"} {
		dir := t.TempDir()
		runPair(t, dir,
			side{routes + " routes.csv: gossip uas", gossip, 60 * time.Second, []string{"-sf", filepath.Join(td, "field_uas.xml"),
				"-inf", filepath.Join(td, "users.csv"), routes, filepath.Join(td, "routes.csv"), "-infindex", "users.csv", "0"},
				[]string{"-m", "20", "-trace_stat", "-stf", "gossip_uas.csv", "-nostdin"}},
			side{routes + " routes.csv: sipp uac", sipp, 60 * time.Second, []string{"-sn", "uac"},
				[]string{"-r", "100", "-m", "20", "-nostdin", "-trace_stat", "-stf", "sipp_uac.csv", "-fd", "1"}}, 0)
		assertCalls(t, "gossip uas "+routes, statTotals(t, filepath.Join(dir, "gossip_uas.csv")), 20)
		assertCalls(t, "sipp uac "+routes, statTotals(t, filepath.Join(dir, "sipp_uac.csv")), 20)
	}

	dir := t.TempDir()
	bad := testpeer.Start(t, 10*time.Second, dir, gossip, "-sf", filepath.Join(td, "field_uas.xml"),
		"-inf", filepath.Join(td, "users.csv"), "-infindex", "nope.csv", "0", "-i", "127.0.0.1", "-nostdin")
	if code := bad.Wait(); code != 1 {
		t.Errorf("-infindex nope.csv: exit %d, want 1", code)
	}
}

// TestInteropDigestAuth: a UAC answering a 401 with [authentication]
// (-au, -ap) and a UAS checking the answer with verifyauth, gossip and the
// real sipp on either side, with the right password (every call succeeds)
// and a wrong one (every call fails on both sides).
func TestInteropDigestAuth(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	td, err := filepath.Abs("../../engine/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		uas, uac string
		password string
	}{
		{"gossip-uac/sipp-uas", sipp, gossip, "secret"},
		{"sipp-uac/gossip-uas", gossip, sipp, "secret"},
		{"gossip-uac/sipp-uas/wrong", sipp, gossip, "wrong"},
		{"sipp-uac/gossip-uas/wrong", gossip, sipp, "wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want := 0
			if tc.password != "secret" {
				want = 1
			}
			runPair(t, dir,
				side{"uas", tc.uas, 60 * time.Second, []string{"-sf", filepath.Join(td, "auth_uas.xml")},
					[]string{"-m", "20", "-nostdin", "-trace_stat", "-stf", "uas.csv", "-fd", "1"}},
				side{"uac", tc.uac, 60 * time.Second, []string{"-sf", filepath.Join(td, "auth_uac.xml"), "-au", "alice", "-ap", tc.password},
					[]string{"-r", "100", "-m", "20", "-nostdin", "-trace_stat", "-stf", "uac.csv", "-fd", "1"}}, want)
			for _, who := range []string{"uac", "uas"} {
				got := statTotals(t, filepath.Join(dir, who+".csv"))
				if want == 0 {
					assertCalls(t, who, got, 20)
				} else if got["FailedCall"] != 20 || got["SuccessfulCall"] != 0 {
					t.Errorf("%s: SuccessfulCall=%d FailedCall=%d, want 0 and 20", who, got["SuccessfulCall"], got["FailedCall"])
				}
			}
		})
	}
}

// TestSideBySideLanguage runs scenario files that exercise SIPp's rules
// for unexpected messages (default behaviours, _unexp.main,
// optional="global") and the newer keywords under the real sipp and under
// gossip, each against the same sipp peer, and requires the same outcome:
// the same exit statuses and the same successful and failed call counts
// on both sides.
func TestSideBySideLanguage(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	const calls = 5
	for _, tc := range []struct {
		file   string // a testdata file, or a built-in scenario
		server bool   // the file is the UAS (the peer runs sipp's uac), else the UAC
		peer   string // the peer's testdata file; "": sipp's built-in uas or uac
		flags  []string
	}{
		{"side_unexp_bye_uas.xml", true, "", nil},
		{"side_unexp_main_uas.xml", true, "", nil},
		{"side_optglobal_uas.xml", true, "", nil},
		{"side_keywords_uac.xml", false, "", nil},
		{"side_txn_uac.xml", false, "", nil},
		{"uac", false, "side_486_uas_peer.xml", nil},                // the 486 is unexpected: ACK, then the call fails
		{"side_cancel_uac.xml", false, "side_cancel_peer.xml", nil}, // the receive timeout cancels the INVITE
		{"uas", true, "side_info_peer.xml", []string{"-aa"}},        // -aa answers the INFO in the call
	} {
		t.Run(strings.Join(append([]string{tc.file, tc.peer}, tc.flags...), " "), func(t *testing.T) {
			t.Parallel()
			scn := []string{"-sn", tc.file}
			if strings.HasSuffix(tc.file, ".xml") {
				xml, err := filepath.Abs(filepath.Join("testdata", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				scn = []string{"-sf", xml}
			}
			type outcome struct {
				exitFile, exitPeer                 int
				okFile, failFile, okPeer, failPeer int
			}
			run := func(bin string) outcome {
				dir := t.TempDir()
				srvBin, srvScn := sipp, []string{"-sn", "uas"}
				cliBin, cliScn := sipp, []string{"-sn", "uac"}
				if tc.peer != "" {
					peer, err := filepath.Abs(filepath.Join("testdata", tc.peer))
					if err != nil {
						t.Fatal(err)
					}
					srvScn, cliScn = []string{"-sf", peer}, []string{"-sf", peer}
				}
				if tc.server {
					srvBin, srvScn = bin, append(slices.Clone(scn), tc.flags...)
				} else {
					cliBin, cliScn = bin, append(slices.Clone(scn), tc.flags...)
				}
				srv, port := serveUDP(t, 60*time.Second, dir, srvBin, srvScn,
					"-m", strconv.Itoa(calls), "-nostdin", "-trace_stat", "-stf", "server.csv", "-fd", "1")
				cli := testpeer.Start(t, 60*time.Second, dir, cliBin, append(cliScn, "-i", "127.0.0.1",
					"127.0.0.1:"+strconv.Itoa(port), "-r", "10", "-m", strconv.Itoa(calls), "-nostdin",
					"-trace_stat", "-stf", "client.csv", "-fd", "1")...)
				cc, sc := cli.Wait(), srv.Wait()
				c, s := statTotals(t, filepath.Join(dir, "client.csv")), statTotals(t, filepath.Join(dir, "server.csv"))
				if tc.server {
					return outcome{sc, cc, s["SuccessfulCall"], s["FailedCall"], c["SuccessfulCall"], c["FailedCall"]}
				}
				return outcome{cc, sc, c["SuccessfulCall"], c["FailedCall"], s["SuccessfulCall"], s["FailedCall"]}
			}
			want, got := run(sipp), run(gossip)
			t.Logf("outcome %+v", got)
			if got != want {
				t.Errorf("gossip %+v, sipp %+v", got, want)
			}
			if want.okFile+want.failFile != calls {
				t.Errorf("sipp itself did not finish its %d calls: %+v", calls, want)
			}
		})
	}
}

// TestStopNowExit: <exec int_cmd="stop_now"> ends the run at once with
// status 97 under sipp and gossip alike, and runs no later action.
func TestStopNowExit(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	xml, err := filepath.Abs("testdata/side_stop_now.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{sipp, gossip} {
		dir := t.TempDir()
		sink := testpeer.FreeUDPPort(t, 1) // nothing listens: the OPTIONS goes nowhere
		p := testpeer.Start(t, 30*time.Second, dir, bin, "-sf", xml, "-i", "127.0.0.1",
			"127.0.0.1:"+strconv.Itoa(sink), "-m", "5", "-nostdin")
		if code := p.Wait(); code != 97 {
			t.Errorf("%s: exit %d, want 97", filepath.Base(bin), code)
		}
		if _, err := os.Stat(filepath.Join(dir, "exec.out")); err == nil {
			t.Errorf("%s: the exec after stop_now ran", filepath.Base(bin))
		}
	}
}
