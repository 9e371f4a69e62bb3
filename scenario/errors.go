package scenario

import (
	"errors"
	"strconv"
)

// Sentinel errors. Every error returned by Parse, Load and CompileTemplate
// is an *Error whose Err wraps one of these, so callers can classify it
// with errors.Is.
var (
	// ErrSyntax: the XML is malformed, or a message text cannot be
	// compiled (an unterminated or empty keyword, a bad start line).
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownElement: an element SIPp does not know either.
	ErrUnknownElement = errors.New("unknown element")
	// ErrUnsupported: an element, attribute, attribute value or keyword
	// that SIPp has and gossip does not implement yet.
	ErrUnsupported = errors.New("not supported yet")
	// ErrUnknownKeyword: a [keyword] in a message that SIPp does not
	// know either (and that no -key option defines).
	ErrUnknownKeyword = errors.New("unknown keyword")
	// ErrBadAttribute: an attribute value that is not valid, or a
	// required attribute that is missing.
	ErrBadAttribute = errors.New("bad attribute")
	// ErrUnknownLabel: next or ontimeout names a label that is not
	// defined.
	ErrUnknownLabel = errors.New("unknown label")
	// ErrInvalid: the scenario breaks a rule that spans elements (no
	// commands, a duplicate label, <timewait> not last, an optional
	// <recv> right before a <send>, a response time started but never
	// stopped, no send or recv to decide the mode).
	ErrInvalid = errors.New("invalid scenario")
	// ErrUnknownBuiltin: Builtin was asked for a name it does not have.
	ErrUnknownBuiltin = errors.New("unknown built-in scenario")
)

// Error is a problem found while loading a scenario, with its position.
// Error() reads "file:line: msg". Err is the sentinel (ErrSyntax, ...),
// possibly joined with an underlying cause, and is what Unwrap returns.
type Error struct {
	File string // scenario file, or "built-in NAME"; "" for CompileTemplate
	Line int    // 1-based line in File; 0 if unknown
	Msg  string // what is wrong, for a user
	Err  error  // sentinel, for errors.Is
}

// Error formats the error as "file:line: msg".
func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	case e.File != "":
		return e.File + ": " + e.Msg
	case e.Line > 0:
		return "line " + strconv.Itoa(e.Line) + ": " + e.Msg
	default:
		return e.Msg
	}
}

// Unwrap returns the sentinel (and cause) the error wraps.
func (e *Error) Unwrap() error { return e.Err }
