package main

import (
	"bufio"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// Tests of the xdp dataplane against real peers: two network namespaces
// joined by a veth pair, gossip's uac with -dataplane xdp in one, a UAS
// (the real sipp, or gossip) in the other. They need root and Linux;
// elsewhere they skip, in CI they fail.

func requireXDP(t *testing.T) {
	t.Helper()
	testpeer.Require(t, runtime.GOOS == "linux", "AF_XDP needs Linux")
}

// xdpUAC runs gossip's uac with the xdp backend in the pair's namespace
// A against remote, for calls calls, and returns its -trace_stat totals.
func xdpUAC(t *testing.T, p *testpeer.VethPair, dir, remote string, rate, calls int, extra ...string) map[string]int {
	t.Helper()
	args := append([]string{"-sn", "uac", "-i", p.AddrA.String(), remote,
		"-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-dataplane", "xdp", "-xdp_iface", p.IfA,
		"-trace_stat", "-stf", "uac.csv", "-fd", "1", "-nostdin"}, extra...)
	uac := testpeer.StartIn(t, p.NsA, 60*time.Second, dir, testpeer.Gossip(t), args...)
	wantExit(t, uac, "gossip uac (xdp)", 0)
	return statTotals(t, filepath.Join(dir, "uac.csv"))
}

// TestXDPInterop: 5,000 calls from gossip's uac on the xdp backend to
// the real sipp's uas (native mode) and to gossip's uas (generic mode,
// two queues: replies hashed onto the other shard's queue are handed
// over by port), zero failed on both sides.
func TestXDPInterop(t *testing.T) {
	requireXDP(t)
	if testing.Short() {
		t.Skip("load run")
	}
	const calls = 5000
	cases := []struct {
		name   string
		queues int
		mode   string
		uas    func(t *testing.T, p *testpeer.VethPair, dir string) *testpeer.Proc
	}{
		{"sipp uas", 1, "native", func(t *testing.T, p *testpeer.VethPair, dir string) *testpeer.Proc {
			return testpeer.StartIn(t, p.NsB, 90*time.Second, dir, testpeer.SIPp(t), "-sn", "uas",
				"-i", p.AddrB.String(), "-p", "5060", "-m", strconv.Itoa(calls), "-nostdin",
				"-trace_stat", "-stf", "uas.csv", "-fd", "1")
		}},
		{"gossip uas", 2, "generic", func(t *testing.T, p *testpeer.VethPair, dir string) *testpeer.Proc {
			return testpeer.StartIn(t, p.NsB, 90*time.Second, dir, testpeer.Gossip(t), "-sn", "uas",
				"-i", p.AddrB.String(), "-p", "5060", "-m", strconv.Itoa(calls), "-threads", "1",
				"-buff_size", "4194304", "-trace_stat", "-stf", "uas.csv", "-nostdin")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := testpeer.NewVethPair(t, testpeer.VethOptions{Queues: tc.queues})
			dir := t.TempDir()
			uas := tc.uas(t, p, dir)
			testpeer.WaitUDPBoundIn(t, p.NsB, 5060, 10*time.Second)
			start := time.Now()
			got := xdpUAC(t, p, dir, p.AddrB.String()+":5060", 1000, calls,
				"-xdp_mode", tc.mode, "-xdp_queues", strconv.Itoa(tc.queues))
			elapsed := time.Since(start)
			wantExit(t, uas, "uas", 0)
			assertCalls(t, "gossip uac (xdp)", got, calls)
			assertCalls(t, tc.name, statTotals(t, filepath.Join(dir, "uas.csv")), calls)
			t.Logf("%d calls in %s, %d retransmissions", calls, elapsed.Round(time.Millisecond), got["Retransmissions"])
		})
	}
}

// TestXDPUAS: gossip's uas on the xdp backend answers the real sipp's
// uac (server shards share the port; replies go to the learned MAC).
func TestXDPUAS(t *testing.T) {
	requireXDP(t)
	const calls = 2000
	p := testpeer.NewVethPair(t, testpeer.VethOptions{})
	dir := t.TempDir()
	uas := testpeer.StartIn(t, p.NsA, 60*time.Second, dir, testpeer.Gossip(t), "-sn", "uas",
		"-i", p.AddrA.String(), "-p", "5060", "-m", strconv.Itoa(calls), "-dataplane", "xdp",
		"-xdp_iface", p.IfA, "-xdp_mode", "generic", "-trace_stat", "-stf", "uas.csv", "-nostdin")
	testpeer.WaitUDPBoundIn(t, p.NsA, 5060, 10*time.Second)
	uac := testpeer.StartIn(t, p.NsB, 60*time.Second, dir, testpeer.SIPp(t), "-sn", "uac",
		"-i", p.AddrB.String(), p.AddrA.String()+":5060", "-r", "1000", "-m", strconv.Itoa(calls),
		"-nostdin", "-trace_stat", "-stf", "uac.csv", "-fd", "1")
	wantExit(t, uac, "sipp uac", 0)
	wantExit(t, uas, "gossip uas (xdp)", 0)
	assertCalls(t, "sipp uac", statTotals(t, filepath.Join(dir, "uac.csv")), calls)
	assertCalls(t, "gossip uas (xdp)", statTotals(t, filepath.Join(dir, "uas.csv")), calls)
}

// TestXDPSourceRange: with -xdp_src_range 10.10.0.0/23 (510 usable
// addresses) every call comes from its own address: gossip's uas sees
// INVITEs from all 510, each with that address in its Via, and answers
// them all (its kernel resolves each address by ARP, which the XDP
// program answers).
func TestXDPSourceRange(t *testing.T) {
	requireXDP(t)
	const calls = 1020
	rng := netip.MustParsePrefix("10.10.0.0/23")
	p := testpeer.NewVethPair(t, testpeer.VethOptions{})
	p.IP(t, "-n", p.NsB, "route", "add", rng.String(), "dev", p.IfB)
	dir := t.TempDir()
	uas := testpeer.StartIn(t, p.NsB, 90*time.Second, dir, testpeer.Gossip(t), "-sn", "uas",
		"-i", p.AddrB.String(), "-p", "5060", "-m", strconv.Itoa(calls), "-threads", "1",
		"-buff_size", "4194304", "-trace_stat", "-stf", "uas.csv", "-trace_msg", "-nostdin")
	testpeer.WaitUDPBoundIn(t, p.NsB, 5060, 10*time.Second)
	got := xdpUAC(t, p, dir, p.AddrB.String()+":5060", 500, calls, "-xdp_mode", "generic",
		"-xdp_src_range", rng.String())
	wantExit(t, uas, "uas", 0)
	assertCalls(t, "gossip uac (xdp)", got, calls)
	assertCalls(t, "gossip uas", statTotals(t, filepath.Join(dir, "uas.csv")), calls)

	hosts := inviteViaHosts(t, globOne(t, dir, "uas_*_messages.log"))
	for h, n := range hosts {
		if !rng.Contains(h) || h == rng.Addr() || n != 2 {
			t.Errorf("INVITEs from %s: %d, want 2 from each host address of %s", h, n, rng)
		}
	}
	if len(hosts) != 510 {
		t.Errorf("INVITEs came from %d addresses, want all 510 of %s", len(hosts), rng)
	}
}

// inviteViaHosts counts the INVITEs in a -trace_msg log by the host of
// their Via header.
func inviteViaHosts(t *testing.T, path string) map[netip.Addr]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hosts := map[netip.Addr]int{}
	sc := bufio.NewScanner(f)
	inInvite := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "INVITE "):
			inInvite = true
		case strings.HasPrefix(line, "SIP/2.0 ") || strings.Contains(line, "message received") || strings.Contains(line, "message sent"):
			inInvite = false
		case inInvite && strings.HasPrefix(line, "Via: SIP/2.0/UDP "):
			hostPort, _, _ := strings.Cut(strings.TrimPrefix(line, "Via: SIP/2.0/UDP "), ";")
			if ap, err := netip.ParseAddrPort(hostPort); err == nil {
				hosts[ap.Addr()]++
			} else {
				t.Errorf("Via %q", line)
			}
			inInvite = false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return hosts
}

