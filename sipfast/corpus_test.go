package sipfast

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// want is what a test expects of one message. Zero values of the string
// fields mean "must be absent" (nil) unless noted; use skip to leave a field
// unchecked.
type want struct {
	err  error // Parse error that errors.Is must match; nil for success
	err2 error // a second sentinel the same error must match

	method, uri   string // request line; "" for a response
	status        int
	reason        string
	callID        string
	cseq          uint32
	cseqMethod    string
	branch        string
	fromTag       string
	toTag         string
	clen          int    // ContentLength()
	bodyLen       int    // len(Body())
	bodyPrefix    string // Body() must start with it
	length        int    // Len(); 0 means len(buf)
	status400     int    // Validate status (0: nothing owed)
	validateErr   error  // Validate error
	headers       map[string]string
	appendHeaders map[string]string
	// skipFields leaves everything but err unchecked (for messages rejected
	// before the header section is indexed).
	skipFields bool
}

const absent = "\x00absent" // in headers maps: Header must return nil

// checkMessage parses buf and compares with w.
func checkMessage(t *testing.T, buf []byte, w want) {
	t.Helper()
	var m Message
	err := m.Parse(buf)
	switch {
	case w.err == nil && err != nil:
		t.Fatalf("Parse: unexpected error %v", err)
	case w.err != nil && !errors.Is(err, w.err):
		t.Fatalf("Parse: error %v, want %v", err, w.err)
	case w.err2 != nil && !errors.Is(err, w.err2):
		t.Fatalf("Parse: error %v does not also match %v", err, w.err2)
	}
	if w.skipFields {
		touchAll(&m) // accessors must stay safe after an early error
		return
	}
	eqb := func(what string, got []byte, want string) {
		t.Helper()
		if want == "" && got == nil {
			return
		}
		if string(got) != want || got == nil {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	eqb("Method", m.Method(), w.method)
	eqb("RequestURI", m.RequestURI(), w.uri)
	if w.method != "" != m.IsRequest() {
		t.Errorf("IsRequest = %v", m.IsRequest())
	}
	if m.StatusCode() != w.status {
		t.Errorf("StatusCode = %d, want %d", m.StatusCode(), w.status)
	}
	if w.status != 0 {
		if string(m.Reason()) != w.reason || m.Reason() == nil {
			t.Errorf("Reason = %q, want %q", m.Reason(), w.reason)
		}
	}
	eqb("CallID", m.CallID(), w.callID)
	n, meth := m.CSeq()
	if n != w.cseq || string(meth) != w.cseqMethod {
		t.Errorf("CSeq = %d %q, want %d %q", n, meth, w.cseq, w.cseqMethod)
	}
	eqb("ViaBranch", m.ViaBranch(), w.branch)
	eqb("FromTag", m.FromTag(), w.fromTag)
	eqb("ToTag", m.ToTag(), w.toTag)
	if m.ContentLength() != w.clen {
		t.Errorf("ContentLength = %d, want %d", m.ContentLength(), w.clen)
	}
	if len(m.Body()) != w.bodyLen {
		t.Errorf("len(Body) = %d, want %d", len(m.Body()), w.bodyLen)
	}
	if !strings.HasPrefix(string(m.Body()), w.bodyPrefix) {
		t.Errorf("Body = %.40q, want prefix %q", m.Body(), w.bodyPrefix)
	}
	wl := w.length
	if wl == 0 && w.err == nil {
		wl = len(buf)
	}
	if w.err == nil && m.Len() != wl {
		t.Errorf("Len = %d, want %d", m.Len(), wl)
	}
	st, verr := m.Validate()
	if st != w.status400 || !errors.Is(verr, w.validateErr) || (verr == nil) != (w.validateErr == nil) {
		t.Errorf("Validate = %d, %v; want %d, %v", st, verr, w.status400, w.validateErr)
	}
	for name, v := range w.headers {
		got := m.Header(name)
		if v == absent {
			if got != nil {
				t.Errorf("Header(%q) = %q, want nil", name, got)
			}
			continue
		}
		eqb("Header("+name+")", got, v)
	}
	for name, v := range w.appendHeaders {
		got, ok := m.AppendHeaderValues([]byte("prefix|"), name)
		if !ok || string(got) != "prefix|"+v {
			t.Errorf("AppendHeaderValues(%q) = %q, %v; want %q", name, got, ok, v)
		}
	}
	touchAll(&m)
}

// touchAll calls every accessor, so that a test or fuzz run notices a panic.
func touchAll(m *Message) int {
	n := len(m.Bytes()) + m.Len() + len(m.Method()) + len(m.RequestURI()) + m.StatusCode() +
		m.StatusClass() + len(m.Reason()) + len(m.CallID()) + len(m.ViaBranch()) + len(m.ViaSentBy()) +
		len(m.ViaReceived()) + len(m.FromTag()) + len(m.ToTag()) + len(m.FromURI()) + len(m.ToURI()) +
		len(m.Contact()) + len(m.ContactURI()) + m.ContentLength() + len(m.ContentType()) +
		m.MaxForwards() + len(m.Body()) + len(m.Via()) + len(m.CSeqMethod()) + m.NumHeaders()
	c, meth := m.CSeq()
	n += int(c) + len(meth)
	p, _ := m.ViaRport()
	n += p
	if v, ok := m.TopVia(); ok {
		n += len(v.Host) + v.Port
	}
	var scratch [1024]byte
	for _, name := range []string{"Via", "v:", "Call-ID", "X-Custom-Header", "Route", "Subject", ""} {
		n += len(m.Header(name))
		b, _ := m.AppendHeaderValues(scratch[:0], name)
		n += len(b)
		it := m.Values(name)
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			a, _ := ParseAddr(e)
			n += len(a.URI) + len(e)
		}
	}
	for _, it := range []Values{m.Vias(), m.Routes(), m.RecordRoutes(), m.Contacts()} {
		for e, ok := it.Next(); ok; e, ok = it.Next() {
			v, _ := ParseVia(e)
			n += len(v.Params) + len(e)
		}
	}
	for i := -1; i <= m.NumHeaders(); i++ {
		a, b := m.HeaderAt(i)
		n += len(a) + len(b) + int(m.HeaderIDAt(i))
	}
	for id := HeaderID(0); id <= numHeaderIDs; id++ {
		n += len(m.HeaderByID(id)) + m.Count(id)
	}
	st, _ := m.Validate()
	cid, lt, rt := m.DialogID()
	n += st + len(cid) + len(lt) + len(rt)
	if m.MatchResponse(200, "INVITE") || m.MatchRequest("INVITE") || m.IsMethod("BYE") || m.InDialog(cid, lt, rt) {
		n++
	}
	return n
}

// corpusFiles lists the files of dir matching pattern, sorted.
func corpusFiles(t testing.TB, dir, pattern string) []string {
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// checkTable runs checkMessage on every file of files against table (keyed by
// base name), and checks that table and files match one to one.
func checkTable(t *testing.T, files []string, table map[string]want) {
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		w, ok := table[name]
		if !ok {
			t.Errorf("%s: no expectation in the table", f)
			continue
		}
		buf, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { checkMessage(t, buf, w) })
	}
	for name := range table {
		if !seen[name] {
			t.Errorf("%s: expected but not found", name)
		}
	}
}
