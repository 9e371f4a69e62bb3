package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pcapFile builds a classic pcap file: order, nanosecond magic, link type
// and records (each a timestamp in ns and a frame).
type rec struct {
	ts    int64
	frame []byte
	orig  int // 0: len(frame)
}

func pcapFile(bo binary.ByteOrder, nano bool, link uint32, recs ...rec) []byte {
	var b bytes.Buffer
	magic := uint32(magicMicro)
	if nano {
		magic = magicNano
	}
	hdr := make([]byte, 24)
	bo.PutUint32(hdr, magic)
	bo.PutUint16(hdr[4:], 2)
	bo.PutUint16(hdr[6:], 4)
	bo.PutUint32(hdr[16:], 65535)
	bo.PutUint32(hdr[20:], link)
	b.Write(hdr)
	for _, r := range recs {
		h := make([]byte, 16)
		bo.PutUint32(h, uint32(r.ts/1e9))
		if nano {
			bo.PutUint32(h[4:], uint32(r.ts%1e9))
		} else {
			bo.PutUint32(h[4:], uint32(r.ts%1e9/1e3))
		}
		bo.PutUint32(h[8:], uint32(len(r.frame)))
		orig := r.orig
		if orig == 0 {
			orig = len(r.frame)
		}
		bo.PutUint32(h[12:], uint32(orig))
		b.Write(h)
		b.Write(r.frame)
	}
	return b.Bytes()
}

func udp(dport uint16, payload string) []byte {
	u := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(u, 4000)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	return append(u, payload...)
}

func ipv4(proto byte, l4 []byte) []byte {
	h := make([]byte, 20, 20+len(l4))
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(l4)))
	h[8], h[9] = 64, proto
	copy(h[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	return append(h, l4...)
}

func ipv6(next byte, l4 []byte) []byte {
	h := make([]byte, 40, 40+len(l4))
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(l4)))
	h[6], h[7] = next, 64
	h[23], h[39] = 1, 2
	return append(h, l4...)
}

func ether(etherType uint16, ip []byte) []byte {
	f := make([]byte, 14, 14+len(ip))
	binary.BigEndian.PutUint16(f[12:], etherType)
	return append(f, ip...)
}

func vlan(ip []byte) []byte {
	f := make([]byte, 18, 18+len(ip))
	binary.BigEndian.PutUint16(f[12:], 0x8100)
	binary.BigEndian.PutUint16(f[16:], 0x0800)
	return append(f, ip...)
}

func sll(etherType uint16, ip []byte) []byte {
	f := make([]byte, 16, 16+len(ip))
	binary.BigEndian.PutUint16(f[14:], etherType)
	return append(f, ip...)
}

