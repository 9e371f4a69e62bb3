package stats

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// ScreenInfo is what the screens show besides a Snapshot: how the run was
// set up.
type ScreenInfo struct {
	// Scenario is the scenario's name; Mode "uac", "uas" or empty.
	Scenario, Mode string
	// Transport is the transport's name ("UDP", "TCP", "TLS", ...).
	Transport string
	// Local and Remote are the local and remote addresses; Remote is empty
	// for a UAS without a remote host.
	Local, Remote string
	// TargetRate is the target call rate in calls per second; when 0 the
	// screens show Snapshot.TargetRate. With Snapshot.Users >= 0 they show
	// the users target instead.
	TargetRate float64
	// CallLimit is -m (0: no limit), MaxCalls -l (0: no limit).
	CallLimit uint64
	MaxCalls  int
	// Commands label the scenario's commands for the per-message table, e.g.
	// "INVITE ->", "100 <-", "Pause [0ms]"; index i labels command i. Without
	// labels (and without Steps) the table is not shown.
	Commands []string
	// Steps describe the scenario's commands, indexed like Commands; when
	// set, the per-message table is SIPp's (arrows, B-RTD/E-RTD marks, the
	// Messages, Retrans, Timeout and Unexpected-Msg columns).
	Steps []Step
	// Keys are the -key NAME VALUE pairs, shown on the variables screen.
	Keys map[string]string
}

const screenWidth = 80

// rule writes a screen-wide line of dashes with title in its middle.
func rule(b *bytes.Buffer, title string) {
	t := " " + title + " "
	left := (screenWidth - len(t)) / 2
	b.WriteString(strings.Repeat("-", max(left, 2)))
	b.WriteString(t)
	b.WriteString(strings.Repeat("-", max(screenWidth-left-len(t), 2)))
	b.WriteByte('\n')
}

func (info *ScreenInfo) target(s *Snapshot) string {
	if s.Users >= 0 {
		return fmt.Sprintf("%d users", s.Users)
	}
	r := info.TargetRate
	if r == 0 {
		r = s.TargetRate
	}
	return fmt.Sprintf("%.3f cps", r)
}

// WriteScreen writes the periodic statistics screen for s: elapsed time, call
// rates, calls by outcome and failure class, message counters, the
// per-command table and the response-time and call-length percentiles of the
// period and of the run. It writes with one Write call and returns its error.
func WriteScreen(w io.Writer, s *Snapshot, info ScreenInfo) error {
	var b bytes.Buffer
	P, C := &s.Periodic, &s.Cumulative

	title := "gossip"
	if info.Mode != "" {
		title += " " + info.Mode
	}
	rule(&b, title)
	head := " "
	if info.Scenario != "" {
		head += " Scenario " + info.Scenario
	}
	if info.Transport != "" {
		head += "  " + info.Transport
	}
	if info.Local != "" {
		head += "  " + info.Local
	}
	if info.Remote != "" {
		head += " -> " + info.Remote
	}
	if head != " " {
		b.WriteString(head + "\n")
	}
	fmt.Fprintf(&b, "  Elapsed  %s (period %s)   now %s\n",
		hms(s.Elapsed(true)), seconds(s.Elapsed(false)), s.Now.Format("2006-01-02 15:04:05"))
	fmt.Fprintf(&b, "  Rate     target %s   period %.3f cps   average %.3f cps\n",
		info.target(s), s.CallRate(false), s.CallRate(true))

	limit := ""
	if info.CallLimit > 0 {
		limit = fmt.Sprintf("   limit %d calls", info.CallLimit)
	}
	if info.MaxCalls > 0 {
		limit += fmt.Sprintf("   max %d open", info.MaxCalls)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "  %-22s %10s %12s\n", "Calls", "period", "total")
	row2 := func(name string, p, c uint64) {
		fmt.Fprintf(&b, "  %-22s %10d %12d\n", name, p, c)
	}
	row2("Created", P.Created(), C.Created())
	fmt.Fprintf(&b, "  %-22s %10s %12d   peak %d%s\n", "Current", "", s.CurrentCalls, s.PeakCalls, limit)
	row2("Successful", P.Successful, C.Successful)
	row2("Failed", P.Failed, C.Failed)
	for c := range NumFailureClasses {
		if C.FailedBy[c] > 0 {
			row2("  "+c.String()[len("Failed"):], P.FailedBy[c], C.FailedBy[c])
		}
	}
	row2("Aborted", P.Aborted, C.Aborted)
	row2("Retransmitted", P.Retransmissions, C.Retransmissions)
	row2("Unexpected", P.Unexpected, C.Unexpected)
	row2("Timeouts", P.Timeouts, C.Timeouts)
	row2("Out-of-call", P.OutOfCall, C.OutOfCall)
	row2("Dead-call", P.DeadCall, C.DeadCall)
	row2("Parse errors", P.ParseErrors, C.ParseErrors)
	if C.AutoAnswered > 0 {
		row2("Auto-answered", P.AutoAnswered, C.AutoAnswered)
	}
	for i, n := range s.Layout.Counters {
		row2("Counter "+n, at(P.Counters, i), at(C.Counters, i))
	}
	if m := &s.Mirror; m.Enabled {
		fmt.Fprintf(&b, "  %-22s %10s %12d   dropped %d\n", "HEP packets sent", "", m.Sent, m.Dropped)
	}

	writeCommands(&b, s, &info)
	_, err := w.Write(b.Bytes())
	return err
}

