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
			_ = err.Error()
			return
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("Parse(%q) accepted Options that fail Validate: %v", args, err)
		}
	})
}
