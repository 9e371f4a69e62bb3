package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
)

// bgChildEnv marks the re-executed child of -bg.
const bgChildEnv = "GOSSIP_BACKGROUND_CHILD"

// inBackgroundChild reports whether this process is the -bg child.
func inBackgroundChild() bool { return os.Getenv(bgChildEnv) == "1" }

// startBackground re-executes gossip detached from the terminal (its own
// session, standard streams on /dev/null), prints the child's PID as SIPp
// does and returns SIPp's status for the parent (99).
func startBackground(args []string, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "gossip: -bg: %v\n", err)
		return cli.ExitFatal
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "gossip: -bg: %v\n", err)
		return cli.ExitFatal
	}
	defer devnull.Close()
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), bgChildEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "gossip: -bg: %v\n", err)
		return cli.ExitFatal
	}
	fmt.Fprintf(stdout, "Background mode - PID=[%d]\n", cmd.Process.Pid)
	_ = cmd.Process.Release()
	return cli.ExitOther
}
