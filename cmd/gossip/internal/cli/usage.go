package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

const (
	usageWidth  = 99 // longest line Usage writes
	usageColumn = 26 // where descriptions start
)

// Usage writes gossip's help for the SIPp-compatible command line: the
// flags by section, each with its value placeholder, default and a short
// description, then time units, exit statuses and the SIPp flags gossip
// recognises but refuses for now.
func Usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("Usage: gossip [flags] [remote_host[:port]]\n\n")
	para(&b, "", "gossip takes SIPp's command line: flags are single-dash words such as -sn or "+
		"-trace_stat (--name works too), each followed by its value(s), and the remote "+
		"host[:port] (port 5060 by default) may stand anywhere among them.")

	specs := implementedFlags()
	defaults := Defaults()
	for sec := section(0); sec < numSections; sec++ {
		fmt.Fprintf(&b, "\n%s:\n", sec.title())
		if sec == secAddresses {
			row(&b, "  remote_host[:port]", "where calls go (positional, anywhere; port 5060 by default)")
		}
		for _, s := range specs {
			if s.sec != sec {
				continue
			}
			left := "  -" + s.name
			if s.arg != "" {
				left += " " + s.arg
			}
			var notes []string
			if s.unit != "" {
				notes = append(notes, "unit "+s.unit)
			}
			switch def := s.def; def {
			case "-":
			case "":
				if v := s.bind(defaults).String(); v != "" {
					notes = append(notes, "default "+v)
				}
			default:
				notes = append(notes, "default "+def)
			}
			desc := s.help
			if len(notes) > 0 {
				desc += " (" + strings.Join(notes, ", ") + ")"
			}
			row(&b, left, desc)
		}
		for _, r := range extraRows(sec) {
			row(&b, r[0], r[1])
		}
	}

	b.WriteString("\nTime values:\n")
	para(&b, "  ", "a number with an optional unit suffix, ms, s, m or h (1.5s, 500ms, 2m); a bare "+
		"number is in the unit shown above, as in SIPp. Times keep whole milliseconds.")

	b.WriteString("\nExit status:\n")
	for _, e := range []struct{ code, what string }{
		{"0", "every call succeeded"},
		{"1", "a call failed, or the command line or scenario is wrong"},
		{"97", "stopped from inside (stop_now, or -timeout before any call succeeded)"},
		{"99", "nothing run: -h, -v, -sd"},
		{"253", "RTP checks failed"},
		{"254", "the local address could not be bound"},
		{"255", "fatal error while running"},
	} {
		row(&b, "  "+e.code, e.what)
	}

	b.WriteString("\nSIPp flags gossip does not support yet (refused with an error):\n")
	var names []string
	for n := range sippOnlyFlags() {
		names = append(names, "-"+n)
	}
	slices.SortFunc(names, func(a, c string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(c)) })
	para(&b, "  ", strings.Join(names, " "))

	io.WriteString(w, b.String())
}

// extraRows returns the Usage lines of a section that are not table flags.
func extraRows(sec section) [][2]string {
	if sec != secProcess {
		return nil
	}
	return [][2]string{
		{"  -v", "print the version and exit with status 99"},
		{"  -h, -help", "print this help and exit with status 99"},
	}
}

// row writes left padded to usageColumn, then desc wrapped to usageWidth
// with continuation lines indented to the column.
func row(b *strings.Builder, left, desc string) {
	if len(left) >= usageColumn-1 {
		b.WriteString(left + "\n")
		left = ""
	}
	lines := wrap(desc, usageWidth-usageColumn)
	for i, l := range lines {
		if i > 0 {
			left = ""
		}
		fmt.Fprintf(b, "%-*s%s\n", usageColumn, left, l)
	}
}

// para writes text wrapped to usageWidth, each line starting with indent.
func para(b *strings.Builder, indent, text string) {
	for _, l := range wrap(text, usageWidth-len(indent)) {
		b.WriteString(indent + l + "\n")
	}
}

// wrap splits text into lines of at most width bytes at spaces (a single
// longer word keeps its own line).
func wrap(text string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= width:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}
