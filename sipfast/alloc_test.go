package sipfast

import (
	"bytes"
	"testing"
)

// TestZeroAlloc: Parse and every accessor run without allocating (DESIGN.md:
// no allocation per message on the hot path).
func TestZeroAlloc(t *testing.T) {
	folded := bytes.Replace(msgInvite, []byte("Subject: Performance Test"), []byte("Subject: Performance\r\n Test"), 1)
	cases := []struct {
		name string
		msg  []byte
	}{
		{"INVITE with SDP", msgInvite},
		{"200 OK with SDP", msgOK},
		{"BYE", msgBye},
		{"REGISTER", msgRegister},
		{"180 Ringing", msgRinging},
		{"ACK", msgAck},
		{"INVITE folded (scratch warmed up)", folded},
	}
	dst := make([]byte, 0, 4096)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			if err := m.Parse(c.msg); err != nil {
				t.Fatal(err)
			}
			sink := 0
			allocs := testing.AllocsPerRun(100, func() {
				if err := m.Parse(c.msg); err != nil {
					t.Fatal(err)
				}
				sink += touchAll(&m)
				var ok bool
				dst, ok = m.AppendHeaderValues(dst[:0], "Via:")
				if !ok {
					t.Fatal("no Via")
				}
				it := m.Values("Allow")
				for e, ok := it.Next(); ok; e, ok = it.Next() {
					sink += len(e)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per Parse and accessors, want 0", allocs)
			}
			_ = sink
		})
	}
	t.Run("Frame", func(t *testing.T) {
		stream := append(append([]byte("\r\n\r\n"), msgInvite...), msgBye...)
		var f Framer
		allocs := testing.AllocsPerRun(100, func() {
			n, skip, err := Frame(stream, 0)
			if err != nil || skip != 4 || n != len(msgInvite) {
				t.Fatal(n, skip, err)
			}
			f.Reset()
			if n, skip, err = f.Next(stream); err != nil || n != len(msgInvite) {
				t.Fatal(n, skip, err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v allocations per Frame, want 0", allocs)
		}
	})
	t.Run("errors", func(t *testing.T) {
		var m Message
		bad := [][]byte{[]byte("\r\n\r\n"), []byte("SIP/2.0 999 x\r\n\r\n"), msg("OPTIONS sip:x SIP/2.0", []string{"l: 5"}, "")}
		allocs := testing.AllocsPerRun(100, func() {
			for _, b := range bad {
				if m.Parse(b) == nil {
					t.Fatal("no error")
				}
			}
		})
		if allocs != 0 {
			t.Errorf("%v allocations per failed Parse, want 0", allocs)
		}
	})
}
