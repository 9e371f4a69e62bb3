package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// rtdSummary is one response-time row of gossip's final summary: the
// count and distribution of a response-time measure over the whole run.
type rtdSummary struct {
	Found                     bool
	Count                     int
	Mean, P50, P90, P99, P999 time.Duration
	Max                       time.Duration
}

// parseRTD finds the last "Response time NAME" row with the run's totals
// in gossip's output and reads it. The final summary prints
//
//	Duration                    count      mean       p50       p90       p99     p99.9       max
//	Response time 1  total    1000000     614us     556us     922us   1.071ms  22.303ms  43.342ms
//
// and the periodic screen a "period" row with the "total" row under it.
func parseRTD(out, name string) (rtdSummary, error) {
	prefix := "Response time " + name
	lines := strings.Split(out, "\n")
	var res rtdSummary
	var lastErr error
	for i, l := range lines {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), prefix)
		if !ok || (rest != "" && rest[0] != ' ') { // "Response time 10" is not "1"
			continue
		}
		f := strings.Fields(rest)
		if len(f) > 0 && f[0] == "period" && i+1 < len(lines) {
			f = strings.Fields(lines[i+1])
		}
		if len(f) == 0 || f[0] != "total" {
			continue
		}
		r, err := parseRTDFields(f[1:])
		if err != nil {
			lastErr = fmt.Errorf("%q: %w", strings.TrimSpace(l), err)
			continue
		}
		res, lastErr = r, nil
	}
	if lastErr != nil {
		return rtdSummary{}, lastErr
	}
	if !res.Found {
		return res, errors.New("no \"" + prefix + "  total\" row in the output (the final summary is missing)")
	}
	return res, nil
}

// parseRTDFields reads count, mean, p50, p90, p99, p99.9 and max.
func parseRTDFields(f []string) (rtdSummary, error) {
	if len(f) != 7 {
		return rtdSummary{}, fmt.Errorf("%d values, want 7 (count mean p50 p90 p99 p99.9 max)", len(f))
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return rtdSummary{}, fmt.Errorf("count %q: %w", f[0], err)
	}
	res := rtdSummary{Found: true, Count: n}
	for i, dst := range []*time.Duration{&res.Mean, &res.P50, &res.P90, &res.P99, &res.P999, &res.Max} {
		d, err := time.ParseDuration(f[i+1])
		if err != nil {
			return rtdSummary{}, fmt.Errorf("duration %q: %w", f[i+1], err)
		}
		*dst = d
	}
	return res, nil
}
