package sipfast

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// sinkN and sinkB keep the benchmarked reads alive.
var (
	sinkN int
	sinkB []byte
)

// BenchmarkParse compares sipfast with sipgo (github.com/emiago/sipgo) on
// the messages of a basic call. Each iteration parses the message and reads
// what the engine reads for every message: Call-ID, CSeq, status or method,
// top Via branch and both tags.
func BenchmarkParse(b *testing.B) {
	for _, bm := range benchMsgs {
		b.Run(bm.name+"/sipfast", func(b *testing.B) {
			var m Message
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.msg)))
			for b.Loop() {
				if err := m.Parse(bm.msg); err != nil {
					b.Fatal(err)
				}
				n, meth := m.CSeq()
				sinkN += int(n) + len(meth) + m.StatusCode() + len(m.Method()) + len(m.CallID()) +
					len(m.ViaBranch()) + len(m.FromTag()) + len(m.ToTag()) + m.ContentLength()
			}
		})
		b.Run(bm.name+"/sipgo", func(b *testing.B) {
			p := sip.NewParser()
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.msg)))
			for b.Loop() {
				msg, err := p.ParseSIP(bm.msg)
				if err != nil {
					b.Fatal(err)
				}
				sinkN += sipgoTouch(msg)
			}
		})
	}
}

// sipgoTouch reads from a sipgo message what the sipfast benchmark reads.
func sipgoTouch(msg sip.Message) int {
	n := 0
	switch r := msg.(type) {
	case *sip.Request:
		n += len(r.Method)
	case *sip.Response:
		n += r.StatusCode
	}
	if c := msg.CallID(); c != nil {
		n += len(c.Value())
	}
	if c := msg.CSeq(); c != nil {
		n += int(c.SeqNo) + len(c.MethodName)
	}
	if v := msg.Via(); v != nil {
		br, _ := v.Params.Get("branch")
		n += len(br)
	}
	if f := msg.From(); f != nil {
		t, _ := f.Params.Get("tag")
		n += len(t)
	}
	if t := msg.To(); t != nil {
		tg, _ := t.Params.Get("tag")
		n += len(tg)
	}
	if cl := msg.ContentLength(); cl != nil {
		n += int(*cl)
	}
	return n
}

// BenchmarkParseOnly measures Parse alone, without accessors.
func BenchmarkParseOnly(b *testing.B) {
	for _, bm := range benchMsgs {
		b.Run(bm.name+"/sipfast", func(b *testing.B) {
			var m Message
			b.ReportAllocs()
			for b.Loop() {
				_ = m.Parse(bm.msg)
			}
		})
	}
}

// BenchmarkAccessors measures the accessors on a parsed INVITE.
func BenchmarkAccessors(b *testing.B) {
	var m Message
	if err := m.Parse(msgInvite); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		f    func() int
	}{
		{"CallID", func() int { return len(m.CallID()) }},
		{"CSeq", func() int { n, x := m.CSeq(); return int(n) + len(x) }},
		{"ViaBranch", func() int { return len(m.ViaBranch()) }},
		{"FromTag", func() int { return len(m.FromTag()) }},
		{"Header/Subject", func() int { return len(m.Header("Subject")) }},
		{"Header/User-Agent:", func() int { return len(m.Header("User-Agent:")) }},
		{"AppendHeaderValues/Via", func() int { sinkB, _ = m.AppendHeaderValues(sinkB[:0], "Via:"); return len(sinkB) }},
		{"AppendHeaderValues/From", func() int { sinkB, _ = m.AppendHeaderValues(sinkB[:0], "From:"); return len(sinkB) }},
	}
	sinkB = make([]byte, 0, 1024)
	for _, c := range cases {
		b.Run(c.name+"/sipfast", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkN += c.f()
			}
		})
	}
}

// BenchmarkFrame measures stream framing of one INVITE.
func BenchmarkFrame(b *testing.B) {
	b.Run("INVITE/sipfast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, _, err := Frame(msgInvite, 0)
			if err != nil || n != len(msgInvite) {
				b.Fatal(n, err)
			}
		}
	})
}
