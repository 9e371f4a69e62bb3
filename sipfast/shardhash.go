package sipfast

// ShardHash is the hash that spreads calls over a server's shards by
// Call-ID: 32-bit FNV-1a over the Call-ID's bytes, as Message.CallID or
// PeekCallID return them. gossip's SO_REUSEPORT program (package bpf)
// computes the same function in the kernel to pick the socket of the
// shard that owns a call, so it is a fixed function of the bytes, not a
// seeded one.
func ShardHash(callID []byte) uint32 {
	const (
		offset32 = 2166136261
		prime32  = 16777619
	)
	h := uint32(offset32)
	for _, b := range callID {
		h ^= uint32(b)
		h *= prime32
	}
	return h
}
