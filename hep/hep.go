package hep

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Chunk type IDs of the generic vendor (0x0000) that this package knows
// (HEP3 specification rev. 37, "Generic chunk types").
const (
	ChunkFamily        uint16 = 0x0001 // uint8: IP protocol family
	ChunkProtocol      uint16 = 0x0002 // uint8: IP protocol ID
	ChunkSrcIPv4       uint16 = 0x0003 // inet4-addr
	ChunkDstIPv4       uint16 = 0x0004 // inet4-addr
	ChunkSrcIPv6       uint16 = 0x0005 // inet6-addr
	ChunkDstIPv6       uint16 = 0x0006 // inet6-addr
	ChunkSrcPort       uint16 = 0x0007 // uint16
	ChunkDstPort       uint16 = 0x0008 // uint16
	ChunkTimeSec       uint16 = 0x0009 // uint32: seconds since the epoch
	ChunkTimeUsec      uint16 = 0x000a // uint32: microseconds offset
	ChunkProtoType     uint16 = 0x000b // uint8: captured protocol (ProtoSIP)
	ChunkCaptureID     uint16 = 0x000c // uint32: capture agent ID
	ChunkKeepAlive     uint16 = 0x000d // uint16: keep-alive timer (read, never written)
	ChunkAuthKey       uint16 = 0x000e // octets: authentication key
	ChunkPayload       uint16 = 0x000f // octets: captured packet payload
	ChunkCompressed    uint16 = 0x0010 // octets: compressed payload (skipped)
	ChunkCorrelationID uint16 = 0x0011 // octets: internal correlation ID
	ChunkNodeName      uint16 = 0x0013 // octets: capture node name
)

// The padding chunk: the UDP exporter pads HEP packets to one size so
// that the kernel sends a batch of them as one segmented message (UDP
// generic segmentation cuts equal segments). No HEP vendor uses this
// vendor ID nor any generic chunk this type, so collectors skip the chunk
// by its length like any chunk they do not know (HEP3 specification rev.
// 37; heplify-server, Kamailio's sipcapture and hep-js do).
const (
	VendorPadding uint16 = 0xffff
	ChunkPadding  uint16 = 0xffff
)

// Values of the family, protocol and protocol type chunks.
const (
	FamilyIPv4 uint8 = 2  // AF_INET
	FamilyIPv6 uint8 = 10 // AF_INET6 (Linux)
	ProtoUDP   uint8 = 17
	ProtoTCP   uint8 = 6
	ProtoSIP   uint8 = 1
)

// Sizes of the packet header and of a chunk header.
const (
	HeaderLen      = 6
	ChunkHeaderLen = 6
	// MaxPacketLen is the largest packet the 16-bit length can describe.
	MaxPacketLen = 0xffff
)

// magic is the HEP3 identifier; magicEEP the "EEP3" alias the
// specification allows for the same format.
var (
	magic    = [4]byte{'H', 'E', 'P', '3'}
	magicEEP = [4]byte{'E', 'E', 'P', '3'}
)

// Errors of Encode and Decode.
var (
	// ErrNotHEP3 means the data does not start with "HEP3" (or "EEP3").
	ErrNotHEP3 = errors.New("hep: not a HEP3 packet")
	// ErrTruncated means a length points past the end of the data.
	ErrTruncated = errors.New("hep: truncated packet")
	// ErrBadLength means a packet or chunk length is impossible (below
	// its header size) or a fixed-size chunk has the wrong size.
	ErrBadLength = errors.New("hep: bad length")
	// ErrTooLarge means the packet would exceed 65535 octets.
	ErrTooLarge = errors.New("hep: packet larger than 65535 octets")
	// ErrAddress means the source and destination addresses are missing
	// or cannot be encoded.
	ErrAddress = errors.New("hep: bad address")
)

// Packet is one HEP3 packet's fields. Decode fills the byte slices with
// sub-slices of its input (no copies); Encode reads them.
type Packet struct {
	// Family is the IP protocol family chunk (FamilyIPv4, FamilyIPv6).
	// Encode derives it from the addresses when it is 0.
	Family uint8
	// Protocol is the IP protocol (ProtoUDP, ProtoTCP).
	Protocol uint8
	// Src and Dst are the captured packet's addresses. A decoded packet
	// without an address chunk has an invalid Addr but may have a port.
	Src, Dst netip.AddrPort
	// Seconds and Micros are the capture time stamp.
	Seconds, Micros uint32
	// ProtoType is the captured protocol (ProtoSIP).
	ProtoType uint8
	// CaptureID is the capture agent ID.
	CaptureID uint32
	// AuthKey is the authentication key; nil leaves the chunk out.
	AuthKey []byte
	// NodeName is the capture node name; nil leaves the chunk out.
	NodeName []byte
	// Payload is the captured packet (the SIP message).
	Payload []byte
	// CorrelationID is the correlation ID (the SIP Call-ID); nil leaves
	// the chunk out.
	CorrelationID []byte
	// KeepAlive is the keep-alive timer chunk of a decoded packet; Encode
	// never writes it.
	KeepAlive uint16
	// Skipped counts the chunks Decode did not know and skipped.
	Skipped int
}

// Time returns the packet's time stamp.
func (p *Packet) Time() time.Time {
	return time.Unix(int64(p.Seconds), int64(p.Micros)*int64(time.Microsecond))
}

// SetTime sets the time stamp to t, truncated to microseconds.
func (p *Packet) SetTime(t time.Time) {
	setTimeNanos(p, t.UnixNano())
}

func setTimeNanos(p *Packet, ns int64) {
	p.Seconds = uint32(ns / int64(time.Second))
	p.Micros = uint32(ns % int64(time.Second) / int64(time.Microsecond))
}

