package main

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"time"
)

// runtimeStatsEnv names the file a developer's run appends the Go runtime's
// own figures to, a line a second (see README "Development"): the soak
// harness (bench/soak) watches goroutines and heap of a long run with it.
const runtimeStatsEnv = "GOSSIP_RUNTIME_STATS"

// runtimeStatsHeader is the file's first line; one line per second follows,
// tab-separated.
const runtimeStatsHeader = "unix_ms\tgoroutines\theap_object_bytes\tgc_cycles\n"

// startRuntimeStats starts writing the runtime's figures to the file
// GOSSIP_RUNTIME_STATS names, if it names one, and returns the function
// that stops it (after a last line). Each line is one write, so a killed
// process leaves whole lines.
func startRuntimeStats() (stop func()) {
	path := os.Getenv(runtimeStatsEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gossip: %s: %v\n", runtimeStatsEnv, err)
		return func() {}
	}
	samples := []metrics.Sample{
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
	}
	var line []byte
	write := func() {
		metrics.Read(samples)
		line = strconv.AppendInt(line[:0], time.Now().UnixMilli(), 10)
		for _, s := range samples {
			line = append(line, '\t')
			if s.Value.Kind() == metrics.KindUint64 {
				line = strconv.AppendUint(line, s.Value.Uint64(), 10)
			} else {
				line = append(line, '-')
			}
		}
		line = append(line, '\n')
		_, _ = f.Write(line)
	}
	_, _ = f.WriteString(runtimeStatsHeader)
	write()
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				write()
			case <-done:
				write()
				return
			}
		}
	}()
	return func() {
		close(done)
		<-exited
		_ = f.Close()
	}
}
