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

// Harness is a harness's whole run: it reads its command line args,
// prints its report to stdout and its progress to stderr, and returns what
// it measured (for its tests).
type Harness[R any] func(ctx context.Context, args []string, stdout, stderr io.Writer) (R, error)

// Main runs a harness with the process's arguments and streams, stopped by
// SIGINT or SIGTERM, and exits as a command-line tool does: 0 after -h, 1
// with the error otherwise. What the harness returns besides the error is
// for its tests and is dropped here.
func Main[R any](name string, run Harness[R]) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	_, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Logger returns the progress printer of harness name: each call writes
// one line to w, prefixed with "name: ".
func Logger(w io.Writer, name string) func(format string, a ...any) {
	return func(format string, a ...any) { fmt.Fprintf(w, name+": "+format+"\n", a...) }
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
