package inject

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"os"
	"strings"
	"sync"
)

// Order is how a file's line is chosen for each call (the first line of
// the file).
type Order uint8

const (
	// Sequential: call n (counting from 0) uses line n modulo the number
	// of lines.
	Sequential Order = iota
	// Random: each call draws a line uniformly.
	Random
	// User: the call of user u (-users, counting from 1) uses line u-1; a
	// call without a user uses no line (its fields are empty).
	User
)

// String returns the header keyword.
func (o Order) String() string {
	switch o {
	case Sequential:
		return "SEQUENTIAL"
	case Random:
		return "RANDOM"
	case User:
		return "USER"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

// NoLine is the line of a call that has none in a file: a USER file's line
// for a call without a user. Fields of NoLine are empty.
const NoLine = -1

// Printf is a PRINTF file's header: Lines virtual lines, line n's "%d"
// conversions showing Offset + n*Multiple (computed in 32 bits, wrapping,
// as SIPp's int does).
type Printf struct {
	Lines    int   // PRINTF=: number of virtual lines; 0 for an ordinary file
	Offset   int32 // PRINTFOFFSET=, default 0
	Multiple int32 // PRINTFMULTIPLE=, default 1
}

// File is a parsed injection file. It is immutable once parsed (AddIndex
// aside, which belongs to setup), so any number of shards read it at once
// without locks; nothing it returns is to be modified.
//
// Memory: the file's bytes plus 4 bytes per data line (the offset where
// the line starts). A field is found by scanning its line for ';', which
// for the short lines of injection files is a few nanoseconds.
type File struct {
	path   string
	name   string
	order  Order
	printf Printf
	data   []byte
	starts []uint32 // start offset of each data line in data
	salt   uint64   // mixes the file into Random lines drawn without a Source
	// blankAt is the physical line of an empty line that ended the data
	// while lines followed it (SIPp stops reading there), 0 if none.
	blankAt int

	indexField int              // -infindex field, -1 when not indexed
	index      map[string]int32 // field value -> last line that has it

	// mutable files take mu for reading (Set.SetMutable, mutate.go).
	mutable bool
	mu      sync.RWMutex
}

// Load reads and parses the injection file at path (an -inf argument).
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("injection file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses an injection file's contents; path names it in errors and
// its base name is the name scenarios use (file="users.csv"). The File
// keeps data (which the caller must not modify afterwards) and offsets
// into it.
//
// The format, as SIPp reads it:
//   - Line 1 is the header. It contains RANDOM, SEQUENTIAL or USER
//     (searched for in that order, anywhere in the line), and optionally
//     PRINTF=n, then PRINTFOFFSET=k and PRINTFMULTIPLE=m, each ended by a
//     comma or the line's end; numbers are C integers (decimal, 0x hex,
//     leading-0 octal; offset and multiple may be negative).
//   - Each further line is one record of fields separated by ';'; [fieldN]
//     is the N-th (from 0). A line starting with '#' is a comment. A CR
//     before the LF is dropped. An empty line ends the data: SIPp ignores
//     whatever follows it (IgnoredFrom reports where).
//   - In a PRINTF file the lines are templates cycled over PRINTF virtual
//     lines; each %d conversion (with optional '-', '0', width, precision)
//     shows the virtual line's number. As in SIPp, "%%" is not an escape:
//     the first '%' is written and the second starts a conversion.
func Parse(path string, data []byte) (*File, error) {
	if uint64(len(data)) >= math.MaxUint32 {
		return nil, fmt.Errorf("%w: %s is %d bytes (the limit is 4 GiB)", ErrTooLarge, path, len(data))
	}
	f := &File{path: path, name: baseName(path), data: data, indexField: -1}
	h := fnv.New64a()
	h.Write([]byte(f.name))
	f.salt = h.Sum64()

	header, pos := data, len(data)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		header, pos = data[:i], i+1
	}
	header = bytes.TrimSuffix(header, []byte("\r"))
	switch {
	case bytes.Contains(header, []byte("RANDOM")):
		f.order = Random
	case bytes.Contains(header, []byte("SEQUENTIAL")):
		f.order = Sequential
	case bytes.Contains(header, []byte("USER")):
		f.order = User
	default:
		return nil, syntaxErr(path, 1, ErrHeader, "unknown file type %q (the first line must say SEQUENTIAL, RANDOM or USER)", clip(header))
	}
	var err error
	if f.printf, err = parsePrintfHeader(header); err != nil {
		return nil, syntaxErr(path, 1, ErrHeader, "%v in %q", err, clip(header))
	}

	f.starts = make([]uint32, 0, bytes.Count(data[pos:], []byte{'\n'})+1)
	lineNo := 1
	for pos < len(data) {
		lineNo++
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data) - pos
		}
		line := data[pos : pos+end]
		if len(line) == 0 {
			if len(bytes.TrimSpace(data[pos:])) > 0 {
				f.blankAt = lineNo
			}
			break
		}
		if line[0] != '#' {
			if f.printf.Lines > 0 {
				if err := checkTemplate(bytes.TrimSuffix(line, []byte("\r"))); err != nil {
					return nil, syntaxErr(path, lineNo, ErrPrintf, "%v", err)
				}
			}
			f.starts = append(f.starts, uint32(pos))
		}
		pos += end + 1
	}
	if len(f.starts) == 0 {
		return nil, syntaxErr(path, lineNo, ErrEmpty, "no data lines after the header")
	}
	return f, nil
}

// baseName is the name SIPp keys files by: what follows the last '/' (or,
// without one, the last '\').
func baseName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// Name is the file's base name, the name file= uses.
func (f *File) Name() string { return f.name }

