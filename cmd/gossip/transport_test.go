package main

import (
	"bufio"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// loopbacks are the addresses transport tests run on: IPv4 and, where the
// host has it, IPv6 loopback.
func loopbacks(t *testing.T) []string {
	if testpeer.HasIPv6Loopback() {
		return []string{"127.0.0.1", "::1"}
	}
	testpeer.Require(t, false, "no IPv6 loopback (::1)")
	return []string{"127.0.0.1"}
}

func hostPort(ip string, port int) string {
	return net.JoinHostPort(ip, strconv.Itoa(port))
}

// waitListening waits until the UAS on ip:port, transport mode (-t),
// listens: a bound UDP port for u1, a TCP listener for the others.
func waitListening(t *testing.T, mode, ip string, port int) {
	t.Helper()
	if mode == "u1" {
		testpeer.WaitUDPBoundOn(t, ip, port, 5*time.Second)
	} else {
		testpeer.WaitTCPListening(t, hostPort(ip, port), 5*time.Second)
	}
}

// hangUpPeer listens on 127.0.0.1 and, on every connection, reads the
// first line (of the INVITE) and closes the connection; with reset, with
// an RST (linger zero), as a crashed or overloaded proxy does. It returns
// the address it listens on.
func hangUpPeer(t *testing.T, reset bool) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_, _ = bufio.NewReader(c).ReadString('\n')
				if reset {
					_ = c.(*net.TCPConn).SetLinger(0)
				}
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

// TestTCPInteropSIPp runs gossip against the real sipp over TCP, one
// connection (t1) and one per call (tn), both directions, IPv4 and IPv6,
// and over UDP on IPv6 (IPv4 UDP has its own interop tests). The gossip
// UAS runs two shards: a single t1 connection still spreads its calls
// over both.
func TestTCPInteropSIPp(t *testing.T) {
	sipp := testpeer.SIPp(t)
	gossip := testpeer.Gossip(t)
	const calls = 60
	for _, mode := range []string{"t1", "tn", "u1"} {
		for _, ip := range loopbacks(t) {
			if mode == "u1" && ip != "::1" {
				continue
			}
			for _, dir := range []string{"gossip-uac", "sipp-uac"} {
				t.Run(mode+"/"+ip+"/"+dir, func(t *testing.T) {
					wd := t.TempDir()
					port := testpeer.FreeTCPPort(t)
					uasBin, uacBin := sipp, gossip
					if dir == "sipp-uac" {
						uasBin, uacBin = gossip, sipp
					}
					// sipp refuses tn while -max_socket (default 50000)
					// exceeds the open-file limit.
					common := []string{"-t", mode, "-i", ip, "-m", strconv.Itoa(calls), "-nostdin", "-max_socket", "1000",
						"-trace_stat", "-fd", "1"}
					uasArgs := append([]string{"-sn", "uas", "-p", strconv.Itoa(port), "-stf", "uas.csv"}, common...)
					uacArgs := append([]string{"-sn", "uac", hostPort(ip, port), "-r", "100", "-stf", "uac.csv"}, common...)
					if uasBin == gossip {
						uasArgs = append(uasArgs, "-threads", "2")
					} else {
						uacArgs = append(uacArgs, "-threads", "2")
					}
					uas := testpeer.Start(t, 60*time.Second, wd, uasBin, uasArgs...)
					waitListening(t, mode, ip, port)
					uac := testpeer.Start(t, 60*time.Second, wd, uacBin, uacArgs...)
					wantExit(t, uac, filepath.Base(uacBin)+" uac", 0)
					uasCode := uas.Wait()
					uacStats := statTotals(t, filepath.Join(wd, "uac.csv"))
					uasStats := statTotals(t, filepath.Join(wd, "uas.csv"))
					assertCalls(t, "uac", uacStats, calls)
					if mode == "tn" && dir == "gossip-uac" {
						// sipp's UAS counts a call whose connection the UAC
						// closes before the UAS reaches <timewait> as "TCP
						// closed", against sipp's own UAC too; every call
						// still completed.
						if n := uasStats["SuccessfulCall"] + uasStats["FailedTcpClosed"]; n != calls || uasStats["FailedCall"] != uasStats["FailedTcpClosed"] {
							t.Errorf("sipp uas: %v, want %d calls successful or TCP closed", uasStats, calls)
						}
						return
					}
					if uasCode != 0 {
						t.Errorf("uas exit %d, want 0\n%s", uasCode, uas.Output())
					}
					assertCalls(t, "uas", uasStats, calls)
				})
			}
		}
	}
}

// TestStreamTransportsGossip runs gossip against itself over every
// transport and socket mode, IPv4 and IPv6, TLS certificates verified
// both ways (the UAS requires a client certificate).
func TestStreamTransportsGossip(t *testing.T) {
	gossip := testpeer.Gossip(t)
	wd := t.TempDir()
	certs := testpeer.TLSCerts(t, wd, "gossip")
	tlsFlags := []string{"-tls_cert", certs.Cert, "-tls_key", certs.Key, "-tls_ca", certs.CA}
	const calls = 40
	for _, mode := range []string{"u1", "t1", "tn", "l1", "ln", "w1", "wn", "ws1", "wsn"} {
		for _, ip := range loopbacks(t) {
			t.Run(mode+"/"+ip, func(t *testing.T) {
				port := testpeer.FreeTCPPort(t)
				extra := []string{}
				if mode[0] == 'l' || strings.HasPrefix(mode, "ws") {
					extra = tlsFlags
				}
				uas := testpeer.Start(t, 60*time.Second, wd, gossip, append([]string{"-sn", "uas", "-t", mode, "-i", ip,
					"-p", strconv.Itoa(port), "-m", strconv.Itoa(calls), "-nostdin", "-threads", "2",
					"-trace_stat", "-stf", mode + "-uas.csv"}, extra...)...)
				waitListening(t, mode, ip, port)
				uac := testpeer.Start(t, 60*time.Second, wd, gossip, append([]string{"-sn", "uac", "-t", mode, "-i", ip,
					hostPort(ip, port), "-r", "200", "-m", strconv.Itoa(calls), "-nostdin", "-threads", "2",
					"-trace_stat", "-stf", mode + "-uac.csv"}, extra...)...)
				wantExit(t, uac, "uac", 0)
				wantExit(t, uas, "uas", 0)
				assertCalls(t, "uac", statTotals(t, filepath.Join(wd, mode+"-uac.csv")), calls)
				assertCalls(t, "uas", statTotals(t, filepath.Join(wd, mode+"-uas.csv")), calls)
			})
		}
	}
}

// TestStreamFailures: a peer that refuses connections, a TLS peer with a
// certificate the CA did not sign, and a peer that closes or resets the
// connection mid-call each end in their failure class with a clear message.
func TestStreamFailures(t *testing.T) {
	gossip := testpeer.Gossip(t)
	wd := t.TempDir()
	good, other := testpeer.TLSCerts(t, wd, "good"), testpeer.TLSCerts(t, wd, "other")
	closed := hostPort("127.0.0.1", testpeer.FreeTCPPort(t))

	// A TLS UAS whose certificate "good"'s CA did not sign.
	tlsPort := testpeer.FreeTCPPort(t)
	wrong := testpeer.Start(t, 30*time.Second, wd, gossip, "-sn", "uas", "-t", "l1", "-i", "127.0.0.1",
		"-p", strconv.Itoa(tlsPort), "-nostdin", "-threads", "1", "-tls_cert", other.Cert, "-tls_key", other.Key)
	testpeer.WaitTCPListening(t, hostPort("127.0.0.1", tlsPort), 5*time.Second)

	// Peers that read the INVITE and close the connection, or reset it.
	closes, resets := hangUpPeer(t, false), hangUpPeer(t, true)

	cases := []struct {
		name   string
		args   []string
		code   int
		class  string
		failed int
		output string
	}{
		// One connection: SIPp's rule, a connection that cannot be made
		// with no -max_reconnect is fatal.
		{"refused/t1", []string{"-t", "t1", closed}, 255, "FailedTcpConnect", 1, "connection refused"},
		// A connection per call: each call fails on its own.
		{"refused/tn", []string{"-t", "tn", closed}, 1, "FailedTcpConnect", 5, ""},
		{"wrong certificate", []string{"-t", "l1", "-tls_ca", good.CA, hostPort("127.0.0.1", tlsPort)}, 255,
			"FailedTcpConnect", 1, "certificate signed by unknown authority"},
		{"peer closes/tn", []string{"-t", "tn", closes}, 1, "FailedTcpClosed", 5, ""},
		// -max_reconnect lets a t1 client reconnect after each close.
		{"peer closes/t1 reconnect", []string{"-t", "t1", "-max_reconnect", "-1", "-reconnect_sleep", "10",
			"-r", "1000", closes}, 1, "FailedTcpClosed", 5, ""},
		// A reset is a close: each call on the connection fails in the
		// same class, and the process neither panics nor hangs.
		{"peer resets/tn", []string{"-t", "tn", resets}, 1, "FailedTcpClosed", 5, ""},
		{"peer resets/t1 reconnect", []string{"-t", "t1", "-max_reconnect", "-1", "-reconnect_sleep", "10",
			"-r", "1000", resets}, 1, "FailedTcpClosed", 5, ""},
		// Without -max_reconnect, SIPp's rule: losing the one connection
		// ends the run (exit 255) and the call on it is counted failed.
		{"peer resets/t1", []string{"-t", "t1", resets}, 255, "FailedTcpClosed", 1, "connection reset by peer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stf := strings.ReplaceAll(tc.name, "/", "-") + ".csv"
			args := append([]string{"-sn", "uac", "-i", "127.0.0.1", "-r", "50", "-m", "5", "-nostdin", "-threads", "1",
				"-recv_timeout", "5000", "-trace_stat", "-stf", stf}, tc.args...)
			p := testpeer.Start(t, 30*time.Second, wd, gossip, args...)
			if code := p.Wait(); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, p.Output())
			}
			if tc.output != "" && !strings.Contains(p.Output(), tc.output) {
				t.Errorf("output does not say %q:\n%s", tc.output, p.Output())
			}
			got := statTotals(t, filepath.Join(wd, stf))
			if got[tc.class] != tc.failed || got["FailedCall"] != tc.failed || got["SuccessfulCall"] != 0 {
				t.Errorf("%s=%d FailedCall=%d SuccessfulCall=%d, want %d, %d, 0",
					tc.class, got[tc.class], got["FailedCall"], got["SuccessfulCall"], tc.failed, tc.failed)
			}
		})
	}
	// -tls_skip_verify: the same peer is accepted (labs), over TLS 1.3.
	skip := testpeer.Start(t, 30*time.Second, wd, gossip, "-sn", "uac", "-i", "127.0.0.1", "-r", "50", "-m", "5",
		"-nostdin", "-threads", "1", "-t", "l1", "-tls_ca", good.CA, "-tls_skip_verify", "-tls_version", "1.3",
		"-trace_stat", "-stf", "skip.csv", hostPort("127.0.0.1", tlsPort))
	if code := skip.Wait(); code != 0 {
		t.Errorf("-tls_skip_verify: exit %d, want 0\n%s", code, skip.Output())
	} else {
		assertCalls(t, "-tls_skip_verify", statTotals(t, filepath.Join(wd, "skip.csv")), 5)
	}
	stop(wrong)
}