// writeCommands writes the per-command table with cumulative counts: SIPp's
// when the steps are known, a plain one from the labels otherwise.
func writeCommands(b *bytes.Buffer, s *Snapshot, info *ScreenInfo) {
	if len(info.Steps) > 0 {
		writeSteps(b, s, info)
		return
	}
	if len(info.Commands) == 0 {
		return
	}
	b.WriteByte('\n')
	fmt.Fprintf(b, "  %-3s %-24s %10s %10s %10s %10s\n", "#", "Command", "Messages", "Retrans", "Timeout", "Unexpected")
	for i, label := range info.Commands {
		var c CommandTotals
		if i < len(s.Cumulative.Commands) {
			c = s.Cumulative.Commands[i]
		}
		fmt.Fprintf(b, "  %-3d %-24s %10d %10d %10d %10d\n", i, label, c.Sent+c.Received, c.Retrans, c.Timeouts, c.Unexpected)
	}
}

// writePercentiles writes the duration table: per RTD and call length, the
// period's and the run's distribution, or only the run's when cumulativeOnly.
func writePercentiles(b *bytes.Buffer, s *Snapshot, cumulativeOnly bool) {
	b.WriteByte('\n')
	fmt.Fprintf(b, "  %-16s %-6s %9s %9s %9s %9s %9s %9s %9s\n",
		"Duration", "", "count", "mean", "p50", "p90", "p99", "p99.9", "max")
	row := func(name, window string, d Dist) {
		fmt.Fprintf(b, "  %-16s %-6s %9d %9s %9s %9s %9s %9s %9s\n", name, window, d.Count,
			short(d.Mean), short(d.P50), short(d.P90), short(d.P99), short(d.P999), short(d.Max))
	}
	both := func(name string, p, c Dist) {
		if cumulativeOnly {
			row(name, "total", c)
			return
		}
		row(name, "period", p)
		row("", "total", c)
	}
	for i, n := range s.Layout.RTDNames {
		both("Response time "+n, s.RTD(i, false), s.RTD(i, true))
	}
	both("Call length", s.CallLength(false), s.CallLength(true))
}

// WriteSummary writes the end-of-run statistics: a table of periodic
// (the last period) and cumulative values in the layout of SIPp's statistics
// screen, the failure classes, the per-command table and the run's
// response-time and call-length percentiles. It writes with one Write call and
// returns its error.
func WriteSummary(w io.Writer, s *Snapshot, info ScreenInfo) error {
	var b bytes.Buffer
	rule(&b, "Final statistics")
	writeStatsTable(&b, s, &info)
	writeCommands(&b, s, &info)
	writePercentiles(&b, s, true)
	_, err := w.Write(b.Bytes())
	return err
}

