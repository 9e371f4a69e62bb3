package trace

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func capture(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestRTTLogMatchesSIPp writes the samples of SIPp 3.6.1's capture (-r 10,
// -rtt_freq 7: one call every 100 ms, response times under a millisecond,
// which SIPp 3.6 measures in whole milliseconds) and compares the lines.
func TestRTTLogMatchesSIPp(t *testing.T) {
	want := capture(t, "sipp361_uac_rtt.csv")
	var buf bytes.Buffer
	l := NewRTTLog(&buf, []string{"1"}, 7, "")
	for i := range 14 {
		at := time.Duration(i+1)*100*time.Millisecond + 4001*time.Microsecond
		l.ResponseTime(0, at, 0)
		if i == 5 && strings.Count(buf.String(), "\n") != 1 {
			t.Fatalf("samples written before -rtt_freq were collected:\n%s", buf.String())
		}
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The last, incomplete batch is written by Flush; names and delimiter.
	buf.Reset()
	l = NewRTTLog(&buf, []string{"a", "inv 2"}, 200, ",")
	l.ResponseTime(1, 1500*time.Second, 12345*time.Microsecond)
	l.ResponseTime(0, 2*time.Millisecond, 1500*time.Microsecond)
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "Date_ms,response_time_ms,rtd_no\n1.5e+06,12.345,inv 2\n2,1.5,a\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRTTLogReportsWriteErrors(t *testing.T) {
	l := NewRTTLog(failWriter{}, []string{"1"}, 1, "")
	l.ResponseTime(0, time.Second, time.Millisecond)
	if err := l.Flush(); err == nil {
		t.Error("Flush after a failed write returned nil")
	}
}

func TestShortMessagesMatchSIPp(t *testing.T) {
	want := capture(t, "sipp361_uac_shortmessages.log")
	at := func(usec int64) time.Time { return time.UnixMicro(usec).In(time.UTC) }
	peer := netip.MustParseAddrPort("127.0.0.1:15099")
	var buf bytes.Buffer
	s := NewShortMessages(&buf)
	var tr Tracer = s
	tr.Message(Sent, at(1795707917260276), "UDP", []byte("INVITE sip:service@127.0.0.1:15099 SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:15098;branch=z9hG4bK-24495-1-0\r\n"+
		"Call-ID: 1-24495@127.0.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"), peer)
	tr.Message(Received, at(1795707917260498), "UDP", []byte("SIP/2.0 180 Ringing\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:15098;branch=z9hG4bK-24495-1-0\r\n"+
		"i:  1-24495@127.0.0.1\r\nCSeq:   1 INVITE\r\nContent-Length: 0\r\n\r\n"), peer)
	tr.Message(Received, at(1795707917260499), "UDP", []byte("\r\n\r\n"), peer) // keep-alive: left out
	tr.Event(time.Now(), "ignored")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !slices.Equal(got, want[:2]) {
		t.Errorf("got\n%q\nwant\n%q", got, want[:2])
	}
}

func TestObserversAndTracers(t *testing.T) {
	var rtt bytes.Buffer
	o := &Observers{RTT: NewRTTLog(&rtt, []string{"1"}, 1, ""), Codes: &ErrorCodes{}}
	var co CallObserver = o
	co.ResponseTime(0, time.Second, time.Millisecond)
	co.UnexpectedMessage(486)
	co.UnexpectedMessage(0) // a request: no code
	co.UnexpectedMessage(503)
	if got := o.Codes.Take(nil); !slices.Equal(got, []int{486, 503}) {
		t.Errorf("codes %v", got)
	}
	if got := o.Codes.Take(nil); len(got) != 0 {
		t.Errorf("Take did not forget: %v", got)
	}
	if !strings.HasSuffix(rtt.String(), "1000;1;1\n") {
		t.Errorf("rtt %q", rtt.String())
	}
	(&Observers{}).ResponseTime(0, 0, 0) // nothing set: no panic
	(&Observers{}).UnexpectedMessage(404)

	var a, b bytes.Buffer
	sa, sb := NewShortMessages(&a), NewShortMessages(&b)
	Tracers{sa, sb}.Message(Sent, time.Now(), "UDP", []byte("BYE sip:x SIP/2.0\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n"), netip.AddrPort{})
	Tracers{sa, sb}.Event(time.Now(), "x")
	_, _ = sa.Flush(), sb.Flush()
	if a.Len() == 0 || a.String() != b.String() {
		t.Errorf("tee: %q / %q", a.String(), b.String())
	}
}

func TestActionLogOpensAtFirstText(t *testing.T) {
	var buf bytes.Buffer
	opened := 0
	l := NewActionLog(func() (io.Writer, error) { opened++; return &buf, nil })
	if err := l.Flush(); err != nil || opened != 0 {
		t.Fatalf("opened %d times before any text (err %v)", opened, err)
	}
	var al ActionLogger = l
	al.LogAction([]byte("got INVITE 1-2@x"))
	al.LogAction([]byte("second"))
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if opened != 1 || buf.String() != "got INVITE 1-2@x\nsecond\n" {
		t.Errorf("opened %d, log %q", opened, buf.String())
	}
	bad := NewActionLog(func() (io.Writer, error) { return nil, errors.New("no space") })
	bad.LogAction([]byte("x"))
	if bad.Flush() == nil {
		t.Error("open error not reported")
	}
}
