package main

import (
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// Network faults injected by the kernel: nftables rules on the output hook
// of a test network namespace drop or duplicate chosen SIP messages,
// deterministically (numgen inc: every n-th matching datagram), and count
// what they did. The test then compares gossip's counters with the
// kernel's. (The kernels this runs on may lack sch_netem; nftables can
// drop and duplicate exactly, which is what exact counters need. Delay and
// reordering are done by a relay in the engine's tests.)

// nftRules loads an nftables ruleset into namespace ns.
func nftRules(t *testing.T, ns, rules string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft -f: %v\n%s\n%s", err, out, rules)
	}
}

// nftCounters returns the packet counters of the rules of namespace ns that
// carry a comment, by comment.
func nftCounters(t *testing.T, ns string) map[string]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset").Output()
	if err != nil {
		t.Fatalf("nft list ruleset: %v", err)
	}
	var doc struct {
		Nftables []struct {
			Rule *struct {
				Comment string            `json:"comment"`
				Expr    []json.RawMessage `json:"expr"`
			} `json:"rule"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("nft -j: %v\n%s", err, out)
	}
	got := map[string]uint64{}
	for _, o := range doc.Nftables {
		if o.Rule == nil || o.Rule.Comment == "" {
			continue
		}
		for _, e := range o.Rule.Expr {
			var c struct {
				Counter *struct {
					Packets uint64 `json:"packets"`
				} `json:"counter"`
			}
			if json.Unmarshal(e, &c) == nil && c.Counter != nil {
				got[o.Rule.Comment] = c.Counter.Packets
			}
		}
	}
	return got
}

// sipPrefix is an nftables raw payload match on the first bytes of a UDP
// datagram's payload (the transport header is 8 bytes, 64 bits).
func sipPrefix(s string) string {
	h := "0x"
	for i := 0; i < len(s); i++ {
		h += strconv.FormatUint(uint64(s[i])|0x100, 16)[1:]
	}
	return "@th,64," + strconv.Itoa(8*len(s)) + " " + h
}

// TestNetworkFaultsExactCounters runs gossip's uac against gossip's uas in
// a network namespace whose kernel drops every 4th INVITE and every 4th
// 180 Ringing, and duplicates every 4th BYE and every 5th ACK. Each fault
// must show in exactly one counter, as many times as the kernel injected
// it, and every call must still succeed:
//   - a dropped INVITE is retransmitted once (Timer A, RFC 3261 §17.1.1.2);
//   - a dropped 180 is one 180 fewer received (it is optional);
//   - a duplicated BYE is answered again by the UAS (a received
//     retransmission) and that second 200 reaches a UAC call that has
//     ended: a dead-call message;
//   - a duplicated ACK is a received retransmission that gets no answer.
func TestNetworkFaultsExactCounters(t *testing.T) {
	ns := testpeer.NewNetns(t)
	_, err := exec.LookPath("nft")
	testpeer.Require(t, err == nil, "nft is not installed (apt-get install nftables)")
	gossip := testpeer.Gossip(t)
	const port, calls = 5060, 300
	p := strconv.Itoa(port)
	// Drops on the input hook: a drop on the output hook fails the
	// sender's sendmmsg with EPERM part-way through a batch, and the
	// dataplane sends the rest of the batch again starting with the
	// refused datagram, which numgen then lets through. Duplicates on
	// the output hook (nft dup needs it).
	nftRules(t, ns, `table ip gossip_faults {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport `+p+` `+sipPrefix("INVITE ")+` numgen inc mod 4 0 counter drop comment "drop_invite"
    udp sport `+p+` `+sipPrefix("SIP/2.0 180 ")+` numgen inc mod 4 0 counter drop comment "drop_180"
  }
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport `+p+` `+sipPrefix("BYE ")+` numgen inc mod 4 0 counter dup to 127.0.0.1 comment "dup_bye"
    udp dport `+p+` `+sipPrefix("ACK ")+` numgen inc mod 5 0 counter dup to 127.0.0.1 comment "dup_ack"
  }
}
`)
	dir := t.TempDir()
	uas := testpeer.StartIn(t, ns, 60*time.Second, dir, gossip, "-sn", "uas", "-i", "127.0.0.1", "-p", p,
		"-nostdin", "-threads", "1", "-summary_json", "uas.json")
	testpeer.WaitUDPBoundIn(t, ns, port, 5*time.Second)
	uac := testpeer.StartIn(t, ns, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:"+p,
		"-r", "150", "-m", strconv.Itoa(calls), "-d", "0", "-nostdin", "-threads", "2", "-summary_json", "uac.json")
	if code := uac.Wait(); code != 0 {
		t.Errorf("uac exit %d, want 0: every call recovers", code)
	}
	// The UAS's calls linger 4 s after their BYE; a signal lets them end.
	if code := stop(uas); code != 0 {
		t.Errorf("uas exit %d", code)
	}
	for _, p := range []*testpeer.Proc{uac, uas} {
		if strings.Contains(p.Output(), "internal error") {
			t.Errorf("%s: gossip's own conservation check failed:\n%s", p.Name, p.Output())
		}
	}
	n := nftCounters(t, ns)
	t.Logf("kernel: %v", n)
	for _, k := range []string{"drop_invite", "dup_bye", "dup_ack", "drop_180"} {
		if n[k] == 0 {
			t.Fatalf("the kernel injected no %s: %v", k, n)
		}
	}
	c, s := readSummary(t, filepath.Join(dir, "uac.json")), readSummary(t, filepath.Join(dir, "uas.json"))
	for who, sum := range map[string]struct {
		created, successful, failed, aborted uint64
	}{
		"uac": {c.Calls.Created, c.Calls.Successful, c.Calls.Failed, c.Calls.Aborted},
		"uas": {s.Calls.Created, s.Calls.Successful, s.Calls.Failed, s.Calls.Aborted},
	} {
		if sum.created != calls || sum.successful != calls || sum.failed != 0 || sum.aborted != 0 {
			t.Errorf("%s: %+v, want %d created and successful", who, sum, calls)
		}
	}
	// Built-in uac: INVITE ->, 100 <-, 180 <-, 183 <-, 200 <-, ACK ->, pause, BYE ->, 200 <-.
	// Built-in uas: INVITE <-, 180 ->, 200 ->, ACK <-, BYE <-, 200 ->, pause.
	if len(c.Steps) != 9 || len(s.Steps) != 7 {
		t.Fatalf("steps: uac %d, uas %d", len(c.Steps), len(s.Steps))
	}
	for _, x := range []struct {
		what      string
		got, want uint64
	}{
		{"uac INVITE retransmissions", c.Steps[0].Retrans, n["drop_invite"]},
		{"uac retransmissions", c.Messages.Retransmissions, n["drop_invite"]},
		{"uac 180 received", c.Steps[2].Received, calls - n["drop_180"]},
		{"uac 200 received", c.Steps[4].Received, calls},
		{"uac 200 retransmissions received", c.Steps[4].Retrans, 0},
		{"uac dead-call messages", c.Messages.DeadCall, n["dup_bye"]},
		{"uac unexpected", c.Messages.Unexpected, 0},
		{"uas INVITE received", s.Steps[0].Received, calls},
		{"uas INVITE retransmissions received", s.Steps[0].Retrans, 0},
		{"uas ACK retransmissions received", s.Steps[3].Retrans, n["dup_ack"]},
		{"uas BYE retransmissions received", s.Steps[4].Retrans, n["dup_bye"]},
		{"uas 200 (BYE) sent again", s.Steps[5].Retrans, n["dup_bye"]},
		{"uas retransmissions", s.Messages.Retransmissions, n["dup_bye"]},
		{"uas dead-call messages", s.Messages.DeadCall, 0},
		{"uas unexpected", s.Messages.Unexpected, 0},
		{"uas out-of-call", s.Messages.OutOfCall, 0},
	} {
		if x.got != x.want {
			t.Errorf("%s: %d, want %d (kernel: %v)", x.what, x.got, x.want, n)
		}
	}
}

// blackHole is a UDP socket on 127.0.0.1 that reads and discards
// everything: a target that never answers.
func blackHole(t *testing.T) string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(8 << 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			if _, _, err := c.ReadFromUDP(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return c.LocalAddr().String()
}

// TestGeneratorReportsItsOwnSaturation runs the built-in uac against a
// target that never answers, once at a rate one shard cannot start calls
// at (ten million a second) and once at 50 calls/s. Either way every call
// fails in the target's class (no answer: FailedTimeoutOnRecv with
// -recv_timeout), counted once; only the first run says the generator
// itself fell behind: calls started late, "generator saturated: ..."
// under the summary and in -summary_json's generator object. Neither
// loses datagrams on gossip's side. (Whether the slow run stays free of
// late wake-ups depends on the machine's load, so it is not asserted.)
func TestGeneratorReportsItsOwnSaturation(t *testing.T) {
	gossip := testpeer.Gossip(t)
	target := blackHole(t)
	for _, tc := range []struct {
		name      string
		rate      string
		calls     int
		saturated bool
	}{
		{"ten million calls per second", "10000000", 50000, true},
		{"50 calls per second", "50", 50, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac", "-i", "127.0.0.1", target, "-r", tc.rate,
				"-m", strconv.Itoa(tc.calls), "-recv_timeout", "300", "-nostdin", "-threads", "1", "-summary_json", "sum.json")
			if code := p.Wait(); code != 1 {
				t.Errorf("exit %d, want 1 (every call failed)", code)
			}
			sum := readSummary(t, filepath.Join(dir, "sum.json"))
			if c := sum.Calls; c.Created != uint64(tc.calls) || c.Failed != c.Created || sum.Failures["FailedTimeoutOnRecv"] != c.Created {
				t.Errorf("calls %+v, failures %v: want %d, all FailedTimeoutOnRecv", c, sum.Failures, tc.calls)
			}
			g := sum.Generator
			if g.KernelDrops != 0 || g.HandoffDrops != 0 || g.SendErrors != 0 {
				t.Errorf("generator %+v: datagrams lost on gossip's side", g)
			}
			if !tc.saturated {
				return
			}
			if !g.Saturated || g.LateCalls == 0 || g.LateMaxMS <= 10 ||
				!strings.HasPrefix(g.Warning, "generator saturated: ") || !strings.Contains(g.Warning, " calls started late") {
				t.Errorf("generator %+v: want calls started late, and the warning", g)
			}
			if !strings.Contains(p.Output(), g.Warning) {
				t.Errorf("the summary on stdout lacks %q", g.Warning)
			}
		})
	}
}

// TestBadDatagramsAreCounted sends a running gossip UAS what a broken or
// hostile peer might: garbage, a 60,000-byte datagram of garbage, a
// response for no call, a request without a Call-ID, and keep-alives that
// are not errors: CRLF pings (RFC 5626 §4.4.1) and empty datagrams. Each
// lands in its counter, exactly, no call is created and the process exits
// normally.
func TestBadDatagramsAreCounted(t *testing.T) {
	gossip := testpeer.Gossip(t)
	dir := t.TempDir()
	uas, port := serveUDP(t, 30*time.Second, dir, gossip, []string{"-sn", "uas"},
		"-nostdin", "-threads", "2", "-summary_json", "uas.json", "-trace_stat", "-stf", "uas.csv")
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	send := func(b []byte) {
		t.Helper()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // no burst: the kernel must not drop any
	}
	const garbage, empty, keepalives = 5, 2, 3
	for i := 0; i < garbage; i++ {
		send([]byte("\x16\x03\x01\x02\x00 definitely not SIP\r\n\r\n"))
	}
	send([]byte(strings.Repeat("\xff\x00garbage", 6000))) // 60,000 bytes
	for i := 0; i < empty; i++ {
		send(nil)
	}
	for i := 0; i < keepalives; i++ {
		send([]byte("\r\n\r\n"))
	}
	send([]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-x\r\nFrom: <sip:a@b>;tag=1\r\n" +
		"To: <sip:c@d>;tag=2\r\nCall-ID: no-such-call\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"))
	send([]byte("INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-y\r\nFrom: <sip:a@b>;tag=1\r\n" +
		"To: <sip:c@d>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")) // no Call-ID
	time.Sleep(300 * time.Millisecond)
	// As in SIPp 3.6, a UAS makes a call of any message with a new Call-ID,
	// the stray response included; its scenario does not expect a
	// response first, so that call fails and the run exits 1.
	if code := stop(uas); code != 1 {
		t.Errorf("uas exit %d, want 1 (the stray response's call failed)", code)
	}
	sum := readSummary(t, filepath.Join(dir, "uas.json"))
	m := sum.Messages
	if want := uint64(garbage + 1 + 1); m.ParseErrors != want || m.OutOfCall != 0 || m.DeadCall != 0 || sum.Calls.Created != 1 || sum.Calls.Failed != 1 {
		t.Errorf("parse errors %d (want %d: garbage, the big one, no Call-ID), out-of-call %d (want 0), dead-call %d, calls %d (want 1), failed %d (want 1)",
			m.ParseErrors, want, m.OutOfCall, m.DeadCall, sum.Calls.Created, sum.Calls.Failed)
	}
	st := statTotals(t, filepath.Join(dir, "uas.csv"))
	if st["OutOfCallMsgs"] != 0 || st["FailedUnexpectedMessage"] != 1 {
		t.Errorf("-trace_stat OutOfCallMsgs %d, FailedUnexpectedMessage %d, want 0 and 1", st["OutOfCallMsgs"], st["FailedUnexpectedMessage"])
	}
}
