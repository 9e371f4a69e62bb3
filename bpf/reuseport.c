//go:build ignore

// SPDX-License-Identifier: Apache-2.0
//
// gossip's SO_REUSEPORT program. A server's shards each hold one UDP
// socket of a SO_REUSEPORT group on one port; by default the kernel picks
// the socket by a hash of the 4-tuple, so every datagram of one peer lands
// on one socket and the shards pass most of them to the shard that owns
// the call. This program picks the socket by Call-ID instead, with the
// engine's own function (sipfast.ShardHash: 32-bit FNV-1a of the value as
// sipfast.PeekCallID returns it, modulo the number of sockets), so every
// datagram arrives on its owner's socket:
//
//   UDP payload ──► skip the start line, then each header line:
//                     "Call-ID" or "i" (any case), blanks, ':' ──► value,
//                     trimmed of SP/HTAB/CR, FNV-1a ──► socks[hash % nsocks]
//                   empty line, folded Call-ID, no Call-ID in the first
//                   SCAN_MAX octets ──► the kernel's 4-tuple hash
//
// It always returns SK_PASS: a datagram it cannot place goes where the
// kernel would have put it, and the engine hands it to its owner. Each
// decision increments a per-CPU counter (counters).
//
// The context's data starts at the UDP header (RFC 768); the payload is
// read with bpf_skb_load_bytes into a per-CPU scratch buffer, so a
// non-linear socket buffer is read as well as a linear one.
//
// References: RFC 3261 §7.3.1 (header field format, folding), §7.3.3
// (compact form "i"), §20.8 (Call-ID).

#include "abi.h"

// Kernel ABI constants (include/uapi/linux/bpf.h).
#define SK_DROP 0
#define SK_PASS 1

// Helper calls by number (include/uapi/linux/bpf.h, enum bpf_func_id).
static long (*bpf_skb_load_bytes)(const void *ctx, __u32 offset, void *to, __u32 len) = (void *)26;
static long (*bpf_sk_select_reuseport)(void *ctx, void *map, void *key, __u64 flags) = (void *)82;
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *)181;

#define __bpf_md_ptr(type, name) \
	union {                  \
		type name;       \
		__u64 : 64;      \
	} __attribute__((aligned(8)))

struct sk_reuseport_md {
	__bpf_md_ptr(void *, data);
	__bpf_md_ptr(void *, data_end);
	__u32 len; // from the UDP header on
	__u32 eth_protocol;
	__u32 ip_protocol;
	__u32 bind_inany;
	__u32 hash;
	__bpf_md_ptr(void *, sk);
	__bpf_md_ptr(void *, migrating_sk);
};

#define UDP_HLEN 8

// SCAN_MAX is how many payload octets the program reads: a Call-ID that
// ends beyond it is left to the engine. A power of two, so that an index
// masked with SCAN_MAX-1 stays inside the scratch buffer for the verifier.
#define SCAN_MAX 2048

// Counter indexes (the counters map).
enum counter {
	COUNTER_STEERED = 0,   // placed on the socket of the Call-ID's shard
	COUNTER_NOT_FOUND = 1, // no Call-ID in the window (or folded): kernel's choice
	COUNTER_NO_SOCKET = 2, // a Call-ID, but no socket at its index (or no config)
	COUNTER_MAX = 3,
};

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 256);
} socks SEC(".maps");

// nsocks holds the number of sockets (shards); 0 places nothing.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} nsocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, COUNTER_MAX);
} counters SEC(".maps");

struct scratch {
	__u8 b[SCAN_MAX + 8]; // 8 more: a word read at any masked index stays inside
};

// scratch holds the payload while it is scanned: more than the 512-octet
// stack. Softirqs do not nest on a CPU, so one buffer per CPU suffices.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct scratch);
	__uint(max_entries, 1);
} scratch SEC(".maps");

static __attribute__((always_inline)) int count(__u32 idx)
{
	__u64 *n = bpf_map_lookup_elem(&counters, &idx);
	if (n)
		*n += 1; // per-CPU slot: no atomic needed
	return SK_PASS;
}

// Scanner states, one octet at a time.
enum state {
	ST_START_LINE, // in the start line
	ST_BOL,        // at the first octet of a header line
	ST_SKIP,       // in a line that is not the Call-ID
	ST_NAME,       // in "call-id", matched octets in name
	ST_AFTER_NAME, // after the name: blanks until ':'
	ST_LEAD,       // after ':': blanks before the value
	ST_VALUE,      // in the value
	ST_FOLD,       // after the value's line: a blank here folds it
	ST_FOUND,
	ST_NOT_FOUND,
};

