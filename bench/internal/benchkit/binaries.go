package benchkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
)

// Kind is an implementation a harness runs: the real SIPp or gossip.
type Kind int

const (
	// KindSIPp is the real SIPp.
	KindSIPp Kind = iota
	// KindGossip is gossip.
	KindGossip
)

// String is the implementation's name as the reports print it: "sipp" or
// "gossip".
func (k Kind) String() string {
	if k == KindSIPp {
		return "sipp"
	}
	return "gossip"
}

// Binaries are the sipp and gossip executables a harness runs, as -sipp,
// -gossip and -rev name them; Prepare finds or builds what they leave out.
type Binaries struct {
	// SIPp is the sipp binary; "" looks sipp up on PATH.
	SIPp string
	// Gossip is the gossip binary; "" builds ./cmd/gossip.
	Gossip string
	// Rev is the git revision gossip is built from; "" builds the
	// working tree.
	Rev string
	// GossipSource says where the gossip binary came from, for the
	// report's machine section (set by Prepare).
	GossipSource string
}

// Flags defines -gossip, -rev and -sipp on fs.
func (b *Binaries) Flags(fs *flag.FlagSet) {
	fs.StringVar(&b.Gossip, "gossip", "", "gossip binary to run (default: go build ./cmd/gossip into a temporary directory)")
	fs.StringVar(&b.Rev, "rev", "", "build gossip from this git revision (git archive) instead of the working tree")
	fs.StringVar(&b.SIPp, "sipp", "", "sipp binary to run (default: sipp on PATH)")
}

// Check refuses -rev together with -gossip.
func (b *Binaries) Check() error {
	if b.Rev != "" && b.Gossip != "" {
		return errors.New("-rev and -gossip: give one (-rev builds the gossip binary)")
	}
	return nil
}

// Need says what a run needs from outside the harness.
type Need struct {
	// SIPp and Gossip say which binaries the run starts: a needed sipp
	// that -sipp does not name is looked up on PATH, a needed gossip that
	// -gossip does not name is built.
	SIPp, Gossip bool
	// SIPpHint is what the error about a sipp missing from PATH suggests
	// besides installing it, such as "or pass -sipp".
	SIPpHint string
	// Results is the name of the results file under bench/ in the module
	// that an empty -out stands for; "" when an empty -out writes none.
	Results string
}

// Prepare readies the binaries of a run and its results file. It finds
// the module root when the run needs it (to build gossip when -gossip is
// not given, or for the default results file) and sets an empty *out to
// need.Results there; it looks a needed sipp up on PATH, builds a needed
// gossip into work (saying so with logf), and makes both binaries
// absolute paths, as the runs happen in their own directories.
func (b *Binaries) Prepare(ctx context.Context, work string, out *string, need Need, logf func(string, ...any)) error {
	defaultOut := *out == "" && need.Results != ""
	root, err := ModuleRoot(ctx)
	if err != nil && (b.Gossip == "" || defaultOut) {
		return err
	}
	if defaultOut {
		*out = filepath.Join(root, "bench", need.Results)
	}
	if need.SIPp && b.SIPp == "" {
		if b.SIPp, err = exec.LookPath("sipp"); err != nil {
			return fmt.Errorf("sipp is not on PATH (apt-get install sip-tester, %s): %w", need.SIPpHint, err)
		}
	}
	b.GossipSource = "`-gossip " + b.Gossip + "`"
	if need.Gossip && b.Gossip == "" {
		from := root
		if b.Rev != "" {
			from += " at " + b.Rev
		}
		logf("building gossip from %s", from)
		if b.Gossip, b.GossipSource, err = BuildGossip(ctx, root, work, b.Rev); err != nil {
			return err
		}
	}
	for _, bin := range []*string{&b.SIPp, &b.Gossip} {
		if *bin == "" {
			continue
		}
		if *bin, err = ResolveBinary(*bin); err != nil {
			return err
		}
	}
	return nil
}

// Path is the executable of implementation k.
func (b *Binaries) Path(k Kind) string {
	if k == KindSIPp {
		return b.SIPp
	}
	return b.Gossip
}

// Machine describes the machine and the binaries (DescribeMachine), with
// where gossip came from.
func (b *Binaries) Machine(ctx context.Context) (Machine, error) {
	m, err := DescribeMachine(ctx, b.SIPp, b.Gossip)
	m.GossipSource = b.GossipSource
	return m, err
}
