package main

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/internal/testpeer"
)

// TestKamailioInterop runs gossip's uac over TLS, WebSocket and secure
// WebSocket through a real SIP proxy, Kamailio, which relays over UDP to
// a UAS (gossip, and the real sipp for the calls to user "sipp"):
//
//	gossip uac ──TLS, WS or WSS──► Kamailio ──UDP──► gossip or sipp uas
//
// Certificates are verified both ways: gossip checks Kamailio's against
// the test CA (-tls_ca), and Kamailio requires gossip's client
// certificate signed by the same CA. IPv4 and IPv6.
func TestKamailioInterop(t *testing.T) {
	gossip := testpeer.Gossip(t)
	const calls = 40
	for _, ip := range loopbacks(t) {
		t.Run(ip, func(t *testing.T) {
			wd := t.TempDir()
			certs := testpeer.TLSCerts(t, wd, "kamailio")
			gossipPort, sippPort := testpeer.FreeUDPPort(t, 1), testpeer.FreeUDPPort(t, 1)
			kam := testpeer.StartKamailio(t, wd, ip, certs, hostPort(ip, gossipPort),
				map[string]string{"sipp": hostPort(ip, sippPort)})
			cases := []struct {
				mode string
				port int
				uas  string
			}{
				{"l1", kam.TLS, "gossip"},
				{"ln", kam.TLS, "gossip"},
				{"w1", kam.WS, "gossip"},
				{"ws1", kam.WSS, "gossip"},
				{"wsn", kam.WSS, "gossip"},
				{"l1", kam.TLS, "sipp"},
				{"ws1", kam.WSS, "sipp"},
			}
			// One UAS of each kind takes the calls of every case.
			perUAS := map[string]int{}
			for _, tc := range cases {
				perUAS[tc.uas] += calls
			}
			gossipUAS := testpeer.Start(t, 90*time.Second, wd, gossip, "-sn", "uas", "-i", ip, "-p", strconv.Itoa(gossipPort),
				"-m", strconv.Itoa(perUAS["gossip"]), "-nostdin", "-threads", "2", "-trace_stat", "-stf", "gossip-uas.csv", "-fd", "1")
			sippUAS := testpeer.Start(t, 90*time.Second, wd, testpeer.SIPp(t), "-sn", "uas", "-i", ip, "-p", strconv.Itoa(sippPort),
				"-m", strconv.Itoa(perUAS["sipp"]), "-nostdin", "-trace_stat", "-stf", "sipp-uas.csv", "-fd", "1")
			testpeer.WaitUDPBoundOn(t, ip, gossipPort, 5*time.Second)
			testpeer.WaitUDPBoundOn(t, ip, sippPort, 5*time.Second)
			for i, tc := range cases {
				stf := "uac-" + strconv.Itoa(i) + ".csv"
				uac := testpeer.Start(t, 60*time.Second, wd, gossip, "-sn", "uac", "-t", tc.mode, "-i", ip,
					hostPort(ip, tc.port), "-s", tc.uas, "-r", "200", "-m", strconv.Itoa(calls), "-nostdin", "-threads", "2",
					"-tls_cert", certs.Cert, "-tls_key", certs.Key, "-tls_ca", certs.CA,
					"-trace_stat", "-stf", stf, "-fd", "1")
				if code := uac.Wait(); code != 0 {
					t.Fatalf("%s to %s uas: gossip uac exit %d, want 0\n%s\nkamailio:\n%s", tc.mode, tc.uas, code, uac.Output(), kam.Output())
				}
				assertCalls(t, tc.mode+" uac", statTotals(t, filepath.Join(wd, stf)), calls)
			}
			for _, u := range []struct {
				name string
				p    *testpeer.Proc
			}{{"gossip", gossipUAS}, {"sipp", sippUAS}} {
				if code := u.p.Wait(); code != 0 {
					t.Fatalf("%s uas exit %d, want 0\n%s", u.name, code, u.p.Output())
				}
				assertCalls(t, u.name+" uas", statTotals(t, filepath.Join(wd, u.name+"-uas.csv")), perUAS[u.name])
			}
		})
	}
}
