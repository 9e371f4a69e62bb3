package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/engine/trace"
	"github.com/gossip-sip/gossip/hep"
	"github.com/gossip-sip/gossip/internal/testpeer"
)

// hepListener is a UDP HEP collector for tests: it keeps every datagram.
type hepListener struct {
	conn   *net.UDPConn
	mu     sync.Mutex
	frames [][]byte
}

func listenHEP(t *testing.T) *hepListener {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadBuffer(8 << 20)
	l := &hepListener{conn: c}
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			l.mu.Lock()
			l.frames = append(l.frames, bytes.Clone(buf[:n]))
			l.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.Close() })
	return l
}

func (l *hepListener) port() int { return l.conn.LocalAddr().(*net.UDPAddr).Port }

// wait returns the frames once n arrived, or what arrived within 5 s.
func (l *hepListener) wait(n int) [][]byte {
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		got := slices.Clone(l.frames)
		l.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tracedMessage is one message of a -trace_msg log.
type tracedMessage struct {
	sent    bool
	payload string
}

// traceHeader matches a message's header line in the -trace_msg log:
// "sent (N bytes):" or "received [N] bytes :" (SIPp's spellings), or
// "[N] bytes:" for either.
var traceHeader = regexp.MustCompile(`UDP message (sent|received) (?:\[(\d+)\] bytes ?|\((\d+) bytes\)):\n\n`)

// readMessageLog parses SIPp's -trace_msg layout, which gossip writes.
func readMessageLog(t *testing.T, dir string) []tracedMessage {
	t.Helper()
	path := globOne(t, dir, "*_messages.log")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []tracedMessage
	for len(b) > 0 {
		loc := traceHeader.FindSubmatchIndex(b)
		if loc == nil {
			break
		}
		lo, hi := loc[4], loc[5]
		if lo < 0 {
			lo, hi = loc[6], loc[7]
		}
		num := b[lo:hi]
		n, _ := strconv.Atoi(string(num))
		start := loc[1]
		if start+n > len(b) {
			t.Fatalf("%s: message of %d bytes cut off", path, n)
		}
		out = append(out, tracedMessage{sent: string(b[loc[2]:loc[3]]) == "sent", payload: string(b[start : start+n])})
		b = b[start+n:]
	}
	return out
}

// hepJSPacket is what hep-js's decapsulate returns.
type hepJSPacket struct {
	Error  bool `json:"error"`
	RCInfo struct {
		ProtocolFamily int    `json:"protocolFamily"`
		Protocol       int    `json:"protocol"`
		SrcIP          string `json:"srcIp"`
		DstIP          string `json:"dstIp"`
		SrcPort        int    `json:"srcPort"`
		DstPort        int    `json:"dstPort"`
		TimeSeconds    int64  `json:"timeSeconds"`
		TimeUseconds   int64  `json:"timeUseconds"`
		PayloadType    int    `json:"payloadType"`
		CaptureID      uint32 `json:"captureId"`
		CapturePass    string `json:"capturePass"`
		HEPNodeName    string `json:"hepNodeName"`
		CorrelationID  string `json:"correlation_id"`
	} `json:"rcinfo"`
	Payload string `json:"payload"`
}

// hepJSDecode decodes frames with the npm package hep-js, one JSON object
// per frame.
func hepJSDecode(t *testing.T, frames [][]byte) []hepJSPacket {
	t.Helper()
	node, dir := testpeer.HEPJS(t)
	script := `const HEP = require('hep-js');
const fs = require('fs');
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (line === '') continue;
  const d = HEP.decapsulate(Buffer.from(line, 'hex'));
  process.stdout.write(JSON.stringify(d ? d : {error: true}) + '\n');
}
`
	if err := os.WriteFile(filepath.Join(dir, "decode.js"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for _, f := range frames {
		in.WriteString(hex.EncodeToString(f))
		in.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "frames.hex"), in.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "decode.js", "frames.hex")
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node decode.js: %v", err)
	}
	var pkts []hepJSPacket
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var p hepJSPacket
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("hep-js output %q: %v", sc.Text(), err)
		}
		pkts = append(pkts, p)
	}
	if len(pkts) != len(frames) {
		t.Fatalf("hep-js decoded %d of %d frames", len(pkts), len(frames))
	}
	return pkts
}

var callIDHeader = regexp.MustCompile(`(?m)^Call-ID: *([^\r\n]+)\r$`)

