package trace

import (
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestFilesLayout(t *testing.T) {
	var msgs, errs bytes.Buffer
	opened := 0
	f := NewFiles(&msgs, func() (io.Writer, error) { opened++; return &errs, nil })
	at := time.Date(2026, 11, 26, 14, 0, 1, 234567000, time.UTC)
	peer := netip.MustParseAddrPort("127.0.0.1:5060")
	f.Message(Sent, at, "UDP", []byte("OPTIONS sip:a SIP/2.0\r\n\r\n"), peer)
	f.Message(Received, at, "UDP", []byte("SIP/2.0 200 OK\r\n\r\n"), peer)
	if opened != 0 {
		t.Fatal("error log opened before any event")
	}
	f.Event(at, "Aborting call on unexpected message for Call-ID '1-2@x'")
	f.Event(at, "second")
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	// SIPp 3.6.1's layout (sent and received differ, as in SIPp).
	wantMsgs := "----------------------------------------------- 2026-11-26 14:00:01.234567\n" +
		"UDP message sent (25 bytes):\n\nOPTIONS sip:a SIP/2.0\r\n\r\n\n" +
		"----------------------------------------------- 2026-11-26 14:00:01.234567\n" +
		"UDP message received [18] bytes :\n\nSIP/2.0 200 OK\r\n\r\n\n"
	if msgs.String() != wantMsgs {
		t.Errorf("messages log:\n%q\nwant\n%q", msgs.String(), wantMsgs)
	}
	lines := strings.Split(strings.TrimSpace(errs.String()), "\n")
	if opened != 1 || len(lines) != 3 || lines[0] != "The following events occurred:" ||
		!strings.HasSuffix(lines[1], ": Aborting call on unexpected message for Call-ID '1-2@x'") {
		t.Errorf("errors log (opened %d times):\n%s", opened, errs.String())
	}
}

// TestThirdPCCCommandTraces: 3PCC commands go to -trace_msg and
// -trace_shortmsg as sipp 3.6.1 writes them ("TCP control", the ESC
// counted in a received command's length; no CSeq).
func TestThirdPCCCommandTraces(t *testing.T) {
	var msgs, short bytes.Buffer
	f := NewFiles(&msgs, nil)
	s := NewShortMessages(&short)
	at := time.Date(2026, 11, 26, 14, 0, 1, 234567000, time.Local)
	peer := netip.MustParseAddrPort("127.0.0.1:6000")
	cmd := []byte("Call-ID: 1-2@x\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n")
	for _, tr := range []Tracer{f, s} {
		tr.Message(Received, at, "TCP control", cmd, peer)
		tr.Message(Sent, at, "TCP control", append(cmd[:len(cmd):len(cmd)], 0x1b), peer)
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nTCP control message received [55] bytes :\n\nCall-ID: 1-2@x\r\n",
		"\nTCP control message sent (55 bytes):\n\nCall-ID: 1-2@x\r\n"} {
		if !strings.Contains(msgs.String(), want) {
			t.Errorf("messages log lacks %q:\n%s", want, msgs.String())
		}
	}
	lines := strings.Split(strings.TrimSuffix(short.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "\tR\t1-2@x\tCSeq:\tCall-ID: 1-2@x") ||
		!strings.HasSuffix(lines[1], "\tS\t1-2@x\tCSeq:\tCall-ID: 1-2@x") {
		t.Errorf("short messages:\n%s", short.String())
	}
}
