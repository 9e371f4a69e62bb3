package main

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// sippStamp is SIPp's log time stamp: local date, time and Unix time.
var sippStamp = regexp.MustCompile(`\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\.\d{6}\t\d{10}\.\d{6}`)

// failureCase is a way to make every call of the built-in uac fail.
type failureCase struct {
	name string
	args []string // besides -sn uac, the remote and -m 1
	busy bool     // aim at a UAS answering 486 instead of a silent port
}

var failureCases = []failureCase{
	{"unexpected 486", nil, true},
	{"receive timeout", []string{"-nr", "-recv_timeout", "300"}, false},
	{"retransmission limit", []string{"-max_invite_retrans", "1"}, false},
}

// runFailures runs one call of the built-in uac for each case, from sipp
// and from gossip side by side, with flags, and returns the directory of
// each run by case name and tool.
func runFailures(t *testing.T, flags ...string) map[string]map[string]string {
	t.Helper()
	testpeer.SIPp(t)
	busy, bport := busyServer(t)
	silent := testpeer.FreeUDPPort(t, 1)
	dirs := map[string]map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, fc := range failureCases {
		dirs[fc.name] = map[string]string{}
		for _, who := range []string{"sipp", "gossip"} {
			dir := t.TempDir()
			dirs[fc.name][who] = dir
			remote := silent
			if fc.busy {
				remote = bport
			}
			args := append([]string{"-sn", "uac", "-i", "127.0.0.1", "127.0.0.1:" + strconv.Itoa(remote),
				"-m", "1", "-nostdin"}, fc.args...)
			bin, args := asTool(t, who, append(args, flags...)...)
			p := testpeer.Start(t, 30*time.Second, dir, bin, args...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if code := p.Wait(); code != 1 {
					mu.Lock()
					t.Errorf("%s %s: exit %d, want 1 (the call fails)", who, fc.name, code)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	stop(busy)
	return dirs
}

// digits hides what differs from run to run (Call-IDs, ports, tags,
// branches, process ids, hashes).
var digits = regexp.MustCompile(`[0-9]+`)

// TestTraceErrMatchesSIPp: for each way a call fails, gossip's
// _errors.log says what sipp's says, word for word (numbers aside).
// sipp 3.6.1 writes no line end after an event; gossip ends each with one,
// as SIPp's sources do since (one event per line), so the events are
// split at their time stamps.
func TestTraceErrMatchesSIPp(t *testing.T) {
	dirs := runFailures(t, "-trace_err")
	for _, fc := range failureCases {
		events := map[string][]string{}
		for who, dir := range dirs[fc.name] {
			text := readOne(t, dir, "uac_*_errors.log")
			head, rest, ok := strings.Cut(text, "\n")
			if !ok || head != "The following events occurred:" {
				t.Errorf("%s %s: first line %q", who, fc.name, head)
			}
			stamps := sippStamp.FindAllStringIndex(rest, -1)
			if len(stamps) == 0 || stamps[0][0] != 0 {
				t.Fatalf("%s %s: events do not start with a time stamp:\n%s", who, fc.name, rest)
			}
			for i, s := range stamps {
				end := len(rest)
				if i+1 < len(stamps) {
					end = stamps[i+1][0]
				}
				ev := strings.TrimSuffix(rest[s[1]:end], "\n")
				if !strings.HasPrefix(ev, ": ") {
					t.Errorf("%s %s: no ': ' after the time stamp: %q", who, fc.name, ev)
				}
				events[who] = append(events[who], digits.ReplaceAllString(ev, "N"))
			}
		}
		if !slices.Equal(events["gossip"], events["sipp"]) {
			t.Errorf("%s: gossip's events\n%q\nwant sipp's\n%q", fc.name, events["gossip"], events["sipp"])
		}
	}
}

// debugEntry is the kind of a -trace_calldebug entry: its text up to the
// first number or Call-ID.
var debugKinds = []string{"Starting call", "Sending UDP message", "Processing ", "Unexpected UDP message received",
	"Retransmisison required", "Aborting call"}

// TestTraceCallDebugMatchesSIPp compares gossip's _calldebug.log with
// sipp's for each way a call fails: the same file name, header lines,
// time stamps, and entries of the same kinds in the same order. gossip
// leaves out SIPp's scheduler entries ("Processing message N of type"),
// and does not send the ACK SIPp's abort sends after a final error
// response (the entry after "Aborting call").
func TestTraceCallDebugMatchesSIPp(t *testing.T) {
	dirs := runFailures(t, "-trace_calldebug")
	for _, fc := range failureCases {
		kinds := map[string][]string{}
		for who, dir := range dirs[fc.name] {
			lines := strings.Split(readOne(t, dir, "uac_*_calldebug.log"), "\n")
			if len(lines) < 3 || lines[0] != strings.Repeat("-", 79) ||
				!regexp.MustCompile(`^Call debugging information for call 1-\d+@127\.0\.0\.1:$`).MatchString(lines[1]) {
				t.Fatalf("%s %s: header %q", who, fc.name, lines[:min(2, len(lines))])
			}
			for _, l := range lines[2:] {
				loc := sippStamp.FindStringIndex(l)
				if loc == nil || loc[0] != 0 {
					continue // a message's line
				}
				text := strings.TrimPrefix(l[loc[1]:], " ")
				if strings.HasPrefix(text, "Processing message ") {
					continue // SIPp's scheduler
				}
				kind := ""
				for _, k := range debugKinds {
					if strings.HasPrefix(text, k) {
						kind = k
					}
				}
				if kind == "" {
					t.Errorf("%s %s: unknown entry %q", who, fc.name, text)
				}
				if n := len(kinds[who]); n > 0 && kinds[who][n-1] == "Aborting call" {
					break // SIPp's abort may send an ACK after it
				}
				kinds[who] = append(kinds[who], kind)
			}
		}
		if !slices.Equal(kinds["gossip"], kinds["sipp"]) {
			t.Errorf("%s: gossip's entries %q, want sipp's %q", fc.name, kinds["gossip"], kinds["sipp"])
		}
		if n := len(kinds["gossip"]); n == 0 || kinds["gossip"][n-1] != "Aborting call" {
			t.Errorf("%s: gossip's history does not end with the abort: %q", fc.name, kinds["gossip"])
		}
	}
}
