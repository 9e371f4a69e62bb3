package benchkit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UDPCounters are the kernel's UDP receive-drop counters of this network
// namespace (/proc/net/snmp).
type UDPCounters struct {
	RcvbufErrors uint64 // datagrams dropped because a receive buffer was full
	InErrors     uint64 // all datagrams that could not be delivered (includes RcvbufErrors)
}

// ReadSNMP reads the Udp counters from /proc/net/snmp.
func ReadSNMP() (UDPCounters, error) {
	f, err := os.Open("/proc/net/snmp")
	if err != nil {
		return UDPCounters{}, err
	}
	defer f.Close()
	return ParseSNMP(f)
}

// ParseSNMP reads the "Udp:" header and value lines of /proc/net/snmp.
func ParseSNMP(r io.Reader) (UDPCounters, error) {
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
		var c UDPCounters
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
		return UDPCounters{}, fmt.Errorf("/proc/net/snmp: %w", err)
	}
	return UDPCounters{}, errors.New("/proc/net/snmp: no Udp lines")
}

// UDPSocket is one line of /proc/net/udp.
type UDPSocket struct {
	LocalPort int
	Inode     uint64
	Drops     uint64
}

// ReadUDPSockets reads /proc/net/udp (IPv4: the harnesses run on
// 127.0.0.1).
func ReadUDPSockets() ([]UDPSocket, error) {
	f, err := os.Open("/proc/net/udp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseProcNetUDP(f)
}

// ParseProcNetUDP parses /proc/net/udp: "sl local_address rem_address st
// tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer
// drops".
func ParseProcNetUDP(r io.Reader) ([]UDPSocket, error) {
	var out []UDPSocket
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
		out = append(out, UDPSocket{LocalPort: int(port), Inode: inode, Drops: drops})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("/proc/net/udp: %w", err)
	}
	return out, nil
}

// SocketInodes lists the inodes of the sockets process pid holds open
// (nothing, without error, once it has gone).
func SocketInodes(pid int) []uint64 {
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

// BoundSockets counts the IPv4 UDP sockets bound to port.
func BoundSockets(port int) int {
	socks, err := ReadUDPSockets()
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

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort() (int, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0, fmt.Errorf("find a free UDP port on 127.0.0.1: %w", err)
	}
	defer c.Close()
	addr, ok := c.LocalAddr().(*net.UDPAddr)
	if !ok {
		return 0, errors.New("find a free UDP port: unexpected local address type")
	}
	return addr.Port, nil
}

// ListeningTCP counts the sockets listening on TCP port (IPv4 and IPv6),
// from /proc/net/tcp and /proc/net/tcp6.
func ListeningTCP(port int) int {
	n := 0
	for _, path := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		n += countListening(string(b), port)
	}
	return n
}

// countListening counts the lines of a /proc/net/tcp table in state LISTEN
// (0A) on port.
func countListening(table string, port int) int {
	n := 0
	for i, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 4 || f[3] != "0A" {
			continue
		}
		_, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(portHex, 16, 16); err == nil && int(p) == port {
			n++
		}
	}
	return n
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreeTCPPort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free TCP port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
