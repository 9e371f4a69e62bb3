package dataplane

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Ethernet, IPv4 and UDP framing for the xdp backend, which hands whole
// frames to the interface and gets whole frames back. Only what SIP over
// UDP needs: Ethernet II, IPv4 without options, UDP; no VLAN tags, no
// fragments (a datagram that does not fit the MTU is refused), IPv6 not
// yet. See doc.go for the layout.

const (
	ethHeaderLen  = 14 // destination MAC, source MAC, EtherType
	ipv4HeaderLen = 20 // RFC 791 §3.1, no options
	udpHeaderLen  = 8  // RFC 768
	// udpFrameOverhead is what a UDP payload costs on the wire, before it.
	udpFrameOverhead = ethHeaderLen + ipv4HeaderLen + udpHeaderLen

	etherTypeIPv4 = 0x0800
	etherTypeARP  = 0x0806
	protoUDP      = 17
	defaultTTL    = 64
)

// mac is an Ethernet hardware address.
type mac [6]byte

// udpFrame is a parsed Ethernet/IPv4/UDP frame. payload points into the
// frame.
type udpFrame struct {
	srcMAC  mac
	src     netip.AddrPort
	dst     netip.AddrPort
	payload []byte
}

// buildUDP writes an Ethernet/IPv4/UDP frame carrying payload into dst,
// which must hold udpFrameOverhead+len(payload) bytes, and returns the
// frame's length. id is the IPv4 identification field. Both checksums
// are computed (RFC 791 §3.1 header checksum, RFC 768 UDP checksum over
// the pseudo-header).
func buildUDP(dst []byte, srcMAC, dstMAC mac, src, to netip.AddrPort, id uint16, payload []byte) int {
	n := udpFrameOverhead + len(payload)
	f := dst[:n]
	copy(f[0:6], dstMAC[:])
	copy(f[6:12], srcMAC[:])
	binary.BigEndian.PutUint16(f[12:14], etherTypeIPv4)

	ip := f[ethHeaderLen : ethHeaderLen+ipv4HeaderLen]
	s4, d4 := src.Addr().Unmap().As4(), to.Addr().Unmap().As4()
	ip[0] = 0x45 // version 4, header length 5 words
	ip[1] = 0    // DSCP/ECN
	binary.BigEndian.PutUint16(ip[2:4], uint16(ipv4HeaderLen+udpHeaderLen+len(payload)))
	binary.BigEndian.PutUint16(ip[4:6], id)
	binary.BigEndian.PutUint16(ip[6:8], 0) // may fragment; no fragments sent
	ip[8] = defaultTTL
	ip[9] = protoUDP
	ip[10], ip[11] = 0, 0
	copy(ip[12:16], s4[:])
	copy(ip[16:20], d4[:])
	binary.BigEndian.PutUint16(ip[10:12], checksum(ip, 0))

	udp := f[ethHeaderLen+ipv4HeaderLen:]
	binary.BigEndian.PutUint16(udp[0:2], src.Port())
	binary.BigEndian.PutUint16(udp[2:4], to.Port())
	binary.BigEndian.PutUint16(udp[4:6], uint16(udpHeaderLen+len(payload)))
	udp[6], udp[7] = 0, 0
	copy(udp[udpHeaderLen:], payload)
	binary.BigEndian.PutUint16(udp[6:8], udpChecksum(s4, d4, udp))
	return n
}

// parseUDP decodes an Ethernet/IPv4/UDP frame. It refuses anything else,
// fragments, and a header whose checksum is wrong. It does not check the
// UDP checksum: frames from a local stack over a virtual link (veth)
// carry a partial one that the NIC would have completed, and NICs verify
// it themselves.
func parseUDP(frame []byte) (udpFrame, bool) {
	var f udpFrame
	if len(frame) < udpFrameOverhead || binary.BigEndian.Uint16(frame[12:14]) != etherTypeIPv4 {
		return f, false
	}
	ip := frame[ethHeaderLen:]
	ihl := int(ip[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	switch {
	case ip[0]>>4 != 4, ihl < ipv4HeaderLen, total < ihl+udpHeaderLen, total > len(ip),
		ip[9] != protoUDP,
		binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0, // MF or a fragment offset
		checksum(ip[:ihl], 0) != 0:
		return f, false
	}
	udp := ip[ihl:total]
	ulen := int(binary.BigEndian.Uint16(udp[4:6]))
	if ulen < udpHeaderLen || ulen > len(udp) {
		return f, false
	}
	copy(f.srcMAC[:], frame[6:12])
	f.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), binary.BigEndian.Uint16(udp[0:2]))
	f.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), binary.BigEndian.Uint16(udp[2:4]))
	f.payload = udp[udpHeaderLen:ulen]
	return f, true
}

