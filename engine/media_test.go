package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gossip-sip/gossip/media"
	"github.com/gossip-sip/gossip/scenario"
)

// rawPcap writes a raw-IP pcap of IPv4/UDP packets to port 2000, 20 ms
// apart, with the given payloads.
func rawPcap(t *testing.T, path string, payloads ...string) {
	t.Helper()
	b := make([]byte, 24)
	binary.LittleEndian.PutUint32(b, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(b[4:], 2)
	binary.LittleEndian.PutUint16(b[6:], 4)
	binary.LittleEndian.PutUint32(b[16:], 65535)
	binary.LittleEndian.PutUint32(b[20:], 101)
	for i, p := range payloads {
		ip := make([]byte, 28, 28+len(p))
		ip[0], ip[9] = 0x45, 17
		binary.BigEndian.PutUint16(ip[2:], uint16(28+len(p)))
		binary.BigEndian.PutUint16(ip[20:], 4000)
		binary.BigEndian.PutUint16(ip[22:], 2000)
		binary.BigEndian.PutUint16(ip[24:], uint16(8+len(p)))
		ip = append(ip, p...)
		h := make([]byte, 16)
		binary.LittleEndian.PutUint32(h, 1000)
		binary.LittleEndian.PutUint32(h[4:], uint32(i*20000))
		binary.LittleEndian.PutUint32(h[8:], uint32(len(ip)))
		binary.LittleEndian.PutUint32(h[12:], uint32(len(ip)))
		b = append(append(b, h...), ip...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const pcapUAC = `<?xml version="1.0"?>
<scenario name="pcap uac">
  <send retrans="500"><![CDATA[
    INVITE sip:service@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
    To: <sip:service@[remote_ip]:[remote_port]>
    Call-ID: [call_id]
    CSeq: 1 INVITE
    Contact: sip:sipp@[local_ip]:[local_port]
    Content-Type: application/sdp
    Content-Length: [len]

    v=0
    o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
    s=-
    c=IN IP[media_ip_type] [media_ip]
    t=0 0
    m=audio [media_port] RTP/AVP 8
  ]]></send>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
    ACK sip:service@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
    To: <sip:service@[remote_ip]:[remote_port]>[peer_tag_param]
    Call-ID: [call_id]
    CSeq: 1 ACK
    Content-Length: 0
  ]]></send>
  <nop><action><exec play_pcap_audio="rtp.pcap"/></action></nop>
  <pause milliseconds="300"/>
  <send retrans="500"><![CDATA[
    BYE sip:service@[remote_ip]:[remote_port] SIP/2.0
    Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
    From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
    To: <sip:service@[remote_ip]:[remote_port]>[peer_tag_param]
    Call-ID: [call_id]
    CSeq: 2 BYE
    Content-Length: 0
  ]]></send>
  <recv response="200"/>
</scenario>
`

// pcapUAS answers with an SDP whose audio goes to 127.0.0.1:RTPPORT.
const pcapUAS = `<?xml version="1.0"?>
<scenario name="pcap uas">
  <recv request="INVITE"/>
  <send><![CDATA[
    SIP/2.0 200 OK
    [last_Via:]
    [last_From:]
    [last_To:];tag=[pid]SIPpTag01[call_number]
    [last_Call-ID:]
    [last_CSeq:]
    Contact: <sip:[local_ip]:[local_port];transport=[transport]>
    Content-Type: application/sdp
    Content-Length: [len]

    v=0
    o=user1 53655765 2353687637 IN IP4 127.0.0.1
    s=-
    c=IN IP4 127.0.0.1
    t=0 0
    m=audio RTPPORT RTP/AVP 8
  ]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
` + okBye + `</scenario>
`

// TestPcapPlay: each call of a scenario with play_pcap_audio sends the
// capture's payloads, in order, from its media port (-mp) to the m=audio
// port of the SDP it received; the capture is found next to the scenario.
func TestPcapPlay(t *testing.T) {
	dir := t.TempDir()
	payloads := []string{"\x80\x08rtp-0", "\x80\x08rtp-1", "\x80\x08rtp-2", "\x80\x08rtp-3", "\x80\x08rtp-4"}
	rawPcap(t, filepath.Join(dir, "rtp.pcap"), payloads...)
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	rtpPort := sink.LocalAddr().(*net.UDPAddr).Port

	uasScn, err := scenario.Parse([]byte(strings.Replace(pcapUAS, "RTPPORT", fmt.Sprint(rtpPort), 1)), "pcap_uas.xml")
	if err != nil {
		t.Fatal(err)
	}
	uacScn, err := scenario.Parse([]byte(pcapUAC), filepath.Join(dir, "pcap_uac.xml"))
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	uas, err := New(Config{Scenario: uasScn, Local: lo, Shards: 1})
	if err != nil {
		t.Fatal(err)
	}
	mp := freeUDPPort(t)
	const calls = 2
	uac, err := New(Config{Scenario: uacScn, Local: lo, Shards: 1, Remote: uas.LocalAddrs()[0], MaxCalls: calls, Rate: 100, MediaPort: mp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go uas.Run(ctx)
	defer uas.Abort()
	res, err := uac.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Stats.Cumulative; c.Successful != calls || c.Failed != 0 {
		t.Fatalf("%d successful, %d failed calls; want %d, 0", c.Successful, c.Failed, calls)
	}
	got := map[string]int{}
	buf := make([]byte, 1500)
	_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
	for n := 0; n < calls*len(payloads); n++ {
		k, from, err := sink.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("after %d RTP packets: %v", n, err)
		}
		if int(from.Port()) != mp {
			t.Errorf("RTP from port %d, want the media port %d", from.Port(), mp)
		}
		got[string(buf[:k])]++
	}
	for _, p := range payloads {
		if got[p] != calls {
			t.Errorf("payload %q arrived %d times, want %d", p, got[p], calls)
		}
	}
	if s := uac.MediaStats(); s.Packets != calls*uint64(len(payloads)) || s.Errors != 0 {
		t.Errorf("media stats %+v, want %d packets", s, calls*len(payloads))
	}
}

// TestPcapLoadErrors: a capture that is missing or not a pcap stops New
// with the scenario's file and line and the capture's name.
func TestPcapLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.pcap"), []byte("not a capture at all, sorry"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		is   error
		want string
	}{
		{"none.pcap", os.ErrNotExist, `t.xml:4: play_pcap_audio="none.pcap": pcap: open none.pcap: no such file or directory`},
		{filepath.Join(dir, "bad.pcap"), media.ErrPcap, `t.xml:4: play_pcap_audio="` + dir + `/bad.pcap": ` + dir + `/bad.pcap: magic number 0x20746f6e is not a pcap file's: bad pcap file`},
	} {
		xml := "<?xml version=\"1.0\"?>\n<scenario name=\"t\">\n<send><![CDATA[INVITE sip:x SIP/2.0]]></send>\n<nop><action><exec play_pcap_audio=\"" + tc.file + "\"/></action></nop>\n</scenario>\n"
		scn, err := scenario.Parse([]byte(xml), "t.xml")
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(Config{Scenario: scn, Remote: netip.MustParseAddrPort("127.0.0.1:5060"), Shards: 1})
		if !errors.Is(err, tc.is) || err.Error() != tc.want {
			t.Errorf("New = %v\nwant  %s", err, tc.want)
		}
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}
