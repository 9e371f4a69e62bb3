package benchkit

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// NewFlagSet returns the flag set of harness name: errors are returned,
// not fatal, and -h prints intro (the usage line and what the harness
// does) followed by the flags, all to stderr.
func NewFlagSet(name, intro string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, intro)
		fs.PrintDefaults()
	}
	return fs
}

// Given is the set of flags a command line gave, by name.
type Given map[string]bool

// GivenFlags returns the flags the command line parsed into fs gave.
func GivenFlags(fs *flag.FlagSet) Given {
	given := Given{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	return given
}

// Parse parses args into fs, refuses anything after the flags (the
// harnesses take flags only) and returns the flags given.
func Parse(fs *flag.FlagSet, args []string) (Given, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	return GivenFlags(fs), nil
}

// Default sets *v to def unless the command line gave flag name: the way
// the harnesses give a flag a default that depends on another flag (most
// often -short), explicit flags always winning.
func Default[T any](given Given, name string, v *T, def T) {
	if !given[name] {
		*v = def
	}
}

// PairsFlag defines -pairs on fs: a comma-separated list of the pairs of
// UAC and UAS to run, out of names (all of them by default). ChoosePairs
// reads its value.
func PairsFlag(fs *flag.FlagSet, names []string) *string {
	return fs.String("pairs", strings.Join(names, ","), "comma-separated pairs to run: "+strings.Join(names, ", "))
}

// ChoosePairs reads a -pairs value: the pairs list names, in the order of
// names and each once. Every name must be one of names and, when check is
// not nil, pass it (its error is returned as it is); at least one must be
// chosen.
func ChoosePairs(list string, names []string, check func(name string) error) ([]string, error) {
	chosen := map[string]bool{}
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(names, p) {
			return nil, fmt.Errorf("-pairs: unknown pair %q (want some of %s)", p, strings.Join(names, ", "))
		}
		if check != nil {
			if err := check(p); err != nil {
				return nil, err
			}
		}
		chosen[p] = true
	}
	var pairs []string
	for _, p := range names {
		if chosen[p] {
			pairs = append(pairs, p)
		}
	}
	if len(pairs) == 0 {
		return nil, errors.New("-pairs: no pair chosen")
	}
	return pairs, nil
}