func TestPcapRead(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	three := func(wrap func([]byte) []byte) []rec {
		return []rec{
			{ts: 1_000_000_000, frame: wrap(ipv4(protoUDP, udp(6000, "one")))},
			{ts: 1_020_000_000, frame: wrap(ipv4(protoUDP, udp(6001, "two")))},
			{ts: 1_040_000_000, frame: wrap(ipv4(protoUDP, udp(6000, "three")))},
		}
	}
	eth := func(ip []byte) []byte { return ether(0x0800, ip) }
	raw := func(ip []byte) []byte { return ip }
	sllw := func(ip []byte) []byte { return sll(0x0800, ip) }
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"ethernet/le/micro", pcapFile(le, false, linkEthernet, three(eth)...)},
		{"ethernet/be/micro", pcapFile(be, false, linkEthernet, three(eth)...)},
		{"ethernet/le/nano", pcapFile(le, true, linkEthernet, three(eth)...)},
		{"ethernet/be/nano", pcapFile(be, true, linkEthernet, three(eth)...)},
		{"vlan", pcapFile(le, false, linkEthernet, three(vlan)...)},
		{"sll", pcapFile(le, false, linkLinuxSLL, three(sllw)...)},
		{"raw101", pcapFile(be, false, linkRaw, three(raw)...)},
		{"raw12", pcapFile(le, false, linkRawBSD, three(raw)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pc, err := ParsePcap(tc.file, "t.pcap")
			if err != nil {
				t.Fatal(err)
			}
			want := []Packet{{0, 6000, []byte("one")}, {20 * time.Millisecond, 6001, []byte("two")}, {40 * time.Millisecond, 6000, []byte("three")}}
			if len(pc.Packets) != len(want) || pc.Base != 6000 || pc.Bytes != 11 {
				t.Fatalf("%d packets, base %d, %d bytes; want 3, 6000, 11", len(pc.Packets), pc.Base, pc.Bytes)
			}
			for i, p := range pc.Packets {
				if p.At != want[i].At || p.DstPort != want[i].DstPort || string(p.Payload) != string(want[i].Payload) {
					t.Errorf("packet %d = %v %d %q, want %v %d %q", i+1, p.At, p.DstPort, p.Payload, want[i].At, want[i].DstPort, want[i].Payload)
				}
			}
		})
	}

	t.Run("ipv6/skips/backwards", func(t *testing.T) {
		f := pcapFile(le, true, linkEthernet,
			rec{ts: 5_000_000_000, frame: ether(0x0806, make([]byte, 28))},               // ARP: skipped
			rec{ts: 5_000_000_100, frame: ether(0x86dd, ipv6(protoUDP, udp(7002, "a")))}, // first kept
			rec{ts: 5_000_000_200, frame: ether(0x0800, ipv4(6, make([]byte, 20)))},      // TCP: skipped
			rec{ts: 5_000_000_050, frame: ether(0x86dd, ipv6(protoUDP, udp(7000, "b")))}, // stamped earlier: sent at once
			rec{ts: 5_000_001_050, frame: ether(0x86dd, ipv6(protoUDP, udp(7000, "c")))},
		)
		pc, err := ParsePcap(f, "v6.pcap")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pc.Packets {
			got = append(got, string(p.Payload)+"@"+p.At.String())
		}
		if g := strings.Join(got, " "); g != "a@0s b@0s c@1µs" || pc.Base != 7000 {
			t.Errorf("packets %q base %d, want \"a@0s b@100ns c@1.1µs\" base 7000", g, pc.Base)
		}
	})

	good := pcapFile(le, false, linkEthernet, three(eth)...)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"short", good[:10], "bad.pcap: 10 bytes: too short for a pcap file header (24 bytes): bad pcap file"},
		{"magic", append([]byte("not a pcap"), good[10:]...), "bad.pcap: magic number 0x20746f6e is not a pcap file's: bad pcap file"},
		{"pcapng", append([]byte{0x0a, 0x0d, 0x0d, 0x0a}, good[4:]...), "bad.pcap: pcapng format: save the capture as classic pcap (editcap -F pcap): bad pcap file"},
		{"link", pcapFile(le, false, 105, three(raw)...), "bad.pcap: link type 105 is not supported (Ethernet, Linux cooked or raw IP): bad pcap file"},
		{"truncated record header", good[:len(good)-len(three(eth)[2].frame)-6], "bad.pcap: packet 3: truncated record header (10 of 16 bytes): bad pcap file"},
		{"truncated frame", good[:len(good)-3], "bad.pcap: packet 3: truncated: 47 bytes captured, 44 left in the file: bad pcap file"},
		{"snaplen", pcapFile(le, false, linkRaw, rec{frame: ipv4(protoUDP, udp(1, "x")), orig: 100}), "bad.pcap: packet 1: captured 29 of 100 bytes: capture again with the whole packet (tcpdump -s0): bad pcap file"},
		{"udp length", pcapFile(le, false, linkRaw, rec{frame: ipv4(protoUDP, udp(1, "x"))[:28]}), "bad.pcap: packet 1: UDP length 9 does not fit in the 8 bytes captured: bad pcap file"},
		{"ip version", pcapFile(le, false, linkRaw, rec{frame: []byte{0x50, 1, 2}}), "bad.pcap: packet 1: IP version 5: bad pcap file"},
		{"no udp", pcapFile(le, false, linkEthernet, rec{frame: ether(0x0806, make([]byte, 28))}), "bad.pcap: no UDP packet over IPv4 or IPv6: bad pcap file"},
	} {
		t.Run("error/"+tc.name, func(t *testing.T) {
			_, err := ParsePcap(tc.file, "bad.pcap")
			if !errors.Is(err, ErrPcap) || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

// TestPcapReadFile reads the capture SIPp's uac_pcap plays, when the
// Debian package is installed, and a missing file.
func TestPcapReadFile(t *testing.T) {
	if _, err := ReadPcap(filepath.Join(t.TempDir(), "none.pcap")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	const g711a = "/usr/share/sip-tester/g711a.pcap"
	if _, err := os.Stat(g711a); err != nil {
		t.Skip("sip-tester's g711a.pcap is not installed")
	}
	pc, err := ReadPcap(g711a)
	if err != nil {
		t.Fatal(err)
	}
	if len(pc.Packets) != 236 || pc.Bytes != 59472 || pc.Base != 2006 || pc.Packets[0].Payload[0] != 0x80 {
		t.Errorf("g711a.pcap: %d packets, %d bytes, base %d; want 236, 59472, 2006, RTP v2", len(pc.Packets), pc.Bytes, pc.Base)
	}
}

func FuzzPcap(f *testing.F) {
	f.Add(pcapFile(binary.LittleEndian, false, linkEthernet, rec{ts: 1e9, frame: ether(0x0800, ipv4(protoUDP, udp(6000, "rtp")))}))
	f.Add(pcapFile(binary.BigEndian, true, linkLinuxSLL, rec{ts: 1e9, frame: sll(0x86dd, ipv6(protoUDP, udp(6000, "rtp")))}))
	f.Add(pcapFile(binary.LittleEndian, false, linkRaw, rec{ts: 1e9, frame: ipv4(protoUDP, udp(6000, "rtp"))}))
	f.Fuzz(func(t *testing.T, data []byte) {
		pc, err := ParsePcap(data, "fuzz.pcap")
		if err != nil {
			if !errors.Is(err, ErrPcap) {
				t.Fatalf("error %v does not wrap ErrPcap", err)
			}
			return
		}
		last := time.Duration(0)
		for _, p := range pc.Packets {
			if p.At < last || p.DstPort < pc.Base {
				t.Fatalf("packet at %v after %v, port %d below base %d", p.At, last, p.DstPort, pc.Base)
			}
			last = p.At
		}
	})
}
