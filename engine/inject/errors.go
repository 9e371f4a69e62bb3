package inject

import (
	"errors"
	"fmt"
)

// Sentinel errors; functions wrap them (in a *SyntaxError for file
// contents) with the file, the line and what is wrong. Test with errors.Is.
var (
	// ErrHeader: the first line names no order (SEQUENTIAL, RANDOM, USER)
	// or has a malformed PRINTF, PRINTFOFFSET or PRINTFMULTIPLE.
	ErrHeader = errors.New("bad injection file header")
	// ErrEmpty: the file has no data line.
	ErrEmpty = errors.New("injection file has no data lines")
	// ErrPrintf: a PRINTF file's template has a conversion other than
	// %[-0][width][.precision]d.
	ErrPrintf = errors.New("bad printf conversion")
	// ErrTooLarge: the file is 4 GiB or more.
	ErrTooLarge = errors.New("injection file too large")
	// ErrUnknownFile: no -inf file has that name.
	ErrUnknownFile = errors.New("unknown injection file")
	// ErrNotIndexed: a lookup on a file without -infindex.
	ErrNotIndexed = errors.New("injection file has no index")
	// ErrUserRange: a USER file has fewer lines than the user number.
	ErrUserRange = errors.New("user beyond the injection file's lines")
	// ErrBadNumber: a line number (line=) or field number (-infindex) that
	// does not parse.
	ErrBadNumber = errors.New("invalid number")
	// ErrNoFiles: a field is used but no -inf file was given.
	ErrNoFiles = errors.New("no injection file was specified")
)

// SyntaxError is an error in an injection file's contents, at a line.
type SyntaxError struct {
	File string // the path as given (-inf argument)
	Line int    // 1-based physical line number
	Msg  string // what is wrong
	Err  error  // the sentinel
}

// Error formats as file:line: message.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the sentinel.
func (e *SyntaxError) Unwrap() error { return e.Err }

func syntaxErr(file string, line int, sentinel error, format string, args ...any) error {
	return &SyntaxError{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
