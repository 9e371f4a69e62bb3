package testpeer

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Network namespaces for tests that need real interfaces (the xdp
// dataplane): two namespaces joined by a veth pair, created with iproute2
// and deleted when the test ends, even when it fails. Deleting a
// namespace destroys the veth end inside it, and with it the pair.
//
// Names carry the test process's pid (gossip-test-<pid>-<n>-a), so a
// later run deletes what a killed run left behind.

const netnsPrefix = "gossip-test-"

// netnsSeq numbers the pairs of this process.
var netnsSeq atomic.Int64

// VethPair is two network namespaces, A and B, joined by a veth pair.
type VethPair struct {
	// NsA and NsB are the namespace names (ip netns exec NAME ...).
	NsA, NsB string
	// IfA and IfB are the veth ends, IfA in NsA.
	IfA, IfB string
	// AddrA and AddrB are the ends' addresses in one /24.
	AddrA, AddrB netip.Addr
}

// VethOptions shapes a pair.
type VethOptions struct {
	// Queues is the number of receive and transmit queues of each end;
	// default 1.
	Queues int
	// Subnet is the /24 the ends share, ".1" on A and ".2" on B; default
	// 10.77.0.0/24. Each pair lives in its own namespaces, so pairs may
	// use the same subnet.
	Subnet netip.Prefix
}

// NetnsSupported reports whether this process can create namespaces, and
// if not, why.
func NetnsSupported() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "network namespaces need root"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "iproute2's ip is not installed (apt-get install iproute2)"
	}
	return true, ""
}

// NewVethPair creates two namespaces joined by a veth pair with addresses
// and everything up. It skips (fails in CI) when the process cannot.
func NewVethPair(t testing.TB, opts VethOptions) *VethPair {
	t.Helper()
	ok, why := NetnsSupported()
	Require(t, ok, why)
	sweepStaleNetns()
	if opts.Queues <= 0 {
		opts.Queues = 1
	}
	if !opts.Subnet.IsValid() {
		opts.Subnet = netip.MustParsePrefix("10.77.0.0/24")
	}
	n := netnsSeq.Add(1)
	pid := os.Getpid()
	base := fmt.Sprintf("%s%d-%d", netnsPrefix, pid, n)
	// Interface names have at most 15 bytes.
	ifBase := "gt" + strconv.FormatInt(int64(pid), 36) + "x" + strconv.FormatInt(n, 36)
	p := &VethPair{NsA: base + "-a", NsB: base + "-b", IfA: ifBase + "a", IfB: ifBase + "b"}
	a4 := opts.Subnet.Masked().Addr().As4()
	a4[3] = 1
	p.AddrA = netip.AddrFrom4(a4)
	a4[3] = 2
	p.AddrB = netip.AddrFrom4(a4)

	for _, ns := range []string{p.NsA, p.NsB} {
		mustIP(t, "netns", "add", ns)
		ns := ns
		t.Cleanup(func() { deleteNetns(t, ns) })
	}
	q := strconv.Itoa(opts.Queues)
	mustIP(t, "link", "add", p.IfA, "netns", p.NsA, "numtxqueues", q, "numrxqueues", q, "type", "veth",
		"peer", "name", p.IfB, "netns", p.NsB, "numtxqueues", q, "numrxqueues", q)
	for _, end := range []struct {
		ns, ifname string
		addr       netip.Addr
	}{{p.NsA, p.IfA, p.AddrA}, {p.NsB, p.IfB, p.AddrB}} {
		mustIP(t, "-n", end.ns, "addr", "add", fmt.Sprintf("%s/24", end.addr), "dev", end.ifname)
		mustIP(t, "-n", end.ns, "link", "set", end.ifname, "up")
		mustIP(t, "-n", end.ns, "link", "set", "lo", "up")
	}
	return p
}

// NewNetns creates a network namespace with only its loopback interface,
// up, and deletes it when the test ends. Processes started in it with
// StartIn talk over 127.0.0.1 without touching the host's loopback, so a
// test may shape that traffic (nftables rules) freely. It skips (fails in
// CI) when the process cannot create namespaces.
func NewNetns(t testing.TB) string {
	t.Helper()
	ok, why := NetnsSupported()
	Require(t, ok, why)
	sweepStaleNetns()
	ns := fmt.Sprintf("%s%d-%d-lo", netnsPrefix, os.Getpid(), netnsSeq.Add(1))
	mustIP(t, "netns", "add", ns)
	t.Cleanup(func() { deleteNetns(t, ns) })
	mustIP(t, "-n", ns, "link", "set", "lo", "up")
	return ns
}

// IP runs `ip args...` and fails the test if it fails.
func (p *VethPair) IP(t testing.TB, args ...string) {
	t.Helper()
	mustIP(t, args...)
}

// Exec returns the argument list that runs name with args inside ns.
func Exec(ns, name string, args ...string) (string, []string) {
	return "ip", append([]string{"netns", "exec", ns, name}, args...)
}

// StartIn is Start inside the network namespace ns.
func StartIn(t testing.TB, ns string, timeout time.Duration, dir, name string, args ...string) *Proc {
	t.Helper()
	bin, argv := Exec(ns, name, args...)
	p := Start(t, timeout, dir, bin, argv...)
	p.Name = ns + ":" + p.Name + ":" + name
	return p
}

// WaitUDPBoundIn waits until something inside ns has bound UDP port.
func WaitUDPBoundIn(t testing.TB, ns string, port int, timeout time.Duration) {
	t.Helper()
	want := fmt.Sprintf(":%04X ", port)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		// /proc/net/udp of the namespace: "sl local_address rem_address ...",
		// addresses as HEXIP:HEXPORT.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "cat", "/proc/net/udp").Output()
		cancel()
		if err == nil {
			for _, line := range strings.Split(string(out), "\n")[1:] {
				if f := strings.Fields(line); len(f) > 1 && strings.HasSuffix(f[1]+" ", want) {
					return
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing bound UDP port %d in %s within %s", port, ns, timeout)
}

// NetnsPath is where iproute2 keeps the namespace named ns, for setns(2).
func NetnsPath(ns string) string { return "/run/netns/" + ns }

func mustIP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := runIP(args...); err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func runIP(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "ip", args...).CombinedOutput()
}

func deleteNetns(t testing.TB, ns string) {
	// Processes still inside keep the namespace alive without its name;
	// Start's cleanups, registered later, run first and kill them.
	if out, err := runIP("netns", "del", ns); err != nil {
		t.Errorf("ip netns del %s: %v\n%s", ns, err, out)
	}
}

// sweepStaleNetns deletes namespaces left by test processes that no
// longer run.
func sweepStaleNetns() {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), netnsPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + pidText); err == nil {
			continue // still running
		}
		_, _ = runIP("netns", "del", e.Name())
	}
}
