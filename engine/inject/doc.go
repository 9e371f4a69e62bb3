// Package inject reads SIPp injection files (-inf) and answers the
// engine's questions about them: which line a call uses, what its [fieldN]
// values are, and which line holds a value (-infindex and the lookup
// action).
//
// # Format
//
// Parse documents the format as SIPp 3.6 reads it (src/infile.cpp): a
// header line naming the order (SEQUENTIAL, RANDOM, USER) and optionally
// PRINTF=n, PRINTFOFFSET=k, PRINTFMULTIPLE=m; then records of
// ';'-separated fields, '#' comment lines, an empty line ending the data.
// A field may hold any text, [authentication username=... password=...]
// included: that is resolved when the engine renders it.
//
// Errors name the file and line (users.csv:7: ...), as *SyntaxError
// wrapping a sentinel (ErrHeader, ErrEmpty, ErrPrintf). Where SIPp reports
// a bad PRINTF template when a call first uses it and stops the run, Parse
// reports it at load.
//
// # Line selection
//
// Every call a scenario starts or accepts (UAC and UAS alike) draws one
// line per file when it starts (Set.NextLines), whether it uses the file
// or not; so does SIPp's <init> pseudo-call, before the first call, so
// with an <init> section the first call is sequence number 1. Automatic
// calls (-aa answers, out-of-call scenarios) draw none and cannot use
// fields (a fatal error in SIPp):
//
//   - SEQUENTIAL: the call's sequence number modulo the number of lines.
//     SIPp keeps one counter per file; gossip takes the number the engine
//     gives each call, so shards need no shared counter: calls 0, 1, 2, ...
//     get lines 0, 1, 2, ... and wrap.
//   - RANDOM: uniform, from the shard's own generator (a Source), or from a
//     hash of the sequence number when there is none.
//   - USER: line u-1 for the call of -users user u (1-based); a call
//     without a user gets NoLine (empty fields). A USER file shorter than
//     -users is an error (Set.CheckUsers at setup; SIPp fails at run
//     time).
//   - [fieldN line="..."] overrides the call's line: the rendered text is
//     read by ParseLine (as strtod: "3", "3.000000", "" is 0, -1 from a
//     failed lookup); a line outside the file renders nothing.
//   - PRINTF=n files have n virtual lines cycling over their template
//     lines; line v's %d conversions show PRINTFOFFSET + v*PRINTFMULTIPLE.
//     Nothing is materialised: AppendField expands a field when it is
//     rendered.
//
// Several files (-inf a.csv -inf b.csv) each keep their own order; file=
// names one by its base name (FileIndex), and the first file is the
// default. -ip_field N reads field N (default 0) of the first file's line
// as the call's local address for -t ui (Set.AppendIPField).
//
// # Memory and speed
//
// A file is one []byte holding its contents plus a 4-byte offset per data
// line: a million-line file loads in tens of milliseconds with 4 MB on top
// of its size. Field returns a view into that memory; AppendField,
// NextLine(s) and Lookup do not allocate. -infindex builds a map whose keys
// share one string of all the indexed values. Files are immutable after
// setup, so shards read them without locks.
//
// # Not implemented
//
// SIPp's insert and replace actions, which add and change lines at run
// time, and -rxinf, which reads a file for received messages: they need a
// mutable, shard-safe variant of File (issue 7).
package inject
