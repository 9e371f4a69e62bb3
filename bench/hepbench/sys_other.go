//go:build !linux

package main

import (
	"context"
	"io"
	"net"
	"time"
)

// setupVeth needs Linux network namespaces: elsewhere the veth modes are
// skipped.
func setupVeth(context.Context) (remotes, func(), string) {
	return remotes{}, func() {}, "not Linux: the veth modes (collector on another machine) are skipped"
}

// discard reads and throws away everything c receives.
func discard(c *net.TCPConn) { _, _ = io.Copy(io.Discard, c) }

// machineCPU needs Linux's /proc/stat: elsewhere the harness cannot tell
// how busy the machine is.
func machineCPU() (busy, total time.Duration, ok bool) { return 0, 0, false }

// selfCPU is unknown here.
func selfCPU() time.Duration { return 0 }
