package hep

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// specExample reads the 113-octet example packet of the HEP3
// specification (rev. 37) from testdata.
func specExample(t testing.TB) []byte {
	t.Helper()
	f, err := os.Open("testdata/rev37-example.hex")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), ";")
		if strings.HasPrefix(line, "#") {
			continue
		}
		b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
		if err != nil {
			t.Fatalf("testdata: %q: %v", line, err)
		}
		out = append(out, b...)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// specPacket is the example packet's fields as the specification lists
// them.
func specPacket() Packet {
	return Packet{
		Family:    FamilyIPv4,
		Protocol:  ProtoUDP,
		Src:       netip.MustParseAddrPort("212.202.0.1:12010"),
		Dst:       netip.MustParseAddrPort("82.116.0.211:5060"),
		Seconds:   1313440459,
		Micros:    120000,
		ProtoType: ProtoSIP,
		CaptureID: 228,
		Payload:   []byte("INVITE sip:bob"),
	}
}

func TestSpecExampleDecode(t *testing.T) {
	raw := specExample(t)
	if len(raw) != 113 {
		t.Fatalf("example has %d octets, the specification says 113", len(raw))
	}
	p, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !equalPacket(p, specPacket()) {
		t.Errorf("decoded\n%+v\nwant\n%+v", p, specPacket())
	}
	if got := p.Time().UTC().Format(time.RFC3339Nano); got != "2011-08-15T20:34:19.12Z" {
		t.Errorf("Time() = %s, want 2011-08-15T20:34:19.12Z (Mon Aug 15 22:34:19 2011 CEST)", got)
	}
}

func TestSpecExampleEncode(t *testing.T) {
	p := specPacket()
	got, err := Append(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	if want := specExample(t); !bytes.Equal(got, want) {
		t.Errorf("encoded\n%s\nwant\n%s", hex.Dump(got), hex.Dump(want))
	}
	if p.EncodedLen() != len(got) {
		t.Errorf("EncodedLen() = %d, encoded %d", p.EncodedLen(), len(got))
	}
	// The family chunk is derived from the addresses when not given.
	p.Family = 0
	if again, _ := Append(nil, &p); !bytes.Equal(again, got) {
		t.Error("Family 0 does not derive IPv4")
	}
}

func equalPacket(a, b Packet) bool {
	return a.Family == b.Family && a.Protocol == b.Protocol && a.Src == b.Src && a.Dst == b.Dst &&
		a.Seconds == b.Seconds && a.Micros == b.Micros && a.ProtoType == b.ProtoType &&
		a.CaptureID == b.CaptureID && a.KeepAlive == b.KeepAlive && a.Skipped == b.Skipped &&
		bytes.Equal(a.AuthKey, b.AuthKey) && (a.AuthKey == nil) == (b.AuthKey == nil) &&
		bytes.Equal(a.NodeName, b.NodeName) && (a.NodeName == nil) == (b.NodeName == nil) &&
		bytes.Equal(a.Payload, b.Payload) &&
		bytes.Equal(a.CorrelationID, b.CorrelationID) && (a.CorrelationID == nil) == (b.CorrelationID == nil)
}

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
	for _, p := range []Packet{
		{
			Protocol: ProtoUDP, ProtoType: ProtoSIP, CaptureID: 2001,
			Src: netip.MustParseAddrPort("127.0.0.1:5061"), Dst: netip.MustParseAddrPort("127.0.0.1:5060"),
			AuthKey: []byte("secret"), NodeName: []byte("gossip-1"),
			Payload: []byte("BYE sip:x SIP/2.0\r\nCall-ID: 1-2@h\r\n\r\n"), CorrelationID: []byte("1-2@h"),
		},
		{
			Protocol: ProtoTCP, ProtoType: ProtoSIP, CaptureID: 0xffffffff,
			Src: netip.MustParseAddrPort("[2001:db8::1]:5060"), Dst: netip.MustParseAddrPort("[2001:db8::2]:65535"),
			Payload: []byte{},
		},
		{
			// Mixed families go out as IPv6, the IPv4 address mapped.
			Protocol: ProtoUDP, ProtoType: ProtoSIP,
			Src: netip.MustParseAddrPort("10.0.0.1:1"), Dst: netip.MustParseAddrPort("[::1]:2"),
			AuthKey: []byte{}, NodeName: []byte{}, CorrelationID: []byte{},
			Payload: []byte{}, // filled to the largest packet below
		},
	} {
		if len(p.Payload) == 0 && p.AuthKey != nil {
			p.Payload = bytes.Repeat([]byte{'x'}, MaxPacketLen-p.EncodedLen())
		}
		p.SetTime(at)
		b, err := Append([]byte("prefix"), &p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("prefix")) || len(b)-6 != p.EncodedLen() {
			t.Fatalf("Append: %d octets after the prefix, EncodedLen %d", len(b)-6, p.EncodedLen())
		}
		got, err := Decode(b[6:])
		if err != nil {
			t.Fatal(err)
		}
		want := p
		if want.Src.Addr().Is4() && want.Dst.Addr().Is6() {
			want.Src = netip.AddrPortFrom(netip.AddrFrom16(want.Src.Addr().As16()), want.Src.Port())
		}
		want.Family = FamilyIPv4
		if want.Dst.Addr().Is6() {
			want.Family = FamilyIPv6
		}
		if !equalPacket(got, want) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, want)
		}
		if !got.Time().Equal(at.Truncate(time.Microsecond)) {
			t.Errorf("Time() = %v, want %v", got.Time(), at.Truncate(time.Microsecond))
		}
	}
}

