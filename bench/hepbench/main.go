// Command hepbench measures what HEP export (-hep_addr) costs gossip: the
// built-in uac against the built-in uas on 127.0.0.1, as many calls per
// second as they make with -users calls in flight, with HEP export off and
// on, rounds interleaved in one run, and writes the ratios to bench/HEP.md.
//
//	go run ./bench/hepbench                 # about a minute on 2 cores
//	go run ./bench/hepbench -calls 100000 -rounds 7 -out ''
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// mode is one configuration the harness measures.
type mode struct {
	name string
	// hep says which sides export, and over what ("" none).
	uacHEP, uasHEP string
}

var modes = []mode{
	{name: "HEP off"},
	{name: "uac → UDP collector", uacHEP: "udp"},
	{name: "uac → TCP collector", uacHEP: "tcp"},
	{name: "uac and uas → UDP collector", uacHEP: "udp", uasHEP: "udp"},
}

// result is one measured run.
type result struct {
	cps            float64 // the UAC's cumulative call rate
	cpuPerCall     time.Duration
	sent, dropped  int
	failed, passed int
}

func main() {
	calls := flag.Int("calls", 60000, "calls per run")
	rounds := flag.Int("rounds", 5, "runs of every mode; modes are interleaved, the median counts")
	users := flag.Int("users", 200, "calls in flight (-users)")
	threads := flag.Int("threads", 2, "shards on each side (-threads)")
	out := flag.String("out", "bench/HEP.md", "results file ('' prints only)")
	bin := flag.String("gossip", "", "gossip binary to measure (default: build ./cmd/gossip from the working tree)")
	flag.Parse()
	if err := run(*calls, *rounds, *users, *threads, *out, *bin); err != nil {
		fmt.Fprintf(os.Stderr, "hepbench: %v\n", err)
		os.Exit(1)
	}
}

func run(calls, rounds, users, threads int, out, bin string) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "hepbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	source := bin
	if bin == "" {
		root, err := benchkit.ModuleRoot(ctx)
		if err != nil {
			return err
		}
		if bin, source, err = benchkit.BuildGossip(ctx, root, work, ""); err != nil {
			return err
		}
	} else if bin, err = benchkit.ResolveBinary(bin); err != nil {
		return err
	}
	machine, err := benchkit.DescribeMachine(ctx, "", bin)
	if err != nil {
		return err
	}
	machine.GossipSource = source

	// The built-in uas without its final 4 s wait, so a run ends with its calls.
	uasXML := filepath.Join(work, "uas.xml")
	if err := writeUASNoLinger(ctx, bin, uasXML); err != nil {
		return err
	}

	load, _ := os.ReadFile("/proc/loadavg")
	start := time.Now()
	res := make([][]result, len(modes))
	for r := 0; r < rounds; r++ {
		for k := range modes {
			i := (k + r) % len(modes) // rotate the order: drift hits every mode alike
			m := modes[i]
			got, err := measure(ctx, bin, work, uasXML, m, calls, users, threads)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", m.name, r+1, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %-28s %8.0f calls/s  %5.1f µs CPU/call  HEP sent %d dropped %d\n",
				r+1, m.name, got.cps, float64(got.cpuPerCall)/1e3, got.sent, got.dropped)
			res[i] = append(res[i], got)
		}
	}
	report := render(machine, res, calls, rounds, users, threads, time.Since(start), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Print(report)
	if out != "" {
		return os.WriteFile(out, []byte(report), 0o644)
	}
	return nil
}

// writeUASNoLinger writes the built-in uas without its final timewait.
func writeUASNoLinger(ctx context.Context, bin, path string) error {
	cmdOut, err := runCapture(ctx, bin, "-sd", "uas")
	if err != nil && !strings.Contains(cmdOut, "<scenario") {
		return fmt.Errorf("gossip -sd uas: %w", err)
	}
	cmdOut = strings.Replace(cmdOut, `<timewait milliseconds="4000"/>`, "", 1)
	return os.WriteFile(path, []byte(cmdOut), 0o644)
}

// sink is a HEP collector that costs the machine as little as possible:
// over UDP a socket nobody reads (the kernel drops once its buffer is
// full), over TCP a reader that discards.
type sink struct {
	addr  string
	close func()
}

func newSink(transport string) (*sink, error) {
	switch transport {
	case "udp":
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, err
		}
		return &sink{addr: c.LocalAddr().String(), close: func() { c.Close() }}, nil
	case "tcp":
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
			}
		}()
		return &sink{addr: ln.Addr().String(), close: func() { ln.Close() }}, nil
	}
	return nil, nil
}