struct scan {
	struct scratch *buf;
	__u32 len;  // payload octets in buf
	__u32 pos;  // the next octet to read
	__u32 state;
	__u32 name; // octets of "call-id" matched (ST_NAME)
	__u32 hash; // FNV-1a of the value up to its last non-blank octet
	__u32 run;  // FNV-1a of the value up to the current octet
};

// "call-id", its first octet in the low byte.
#define CALL_ID 0x0064692d6c6c6163ull

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static __attribute__((always_inline)) int blank(__u8 c) { return c == ' ' || c == '\t'; }

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LFS 0x0a0a0a0a0a0a0a0aull

// word returns the eight payload octets from pos (pos + 8 <= len), the
// first in the lowest byte whatever the machine's byte order.
static __attribute__((always_inline)) __u64 word(struct scan *s, __u32 pos)
{
	__u64 w = *(__u64 *)&s->buf->b[pos & (SCAN_MAX - 1)];
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

// firstLF returns 1 + the index of the first '\n' in w (first octet in the
// lowest byte), or 0 when there is none. Of the high bits the zero-octet
// test sets, the lowest is exact; isolated and shifted down to the octet's
// lowest bit, the multiplication moves its index into the top byte.
static __attribute__((always_inline)) __u32 firstLF(__u64 w)
{
	w ^= LFS;
	__u64 z = (w - ONES) & ~w & HIGHS;
	if (z == 0)
		return 0;
	z &= -z;
	return (((z >> 7) * 0x0001020304050607ull) >> 56) + 1;
}

// "call-id" in the low seven bytes of a word, letters matched in any case
// (OR 0x20) and the '-' exactly.
#define CALL_ID_FOLD 0x0020200020202020ull
#define LOW7 0x00ffffffffffffffull

// stepByte advances the scanner by one payload octet: the exact rules,
// which the word-at-a-time paths of step take in bigger strides where
// they can.
static __attribute__((always_inline)) long stepByte(struct scan *s, __u32 pos)
{
	s->pos = pos + 1;
	__u8 c = s->buf->b[pos & (SCAN_MAX - 1)];
	switch (s->state) {
	case ST_START_LINE:
		if (c == '\n')
			s->state = ST_BOL;
		return 0;
	case ST_BOL:
		if (c == '\n' || c == '\r') {
			s->state = ST_NOT_FOUND; // the empty line: end of the headers
			return 1;
		}
		if ((c | 0x20) == 'c') {
			s->state = ST_NAME;
			s->name = 1;
		} else if ((c | 0x20) == 'i') {
			s->state = ST_NAME;
			s->name = 7; // the compact form: the whole name
		} else {
			s->state = ST_SKIP;
		}
		return 0;
	case ST_NAME:
		if (s->name < 7) {
			// "call-id" after its 'c'; the '-' compares exactly, letters
			// in any case.
			__u8 w = CALL_ID >> (8 * (s->name & 7));
			if (w == '-' ? c == '-' : (c | 0x20) == w) {
				s->name++;
				return 0;
			}
		} else if (c == ':') {
			s->state = ST_LEAD;
			return 0;
		} else if (blank(c)) {
			s->state = ST_AFTER_NAME;
			return 0;
		}
		s->state = c == '\n' ? ST_BOL : ST_SKIP;
		return 0;
	case ST_AFTER_NAME:
		if (c == ':')
			s->state = ST_LEAD;
		else if (c == '\n')
			s->state = ST_BOL;
		else if (!blank(c))
			s->state = ST_SKIP;
		return 0;
	case ST_LEAD:
		if (c == '\n') {
			s->state = ST_BOL; // an empty value: not a Call-ID, go on
			return 0;
		}
		if (blank(c) || c == '\r')
			return 0;
		s->state = ST_VALUE;
		s->run = (FNV_OFFSET ^ c) * FNV_PRIME;
		s->hash = s->run;
		return 0;
	case ST_VALUE:
		if (c == '\n') {
			s->state = ST_FOLD;
			return 0;
		}
		s->run = (s->run ^ c) * FNV_PRIME;
		if (!blank(c) && c != '\r')
			s->hash = s->run;
		return 0;
	case ST_FOLD:
		s->state = blank(c) ? ST_NOT_FOUND : ST_FOUND;
		return 1;
	case ST_SKIP:
		if (c == '\n')
			s->state = ST_BOL;
		return 0;
	}
	return 1;
}

// STRIDE_WORDS bounds the words one step reads in a line it skips.
#define STRIDE_WORDS 8

// step advances the scanner; a nonzero return stops bpf_loop (found, not
// there, or the end of the payload). Each call advances by at least one
// octet, so len calls reach the end. Where eight octets are there to read
// it takes whole words: up to STRIDE_WORDS of them in a line it skips, the
// name of a header line at once, and eight octets of a Call-ID value;
// elsewhere, and near the end of the payload, one octet (stepByte). Each
// call of the callback costs more than the octets it looks at, so fewer,
// longer steps are what keeps the program cheap.
static long step(__u32 i, struct scan *s)
{
	__u32 pos = s->pos;
	if (pos >= s->len)
		return 1;
	if (pos + 8 > s->len)
		return stepByte(s, pos);
	switch (s->state) {
	case ST_START_LINE:
	case ST_SKIP:
#pragma unroll
		for (int k = 0; k < STRIDE_WORDS; k++) {
			if (pos + 8 > s->len)
				break;
			__u32 lf = firstLF(word(s, pos));
			if (lf) {
				s->pos = pos + lf;
				s->state = ST_BOL;
				return 0;
			}
			pos += 8;
		}
		s->pos = pos;
		return 0;
	case ST_BOL: {
		__u64 w = word(s, pos);
		__u8 c0 = w, c1 = w >> 8, c7 = w >> 56;
		if (c0 == '\n' || c0 == '\r') {
			s->state = ST_NOT_FOUND; // the empty line: end of the headers
			return 1;
		}
		__u8 next;
		if (((w | CALL_ID_FOLD) & LOW7) == CALL_ID) {
			s->pos = pos + 8;
			next = c7;
		} else if ((c0 | 0x20) == 'i') {
			s->pos = pos + 2;
			next = c1;
		} else {
			s->pos = pos + 1;
			s->state = ST_SKIP;
			return 0;
		}
		// The octet after the name, as ST_NAME takes it.
		if (next == ':')
			s->state = ST_LEAD;
		else if (blank(next))
			s->state = ST_AFTER_NAME;
		else if (next == '\n')
			s->state = ST_BOL;
		else
			s->state = ST_SKIP;
		return 0;
	}
	case ST_VALUE: {
		__u64 w = word(s, pos);
#pragma unroll
		for (int k = 0; k < 8; k++) {
			__u8 c = w >> (8 * k);
			if (c == '\n') {
				s->pos = pos + k + 1;
				s->state = ST_FOLD;
				return 0;
			}
			s->run = (s->run ^ c) * FNV_PRIME;
			if (!blank(c) && c != '\r')
				s->hash = s->run;
		}
		s->pos = pos + 8;
		return 0;
	}
	}
	return stepByte(s, pos);
}

SEC("sk_reuseport")
int gossip_reuseport(struct sk_reuseport_md *md)
{
	__u32 zero = 0;
	__u32 *n = bpf_map_lookup_elem(&nsocks, &zero);
	struct scratch *buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!n || !buf || *n == 0)
		return count(COUNTER_NO_SOCKET);
	__u32 len = md->len;
	if (len <= UDP_HLEN)
		return count(COUNTER_NOT_FOUND);
	len -= UDP_HLEN;
	int truncated = len > SCAN_MAX;
	if (truncated)
		len = SCAN_MAX;
	// 1 ≤ len ≤ SCAN_MAX, in a form the verifier can follow: the barrier
	// keeps clang from folding the mask away.
	len -= 1;
	asm volatile("" : "+r"(len));
	len = (len & (SCAN_MAX - 1)) + 1;
	if (bpf_skb_load_bytes(md, UDP_HLEN, buf->b, len) < 0)
		return count(COUNTER_NOT_FOUND);

	struct scan s = {.buf = buf, .len = len, .state = ST_START_LINE};
	bpf_loop(len, step, &s, 0);
	// The window ended inside the value's line or right after it: the
	// message ends there too unless it was truncated.
	if (!truncated && (s.state == ST_VALUE || s.state == ST_FOLD))
		s.state = ST_FOUND;
	if (s.state != ST_FOUND)
		return count(COUNTER_NOT_FOUND);

	__u32 idx = s.hash % *n;
	if (bpf_sk_select_reuseport(md, &socks, &idx, 0) < 0)
		return count(COUNTER_NO_SOCKET);
	return count(COUNTER_STEERED);
}

char __license[] SEC("license") = "Apache-2.0";
