package inject

import (
	"errors"
	"fmt"
)

// Injection files that the scenario changes while it runs (SIPp's
// <insert> and <replace> actions). A file is read without locks unless
// Set.SetMutable was called: then readers take a read lock, and Insert
// and Replace a write lock. Data is only ever appended, so a field a
// reader took stays valid after the lock is released.

// ErrPrintfFile: a PRINTF file cannot be changed (SIPp refuses it).
var ErrPrintfFile = errors.New("cannot insert or replace into a PRINTF file")

// ErrLineRange: replace names a line the file does not have.
var ErrLineRange = errors.New("invalid line number")

// SetMutable makes every file safe to change with Insert and Replace
// while shards read it. Call it at setup, before any reader.
func (s *Set) SetMutable() {
	for _, f := range s.files {
		f.mutable = true
	}
}

// Insert is SIPp's <insert file= value=>: value becomes a new last line
// of the file named file (its base name), indexed when the file is.
func (s *Set) Insert(file, value []byte) error {
	f, err := s.named(file)
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if f.printf.Lines > 0 {
		return fmt.Errorf("insert: %w: %s", ErrPrintfFile, f.name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, uint32(len(f.data)))
	f.data = append(append(f.data, value...), '\n')
	f.reIndex(len(f.starts) - 1)
	return nil
}

// Replace is SIPp's <replace file= line= value=>: data line line (from
// 0) of the file named file becomes value.
func (s *Set) Replace(file []byte, line int, value []byte) error {
	f, err := s.named(file)
	if err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	if f.printf.Lines > 0 {
		return fmt.Errorf("replace: %w: %s", ErrPrintfFile, f.name)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if line < 0 || line >= len(f.starts) {
		return fmt.Errorf("replace: %w (%d) for %s (%d lines)", ErrLineRange, line, f.name, len(f.starts))
	}
	if f.index != nil {
		// SIPp's deIndex: the old value no longer leads to this line.
		if v, _ := nthField(f.dataLine(line), f.indexField); f.index[string(v)] == int32(line) {
			delete(f.index, string(v))
		}
	}
	f.starts[line] = uint32(len(f.data))
	f.data = append(append(f.data, value...), '\n')
	f.reIndex(line)
	return nil
}

// reIndex maps the indexed field of line to it (SIPp's reIndex).
func (f *File) reIndex(line int) {
	if f.index == nil {
		return
	}
	v, _ := nthField(f.dataLine(line), f.indexField)
	f.index[string(v)] = int32(line)
}

// named finds a file by the base name a scenario gives.
func (s *Set) named(file []byte) (*File, error) {
	name := string(file)
	if i := lastSlash(name); i >= 0 {
		name = name[i+1:]
	}
	i, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (-inf files: %s)", ErrUnknownFile, file, s.names())
	}
	return s.files[i], nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == '\\' {
			return i
		}
	}
	return -1
}
