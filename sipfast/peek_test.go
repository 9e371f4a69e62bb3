package sipfast

import (
	"bytes"
	"testing"
)

func TestPeekCallID(t *testing.T) {
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"long", "INVITE sip:a@b SIP/2.0\r\nVia: x\r\nCall-ID: abc@h\r\n\r\n", "abc@h"},
		{"compact", "SIP/2.0 200 OK\r\ni:  xyz \r\nCSeq: 1 A\r\n\r\n", "xyz"},
		{"case", "BYE sip:a SIP/2.0\r\ncall-id\t: Q\r\n\r\n", "Q"},
		{"in body only", "BYE sip:a SIP/2.0\r\nTo: b\r\n\r\nCall-ID: no\r\n", ""},
		{"absent", "BYE sip:a SIP/2.0\r\nTo: b\r\n\r\n", ""},
		{"folded", "BYE sip:a SIP/2.0\r\nCall-ID: a\r\n b\r\n\r\n", ""},
		{"lookalike", "BYE sip:a SIP/2.0\r\nCall-Info: x\r\nI: real\r\n\r\n", "real"},
		{"no colon", "BYE sip:a SIP/2.0\r\nCall-ID\r\n\r\n", ""},
		{"bare LF", "BYE sip:a SIP/2.0\nCall-ID: lf\n\n", "lf"},
		{"empty", "", ""},
	} {
		if got := PeekCallID([]byte(tc.msg)); string(got) != tc.want {
			t.Errorf("%s: PeekCallID = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestPeekCallIDAgreesWithParse holds PeekCallID to Parse on every corpus
// message that has a plain Call-ID.
func TestPeekCallIDAgreesWithParse(t *testing.T) {
	var m Message
	for _, buf := range seedCorpus(t) {
		if m.Parse(buf) != nil {
			continue
		}
		got := PeekCallID(buf)
		if got != nil && !bytes.Equal(got, m.CallID()) {
			t.Errorf("PeekCallID %q, Parse %q in %.120q", got, m.CallID(), buf)
		}
	}
}

func BenchmarkPeekCallID(b *testing.B) {
	buf := append([]byte(nil), msgInvite...)
	b.ReportAllocs()
	for b.Loop() {
		PeekCallID(buf)
	}
}

// TestShardHash pins ShardHash to 32-bit FNV-1a (the kernel program in
// package bpf computes the same, so its values must never drift).
func TestShardHash(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
	}{{"", 0x811c9dc5}, {"a", 0xe40c292c}, {"foobar", 0xbf9cf968}} {
		if got := ShardHash([]byte(tc.in)); got != tc.want {
			t.Errorf("ShardHash(%q) = %#x, want %#x", tc.in, got, tc.want)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { ShardHash([]byte("1-4242@127.0.0.1")) }); allocs != 0 {
		t.Errorf("ShardHash allocates %v times", allocs)
	}
}
