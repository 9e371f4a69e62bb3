//go:build linux

package benchkit

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the child if the harness dies.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
