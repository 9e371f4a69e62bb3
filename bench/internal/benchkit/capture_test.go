package benchkit

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLineWriter(t *testing.T) {
	var got []string
	w := &LineWriter{Log: func(a ...any) { got = append(got, fmt.Sprint(a...)) }}
	for _, s := range []string{"a\nb", "c\n", "\nd"} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if want := []string{"a", "bc", ""}; !reflect.DeepEqual(got, want) {
		t.Fatalf("lines %q, want %q", got, want)
	}
	w.Flush()
	w.Flush()
	if want := []string{"a", "bc", "", "d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after Flush: %q, want %q", got, want)
	}
}

func TestCapture(t *testing.T) {
	var gotArgs []string
	var deadline time.Time
	run := func(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
		gotArgs, deadline = args, time.Time{}
		if d, ok := ctx.Deadline(); ok {
			deadline = d
		}
		fmt.Fprint(stderr, "h: one\nh: two")
		fmt.Fprint(stdout, "# Report\n")
		return 7, fmt.Errorf("done")
	}
	var lines []string
	rep, doc, err := Capture(time.Minute, run, []string{"-short"}, func(a ...any) { lines = append(lines, fmt.Sprint(a...)) })
	if rep != 7 || doc != "# Report\n" || err == nil || err.Error() != "done" {
		t.Errorf("got %d, %q, %v", rep, doc, err)
	}
	if !reflect.DeepEqual(gotArgs, []string{"-short"}) || !reflect.DeepEqual(lines, []string{"h: one", "h: two"}) {
		t.Errorf("args %q, progress %q", gotArgs, lines)
	}
	if left := time.Until(deadline); left <= 0 || left > time.Minute {
		t.Errorf("deadline %s away, want within the minute", left)
	}
}

func TestTableRows(t *testing.T) {
	const header = "| pair | calls/s | note |"
	doc := "# Report\n\n" + header + "\n|---|--:|---|\n| a → b |  100 | x |\n| c |2|  |\n\nafter\n| not | the | table |\n"
	rows, err := TableRows(doc, header)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"a → b", "100", "x"}, {"c", "2", ""}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if _, err := TableRows(doc, "| other |"); err == nil || !strings.Contains(err.Error(), `no table "| other |"`) {
		t.Errorf("missing table: %v", err)
	}
	if _, err := TableRows(header+"\n|---|---|---|\n| a | b |\n", header); err == nil || !strings.Contains(err.Error(), "has 2 cells, want 3") {
		t.Errorf("short row: %v", err)
	}
}
