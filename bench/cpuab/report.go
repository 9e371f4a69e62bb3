package main

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

// paired summarises a paired comparison: the means of a and b, the mean of
// b[i]-a[i] with its standard error, and how many rounds had b below a.
type paired struct {
	meanA, meanB, diff, se float64
	lower, n               int
}

func comparePaired(a, b []float64) paired {
	n := min(len(a), len(b))
	p := paired{n: n}
	if n == 0 {
		return p
	}
	var sa, sb, sd float64
	d := make([]float64, n)
	for i := 0; i < n; i++ {
		sa += a[i]
		sb += b[i]
		d[i] = b[i] - a[i]
		sd += d[i]
		if b[i] < a[i] {
			p.lower++
		}
	}
	p.meanA, p.meanB, p.diff = sa/float64(n), sb/float64(n), sd/float64(n)
	if n > 1 {
		var ss float64
		for _, x := range d {
			ss += (x - p.diff) * (x - p.diff)
		}
		p.se = math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	}
	return p
}

// line renders the comparison for one quantity.
func (p paired) line(what string) string {
	pct := 0.0
	if p.meanA != 0 {
		pct = 100 * p.diff / p.meanA
	}
	return fmt.Sprintf("- %s: A %.2f, B %.2f µs/call; B − A %+.2f ± %.2f (%+.1f%%), B lower in %d of %d rounds",
		what, p.meanA, p.meanB, p.diff, p.se, pct, p.lower, p.n)
}

func (r *report) write(w io.Writer) {
	o := r.opts
	peer := "sipp -sn uac"
	if o.side == "uac" {
		peer = "sipp -sn uas"
	}
	fmt.Fprintf(w, "# gossip %s, A against B\n\n", o.side)
	fmt.Fprintf(w, "- A: %s%s\n- B: %s%s\n", r.a.source, argsNote(r.a.extra), r.b.source, argsNote(r.b.extra))
	fmt.Fprintf(w, "- Each round: both builds at once, each `-sn %s -threads %d` against its own `%s` at %d calls/s for %s; they swap ports and start order every round.\n",
		o.side, o.threads, peer, o.rate, o.duration)
	fmt.Fprintf(w, "- CPU: each process's whole run, getrusage's total split by %s.\n\n", splitWord(r.method))
	fmt.Fprintln(w, "| round | first | A user | B user | A sys | B sys |")
	fmt.Fprintln(w, "|--:|---|--:|--:|--:|--:|")
	var au, bu, as, bs []float64
	for i, rd := range r.rounds {
		first := "A"
		if !rd.aFirst {
			first = "B"
		}
		fmt.Fprintf(w, "| %d | %s | %.2f | %.2f | %.2f | %.2f |\n", i+1, first, rd.aUser, rd.bUser, rd.aSys, rd.bSys)
		au, bu = append(au, rd.aUser), append(bu, rd.bUser)
		as, bs = append(as, rd.aSys), append(bs, rd.bSys)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, comparePaired(au, bu).line("user"))
	fmt.Fprintln(w, comparePaired(as, bs).line("system"))
	tot := func(u, s []float64) []float64 {
		out := make([]float64, len(u))
		for i := range u {
			out[i] = u[i] + s[i]
		}
		return out
	}
	fmt.Fprintln(w, comparePaired(tot(au, as), tot(bu, bs)).line("total"))
	var notes []string
	for i, rd := range r.rounds {
		for _, fb := range []string{rd.aFallback, rd.bFallback} {
			if fb != "" {
				notes = append(notes, fmt.Sprintf("round %d: %s", i+1, fb))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nSplit from getrusage where perf failed: %s\n", strings.Join(notes, "; "))
	}
}

func splitWord(method string) string {
	if method == benchkit.SplitPerf {
		return "perf's user and kernel samples"
	}
	return "getrusage itself (clock-tick accounting)"
}
