package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestUsage(t *testing.T) {
	var buf bytes.Buffer
	Usage(&buf)
	out := buf.String()

	golden := filepath.Join("testdata", "usage.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if out != string(want) {
		t.Errorf("Usage output differs from %s (run go test -update after checking it):\n%s", golden, out)
	}

	for i, l := range strings.Split(out, "\n") {
		if len(l) > 100 {
			t.Errorf("line %d is %d columns: %q", i+1, len(l), l)
		}
		if strings.TrimRight(l, " ") != l {
			t.Errorf("line %d has trailing spaces: %q", i+1, l)
		}
	}
	for sec := section(0); sec < numSections; sec++ {
		if !strings.Contains(out, "\n"+sec.title()+":\n") {
			t.Errorf("section %q missing", sec.title())
		}
	}
	for _, s := range implementedFlags() {
		if !strings.Contains(out, "\n  -"+s.name+" ") && !strings.Contains(out, "\n  -"+s.name+"\n") {
			t.Errorf("flag -%s missing from Usage", s.name)
		}
	}
	for name := range sippOnlyFlags() {
		if !strings.Contains(out, " -"+name+" ") && !strings.Contains(out, " -"+name+"\n") {
			t.Errorf("refused flag -%s not listed in Usage", name)
		}
	}
	for _, s := range []string{"-h, -help", "  -v ", "remote_host[:port]", "does not support yet", "(default 10)", "(unit ms, default 1s)"} {
		if !strings.Contains(out, s) {
			t.Errorf("Usage lacks %q", s)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc averyveryverylongword d", 8)
	want := []string{"aaa bbb", "ccc", "averyveryverylongword", "d"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrap = %q, want %q", got, want)
	}
	if got := wrap("", 10); len(got) != 1 || got[0] != "" {
		t.Errorf("wrap(\"\") = %q", got)
	}
}
