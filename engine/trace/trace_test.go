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
