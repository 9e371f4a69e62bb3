// SPDX-License-Identifier: Apache-2.0
//
// abi.h is what gossip's eBPF programs (steer.c, reuseport.c) take from the
// kernel: fixed-width types, the section and map-definition macros that
// cilium/ebpf reads, the map types they use and the helpers they share. It
// stands in for libbpf's and the kernel's headers, so `make generate` needs
// clang and nothing else.

#ifndef GOSSIP_BPF_ABI_H
#define GOSSIP_BPF_ABI_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

// Map types (include/uapi/linux/bpf.h, enum bpf_map_type).
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_MAP_TYPE_XSKMAP 17
#define BPF_MAP_TYPE_REUSEPORT_SOCKARRAY 20

// Helper calls by number (include/uapi/linux/bpf.h, enum bpf_func_id).
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

#endif
