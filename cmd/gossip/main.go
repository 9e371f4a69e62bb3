// Command gossip is a SIP traffic generator that accepts SIPp's command
// line and XML scenarios and runs them on a sharded, multi-core engine.
//
//	gossip -sn uas -i 127.0.0.1 -p 5060 &
//	gossip -sn uac 127.0.0.1:5060 -r 2000 -m 20000
//
// Exit statuses follow SIPp's: 0 every call succeeded, 1 some call failed
// (or the command line was wrong), 97 a global timeout with no successful
// call, 99 after -h, -v or -sd, 254 the local port could not be bound, 255
// a fatal error during the run.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(profiled(func() int {
		stop := startRuntimeStats()
		defer stop()
		defer writeHeapProfile()
		return run(os.Args[1:], os.Stdout, os.Stderr)
	}))
}

// heapProfileEnv names the file a developer's run writes its heap profile
// to as it exits (see README "Development").
const heapProfileEnv = "GOSSIP_MEMPROFILE"

// writeHeapProfile writes the heap profile (what the run allocated, and
// what it still held at the last garbage collection) to the file
// GOSSIP_MEMPROFILE names, if it names one (a developer's aid; see README
// "Development").
func writeHeapProfile() {
	path := os.Getenv(heapProfileEnv)
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gossip: %s: %v\n", heapProfileEnv, err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(os.Stderr, "gossip: %s: %v\n", heapProfileEnv, err)
	}
}

// profiled runs fn under the CPU profiler when GOSSIP_CPUPROFILE names a
// file (a developer's aid; see README "Development").
func profiled(fn func() int) int {
	path := os.Getenv("GOSSIP_CPUPROFILE")
	if path == "" {
		return fn()
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gossip: GOSSIP_CPUPROFILE: %v\n", err)
		return fn()
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(os.Stderr, "gossip: GOSSIP_CPUPROFILE: %v\n", err)
		return fn()
	}
	defer pprof.StopCPUProfile()
	return fn()
}

// run dispatches a subcommand and returns the process exit status.
func run(args []string, stdout, stderr *os.File) int {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintf(stdout, "gossip %s\n", version)
			return 0
		case "sipp":
			return runSIPp(args[1:], stdout, stderr)
		case "hep-dump":
			return runHEPDump(args[1:], stdout, stderr)
		case "server", "tui", "shell", "auth", "pcap2scenario", "merge":
			fmt.Fprintf(stderr, "gossip: the %q subcommand is not available yet\n", args[0])
			return 1
		}
	}
	return runSIPp(args, stdout, stderr)
}
