package cli

import (
	"errors"
	"fmt"
)

// Exit statuses, as SIPp defines them in include/defines.h. SIPp's negative
// codes are shown as the status a shell sees (-1 is 255, -2 is 254, -3 is
// 253).
const (
	// ExitOK: every call succeeded (EXIT_TEST_OK).
	ExitOK = 0
	// ExitFailed: at least one call failed, or a fatal error happened
	// before the scenario was loaded, which includes every command-line
	// mistake (EXIT_TEST_FAILED).
	ExitFailed = 1
	// ExitInternal: the test was stopped from inside (a scenario's
	// stop_now, or a global -timeout that fired before any call succeeded)
	// (EXIT_TEST_RES_INTERNAL).
	ExitInternal = 97
	// ExitUnknown: SIPp's internal "decide from the call counters" marker
	// (EXIT_TEST_RES_UNKNOWN); it does not normally reach the shell.
	ExitUnknown = 98
	// ExitOther: nothing was run because -h, -v, -sd, -bg's parent or an
	// empty command line asked for something else (EXIT_OTHER).
	ExitOther = 99
	// ExitFatal: fatal error while running (EXIT_FATAL_ERROR, -1).
	ExitFatal = 255
	// ExitBind: the local address could not be bound (EXIT_BIND_ERROR, -2).
	ExitBind = 254
	// ExitRTPCheckFailed: RTP checks or RTP echo reported errors
	// (EXIT_RTPCHECK_FAILED, -3).
	ExitRTPCheckFailed = 253
)

// Sentinel errors. Errors returned by Parse and Validate wrap exactly one of
// them; test with errors.Is.
var (
	// ErrHelp is returned by Parse for -h, -help and an empty command line:
	// the caller prints Usage and exits with ExitOther.
	ErrHelp = errors.New("help requested")
	// ErrVersion is returned by Parse for -v: the caller prints its version
	// and exits with ExitOther.
	ErrVersion = errors.New("version requested")
	// ErrUnknownFlag: an argument starting with '-' that is not a SIPp or
	// gossip flag.
	ErrUnknownFlag = errors.New("unknown flag")
	// ErrNotSupported: a real SIPp flag (or flag value) that gossip does not
	// implement yet.
	ErrNotSupported = errors.New("not supported yet")
	// ErrBadValue: a flag value (or the remote address) that does not parse
	// or is out of range.
	ErrBadValue = errors.New("invalid value")
	// ErrMissingValue: a flag at the end of the command line without the
	// value(s) it takes.
	ErrMissingValue = errors.New("missing value")
	// ErrConflict: flags or arguments that cannot be used together.
	ErrConflict = errors.New("conflicting arguments")
)

// FlagError describes one command-line mistake. Kind is one of the
// sentinel errors above; errors.Is(err, ErrBadValue) and friends see it
// through Unwrap.
type FlagError struct {
	// Flag is the flag as the help spells it ("-r"); for ErrUnknownFlag
	// it is the argument as typed. It is "" when the mistake is about the
	// positional remote address.
	Flag string
	// Value is the offending value as typed, if any.
	Value string
	// Kind is the sentinel: ErrUnknownFlag, ErrNotSupported, ErrBadValue,
	// ErrMissingValue or ErrConflict.
	Kind error
	// Detail says what is wrong in words; for ErrConflict (and a few
	// ErrNotSupported cases) it is the whole message.
	Detail string
	// Cause is the underlying error, if any.
	Cause error
}

// Error implements error.
func (e *FlagError) Error() string {
	switch {
	case errors.Is(e.Kind, ErrBadValue):
		what := "for " + e.Flag
		if e.Flag == "" {
			what = "remote address"
			return fmt.Sprintf("invalid %s %q: %s", what, e.Value, e.Detail)
		}
		return fmt.Sprintf("invalid value %q %s: %s", e.Value, what, e.Detail)
	case errors.Is(e.Kind, ErrMissingValue):
		if e.Detail != "" {
			return fmt.Sprintf("missing value for %s: %s (see gossip -h)", e.Flag, e.Detail)
		}
		return fmt.Sprintf("missing value for %s (see gossip -h)", e.Flag)
	case errors.Is(e.Kind, ErrUnknownFlag):
		if e.Detail != "" {
			return fmt.Sprintf("unknown flag %s (%s; see gossip -h)", e.Flag, e.Detail)
		}
		return fmt.Sprintf("unknown flag %s (see gossip -h)", e.Flag)
	case errors.Is(e.Kind, ErrNotSupported):
		if e.Detail != "" {
			return e.Detail
		}
		return e.Flag + " is a SIPp flag gossip does not support yet"
	default:
		if e.Detail != "" {
			return e.Detail
		}
		return fmt.Sprintf("%s: %v", e.Flag, e.Kind)
	}
}

// Unwrap returns the sentinel kind and, if any, the underlying cause.
func (e *FlagError) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// ExitCoder is implemented by errors that carry their own exit status
// (for example a bind failure raised by the engine); ExitCode honours it.
type ExitCoder interface {
	ExitCode() int
}

// ExitCode returns the status SIPp exits with for err: ExitOK for nil,
// ExitOther for ErrHelp and ErrVersion, the error's own status when some
// error in its chain implements ExitCoder, and ExitFailed otherwise — real
// SIPp exits 1 for every command-line mistake (unknown flag, missing value,
// bad value, unknown built-in scenario), because it has not loaded a
// scenario yet.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, ErrHelp) || errors.Is(err, ErrVersion) {
		return ExitOther
	}
	var ec ExitCoder
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitFailed
}
