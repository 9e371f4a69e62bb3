package inject

import (
	"fmt"
	"strings"
)

// Set is the run's injection files, in -inf order. The first file is the
// default for [fieldN] without file= and the one -ip_field reads. Build it
// at setup (Add, AddIndex); afterwards it is read-only and safe for all
// shards at once.
type Set struct {
	files  []*File
	byName map[string]int
}

// NewSet returns a set of files, in -inf order.
func NewSet(files ...*File) *Set {
	s := &Set{byName: make(map[string]int)}
	for _, f := range files {
		s.Add(f)
	}
	return s
}

// Add appends a file (one -inf). A file with the base name of one already
// in the set replaces it in place, as SIPp's map of files by name does.
func (s *Set) Add(f *File) {
	if i, ok := s.byName[f.name]; ok {
		s.files[i] = f
		return
	}
	s.byName[f.name] = len(s.files)
	s.files = append(s.files, f)
}

// Len is the number of files.
func (s *Set) Len() int { return len(s.files) }

// File returns file i (0 <= i < Len()).
func (s *Set) File(i int) *File { return s.files[i] }

// FileIndex resolves a file= name (the base name of an -inf argument) to
// its index. Scenario compilation resolves names once; the hot path uses
// indexes. An empty name is the default file.
func (s *Set) FileIndex(name string) (int, error) {
	if name == "" {
		if len(s.files) == 0 {
			return 0, ErrNoFiles
		}
		return 0, nil
	}
	if i, ok := s.byName[name]; ok {
		return i, nil
	}
	return 0, fmt.Errorf("%w: %q (-inf files: %s)", ErrUnknownFile, name, s.names())
}

func (s *Set) names() string {
	if len(s.files) == 0 {
		return "none"
	}
	n := make([]string, len(s.files))
	for i, f := range s.files {
		n[i] = f.name
	}
	return strings.Join(n, ", ")
}

// NextLines chooses a new call's line in every file (File.NextLine) and
// appends them to dst in set order; the engine keeps them with the call
// (dst[i] for file i) and renders [fieldK file=...] of file i with
// File(i).AppendField(buf, int(dst[i]), K), or with the line line= gives
// (ParseLine) instead of dst[i]. SIPp draws every
// file's line when a call starts, used or not, so a SEQUENTIAL file
// advances with every call. Automatic calls (-aa, out-of-call) draw none.
// It does not allocate when dst has room, and fails only for a USER file
// shorter than user.
func (s *Set) NextLines(dst []int32, seq uint64, user int, rnd Source) ([]int32, error) {
	for _, f := range s.files {
		l, err := f.NextLine(seq, user, rnd)
		if err != nil {
			return dst, err
		}
		dst = append(dst, int32(l))
	}
	return dst, nil
}

// CheckUsers reports, at setup, a USER file with fewer lines than -users
// (SIPp stops with a fatal error when such a user's call starts).
func (s *Set) CheckUsers(users int) error {
	for _, f := range s.files {
		if f.order == User && users > f.NumLines() {
			return fmt.Errorf("%w: %s has only %d lines, yet -users is %d", ErrUserRange, f.path, f.NumLines(), users)
		}
	}
	return nil
}

// AppendIPField appends the local address of a call for -t ui: field
// ipField (-ip_field, 0 by default) of the first file's line.
func (s *Set) AppendIPField(dst []byte, lines []int32, ipField int) ([]byte, bool) {
	if len(s.files) == 0 || len(lines) == 0 {
		return dst, false
	}
	return s.files[0].AppendField(dst, int(lines[0]), ipField)
}

// AddIndex indexes file name's field k (-infindex name k): afterwards
// Lookup maps a value of that field to its line. name is the base name, as
// SIPp requires; the file must already be in the set.
func (s *Set) AddIndex(name string, k int) error {
	i, err := s.FileIndex(name)
	if err != nil {
		return fmt.Errorf("-infindex: %w", err)
	}
	s.files[i].buildIndex(k)
	return nil
}

// Lookup is SIPp's lookup action: the line of the file named file whose
// indexed field equals key, or -1 when none does (SIPp stores -1 in the
// variable). An unknown file or one without -infindex is an error (fatal
// in SIPp). It does not allocate unless it fails.
func (s *Set) Lookup(file, key []byte) (int, error) {
	i, ok := s.byName[string(file)]
	if !ok {
		return -1, fmt.Errorf("lookup: %w: %q", ErrUnknownFile, file)
	}
	f := s.files[i]
	if f.index == nil {
		return -1, fmt.Errorf("lookup: %w: %s (give -infindex %s <field>)", ErrNotIndexed, f.name, f.name)
	}
	return f.Lookup(key), nil
}
