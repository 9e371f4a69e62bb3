package sipfast

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// fields is what the differential test compares: what the engine reads.
type fields struct {
	method  string
	status  int
	callID  string
	cseq    string
	branch  string
	fromTag string
	toTag   string
	clen    int
}

func (f fields) String() string { return fmt.Sprintf("%+v", struct{ f fields }{f}) }

func sipfastFields(m *Message) fields {
	n, meth := m.CSeq()
	f := fields{
		method: string(m.Method()), status: m.StatusCode(), callID: string(m.CallID()),
		cseq: strconv.FormatUint(uint64(n), 10) + " " + string(meth), branch: string(m.ViaBranch()),
		fromTag: string(m.FromTag()), toTag: string(m.ToTag()), clen: m.ContentLength(),
	}
	return f
}

func sipgoFields(msg sip.Message) fields {
	var f fields
	switch r := msg.(type) {
	case *sip.Request:
		f.method = string(r.Method)
	case *sip.Response:
		f.status = r.StatusCode
	}
	if c := msg.CallID(); c != nil {
		f.callID = c.Value()
	}
	if c := msg.CSeq(); c != nil {
		f.cseq = strconv.FormatUint(uint64(c.SeqNo), 10) + " " + string(c.MethodName)
	}
	if v := msg.Via(); v != nil {
		f.branch, _ = v.Params.Get("branch")
	}
	if h := msg.From(); h != nil {
		f.fromTag, _ = h.Params.Get("tag")
	}
	if h := msg.To(); h != nil {
		f.toTag, _ = h.Params.Get("tag")
	}
	f.clen = -1
	if cl := msg.ContentLength(); cl != nil {
		f.clen = int(*cl)
	}
	return f
}

// differentialCorpus is every input the tests know, with a name: the seed
// corpus and the committed fuzz corpora.
func differentialCorpus(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for i, s := range seedCorpus(t) {
		out[fmt.Sprintf("seed%03d", i)] = s
	}
	for _, target := range []string{"FuzzParse", "FuzzFrame"} {
		for _, f := range corpusFiles(t, filepath.Join("testdata", "fuzz", target), "*") {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// go test fuzz v1 files: the first []byte("...") line.
			for _, line := range strings.Split(string(raw), "\n") {
				if strings.HasPrefix(line, "[]byte(") && strings.HasSuffix(line, ")") {
					s, err := strconv.Unquote(line[len("[]byte(") : len(line)-1])
					if err == nil {
						out[target+"/"+filepath.Base(f)] = []byte(s)
					}
					break
				}
			}
		}
	}
	return out
}

// TestDifferentialSipgo compares sipfast with sipgo's parser on every input
// both accept: Call-ID, CSeq, method or status, top Via branch, tags and
// Content-Length must agree.
//
// Where sipgo departs from RFC 3261 the comparison allows for it, and the
// test logs each case:
//   - A datagram without Content-Length: sipgo reports the body length
//     (both take the rest of the datagram as the body).
//   - Methods: sipgo upper-cases them; RFC 3261 §7.1 says they are
//     case-sensitive, and sipfast keeps them as written.
//   - Parameters spelled other than ";tag=" / ";branch=" (upper-case names,
//     LWS around ';' or '=', RFC 3261 §7.3.1, §25.1 SEMI and EQUAL): sipgo
//     misses them or keeps the LWS in the value; such a field is compared
//     only when it is spelled canonically.
//   - Bare LF line ends: sipfast accepts them, sipgo reads the LF as part
//     of a value; such inputs are not compared.
//   - A repeated single-valued header (RFC 3261 §7.3.1; RFC 4475 §3.3.8
//     multi01): sipfast reports the first value, sipgo the last; both
//     messages are invalid.
func TestDifferentialSipgo(t *testing.T) {
	p := sip.NewParser()
	both := 0
	for name, buf := range differentialCorpus(t) {
		if compareSipgo(t, p, name, buf) {
			both++
		}
	}
	t.Logf("%d inputs accepted by both parsers", both)
	if both < 20 {
		t.Errorf("only %d inputs accepted by both parsers", both)
	}
}

