// Package benchkit holds what the benchmark harnesses under bench/
// (sippbench, capacity) share: starting, watching and stopping the sipp and
// gossip processes they measure; reading SIPp's -trace_stat CSV files, the
// kernel's UDP counters and a process's RSS and CPU time from /proc;
// describing the machine; building gossip from the working tree or a git
// revision; and keeping each harness's section of bench/RESULTS.md when
// another harness rewrites the file.
//
// The /proc readers work on Linux only; elsewhere they return errors and
// the harnesses refuse to run.
package benchkit