func TestAppendErrors(t *testing.T) {
	p := specPacket()
	p.Payload = make([]byte, MaxPacketLen)
	if b, err := Append([]byte("x"), &p); !errors.Is(err, ErrTooLarge) || string(b) != "x" {
		t.Errorf("oversized: %q, %v", b, err)
	}
	p = specPacket()
	p.Dst = netip.AddrPort{}
	if _, err := Append(nil, &p); !errors.Is(err, ErrAddress) {
		t.Errorf("no destination: %v", err)
	}
}

// chunk builds one raw chunk.
func chunk(vendor, typ uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, vendor)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(6+len(payload)))
	return append(b, payload...)
}

// packet builds a raw packet from chunks, with the right total length.
func packet(chunks ...[]byte) []byte {
	b := []byte("HEP3\x00\x00")
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	return b
}

func TestDecodeSkipsUnknownChunks(t *testing.T) {
	raw := specExample(t)
	body := raw[HeaderLen:]
	b := packet(
		chunk(0x0002, 0x0001, []byte{9}),          // Kamailio's chunk 1: not the family
		body[:14],                                 // family, protocol
		chunk(0, 0x0099, []byte("future")),        // unknown generic type
		chunk(0, ChunkCompressed, []byte("gzip")), // known, not decoded
		chunk(0x0005, 0x000f, nil),                // another vendor's "payload"
		body[14:],
		chunk(0, ChunkKeepAlive, []byte{0, 30}),
	)
	p, err := Decode(append(b, "trailing octets are not the packet's"...))
	if err != nil {
		t.Fatal(err)
	}
	want := specPacket()
	want.Skipped, want.KeepAlive = 4, 30
	if !equalPacket(p, want) {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	// "EEP3" is the same format.
	copy(b, "EEP3")
	if _, err := Decode(b); err != nil {
		t.Errorf("EEP3: %v", err)
	}
}

func TestDecodeErrors(t *testing.T) {
	raw := specExample(t)
	// Every truncation of a valid packet is an error, never a panic.
	for n := 0; n < len(raw); n++ {
		if _, err := Decode(raw[:n]); !errors.Is(err, ErrTruncated) {
			t.Errorf("first %d octets: %v, want ErrTruncated", n, err)
		}
	}
	// A shorter total length cuts the last chunk.
	short := bytes.Clone(raw)
	binary.BigEndian.PutUint16(short[4:], 112)
	if _, err := Decode(short); !errors.Is(err, ErrTruncated) {
		t.Errorf("total length 112: %v", err)
	}
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"magic":             {[]byte("HEP2\x00\x06"), ErrNotHEP3},
		"total below 6":     {[]byte("HEP3\x00\x05"), ErrBadLength},
		"chunk below 6":     {packet([]byte{0, 0, 0, 1, 0, 5, 2}), ErrBadLength},
		"chunk length zero": {packet([]byte{0, 0, 0, 1, 0, 0, 2}), ErrBadLength},
		"chunk past end":    {packet([]byte{0, 0, 0, 15, 0xff, 0xff, 'x'}), ErrTruncated},
		"half chunk header": {packet([]byte{0, 0, 0}), ErrTruncated},
		"IPv4 of 5 octets":  {packet(chunk(0, ChunkSrcIPv4, []byte{1, 2, 3, 4, 5})), ErrBadLength},
		"IPv6 of 4 octets":  {packet(chunk(0, ChunkDstIPv6, []byte{1, 2, 3, 4})), ErrBadLength},
		"port of 1 octet":   {packet(chunk(0, ChunkSrcPort, []byte{1})), ErrBadLength},
		"empty family":      {packet(chunk(0, ChunkFamily, nil)), ErrBadLength},
		"long capture ID":   {packet(chunk(0, ChunkCaptureID, make([]byte, 8))), ErrBadLength},
	} {
		if _, err := Decode(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	// An empty packet (header only) is valid and empty.
	if p, err := Decode([]byte("HEP3\x00\x06")); err != nil || p.Payload != nil {
		t.Errorf("empty packet: %+v, %v", p, err)
	}
}

func TestReader(t *testing.T) {
	raw := specExample(t)
	p2 := specPacket()
	p2.CaptureID = 7
	second, _ := Append(nil, &p2)
	stream := append(append(bytes.Clone(raw), second...), raw[:50]...)
	r := NewReader(bytes.NewReader(stream))
	for i, want := range []uint32{228, 7} {
		p, b, err := r.Next()
		if err != nil || p.CaptureID != want || len(b) != 113 {
			t.Fatalf("packet %d: capture ID %d, %d octets, %v", i, p.CaptureID, len(b), err)
		}
	}
	if _, _, err := r.Next(); !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut packet: %v", err)
	}
	r = NewReader(bytes.NewReader(append(bytes.Clone(raw), 'H', 'E')))
	r.Next()
	if _, _, err := r.Next(); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut header: %v", err)
	}
	r = NewReader(bytes.NewReader(raw))
	r.Next()
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("end of stream: %v, want io.EOF", err)
	}
	r = NewReader(strings.NewReader("GET / HTTP/1.1\r\n"))
	if _, _, err := r.Next(); !errors.Is(err, ErrNotHEP3) {
		t.Errorf("not HEP: %v", err)
	}
}