// TestHEPExportOracle runs gossip's uac against gossip's uas on loopback,
// both mirroring to one UDP collector, and has an independent decoder
// (the npm package hep-js) read every packet: each message of both
// sides' -trace_msg logs is there exactly once, with the right addresses,
// ports, time, Call-ID as correlation ID, and payload.
func TestHEPExportOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("load run")
	}
	gossip := testpeer.Gossip(t)
	col := listenHEP(t)
	hepAddr := "127.0.0.1:" + strconv.Itoa(col.port())
	uasDir, uacDir := t.TempDir(), t.TempDir()

	// The built-in uas without its final 4 s wait.
	xml, err := exec.Command(gossip, "-sd", "uas").Output()
	if len(xml) == 0 {
		t.Fatalf("gossip -sd uas: %v", err)
	}
	uasXML := filepath.Join(uasDir, "uas.xml")
	xml = bytes.Replace(xml, []byte(`<timewait milliseconds="4000"/>`), nil, 1)
	if err := os.WriteFile(uasXML, xml, 0o644); err != nil {
		t.Fatal(err)
	}

	const calls = 200
	uacPort := testpeer.FreeUDPPort(t, 1)
	start := time.Now()
	uas, uasPort := serveUDP(t, 60*time.Second, uasDir, gossip, []string{"-sf", uasXML},
		"-m", strconv.Itoa(calls), "-threads", "2", "-trace_msg", "-nostdin",
		"-hep_addr", hepAddr, "-hep_id", "2", "-hep_password", "uas-key", "-hep_node_name", "uas-node")
	uac := testpeer.Start(t, 60*time.Second, uacDir, gossip, "-sn", "uac", "-i", "127.0.0.1",
		"127.0.0.1:"+strconv.Itoa(uasPort), "-p", strconv.Itoa(uacPort), "-r", "400", "-m", strconv.Itoa(calls),
		"-threads", "1", "-trace_msg", "-nostdin", "-summary_json", "summary.json",
		"-hep_addr", hepAddr, "-hep_transport", "udp", "-hep_id", "1", "-hep_password", "uac-key", "-hep_node_name", "uac-node")
	wantExit(t, uac, "gossip uac", 0)
	wantExit(t, uas, "gossip uas", 0)
	end := time.Now()

	type side struct {
		name     string
		id       uint32
		port     int
		key      string
		node     string
		traced   []tracedMessage
		proc     *testpeer.Proc
		gotCount map[tracedMessage]int
	}
	sides := []*side{
		{name: "uac", id: 1, port: uacPort, key: "uac-key", node: "uac-node", traced: readMessageLog(t, uacDir), proc: uac},
		{name: "uas", id: 2, port: uasPort, key: "uas-key", node: "uas-node", traced: readMessageLog(t, uasDir), proc: uas},
	}
	total := 0
	for _, s := range sides {
		if len(s.traced) < 6*calls {
			t.Fatalf("%s traced %d messages, want at least %d", s.name, len(s.traced), 6*calls)
		}
		total += len(s.traced)
		// The summary shows what was mirrored, and nothing dropped.
		out := s.proc.Output()
		m := regexp.MustCompile(`HEP packets sent\s*\|\s*\|\s*(\d+)`).FindStringSubmatch(out)
		d := regexp.MustCompile(`HEP messages dropped\s*\|\s*\|\s*(\d+)`).FindStringSubmatch(out)
		if m == nil || d == nil || m[1] != strconv.Itoa(len(s.traced)) || d[1] != "0" {
			t.Errorf("%s summary: HEP sent %v dropped %v, want %d and 0", s.name, m, d, len(s.traced))
		}
		s.gotCount = map[tracedMessage]int{}
	}
	// And so does the JSON summary.
	var sum struct {
		HEP *struct{ Sent, Dropped uint64 } `json:"hep"`
	}
	if b, err := os.ReadFile(filepath.Join(uacDir, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil ||
		sum.HEP == nil || sum.HEP.Sent != uint64(len(sides[0].traced)) || sum.HEP.Dropped != 0 {
		t.Errorf("uac -summary_json: hep %+v (%v), want %d sent, 0 dropped", sum.HEP, err, len(sides[0].traced))
	}
	frames := col.wait(total)
	if len(frames) != total {
		t.Fatalf("collector received %d HEP packets, the traces hold %d messages", len(frames), total)
	}
	decoded := hepJSDecode(t, frames)
	padded := 0 // sent padded, in segmented batches (hep.Pad): hep-js must skip the padding
	for _, f := range frames {
		if p, err := hep.Decode(f); err == nil && p.Skipped > 0 {
			padded++
		}
	}
	t.Logf("hep-js decoded %d packets, %d of them padded (uac traced %d, uas %d); first: %+v", len(decoded),
		padded, len(sides[0].traced), len(sides[1].traced), decoded[0].RCInfo)
	for i, p := range decoded {
		if p.Error {
			t.Fatalf("hep-js cannot decode packet %d:\n%s", i, hex.Dump(frames[i]))
		}
		r := p.RCInfo
		var s *side
		for _, c := range sides {
			if c.id == r.CaptureID {
				s = c
			}
		}
		if s == nil {
			t.Fatalf("packet %d: capture ID %d", i, r.CaptureID)
		}
		at := time.Unix(r.TimeSeconds, r.TimeUseconds*1000)
		request := !strings.HasPrefix(p.Payload, "SIP/2.0 ")
		srcPort, dstPort := uacPort, uasPort // requests go uac -> uas
		if !request {
			srcPort, dstPort = uasPort, uacPort
		}
		cid := callIDHeader.FindStringSubmatch(p.Payload)
		if r.ProtocolFamily != 2 || r.Protocol != 17 || r.PayloadType != 1 || r.CapturePass != s.key ||
			r.HEPNodeName != s.node || r.SrcIP != "127.0.0.1" || r.DstIP != "127.0.0.1" ||
			r.SrcPort != srcPort || r.DstPort != dstPort || cid == nil || r.CorrelationID != cid[1] ||
			at.Before(start) || at.After(end) {
			t.Errorf("packet %d (%s): %+v\n%s", i, s.name, r, p.Payload)
		}
		s.gotCount[tracedMessage{sent: r.SrcPort == s.port, payload: p.Payload}]++
	}
	// Every traced message of each side, once.
	for _, s := range sides {
		want := map[tracedMessage]int{}
		for _, m := range s.traced {
			want[m]++
		}
		for m, n := range want {
			if s.gotCount[m] != n {
				t.Errorf("%s: traced %d times, mirrored %d times (sent %v):\n%s", s.name, n, s.gotCount[m], m.sent, m.payload)
			}
		}
		for m, n := range s.gotCount {
			if want[m] == 0 {
				t.Errorf("%s: mirrored %d times but never traced (sent %v):\n%s", s.name, n, m.sent, m.payload)
			}
		}
	}
}

// TestHEPDump: gossip hep-dump prints what a HEP exporter sends, over UDP
// and TCP, and exits after -n packets.
func TestHEPDump(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) {
			port := testpeer.FreeUDPPort(t, 1)
			if transport == "tcp" {
				ln, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				port = ln.Addr().(*net.TCPAddr).Port
				ln.Close()
			}
			addr := "127.0.0.1:" + strconv.Itoa(port)
			out, err := os.CreateTemp(t.TempDir(), "stdout")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"hep-dump", "-l", addr, "-transport", transport, "-n", "2"}, out, os.Stderr)
			}()

			deadline := time.Now().Add(5 * time.Second)
			for i := 0; ; i++ {
				select {
				case code := <-done:
					if code != 0 {
						t.Fatalf("hep-dump exit %d", code)
					}
				default:
					if time.Now().After(deadline) {
						t.Fatal("hep-dump did not exit after 2 packets")
					}
					sendHEP(t, addr, transport, i)
					time.Sleep(50 * time.Millisecond)
					continue
				}
				break
			}
			b, _ := os.ReadFile(out.Name())
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			want := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} 127\.0\.0\.1:5061 -> 127\.0\.0\.2:5060 UDP SIP id=42 node=n cid=\d+@h len=\d+ INVITE sip:bob SIP/2\.0$`)
			if len(lines) != 2 || !want.MatchString(lines[0]) || !want.MatchString(lines[1]) {
				t.Errorf("hep-dump printed:\n%s", b)
			}
		})
	}
}

// sendHEP mirrors one INVITE to a collector through a fresh exporter,
// closed at once so the packet goes out now.
func sendHEP(t *testing.T, addr, transport string, i int) {
	t.Helper()
	x, err := hep.New(hep.Config{Collector: netip.MustParseAddrPort(addr), Transport: hep.Transport(transport),
		CaptureID: 42, NodeName: "n", DialTimeout: 100 * time.Millisecond, FlushTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprintf("INVITE sip:bob SIP/2.0\r\nCall-ID: %d@h\r\n\r\n", i)
	x.Mirror(0, trace.Sent, time.Now(), []byte(msg), netip.MustParseAddrPort("127.0.0.1:5061"),
		netip.MustParseAddrPort("127.0.0.2:5060"), nil)
	x.Close()
}
