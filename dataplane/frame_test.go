package dataplane

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// naiveChecksum is RFC 1071 word by word, the reference for checksum.
func naiveChecksum(b []byte, initial uint32) uint16 {
	s := initial
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
		s = (s & 0xffff) + s>>16
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = (s & 0xffff) + s>>16
	}
	return ^uint16(s)
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestChecksumVectors(t *testing.T) {
	cases := []struct {
		name string
		data string
		want uint16
	}{
		// RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
		{"RFC 1071 example", "0001f203f4f5f6f7", ^uint16(0xddf2)},
		// An IPv4 header (20 bytes, checksum field zeroed) whose checksum is b861.
		{"IPv4 header", "450000730000400040110000c0a80001c0a800c7", 0xb861},
		{"odd length", "0001f203f4f5f6f7f8", ^uint16(0xd5f3)}, // ddf2 + f800 = 1d5f2, folded d5f3
		{"empty", "", 0xffff},
		{"all ones", "ffffffff", 0x0000},
	}
	for _, tc := range cases {
		if got := checksum(unhex(t, tc.data), 0); got != tc.want {
			t.Errorf("%s: %04x, want %04x", tc.name, got, tc.want)
		}
	}
	// A header holding its checksum sums to zero (RFC 791 §3.1).
	h := unhex(t, "45000073000040004011b861c0a80001c0a800c7")
	if got := checksum(h, 0); got != 0 {
		t.Errorf("verifying a correct header: %04x, want 0", got)
	}
}

func TestChecksumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2100)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	for n := 0; n <= len(buf); n++ {
		for _, off := range []int{0, 1, 3} {
			if off+n > len(buf) {
				continue
			}
			b := buf[off : off+n]
			if got, want := checksum(b, 0), naiveChecksum(b, 0); got != want {
				t.Fatalf("length %d offset %d: %04x, reference %04x", n, off, got, want)
			}
		}
	}
	// Runs of 0xff stress the carries.
	ff := bytes.Repeat([]byte{0xff}, 1001)
	if got, want := checksum(ff, 0xffffffff), naiveChecksum(ff, 0xffff+0xffff); got != want {
		t.Fatalf("all-ones: %04x, reference %04x", got, want)
	}
}

// TestUDPChecksumVector checks the checksum of a DNS query segment
// (192.168.1.2:53421 → 8.8.8.8:53) against the RFC 768 definition,
// computed word by word, and that the receiver's check sums to zero.
func TestUDPChecksumVector(t *testing.T) {
	seg := unhex(t, "d0ad0035002100001234010000010000000000000377777706676f6f676c6503636f6d0000010001")
	got := udpChecksum([4]byte{192, 168, 1, 2}, [4]byte{8, 8, 8, 8}, seg)
	// Reference: pseudo-header + segment, word by word.
	pseudo := []byte{192, 168, 1, 2, 8, 8, 8, 8, 0, 17, 0, byte(len(seg))}
	want := naiveChecksum(append(pseudo, seg...), 0)
	if got != want {
		t.Fatalf("udp checksum %04x, reference %04x", got, want)
	}
	// Writing it in and summing again gives zero (the receiver's check).
	binary.BigEndian.PutUint16(seg[6:], got)
	if c := naiveChecksum(append(pseudo, seg...), 0); c != 0 {
		t.Fatalf("verification sum %04x, want 0", c)
	}
}

func TestBuildParseUDP(t *testing.T) {
	src := netip.MustParseAddrPort("10.0.0.1:5060")
	dst := netip.MustParseAddrPort("10.0.0.2:5070")
	smac, dmac := mac{2, 0, 0, 0, 0, 1}, mac{2, 0, 0, 0, 0, 2}
	for _, size := range []int{0, 1, 2, 3, 577, 1472} {
		payload := bytes.Repeat([]byte{'a' + byte(size%26)}, size)
		buf := make([]byte, 2048)
		n := buildUDP(buf, smac, dmac, src, dst, 0x1234, payload)
		if n != udpFrameOverhead+size {
			t.Fatalf("size %d: frame %d bytes", size, n)
		}
		frame := buf[:n]
		if !bytes.Equal(frame[0:6], dmac[:]) || !bytes.Equal(frame[6:12], smac[:]) ||
			binary.BigEndian.Uint16(frame[12:]) != etherTypeIPv4 {
			t.Fatalf("Ethernet header %x", frame[:14])
		}
		ip := frame[14:34]
		if ip[0] != 0x45 || ip[9] != protoUDP || ip[8] != 64 || binary.BigEndian.Uint16(ip[2:]) != uint16(28+size) ||
			binary.BigEndian.Uint16(ip[4:]) != 0x1234 || checksum(ip, 0) != 0 {
			t.Fatalf("IPv4 header %x", ip)
		}
		udp := frame[34:]
		pseudo := append([]byte{10, 0, 0, 1, 10, 0, 0, 2, 0, 17}, byte((8+size)>>8), byte(8+size))
		if naiveChecksum(append(pseudo, udp...), 0) != 0 {
			t.Fatalf("size %d: UDP checksum %x does not verify", size, udp[6:8])
		}
		f, ok := parseUDP(frame)
		if !ok || f.src != src || f.dst != dst || f.srcMAC != smac || !bytes.Equal(f.payload, payload) {
			t.Fatalf("size %d: parsed %+v %v", size, f, ok)
		}
	}
}

