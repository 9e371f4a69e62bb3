package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
	"github.com/gossip-sip/gossip/media"
)

// TestPcapAgainstSIPpUAS runs gossip's built-in uac_pcap against the real
// sipp's built-in uas: zero failed calls on both sides, and sipp's media
// socket (its -mp port, the m=audio port of its SDP) receives every
// packet of g711a.pcap and dtmf_2833_1.pcap for every call. sipp does not
// read that socket without -rtp_echo, so the test takes a copy of it
// (pidfd_getfd) and counts what arrives.
func TestPcapAgainstSIPpUAS(t *testing.T) {
	sipp, gossip := testpeer.SIPp(t), testpeer.Gossip(t)
	var pcaps []*media.Pcap
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "pcap"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"g711a.pcap", "dtmf_2833_1.pcap"} {
		src := "/usr/share/sip-tester/" + name
		data, err := os.ReadFile(src)
		testpeer.Require(t, err == nil, "sip-tester's "+src+" is missing")
		pc, err := media.ParsePcap(data, src)
		if err != nil {
			t.Fatal(err)
		}
		pcaps = append(pcaps, pc)
		if err := os.WriteFile(filepath.Join(dir, "pcap", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const calls = 2
	want := calls * (len(pcaps[0].Packets) + len(pcaps[1].Packets))

	mp := testpeer.FreeUDPPort(t, 4) // sipp binds -mp and -mp+2
	uas, port := serveUDP(t, 90*time.Second, dir, sipp, []string{"-sn", "uas"}, "-mp", strconv.Itoa(mp),
		"-m", strconv.Itoa(calls), "-nostdin", "-trace_stat", "-stf", "sipp_uas.csv", "-fd", "1")
	testpeer.WaitUDPBound(t, mp, 5*time.Second)
	rtp := sippSocket(t, uas.Pid(), mp)
	got := make(chan int)
	go func() {
		n := 0
		buf := make([]byte, 2048)
		for {
			_ = rtp.SetReadDeadline(time.Now().Add(3 * time.Second))
			if _, _, err := rtp.ReadFrom(buf); err != nil {
				got <- n
				return
			}
			n++
		}
	}()
	uac := testpeer.Start(t, 60*time.Second, dir, gossip, "-sn", "uac_pcap", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(port), "-r", "10", "-m", strconv.Itoa(calls), "-mp", strconv.Itoa(testpeer.FreeUDPPort(t, 8)),
		"-trace_stat", "-stf", "gossip_uac.csv", "-nostdin")
	wantExit(t, uac, "gossip uac_pcap", 0)
	wantExit(t, uas, "sipp uas", 0)
	assertCalls(t, "gossip uac_pcap", statTotals(t, filepath.Join(dir, "gossip_uac.csv")), calls)
	assertCalls(t, "sipp uas", statTotals(t, filepath.Join(dir, "sipp_uas.csv")), calls)
	if n := <-got; n != want {
		t.Errorf("sipp's media port received %d RTP packets, want %d (%d calls × (%d + %d))",
			n, want, calls, len(pcaps[0].Packets), len(pcaps[1].Packets))
	}
}

// sippSocket returns a copy of the UDP socket process pid has bound to
// port (pidfd_getfd, Linux 5.6; the test is sipp's parent, so it may).
func sippSocket(t *testing.T, pid, port int) net.PacketConn {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/udp", pid))
	if err != nil {
		t.Fatal(err)
	}
	inode := ""
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", port)) {
			inode = f[9]
		}
	}
	if inode == "" {
		t.Fatalf("sipp has no UDP socket on port %d", port)
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	target := -1
	for _, e := range fds {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); l == "socket:["+inode+"]" {
			target, _ = strconv.Atoi(e.Name())
		}
	}
	if target < 0 {
		t.Fatalf("no descriptor of sipp holds socket %s", inode)
	}
	const sysPidfdOpen, sysPidfdGetfd = 434, 438 // same number on every Linux architecture
	pidfd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	testpeer.Require(t, errno == 0, "pidfd_open: "+errno.Error())
	defer syscall.Close(int(pidfd))
	fd, _, errno := syscall.Syscall(sysPidfdGetfd, pidfd, uintptr(target), 0)
	testpeer.Require(t, errno == 0, "pidfd_getfd on sipp's media socket: "+errno.Error())
	f := os.NewFile(fd, "sipp media socket")
	defer f.Close()
	c, err := net.FilePacketConn(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