// wireAddrs is p's addresses as Decode returns them: both IPv6 when
// either is, both IPv4 (unmapped) otherwise.
func wireAddrs(p *Packet) (src, dst netip.AddrPort) {
	conv := func(a netip.AddrPort) netip.AddrPort {
		if p.v6() {
			return netip.AddrPortFrom(netip.AddrFrom16(a.Addr().As16()), a.Port())
		}
		return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	}
	return conv(p.Src), conv(p.Dst)
}

func FuzzDecode(f *testing.F) {
	f.Add(specExample(f))
	f.Add([]byte("HEP3\x00\x06"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		n, _ := PacketLen(b)
		// Whatever decodes re-encodes (when it has addresses and fits)
		// and decodes to the same fields.
		if !p.Src.Addr().IsValid() || !p.Dst.Addr().IsValid() || n > len(b) {
			return
		}
		p.Family, p.Skipped, p.KeepAlive = 0, 0, 0
		enc, err := Append(nil, &p)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatalf("re-encode: %v", err)
		}
		q, err := Decode(enc)
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		q.Family = 0
		p.Src, p.Dst = wireAddrs(&p)
		if !equalPacket(p, q) {
			t.Fatalf("re-decoded\n%+v\nwant\n%+v", q, p)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1}, uint16(5060), []byte{127, 0, 0, 2}, uint16(5061), int64(1313440459120000000),
		uint32(2001), "key", "node", []byte("INVITE sip:bob SIP/2.0\r\n\r\n"), []byte("1-1@h"), true)
	f.Add(bytes.Repeat([]byte{0x20}, 16), uint16(0), []byte{10, 0, 0, 1}, uint16(65535), int64(0),
		uint32(0), "", "", []byte{}, []byte{}, false)
	f.Fuzz(func(t *testing.T, src []byte, sport uint16, dst []byte, dport uint16, ns int64,
		id uint32, key, node string, payload, cid []byte, udp bool) {
		addr := func(b []byte) netip.Addr {
			if len(b) >= 16 {
				return netip.AddrFrom16([16]byte(b[:16]))
			}
			var a [4]byte
			copy(a[:], b)
			return netip.AddrFrom4(a)
		}
		p := Packet{
			Protocol: ProtoTCP, ProtoType: ProtoSIP, CaptureID: id,
			Src: netip.AddrPortFrom(addr(src), sport), Dst: netip.AddrPortFrom(addr(dst), dport),
			Payload: payload, CorrelationID: cid,
		}
		if udp {
			p.Protocol = ProtoUDP
		}
		if key != "" {
			p.AuthKey = []byte(key)
		}
		if node != "" {
			p.NodeName = []byte(node)
		}
		if ns < 0 {
			ns = -ns
		}
		setTimeNanos(&p, ns%(1<<32*int64(time.Second)))
		b, err := Append(nil, &p)
		if err != nil {
			if p.EncodedLen() > MaxPacketLen && errors.Is(err, ErrTooLarge) {
				return
			}
			t.Fatalf("Append: %v", err)
		}
		if len(b) != p.EncodedLen() {
			t.Fatalf("%d octets, EncodedLen %d", len(b), p.EncodedLen())
		}
		q, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		want := p
		want.Src, want.Dst = wireAddrs(&p)
		want.Family = FamilyIPv4
		if p.v6() {
			want.Family = FamilyIPv6
		}
		if !equalPacket(q, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", q, want)
		}
		// Every cut of a valid packet fails cleanly.
		for _, n := range []int{0, 5, 6, len(b) / 2, len(b) - 1} {
			if n >= 0 && n < len(b) {
				if _, err := Decode(b[:n]); err == nil {
					t.Fatalf("first %d of %d octets decoded", n, len(b))
				}
			}
		}
	})
}

