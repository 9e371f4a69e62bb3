// Command xdpbench measures gossip's uac on the mmsg and xdp dataplanes
// side by side, on a veth pair between two network namespaces, against
// gossip's uas (mmsg) in the other namespace, and writes bench/XDP.md:
//
//	sudo go run ./bench/xdpbench -out bench/XDP.md
//
// For each dataplane it searches the highest call rate that completes
// with zero failed calls, and measures the uac's CPU time per call at a
// rate both reach. Trials of the two dataplanes alternate, so a change in
// the machine's load touches both. It needs Linux, root and iproute2, and
// removes its namespaces on exit (also on SIGINT).
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	out      string
	duration time.Duration
	start    int
	fixed    int
	repeat   int
	gossip   string
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "bench/XDP.md", "write the report here (- for stdout)")
	flag.DurationVar(&o.duration, "duration", 6*time.Second, "length of one trial")
	flag.IntVar(&o.start, "start", 1000, "first rate of the search, calls/s")
	flag.IntVar(&o.fixed, "fixed", 0, "rate of the CPU-per-call comparison (default: half the lower maximum)")
	flag.IntVar(&o.repeat, "repeat", 3, "trials per dataplane at the fixed rate")
	flag.StringVar(&o.gossip, "gossip", "", "gossip binary (default: build ./cmd/gossip)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "xdpbench:", err)
		os.Exit(1)
	}
}

const (
	nsA, nsB   = "xdpbench-a", "xdpbench-b"
	ifA, ifB   = "xdpbench-a", "xdpbench-b"
	addrA      = "10.78.0.1"
	addrB      = "10.78.0.2"
	uasPort    = "5060"
	bufferSize = "8388608"
)

var dataplanes = []string{"mmsg", "xdp"}

func run(o options) error {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		return errors.New("needs Linux and root (network namespaces, AF_XDP)")
	}
	work, err := os.MkdirTemp("", "xdpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if o.gossip == "" {
		o.gossip = filepath.Join(work, "gossip")
		if out, err := exec.Command("go", "build", "-o", o.gossip, "./cmd/gossip").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}

	cleanup := setupNetns()
	defer cleanup()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cleanup()
		os.Exit(130)
	}()
	if err := createNetns(); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uas := exec.CommandContext(ctx, "ip", "netns", "exec", nsB, o.gossip, "-sn", "uas", "-i", addrB, "-p", uasPort,
		"-threads", "1", "-buff_size", bufferSize, "-nostdin")
	uas.Stdout, uas.Stderr = io.Discard, io.Discard
	if err := uas.Start(); err != nil {
		return err
	}
	defer func() { _ = uas.Process.Kill(); _ = uas.Wait() }()
	time.Sleep(500 * time.Millisecond)

	load0 := loadAvg()
	began := time.Now()
	b := &bench{o: o, dir: work}
	best := map[string]trial{}
	for _, dp := range dataplanes {
		best[dp] = b.search(dp)
	}
	fixed := o.fixed
	if fixed == 0 {
		fixed = min(best["mmsg"].rate, best["xdp"].rate) / 2 / 100 * 100
		fixed = max(fixed, 100)
	}
	atFixed := map[string][]trial{}
	for i := 0; i < o.repeat; i++ {
		for _, dp := range dataplanes {
			t := b.trial(dp, fixed)
			atFixed[dp] = append(atFixed[dp], t)
		}
	}
	r := report{opts: o, best: best, fixed: fixed, atFixed: atFixed, load0: load0, load1: loadAvg(),
		took: time.Since(began), date: time.Now().UTC()}
	text := r.markdown()
	if o.out == "-" {
		fmt.Print(text)
		return nil
	}
	fmt.Print(text)
	return os.WriteFile(o.out, []byte(text), 0o644)
}

func setupNetns() func() {
	done := false
	return func() {
		if done {
			return
		}
		done = true
		for _, ns := range []string{nsA, nsB} {
			_ = exec.Command("ip", "netns", "del", ns).Run()
		}
	}
}

func createNetns() error {
	for _, ns := range []string{nsA, nsB} {
		_ = exec.Command("ip", "netns", "del", ns).Run() // a previous run's
	}
	steps := [][]string{
		{"netns", "add", nsA},
		{"netns", "add", nsB},
		{"link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB},
		{"-n", nsA, "addr", "add", addrA + "/24", "dev", ifA},
		{"-n", nsB, "addr", "add", addrB + "/24", "dev", ifB},
		{"-n", nsA, "link", "set", ifA, "up"},
		{"-n", nsB, "link", "set", ifB, "up"},
		{"-n", nsA, "link", "set", "lo", "up"},
		{"-n", nsB, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(s, " "), err, out)
		}
	}
	return nil
}

type bench struct {
	o   options
	dir string
	n   int
}