// measure runs one uac → uas pair in mode m.
func measure(ctx context.Context, bin, work, uasXML string, m mode, calls, users, threads int) (result, error) {
	var r result
	port, err := benchkit.FreeUDPPort()
	if err != nil {
		return r, err
	}
	hepArgs := func(transport, id string) ([]string, func(), error) {
		if transport == "" {
			return nil, func() {}, nil
		}
		s, err := newSink(transport)
		if err != nil {
			return nil, nil, err
		}
		return []string{"-hep_addr", s.addr, "-hep_transport", transport, "-hep_id", id}, s.close, nil
	}
	uasHEP, closeUAS, err := hepArgs(m.uasHEP, "2")
	if err != nil {
		return r, err
	}
	defer closeUAS()
	uacHEP, closeUAC, err := hepArgs(m.uacHEP, "1")
	if err != nil {
		return r, err
	}
	defer closeUAC()

	common := []string{"-i", "127.0.0.1", "-threads", strconv.Itoa(threads), "-buff_size", "4194304", "-nostdin"}
	uas, err := benchkit.Start(ctx, 5*time.Minute, work, bin,
		append(append([]string{"-sf", uasXML, "-p", strconv.Itoa(port)}, common...), uasHEP...)...)
	if err != nil {
		return r, err
	}
	defer uas.Kill()
	for i := 0; benchkit.BoundSockets(port) == 0; i++ {
		if i > 250 || uas.Exited() {
			return r, fmt.Errorf("uas did not bind port %d: %s", port, benchkit.LastLines(uas.Output(), 3))
		}
		time.Sleep(20 * time.Millisecond)
	}
	uac, err := benchkit.Start(ctx, 5*time.Minute, work, bin,
		append(append([]string{"-sn", "uac", "127.0.0.1:" + strconv.Itoa(port), "-users", strconv.Itoa(users),
			"-m", strconv.Itoa(calls), "-d", "0"}, common...), uacHEP...)...)
	if err != nil {
		return r, err
	}
	code := uac.ExitCode()
	uas.Interrupt(2 * time.Second)
	output := uac.Output()
	if code != 0 {
		return r, fmt.Errorf("uac exit %d: %s", code, benchkit.LastLines(output, 5))
	}
	user, sys, _ := uac.Usage()
	r.cpuPerCall = (user + sys) / time.Duration(calls)
	if r.cps, err = summaryFloat(output, `Call Rate\s*\|[^|]*\|\s*([\d.]+) cps`); err != nil {
		return r, err
	}
	ok, _ := summaryFloat(output, `Successful call\s*\|[^|]*\|\s*(\d+)`)
	failed, _ := summaryFloat(output, `Failed call\s*\|[^|]*\|\s*(\d+)`)
	r.passed, r.failed = int(ok), int(failed)
	if r.passed != calls || r.failed != 0 {
		return r, fmt.Errorf("%d calls successful, %d failed of %d", r.passed, r.failed, calls)
	}
	if m.uacHEP != "" {
		sent, err := summaryFloat(output, `HEP packets sent\s*\|\s*\|\s*(\d+)`)
		if err != nil {
			return r, err
		}
		dropped, _ := summaryFloat(output, `HEP messages dropped\s*\|\s*\|\s*(\d+)`)
		r.sent, r.dropped = int(sent), int(dropped)
	}
	return r, nil
}

