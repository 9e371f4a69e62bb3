package main

import (
	"context"
	"math"
)

// searchParams shape the search for a pair's highest passing rate.
type searchParams struct {
	start     int     // first rate tried
	max       int     // never tried above this
	min       int     // below this the pair sustains nothing
	factor    float64 // ramp step (2: doubling)
	precision float64 // bisection ends when high/low ≤ precision
}

// searchResult is the outcome of a search.
type searchResult struct {
	best   int  // highest rate that passed; 0 when none did
	capped bool // best is the max the search was allowed: the pair may do more
	probes int  // how many rates were tried
}

// search finds the highest rate for which probe passes: an exponential ramp
// from start (up while probes pass, down while they fail), then geometric
// bisection between the highest passing and the lowest failing rate. It
// assumes that passing is monotonic in the rate; on a noisy machine it
// still ends, with a rate that passed once. An error from probe (the
// harness could not run it) ends the search.
func search(ctx context.Context, sp searchParams, probe func(context.Context, int) (bool, error)) (searchResult, error) {
	var res searchResult
	try := func(rate int) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		res.probes++
		return probe(ctx, rate)
	}
	rate := min(sp.start, sp.max)
	ok, err := try(rate)
	if err != nil {
		return res, err
	}
	lo, hi := 0, 0 // highest passing, lowest failing
	if ok {
		lo = rate
		for {
			if lo >= sp.max {
				res.best, res.capped = lo, true
				return res, nil
			}
			next := min(roundRate(float64(lo)*sp.factor), sp.max)
			if ok, err = try(next); err != nil {
				return res, err
			}
			if !ok {
				hi = next
				break
			}
			lo = next
		}
	} else {
		hi = rate
		for {
			next := roundRate(float64(hi) / sp.factor)
			if next < sp.min || next >= hi {
				return res, nil // nothing passes
			}
			if ok, err = try(next); err != nil {
				return res, err
			}
			if ok {
				lo = next
				break
			}
			hi = next
		}
	}
	for float64(hi)/float64(lo) > sp.precision {
		mid := roundRate(math.Sqrt(float64(lo) * float64(hi)))
		if mid <= lo || mid >= hi {
			break
		}
		if ok, err = try(mid); err != nil {
			return res, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	res.best = lo
	return res, nil
}

// roundRate rounds a rate to three significant digits, so that the rates
// tried read well in the table.
func roundRate(x float64) int {
	if x < 1000 {
		return int(math.Round(x))
	}
	mag := math.Pow(10, math.Floor(math.Log10(x))-2)
	return int(math.Round(x/mag) * mag)
}
