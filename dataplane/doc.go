// Package dataplane moves SIP messages for the engine's shards: datagrams,
// and messages framed out of TCP, TLS and WebSocket connections.
//
// Each shard owns one Endpoint: a socket, or an AF_XDP socket on one
// receive queue, that it alone reads and writes. The engine asks an
// Endpoint to wait for traffic until a deadline, to read what arrived, to
// queue replies and to flush them; the backend decides how many system
// calls that takes.
//
//	shard loop ──► Endpoint.Read ──► datagrams in endpoint-owned buffers
//	           ──► Endpoint.Write (queued) ──► Endpoint.Flush (one batch)
//
// Backends:
//
//   - std: net.UDPConn, portable, one datagram per system call.
//   - mmsg: Linux only, recvmmsg(2)/sendmmsg(2) batches of up to 64
//     datagrams on a socket the endpoint polls itself (ppoll on the socket
//     and an eventfd for Wake).
//   - xdp: Linux only, AF_XDP. The kernel's IP and UDP layers are
//     bypassed: an XDP program (package bpf) redirects gossip's datagrams
//     into the endpoint's rings, and the endpoint builds and parses the
//     Ethernet, IPv4 and UDP headers itself. It can send from any address
//     of a source range (SourceWriter). See below.
//
// Stream endpoints (Config.Stream, stream.go) present the messages of
// their connections the same way, one Packet per message with the
// connection's id in Packet.Conn; a shard answers with
// StreamEndpoint.WriteConn. TLS is crypto/tls; WebSocket (RFC 6455, SIP
// over it per RFC 7118) is framed here (ws.go). The per-address endpoint
// (Config.PerIP, perip.go) is SIPp's -t ui: a UDP socket per local
// address, all on one port.
//
// Several socket endpoints may share one local port (SO_REUSEPORT on
// Linux): the kernel then spreads flows over them, and the engine
// re-steers each message to the shard that owns its Call-ID.
//
// An endpoint that talks to one peer only (the HEP exporter's, towards
// its collector) can be connected to it (Config.Peer): the kernel keeps
// the route and skips the address copy and route lookup per datagram. The
// mmsg endpoint can also hand the kernel many equal-size datagrams as one
// message that the kernel or the network card cuts (SegmentWriter, UDP
// generic segmentation, Linux 4.18).
//
// The package knows nothing about SIP beyond message boundaries
// (sipfast's stream framer).
//
// # The xdp backend
//
// One endpoint is one AF_XDP socket bound to one receive queue of one
// interface (Documentation/networking/af_xdp.rst). The endpoints of a run
// share the XDP program: the first attaches it through a BPF link, the
// others join that link, and the kernel detaches the program when the
// last endpoint closes (or the process dies).
//
//	NIC queue k ──► XDP program ──► xsks[k] ──► endpoint of shard k
//	                   │ (not gossip's: XDP_PASS)
//	                   └──► kernel stack (ARP, ICMP, ssh, ...)
//
// UMEM, the memory shared with the kernel: R + 2048 frames of 2048 bytes
// (4096 when the MTU needs it), mapped once and registered with the
// socket; R, the receive frames, is 2048, or a frame per KiB of
// -buff_size up to 32768. Frames are addressed by their offset. The first
// R only ever carry received frames, the last 2048 frames to send:
//
//	offset 0                      R×2048                    (R+2048)×2048
//	├─ frame 0 ─┬─ frame 1 ─┬ … ─┼─ frame R ─┬ … ─┬─ frame R+2047 ─┤
//	│      receive frames        │           send frames            │
//	   fill ring → rx ring →        pool → tx ring →
//	   Read's caller → fill ring    completion ring → pool
//
// A received frame sits 256 bytes (XDP_PACKET_HEADROOM) into its chunk;
// the rx descriptor gives its exact offset and length.
//
// The four rings, each mapped from the socket (one mapping per ring):
//
//	┌──────────┬──────────┬────────┬──────────────────────────────────┐
//	│ producer │ consumer │ flags  │ entries[R or 2048]               │
//	│  uint32  │  uint32  │ uint32 │ fill, completion: uint64 offset  │
//	│          │          │        │ rx, tx: {offset u64, len u32, …} │
//	└──────────┴──────────┴────────┴──────────────────────────────────┘
//	  (offsets of each part from getsockopt XDP_MMAP_OFFSETS)
//
//	ring        producer   consumer   carries
//	fill        gossip     kernel     empty frames to receive into
//	rx          kernel     gossip     received frames
//	tx          gossip     kernel     frames to send
//	completion  kernel     gossip     sent frames, free again
//
// Indexes run freely and wrap at 2^32; an entry's slot is index mod the
// ring's size (fill and rx: R entries; tx and completion: 2048).
// A producer writes entries, then stores its index with release order; a
// consumer loads the other side's index with acquire order before it
// reads entries, and stores its own index with release order when done
// (xdp_ring.go). flags carries XDP_RING_NEED_WAKEUP: the kernel waits for
// a system call (sendto for tx, poll or recvfrom for fill) before it
// looks at the ring again.
//
// Read recycles the frames of the previous batch into the fill ring,
// takes frames from the rx ring and, when there are none, waits in
// ppoll(2) on the socket and an eventfd (Wake). Write takes a frame from
// the pool, builds it and writes a tx descriptor; Flush publishes them,
// calls sendto(MSG_DONTWAIT) and returns completed frames to the pool.
// In copy mode (every driver) the kernel copies frames between the UMEM
// and its own buffers, and sends inside sendto; in zero-copy mode (drivers
// that offer it) the NIC reads and writes the UMEM directly. Open tries
// zero-copy and falls back to copy unless XDPConfig.Copy forces one.
//
// Frames (frame.go), Ethernet II with IPv4 and UDP, no VLAN tag, no IP
// options, never fragmented:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        destination MAC (next hop), source MAC (6 + 6 bytes)   |
//	|               ...             |      EtherType 0x0800         |  14 bytes
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Ver=4|IHL=5|      TOS=0    |          Total Length            |  RFC 791
//	|        Identification       |Flags|   Fragment Offset = 0   |
//	|   TTL=64    |  Protocol=17  |        Header Checksum          |  RFC 1071
//	|                      Source Address                           |
//	|                    Destination Address                        |  20 bytes
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|         Source Port         |       Destination Port          |  RFC 768
//	|           Length            |           Checksum              |   8 bytes
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                    SIP message (payload)                      |
//
// The UDP checksum covers a pseudo-header of both addresses, the
// protocol and the UDP length (RFC 768). Received frames are checked for
// their IPv4 header checksum, not their UDP checksum (NICs verify it, and
// a local stack behind veth leaves it to an offload that never happens).
//
// The destination MAC is the next hop's: learned from received frames
// (the source MAC of a datagram from X is the way back to X), else read
// from the kernel's neighbour table (/proc/net/arp) after finding the
// next hop in its routing table (/proc/net/route); when the table has no
// entry, the endpoint sends the next hop an empty datagram to the discard
// port from a kernel socket, which makes the kernel resolve it by ARP
// (RFC 826), and waits for the entry. XDPConfig.NextHopMAC skips all of
// that.
//
// Source ranges: with XDPConfig.SrcRange the program also redirects
// datagrams to any address of the range, and ARP requests for those
// addresses are answered (RFC 826) by the program (XDP_TX), or, where
// XDP_TX does not reach the wire (veth in native mode), by the endpoint.
package dataplane
