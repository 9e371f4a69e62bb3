package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// callStats are the cumulative counters of the last row of a -trace_stat
// file (SIPp's format, which gossip writes identically).
type callStats struct {
	Found           bool // the file existed and had a data row
	Successful      int  // SuccessfulCall(C)
	Failed          int  // FailedCall(C)
	Retransmissions int  // Retransmissions(C)
	Incoming        int  // IncomingCall(C)
	Outgoing        int  // OutgoingCall(C)
	Dead            int  // DeadCallMsgs(C)
	OutOfCall       int  // OutOfCallMsgs(C)
	// FailureClasses holds the non-zero Failed*(C) columns other than
	// FailedCall, by name without the (C).
	FailureClasses map[string]int
}

// readStatFile reads the last row of a -trace_stat file.
func readStatFile(path string) (callStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return callStats{}, err
	}
	defer f.Close()
	st, err := parseStatCSV(f)
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// parseStatCSV reads SIPp's statistics CSV: a header row of
// semicolon-separated column names, then one row per period; the last row
// is the final one.
func parseStatCSV(r io.Reader) (callStats, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		return callStats{}, err
	}
	if len(rows) < 2 {
		return callStats{}, errors.New("no data row")
	}
	head, last := rows[0], rows[len(rows)-1]
	st := callStats{Found: true, FailureClasses: map[string]int{}}
	seen := 0
	for i, name := range head {
		if i >= len(last) {
			break
		}
		col, ok := strings.CutSuffix(strings.TrimSpace(name), "(C)")
		if !ok {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(last[i]))
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

// classes renders the failure classes, largest first.
func (s callStats) classes() string {
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
