package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

type codedError struct{ code int }

func (e codedError) Error() string { return fmt.Sprintf("coded %d", e.code) }
func (e codedError) ExitCode() int { return e.code }

func TestExitConstants(t *testing.T) {
	// SIPp's include/defines.h, negative codes as the shell sees them.
	for _, tt := range []struct{ got, want int }{
		{ExitOK, 0}, {ExitFailed, 1}, {ExitInternal, 97}, {ExitUnknown, 98}, {ExitOther, 99},
		{ExitFatal, 255}, {ExitBind, 254}, {ExitRTPCheckFailed, 253},
	} {
		if tt.got != tt.want {
			t.Errorf("constant = %d, want %d", tt.got, tt.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{ErrHelp, ExitOther},
		{ErrVersion, ExitOther},
		{fmt.Errorf("main: %w", ErrHelp), ExitOther},
		{&FlagError{Flag: "-foo", Kind: ErrUnknownFlag}, ExitFailed},
		{&FlagError{Flag: "-rtp_echo", Kind: ErrNotSupported}, ExitFailed},
		{&FlagError{Flag: "-r", Kind: ErrMissingValue}, ExitFailed},
		{&FlagError{Flag: "-r", Value: "x", Kind: ErrBadValue}, ExitFailed},
		{&FlagError{Kind: ErrConflict, Detail: "x"}, ExitFailed},
		{errors.New("anything else"), ExitFailed},
		{codedError{ExitBind}, ExitBind},
		{fmt.Errorf("engine: %w", codedError{ExitFatal}), ExitFatal},
		{errors.Join(errors.New("a"), codedError{ExitInternal}), ExitInternal},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

// sippStatuses are command lines SIPp rejects (or answers) before loading a
// scenario, with the status real SIPp 3.6.1 exits with. None sends traffic.
func sippStatuses() []struct {
	args []string
	want int
} {
	return []struct {
		args []string
		want int
	}{
		{[]string{}, 99},
		{[]string{"-h"}, 99},
		{[]string{"-help"}, 99},
		{[]string{"-h", "stat"}, 99},
		{[]string{"-v"}, 99},
		{[]string{"-r", "abc", "-h"}, 99},
		{[]string{"-foo"}, 1},
		{[]string{"-foo", "-h"}, 1},
		{[]string{"-"}, 1},
		{[]string{"--"}, 1},
		{[]string{"-r"}, 1},
		{[]string{"-t"}, 1},
		{[]string{"-key", "a"}, 1},
		{[]string{"-r", "abc", "127.0.0.1"}, 1},
		{[]string{"--r", "abc", "127.0.0.1"}, 1},
		{[]string{"-rp", "abc", "127.0.0.1"}, 1},
		{[]string{"-rp", "-5", "127.0.0.1"}, 1},
		{[]string{"-m", "abc", "127.0.0.1"}, 1},
		{[]string{"-max_retrans", "x", "127.0.0.1"}, 1},
		{[]string{"-timeout", "1:00", "127.0.0.1"}, 1},
		{[]string{"-d", "1:2:3", "127.0.0.1"}, 1},
		{[]string{"-sn", "nope", "127.0.0.1"}, 1},
		{[]string{"-sd", "nope"}, 1},
		{[]string{"-sn", "uac", "-sf", "x.xml", "127.0.0.1"}, 1},
		{[]string{"-users", "5", "-l", "5", "127.0.0.1"}, 1},
		{[]string{"-cid_type", "uuid", "127.0.0.1"}, 1}, // not a 3.6.1 option
		{[]string{"-trace_timeout", "127.0.0.1"}, 1},
	}
}

// TestExitCodeMatchesSIPp checks ExitCode(Parse(args)) against the
// statuses measured with SIPp 3.6.1.
func TestExitCodeMatchesSIPp(t *testing.T) {
	for _, tt := range sippStatuses() {
		_, err := Parse(tt.args)
		if got := ExitCode(err); got != tt.want {
			t.Errorf("gossip %q: exit %d (%v), SIPp exits %d", tt.args, got, err, tt.want)
		}
	}
	// -sd with a known scenario parses; the caller dumps it and exits 99.
	o, err := Parse([]string{"-sd", "uac"})
	if err != nil || o.ScenarioDump != "uac" {
		t.Errorf("-sd uac: %v, %+v", err, o)
	}
}

// TestExitCodeAgainstRealSIPp re-measures sippStatuses with the installed
// sipp binary, so the table above cannot drift from the real thing. Every
// case fails or exits before SIPp opens a socket.
func TestExitCodeAgainstRealSIPp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the sipp binary")
	}
	sipp, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("sipp not installed: %v", err)
		}
		t.Skipf("sipp not installed: %v", err)
	}
	dir := t.TempDir()
	for _, tt := range sippStatuses() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, sipp, tt.args...)
		cmd.Dir = dir // SIPp may write log files next to itself
		out, err := cmd.CombinedOutput()
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		if timedOut {
			t.Errorf("sipp %q did not exit within 5s", tt.args)
			continue
		}
		got := 0
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee):
			got = ee.ExitCode()
		case err != nil:
			t.Fatalf("sipp %q: %v", tt.args, err)
		}
		if got != tt.want {
			t.Errorf("sipp %q exits %d, table says %d; output: %.200s", tt.args, got, tt.want, out)
		}
	}
}
