package inject

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParse: any contents parse or fail cleanly; a parsed file answers
// every line and field query without panicking, Field and AppendField
// agree, and an index maps each line's value to a line with that value.
func FuzzParse(f *testing.F) {
	f.Add([]byte("SEQUENTIAL\n#c\nSarah;sipphone32\nBob;sipphone12\n"))
	f.Add([]byte("USERS,PRINTF=4,PRINTFMULTIPLE=2,PRINTFOFFSET=-3\nuser%03d;password%-5.2d;Foo\nuser%%%d;Bar\n"))
	f.Add([]byte("RANDOM\r\na;;b\r\n\r\nc\n\nd\n"))
	f.Add([]byte("SEQUENTIAL,PRINTF=0x10\n%d;%0d;%.d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("dir/fuzz.csv", data)
		if err != nil {
			// Every error names the file and a line of it, and says what
			// is wrong there.
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("%v is not a *SyntaxError", err)
			}
			lines := bytes.Count(data, []byte{'\n'}) + 1
			prefix := fmt.Sprintf("dir/fuzz.csv:%d: ", se.Line)
			if se.File != "dir/fuzz.csv" || se.Line < 1 || se.Line > lines ||
				!strings.HasPrefix(err.Error(), prefix) || len(err.Error()) == len(prefix) || se.Unwrap() == nil {
				t.Fatalf("error %q (line %d of %d) does not name the file and a line of it", err, se.Line, lines)
			}
			return
		}
		n := file.NumLines()
		if n < 1 || file.DataLines() < 1 {
			t.Fatalf("parsed with %d lines, %d data lines", n, file.DataLines())
		}
		check := func(line int) {
			for k := 0; k < 4; k++ {
				raw, ok := file.Field(line, k)
				out, ok2 := file.AppendField([]byte("x"), line, k)
				if ok != ok2 || (ok && file.Printf().Lines == 0 && !bytes.Equal(out[1:], raw)) {
					t.Fatalf("line %d field %d: Field %q %v, AppendField %q %v", line, k, raw, ok, out, ok2)
				}
				if bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, ';') >= 0 {
					t.Fatalf("field %q holds a separator", raw)
				}
			}
		}
		for line := -1; line < n && line < 64; line++ {
			check(line)
		}
		check(n - 1)
		check(n)
		for seq := uint64(0); seq < 8; seq++ {
			if l, err := file.NextLine(seq, int(seq), nil); err == nil && (l < NoLine || l >= n) {
				t.Fatalf("NextLine %d of %d", l, n)
			}
		}
		if n > 4096 {
			return
		}
		file.buildIndex(0)
		for line := 0; line < n; line++ {
			v, _ := file.AppendField(nil, line, 0)
			l := file.Lookup(v)
			w, _ := file.AppendField(nil, l, 0)
			if l < line || !bytes.Equal(v, w) {
				t.Fatalf("index: %q at line %d maps to line %d (%q)", v, line, l, w)
			}
		}
	})
}
