package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine describes where the harness ran.
type machine struct {
	CPU    string // model name
	CPUs   int    // logical CPUs
	Kernel string // uname -r
	Go     string // Go version of the harness (gossip is built with the same)
	SIPp   string // sipp -v
	Gossip string // gossip version
	// GossipSource says what the gossip binary was built from.
	GossipSource string
	// GossipDataplane is the default -dataplane as gossip -h states it.
	GossipDataplane string
}

// describeMachine collects the machine description: CPU model from
// /proc/cpuinfo, kernel release, Go version and the versions the sipp and
// gossip binaries print.
func describeMachine(ctx context.Context, o options) (machine, error) {
	m := machine{
		CPU:    cpuModel(),
		CPUs:   runtime.NumCPU(),
		Kernel: "unknown",
		Go:     runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if o.sipp != "" {
		out := versionOutput(ctx, o.sipp, "-v")
		m.SIPp = "unknown (" + o.sipp + ")"
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "SIPp ") {
				m.SIPp = strings.TrimSuffix(l, ".")
				break
			}
		}
	}
	if o.gossip != "" {
		m.Gossip = lastLines(versionOutput(ctx, o.gossip, "version"), 1)
		if m.Gossip == "" {
			return m, fmt.Errorf("%s version printed nothing: is it gossip?", o.gossip)
		}
		m.GossipDataplane = flagDefault(versionOutput(ctx, o.gossip, "-h"), "-dataplane")
	}
	return m, nil
}

// versionOutput runs bin with arg and returns what it printed, whatever
// its exit status (sipp -v exits 99).
func versionOutput(ctx context.Context, bin, arg string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, arg).CombinedOutput()
	return string(out)
}

// cpuModel is the first "model name" of /proc/cpuinfo (or what ARM
// kernels print instead).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	fallback := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			return v
		case "Hardware", "Model", "CPU part":
			if fallback == "" {
				fallback = v
			}
		}
	}
	if fallback != "" {
		return fallback
	}
	return "unknown"
}

// flagDefault finds flag in a -h text and returns the "(default ...)" of
// its entry, which may wrap onto the following lines; "" when there is
// none.
func flagDefault(help, flag string) string {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), flag+" ") {
			continue
		}
		entry := l
		for j := i + 1; j < len(lines) && j <= i+3; j++ {
			next := strings.TrimSpace(lines[j])
			if next == "" || strings.HasPrefix(next, "-") {
				break
			}
			entry += " " + next
		}
		if _, def, ok := strings.Cut(entry, "(default "); ok {
			if def, _, ok = strings.Cut(def, ")"); ok {
				return strings.Join(strings.Fields(def), " ")
			}
		}
		return ""
	}
	return ""
}
