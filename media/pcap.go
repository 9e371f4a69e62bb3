package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"
)

// ErrPcap is wrapped by every error about a pcap file's content.
var ErrPcap = errors.New("bad pcap file")

// Packet is one UDP datagram of a capture.
type Packet struct {
	// At is when the packet goes out, relative to the first one: the sum
	// of the positive gaps between capture timestamps (SIPp's
	// send_packets sends a packet stamped earlier than the one before
	// it at once).
	At      time.Duration
	DstPort uint16 // the captured UDP destination port
	Payload []byte // the UDP payload (RTP for a voice capture)
}

// Pcap is a capture loaded for replay: its UDP packets in file order.
type Pcap struct {
	Name    string
	Packets []Packet
	// Base is the lowest captured destination port. A packet goes to the
	// remote media port plus its DstPort-Base, as in SIPp, so a capture
	// of RTP and RTCP keeps them on adjacent ports.
	Base uint16
	// Bytes is the sum of the payload lengths.
	Bytes int
}

// Duration is when the last packet goes out.
func (p *Pcap) Duration() time.Duration {
	if len(p.Packets) == 0 {
		return 0
	}
	return p.Packets[len(p.Packets)-1].At
}

// Link-layer header types (https://www.tcpdump.org/linktypes.html).
const (
	linkEthernet = 1
	linkRawBSD   = 12 // DLT_RAW on most platforms
	linkRawOBSD  = 14 // DLT_RAW on OpenBSD
	linkRaw      = 101
	linkLinuxSLL = 113
	linkIPv4     = 228
	linkIPv6     = 229
)

const (
	magicMicro = 0xa1b2c3d4
	magicNano  = 0xa1b23c4d
	maxPacket  = 65535
	protoUDP   = 17
)

// ReadPcap loads a capture file in the classic libpcap format (either
// byte order, microsecond or nanosecond timestamps) whose link type is
// Ethernet (with or without one 802.1Q tag), Linux cooked (SLL) or raw
// IP. It keeps the UDP datagrams over IPv4 or IPv6 and skips other
// packets, as SIPp does. Errors name the file and the packet (counted
// from 1) and wrap ErrPcap.
func ReadPcap(name string) (*Pcap, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	return ParsePcap(data, name)
}

// ParsePcap is ReadPcap on a file's content; name is for errors.
func ParsePcap(data []byte, name string) (*Pcap, error) {
	bad := func(n int, format string, args ...any) error {
		where := name
		if n > 0 {
			where = fmt.Sprintf("%s: packet %d", name, n)
		}
		return fmt.Errorf("%s: %s: %w", where, fmt.Sprintf(format, args...), ErrPcap)
	}
	if len(data) < 24 {
		return nil, bad(0, "%d bytes: too short for a pcap file header (24 bytes)", len(data))
	}
	var bo binary.ByteOrder
	nano := false
	switch m := binary.LittleEndian.Uint32(data); m {
	case magicMicro, magicNano:
		bo, nano = binary.LittleEndian, m == magicNano
	default:
		switch binary.BigEndian.Uint32(data) {
		case magicMicro:
			bo = binary.BigEndian
		case magicNano:
			bo, nano = binary.BigEndian, true
		default:
			if m == 0x0a0d0d0a {
				return nil, bad(0, "pcapng format: save the capture as classic pcap (editcap -F pcap)")
			}
			return nil, bad(0, "magic number %#08x is not a pcap file's", m)
		}
	}
	link := bo.Uint32(data[20:]) & 0x0fffffff // the upper bits are FCS flags
	switch link {
	case linkEthernet, linkRawBSD, linkRawOBSD, linkRaw, linkLinuxSLL, linkIPv4, linkIPv6:
	default:
		return nil, bad(0, "link type %d is not supported (Ethernet, Linux cooked or raw IP)", link)
	}
	pc := &Pcap{Name: name, Base: 0xffff}
	var last int64
	var at time.Duration
	off := 24
	for n := 1; off < len(data); n++ {
		if len(data)-off < 16 {
			return nil, bad(n, "truncated record header (%d of 16 bytes)", len(data)-off)
		}
		h := data[off : off+16]
		sec, frac := int64(bo.Uint32(h)), int64(bo.Uint32(h[4:]))
		incl, orig := int(bo.Uint32(h[8:])), int(bo.Uint32(h[12:]))
		off += 16
		if incl > len(data)-off {
			return nil, bad(n, "truncated: %d bytes captured, %d left in the file", incl, len(data)-off)
		}
		if incl != orig {
			return nil, bad(n, "captured %d of %d bytes: capture again with the whole packet (tcpdump -s0)", incl, orig)
		}
		frame := data[off : off+incl]
		off += incl
		ts := sec * 1e9
		if nano {
			ts += frac
		} else {
			ts += frac * 1e3
		}
		dport, payload, err := udpOf(link, frame)
		if err != nil {
			return nil, bad(n, "%v", err)
		}
		if payload == nil {
			continue // not UDP over IP: skipped, as SIPp does
		}
		if len(pc.Packets) == 0 {
			last = ts
		}
		if ts > last {
			at += time.Duration(ts - last)
		}
		last = ts
		pc.Packets = append(pc.Packets, Packet{At: at, DstPort: dport, Payload: payload})
		pc.Bytes += len(payload)
		pc.Base = min(pc.Base, dport)
	}
	if len(pc.Packets) == 0 {
		return nil, bad(0, "no UDP packet over IPv4 or IPv6")
	}
	return pc, nil
}

