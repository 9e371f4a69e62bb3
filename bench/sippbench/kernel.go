package main

import "github.com/gossip-sip/gossip/bench/internal/benchkit"

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
func (m *dropMonitor) sample(procs map[string]*benchkit.Proc) {
	for side, p := range procs {
		if p == nil || p.Exited() {
			continue
		}
		for _, ino := range benchkit.SocketInodes(p.PID()) {
			m.owner[ino] = side
		}
	}
	socks, err := benchkit.ReadUDPSockets()
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
