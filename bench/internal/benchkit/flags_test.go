package benchkit

import (
	"bytes"
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseAndDefault(t *testing.T) {
	var stderr bytes.Buffer
	fs := NewFlagSet("h", "Usage: h [flags]\n\nDoes things.\n\n", &stderr)
	short := fs.Bool("short", false, "quick run")
	n := fs.Int("n", 0, "count")
	d := fs.Duration("d", 0, "length")
	given, err := Parse(fs, []string{"-short", "-n", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if !*short || !given["short"] || !given["n"] || given["d"] {
		t.Fatalf("short %v, given %v; want -short and -n given, -d not", *short, given)
	}
	Default(given, "n", n, 10)
	Default(given, "d", d, time.Second)
	if *n != 3 || *d != time.Second {
		t.Errorf("n %d, d %s; want the given 3 kept and the default 1s set", *n, *d)
	}

	if _, err := Parse(NewFlagSet("h", "", &stderr), []string{"stray"}); err == nil || err.Error() != `unexpected argument "stray" (flags only)` {
		t.Errorf("stray argument: %v", err)
	}
	if _, err := Parse(NewFlagSet("h", "", &stderr), []string{"-bogus"}); err == nil {
		t.Error("-bogus parsed")
	}

	stderr.Reset()
	fs = NewFlagSet("h", "Usage: h [flags]\n\nDoes things.\n\n", &stderr)
	fs.Int("n", 0, "count")
	if _, err := Parse(fs, []string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v, want flag.ErrHelp", err)
	}
	if got := stderr.String(); !strings.HasPrefix(got, "Usage: h [flags]\n\nDoes things.\n\n  -n int\n    \tcount\n") {
		t.Errorf("-h printed %q", got)
	}

	fs = flag.NewFlagSet("g", flag.ContinueOnError)
	fs.Int("a", 0, "")
	fs.Int("b", 0, "")
	if err := fs.Parse([]string{"-b", "1", "x"}); err != nil {
		t.Fatal(err)
	}
	if got := GivenFlags(fs); !reflect.DeepEqual(got, Given{"b": true}) {
		t.Errorf("GivenFlags %v, want only b", got)
	}
}

func TestChoosePairs(t *testing.T) {
	names := []string{"a-a", "b-b", "c-c"}
	fs := flag.NewFlagSet("p", flag.ContinueOnError)
	list := PairsFlag(fs, names)
	if *list != "a-a,b-b,c-c" || fs.Lookup("pairs").Usage != "comma-separated pairs to run: a-a, b-b, c-c" {
		t.Errorf("-pairs default %q, usage %q", *list, fs.Lookup("pairs").Usage)
	}
	for in, want := range map[string][]string{
		"a-a,b-b,c-c":   {"a-a", "b-b", "c-c"},
		" c-c , a-a":    {"a-a", "c-c"},
		"b-b,,b-b,":     {"b-b"},
		"c-c,b-b,a-a,a": nil, // unknown "a"
	} {
		got, err := ChoosePairs(in, names, nil)
		if want == nil {
			if err == nil || err.Error() != `-pairs: unknown pair "a" (want some of a-a, b-b, c-c)` {
				t.Errorf("%q: %v, %v; want the unknown pair refused", in, got, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ChoosePairs(" , ", names, nil); err == nil || err.Error() != "-pairs: no pair chosen" {
		t.Errorf("empty list: %v", err)
	}
	errB := errors.New("no b here")
	check := func(p string) error {
		if p == "b-b" {
			return errB
		}
		return nil
	}
	if _, err := ChoosePairs("a-a,b-b", names, check); err != errB {
		t.Errorf("check: %v, want its own error", err)
	}
	if got, err := ChoosePairs("c-c,a-a", names, check); err != nil || !reflect.DeepEqual(got, []string{"a-a", "c-c"}) {
		t.Errorf("check passing: %v, %v", got, err)
	}
}

func TestLogger(t *testing.T) {
	var b bytes.Buffer
	logf := Logger(&b, "bench")
	logf("ramping to %d calls", 5)
	logf("done")
	if got, want := b.String(), "bench: ramping to 5 calls\nbench: done\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
