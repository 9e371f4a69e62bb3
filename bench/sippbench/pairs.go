package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// impl is one end of a pair: which implementation, and for gossip how many
// shards.
type impl struct {
	kind    benchkit.Kind
	threads int // gossip -threads
}

// pair is a UAC and a UAS that run against each other.
type pair struct {
	id       string // as -pairs spells it
	label    string // as the table shows it
	uac, uas impl
}

// pairByID returns the pair named id (one of pairNames); gossip sides run
// threads shards, except those named gossip1, which run one: like for like
// with single-threaded SIPp.
func pairByID(id string, threads int) pair {
	s := impl{kind: benchkit.KindSIPp}
	g := impl{kind: benchkit.KindGossip, threads: threads}
	g1 := impl{kind: benchkit.KindGossip, threads: 1}
	t := fmt.Sprintf(" (-threads %d)", threads)
	switch id {
	case "sipp-sipp":
		return pair{id, "sipp → sipp", s, s}
	case "gossip-gossip":
		return pair{id, "gossip → gossip" + t, g, g}
	case "gossip1-gossip1":
		return pair{id, "gossip → gossip (-threads 1)", g1, g1}
	case "gossip-sipp":
		return pair{id, "gossip → sipp" + t, g, s}
	case "gossip1-sipp":
		return pair{id, "gossip → sipp (-threads 1)", g1, s}
	case "sipp-gossip1":
		return pair{id, "sipp → gossip (-threads 1)", s, g1}
	default: // "sipp-gossip"; parseFlags admits nothing else
		return pair{id, "sipp → gossip" + t, s, g}
	}
}

// bufSize is the -buff_size both sides get: SIPp drops datagrams at far
// lower rates with its default buffers.
const bufSize = 4 << 20

// datagramsPerCall counts the messages one call of pair p puts on the
// wire: the send elements of the UAC binary's built-in uac plus those of
// the UAS binary's built-in uas, as their -sd prints them.
func (r *runner) datagramsPerCall(ctx context.Context, p pair) (int, error) {
	a, err := countSends(ctx, r.opt.bins.Path(p.uac.kind), "uac")
	if err != nil {
		return 0, err
	}
	b, err := countSends(ctx, r.opt.bins.Path(p.uas.kind), "uas")
	if err != nil {
		return 0, err
	}
	return a + b, nil
}

// countSends runs `bin -sd name` (which exits 99, as SIPp does) and counts
// the scenario's <send> elements.
func countSends(ctx context.Context, bin, name string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-sd", name)
	cmd.Stdout = &out
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 99) {
		return 0, fmt.Errorf("%s -sd %s: %w", bin, name, err)
	}
	n, err := countSendElements(&out)
	if err != nil {
		return 0, fmt.Errorf("%s -sd %s: %w", bin, name, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s -sd %s: the scenario has no <send>", bin, name)
	}
	return n, nil
}

// countSendElements counts <send> elements in a scenario's XML (those in
// comments do not count).
func countSendElements(r io.Reader) (int, error) {
	d := xml.NewDecoder(r)
	d.Strict = false
	// SIPp declares ISO-8859-1; the built-in scenarios are ASCII.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	n := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("scenario XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "send" {
			n++
		}
	}
}

// sideArgs is the command line of one side of a probe: the built-in uac or
// uas on 127.0.0.1 with big socket buffers and SIPp's statistics file.
// uasPort is where the UAS listens; uacPort is the sipp UAC's own port
// (gossip UACs pick free ports per shard).
func (r *runner) sideArgs(s impl, role string, uasPort, uacPort, rate, calls int, statFile string) []string {
	a := []string{"-sn", role, "-i", "127.0.0.1", "-nostdin",
		"-buff_size", strconv.Itoa(bufSize),
		"-trace_stat", "-stf", statFile, "-fd", "1"}
	if role == "uas" {
		a = append(a, "-p", strconv.Itoa(uasPort))
	} else {
		a = append(a, "127.0.0.1:"+strconv.Itoa(uasPort),
			"-d", "0", "-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls))
		if s.kind == benchkit.KindSIPp {
			a = append(a, "-p", strconv.Itoa(uacPort))
		}
	}
	if t := r.opt.transport; t != "u1" {
		// sipp refuses tn while -max_socket (default 50000) exceeds the
		// open-file limit; both sides get the same cap.
		a = append(a, "-t", t, "-max_socket", "1000")
		if c := r.opt.certs; c != nil {
			a = append(a, "-tls_cert", c.Cert, "-tls_key", c.Key, "-tls_ca", c.CA)
		}
	}
	if s.kind == benchkit.KindGossip {
		a = append(a, "-threads", strconv.Itoa(s.threads))
		if r.opt.dataplane != "" {
			a = append(a, "-dataplane", r.opt.dataplane)
		}
	}
	return a
}
