//go:build ignore

// SPDX-License-Identifier: Apache-2.0
//
// gossip's XDP steering program. It runs on every frame an interface
// receives, before the kernel allocates anything for it, and decides:
//
//   UDP/IPv4 to a steered port, addressed to the local address or to the
//   source range                                  -> XDP_REDIRECT into the
//                                                    AF_XDP socket of the
//                                                    receive queue (xsks)
//   ARP request for an address of the source range -> rewritten into the
//                                                    reply, XDP_TX (or
//                                                    redirected to the
//                                                    socket, which answers)
//   anything else (ARP for the host, ICMP, TCP,
//   fragments, IPv6, other ports)                 -> XDP_PASS to the kernel
//
// Each decision increments a per-CPU counter (counters), so the maps tell
// what the program did. The program is self-contained: it needs clang and
// nothing from libbpf or the kernel headers, so `make generate` runs on any
// machine with clang.
//
// References: RFC 894 (IPv4 over Ethernet), RFC 791 (IPv4), RFC 768 (UDP),
// RFC 826 (ARP).

#include "abi.h"

// Kernel ABI constants (include/uapi/linux/bpf.h, if_ether.h, in.h).
#define XDP_DROP 1
#define XDP_PASS 2
#define XDP_TX 3
#define XDP_REDIRECT 4

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define IPPROTO_UDP 17

#define bswap16(x) __builtin_bswap16(x)
#define htons(x) ((__u16)bswap16((__u16)(x)))
#define ntohs(x) ((__u16)bswap16((__u16)(x)))
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#undef htons
#undef ntohs
#define htons(x) ((__u16)(x))
#define ntohs(x) ((__u16)(x))
#endif

// Helper calls by number (include/uapi/linux/bpf.h, enum bpf_func_id).
static long (*bpf_redirect_map)(void *map, __u64 key, __u64 flags) = (void *)51;

struct xdp_md {
	__u32 data;
	__u32 data_end;
	__u32 data_meta;
	__u32 ingress_ifindex;
	__u32 rx_queue_index;
	__u32 egress_ifindex;
};

struct ethhdr {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto;
} __attribute__((packed));

struct iphdr {
	__u8 ver_ihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__u32 saddr;
	__u32 daddr;
} __attribute__((packed));

struct udphdr {
	__u16 source;
	__u16 dest;
	__u16 len;
	__u16 check;
} __attribute__((packed));

// An Ethernet/IPv4 ARP packet (RFC 826).
struct arphdr {
	__u16 htype;
	__u16 ptype;
	__u8 hlen;
	__u8 plen;
	__u16 op;
	__u8 sha[6];
	__u32 spa;
	__u8 tha[6];
	__u32 tpa;
} __attribute__((packed));

// settings is the value of the one-entry config map, written by gossip.
// Addresses are in network byte order.
struct settings {
	__u32 local_ip;   // the interface address gossip uses; 0 matches any
	__u32 range_net;  // -xdp_src_range network
	__u32 range_mask; // its mask; 0: no range
	__u8 mac[6];      // the interface's MAC, the sender of ARP replies
	__u16 flags;      // CONFIG_ARP_*
};

// How ARP requests for source-range addresses are answered: in place
// (XDP_TX), or by the AF_XDP socket (drivers whose XDP_TX cannot reach
// the wire, such as veth in native mode without GRO on the peer).
#define CONFIG_ARP_REPLY 1
#define CONFIG_ARP_TO_SOCKET 2

// Counter indexes (the counters map).
enum counter {
	COUNTER_REDIRECTED = 0, // handed to an AF_XDP socket
	COUNTER_PASSED = 1,     // not gossip's: left to the kernel
	COUNTER_NO_SOCKET = 2,  // gossip's, but no socket on the queue: passed
	COUNTER_ARP_REPLIED = 3,
	COUNTER_ARP_TO_SOCKET = 4, // ARP requests for the range handed to the socket
	COUNTER_MAX = 5,
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 256);
} xsks SEC(".maps");

