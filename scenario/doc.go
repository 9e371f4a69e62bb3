// Package scenario loads SIPp XML scenarios into a neutral command list
// the engine runs, and compiles their messages into templates once, at
// load time.
//
// # Loading
//
// Parse and Load read SIPp's scenario format; Builtin returns one of the
// embedded scenarios (uac, uas) that -sn selects, and BuiltinXML its text
// for -sd. Options carries what SIPp takes from the command line at load
// time (the -key values).
//
// A Scenario is a flat list of Commands in document order: send, recv,
// pause (also <timewait>), nop, and label. Labels stay in the list as
// commands; next= and ontimeout= are resolved to their command indexes.
// The mode follows SIPp: a scenario whose first send/recv is a send is a
// client (it starts calls), one whose first is a recv is a server.
//
// What SIPp works out while loading is worked out here too: the CSeq
// methods each response <recv> accepts, the numbering of response-time
// counters (RTDNames), the ResponseTimeRepartition and
// CallLengthRepartition tables, SIPp's cross-element rules (an optional
// <recv> must not be followed directly by a <send>, <timewait> must be
// last, a started response time must be stopped somewhere).
//
// # Errors
//
// Bad input is an *Error naming the file and line ("uac.xml:14: unknown
// keyword [foo]") and wrapping a sentinel for errors.Is: ErrSyntax,
// ErrUnknownElement, ErrUnsupported (SIPp has it, gossip does not yet),
// ErrUnknownKeyword, ErrBadAttribute, ErrUnknownLabel, ErrInvalid.
// Attributes SIPp does not know are not errors (SIPp ignores them); they
// become Scenario.Warnings.
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
// literals merged) and keyword ops ([call_id], [cseq+1], [last_Via:], ...)
// that the engine fills per call without allocating.
//
// The package does no I/O after loading and keeps no mutable package
// state.
package scenario