func TestPad(t *testing.T) {
	p := Packet{Protocol: ProtoUDP, ProtoType: ProtoSIP, CaptureID: 9,
		Src: netip.MustParseAddrPort("10.0.0.1:5060"), Dst: netip.MustParseAddrPort("10.0.0.2:5061"),
		Payload: []byte("OPTIONS sip:x SIP/2.0\r\n\r\n"), CorrelationID: []byte("abc")}
	frame, err := Append(nil, &p)
	if err != nil {
		t.Fatal(err)
	}
	n := len(frame)
	for _, tc := range []struct {
		name string
		size int
		err  bool
	}{
		{"same size", n, false},
		{"chunk header only", n + ChunkHeaderLen, false},
		{"zeros", n + 100, false},
		{"largest", MaxPacketLen, false},
		{"one more", n + 1, true},
		{"five more", n + 5, true},
		{"smaller", n - 1, true},
		{"too large", MaxPacketLen + 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Pad(bytes.Clone(frame), tc.size)
			if tc.err {
				if !errors.Is(err, ErrBadLength) || !bytes.Equal(got, frame) {
					t.Fatalf("Pad to %d: %v, %d octets; want ErrBadLength and the frame unchanged", tc.size, err, len(got))
				}
				return
			}
			if err != nil || len(got) != tc.size {
				t.Fatalf("Pad to %d: %v, %d octets", tc.size, err, len(got))
			}
			if l, _ := PacketLen(got); l != tc.size {
				t.Errorf("total length %d, want %d", l, tc.size)
			}
			d, err := Decode(got)
			if err != nil {
				t.Fatal(err)
			}
			wantSkipped := 0
			if tc.size > n {
				wantSkipped = 1
				pad := got[n:]
				if v, typ, l := binary.BigEndian.Uint16(pad), binary.BigEndian.Uint16(pad[2:]), binary.BigEndian.Uint16(pad[4:]); v != VendorPadding || typ != ChunkPadding || int(l) != tc.size-n || bytes.Count(pad[ChunkHeaderLen:], []byte{0}) != len(pad)-ChunkHeaderLen {
					t.Errorf("padding chunk %04x/%04x length %d, % x", v, typ, l, pad[:min(len(pad), 16)])
				}
			}
			if d.Skipped != wantSkipped || d.Src != p.Src || d.Dst != p.Dst || !bytes.Equal(d.Payload, p.Payload) ||
				!bytes.Equal(d.CorrelationID, p.CorrelationID) || d.CaptureID != 9 {
				t.Errorf("decoded %+v", d)
			}
		})
	}
}