// trial is one uac run.
type trial struct {
	dataplane  string
	rate       int
	calls      int
	successful int
	failed     int
	retrans    int
	cpu        time.Duration // user + system time of the uac
	wall       time.Duration
	exit       int
	uacDrops   int // datagrams the kernel dropped for the uac (its summary)
	uasDrops   int // UDP receive-buffer drops in the uas's namespace (RcvbufErrors)
}

// ok: every call succeeded, and retransmissions stayed under 1% of the
// calls (a rate that only completes by retransmitting is not sustained).
func (t trial) ok() bool {
	return t.exit == 0 && t.failed == 0 && t.successful == t.calls && t.retrans*100 <= t.calls
}

func (t trial) cpuPerCall() time.Duration {
	if t.successful == 0 {
		return 0
	}
	return t.cpu / time.Duration(t.successful)
}

// search doubles the rate until a trial is not ok, then bisects to 10%.
func (b *bench) search(dp string) trial {
	var good trial
	lo, hi := 0, 0
	for r := b.o.start; ; r *= 2 {
		t := b.trial(dp, r)
		if !t.ok() {
			hi = r
			break
		}
		good, lo = t, r
		if r >= 200000 {
			return good
		}
	}
	for hi-lo > max(lo/10, 100) {
		mid := (lo + hi) / 2 / 100 * 100
		t := b.trial(dp, mid)
		if t.ok() {
			good, lo = t, mid
		} else {
			hi = mid
		}
	}
	return good
}

func (b *bench) trial(dp string, rate int) trial {
	b.n++
	calls := rate * int(b.o.duration/time.Second)
	stf := filepath.Join(b.dir, fmt.Sprintf("uac-%d.csv", b.n))
	args := []string{"netns", "exec", nsA, b.o.gossip, "-sn", "uac", "-i", addrA, addrB + ":" + uasPort,
		"-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls), "-threads", "1", "-buff_size", bufferSize,
		"-dataplane", dp, "-nostdin", "-trace_stat", "-stf", stf, "-fd", "1"}
	if dp == "xdp" {
		args = append(args, "-xdp_iface", ifA, "-xdp_mode", "native")
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.o.duration+60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	drops0 := rcvbufErrors(nsB)
	start := time.Now()
	err := cmd.Run()
	t := trial{dataplane: dp, rate: rate, calls: calls, wall: time.Since(start)}
	if m := droppedRE.FindStringSubmatch(out.String()); m != nil {
		t.uacDrops, _ = strconv.Atoi(m[1])
	}
	if cmd.ProcessState != nil {
		t.exit = cmd.ProcessState.ExitCode()
		t.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	} else if err != nil {
		t.exit = -1
	}
	t.successful, t.failed, t.retrans = statTotals(stf)
	time.Sleep(time.Second) // let the uas end the last calls
	t.uasDrops = rcvbufErrors(nsB) - drops0
	fmt.Fprintf(os.Stderr, "%-4s %6d calls/s: %d/%d successful, %d failed, %d retransmissions, exit %d, %.1f µs CPU per call, drops uac %d uas %d\n",
		dp, rate, t.successful, calls, t.failed, t.retrans, t.exit, float64(t.cpuPerCall())/1e3, t.uacDrops, t.uasDrops)
	return t
}

// droppedRE finds the drop count in gossip's "generator saturated" line.
var droppedRE = regexp.MustCompile(`kernel dropped (\d+) received datagrams`)

// rcvbufErrors is the Udp RcvbufErrors counter of namespace ns.
func rcvbufErrors(ns string) int {
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").Output()
	if err != nil {
		return 0
	}
	var head []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if head == nil {
			head = f
			continue
		}
		if i := slices.Index(head, "RcvbufErrors"); i > 0 && i < len(f) {
			n, _ := strconv.Atoi(f[i])
			return n
		}
	}
	return 0
}

// statTotals reads SuccessfulCall(C), FailedCall(C) and
// Retransmissions(C) from the last row of a -trace_stat file.
func statTotals(path string) (successful, failed, retrans int) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		return 0, 0, 0
	}
	head, last := rows[0], rows[len(rows)-1]
	get := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 || i >= len(last) {
			return 0
		}
		v, _ := strconv.Atoi(strings.TrimSpace(last[i]))
		return v
	}
	return get("SuccessfulCall(C)"), get("FailedCall(C)"), get("Retransmissions(C)")
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

type report struct {
	opts         options
	best         map[string]trial
	fixed        int
	atFixed      map[string][]trial
	load0, load1 string
	took         time.Duration
	date         time.Time
}

func median(ts []trial) time.Duration {
	var v []time.Duration
	for _, t := range ts {
		if t.ok() {
			v = append(v, t.cpuPerCall())
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/1e3) }

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}