// TestXDPExitStatus: asking for xdp and not getting it ends the run with
// status 255 and a message that says what is missing; there is no
// fallback to kernel sockets.
func TestXDPExitStatus(t *testing.T) {
	requireXDP(t)
	p := testpeer.NewVethPair(t, testpeer.VethOptions{})
	remote := p.AddrB.String() + ":5060"
	cases := []struct {
		name string
		pre  []string // command before gossip
		args []string
		want string
	}{
		{"missing interface", nil, []string{"-xdp_iface", "eth9"}, "gossip: xdp: interface eth9 not found"},
		{"queue beyond the interface", nil, []string{"-xdp_iface", p.IfA, "-xdp_queues", "3"},
			"queue 1 does not exist on " + p.IfA},
		{"not root", []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"},
			[]string{"-xdp_iface", p.IfA}, "xdp: needs CAP_NET_ADMIN, CAP_NET_RAW and CAP_BPF (run as root)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-sn", "uac", remote, "-m", "1", "-nostdin", "-dataplane", "xdp"}, tc.args...)
			name := testpeer.Gossip(t)
			if tc.pre != nil {
				_, err := exec.LookPath(tc.pre[0])
				testpeer.Require(t, err == nil, tc.pre[0]+" is not installed (util-linux)")
				name = worldExecutable(t, name)
				args = append(append(tc.pre[1:], name), args...)
				name = tc.pre[0]
			}
			proc := testpeer.StartIn(t, p.NsA, 30*time.Second, "", name, args...)
			if code := proc.Wait(); code != 255 {
				t.Errorf("exit %d, want 255\n%s", code, proc.Output())
			}
			if out := proc.Output(); !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// worldExecutable copies the binary at path where any user may run it.
func worldExecutable(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(out, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}
