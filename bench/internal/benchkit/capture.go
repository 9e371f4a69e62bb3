package benchkit

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// LineWriter is an io.Writer that hands each complete line written to it,
// without its newline, to Log (a test's t.Log, so that a harness's
// progress shows in the test's log as it comes); Flush hands over what is
// left. It is safe for concurrent use.
type LineWriter struct {
	// Log receives the lines.
	Log func(args ...any)

	mu  sync.Mutex
	buf []byte
}

// Write passes the complete lines of what was written so far to Log.
func (l *LineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.Log(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// Flush passes a last line that has no newline to Log.
func (l *LineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.Log(string(l.buf))
		l.buf = nil
	}
}

// Capture runs a harness the way its tests do: with args, bounded by
// timeout, its progress lines handed to log (t.Log) as they come. It
// returns what the harness returned and the report it printed.
func Capture[R any](timeout time.Duration, run Harness[R], args []string, log func(args ...any)) (R, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout bytes.Buffer
	progress := &LineWriter{Log: log}
	rep, err := run(ctx, args, &stdout, progress)
	progress.Flush()
	return rep, stdout.String(), err
}

// TableRows finds the markdown table whose header row is header in a
// report and returns its data rows (the row under the header, which aligns
// the columns, left out), each as its cells with the spaces around them
// trimmed. It fails when the report has no such table or a row has not
// as many cells as the header.
func TableRows(doc, header string) ([][]string, error) {
	_, table, ok := strings.Cut(doc, header+"\n")
	if !ok {
		return nil, fmt.Errorf("no table %q in:\n%s", header, doc)
	}
	columns := strings.Count(header, "|") - 1
	var rows [][]string
	for i, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "|") {
			break
		}
		if i == 0 {
			continue // the alignment row
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != columns {
			return nil, fmt.Errorf("row %q has %d cells, want %d", line, len(cells), columns)
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		rows = append(rows, cells)
	}
	return rows, nil
}
