package stats

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// SIPp's screens, selected with the number keys during a run.
const (
	// ScreenScenario (key 1): the run's set-up, calls by outcome and the
	// per-message table (WriteScreen).
	ScreenScenario = 1
	// ScreenStatistics (key 2): periodic and cumulative counters side by
	// side, and the response-time and call-length percentiles.
	ScreenStatistics = 2
	// ScreenRepartition (key 3): the repartition tables of the first
	// response-time counter and of call length, with their percentiles.
	ScreenRepartition = 3
	// ScreenVariables (key 4): the scenario's actions and variables.
	ScreenVariables = 4
	// Keys 6 to 9 show the repartition of response-time counters 2 to 5
	// (SIPp's secondary repartition screens); key 5, SIPp's TDM map, shows
	// the scenario screen.
)

// WriteScreenNumber writes SIPp's screen number n (1 to 9, as the number
// keys select them) for s; an unknown number writes the scenario screen.
// It writes with one Write call and returns its error.
func WriteScreenNumber(w io.Writer, n int, s *Snapshot, info ScreenInfo) error {
	switch {
	case n == ScreenStatistics:
		var b bytes.Buffer
		rule(&b, "Statistics Screen")
		writeStatsTable(&b, s, &info)
		writePercentiles(&b, s, false)
		_, err := w.Write(b.Bytes())
		return err
	case n == ScreenRepartition:
		return writeRepartitionScreen(w, s, 1)
	case n == ScreenVariables:
		return writeVariablesScreen(w, s, &info)
	case n >= 6 && n <= 9:
		return writeRepartitionScreen(w, s, n-4)
	default:
		return WriteScreen(w, s, info)
	}
}

