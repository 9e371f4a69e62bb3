package benchkit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc/PID/stat: USER_HZ, which
// Linux fixes at 100 on every architecture the harnesses run on.
const userHZ = 100

// RSS returns the resident set size of process pid in bytes (VmRSS of
// /proc/PID/status).
func RSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("RSS of process %d: %w", pid, err)
	}
	defer f.Close()
	v, err := ParseVmRSS(f)
	if err != nil {
		return 0, fmt.Errorf("RSS of process %d: %w", pid, err)
	}
	return v, nil
}

// ParseVmRSS reads the VmRSS line ("VmRSS:	  6512 kB") of a
// /proc/PID/status file and returns it in bytes.
func ParseVmRSS(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("VmRSS line %q: want a number of kB", sc.Text())
		}
		kib, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("VmRSS %q: %w", f[0], err)
		}
		return kib << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS line (a kernel thread, or the process is a zombie)")
}

// CPUTime returns the user plus system CPU time process pid has used so
// far, all its threads together (utime + stime of /proc/PID/stat), in
// steps of 1/USER_HZ (10 ms).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	d, err := ParseStatCPU(b)
	if err != nil {
		return 0, fmt.Errorf("CPU time of process %d: %w", pid, err)
	}
	return d, nil
}

// ParseStatCPU reads utime and stime (fields 14 and 15) of a /proc/PID/stat
// line and returns their sum. The command name (field 2) is in parentheses
// and may hold spaces and parentheses itself, so fields are counted from
// the last ')'.
func ParseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc/PID/stat: no ')' after the command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("/proc/PID/stat: %d fields after the command name, want at least %d", len(f), stime+1)
	}
	var ticks uint64
	for _, k := range []int{utime, stime} {
		v, err := strconv.ParseUint(f[k], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/PID/stat field %d %q: %w", k+3, f[k], err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// MachineCPU returns the CPU time all CPUs of the machine have spent busy
// so far (the first line of /proc/stat: every state but idle and iowait),
// in steps of 1/USER_HZ.
func MachineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("machine CPU time: %w", err)
	}
	d, err := ParseMachineCPU(b)
	if err != nil {
		return 0, fmt.Errorf("machine CPU time: %w", err)
	}
	return d, nil
}

// ParseMachineCPU reads the "cpu" line of /proc/stat ("cpu user nice
// system idle iowait irq softirq steal guest guest_nice") and returns the
// busy time: user through steal, less idle and iowait (guest time is
// already in user).
func ParseMachineCPU(stat []byte) (time.Duration, error) {
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: first line %q is not the \"cpu\" total", line)
	}
	var busy uint64
	for i, v := range f[1:min(len(f), 9)] { // user nice system idle iowait irq softirq steal
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: cpu field %d %q: %w", i+1, v, err)
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * time.Second / userHZ, nil
}
