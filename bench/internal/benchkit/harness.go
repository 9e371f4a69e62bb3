package benchkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a harness's run function with the process's arguments and
// streams, stopped by SIGINT or SIGTERM, and exits as a command-line
// tool does: 0 after -h, 1 with the error otherwise.
func Main(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// WorkDir checks that the kernel's UDP counters can be read (the harnesses
// need Linux) and makes a work directory for a run. cleanup removes it
// unless keep is set, in which case logf says where it is.
func WorkDir(name string, keep bool, logf func(string, ...any)) (dir string, cleanup func(), err error) {
	if _, err := ReadSNMP(); err != nil {
		return "", nil, fmt.Errorf("kernel UDP counters (the harness needs Linux): %w", err)
	}
	dir, err = os.MkdirTemp("", name+"-")
	if err != nil {
		return "", nil, fmt.Errorf("work directory: %w", err)
	}
	if keep {
		logf("work directory (kept): %s", dir)
		return dir, func() {}, nil
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