// udpOf finds the UDP datagram of a frame: its destination port and its
// payload, or a nil payload for a packet that is not UDP over IP.
func udpOf(link uint32, f []byte) (uint16, []byte, error) {
	ip := f
	etherType := -1
	switch link {
	case linkEthernet:
		if len(f) < 14 {
			return 0, nil, fmt.Errorf("%d bytes: too short for an Ethernet header", len(f))
		}
		etherType, ip = int(binary.BigEndian.Uint16(f[12:])), f[14:]
		if etherType == 0x8100 { // 802.1Q VLAN tag
			if len(f) < 18 {
				return 0, nil, fmt.Errorf("%d bytes: too short for an 802.1Q header", len(f))
			}
			etherType, ip = int(binary.BigEndian.Uint16(f[16:])), f[18:]
		}
	case linkLinuxSLL:
		if len(f) < 16 {
			return 0, nil, fmt.Errorf("%d bytes: too short for a Linux cooked header", len(f))
		}
		etherType, ip = int(binary.BigEndian.Uint16(f[14:])), f[16:]
	}
	if etherType >= 0 && etherType != 0x0800 && etherType != 0x86dd {
		return 0, nil, nil
	}
	if len(ip) < 1 {
		return 0, nil, errors.New("empty IP packet")
	}
	var udp []byte
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < 20 {
			return 0, nil, fmt.Errorf("%d bytes: too short for an IPv4 header", len(ip))
		}
		hl := int(ip[0]&0x0f) * 4
		if hl < 20 || hl > len(ip) {
			return 0, nil, fmt.Errorf("IPv4 header length %d does not fit in %d bytes", hl, len(ip))
		}
		if ip[9] != protoUDP {
			return 0, nil, nil
		}
		if off := binary.BigEndian.Uint16(ip[6:]) & 0x1fff; off != 0 {
			return 0, nil, nil // a later fragment: no UDP header
		}
		udp = ip[hl:]
	case 6:
		if len(ip) < 40 {
			return 0, nil, fmt.Errorf("%d bytes: too short for an IPv6 header", len(ip))
		}
		if ip[6] != protoUDP {
			return 0, nil, nil // extension headers are not followed, as in SIPp
		}
		udp = ip[40:]
	default:
		return 0, nil, fmt.Errorf("IP version %d", ip[0]>>4)
	}
	if len(udp) < 8 {
		return 0, nil, fmt.Errorf("%d bytes: too short for a UDP header", len(udp))
	}
	ulen := int(binary.BigEndian.Uint16(udp[4:]))
	if ulen < 8 || ulen > len(udp) {
		return 0, nil, fmt.Errorf("UDP length %d does not fit in the %d bytes captured", ulen, len(udp))
	}
	return binary.BigEndian.Uint16(udp[2:]), udp[8:ulen:ulen], nil
}
