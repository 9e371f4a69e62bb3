package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

func TestComparePaired(t *testing.T) {
	p := comparePaired([]float64{5, 6, 7, 6}, []float64{4.5, 5.6, 6.8, 6.1})
	if p.n != 4 || p.lower != 3 {
		t.Errorf("n %d lower %d, want 4 and 3", p.n, p.lower)
	}
	if math.Abs(p.meanA-6) > 1e-9 || math.Abs(p.meanB-5.75) > 1e-9 || math.Abs(p.diff+0.25) > 1e-9 {
		t.Errorf("means %.3f %.3f diff %.3f, want 6, 5.75, -0.25", p.meanA, p.meanB, p.diff)
	}
	// Differences -0.5 -0.4 -0.2 +0.1: sample sd 0.2646, over sqrt(4).
	if math.Abs(p.se-0.1323) > 1e-3 {
		t.Errorf("standard error %.4f, want 0.1323", p.se)
	}
	if got := p.line("user"); !strings.Contains(got, "B − A -0.25 ± 0.13 (-4.2%), B lower in 3 of 4 rounds") {
		t.Errorf("line: %s", got)
	}
	if one := comparePaired([]float64{1}, []float64{2}); one.se != 0 || one.diff != 1 {
		t.Errorf("one round: %+v", one)
	}
	if none := comparePaired(nil, nil); none.n != 0 {
		t.Errorf("no round: %+v", none)
	}
}

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"-b", "x"}, "-a is required"},
		{[]string{"-a", "x", "-side", "b2bua"}, `-side "b2bua"`},
		{[]string{"-a", "x", "-rounds", "0"}, "must be positive"},
		{[]string{"-a", "x", "HEAD"}, `unexpected argument "HEAD"`},
	} {
		if _, err := parseFlags(tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.err)
		}
	}
	o, err := parseFlags([]string{"-a", "x", "-short", "-rounds", "3"}, io.Discard)
	if err != nil || o.duration != time.Second || o.rounds != 3 {
		t.Errorf("-short -rounds 3: %+v, %v; want 1s rounds, 3 of them", o, err)
	}
	o, err = parseFlags([]string{"-a", "x", "-b-args", " -timer_resol  2 "}, io.Discard)
	if err != nil || len(o.aArgs) != 0 || strings.Join(o.bArgs, "|") != "-timer_resol|2" {
		t.Errorf("-b-args: A %q, B %q, %v; want B's two words", o.aArgs, o.bArgs, err)
	}
	for _, tc := range []struct {
		extra []string
		want  int
	}{
		{nil, 2},
		{[]string{"-timer_resol", "2"}, 2},
		{[]string{"-threads", "1"}, 1},
		{[]string{"-threads", "3", "--threads", "4"}, 4},
		{[]string{"-threads"}, 2},
	} {
		if got := threadsOf(tc.extra, 2); got != tc.want {
			t.Errorf("threadsOf(%q, 2) = %d, want %d", tc.extra, got, tc.want)
		}
	}
}

// TestShortRun compares one gossip binary with itself in -short mode, as
// uas and as uac, against the real sipp (a few seconds each), B with one
// shard more through -b-args, and checks that every round measured both
// sides.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sipp and gossip under load for a few seconds")
	}
	if runtime.GOOS != "linux" {
		testpeer.Require(t, false, "the harness reads /proc: Linux only")
	}
	sipp, gossip := testpeer.SIPp(t), testpeer.Gossip(t)
	for _, side := range []string{"uas", "uac"} {
		t.Run(side, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var out, log bytes.Buffer
			rep, err := run(ctx, []string{"-short", "-a", gossip, "-b", gossip, "-sipp", sipp, "-side", side, "-rate", "2000",
				"-threads", "1", "-b-args", "-threads 2 -timer_resol 2"}, &out, &log)
			if err != nil {
				t.Fatalf("cpuab: %v\n%s", err, log.String())
			}
			if len(rep.rounds) != 2 || !rep.rounds[0].aFirst || rep.rounds[1].aFirst {
				t.Fatalf("rounds %+v, want 2 with A first, then B", rep.rounds)
			}
			for i, r := range rep.rounds {
				if r.aUser+r.aSys <= 0 || r.bUser+r.bSys <= 0 {
					t.Errorf("round %d: %+v, want CPU on both sides", i+1, r)
				}
			}
			for _, want := range []string{"# gossip " + side + ", A against B", "| 2 | B |", "- user: A ", "- total: A ",
				", with -threads 2 -timer_resol 2\n"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
