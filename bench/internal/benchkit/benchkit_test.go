package benchkit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// statCSV is a trimmed -trace_stat file as SIPp 3.6 writes it: a header,
// then rows ending in ';'; times hold tabs.
const statCSV = "StartTime;LastResetTime;CurrentTime;ElapsedTime(C);TargetRate;CallRate(C);IncomingCall(C);OutgoingCall(C);CurrentCall;SuccessfulCall(P);SuccessfulCall(C);FailedCall(P);FailedCall(C);FailedMaxUDPRetrans(C);FailedUnexpectedMessage(C);DeadCallMsgs(C);OutOfCallMsgs(C);Retransmissions(C);ResponseTime1(P);ResponseTime1(C);\n" +
	"2026-11-26\t14:46:26.505117\t1795704386.505117;x;y;00:00:00;1000;0;0;0;0;0;0;0;0;0;0;0;0;0;00:00:00:000000;00:00:00:000000;\n" +
	"2026-11-26\t14:46:26.505117\t1795704386.505117;x;y;00:00:02;1000;998.004;0;2000;12;5;1990;0;10;7;3;1;2;41;00:00:00:002000;00:00:00:001250;\n"

func TestParseStatCSV(t *testing.T) {
	st, err := ParseStatCSV([]byte(statCSV))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Found || st.Rows != 2 || st.Successful != 1990 || st.Failed != 10 || st.Retransmissions != 41 ||
		st.Outgoing != 2000 || st.Incoming != 0 || st.Current != 12 || st.Dead != 1 || st.OutOfCall != 2 {
		t.Fatalf("got %+v", st)
	}
	if !st.HasResponseTime1 || st.ResponseTime1 != 1250*time.Microsecond {
		t.Fatalf("ResponseTime1(C) %v (found %v), want 1.25ms", st.ResponseTime1, st.HasResponseTime1)
	}
	if got := st.Classes(); got != "FailedMaxUDPRetrans 7, FailedUnexpectedMessage 3" {
		t.Fatalf("classes %q", got)
	}
	if _, err := ParseStatCSV([]byte("a;b;\n")); err == nil {
		t.Fatal("a file without data rows parsed")
	}
	if _, err := ParseStatCSV([]byte("a(C);b(C);\n1;2;\n")); err == nil {
		t.Fatal("a file without the call columns parsed")
	}
}

func TestReadStatFileIgnoresPartialRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	// A writer caught mid-row: the last line has no newline yet.
	if err := os.WriteFile(path, []byte(statCSV+"2026-11-26;x;y;00:00:03;1000;1;0;30"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := ReadStatFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != 2 || st.Outgoing != 2000 {
		t.Fatalf("got rows %d outgoing %d, want the last complete row (2, 2000)", st.Rows, st.Outgoing)
	}
	if _, err := ReadStatFile(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Fatal("a missing file read")
	}
}

func TestParseStatDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"00:00:00:000000": 0,
		"00:00:00:001000": time.Millisecond,
		"01:02:03:000004": time.Hour + 2*time.Minute + 3*time.Second + 4*time.Microsecond,
	} {
		if got, err := ParseStatDuration(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "00:00:01", "a:b:c:d", "00:00:-1:0"} {
		if _, err := ParseStatDuration(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseSNMP(t *testing.T) {
	in := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 561617 422 20907 583112 20906 0 0 0 0\n" +
		"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"UdpLite: 0 0 0 0 0 0 0 0 0\n"
	c, err := ParseSNMP(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.InErrors != 20907 || c.RcvbufErrors != 20906 {
		t.Fatalf("got %+v", c)
	}
	if _, err := ParseSNMP(strings.NewReader("Ip: a\nIp: 1\n")); err == nil {
		t.Fatal("no Udp lines parsed")
	}
}

func TestParseProcNetUDP(t *testing.T) {
	in := "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
		" 1207: 0100007F:3AFC 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 123456 2 0000000000000000 839\n" +
		"  590: 00000000:22B8 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0000000000000000 0\n"
	socks, err := ParseProcNetUDP(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []UDPSocket{{LocalPort: 15100, Inode: 123456, Drops: 839}, {LocalPort: 8888, Inode: 99, Drops: 0}}
	if len(socks) != 2 || socks[0] != want[0] || socks[1] != want[1] {
		t.Fatalf("got %+v, want %+v", socks, want)
	}
}

func TestFlagDefault(t *testing.T) {
	help := "gossip extensions:\n" +
		"  -threads N              event loops (shards) to run calls on (default number of CPUs)\n" +
		"  -dataplane NAME         packet I/O: mmsg (Linux recvmmsg/sendmmsg batches) or std (portable)\n" +
		"                          (default mmsg on Linux)\n" +
		"\nTime values:\n"
	if got := FlagDefault(help, "-dataplane"); got != "mmsg on Linux" {
		t.Errorf("-dataplane default %q", got)
	}
	if got := FlagDefault(help, "-threads"); got != "number of CPUs" {
		t.Errorf("-threads default %q", got)
	}
	if got := FlagDefault(help, "-nope"); got != "" {
		t.Errorf("-nope default %q", got)
	}
}

func TestParseVmRSS(t *testing.T) {
	in := "Name:\tgossip\nVmPeak:\t  812345 kB\nVmRSS:\t  409600 kB\nThreads:\t7\n"
	v, err := ParseVmRSS(strings.NewReader(in))
	if err != nil || v != 409600<<10 {
		t.Fatalf("got %d, %v; want %d", v, err, 409600<<10)
	}
	for _, bad := range []string{"Name:\tx\n", "VmRSS:\t12 MB\n", "VmRSS:\tx kB\n"} {
		if _, err := ParseVmRSS(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	// The command name may hold spaces and parentheses.
	in := "4242 (go ssip (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 7 0 100 1000000 2000 18446744073709551615\n"
	d, err := ParseStatCPU([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := (1234 + 567) * 10 * time.Millisecond; d != want {
		t.Fatalf("got %v, want %v", d, want)
	}
	for _, bad := range []string{"4242 gossip S 1", "4242 (gossip) S 1 2 3", "4242 (g) S 1 4242 4242 0 -1 4194560 1000 0 0 0 x 567 0"} {
		if _, err := ParseStatCPU([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestProcfsOfSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc: Linux only")
	}
	rss, err := RSS(os.Getpid())
	if err != nil || rss < 1<<20 {
		t.Fatalf("own RSS %d, %v: want at least 1 MiB", rss, err)
	}
	// Burn a little CPU so that at least one clock tick is charged.
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	cpu, err := CPUTime(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Fatalf("own CPU time %v, %v: want > 0", cpu, err)
	}
	if _, err := RSS(-1); err == nil {
		t.Fatal("RSS of pid -1 read")
	}
}

func TestSections(t *testing.T) {
	doc := "# sippbench\n\ntable\n"
	doc = ReplaceSection(doc, "capacity", "# capacity\n\nfirst\n")
	want := "# sippbench\n\ntable\n\n<!-- capacity:begin -->\n# capacity\n\nfirst\n<!-- capacity:end -->\n"
	if doc != want {
		t.Fatalf("appended:\n%q\nwant\n%q", doc, want)
	}
	doc = ReplaceSection(doc, "capacity", "# capacity\n\nsecond")
	if sec, ok := Section(doc, "capacity"); !ok || !strings.Contains(sec, "second") || strings.Contains(doc, "first") {
		t.Fatalf("replaced: %q", doc)
	}
	// sippbench rewrites the file: its new text, the capacity section kept.
	kept := KeepSections(doc, "# sippbench\n\nnew table\n")
	if !strings.HasPrefix(kept, "# sippbench\n\nnew table\n\n<!-- capacity:begin -->\n") || !strings.Contains(kept, "second") {
		t.Fatalf("kept: %q", kept)
	}
	if again := KeepSections(kept, kept); again != kept {
		t.Fatalf("a section newDoc has is added again: %q", again)
	}
	if _, ok := Section("<!-- capacity:begin -->\nno end\n", "capacity"); ok {
		t.Fatal("a section without its end marker found")
	}

	path := filepath.Join(t.TempDir(), "RESULTS.md")
	if err := WriteSection(path, "capacity", "x"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "<!-- capacity:begin -->\nx\n<!-- capacity:end -->\n" {
		t.Fatalf("new file: %q", b)
	}
}

func TestCommandLine(t *testing.T) {
	got := CommandLine("go run ./bench/capacity", []string{"-calls", "1000", "-out", "my file.md", ""})
	if want := "go run ./bench/capacity -calls 1000 -out 'my file.md' ''"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &TailBuffer{Max: 4}
	_, _ = b.Write([]byte("abc"))
	_, _ = b.Write([]byte("defg"))
	if got := b.String(); got != "defg" {
		t.Fatalf("got %q", got)
	}
}

func TestLastLines(t *testing.T) {
	if got := LastLines("a\n\nb\nc\n\n", 2); got != "b | c" {
		t.Fatalf("got %q", got)
	}
}

func TestParseMachineCPU(t *testing.T) {
	in := "cpu  100 5 50 9000 40 3 2 0 7 0\ncpu0 50 2 25 4500 20 1 1 0 0 0\n"
	d, err := ParseMachineCPU([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := (100 + 5 + 50 + 3 + 2 + 0) * 10 * time.Millisecond; d != want {
		t.Fatalf("got %v, want %v", d, want)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5\n", "cpu 1 x 3 4 5\n"} {
		if _, err := ParseMachineCPU([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestStartGated: a gated process does nothing until Release, then runs
// bin in the same process (the PID a profiler attached to).
func TestStartGated(t *testing.T) {
	p, err := StartGated(context.Background(), 10*time.Second, t.TempDir(), "/bin/sh", "-c", `echo "started $$ $0 $1"`, "zero", "one")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if p.WaitFor(200 * time.Millisecond) {
		t.Fatalf("the gated process ended before Release: %q", p.Output())
	}
	if out := p.Output(); out != "" {
		t.Fatalf("the gated process printed %q before Release", out)
	}
	p.Release()
	if code := p.ExitCode(); code != 0 {
		t.Fatalf("exit %d: %q", code, p.Output())
	}
	if want := fmt.Sprintf("started %d zero one\n", p.PID()); p.Output() != want {
		t.Errorf("output %q, want %q (same PID, arguments passed)", p.Output(), want)
	}
}