// EncodedLen returns the size Encode produces for p, which may exceed
// MaxPacketLen (Encode then fails).
func (p *Packet) EncodedLen() int {
	n := HeaderLen + 2*(ChunkHeaderLen+1) + // family, protocol
		2*(ChunkHeaderLen+2) + // ports
		2*(ChunkHeaderLen+4) + // time stamp
		ChunkHeaderLen + 1 + // protocol type
		ChunkHeaderLen + 4 + // capture ID
		ChunkHeaderLen + len(p.Payload)
	if p.v6() {
		n += 2 * (ChunkHeaderLen + 16)
	} else {
		n += 2 * (ChunkHeaderLen + 4)
	}
	for _, b := range [...][]byte{p.AuthKey, p.NodeName, p.CorrelationID} {
		if b != nil {
			n += ChunkHeaderLen + len(b)
		}
	}
	return n
}

// v6 reports whether the addresses need the IPv6 chunks: either one is an
// IPv6 address (an IPv4-mapped one counts as IPv4).
func (p *Packet) v6() bool {
	is6 := func(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }
	return is6(p.Src.Addr()) || is6(p.Dst.Addr())
}

// Append encodes p as a HEP3 packet appended to dst. Both addresses must
// be valid; when one is IPv6 both go out as IPv6 (an IPv4 one mapped). It
// fails with ErrTooLarge when the packet would exceed 65535 octets and
// with ErrAddress when an address is missing; dst is then returned
// unchanged.
func Append(dst []byte, p *Packet) ([]byte, error) {
	n := p.EncodedLen()
	if n > MaxPacketLen {
		return dst, fmt.Errorf("%w: %d octets", ErrTooLarge, n)
	}
	if !p.Src.Addr().IsValid() || !p.Dst.Addr().IsValid() {
		return dst, fmt.Errorf("%w: source %v, destination %v", ErrAddress, p.Src, p.Dst)
	}
	v6 := p.v6()
	family := p.Family
	if family == 0 {
		family = FamilyIPv4
		if v6 {
			family = FamilyIPv6
		}
	}
	dst = append(dst, magic[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	dst = appendU8(dst, ChunkFamily, family)
	dst = appendU8(dst, ChunkProtocol, p.Protocol)
	if v6 {
		src, dstIP := p.Src.Addr().As16(), p.Dst.Addr().As16()
		dst = appendOctets(dst, ChunkSrcIPv6, src[:])
		dst = appendOctets(dst, ChunkDstIPv6, dstIP[:])
	} else {
		src, dstIP := p.Src.Addr().Unmap().As4(), p.Dst.Addr().Unmap().As4()
		dst = appendOctets(dst, ChunkSrcIPv4, src[:])
		dst = appendOctets(dst, ChunkDstIPv4, dstIP[:])
	}
	dst = appendU16(dst, ChunkSrcPort, p.Src.Port())
	dst = appendU16(dst, ChunkDstPort, p.Dst.Port())
	dst = appendU32(dst, ChunkTimeSec, p.Seconds)
	dst = appendU32(dst, ChunkTimeUsec, p.Micros)
	dst = appendU8(dst, ChunkProtoType, p.ProtoType)
	dst = appendU32(dst, ChunkCaptureID, p.CaptureID)
	if p.AuthKey != nil {
		dst = appendOctets(dst, ChunkAuthKey, p.AuthKey)
	}
	if p.NodeName != nil {
		dst = appendOctets(dst, ChunkNodeName, p.NodeName)
	}
	dst = appendOctets(dst, ChunkPayload, p.Payload)
	if p.CorrelationID != nil {
		dst = appendOctets(dst, ChunkCorrelationID, p.CorrelationID)
	}
	return dst, nil
}

// Pad grows the encoded packet frame to size octets with a padding chunk
// of zeros (VendorPadding, ChunkPadding) and fixes the packet's total
// length. It returns frame unchanged when size equals its length, and
// ErrBadLength when size is smaller, too close above it for a chunk
// header (1 to 5 octets more) or above MaxPacketLen.
func Pad(frame []byte, size int) ([]byte, error) {
	d := size - len(frame)
	switch {
	case d == 0:
		return frame, nil
	case d < ChunkHeaderLen || size > MaxPacketLen || len(frame) < HeaderLen:
		return frame, fmt.Errorf("%w: cannot pad %d octets to %d", ErrBadLength, len(frame), size)
	}
	binary.BigEndian.PutUint16(frame[4:], uint16(size))
	frame = binary.BigEndian.AppendUint16(frame, VendorPadding)
	frame = binary.BigEndian.AppendUint16(frame, ChunkPadding)
	frame = binary.BigEndian.AppendUint16(frame, uint16(d))
	n := len(frame)
	frame = slices.Grow(frame, size-n)[:size]
	clear(frame[n:])
	return frame, nil
}

func appendChunkHeader(dst []byte, typ uint16, payloadLen int) []byte {
	dst = binary.BigEndian.AppendUint16(dst, 0) // generic vendor
	dst = binary.BigEndian.AppendUint16(dst, typ)
	return binary.BigEndian.AppendUint16(dst, uint16(ChunkHeaderLen+payloadLen))
}

func appendU8(dst []byte, typ uint16, v uint8) []byte {
	return append(appendChunkHeader(dst, typ, 1), v)
}

func appendU16(dst []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(appendChunkHeader(dst, typ, 2), v)
}

func appendU32(dst []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendChunkHeader(dst, typ, 4), v)
}

func appendOctets(dst []byte, typ uint16, v []byte) []byte {
	return append(appendChunkHeader(dst, typ, len(v)), v...)
}