// FuzzDifferentialSipgo runs the same comparison on fuzzed inputs that
// Validate finds nothing wrong with: sipgo accepts much malformed input and
// reads it its own way (a parameter without ';', say), which says nothing
// about sipfast.
func FuzzDifferentialSipgo(f *testing.F) {
	for _, s := range seedCorpus(f) {
		f.Add(s)
	}
	p := sip.NewParser()
	f.Fuzz(func(t *testing.T, buf []byte) {
		var m Message
		if m.Parse(buf) != nil {
			return
		}
		if st, _ := m.Validate(); st != 0 {
			return
		}
		compareSipgo(t, p, "fuzz", buf)
	})
}

// compareSipgo parses buf with both parsers and, when both accept it, reports
// any disagreement. It returns whether both accepted.
func compareSipgo(t *testing.T, p *sip.Parser, name string, buf []byte) bool {
	t.Helper()
	var m Message
	err := m.Parse(buf)
	gmsg, gerr := parseSipgo(p, buf)
	if err != nil || gerr != nil {
		return false
	}
	if hdr := buf[:m.Len()-len(m.Body())]; bytes.Count(hdr, []byte("\n")) != bytes.Count(hdr, []byte("\r\n")) {
		// Bare LF line ends: sipfast takes them as line ends, sipgo as
		// part of a value, so the two do not see the same message.
		return false
	}
	a, b := sipfastFields(&m), sipgoFields(gmsg)
	if a.clen == -1 && b.clen == len(m.Body()) {
		b.clen = -1
		t.Logf("%s: no Content-Length; sipgo reports the body length", name)
	}
	if a.method != b.method && strings.EqualFold(a.method, b.method) {
		b.method = a.method
		t.Logf("%s: sipgo upper-cased method %q", name, a.method)
	}
	for _, p := range []struct {
		fa, fb *string
		value  []byte
		param  string
	}{
		{&a.branch, &b.branch, m.Via(), ";branch="},
		{&a.fromTag, &b.fromTag, m.From(), ";tag="},
		{&a.toTag, &b.toTag, m.To(), ";tag="},
	} {
		if *p.fb != *p.fa && (!isToken([]byte(*p.fa)) || !isToken([]byte(*p.fb))) {
			// RFC 3261 §8.1.1.7, §19.3: branch and tag are tokens; what
			// each parser makes of a non-token value is its own business.
			t.Logf("%s: %s value is not a token (sipfast %q, sipgo %q)", name, p.param, *p.fa, *p.fb)
			*p.fa, *p.fb = "", ""
			continue
		}
		i := strings.Index(string(p.value), p.param+*p.fa)
		if *p.fb != *p.fa && *p.fa != "" && (i < 0 || i > 0 && isLWS(p.value[i-1])) {
			t.Logf("%s: sipgo reads %s%s in %q as %q", name, p.param, *p.fa, p.value, *p.fb)
			*p.fa, *p.fb = "", ""
		}
	}
	if m.Count(HCallID) > 1 {
		a.callID, b.callID = "", ""
	}
	if m.Count(HCSeq) > 1 {
		a.cseq, b.cseq = "", ""
	}
	if m.Count(HFrom) > 1 {
		a.fromTag, b.fromTag = "", ""
	}
	if m.Count(HTo) > 1 {
		a.toTag, b.toTag = "", ""
	}
	if a != b {
		t.Errorf("%s: sipfast and sipgo disagree\nsipfast %v\nsipgo   %v\nmessage %.300q", name, a, b, buf)
	}
	return true
}

// parseSipgo runs sipgo's parser on a copy of buf; a panic in sipgo counts
// as a rejection (it is not sipfast's to report).
func parseSipgo(p *sip.Parser, buf []byte) (msg sip.Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("sipgo panicked: %v", r)
		}
	}()
	return p.ParseSIP(append([]byte(nil), buf...))
}
