package stats

// MirrorTotals counts what the run mirrored to a HEP collector
// (-hep_addr): the screens show it when Enabled.
type MirrorTotals struct {
	// Enabled is true when messages are mirrored.
	Enabled bool
	// Sent is the HEP packets written to the collector's socket.
	Sent uint64
	// Dropped is the messages not mirrored: a shard's queue was full, the
	// socket refused them, the TCP connection was down, or they were
	// still queued when the run ended.
	Dropped uint64
}