// Path is the path the file was loaded from, as given.
func (f *File) Path() string { return f.path }

// Order is the line selection the header asks for.
func (f *File) Order() Order { return f.order }

// Printf returns the PRINTF header values (Lines 0 for an ordinary file).
func (f *File) Printf() Printf { return f.printf }

// NumLines is the number of lines calls choose from: PRINTF's virtual
// lines, else the data lines.
func (f *File) NumLines() int {
	if f.printf.Lines > 0 {
		return f.printf.Lines
	}
	if f.mutable {
		f.mu.RLock()
		defer f.mu.RUnlock()
	}
	return len(f.starts)
}

// DataLines is the number of data lines in the file (templates, for a
// PRINTF file), comments excluded.
func (f *File) DataLines() int { return len(f.starts) }

// IgnoredFrom is the physical line number of an empty line after which
// SIPp ignores the rest of the file, when non-empty lines follow it; 0
// otherwise. The engine may warn about it.
func (f *File) IgnoredFrom() int { return f.blankAt }

// Source is a random number generator: *math/rand/v2.Rand, *rand.PCG and
// *rand.ChaCha8 are Sources. Each shard owns one; it is not shared.
type Source interface{ Uint64() uint64 }

// NextLine chooses the line of a new call: seq is the call's sequence
// number (0 for the first call of the run), user its -users number (0 for
// none), rnd the shard's generator (Random files only; nil derives the
// line from a hash of seq and the file name, which is deterministic).
// It never locks or allocates unless it fails: a USER file with fewer
// lines than user is ErrUserRange (fatal in SIPp).
func (f *File) NextLine(seq uint64, user int, rnd Source) (int, error) {
	n := f.NumLines()
	switch f.order {
	case Random:
		var r uint64
		if rnd != nil {
			r = rnd.Uint64()
		} else {
			r = mix64(seq ^ f.salt)
		}
		hi, _ := bits.Mul64(r, uint64(n))
		return int(hi), nil
	case User:
		if user <= 0 {
			return NoLine, nil
		}
		if user > n {
			return NoLine, fmt.Errorf("%w: %s has only %d lines, yet user %d was requested", ErrUserRange, f.path, n, user)
		}
		return user - 1, nil
	default:
		return int(seq % uint64(n)), nil
	}
}

// mix64 is SplitMix64's finaliser: a bijective hash of x.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// dataLine returns data line i (without its LF and trailing CR).
func (f *File) dataLine(i int) []byte {
	rest := f.data[f.starts[i]:]
	if end := bytes.IndexByte(rest, '\n'); end >= 0 {
		rest = rest[:end]
	}
	if n := len(rest); n > 0 && rest[n-1] == '\r' {
		rest = rest[:n-1]
	}
	return rest
}

// Field returns field k of line (both from 0) as stored: a view into the
// file's memory, not to be modified. ok is false when the line is outside
// [0, NumLines()) or has fewer than k+1 fields (SIPp renders nothing then,
// and warns for a missing field); an empty field is ok with no bytes. For
// a PRINTF file Field returns the template; AppendField expands it. It
// does not allocate.
func (f *File) Field(line, k int) ([]byte, bool) {
	if line < 0 || line >= f.NumLines() || k < 0 {
		return nil, false
	}
	if f.mutable {
		f.mu.RLock()
		defer f.mu.RUnlock()
	}
	if f.printf.Lines > 0 {
		line %= len(f.starts)
	}
	return nthField(f.dataLine(line), k)
}

func nthField(l []byte, k int) ([]byte, bool) {
	for ; k > 0; k-- {
		i := bytes.IndexByte(l, ';')
		if i < 0 {
			return nil, false
		}
		l = l[i+1:]
	}
	if i := bytes.IndexByte(l, ';'); i >= 0 {
		l = l[:i]
	}
	return l, true
}

// AppendField appends field k of line to dst, expanding a PRINTF
// template's conversions for that virtual line, and reports whether the
// field exists (as Field does). With room in dst it does not allocate.
func (f *File) AppendField(dst []byte, line, k int) ([]byte, bool) {
	v, ok := f.Field(line, k)
	if !ok {
		return dst, false
	}
	if f.printf.Lines == 0 {
		return append(dst, v...), true
	}
	n := f.printf.Offset + int32(line)*f.printf.Multiple
	return expand(dst, v, n), true
}

// buildIndex maps every value of field k to the last line holding it (a
// line without the field counts as holding ""), over NumLines() lines
// (expanded, for a PRINTF file). Keys are substrings of one string holding
// all the values: one allocation, not one per line.
func (f *File) buildIndex(k int) {
	n := f.NumLines()
	var arena []byte
	ends := make([]uint32, n)
	if f.printf.Lines == 0 {
		for i := range n {
			v, _ := f.Field(i, k)
			arena = append(arena, v...)
			ends[i] = uint32(len(arena))
		}
	} else {
		for i := range n {
			arena, _ = f.AppendField(arena, i, k)
			ends[i] = uint32(len(arena))
		}
	}
	all := string(arena)
	f.index = make(map[string]int32, n)
	start := uint32(0)
	for i, end := range ends {
		f.index[all[start:end]] = int32(i)
		start = end
	}
	f.indexField = k
}

// Lookup returns the line whose indexed field is key, -1 when none is or
// the file has no index. It does not allocate.
func (f *File) Lookup(key []byte) int {
	if f.mutable {
		f.mu.RLock()
		defer f.mu.RUnlock()
	}
	if l, ok := f.index[string(key)]; ok {
		return int(l)
	}
	return -1
}

// IndexField is the field -infindex indexed, -1 when none.
func (f *File) IndexField() int { return f.indexField }
