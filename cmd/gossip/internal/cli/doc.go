// Package cli is gossip's SIPp-compatible command line: it turns the
// arguments a SIPp user would type (single-dash long flags such as -sn,
// -trace_stat or -max_retrans, plus one positional remote_host[:port]) into
// a typed Options value, and maps parse outcomes to SIPp's exit statuses.
//
// Every flag in SIPp's option table is known by name. Flags gossip
// implements are parsed into Options with SIPp's defaults and units
// (time values accept SIPp's ms, s, m and h suffixes, each flag keeping
// SIPp's default unit). SIPp flags gossip does not implement yet are refused
// with an error wrapping ErrNotSupported, so a script that relies on one
// fails loudly instead of running a different test. Anything else that
// looks like a flag is refused with ErrUnknownFlag.
//
// Internally each argument that names a known flag is rewritten to pflag's
// "--name=value" form before github.com/spf13/pflag stores the value, so
// values that start with '-' (-set x -1, -key k -) stay values and pflag
// never reads -sn as a cluster of shorthands.
//
// Exit statuses follow SIPp's include/defines.h: a command line SIPp would
// reject exits 1, -h and -v exit 99 (see ExitCode).
package cli
