package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// udpCounters are the kernel's UDP receive-drop counters of this network
// namespace (/proc/net/snmp).
type udpCounters struct {
	RcvbufErrors uint64 // datagrams dropped because a receive buffer was full
	InErrors     uint64 // all datagrams that could not be delivered (includes RcvbufErrors)
}

// readSNMP reads the Udp counters from /proc/net/snmp.
func readSNMP() (udpCounters, error) {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return udpCounters{}, err
	}
	defer f.Close()
	return parseSNMP(f)
}

// parseSNMP reads the "Udp:" header and value lines of /proc/net/snmp.
func parseSNMP(r io.Reader) (udpCounters, error) {
	var head []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if head == nil {
			head = fields
			continue
		}
		var c udpCounters
		found := 0
		for i := 1; i < len(fields) && i < len(head); i++ {
			var dst *uint64
			switch head[i] {
			case "RcvbufErrors":
				dst = &c.RcvbufErrors
			case "InErrors":
				dst = &c.InErrors
			default:
				continue
			}
			v, err := strconv.ParseUint(fields[i], 10, 64)
			if err != nil {
				return c, fmt.Errorf("/proc/net/snmp: Udp %s %q: %w", head[i], fields[i], err)
			}
			*dst = v
			found++
		}
		if found != 2 {
			return c, errors.New("/proc/net/snmp: Udp line has no RcvbufErrors or InErrors")
		}
		return c, nil
	}
	if err := sc.Err(); err != nil {
		return udpCounters{}, fmt.Errorf("/proc/net/snmp: %w", err)
	}
	return udpCounters{}, errors.New("/proc/net/snmp: no Udp lines")
}

// udpSocket is one line of /proc/net/udp.
type udpSocket struct {
	LocalPort int
	Inode     uint64
	Drops     uint64
}

// readUDPSockets reads /proc/net/udp (IPv4: every probe runs on 127.0.0.1).
func readUDPSockets() ([]udpSocket, error) {
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseProcNetUDP(f)
}

// parseProcNetUDP parses /proc/net/udp: "sl local_address rem_address st
// tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer
// drops".
func parseProcNetUDP(r io.Reader) ([]udpSocket, error) {
	var out []udpSocket
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first { // header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 13 {
			continue
		}
		_, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("/proc/net/udp: local address %q", f[1])
		}
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/udp: local port %q: %w", portHex, err)
		}
		inode, err := strconv.ParseUint(f[9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/udp: inode %q: %w", f[9], err)
		}
		drops, err := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/udp: drops %q: %w", f[len(f)-1], err)
		}
		out = append(out, udpSocket{LocalPort: int(port), Inode: inode, Drops: drops})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("/proc/net/udp: %w", err)
	}
	return out, nil
}

// socketInodes lists the inodes of the sockets process pid holds open
// (nothing, without error, once it has gone).
func socketInodes(pid int) []uint64 {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []uint64
	for _, e := range ents {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(link, "socket:["); ok {
			if v, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// dropMonitor attributes kernel receive drops to the sockets of the
// processes of a probe, so that drops caused by other programs on a shared
// machine can be told apart. Each socket's counter only grows, so the
// highest value seen is its count; a socket's last drops after the final
// sample (it closes when its process exits) are missed, which is why the
// probe's verdict also uses the namespace-wide counters.
type dropMonitor struct {
	owner map[uint64]string // socket inode → "uac" or "uas"
	seen  map[uint64]uint64 // socket inode → highest drop count seen
}

func newDropMonitor() *dropMonitor {
	return &dropMonitor{owner: map[uint64]string{}, seen: map[uint64]uint64{}}
}

// sample reads the socket inodes of the running processes and the drop
// counts of their sockets.
func (m *dropMonitor) sample(procs map[string]*proc) {
	for side, p := range procs {
		if p == nil || p.exited() {
			continue
		}
		for _, ino := range socketInodes(p.pid()) {
			m.owner[ino] = side
		}
	}
	socks, err := readUDPSockets()
	if err != nil {
		return
	}
	for _, s := range socks {
		if _, ok := m.owner[s.Inode]; ok && s.Drops > m.seen[s.Inode] {
			m.seen[s.Inode] = s.Drops
		}
	}
}

// drops is the number of datagrams the kernel dropped on side's sockets.
func (m *dropMonitor) drops(side string) uint64 {
	var n uint64
	for ino, d := range m.seen {
		if m.owner[ino] == side {
			n += d
		}
	}
	return n
}

// boundSockets counts the IPv4 UDP sockets bound to port.
func boundSockets(port int) int {
	socks, err := readUDPSockets()
	if err != nil {
		return 0
	}
	n := 0
	for _, s := range socks {
		if s.LocalPort == port {
			n++
		}
	}
	return n
}
