//go:build unix

package benchkit

import "syscall"

// maxRSS is a process's peak RSS in KiB from its rusage (kilobytes on
// Linux).
func maxRSS(usage any) int64 {
	if ru, ok := usage.(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