// WriteAllScreens writes every screen one after the other, as SIPp's
// -trace_screen file holds them at the end of a run: the scenario screen,
// the statistics screen, the repartition screen, and one more repartition
// screen for each further response-time counter.
func WriteAllScreens(w io.Writer, s *Snapshot, info ScreenInfo) error {
	var b bytes.Buffer
	for _, n := range []int{ScreenScenario, ScreenStatistics, ScreenRepartition} {
		if err := WriteScreenNumber(&b, n, s, info); err != nil {
			return err
		}
	}
	for n := 2; n <= len(s.Layout.RTDNames); n++ {
		if err := writeRepartitionScreen(&b, s, n); err != nil {
			return err
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeSteps writes SIPp's per-message table: one line per scenario
// message with its arrow, its response-time mark and its counters.
func writeSteps(b *bytes.Buffer, s *Snapshot, info *ScreenInfo) {
	server := info.Mode == "uas"
	b.WriteByte('\n')
	b.WriteString("                                 Messages  Retrans   Timeout   Unexpected-Msg\n")
	line := func(l string) { b.WriteString(strings.TrimRight(l, " ") + "\n") }
	last := -1 // the last step shown: no blank line after it
	for i := range info.Steps {
		if !info.Steps[i].Hide && info.Steps[i].Kind != StepLabel {
			last = i
		}
	}
	for i := range info.Steps {
		st := &info.Steps[i]
		if st.Hide || st.Kind == StepLabel {
			continue
		}
		var c CommandTotals
		if i < len(s.Cumulative.Commands) {
			c = s.Cumulative.Commands[i]
		}
		mark := "        "
		switch {
		case st.StartRTD > 0:
			mark = fmt.Sprintf(" B-RTD%d ", st.StartRTD)
		case st.StopRTD > 0:
			mark = fmt.Sprintf(" E-RTD%d ", st.StopRTD)
		}
		name := st.name()
		u := func(v uint64) string { return strconv.FormatUint(v, 10) }
		switch st.Kind {
		case StepSend:
			arrow := fmt.Sprintf("  %10s ----------> ", name)
			if server {
				arrow = fmt.Sprintf("  <---------- %-10s ", name)
			}
			timeout := ""
			if st.Retrans {
				timeout = u(c.Timeouts)
			}
			line(fmt.Sprintf("%s%s%-9d %-9d %-9s", arrow, mark, c.Sent, c.Retrans, timeout))
		case StepRecv:
			arrow := fmt.Sprintf("  %10s <---------- ", name)
			if server {
				arrow = fmt.Sprintf("  ----------> %-10s ", name)
			}
			line(fmt.Sprintf("%s%s%-9d %-9d %-9d %-9d", arrow, mark, c.Received, c.Retrans, c.Timeouts, c.Unexpected))
		case StepPause:
			desc := st.Pause
			pad := max(18-max(len(desc), 9), 0)
			left := fmt.Sprintf("       Pause [%9s]%*s", desc, pad, "")
			if server {
				left = fmt.Sprintf("  [%9s] Pause%*s", desc, max(23-max(len(desc), 9), 0), "")
			}
			line(fmt.Sprintf("%s%-9d                     %-9d", left, c.Paused, c.Unexpected))
		case StepSendCmd:
			line(fmt.Sprintf("        [ Sent Command ]         %-9d", c.Sent))
		case StepRecvCmd:
			line(fmt.Sprintf("    [ Received Command ]         %-9d", c.Received))
		default:
			if st.Display != "" {
				line(" " + st.Display)
			} else {
				line("              [ NOP ]")
			}
		}
		if st.Crlf && i != last {
			b.WriteByte('\n')
		}
	}
}

// writeRepartitionScreen writes the repartition screen of response-time
// counter n (1-based): SIPp's table of how many values fell between each
// two boundaries of <ResponseTimeRepartition> (and, for n = 1, of
// <CallLengthRepartition>), then gossip's percentiles of the same values.
func writeRepartitionScreen(w io.Writer, s *Snapshot, n int) error {
	var b bytes.Buffer
	if n == 1 {
		rule(&b, "Repartition Screen")
	} else {
		rule(&b, "Repartition "+strconv.Itoa(n)+" Screen")
	}
	names := s.Layout.RTDNames
	if n > len(names) {
		b.WriteString("  <No repartition defined>\n")
		_, err := w.Write(b.Bytes())
		return err
	}
	rtd := s.Layout.RTDRepartition
	fmt.Fprintf(&b, "  Average Response Time Repartition %s\n", names[n-1])
	writeRepartition(&b, rtd, s.RTDRepartition(n-1, true))
	if n == 1 {
		b.WriteString("  Average Call Length Repartition\n")
		writeRepartition(&b, s.Layout.CallLengthRepartition, s.CallLengthRepartition(true))
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "  %-16s %-6s %9s %9s %9s %9s %9s %9s %9s\n",
		"Duration", "", "count", "mean", "p50", "p90", "p99", "p99.9", "max")
	row := func(name, window string, d Dist) {
		fmt.Fprintf(&b, "  %-16s %-6s %9d %9s %9s %9s %9s %9s %9s\n", name, window, d.Count,
			short(d.Mean), short(d.P50), short(d.P90), short(d.P99), short(d.P999), short(d.Max))
	}
	row("Response time "+names[n-1], "period", s.RTD(n-1, false))
	row("", "total", s.RTD(n-1, true))
	if n == 1 {
		row("Call length", "period", s.CallLength(false))
		row("", "total", s.CallLength(true))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeRepartition writes one repartition table in SIPp's layout.
func writeRepartition(b *bytes.Buffer, bounds []int, counts []uint64) {
	if len(bounds) == 0 {
		b.WriteString("    <No repartition defined>\n")
		return
	}
	ms := slices.Clone(bounds)
	slices.Sort(ms)
	lo := 0
	for i, hi := range ms {
		fmt.Fprintf(b, "    %10d ms <= n < %10d ms : %10d\n", lo, hi, at(counts, i))
		lo = hi
	}
	fmt.Fprintf(b, "    %14s n >= %10d ms : %10d\n", "", ms[len(ms)-1], at(counts, len(ms)))
}

// writeVariablesScreen writes SIPp's variables screen: the actions each
// message runs. gossip's scenarios run no actions yet; the screen shows the
// -key values and the generic counters instead.
func writeVariablesScreen(w io.Writer, s *Snapshot, info *ScreenInfo) error {
	var b bytes.Buffer
	rule(&b, "Variables Screen")
	b.WriteString("  Action defined Per Message :\n")
	b.WriteString("  => No action found on any messages\n")
	b.WriteByte('\n')
	if len(info.Keys) > 0 {
		b.WriteString("  Keys (-key) :\n")
		for _, k := range slices.Sorted(maps.Keys(info.Keys)) {
			fmt.Fprintf(&b, "    [%s] = %s\n", k, info.Keys[k])
		}
	} else {
		b.WriteString("  => No -key value\n")
	}
	if len(s.Layout.Counters) > 0 {
		b.WriteByte('\n')
		b.WriteString("  Counters :\n")
		for i, n := range s.Layout.Counters {
			fmt.Fprintf(&b, "    %s = %d\n", n, at(s.Cumulative.Counters, i))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}
