// Package hep mirrors SIP messages to a Homer collector in HEP3, the Homer
// Encapsulation Protocol version 3 (HEP3 Network Protocol Specification,
// rev. 37), without ever slowing the engine's shards.
//
// # Packet format
//
// A HEP3 packet is a six-octet header followed by chunks. Every integer is
// in network byte order; every length counts its own header.
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+---------------+---------------+
//	|  'H' (0x48)   |  'E' (0x45)   |  'P' (0x50)   |  '3' (0x33)   |
//	+---------------+---------------+---------------+---------------+
//	|  total length (6..65535)      |  chunk vendor ID              |
//	+-------------------------------+-------------------------------+
//	|  chunk type ID                |  chunk length (6 + payload)   |
//	+-------------------------------+-------------------------------+
//	|  chunk payload ...            |  next chunk vendor ID  ...    |
//	+-------------------------------+-------------------------------+
//
// The packets this package writes carry these generic chunks (vendor 0),
// in this order; optional ones are left out when empty:
//
//	type    payload      meaning
//	0x0001  uint8        IP protocol family: 2 IPv4, 10 IPv6
//	0x0002  uint8        IP protocol: 17 UDP, 6 TCP
//	0x0003  inet4-addr   IPv4 source address       } or 0x0005 and 0x0006,
//	0x0004  inet4-addr   IPv4 destination address  } 16-octet IPv6 addresses
//	0x0007  uint16       source port
//	0x0008  uint16       destination port
//	0x0009  uint32       time stamp, seconds since the Unix epoch
//	0x000a  uint32       time stamp, microseconds within that second
//	0x000b  uint8        protocol type: 1 SIP
//	0x000c  uint32       capture agent ID (-hep_id)
//	0x000e  octets       authentication key (-hep_password), optional
//	0x0013  octets       capture node name (-hep_node_name), optional
//	0x000f  octets       the captured packet: the SIP message
//	0x0011  octets       correlation ID: the SIP Call-ID, optional
//
// Decode reads any chunk order, skips chunks it does not know (other
// vendors, other types) by their length, and rejects truncated and
// inconsistent lengths with an error, never a panic.
//
// Over UDP a packet may end with one more chunk, vendor 0xffff type
// 0xffff, of zeros: padding (Pad) that makes the packets of a group the
// same size, so the kernel sends the group as one segmented message.
//
// # Exporter
//
// An Exporter implements the engine's trace.Mirror hook. The hook runs on
// a shard's goroutine, so it only copies the message and its metadata into
// that shard's ring: a single-producer, single-consumer byte ring with no
// lock, which drops (and counts) the message when it is full. One sender
// goroutine drains every ring, encodes HEP3 packets and sends them:
//
//	shard 0 ──Mirror──► ring 0 ─┐
//	shard 1 ──Mirror──► ring 1 ─┼─► sender: encode ─► UDP (one sendmmsg per batch
//	   ...                      │                     with the mmsg dataplane)
//	shard N ──Mirror──► ring N ─┘                  └► TCP (one write per batch,
//	                                                  reconnect with backoff)
//
// A shard that calls MirrorPublish (the engine does at every turn of its
// loop) publishes its ring's new records then, with one atomic store,
// instead of one per message.
//
// The UDP socket is connected to the collector. With the mmsg dataplane
// on Linux 4.18 or later, a batch is sorted by size and each group of
// packets within an eighth of each other's size is padded to one size and
// handed to the kernel as one UDP_SEGMENT message, which the kernel (or
// the network card) cuts into one datagram per packet: most of what a
// datagram costs the kernel is then paid once per group.
// Config.NoSegmentation sends one unpadded datagram per packet instead.
//
// Every message handed to Mirror ends in exactly one of the Stats
// counters: sent, dropped because its ring was full, dropped because it
// cannot fit a HEP packet, dropped because the socket refused it (or the
// TCP connection was down), or dropped because it was still queued when
// Close gave up.
package hep
