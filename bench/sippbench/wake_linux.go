//go:build linux

package main

import (
	"fmt"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// rusageThread is getrusage's RUSAGE_THREAD: the calling thread only.
const rusageThread = 1

// timerWakeCost sleeps n times for wakeSleep on one locked OS thread and
// returns the CPU time (user and system) the thread was charged per sleep.
// It sleeps as a busy gossip shard does between drains: in a raw system
// call, which Go's scheduler does not see. (Through syscall.Nanosleep the
// process paid about three times as much on the development VM, for the
// P hand-off to another thread that a scheduled blocking call brings.)
func timerWakeCost(n int) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &before); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	ts := syscall.NsecToTimespec(int64(wakeSleep))
	for i := 0; i < n; i++ {
		_, _, errno := syscall.RawSyscall(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&ts)), 0, 0)
		if errno != 0 && errno != syscall.EINTR {
			return 0, fmt.Errorf("nanosleep: %w", errno)
		}
	}
	if err := syscall.Getrusage(rusageThread, &after); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	cpu := after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano()
	return time.Duration(cpu / int64(n)), nil
}
