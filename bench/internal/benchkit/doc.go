// Package benchkit holds what the benchmark harnesses under bench/
// (sippbench, capacity, cpuab, soak) share: their command-line plumbing
// (Main, the flag set, -short defaults, -pairs, and the -sipp, -gossip and
// -rev binaries, found on PATH or built from the working tree or a git
// revision); starting, watching and stopping the sipp and gossip processes
// they measure, a UAS on a free port included; reading SIPp's -trace_stat
// CSV files, the kernel's UDP counters and a process's RSS and CPU time
// from /proc; describing the machine; keeping each harness's section of
// bench/RESULTS.md when another harness rewrites the file; and running a
// harness from its tests (Capture, TableRows).
//
// The /proc readers work on Linux only; elsewhere they return errors and
// the harnesses refuse to run.
package benchkit
