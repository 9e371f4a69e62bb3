package hep

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// PacketLen reads the header at the start of b and returns the packet's
// total length. It needs only the six header octets.
func PacketLen(b []byte) (int, error) {
	if len(b) < HeaderLen {
		return 0, fmt.Errorf("%w: %d octets, the header has %d", ErrTruncated, len(b), HeaderLen)
	}
	if [4]byte(b[:4]) != magic && [4]byte(b[:4]) != magicEEP {
		return 0, fmt.Errorf("%w: starts with %q", ErrNotHEP3, b[:4])
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if n < HeaderLen {
		return 0, fmt.Errorf("%w: total length %d", ErrBadLength, n)
	}
	return n, nil
}

// Decode reads the HEP3 packet at the start of b; octets after its total
// length are ignored. The Packet's byte slices point into b. Unknown
// chunks are skipped by their length (and counted in Skipped); a length
// that points past the packet, a chunk shorter than its header or a
// fixed-size chunk of the wrong size is an error wrapping ErrTruncated or
// ErrBadLength.
func Decode(b []byte) (Packet, error) {
	var p Packet
	n, err := PacketLen(b)
	if err != nil {
		return p, err
	}
	if n > len(b) {
		return p, fmt.Errorf("%w: total length %d, have %d octets", ErrTruncated, n, len(b))
	}
	var (
		src, dst         netip.Addr
		srcPort, dstPort uint16
	)
	for off := HeaderLen; off < n; {
		if n-off < ChunkHeaderLen {
			return p, fmt.Errorf("%w: %d octets left at offset %d, a chunk header has %d",
				ErrTruncated, n-off, off, ChunkHeaderLen)
		}
		vendor := binary.BigEndian.Uint16(b[off:])
		typ := binary.BigEndian.Uint16(b[off+2:])
		clen := int(binary.BigEndian.Uint16(b[off+4:]))
		if clen < ChunkHeaderLen {
			return p, fmt.Errorf("%w: chunk 0x%04x/0x%04x at offset %d has length %d",
				ErrBadLength, vendor, typ, off, clen)
		}
		if clen > n-off {
			return p, fmt.Errorf("%w: chunk 0x%04x/0x%04x at offset %d has length %d, %d octets left",
				ErrTruncated, vendor, typ, off, clen, n-off)
		}
		v := b[off+ChunkHeaderLen : off+clen]
		off += clen
		if vendor != 0 {
			p.Skipped++
			continue
		}
		want := fixedSize(typ)
		if want > 0 && len(v) != want {
			return p, fmt.Errorf("%w: chunk 0x%04x has %d payload octets, want %d", ErrBadLength, typ, len(v), want)
		}
		switch typ {
		case ChunkFamily:
			p.Family = v[0]
		case ChunkProtocol:
			p.Protocol = v[0]
		case ChunkSrcIPv4:
			src = netip.AddrFrom4([4]byte(v))
		case ChunkDstIPv4:
			dst = netip.AddrFrom4([4]byte(v))
		case ChunkSrcIPv6:
			src = netip.AddrFrom16([16]byte(v))
		case ChunkDstIPv6:
			dst = netip.AddrFrom16([16]byte(v))
		case ChunkSrcPort:
			srcPort = binary.BigEndian.Uint16(v)
		case ChunkDstPort:
			dstPort = binary.BigEndian.Uint16(v)
		case ChunkTimeSec:
			p.Seconds = binary.BigEndian.Uint32(v)
		case ChunkTimeUsec:
			p.Micros = binary.BigEndian.Uint32(v)
		case ChunkProtoType:
			p.ProtoType = v[0]
		case ChunkCaptureID:
			p.CaptureID = binary.BigEndian.Uint32(v)
		case ChunkKeepAlive:
			p.KeepAlive = binary.BigEndian.Uint16(v)
		case ChunkAuthKey:
			p.AuthKey = v
		case ChunkPayload:
			p.Payload = v
		case ChunkCorrelationID:
			p.CorrelationID = v
		case ChunkNodeName:
			p.NodeName = v
		default:
			p.Skipped++
		}
	}
	p.Src = netip.AddrPortFrom(src, srcPort)
	p.Dst = netip.AddrPortFrom(dst, dstPort)
	return p, nil
}

// fixedSize is the payload size of a fixed-size generic chunk, or 0.
func fixedSize(typ uint16) int {
	switch typ {
	case ChunkFamily, ChunkProtocol, ChunkProtoType:
		return 1
	case ChunkSrcPort, ChunkDstPort, ChunkKeepAlive:
		return 2
	case ChunkSrcIPv4, ChunkDstIPv4, ChunkTimeSec, ChunkTimeUsec, ChunkCaptureID:
		return 4
	case ChunkSrcIPv6, ChunkDstIPv6:
		return 16
	}
	return 0
}

// Reader reads HEP3 packets from a stream (a TCP connection), where each
// packet's total length delimits it from the next.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), buf: make([]byte, MaxPacketLen)}
}

// Next reads the next packet and returns it decoded together with its raw
// octets; both stay valid until the next call. At the end of the stream
// between packets it returns io.EOF; a stream that ends inside a packet
// returns an error wrapping ErrTruncated and io.ErrUnexpectedEOF. After a
// packet that does not decode the stream cannot be resynchronised: the
// caller should close it.
func (r *Reader) Next() (Packet, []byte, error) {
	if _, err := io.ReadFull(r.r, r.buf[:HeaderLen]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %w", ErrTruncated, err)
		}
		return Packet{}, nil, err
	}
	n, err := PacketLen(r.buf[:HeaderLen])
	if err != nil {
		return Packet{}, nil, err
	}
	if _, err := io.ReadFull(r.r, r.buf[HeaderLen:n]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Packet{}, nil, fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	p, err := Decode(r.buf[:n])
	return p, r.buf[:n], err
}
