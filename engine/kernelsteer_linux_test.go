//go:build linux

package engine

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"github.com/gossip-sip/gossip/scenario"
)

// TestServerSteersByCallIDInTheKernel runs one UAC socket against a
// two-shard UAS with and without the SO_REUSEPORT program: with it every
// datagram arrives on its owner's socket and none is handed off; without
// it the kernel puts them all on one socket, which hands on those of the
// other shard's calls (about half). So it does with the program when the
// Call-ID lies beyond the part of the datagram the program reads: the
// shards, which then parse before they check, still hand those on.
func TestServerSteersByCallIDInTheKernel(t *testing.T) {
	testpeer.Require(t, os.Geteuid() == 0, "loading a SO_REUSEPORT program needs root")
	const calls = 1500
	const datagrams = 3 * calls // INVITE, ACK, BYE per call
	uacScn, err := scenario.Builtin("uac")
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	xml, _ := scenario.BuiltinXML("uac")
	padded, err := scenario.Parse(bytes.ReplaceAll(xml, []byte("Call-ID: [call_id]"),
		[]byte("X-Pad: "+strings.Repeat("p", 2100)+"\n      Call-ID: [call_id]")), "uac-padded.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		program bool
		uac     *scenario.Scenario
	}{{"program", true, uacScn}, {"software", false, uacScn}, {"program, Call-ID out of its reach", true, padded}} {
		t.Run(tc.name, func(t *testing.T) {
			uas, err := New(Config{Scenario: uasNoLinger(t), Local: lo, Shards: 2, Backend: "mmsg",
				MaxCalls: calls, BufferSize: 4 << 20, NoKernelSteering: !tc.program})
			if err != nil {
				t.Fatal(err)
			}
			if tc.program {
				testpeer.Require(t, uas.byCallID != nil, "the kernel refused the SO_REUSEPORT program")
			} else if uas.byCallID != nil {
				t.Fatal("NoKernelSteering: the program is attached")
			}
			uac, err := New(Config{Scenario: tc.uac, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0],
				Backend: "mmsg", Rate: 3000, MaxCalls: calls, BufferSize: 4 << 20})
			if err != nil {
				t.Fatal(err)
			}
			_, sres := runCalls(t, uas, uac, calls, 30*time.Second)
			for i, s := range uas.shards {
				if n, _ := s.rec.CallsCreated(); n < calls/4 {
					t.Errorf("shard %d handled %d of %d calls", i, n, calls)
				}
			}
			handed, steered := sres.Health.HandedOff, sres.Health.KernelSteered
			if tc.program && tc.uac == uacScn {
				if handed != 0 {
					t.Errorf("%d datagrams handed off between shards, want 0", handed)
				}
				// Retransmissions, when the run is slow, come on top.
				if steered < datagrams {
					t.Errorf("program steered %d datagrams, want at least %d", steered, datagrams)
				}
			} else if steered != 0 {
				t.Errorf("%d datagrams steered, want 0 (no program, or no Call-ID within its reach)", steered)
			} else if handed < datagrams*3/10 || handed > datagrams*7/10 {
				t.Errorf("%d of %d datagrams handed off, want about half", handed, datagrams)
			}
			t.Logf("handed off %d, kernel steered %d of %d datagrams", handed, steered, datagrams)
		})
	}
}
