// Package dataplane moves datagrams for the engine's shards.
//
// Each shard owns one Endpoint: a socket (or, later, an AF_XDP queue) that
// it alone reads and writes. The engine asks an Endpoint to wait for
// traffic until a deadline, to read what arrived, to queue replies and to
// flush them; the backend decides how many system calls that takes.
//
//	shard loop ──► Endpoint.Read ──► datagrams in endpoint-owned buffers
//	           ──► Endpoint.Write (queued) ──► Endpoint.Flush (one batch)
//
// Backends:
//
//   - std: net.UDPConn, portable, one datagram per system call.
//   - mmsg: Linux only, recvmmsg(2)/sendmmsg(2) batches of up to 64
//     datagrams through the socket's RawConn, so an idle shard still sleeps
//     in Go's netpoller.
//
// Several endpoints may share one local port (SO_REUSEPORT on Linux): the
// kernel then spreads flows over them, and the engine re-steers each
// message to the shard that owns its Call-ID.
//
// The package knows nothing about SIP beyond datagram boundaries.
package dataplane