// TestPerIPTransport runs -t ui both ways: a gossip uac whose calls send
// from the address of their -inf line (-ip_field 1) to a gossip uas that
// binds every address of its own -inf file and answers from the address
// it was called on; Via carries the call's address.
func TestPerIPTransport(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.0/8 is all loopback on Linux only")
	}
	gossip := testpeer.Gossip(t)
	wd := t.TempDir()
	writeTestFile(t, filepath.Join(wd, "uac.csv"), "SEQUENTIAL\nalice;127.0.0.2\nbob;127.0.0.3\n")
	writeTestFile(t, filepath.Join(wd, "uas.csv"), "SEQUENTIAL\n127.0.0.4\n127.0.0.5\n")
	port := testpeer.FreeUDPPort(t, 1)
	uasXML, _ := filepath.Abs("testdata/options_uas.xml")
	uacXML, _ := filepath.Abs("testdata/options_uac.xml")
	uas := testpeer.Start(t, 30*time.Second, wd, gossip, "-sf", uasXML, "-t", "ui",
		"-inf", "uas.csv", "-p", strconv.Itoa(port), "-m", "6", "-nostdin", "-threads", "1",
		"-trace_msg", "-message_file", "uas-msgs.log")
	testpeer.WaitUDPBoundOn(t, "127.0.0.5", port, 5*time.Second)
	uac := testpeer.Start(t, 30*time.Second, wd, gossip, "-sf", uacXML, "-t", "ui",
		"-inf", "uac.csv", "-ip_field", "1", "127.0.0.5:"+strconv.Itoa(port), "-m", "4", "-r", "20",
		"-nostdin", "-threads", "1", "-trace_msg", "-message_file", "uac-msgs.log")
	wantExit(t, uac, "uac", 0)
	// The uas answers from the address it was called on.
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, to := range []string{"127.0.0.4", "127.0.0.5"} {
		req := "OPTIONS sip:x@" + to + " SIP/2.0\r\nVia: SIP/2.0/UDP " + c.LocalAddr().String() + ";branch=z9hG4bK-" + to +
			"\r\nFrom: <sip:t@127.0.0.1>;tag=" + strconv.Itoa(i) + "\r\nTo: <sip:x@" + to + ">\r\nCall-ID: go-" + to +
			"\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
		dst := netip.MustParseAddrPort(to + ":" + strconv.Itoa(port))
		if _, err := c.WriteToUDPAddrPort([]byte(req), dst); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 2048)
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil || from != dst || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200") {
			t.Fatalf("answer to %s: from %s (%v): %.40q", dst, from, err, buf[:n])
		}
	}
	wantExit(t, uas, "uas", 0)
	uasLog, err := os.ReadFile(filepath.Join(wd, "uas-msgs.log"))
	if err != nil {
		t.Fatal(err)
	}
	uacLog, err := os.ReadFile(filepath.Join(wd, "uac-msgs.log"))
	if err != nil {
		t.Fatal(err)
	}
	// Each call sent from the address of its line, and said so in Via.
	for _, ip := range []string{"127.0.0.2", "127.0.0.3"} {
		// Two requests received, two answers sent with their Via.
		if n := strings.Count(string(uasLog), "Via: SIP/2.0/UDP "+ip+":"); n != 4 {
			t.Errorf("uas log has Via %s %d times, want 4", ip, n)
		}
		if n := strings.Count(string(uacLog), "X-Seen-From: "+ip+":"); n != 2 {
			t.Errorf("uas saw calls from %s %d times, want 2\n%s", ip, n, uacLog)
		}
	}
}
