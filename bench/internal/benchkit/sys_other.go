//go:build !linux

package benchkit

import "os/exec"

// setDeathSignal does nothing here.
func setDeathSignal(*exec.Cmd) {}
