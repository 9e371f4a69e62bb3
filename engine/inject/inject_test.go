package inject

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustParse(t testing.TB, name, text string) *File {
	t.Helper()
	f, err := Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fields renders every field of every line: "a|b;c|d" style, lines joined
// by newlines, a missing field as <none>.
func fieldsOf(f *File, nFields int) string {
	var b strings.Builder
	for l := 0; l < f.NumLines(); l++ {
		if l > 0 {
			b.WriteByte('\n')
		}
		for k := 0; k < nFields; k++ {
			if k > 0 {
				b.WriteByte('|')
			}
			v, ok := f.AppendField(nil, l, k)
			if !ok {
				b.WriteString("<none>")
				continue
			}
			b.Write(v)
		}
	}
	return b.String()
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, text string
		order      Order
		fields     int
		want       string
	}{
		{"sipp doc example", "SEQUENTIAL\n#This line will be ignored\nSarah;sipphone32\nBob;sipphone12\n#This line too\nFred;sipphone94\n",
			Sequential, 2, "Sarah|sipphone32\nBob|sipphone12\nFred|sipphone94"},
		{"random", "RANDOM\na;b\n", Random, 2, "a|b"},
		{"user", "USER\nu1;p1\nu2;p2", User, 2, "u1|p1\nu2|p2"},
		{"USERS spelling", "USERS\nu1\n", User, 1, "u1"},
		{"keyword anywhere, RANDOM first", "my SEQUENTIAL or RANDOM file\nx\n", Random, 1, "x"},
		{"CRLF", "SEQUENTIAL\r\na;b\r\nc;d\r\n", Sequential, 2, "a|b\nc|d"},
		{"no final newline", "SEQUENTIAL\na;b", Sequential, 2, "a|b"},
		{"missing and empty fields", "SEQUENTIAL\na\nb;\n;c\n;;\n", Sequential, 3,
			"a|<none>|<none>\nb||<none>\n|c|<none>\n||"},
		{"blank line ends the data", "SEQUENTIAL\na\n\nb\n", Sequential, 1, "a"},
		{"CR-only line is an empty record", "SEQUENTIAL\na\n\r\nb\n", Sequential, 1, "a\n\nb"},
		{"hash only at line start", "SEQUENTIAL\n #x;y\na#b\n", Sequential, 2, " #x|y\na#b|<none>"},
		{"authentication keyword is a field", "SEQUENTIAL\nUser0001;[authentication username=joe password=schmo]\n", Sequential, 2,
			"User0001|[authentication username=joe password=schmo]"},
		{"spaces kept", "SEQUENTIAL\n a ; b \n", Sequential, 2, " a | b "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "dir/users.csv", tc.text)
			if f.Order() != tc.order {
				t.Errorf("order %s, want %s", f.Order(), tc.order)
			}
			if got := fieldsOf(f, tc.fields); got != tc.want {
				t.Errorf("fields\n%s\nwant\n%s", got, tc.want)
			}
			if f.Name() != "users.csv" || f.Path() != "dir/users.csv" {
				t.Errorf("name %q path %q", f.Name(), f.Path())
			}
		})
	}
	if f := mustParse(t, "a", "SEQUENTIAL\na\n\n\n"); f.IgnoredFrom() != 0 {
		t.Errorf("trailing blank lines: IgnoredFrom %d", f.IgnoredFrom())
	}
	if f := mustParse(t, "a", "SEQUENTIAL\na\n\n#c\nb\n"); f.IgnoredFrom() != 3 {
		t.Errorf("IgnoredFrom %d, want 3", f.IgnoredFrom())
	}
	if f := mustParse(t, `C:\sipp\users.csv`, "USER\nx\n"); f.Name() != "users.csv" {
		t.Errorf("backslash base name %q", f.Name())
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		text string
		want error
		msg  string
	}{
		{"", ErrHeader, `users.csv:1: unknown file type "" (the first line must say SEQUENTIAL, RANDOM or USER)`},
		{"sequential\na\n", ErrHeader, `users.csv:1: unknown file type "sequential" (the first line must say SEQUENTIAL, RANDOM or USER)`},
		{"SEQUENTIAL\n", ErrEmpty, "users.csv:1: no data lines after the header"},
		{"SEQUENTIAL\n#only\n#comments\n", ErrEmpty, "users.csv:3: no data lines after the header"},
		{"SEQUENTIAL\n\na\n", ErrEmpty, "users.csv:2: no data lines after the header"},
		{"SEQUENTIAL,PRINTF\nx\n", ErrHeader, `users.csv:1: PRINTF needs '=' in "SEQUENTIAL,PRINTF"`},
		{"SEQUENTIAL,PRINTF=0\nx\n", ErrHeader, `users.csv:1: PRINTF=0: a printf file needs 1 to 2147483647 virtual lines in "SEQUENTIAL,PRINTF=0"`},
		{"SEQUENTIAL,PRINTF=\nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTF=-3\nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTF=10x\nx\n", ErrHeader, `users.csv:1: PRINTF: invalid character 'x' after the number in "SEQUENTIAL,PRINTF=10x"`},
		{"SEQUENTIAL,PRINTF=10 \nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTFOFFSET=3,PRINTF=10\nx\n", ErrHeader, ""}, // SIPp: the first PRINTF must have '='
		{"SEQUENTIAL,PRINTFOFFSET=3\nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTF=10,PRINTFMULTIPLE=x\nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTF=10,PRINTFOFFSET=99999999999\nx\n", ErrHeader, ""},
		{"SEQUENTIAL,PRINTF=3\nuser%03d\n#c\nuser%s\n", ErrPrintf, `users.csv:4: conversion "%s": only %[-0][width][.precision]d is allowed`},
		{"SEQUENTIAL,PRINTF=3\na;100%\n", ErrPrintf, `users.csv:2: conversion "%" runs off the end of the line (only %[-0][width][.precision]d is allowed)`},
		{"SEQUENTIAL,PRINTF=3\na%%\n", ErrPrintf, ""}, // SIPp: the second '%' starts a conversion
		{"SEQUENTIAL,PRINTF=3\n%1-2d\n", ErrPrintf, ""},
		{"SEQUENTIAL,PRINTF=3\n%5;d\n", ErrPrintf, ""},
		{"SEQUENTIAL,PRINTF=3\n%99999d\n", ErrPrintf, ""},
	}
	for _, tc := range cases {
		_, err := Parse("users.csv", []byte(tc.text))
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.text, err, tc.want)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || se.File != "users.csv" || se.Line < 1 {
			t.Errorf("%q: %v is not a *SyntaxError with file and line", tc.text, err)
		}
		if tc.msg != "" && err.Error() != tc.msg {
			t.Errorf("%q:\n got %s\nwant %s", tc.text, err, tc.msg)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestPrintf(t *testing.T) {
	cases := []struct {
		name, text string
		fields     int
		want       string
	}{
		{"sipp doc: cycling templates", "USERS,PRINTF=4\nuser%03d;password%03d;Foo\nuser%03d;password%03d;Bar\n", 3,
			"user000|password000|Foo\nuser001|password001|Bar\nuser002|password002|Foo\nuser003|password003|Bar"},
		{"multiple", "SEQUENTIAL,PRINTF=3,PRINTFMULTIPLE=2\n%d\n", 1, "0\n2\n4"},
		{"offset", "SEQUENTIAL,PRINTF=3,PRINTFOFFSET=100\n%d\n", 1, "100\n101\n102"},
		{"multiple then offset", "SEQUENTIAL,PRINTF=3,PRINTFMULTIPLE=2,PRINTFOFFSET=10\n%d\n", 1, "10\n12\n14"},
		{"hex and octal numbers", "SEQUENTIAL,PRINTF=0x2,PRINTFOFFSET=010\n%d\n", 1, "8\n9"},
		{"negative offset", "SEQUENTIAL,PRINTF=3,PRINTFOFFSET=-1\n%d\n", 1, "-1\n0\n1"},
		{"widths and flags", "SEQUENTIAL,PRINTF=2,PRINTFOFFSET=-1\n[%5d][%-5d][%05d][%.3d][%-05d][%.0d][%8.3d]\n", 1,
			"[   -1][-1   ][-0001][-001][-1   ][-1][    -001]\n[    0][0    ][00000][000][0    ][][     000]"},
		{"percent quirk: %% writes one and converts", "SEQUENTIAL,PRINTF=1,PRINTFOFFSET=7\n100%%d;a%%%02d\n", 2, "100%7|a%%07"},
		{"text without conversions", "SEQUENTIAL,PRINTF=2\nfixed;x\n", 2, "fixed|x\nfixed|x"},
		{"32-bit wrap like SIPp's int", "SEQUENTIAL,PRINTF=2,PRINTFOFFSET=2147483647\n%d\n", 1, "2147483647\n-2147483648"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "p.csv", tc.text)
			if got := fieldsOf(f, tc.fields); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	f := mustParse(t, "p.csv", "SEQUENTIAL,PRINTF=1000000\nuser%06d;pw\n")
	if f.NumLines() != 1000000 || f.DataLines() != 1 || f.Printf() != (Printf{Lines: 1000000, Multiple: 1}) {
		t.Errorf("NumLines %d DataLines %d Printf %+v", f.NumLines(), f.DataLines(), f.Printf())
	}
	if v, _ := f.AppendField(nil, 999999, 0); string(v) != "user999999" {
		t.Errorf("last virtual line %s", v)
	}
	if raw, ok := f.Field(5, 0); !ok || string(raw) != "user%06d" {
		t.Errorf("Field returns the template: %q %v", raw, ok)
	}
	if _, ok := f.AppendField(nil, 1000000, 0); ok {
		t.Error("line past the virtual lines has a field")
	}
}

func TestNextLine(t *testing.T) {
	seq := mustParse(t, "s.csv", "SEQUENTIAL\na\nb\nc\n")
	for n, want := range []int{0, 1, 2, 0, 1, 2, 0} {
		if l, err := seq.NextLine(uint64(n), 0, nil); l != want || err != nil {
			t.Errorf("sequential call %d: line %d %v, want %d", n, l, err, want)
		}
	}
	if l, _ := seq.NextLine(1<<63+1, 0, nil); l != int((1<<63+1)%3) {
		t.Errorf("large seq: %d", l)
	}

	usr := mustParse(t, "u.csv", "USER\nu1\nu2\n")
	for user, want := range map[int]int{0: NoLine, 1: 0, 2: 1} {
		if l, err := usr.NextLine(99, user, nil); l != want || err != nil {
			t.Errorf("user %d: line %d %v, want %d", user, l, err, want)
		}
	}
	if _, err := usr.NextLine(0, 3, nil); !errors.Is(err, ErrUserRange) || err.Error() != "user beyond the injection file's lines: u.csv has only 2 lines, yet user 3 was requested" {
		t.Errorf("user 3: %v", err)
	}
	if v, ok := usr.AppendField(nil, NoLine, 0); ok || len(v) != 0 {
		t.Error("NoLine has a field")
	}

	rnd := mustParse(t, "r.csv", "RANDOM\na\nb\nc\nd\ne\n")
	src := rand.New(rand.NewPCG(1, 2))
	var counts [5]int
	for n := range 10000 {
		l, err := rnd.NextLine(uint64(n), 0, src)
		if err != nil || l < 0 || l >= 5 {
			t.Fatalf("random line %d %v", l, err)
		}
		counts[l]++
	}
	for l, c := range counts {
		if c < 1800 || c > 2200 {
			t.Errorf("line %d drawn %d times of 10000 (want about 2000)", l, c)
		}
	}
	// Without a Source: deterministic per seq, still spread.
	a, _ := rnd.NextLine(42, 0, nil)
	b, _ := rnd.NextLine(42, 0, nil)
	seen := map[int]bool{}
	for n := range 100 {
		l, _ := rnd.NextLine(uint64(n), 0, nil)
		seen[l] = true
	}
	if a != b || len(seen) != 5 {
		t.Errorf("hash-drawn lines: %d %d, %d distinct", a, b, len(seen))
	}
}

func TestSet(t *testing.T) {
	caller := mustParse(t, "/x/caller.csv", "USER\nalice;127.0.0.2\nbob;127.0.0.3\n")
	callee := mustParse(t, "callee.csv", "SEQUENTIAL\ncarol\ndave\nerin\n")
	s := NewSet(caller, callee)
	if i, err := s.FileIndex(""); i != 0 || err != nil {
		t.Errorf("default: %d %v", i, err)
	}
	if i, err := s.FileIndex("callee.csv"); i != 1 || err != nil {
		t.Errorf("callee: %d %v", i, err)
	}
	if _, err := s.FileIndex("/x/caller.csv"); !errors.Is(err, ErrUnknownFile) || !strings.Contains(err.Error(), "caller.csv, callee.csv") {
		t.Errorf("a path is not a name: %v", err)
	}
	if _, err := NewSet().FileIndex(""); !errors.Is(err, ErrNoFiles) {
		t.Errorf("no files: %v", err)
	}

	var lines []int32
	var err error
	lines, err = s.NextLines(lines[:0], 4, 2, nil)
	if err != nil || len(lines) != 2 || lines[0] != 1 || lines[1] != 1 {
		t.Fatalf("lines %v %v", lines, err)
	}
	if v, _ := s.File(0).AppendField(nil, int(lines[0]), 0); string(v) != "bob" {
		t.Errorf("caller field0 %s", v)
	}
	if v, ok := s.AppendIPField(nil, lines, 1); !ok || string(v) != "127.0.0.3" {
		t.Errorf("ip field %s %v", v, ok)
	}
	if _, err := s.NextLines(nil, 0, 3, nil); !errors.Is(err, ErrUserRange) {
		t.Errorf("user 3: %v", err)
	}
	if err := s.CheckUsers(2); err != nil {
		t.Error(err)
	}
	if err := s.CheckUsers(3); !errors.Is(err, ErrUserRange) {
		t.Errorf("CheckUsers(3): %v", err)
	}

	// Same base name again: replaces in place (SIPp keys files by name).
	s.Add(mustParse(t, "other/callee.csv", "RANDOM\nzed\n"))
	if s.Len() != 2 || s.File(1).Order() != Random {
		t.Errorf("replace: %d files, %s", s.Len(), s.File(1).Order())
	}
}

func TestIndexLookup(t *testing.T) {
	users := mustParse(t, "users.conf", "USERS\nalice;x;y;pass_A\nbob;x;y;pass_B\ncarol\nalice;x;y;pass_A2\n")
	pf := mustParse(t, "p.csv", "SEQUENTIAL,PRINTF=1000,PRINTFOFFSET=5000\nuser%d;pw%d\n")
	s := NewSet(users, pf)
	if _, err := s.Lookup([]byte("users.conf"), []byte("bob")); !errors.Is(err, ErrNotIndexed) {
		t.Errorf("before -infindex: %v", err)
	}
	if err := s.AddIndex("users.conf", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIndex("p.csv", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIndex("nope.csv", 0); !errors.Is(err, ErrUnknownFile) {
		t.Errorf("unknown: %v", err)
	}
	for key, want := range map[string]int{"alice": 3, "bob": 1, "carol": 2, "dave": -1, "": -1} {
		if got, err := s.Lookup([]byte("users.conf"), []byte(key)); got != want || err != nil {
			t.Errorf("lookup %q: %d %v, want %d", key, got, err, want)
		}
	}
	// The documented use: [field3 line="[$line]"] after a lookup.
	l, _ := s.Lookup([]byte("users.conf"), []byte("bob"))
	if v, _ := users.AppendField(nil, l, 3); string(v) != "pass_B" {
		t.Errorf("password %s", v)
	}
	if got, _ := s.Lookup([]byte("p.csv"), []byte("user5999")); got != 999 {
		t.Errorf("printf index: %d", got)
	}
	if _, err := s.Lookup([]byte("x.csv"), []byte("a")); !errors.Is(err, ErrUnknownFile) {
		t.Errorf("unknown file: %v", err)
	}
	// A line without the indexed field indexes as "".
	idx := mustParse(t, "i.csv", "SEQUENTIAL\na;1\n;2\n")
	if err := NewSet(idx).AddIndex("i.csv", 1); err != nil {
		t.Fatal(err)
	}
	if idx.Lookup([]byte("2")) != 1 || idx.Lookup(nil) != -1 || idx.IndexField() != 1 {
		t.Error("index on field 1")
	}
}

func TestParseLine(t *testing.T) {
	cases := []struct {
		in   string
		want int
		err  bool
	}{
		{"3", 3, false}, {" \t3", 3, false}, {"+3", 3, false}, {"3.000000", 3, false}, {"3.9", 3, false},
		{"-1.000000", -1, false}, {"-0.5", 0, false}, {"", 0, false}, {"  ", 0, false}, {"1e2", 100, false},
		{"0x10", 16, false}, {".5", 0, false}, {"99999999999", NoLine, false}, {"inf", NoLine, false}, {"nan", NoLine, false},
		{"3 ", 0, true}, {"abc", 0, true}, {"3a", 0, true}, {"-", 0, true}, {".", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseLine([]byte(tc.in))
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseLine(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !errors.Is(err, ErrBadNumber) {
			t.Errorf("ParseLine(%q): %v is not ErrBadNumber", tc.in, err)
		}
	}
	for in, want := range map[string]int{"0": 0, "12": 12, "0x1f": 31, "017": 15} {
		if got, err := ParseFieldNumber(in); got != want || err != nil {
			t.Errorf("ParseFieldNumber(%q) = %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "1 ", "-1", "08"} {
		if _, err := ParseFieldNumber(in); !errors.Is(err, ErrBadNumber) {
			t.Errorf("ParseFieldNumber(%q): %v", in, err)
		}
	}
}

func TestNoAllocations(t *testing.T) {
	plain := mustParse(t, "u.csv", "SEQUENTIAL\nalice;secret;[authentication username=alice password=secret]\nbob;pw\n")
	pf := mustParse(t, "p.csv", "RANDOM,PRINTF=100000,PRINTFOFFSET=1000\nuser%06d;%d\n")
	s := NewSet(plain, pf)
	if err := s.AddIndex("u.csv", 0); err != nil {
		t.Fatal(err)
	}
	src := rand.New(rand.NewPCG(3, 4))
	lines := make([]int32, 0, 2)
	buf := make([]byte, 0, 256)
	file := []byte("u.csv")
	key := []byte("bob")
	one := []byte("1.000000")
	var n uint64
	allocs := testing.AllocsPerRun(1000, func() {
		n++
		var err error
		lines, err = s.NextLines(lines[:0], n, 0, src)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := plain.Field(int(lines[0]), 1); !ok || len(v) == 0 {
			t.Fatal("field")
		}
		buf, _ = plain.AppendField(buf[:0], int(lines[0]), 0)
		buf, _ = pf.AppendField(buf, int(lines[1]), 0)
		if l, err := s.Lookup(file, key); l != 1 || err != nil {
			t.Fatal("lookup")
		}
		if l, err := ParseLine(one); l != 1 || err != nil {
			t.Fatal("ParseLine")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per call, want 0", allocs)
	}
}