func summaryFloat(out, pattern string) (float64, error) {
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no %q in the uac's summary: %s", pattern, benchkit.LastLines(out, 5))
	}
	return strconv.ParseFloat(m[1], 64)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func render(mc benchkit.Machine, res [][]result, calls, rounds, users, threads int, took time.Duration, load string) string {
	var b strings.Builder
	w := bufio.NewWriter(&b)
	fmt.Fprintf(w, "# HEP export: what mirroring to Homer costs\n\n")
	fmt.Fprintf(w, "Written by `go run ./bench/hepbench` (see `-h`); rerun it to refresh. Each run is gossip's built-in "+
		"`uac` against gossip's built-in `uas` (without its final 4 s wait) on 127.0.0.1, %d calls with `-users %d -d 0 "+
		"-threads %d -buff_size 4194304` on both sides, so **calls/s** is as fast as the pair goes. The modes run "+
		"interleaved (the order rotates every round), %d rounds each; the table shows the median run. **vs HEP off** "+
		"divides by the median with HEP off from the same run: that ratio is the headline, absolute numbers move "+
		"between runs.\n\n", calls, users, threads, rounds)
	fmt.Fprintf(w, "## Machine\n\n- CPU: %s, %d logical CPUs\n- Kernel: %s\n- Go: %s\n- gossip: %s, built from %s; dataplane %s\n- Date: %s (the run took %s; load average before it: %s)\n- Command: `go run ./bench/hepbench -calls %d -rounds %d -users %d -threads %d`\n\n",
		mc.CPU, mc.CPUs, mc.Kernel, mc.Go, mc.Gossip, mc.GossipSource, mc.GossipDataplane,
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), took.Round(time.Second), load, calls, rounds, users, threads)
	fmt.Fprintf(w, "## Results\n\n| mode | calls/s (median) | vs HEP off | HEP cost | under 15%% | UAC CPU µs/call | runs (calls/s) | UAC HEP packets sent / dropped (median run) |\n|---|--:|--:|--:|---|--:|---|---|\n")
	base := 0.0
	for i, m := range modes {
		var cps, cpu []float64
		var runs []string
		for _, r := range res[i] {
			cps = append(cps, r.cps)
			cpu = append(cpu, float64(r.cpuPerCall)/1e3)
			runs = append(runs, strconv.FormatFloat(r.cps, 'f', 0, 64))
		}
		med := median(cps)
		if i == 0 {
			base = med
		}
		hep := "-"
		for _, r := range res[i] {
			if r.cps == med && m.uacHEP != "" {
				hep = fmt.Sprintf("%d / %d", r.sent, r.dropped)
			}
		}
		ratio, cost, target := "1.00×", "-", "-"
		if i > 0 && base > 0 {
			ratio = fmt.Sprintf("%.2f×", med/base)
			cost = fmt.Sprintf("%.1f%%", 100*(1-med/base))
			target = "no"
			if 1-med/base < 0.15 {
				target = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %.0f | %s | %s | %s | %.1f | %s | %s |\n", m.name, med, ratio, cost, target, median(cpu),
			strings.Join(runs, ", "), hep)
	}
	fmt.Fprintf(w, "\nNotes:\n\n"+
		"- **HEP cost** is 1 − (calls/s with HEP ÷ calls/s without): the share of throughput HEP export takes. The "+
		"target is below 15%% for the UAC exporting (the usual lab: gossip drives a system under test that has its "+
		"own capture agent).\n"+
		"- The UDP collector is a socket nobody reads: once its buffer is full the kernel drops what arrives, as a "+
		"collector that cannot keep up would. The exporter cannot see those drops (UDP), so \"dropped\" counts only "+
		"what gossip itself dropped. The TCP collector reads and discards.\n"+
		"- On loopback the kernel delivers each HEP datagram in the sending thread's context, so a UDP HEP packet "+
		"costs gossip about as much kernel time as a SIP datagram; towards a remote collector the receive half runs "+
		"elsewhere. TCP packs many HEP packets into one write.\n"+
		"- UDP sends use the same dataplane backend as the shards (mmsg on Linux: one sendmmsg per batch of up to 32 "+
		"packets).\n"+
		"- UAC CPU µs/call: user plus system CPU time of the UAC process (getrusage) divided by the calls.\n"+
		"- Both ends and the collector share the machine's CPUs and the pair saturates them, so every CPU "+
		"microsecond HEP takes is a microsecond the calls lose: this is the worst case. gossip's shards wait in "+
		"ppoll(2) without giving up their Go processor, so with -threads equal to the CPUs the HEP sender goroutine "+
		"runs only when a shard yields; the queues absorb that wait, and what they cannot hold is dropped and "+
		"counted, never waited for.\n"+
		"- The machine is shared: other programs may run during a probe (see the load average), which is why "+
		"single runs spread; compare the medians of one run.\n")
	_ = w.Flush()
	return b.String()
}

var errNoOutput = errors.New("no output")

// runCapture runs bin with args and returns its standard output.
func runCapture(ctx context.Context, bin string, args ...string) (string, error) {
	p, err := benchkit.Start(ctx, 30*time.Second, os.TempDir(), bin, args...)
	if err != nil {
		return "", err
	}
	code := p.ExitCode()
	out := p.Output()
	if out == "" {
		return "", errNoOutput
	}
	if code != 0 && code != 99 {
		return out, fmt.Errorf("exit %d", code)
	}
	return out, nil
}
