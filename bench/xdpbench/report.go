package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func (r report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m, x := r.best["mmsg"], r.best["xdp"]
	fm, fx := median(r.atFixed["mmsg"]), median(r.atFixed["xdp"])

	w("# AF_XDP dataplane: mmsg against xdp on a veth pair\n\n")
	w("Written by `go run ./bench/xdpbench %s` as root (`make bench-xdp`), %s, in %s.\n\n",
		strings.Join(os.Args[1:], " "), r.date.Format("2006-01-02 15:04 UTC"), r.took.Round(time.Second))
	w("- Machine: %s, %d CPUs, Linux %s; load average %s at the start, %s at the end.\n",
		cpuModel(), runtime.NumCPU(), kernel(), r.load0, r.load1)
	w("- Setup: two network namespaces joined by a veth pair (one queue each). In one, gossip's\n")
	w("  built-in `uac`, one shard (`-threads 1`), with `-dataplane mmsg` or `-dataplane xdp\n")
	w("  -xdp_mode native` (copy mode: veth has no zero-copy); in the other, gossip's `uas` on mmsg,\n")
	w("  one shard, the same for both. Every trial lasts %s of calls (`-m` = rate × %d).\n",
		r.opts.duration, int(r.opts.duration/time.Second))
	w("- Highest rate: the rate doubles from %d calls/s until a trial has a failed call or more\n", r.opts.start)
	w("  retransmissions than 1%% of its calls, then is bisected to 10%%. CPU: the uac process's\n")
	w("  user + system time (its rusage) divided by its successful calls; at the fixed rate, the\n")
	w("  median of %d trials per dataplane, alternating.\n\n",
		r.opts.repeat)

	w("| dataplane | highest rate, 0 failed (calls/s) | retransmissions there | uac CPU per call there | uac CPU per call at %d calls/s |\n", r.fixed)
	w("| --- | ---: | ---: | ---: | ---: |\n")
	for _, dp := range dataplanes {
		t := r.best[dp]
		w("| %s | %d | %d | %s | %s |\n", dp, t.rate, t.retrans, us(t.cpuPerCall()), us(median(r.atFixed[dp])))
	}
	w("| **xdp / mmsg** | **%s** | | %s | **%s** |\n\n",
		ratio(float64(x.rate), float64(m.rate)), ratio(float64(x.cpuPerCall()), float64(m.cpuPerCall())),
		ratio(float64(fx), float64(fm)))

	w("The highest rate is the whole pair's: on %d CPUs the uac, the uas (one shard) and both\n", runtime.NumCPU())
	w("namespaces' kernel work share the machine, so it tells more about the peer and the machine\n")
	w("than about the uac's dataplane. The uac's CPU per call at a rate both sustain isolates the\n")
	w("dataplane.\n\n")
	w("Trials at %d calls/s, in the order they ran (drops: datagrams the kernel dropped for the uac,\n", r.fixed)
	w("as its summary reports them, and UDP receive-buffer drops in the uas's namespace; a\n")
	w("retransmission follows a drop):\n\n")
	w("| dataplane | successful | failed | retransmissions | uac drops | uas drops | uac CPU per call |\n")
	w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i := 0; i < r.opts.repeat; i++ {
		for _, dp := range dataplanes {
			if i < len(r.atFixed[dp]) {
				t := r.atFixed[dp][i]
				w("| %s | %d | %d | %d | %d | %d | %s |\n", dp, t.successful, t.failed, t.retrans, t.uacDrops, t.uasDrops, us(t.cpuPerCall()))
			}
		}
	}
	w("\n")

	w(`## Reading these numbers

**veth is not a NIC.** A veth pair has no hardware and no zero-copy AF_XDP: the xdp backend
runs in copy mode, so the kernel still allocates a socket buffer for every frame gossip sends
(the AF_XDP transmit path builds one and hands it to veth, which passes it to the peer
namespace's stack) and copies every frame it receives from the peer's socket buffer into the
UMEM. What the xdp backend saves here is the UDP and IP layers on gossip's side (socket lookup,
routing, netfilter, the qdisc, socket buffer queueing and accounting), and what it adds is its
own header building and checksums; the peer's kernel stack, which does the same
work in both columns, is on the same CPUs. In generic mode (` + "`-xdp_mode generic`" + `)
the program runs after the kernel built a socket buffer for each received frame, which gives
up part of the saving on the receive side (not measured here).
The machine is shared with other jobs (see the load average), so absolute numbers move between
runs; the ratios, measured in the same run with alternating trials, are the result.

**On a NIC with native mode and zero-copy** (mlx5, i40e, ice, ixgbe, igc, ...) the picture
changes in gossip's favour: the NIC writes received frames straight into the UMEM and reads
sent frames from it, no socket buffer is allocated on either path, and a receive or a send is a
ring entry plus gossip's own parsing or building (with the UDP checksum computed in software,
about 0.1 µs for a 1,200-byte SIP message on this machine). The kernel's UDP path costs several
microseconds per datagram (issue 6 measured about 3.3 µs per send and 1.7 µs per receive on loopback), so
expect the CPU per call of the dataplane to drop by a large factor and the per-core call rate
to be bounded by gossip's own SIP work instead of the kernel's; in copy mode on a NIC, expect a
gain between this page's and zero-copy's. Serve every receive queue (` + "`-xdp_queues`" + ` =
the NIC's queues, or lower them with ` + "`ethtool -L`" + `), one shard per queue.
`)
	return b.String()
}
