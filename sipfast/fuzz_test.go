package sipfast

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unsafe"
)

// seedCorpus returns every message the tests know: the bench messages, the
// testdata fixtures and, when present, the RFC 4475 messages.
func seedCorpus(t testing.TB) [][]byte {
	seeds := [][]byte{msgInvite, msgRinging, msgOK, msgAck, msgBye, msgRegister}
	files := corpusFiles(t, "testdata", "*.sip")
	dir := os.Getenv("GOSSIP_RFC4475")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "rfc4475")
	}
	files = append(files, corpusFiles(t, dir, "*/*.dat")...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// inside reports whether s is a sub-slice of one of bufs (or empty).
func inside(s []byte, bufs ...[]byte) bool {
	if len(s) == 0 {
		return true
	}
	for _, b := range bufs {
		if len(b) == 0 || cap(b) == 0 {
			continue
		}
		lo, hi := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&b[len(b)-1]))
		if p, q := uintptr(unsafe.Pointer(&s[0])), uintptr(unsafe.Pointer(&s[len(s)-1])); p >= lo && q <= hi {
			return true
		}
	}
	return false
}

// FuzzParse: Parse and every accessor are safe on any input, accessors stay
// inside the message (or the fold scratch), and a successful parse is
// consistent with itself.
func FuzzParse(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, buf []byte) {
		var m Message
		err := m.Parse(buf)
		touchAll(&m)
		for _, s := range [][]byte{m.Method(), m.RequestURI(), m.Reason(), m.CallID(), m.CSeqMethod(),
			m.ViaBranch(), m.FromTag(), m.ToTag(), m.FromURI(), m.ContactURI(), m.Body(), m.Header("Via")} {
			if !inside(s, buf, m.fold) {
				t.Fatalf("accessor result %q outside the buffer", s)
			}
		}
		for i := 0; i < m.NumHeaders(); i++ {
			n, v := m.HeaderAt(i)
			if len(n) == 0 || !inside(n, buf) || !inside(v, buf, m.fold) {
				t.Fatalf("header %d: %q: %q", i, n, v)
			}
		}
		if err != nil {
			return
		}
		// A successful parse: the message fits the buffer, has a Call-ID
		// and a CSeq, and the body is where Content-Length says.
		if m.Len() > len(buf) || len(m.CallID()) == 0 || m.CSeqMethod() == nil || m.IsRequest() == (m.StatusCode() != 0) {
			t.Fatalf("inconsistent: len %d/%d, Call-ID %q, CSeq %q", m.Len(), len(buf), m.CallID(), m.CSeqMethod())
		}
		body := m.Body()
		if cl := m.ContentLength(); cl >= 0 && len(body) != cl || len(body) > 0 && &body[len(body)-1] != &buf[m.Len()-1] {
			t.Fatalf("body %d bytes, Content-Length %d", len(body), m.ContentLength())
		}
		// The message alone parses the same.
		var m2 Message
		if err := m2.Parse(buf[:m.Len()]); err != nil {
			t.Fatalf("message alone: %v", err)
		}
		n1, c1 := m.CSeq()
		n2, c2 := m2.CSeq()
		if !bytes.Equal(m.CallID(), m2.CallID()) || n1 != n2 || !bytes.Equal(c1, c2) ||
			!bytes.Equal(m.Body(), m2.Body()) || m.NumHeaders() != m2.NumHeaders() ||
			!bytes.Equal(m.ViaBranch(), m2.ViaBranch()) {
			t.Fatal("the message alone parses differently")
		}
	})
}