// checksum is the Internet checksum (RFC 1071) of b, starting from the
// partial sum initial: the ones' complement of the ones' complement sum of
// b's 16-bit big-endian words, an odd last byte padded with zero.
//
// It adds 64 bits at a time with the carries folded back in, which is the
// same sum (RFC 1071 §2(B): the sum is independent of the word size the
// additions use, as 2^16 ≡ 1 modulo 2^16-1).
func checksum(b []byte, initial uint64) uint16 {
	return ^fold(sum(b, initial))
}

// sum is the ones' complement sum of b's 16-bit words added to acc,
// not yet folded to 16 bits.
func sum(b []byte, acc uint64) uint64 {
	var carry uint64
	for len(b) >= 32 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[0:8]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[8:16]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[16:24]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[24:32]), carry)
		b = b[32:]
	}
	acc = addCarry(acc, carry)
	for len(b) >= 8 {
		acc = addCarry(acc, binary.BigEndian.Uint64(b))
		b = b[8:]
	}
	if len(b) >= 4 {
		acc = addCarry(acc, uint64(binary.BigEndian.Uint32(b)))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc = addCarry(acc, uint64(binary.BigEndian.Uint16(b)))
		b = b[2:]
	}
	if len(b) == 1 {
		acc = addCarry(acc, uint64(b[0])<<8) // padded with a zero byte
	}
	return acc
}

// addCarry adds v to the ones' complement sum acc, the carry out of the
// top bit added back in at the bottom (2^64 ≡ 1 modulo 2^16-1).
func addCarry(acc, v uint64) uint64 {
	s, c := bits.Add64(acc, v, 0)
	return s + c
}

// fold reduces a 64-bit ones' complement sum to 16 bits.
func fold(acc uint64) uint16 {
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 32) + (acc & 0xffffffff)
	acc = (acc >> 16) + (acc & 0xffff)
	acc = (acc >> 16) + (acc & 0xffff)
	return uint16(acc)
}

// udpChecksum is the UDP checksum (RFC 768) of segment, whose checksum
// field must be zero, between src and dst: the Internet checksum over the
// IPv4 pseudo-header (source, destination, zero, protocol, UDP length)
// and the segment. A computed zero is sent as all ones, since zero means
// "no checksum".
func udpChecksum(src, dst [4]byte, segment []byte) uint16 {
	pseudo := uint64(binary.BigEndian.Uint32(src[:])) + uint64(binary.BigEndian.Uint32(dst[:])) +
		protoUDP + uint64(len(segment))
	c := checksum(segment, pseudo)
	if c == 0 {
		return 0xffff
	}
	return c
}

// arpLen is an Ethernet/IPv4 ARP packet (RFC 826): hardware and protocol
// types and lengths, operation, sender and target addresses.
const (
	arpLen      = 28
	arpRequest  = 1
	arpReply    = 2
	minFrameLen = 60 // Ethernet's minimum without the FCS (IEEE 802.3)
)

// arpQuery is a parsed ARP request: who has target? tell sender.
type arpQuery struct {
	senderMAC mac
	sender    netip.Addr
	target    netip.Addr
}

// parseARPRequest decodes an Ethernet/IPv4 ARP request.
func parseARPRequest(frame []byte) (arpQuery, bool) {
	var q arpQuery
	if len(frame) < ethHeaderLen+arpLen || binary.BigEndian.Uint16(frame[12:14]) != etherTypeARP {
		return q, false
	}
	a := frame[ethHeaderLen:]
	if binary.BigEndian.Uint16(a[0:2]) != 1 || binary.BigEndian.Uint16(a[2:4]) != etherTypeIPv4 ||
		a[4] != 6 || a[5] != 4 || binary.BigEndian.Uint16(a[6:8]) != arpRequest {
		return q, false
	}
	copy(q.senderMAC[:], a[8:14])
	q.sender = netip.AddrFrom4([4]byte(a[14:18]))
	q.target = netip.AddrFrom4([4]byte(a[24:28]))
	return q, true
}

// buildARPReply writes into dst (at least minFrameLen bytes) the reply
// to q saying that q.target is at ours, and returns the frame's length,
// padded to Ethernet's minimum.
func buildARPReply(dst []byte, ours mac, q arpQuery) int {
	f := dst[:minFrameLen]
	copy(f[0:6], q.senderMAC[:])
	copy(f[6:12], ours[:])
	binary.BigEndian.PutUint16(f[12:14], etherTypeARP)
	a := f[ethHeaderLen:]
	binary.BigEndian.PutUint16(a[0:2], 1) // Ethernet
	binary.BigEndian.PutUint16(a[2:4], etherTypeIPv4)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], arpReply)
	t, s := q.target.As4(), q.sender.As4()
	copy(a[8:14], ours[:])
	copy(a[14:18], t[:])
	copy(a[18:24], q.senderMAC[:])
	copy(a[24:28], s[:])
	clear(f[ethHeaderLen+arpLen:])
	return minFrameLen
}
