// Package bpf holds gossip's eBPF programs and the Go code that loads,
// attaches and inspects them.
//
// steer.c is an XDP program for the dataplane's
// AF_XDP backend. It runs on every frame an interface receives and
// steers gossip's traffic into the AF_XDP socket of the receive queue,
// leaving the rest to the kernel:
//
//	frame ──► Ethernet type?
//	            ARP request for a -xdp_src_range address ──► reply in place, XDP_TX,
//	                                                         or to the socket, which answers
//	            IPv4 UDP, not a fragment,
//	              to the local address or the source range,
//	              to a port in the ports map ──► XDP_REDIRECT into xsks[rx queue]
//	                                             (XDP_PASS when no socket is there)
//	            anything else ──► XDP_PASS (kernel)
//
// Maps, all inspectable with `bpftool map dump name <map>`:
//
//	xsks      XSKMAP      rx queue index → AF_XDP socket
//	ports     HASH        UDP port (host byte order) → 1, the ports to steer
//	config    ARRAY[1]    local address, source range, interface MAC, flags
//	counters  PERCPU_ARRAY redirected, passed, no socket, ARP replied, ARP to socket
//
// reuseport.c is a SO_REUSEPORT program for a server's shards, which
// share one UDP port: it picks each datagram's socket by its Call-ID
// (sipfast.ShardHash modulo the number of sockets) instead of by 4-tuple,
// so a datagram arrives on the shard that owns its call:
//
//	datagram ──► Call-ID header in the first 2048 octets? ──► socks[hash % nsocks]
//	             none, folded, beyond ──► the kernel's 4-tuple hash
//
// Its maps: socks (REUSEPORT_SOCKARRAY, shard → socket), nsocks
// (ARRAY[1]), counters (PERCPU_ARRAY: steered, not found, no socket).
//
// The C sources need nothing but clang (no libbpf or kernel headers);
// bpf2go compiles it for both byte orders and the object files are
// committed, so `go build` needs no clang. `make generate` rebuilds them.
//
// Everything but this file and reuseport.go is Linux only;
// AttachReuseport fails with ErrReuseportUnsupported elsewhere.
package bpf
