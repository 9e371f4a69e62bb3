package testpeer

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Kamailio is a running Kamailio SIP proxy started by StartKamailio.
type Kamailio struct {
	// UDP, TLS, WS and WSS are the ports it listens on (the WebSocket
	// ones upgrade HTTP on TCP and on TLS).
	UDP, TLS, WS, WSS int
	// IP is the address it listens on.
	IP   string
	proc *Proc
}

// Output returns what Kamailio logged so far.
func (k *Kamailio) Output() string { return k.proc.Output() }

// KamailioModules is where Debian installs Kamailio's modules.
const KamailioModules = "/usr/lib/x86_64-linux-gnu/kamailio/modules"

// StartKamailio starts Kamailio (Debian packages kamailio,
// kamailio-tls-modules, kamailio-websocket-modules) on ip with a generated
// minimal configuration: it listens on UDP, TLS, WebSocket and secure
// WebSocket and relays every request, statefully, over UDP to next (a
// UAS; HOST:PORT), or to routes[user] when the Request-URI's user is a key
// of routes, so replies return on the connection the request came on. Its TLS
// server presents certs and requires client certificates signed by the
// same CA, so both sides verify each other. It is stopped when the test
// ends.
func StartKamailio(t testing.TB, dir, ip string, certs *Certs, next string, routes map[string]string) *Kamailio {
	t.Helper()
	bin, err := exec.LookPath("kamailio")
	if err != nil {
		bin = "/usr/sbin/kamailio"
	}
	_, statErr := os.Stat(bin)
	Require(t, statErr == nil, "kamailio is not installed (apt-get install kamailio kamailio-tls-modules kamailio-websocket-modules)")
	for _, m := range []string{"tls.so", "websocket.so", "xhttp.so", "tm.so"} {
		_, err := os.Stat(filepath.Join(KamailioModules, m))
		Require(t, err == nil, "kamailio module "+m+" is missing (kamailio-tls-modules, kamailio-websocket-modules)")
	}
	k := &Kamailio{IP: ip, UDP: FreeUDPPort(t, 1), TLS: FreeTCPPort(t), WS: FreeTCPPort(t), WSS: FreeTCPPort(t)}
	host := ip
	if net.ParseIP(ip).To4() == nil {
		host = "[" + ip + "]"
	}
	tlsCfg := filepath.Join(dir, "kamailio-tls.cfg")
	writeFile(t, tlsCfg, fmt.Sprintf(`[server:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
private_key = %s
certificate = %s
ca_list = %s

[client:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
`, certs.Key, certs.Cert, certs.CA))
	byUser := ""
	for user, to := range routes {
		byUser += fmt.Sprintf("\tif ($rU == \"%s\") {\n\t\t$du = \"sip:%s;transport=udp\";\n\t}\n", user, to)
	}
	cfg := filepath.Join(dir, "kamailio.cfg")
	writeFile(t, cfg, fmt.Sprintf(`#!KAMAILIO
debug=2
log_stderror=yes
# One UDP worker: with several, the UAS's 180 and 200 of a call may be
# relayed by different workers and reach the client out of order, which
# fails the call (a 180 after its 200 is unexpected, in SIPp as in gossip).
children=1
# One TCP/TLS worker: Kamailio 5.6 with OpenSSL 3 (Debian 12) double-frees
# in its TLS memory hooks when several workers handshake at once
# (kamailio/kamailio#3791).
tcp_children=1
enable_tls=yes
tcp_accept_no_cl=yes
auto_aliases=no
listen=udp:%[1]s:%[2]d
listen=tls:%[1]s:%[3]d
listen=tcp:%[1]s:%[4]d
listen=tls:%[1]s:%[5]d
mpath="%[6]s"
loadmodule "tls.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
modparam("tls", "config", "%[7]s")

request_route {
	force_rport();
	$du = "sip:%[8]s;transport=udp";
%[9]s
	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

event_route[xhttp:request] {
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		if (ws_handle_handshake()) {
			exit;
		}
	}
	xhttp_reply("404", "Not Found", "", "");
}
`, host, k.UDP, k.TLS, k.WS, k.WSS, KamailioModules, tlsCfg, next, byUser))
	run := filepath.Join(dir, "kamailio-run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	// -DD: stay in the foreground (children still fork); -E: log to stderr.
	k.proc = Start(t, 5*time.Minute, dir, bin, "-f", cfg, "-DD", "-E", "-Y", run, "-P",
		filepath.Join(run, "kamailio.pid"), "-m", "64", "-M", "8")
	t.Cleanup(func() {
		// SIGTERM, not Start's SIGKILL: Kamailio's main process then
		// stops the children it forked.
		_ = k.proc.Signal(syscall.SIGTERM)
		select {
		case <-k.proc.done:
		case <-time.After(10 * time.Second):
		}
	})
	WaitTCPListening(t, net.JoinHostPort(ip, strconv.Itoa(k.TLS)), 10*time.Second)
	WaitTCPListening(t, net.JoinHostPort(ip, strconv.Itoa(k.WSS)), 10*time.Second)
	return k
}

func writeFile(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
