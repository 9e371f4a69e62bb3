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

// setupVeth makes the stand-ins for a collector on another machine: two
// veth pairs whose near ends (in this network namespace) have
// 198.18.N.1/30 and 198.18.N.5/30 and a static neighbour (.2, .6) with a
// MAC address nobody has, and whose far ends sit in a network namespace
// the harness creates. Every HEP datagram sent to a neighbour crosses the
// near end's transmit path, as towards a network card, and the far end
// drops it on arrival (a frame for another host), so no receiving socket
// costs the machine anything. UDP segmentation offload is turned off on
// the first pair (ethtool), so the kernel cuts segmented messages in
// software as for a card without it, and left on on the second. Without
// root or ip(8) it returns invalid addresses and says why.
func setupVeth(ctx context.Context) (remote remotes, cleanup func(), note string) {
	cleanup = func() {}
	if os.Geteuid() != 0 {
		return remote, cleanup, "not root: the veth modes (collector on another machine) are skipped"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return remote, cleanup, "no ip(8): the veth modes (collector on another machine) are skipped"
	}
	id := os.Getpid() % 250
	ns := fmt.Sprintf("hepbench-%d", os.Getpid())
	run := func(args ...string) error {
		out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return nil
	}
	var nears []string
	cleanup = func() {
		for _, near := range nears {
			_ = run("link", "del", near)
		}
		_ = run("netns", "del", ns)
	}
	if err := run("netns", "add", ns); err != nil {
		return remote, func() {}, fmt.Sprintf("cannot set up the veth (%v): the veth modes are skipped", err)
	}
	var addrs [2]netip.AddrPort
	for k, suffix := range []string{"a", "c"} {
		near := fmt.Sprintf("hb%d%s", os.Getpid(), suffix)
		far := near + "x"
		local := fmt.Sprintf("198.18.%d.%d/30", id, 4*k+1)
		peer := fmt.Sprintf("198.18.%d.%d", id, 4*k+2)
		for _, args := range [][]string{
			{"link", "add", near, "type", "veth", "peer", "name", far, "netns", ns},
			{"addr", "add", local, "dev", near},
			{"link", "set", near, "up"},
			{"-n", ns, "link", "set", far, "up"},
			{"neigh", "replace", peer, "lladdr", "02:00:00:00:00:02", "dev", near, "nud", "permanent"},
		} {
			if err := run(args...); err != nil {
				cleanup()
				return remotes{}, func() {}, fmt.Sprintf("cannot set up the veth (%v): the veth modes are skipped", err)
			}
			if args[0] == "link" && args[1] == "add" {
				nears = append(nears, near)
			}
		}
		addrs[k] = netip.AddrPortFrom(netip.MustParseAddr(peer), 9060)
		if k == 0 {
			if out, err := exec.CommandContext(ctx, "ethtool", "-K", near, "tx-udp-segmentation", "off").CombinedOutput(); err != nil {
				note = fmt.Sprintf("ethtool -K %s tx-udp-segmentation off failed (%v: %s): the veth without USO "+
					"passes segmented messages whole too", near, err, strings.TrimSpace(string(out)))
			}
		}
	}
	return remotes{plain: addrs[0], uso: addrs[1]}, cleanup, note
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
