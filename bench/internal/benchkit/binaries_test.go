package benchkit

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestKind(t *testing.T) {
	if KindSIPp.String() != "sipp" || KindGossip.String() != "gossip" {
		t.Errorf("kinds print as %q and %q", KindSIPp, KindGossip)
	}
	b := Binaries{SIPp: "/usr/bin/sipp", Gossip: "/tmp/gossip"}
	if b.Path(KindSIPp) != "/usr/bin/sipp" || b.Path(KindGossip) != "/tmp/gossip" {
		t.Errorf("paths %q %q", b.Path(KindSIPp), b.Path(KindGossip))
	}
}

func TestBinariesFlags(t *testing.T) {
	var b Binaries
	fs := flag.NewFlagSet("b", flag.ContinueOnError)
	b.Flags(fs)
	if err := fs.Parse([]string{"-sipp", "s", "-gossip", "g"}); err != nil {
		t.Fatal(err)
	}
	if b.SIPp != "s" || b.Gossip != "g" || b.Rev != "" || b.Check() != nil {
		t.Errorf("%+v, check %v", b, b.Check())
	}
	if err := fs.Parse([]string{"-rev", "HEAD"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(); err == nil || !strings.Contains(err.Error(), "-rev and -gossip: give one") {
		t.Errorf("-rev with -gossip: %v", err)
	}
}

// nolog is a logf that fails the test: Prepare should have nothing to say.
func nolog(t *testing.T) func(string, ...any) {
	return func(format string, a ...any) { t.Errorf("logged "+format, a...) }
}

// TestPrepareResolves: given binaries become absolute paths, a bare name
// through PATH, a relative one from the current directory; no results file
// is made up when none is wanted.
func TestPrepareResolves(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fake-gossip"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	b := Binaries{SIPp: "sh", Gossip: "./fake-gossip"}
	out := ""
	if err := b.Prepare(context.Background(), dir, &out, Need{SIPp: true, Gossip: true}, nolog(t)); err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.Abs(sh); b.SIPp != want {
		t.Errorf("sipp %q, want %q", b.SIPp, want)
	}
	if b.Gossip != filepath.Join(dir, "fake-gossip") || b.GossipSource != "`-gossip ./fake-gossip`" || out != "" {
		t.Errorf("gossip %q from %q, out %q", b.Gossip, b.GossipSource, out)
	}

	b = Binaries{Gossip: "./missing"}
	if err := b.Prepare(context.Background(), dir, &out, Need{Gossip: true}, nolog(t)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing binary: %v, want not found", err)
	}
}

// TestPrepareSIPpMissing: a needed sipp that is not on PATH fails with the
// hint; the module root is not needed (gossip given, -out given), so a
// PATH without go does not fail the run.
func TestPrepareSIPpMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	b := Binaries{Gossip: "/bin/sh"}
	out := "results.md"
	err := b.Prepare(context.Background(), t.TempDir(), &out, Need{SIPp: true, SIPpHint: "or pass -sipp", Results: "RESULTS.md"}, nolog(t))
	if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(err.Error(), "sipp is not on PATH (apt-get install sip-tester, or pass -sipp): ") {
		t.Fatalf("got %v", err)
	}
	b = Binaries{Gossip: "/bin/sh"}
	if err := b.Prepare(context.Background(), t.TempDir(), &out, Need{Gossip: true, Results: "RESULTS.md"}, nolog(t)); err != nil || out != "results.md" {
		t.Errorf("without sipp, with -out: %v, out %q", err, out)
	}
	// Without -out the default results file needs the module root, which
	// needs go.
	out = ""
	if err := b.Prepare(context.Background(), t.TempDir(), &out, Need{Gossip: true, Results: "RESULTS.md"}, nolog(t)); err == nil {
		t.Errorf("default results file found without go on PATH: %q", out)
	}
}

// TestPrepareDefaultResults: an empty -out becomes bench/<Results> in the
// module.
func TestPrepareDefaultResults(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go on PATH")
	}
	root, err := ModuleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := Binaries{Gossip: "/bin/sh"}
	out := ""
	if err := b.Prepare(context.Background(), t.TempDir(), &out, Need{Gossip: true, Results: "RESULTS-t1.md"}, nolog(t)); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "bench", "RESULTS-t1.md"); out != want {
		t.Errorf("out %q, want %q", out, want)
	}
}
