package benchkit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CallStats are the counters of the last row of a -trace_stat file
// (SIPp's format, which gossip writes identically).
type CallStats struct {
	Found           bool // the file existed and had a data row
	Rows            int  // data rows (one per -fd period, and the final one)
	Successful      int  // SuccessfulCall(C)
	Failed          int  // FailedCall(C)
	Retransmissions int  // Retransmissions(C)
	Incoming        int  // IncomingCall(C)
	Outgoing        int  // OutgoingCall(C)
	Current         int  // CurrentCall: calls open when the row was written
	Dead            int  // DeadCallMsgs(C)
	OutOfCall       int  // OutOfCallMsgs(C)
	// ResponseTime1 is the ResponseTime1(C) column: the mean of the first
	// response-time measure over the whole run so far (SIPp measures it in
	// whole milliseconds). HasResponseTime1 says whether the column exists.
	ResponseTime1    time.Duration
	HasResponseTime1 bool
	// FailureClasses holds the non-zero Failed*(C) columns other than
	// FailedCall, by name without the (C).
	FailureClasses map[string]int
}

// ReadStatFile reads the last complete row of a -trace_stat file. The file
// may still be being written: a last line without its newline is ignored.
func ReadStatFile(path string) (CallStats, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return CallStats{}, err
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	st, err := ParseStatCSV(b)
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// ParseStatCSV reads SIPp's statistics CSV: a header row of
// semicolon-separated column names, then one row per period; the last row
// is the latest one.
func ParseStatCSV(b []byte) (CallStats, error) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		return CallStats{}, err
	}
	if len(rows) < 2 {
		return CallStats{}, errors.New("no data row")
	}
	head, last := rows[0], rows[len(rows)-1]
	st := CallStats{Found: true, Rows: len(rows) - 1, FailureClasses: map[string]int{}}
	seen := 0
	for i, name := range head {
		if i >= len(last) {
			break
		}
		name = strings.TrimSpace(name)
		cell := strings.TrimSpace(last[i])
		if name == "CurrentCall" {
			st.Current, _ = strconv.Atoi(cell)
			continue
		}
		col, ok := strings.CutSuffix(name, "(C)")
		if !ok {
			continue
		}
		if col == "ResponseTime1" {
			if d, err := ParseStatDuration(cell); err == nil {
				st.ResponseTime1, st.HasResponseTime1 = d, true
			}
			continue
		}
		v, err := strconv.Atoi(cell)
		if err != nil {
			continue // times and rates are not counters
		}
		switch col {
		case "SuccessfulCall":
			st.Successful, seen = v, seen+1
		case "FailedCall":
			st.Failed, seen = v, seen+1
		case "Retransmissions":
			st.Retransmissions, seen = v, seen+1
		case "IncomingCall":
			st.Incoming = v
		case "OutgoingCall":
			st.Outgoing = v
		case "DeadCallMsgs":
			st.Dead = v
		case "OutOfCallMsgs":
			st.OutOfCall = v
		default:
			if strings.HasPrefix(col, "Failed") && v != 0 {
				st.FailureClasses[col] = v
			}
		}
	}
	if seen != 3 {
		return st, errors.New("no SuccessfulCall(C), FailedCall(C) or Retransmissions(C) column")
	}
	return st, nil
}

// ParseStatDuration reads a duration cell of a -trace_stat file,
// "HH:MM:SS:micro" (00:00:01:250000 is 1.25 s).
func ParseStatDuration(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return 0, fmt.Errorf("duration %q: want HH:MM:SS:microseconds", s)
	}
	var v [4]int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("duration %q: part %q is not a number", s, p)
		}
		v[i] = n
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute +
		time.Duration(v[2])*time.Second + time.Duration(v[3])*time.Microsecond, nil
}

// Classes renders the failure classes, largest first.
func (s CallStats) Classes() string {
	names := make([]string, 0, len(s.FailureClasses))
	for k := range s.FailureClasses {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := s.FailureClasses[names[i]], s.FailureClasses[names[j]]
		if a != b {
			return a > b
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, s.FailureClasses[n])
	}
	return strings.Join(parts, ", ")
}
