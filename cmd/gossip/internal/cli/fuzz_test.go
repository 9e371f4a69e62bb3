package cli

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary command lines (arguments separated by
// NUL bytes, which a real argv cannot contain) and checks that it never
// panics, that every error is one of the documented kinds, and that what it
// accepts validates.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"",
		"-sn\x00uac\x00127.0.0.1",
		"-key\x00a\x00b\x00-key\x00c\x00d",
		"-set\x00x\x00-1\x00-set\x00y\x00-",
		"-r\x00-h",
		"-rp\x001.5s\x00-timeout\x0010m\x00-d\x00250ms",
		"-inf\x00users.csv\x00-rtp_echo\x00[::1]:5060",
		"--sn\x00uas\x00-p\x000x13c4\x00-t\x00t1",
		"-\x00--\x00-r=5",
		"-users\x005\x00-l\x005",
	} {
		f.Add(seed)
	}
	kinds := []error{ErrHelp, ErrVersion, ErrUnknownFlag, ErrNotSupported, ErrBadValue, ErrMissingValue, ErrConflict}
	f.Fuzz(func(t *testing.T, s string) {
		var args []string
		if s != "" {
			args = strings.Split(s, "\x00")
		}
		o, err := Parse(args)
		if err != nil {
			if o != nil {
				t.Fatalf("Parse(%q) returned Options and %v", args, err)
			}
			known := false
			for _, k := range kinds {
				known = known || errors.Is(err, k)
			}
			if !known {
				t.Fatalf("Parse(%q): undocumented error %v", args, err)
			}
			if c := ExitCode(err); c != ExitFailed && c != ExitOther {
				t.Fatalf("ExitCode(Parse(%q)) = %d", args, c)
			}
			if errors.Is(err, ErrHelp) || errors.Is(err, ErrVersion) {
				return
			}
			checkNamesFlag(t, args, err)
			return
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("Parse(%q) accepted Options that fail Validate: %v", args, err)
		}
	})
}

// checkNamesFlag asserts that a command-line error says which argument is
// wrong: each *FlagError in err (errors.Join may hold several) names its
// flag, one the command line gave, or, about the remote address, says so.
func checkNamesFlag(t *testing.T, args []string, err error) {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok && !isFlagError(err) {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var fe *FlagError
		if !errors.As(e, &fe) {
			t.Fatalf("Parse(%q): %v is not a *FlagError", args, e)
		}
		msg := e.Error()
		if fe.Flag == "" {
			if !strings.Contains(msg, "remote address") && !strings.Contains(msg, "address") {
				t.Fatalf("Parse(%q): %q names neither a flag nor the remote address", args, msg)
			}
			continue
		}
		if !strings.Contains(msg, fe.Flag) {
			t.Fatalf("Parse(%q): %q does not name its flag %s", args, msg, fe.Flag)
		}
		if errors.Is(fe, ErrUnknownFlag) {
			continue // the argument as typed (quoted when it is odd)
		}
		name := strings.TrimPrefix(fe.Flag, "-")
		given := false
		for _, a := range args {
			given = given || strings.TrimLeft(a, "-") == name
		}
		if !given {
			t.Fatalf("Parse(%q): %q blames %s, which the command line does not give", args, msg, fe.Flag)
		}
	}
}

func isFlagError(err error) bool {
	_, ok := err.(*FlagError)
	return ok
}
