//go:build unix

package main

import "syscall"

// detached starts the -bg child in a session of its own, away from the
// terminal's signals.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
