//go:build !linux

package main

import (
	"errors"
	"time"
)

// timerWakeCost needs getrusage(RUSAGE_THREAD), which only Linux has.
func timerWakeCost(int) (time.Duration, error) {
	return 0, errors.New("no per-thread CPU time here")
}
