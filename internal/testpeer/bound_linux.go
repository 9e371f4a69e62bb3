package testpeer

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// procBound reports whether a socket of proto ("udp" or "tcp") is bound
// to port, from /proc/net/<proto> and <proto>6, without touching the port
// (TCP: listening sockets only). ok is false when those files cannot be
// read.
func procBound(proto string, port int) (bound, ok bool) {
	for _, table := range []string{proto, proto + "6"} {
		f, err := os.Open("/proc/net/" + table)
		if err != nil {
			continue
		}
		ok = true
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// "  sl  local_address rem_address   st ...", e.g.
			// "   0: 0100007F:13C4 00000000:0000 07 ...".
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 {
				continue
			}
			_, hexPort, found := strings.Cut(fields[1], ":")
			p, err := strconv.ParseUint(hexPort, 16, 16)
			if !found || err != nil || int(p) != port {
				continue
			}
			if proto == "udp" || fields[3] == "0A" { // TCP_LISTEN
				f.Close()
				return true, true
			}
		}
		f.Close()
	}
	return false, ok
}