// writeStatsTable writes the table of SIPp's statistics screen: periodic
// and cumulative counters side by side.
func writeStatsTable(b *bytes.Buffer, s *Snapshot, info *ScreenInfo) {
	P, C := &s.Periodic, &s.Cumulative
	const sep = "-------------------------+---------------------------+--------------------------\n"
	txt := func(name, v string) { fmt.Fprintf(b, "  %-22.22s | %s\n", name, v) }
	col := func(name, p, c string) {
		l := fmt.Sprintf("  %-22.22s | %-25s | %s", name, p, c)
		b.WriteString(strings.TrimRight(l, " ") + "\n")
	}
	num := func(name string, p, c uint64) {
		col(name, fmt.Sprintf("%8d", p), fmt.Sprintf("%8d", c))
	}
	dur := func(d time.Duration) string { return string(appendDurHMSMicro(nil, d)) }

	if info.Scenario != "" {
		txt("Scenario", info.Scenario)
	}
	if info.Transport != "" {
		txt("Transport", info.Transport)
	}
	if info.Local != "" || info.Remote != "" {
		txt("Addresses", strings.TrimSpace(info.Local+" -> "+info.Remote))
	}
	txt("Target", info.target(s))
	txt("Start Time", s.Start.Format("2006-01-02 15:04:05.000000"))
	txt("Last Reset Time", s.LastReset.Format("2006-01-02 15:04:05.000000"))
	txt("Current Time", s.Now.Format("2006-01-02 15:04:05.000000"))
	b.WriteString(sep)
	col("Counter Name", "Periodic value", "Cumulative value")
	b.WriteString(sep)
	col("Elapsed Time", dur(s.Elapsed(false)), dur(s.Elapsed(true)))
	col("Call Rate", fmt.Sprintf("%8.3f cps", s.CallRate(false)), fmt.Sprintf("%8.3f cps", s.CallRate(true)))
	b.WriteString(sep)
	num("Incoming calls created", P.IncomingCalls, C.IncomingCalls)
	num("Outgoing calls created", P.OutgoingCalls, C.OutgoingCalls)
	col("Total Calls created", "", fmt.Sprintf("%8d", C.Created()))
	col("Current Calls", fmt.Sprintf("%8d", s.CurrentCalls), "")
	col("Peak Calls", "", fmt.Sprintf("%8d", s.PeakCalls))
	if len(s.Layout.Counters) > 0 {
		b.WriteString(sep)
		for i, n := range s.Layout.Counters {
			num("Counter "+n, at(P.Counters, i), at(C.Counters, i))
		}
	}
	b.WriteString(sep)
	num("Successful call", P.Successful, C.Successful)
	num("Failed call", P.Failed, C.Failed)
	for c := range NumFailureClasses {
		if C.FailedBy[c] > 0 {
			num("  "+c.String()[len("Failed"):], P.FailedBy[c], C.FailedBy[c])
		}
	}
	num("Aborted call", P.Aborted, C.Aborted)
	b.WriteString(sep)
	num("Retransmissions", P.Retransmissions, C.Retransmissions)
	num("Unexpected messages", P.Unexpected, C.Unexpected)
	num("Timeouts", P.Timeouts, C.Timeouts)
	num("Out-of-call messages", P.OutOfCall, C.OutOfCall)
	num("Dead-call messages", P.DeadCall, C.DeadCall)
	num("Parse errors", P.ParseErrors, C.ParseErrors)
	num("Auto-answered", P.AutoAnswered, C.AutoAnswered)
	if C.Warnings+C.FatalErrors+C.WatchdogMajor+C.WatchdogMinor > 0 {
		num("Warnings", P.Warnings, C.Warnings)
		num("Fatal errors", P.FatalErrors, C.FatalErrors)
		num("Watchdog major", P.WatchdogMajor, C.WatchdogMajor)
		num("Watchdog minor", P.WatchdogMinor, C.WatchdogMinor)
	}
	if m := &s.Mirror; m.Enabled {
		col("HEP packets sent", "", fmt.Sprintf("%8d", m.Sent))
		col("HEP messages dropped", "", fmt.Sprintf("%8d", m.Dropped))
	}
	b.WriteString(sep)
	for i, n := range s.Layout.RTDNames {
		col("Response Time "+n, dur(s.RTD(i, false).Mean), dur(s.RTD(i, true).Mean))
	}
	col("Call Length", dur(s.CallLength(false).Mean), dur(s.CallLength(true).Mean))
	b.WriteString(sep)
}

// hms formats d as H:MM:SS (hours grow as needed).
func hms(d time.Duration) string {
	sec := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// seconds formats d as seconds with milliseconds, e.g. "1.000 s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f s", d.Seconds())
}

// short formats a duration compactly with a unit, for aligned tables:
// "0", "850us", "12.345ms", "1.234s", "2m03s", "1h02m03s".
func short(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dus", d/time.Microsecond)
	case d < time.Second:
		return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.3fs", d.Seconds())
	case d < time.Hour:
		s := int64(d / time.Second)
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		s := int64(d / time.Second)
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	}
}
