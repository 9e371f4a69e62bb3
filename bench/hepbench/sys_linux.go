package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// setupVeth makes the stand-in for a collector on another machine: a veth
// pair whose near end (in this network namespace) has 198.18.N.1/30 and a
// static neighbour 198.18.N.2 with a MAC address nobody has, and whose far
// end sits in a network namespace the harness creates. Every HEP datagram
// sent to 198.18.N.2 crosses the near end's transmit path, as towards a
// network card, and the far end drops it on arrival (a frame for another
// host), so no receiving socket costs the machine anything. UDP
// segmentation offload is turned off on the near end (ethtool), so the
// kernel cuts segmented messages in software, as for a card without it.
// Without root or ip(8) it returns an invalid address and says why.
func setupVeth(ctx context.Context) (remote netip.AddrPort, cleanup func(), note string) {
	cleanup = func() {}
	if os.Geteuid() != 0 {
		return remote, cleanup, "not root: the veth modes (collector on another machine) are skipped"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return remote, cleanup, "no ip(8): the veth modes (collector on another machine) are skipped"
	}
	id := os.Getpid() % 250
	ns := fmt.Sprintf("hepbench-%d", os.Getpid())
	near, far := fmt.Sprintf("hb%da", os.Getpid()), fmt.Sprintf("hb%db", os.Getpid())
	local := fmt.Sprintf("198.18.%d.1/30", id)
	peer := fmt.Sprintf("198.18.%d.2", id)
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	cleanup = func() {
		_ = run("link", "del", near)
		_ = run("netns", "del", ns)
	}
	for _, args := range [][]string{
		{"netns", "add", ns},
		{"link", "add", near, "type", "veth", "peer", "name", far, "netns", ns},
		{"addr", "add", local, "dev", near},
		{"link", "set", near, "up"},
		{"-n", ns, "link", "set", far, "up"},
		{"neigh", "replace", peer, "lladdr", "02:00:00:00:00:02", "dev", near, "nud", "permanent"},
	} {
		if err := run(args...); err != nil {
			cleanup()
			return remote, func() {}, fmt.Sprintf("cannot set up the veth (%v): the veth modes are skipped", err)
		}
	}
	if out, err := exec.CommandContext(ctx, "ethtool", "-K", near, "tx-udp-segmentation", "off").CombinedOutput(); err != nil {
		note = fmt.Sprintf("ethtool -K %s tx-udp-segmentation off failed (%v: %s): the veth passes segmented "+
			"messages whole, as a card with UDP segmentation offload would", near, err, strings.TrimSpace(string(out)))
	}
	return netip.AddrPortFrom(netip.MustParseAddr(peer), 9060), cleanup, note
}

// discard reads and throws away everything c receives without copying it
// to user space (recv(2) with MSG_TRUNC on TCP), the cheapest reader a
// collector can be.
func discard(c *net.TCPConn) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 1<<20)
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = syscall.Recvfrom(int(fd), buf, syscall.MSG_TRUNC|syscall.MSG_DONTWAIT)
			return rerr != syscall.EAGAIN
		})
		if err != nil || rerr != nil || n == 0 {
			return
		}
	}
}

// machineCPU returns the machine's busy and total CPU time so far, from
// the first line of /proc/stat (busy: user, nice, system and steal; total
// adds idle, iowait, irq and softirq). Interrupt time is left out of busy
// because the kernel accounts the soft interrupts that carry the run's
// own packets there, not to the uac and uas.
func machineCPU() (busy, total time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0, false
	}
	var v [8]uint64
	for i := range v {
		if v[i], err = strconv.ParseUint(f[i+1], 10, 64); err != nil {
			return 0, 0, false
		}
	}
	tick := time.Second / 100 // USER_HZ
	busyT := v[0] + v[1] + v[2] + v[7]
	return time.Duration(busyT) * tick, time.Duration(busyT+v[3]+v[4]+v[5]+v[6]) * tick, true
}

// selfCPU is the harness's own CPU time (the collectors run in it).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