// ports holds the UDP ports to steer, in host byte order (SIP ports of the
// shards, media ports).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u16);
	__type(value, __u8);
	__uint(max_entries, 1024);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct settings);
	__uint(max_entries, 1);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, COUNTER_MAX);
} counters SEC(".maps");

static __attribute__((always_inline)) int count(__u32 idx, int action)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &idx);
	if (n)
		*n += 1; // per-CPU slot: no atomic needed
	return action;
}

static __attribute__((always_inline)) int in_range(const struct settings *cfg, __u32 addr)
{
	return cfg->range_mask != 0 && (addr & cfg->range_mask) == cfg->range_net;
}

// arp answers a request for a source-range address in place: the request
// becomes the reply and goes back out of the port it came in on.
static __attribute__((always_inline)) int arp(struct xdp_md *ctx, struct ethhdr *eth, void *end,
					      const struct settings *cfg)
{
	struct arphdr *a = (void *)(eth + 1);
	if ((void *)(a + 1) > end)
		return count(COUNTER_PASSED, XDP_PASS);
	if (!(cfg->flags & (CONFIG_ARP_REPLY | CONFIG_ARP_TO_SOCKET)) || a->htype != htons(1) ||
	    a->ptype != htons(ETH_P_IP) || a->hlen != 6 || a->plen != 4 || a->op != htons(1))
		return count(COUNTER_PASSED, XDP_PASS);
	__u32 target = a->tpa;
	// The host's own address is the kernel's to answer.
	if (!in_range(cfg, target) || target == cfg->local_ip)
		return count(COUNTER_PASSED, XDP_PASS);
	if (cfg->flags & CONFIG_ARP_TO_SOCKET) {
		long action = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
		if (action == XDP_REDIRECT)
			return count(COUNTER_ARP_TO_SOCKET, XDP_REDIRECT);
		return count(COUNTER_NO_SOCKET, XDP_PASS);
	}
	a->op = htons(2);
	__builtin_memcpy(a->tha, a->sha, 6);
	a->tpa = a->spa;
	__builtin_memcpy(a->sha, cfg->mac, 6);
	a->spa = target;
	__builtin_memcpy(eth->dst, eth->src, 6);
	__builtin_memcpy(eth->src, cfg->mac, 6);
	return count(COUNTER_ARP_REPLIED, XDP_TX);
}

SEC("xdp")
int gossip_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	const struct settings *cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return count(COUNTER_PASSED, XDP_PASS);

	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return count(COUNTER_PASSED, XDP_PASS);
	if (eth->proto == htons(ETH_P_ARP))
		return arp(ctx, eth, end, cfg);
	if (eth->proto != htons(ETH_P_IP))
		return count(COUNTER_PASSED, XDP_PASS);

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end)
		return count(COUNTER_PASSED, XDP_PASS);
	__u32 ihl = ip->ver_ihl & 0x0f;
	// Fragments (MF set or an offset) go to the kernel: the sockets take
	// whole datagrams only.
	if ((ip->ver_ihl >> 4) != 4 || ihl < 5 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & htons(0x3fff)) != 0)
		return count(COUNTER_PASSED, XDP_PASS);
	if (!(cfg->local_ip == 0 || ip->daddr == cfg->local_ip || in_range(cfg, ip->daddr)))
		return count(COUNTER_PASSED, XDP_PASS);

	struct udphdr *udp = (void *)ip + ihl * 4;
	if ((void *)(udp + 1) > end)
		return count(COUNTER_PASSED, XDP_PASS);
	__u16 port = ntohs(udp->dest);
	if (!bpf_map_lookup_elem(&ports, &port))
		return count(COUNTER_PASSED, XDP_PASS);

	// The socket bound to this receive queue, or XDP_PASS when none is.
	long action = bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
	if (action == XDP_REDIRECT)
		return count(COUNTER_REDIRECTED, XDP_REDIRECT);
	return count(COUNTER_NO_SOCKET, XDP_PASS);
}

char __license[] SEC("license") = "Apache-2.0";
