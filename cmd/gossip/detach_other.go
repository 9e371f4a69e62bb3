//go:build !unix

package main

import "syscall"

// detached has no session to leave outside Unix.
func detached() *syscall.SysProcAttr { return nil }