// FuzzFrame: Frame stays inside its buffer, a framed message parses to the
// same length, and Framer fed in chunks finds the same messages as Frame.
func FuzzFrame(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add(s, uint8(7))
		f.Add(append(append([]byte("\r\n\r\n"), s...), s...), uint8(1))
	}
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8) {
		const limit = 4096
		// Frame the whole stream.
		var want [][]byte
		var wantErr error
		for rest := stream; ; {
			n, skip, err := Frame(rest, limit)
			if skip < 0 || n < 0 || skip+n > len(rest) || err != nil && n != 0 || n > limit {
				t.Fatalf("Frame = %d, %d, %v on %d bytes", n, skip, err, len(rest))
			}
			if err != nil {
				wantErr = err
				break
			}
			rest = rest[skip:]
			if n == 0 {
				break
			}
			msg := rest[:n]
			want = append(want, msg)
			rest = rest[n:]
			var m Message
			if m.Parse(msg) == nil && (m.Len() != n || m.ContentLength() != len(m.Body())) {
				t.Fatalf("framed %d bytes, Parse says %d (Content-Length %d, body %d)", n, m.Len(), m.ContentLength(), len(m.Body()))
			}
		}
		// The same stream in chunks through a Framer.
		var fr Framer
		fr.Max = limit
		var got [][]byte
		var gotErr error
		step := int(chunk%32) + 1
		var pending []byte
	feed:
		for off := 0; ; {
			end := min(off+step, len(stream))
			pending = append(pending, stream[off:end]...)
			off = end
			for {
				n, skip, err := fr.Next(pending)
				if err != nil {
					gotErr = err
					break feed
				}
				pending = pending[skip:]
				if n == 0 {
					break
				}
				got = append(got, pending[:n:n])
				pending = pending[n:]
			}
			if off == len(stream) {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("Framer found %d messages, Frame %d (errors %v, %v)", len(got), len(want), gotErr, wantErr)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("message %d differs", i)
			}
		}
		if gotErr != wantErr {
			t.Fatalf("Framer error %v, Frame error %v", gotErr, wantErr)
		}
	})
}

// FuzzParam: the fast parameter lookup agrees with Param.
func FuzzParam(f *testing.F) {
	for _, s := range []string{";branch=z9hG4bK1;rport", ";tag=1", "; tag = 2", `;x="a;tag=3";tag=4`, ";TAG=5,;tag=6", ";tag"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		for _, k := range []*paramKey{&keyBranch, &keyTag} {
			want, ok := Param(params, k.name)
			got := paramFast(params, k)
			if !bytes.Equal(got, want) || ok && len(want) > 0 && got == nil {
				t.Fatalf("paramFast(%q, %q) = %q, Param = %q, %v", params, k.name, got, want, ok)
			}
		}
	})
}

// TestAccessorCapacity: every slice an accessor returns has its length as
// capacity, so a caller appending to it cannot overwrite the message.
func TestAccessorCapacity(t *testing.T) {
	for _, buf := range seedCorpus(t) {
		var m Message
		_ = m.Parse(buf)
		check := func(what string, s []byte) {
			t.Helper()
			if cap(s) != len(s) {
				t.Errorf("%s: cap %d != len %d in %.60q", what, cap(s), len(s), buf)
			}
		}
		check("Method", m.Method())
		check("RequestURI", m.RequestURI())
		check("Reason", m.Reason())
		check("CallID", m.CallID())
		check("CSeqMethod", m.CSeqMethod())
		check("Via", m.Via())
		check("ViaBranch", m.ViaBranch())
		check("ViaSentBy", m.ViaSentBy())
		check("ViaReceived", m.ViaReceived())
		check("FromTag", m.FromTag())
		check("ToTag", m.ToTag())
		check("FromURI", m.FromURI())
		check("ToURI", m.ToURI())
		check("Contact", m.Contact())
		check("ContactURI", m.ContactURI())
		check("ContentType", m.ContentType())
		check("Body", m.Body())
		for i := 0; i < m.NumHeaders(); i++ {
			n, v := m.HeaderAt(i)
			check("name", n)
			check("value", v)
		}
		for _, it := range []Values{m.Vias(), m.Routes(), m.RecordRoutes(), m.Contacts()} {
			for e, ok := it.Next(); ok; e, ok = it.Next() {
				check("element", e)
				a, _ := ParseAddr(e)
				check("Display", a.Display)
				check("URI", a.URI)
				check("Params", a.Params)
				v, _ := ParseVia(e)
				check("Via.Host", v.Host)
				check("Via.Params", v.Params)
			}
		}
	}
}
