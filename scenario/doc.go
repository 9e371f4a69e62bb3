// Package scenario loads SIPp XML scenarios into a neutral command list
// the engine runs, and compiles their messages into templates once, at
// load time.
//
// # Loading
//
// Parse and Load read SIPp's scenario format; Builtin returns one of the
// embedded scenarios that -sn selects (SIPp's uac, uas, regexp, branchc,
// branchs, 3pcc-C-A, 3pcc-C-B, 3pcc-A, 3pcc-B, uac_pcap, ooc_default,
// ooc_dummy), and BuiltinXML its text for -sd. Options carries what SIPp
// takes from the command line at load time: the -key values, the -inf
// file names ([fieldN] is checked against them), and, for an out-of-call
// scenario (-oocsf), the main scenario whose Global and User variables it
// shares.
//
// A Scenario is a flat list of Commands in document order: send, recv,
// pause (also <timewait>), nop, label, sendCmd and recvCmd, plus the nops
// of <init> in Scenario.Init. Labels stay in the lists as commands; next=
// and ontimeout= are resolved to their command indexes. The mode follows
// SIPp: a scenario whose first send/recv is a send is a client (it starts
// calls), one whose first is a recv is a server; Creation and ThirdPCC
// refine it for 3PCC scenarios.
//
// What SIPp works out while loading is worked out here too: the CSeq
// methods each response <recv> accepts, the numbering of response-time
// counters (RTDNames), the ResponseTimeRepartition and
// CallLengthRepartition tables, SIPp's cross-element rules (an optional
// <recv> must not be followed directly by a <send>, <timewait> must be
// last, a started response time must be stopped somewhere, a named
// transaction must be started and answered), the distribution sanity
// check of pauses.
//
// # Variables
//
// Every variable name is resolved once, at load time, to a VarID (an index
// into Scenario.Vars.List) whose Variable has a Scope and a Slot: a call
// keeps its call variables in a slice of Vars.Call values indexed by Slot,
// user variables live per -users user, global ones once per run. A name is
// a call variable unless <Global> or <User> declared it before its use, as
// in SIPp. VarKind describes the values and SIPp's conversion rules.
// SIPp refuses a scenario whose variable is referenced only once; gossip
// warns.
//
// # Actions
//
// A command's <action> block becomes Command.Actions, run in order after
// the command's own work. Regular expressions are POSIX extended ones as
// in SIPp; they are translated and compiled once (see compilePOSIX), and
// what Go cannot express is refused with file and line. Attribute values
// that SIPp treats as message text (log message=, exec command=,
// assignstr value=, lookup file= and key=, ...) are compiled into
// Templates like messages, without start-line checks.
//
// # Features
//
// The constructs beyond send, recv, pause, nop and label (actions,
// variables, branching, 3PCC, transactions, distributions, the new
// keywords) are Features: Scenario.Uses lists the first use of each, with
// its line, and Scenario.Check(supported) returns an *Error wrapping
// ErrUnsupported, with file and line, for the first one the engine does
// not implement. The engine calls Check before it runs a scenario, so a
// construct it does not implement is refused instead of silently ignored.
// Media (pcap play, RTP streams, SRTP keywords) is parsed and left to the
// engine to refuse.
//
// # Errors
//
// Bad input is an *Error naming the file and line ("uac.xml:14: unknown
// keyword [foo]") and wrapping a sentinel for errors.Is: ErrSyntax,
// ErrUnknownElement (also unknown actions), ErrUnsupported (SIPp has it,
// gossip does not: a regular expression Go cannot express, or a Feature
// refused by Check), ErrUnknownKeyword, ErrBadAttribute, ErrUnknownLabel,
// ErrInvalid. Attributes SIPp does not know are not errors (SIPp ignores
// them); they become Scenario.Warnings, as do attributes SIPp knows but
// ignores where they are (with the reason).
//
// # Templates
//
// The text of a <send> gets SIPp's treatment before anything else: blank
// space around it is dropped, every line loses its leading and trailing
// blanks, line ends become CRLF, "\xHH" escapes become bytes. A message
// without an empty line (no body) gets one appended, so it ends with
// CRLF CRLF; a message with a body keeps its body's final line end only
// if the text had one before the closing ]]>. Every '[' starts a keyword,
// as in SIPp. The result is a Template: literal byte runs (adjacent
// literals merged) and keyword ops ([call_id], [cseq+1], [last_Via:],
// [$var], [field1 file=x.csv], ...) that the engine fills per call without
// allocating. Keyword parameters that are themselves text (line= of
// [fieldN], name= of [file], the [authentication] credentials) are
// Templates of their own.
//
// The package does no I/O after loading and keeps no mutable package
// state.
package scenario
