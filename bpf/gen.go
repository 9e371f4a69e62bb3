package bpf

// The programs are compiled by clang through cilium/ebpf's bpf2go; the
// object files and their Go wrappers are committed, so building gossip
// needs no clang. `make generate` rebuilds them.
//go:generate go tool bpf2go -tags linux -target bpfel,bpfeb -cflags "-O2 -Wall -Werror" -type settings steer steer.c
//go:generate go tool bpf2go -tags linux -target bpfel,bpfeb -cflags "-O2 -Wall -Werror" reuseport reuseport.c