func TestParseUDPRejects(t *testing.T) {
	good := make([]byte, 2048)
	n := buildUDP(good, mac{}, mac{}, netip.MustParseAddrPort("10.0.0.1:1"), netip.MustParseAddrPort("10.0.0.2:2"), 1, []byte("hello"))
	good = good[:n]
	mutate := func(f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b)
		return b
	}
	fixIP := func(b []byte) {
		b[24], b[25] = 0, 0
		binary.BigEndian.PutUint16(b[24:], checksum(b[14:34], 0))
	}
	cases := map[string][]byte{
		"short":            good[:40],
		"ARP":              mutate(func(b []byte) { binary.BigEndian.PutUint16(b[12:], etherTypeARP) }),
		"IPv6 version":     mutate(func(b []byte) { b[14] = 0x65; fixIP(b) }),
		"header too short": mutate(func(b []byte) { b[14] = 0x44; fixIP(b) }),
		"TCP":              mutate(func(b []byte) { b[23] = 6; fixIP(b) }),
		"more fragments":   mutate(func(b []byte) { b[20] = 0x20; fixIP(b) }),
		"fragment offset":  mutate(func(b []byte) { b[21] = 1; fixIP(b) }),
		"bad IP checksum":  mutate(func(b []byte) { b[24] ^= 1 }),
		"total too long":   mutate(func(b []byte) { binary.BigEndian.PutUint16(b[16:], 2000); fixIP(b) }),
		"UDP length long":  mutate(func(b []byte) { binary.BigEndian.PutUint16(b[38:], 100) }),
		"UDP length short": mutate(func(b []byte) { binary.BigEndian.PutUint16(b[38:], 7) }),
	}
	if _, ok := parseUDP(good); !ok {
		t.Fatal("good frame refused")
	}
	for name, b := range cases {
		if f, ok := parseUDP(b); ok {
			t.Errorf("%s: accepted: %+v", name, f)
		}
	}
	// Ethernet padding after the datagram is ignored.
	padded := append(bytes.Clone(good), 0, 0, 0, 0)
	if f, ok := parseUDP(padded); !ok || string(f.payload) != "hello" {
		t.Errorf("padded frame: %q %v", f.payload, ok)
	}
}

func TestBuildParseNoAllocs(t *testing.T) {
	buf := make([]byte, 2048)
	payload := bytes.Repeat([]byte("x"), 600)
	src, dst := netip.MustParseAddrPort("10.0.0.1:5060"), netip.MustParseAddrPort("10.0.0.2:5060")
	allocs := testing.AllocsPerRun(100, func() {
		n := buildUDP(buf, mac{}, mac{}, src, dst, 7, payload)
		if _, ok := parseUDP(buf[:n]); !ok {
			t.Fatal("parse")
		}
	})
	if allocs != 0 {
		t.Fatalf("allocs %v", allocs)
	}
}

func BenchmarkChecksum(b *testing.B) {
	buf := make([]byte, 1200)
	b.Run("1200B/gossip", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			checksum(buf, 0)
		}
	})
	b.Run("1200B/naive", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			naiveChecksum(buf, 0)
		}
	})
}

func TestARPRequestReply(t *testing.T) {
	peer, ours := mac{2, 0, 0, 0, 0, 2}, mac{2, 0, 0, 0, 0, 1}
	// who has 10.10.0.7? tell 10.77.0.2 (RFC 826), broadcast, padded.
	req := unhex(t, "ffffffffffff020000000002"+"0806"+"0001080006040001"+"020000000002"+"0a4d0002"+
		"000000000000"+"0a0a0007"+"000000000000000000000000000000000000")
	q, ok := parseARPRequest(req)
	if !ok || q.senderMAC != peer || q.sender != netip.MustParseAddr("10.77.0.2") || q.target != netip.MustParseAddr("10.10.0.7") {
		t.Fatalf("parsed %+v %v", q, ok)
	}
	buf := make([]byte, 128)
	n := buildARPReply(buf, ours, q)
	want := unhex(t, "020000000002020000000001"+"0806"+"0001080006040002"+"020000000001"+"0a0a0007"+
		"020000000002"+"0a4d0002"+"000000000000000000000000000000000000")
	if n != 60 || !bytes.Equal(buf[:n], want) {
		t.Fatalf("reply\n got %x\nwant %x", buf[:n], want)
	}
	// A reply is not a request; IPv6 neighbour discovery is not ARP.
	if _, ok := parseARPRequest(buf[:n]); ok {
		t.Error("a reply parsed as a request")
	}
	if _, ok := parseARPRequest(req[:30]); ok {
		t.Error("a truncated request parsed")
	}
}
