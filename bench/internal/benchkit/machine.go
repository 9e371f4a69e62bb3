package benchkit

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

// Machine describes where a harness ran.
type Machine struct {
	CPU    string // model name
	CPUs   int    // logical CPUs
	Kernel string // uname -r
	Memory int64  // MemTotal in bytes; 0 when unknown
	Go     string // Go version of the harness (gossip is built with the same)
	SIPp   string // sipp -v; "" when the harness ran no sipp
	Gossip string // gossip version; "" when the harness ran no gossip
	// GossipSource says what the gossip binary was built from (the
	// harness fills it in).
	GossipSource string
	// GossipDataplane is the default -dataplane as gossip -h states it.
	GossipDataplane string
}

// DescribeMachine collects the machine description: CPU model from
// /proc/cpuinfo, memory from /proc/meminfo, kernel release, Go version and
// the versions the sipp and gossip binaries print (either may be "": not
// used).
func DescribeMachine(ctx context.Context, sipp, gossip string) (Machine, error) {
	m := Machine{
		CPU:    CPUModel(),
		CPUs:   runtime.NumCPU(),
		Kernel: "unknown",
		Memory: memTotal(),
		Go:     runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if sipp != "" {
		out := VersionOutput(ctx, sipp, "-v")
		m.SIPp = "unknown (" + sipp + ")"
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "SIPp ") {
				m.SIPp = strings.TrimSuffix(l, ".")
				break
			}
		}
	}
	if gossip != "" {
		m.Gossip = LastLines(VersionOutput(ctx, gossip, "version"), 1)
		if m.Gossip == "" {
			return m, fmt.Errorf("%s version printed nothing: is it gossip?", gossip)
		}
		m.GossipDataplane = FlagDefault(VersionOutput(ctx, gossip, "-h"), "-dataplane")
	}
	return m, nil
}

// VersionOutput runs bin with arg and returns what it printed, whatever
// its exit status (sipp -v exits 99).
func VersionOutput(ctx context.Context, bin, arg string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, arg).CombinedOutput()
	return string(out)
}

// CPUModel is the first "model name" of /proc/cpuinfo (or what ARM
// kernels print instead).
func CPUModel() string {
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

// memTotal is MemTotal of /proc/meminfo in bytes, 0 when unknown.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		var kib int64
		if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kib); err == nil {
			return kib << 10
		}
		return 0
	}
	return 0
}

// FlagDefault finds flag in a -h text and returns the "(default ...)" of
// its entry, which may wrap onto the following lines; "" when there is
// none.
func FlagDefault(help, flag string) string {
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

// LastLines returns the last n non-empty lines of s, joined by " | ".
func LastLines(s string, n int) string {
	var out []string
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append([]string{l}, out...)
		}
	}
	return strings.Join(out, " | ")
}

// CommandLine renders an invocation as a user would type it: prefix (such
// as "go run ./bench/sippbench"), then args, quoted where a shell needs it.
func CommandLine(prefix string, args []string) string {
	parts := []string{prefix}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$\\*?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
