package dataplane

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

func TestWriteSegments(t *testing.T) {
	p := peer(t)
	to := p.LocalAddr().(*net.UDPAddr).AddrPort()
	ep, err := Open(Config{Backend: "mmsg", Local: loopback, Peer: to})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	sw, ok := ep.(SegmentWriter)
	if !ok {
		t.Fatal("the mmsg endpoint is not a SegmentWriter")
	}
	count, size := sw.SegmentLimits()
	if count == 0 {
		if err := sw.WriteSegments(make([]byte, 200), 100, to); !errors.Is(err, ErrNoSegmentation) {
			t.Fatalf("WriteSegments without kernel support: %v", err)
		}
		t.Skip("the kernel has no UDP_SEGMENT (Linux 4.18)")
	}
	// Loopback's MTU is 65536: segments may be that large minus headers.
	if count != maxSegments || size != 65535-28 {
		t.Errorf("SegmentLimits = %d, %d; want %d, %d", count, size, maxSegments, 65535-28)
	}
	// Three messages: 3 segments of 100 and a shorter last one, a plain
	// datagram between, then a single short segment.
	var segs []byte
	var want [][]byte
	for i := range 3 {
		segs = append(segs, payload(i, 100)...)
		want = append(want, payload(i, 100))
	}
	segs = append(segs, payload(3, 40)...)
	want = append(want, payload(3, 40), payload(4, 70), payload(5, 30))
	if err := sw.WriteSegments(segs, 100, to); err != nil {
		t.Fatal(err)
	}
	if err := ep.Write(payload(4, 70), to); err != nil {
		t.Fatal(err)
	}
	if err := sw.WriteSegments(payload(5, 30), 100, to); err != nil {
		t.Fatal(err)
	}
	if err := ep.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, p)
	if len(got) != len(want) {
		t.Fatalf("peer got %d datagrams, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("datagram %d: %d octets %q, want %q", i, len(got[i]), got[i][:5], want[i][:5])
		}
	}
	for _, bad := range []struct {
		n, size int
	}{{0, 100}, {100, 0}, {(maxSegments + 1) * 10, 10}, {maxSegmentedLen + 1, 1400}} {
		if err := sw.WriteSegments(make([]byte, bad.n), bad.size, to); err == nil {
			t.Errorf("WriteSegments of %d octets in segments of %d succeeded", bad.n, bad.size)
		}
	}
}
