package engine

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gossip-sip/gossip/media"
	"github.com/gossip-sip/gossip/scenario"
)

// SIPp's pcap play (<exec play_pcap_audio=|play_pcap_video=>): the
// capture loads once at New; a call records where its media goes from
// the SDP it receives and where it comes from when it renders
// [media_port]/[auto_media_port] on an m=audio/m=video line; the action
// hands the play to the engine's media.Player, whose one goroutine sends
// the packets (call.cpp get_remote_media_addr, send_packets.c).

// Media streams of a call, as SIPp's play_args_a, _i, _v.
const (
	mediaAudio = iota
	mediaImage
	mediaVideo
	mediaKinds
)

// callMedia is a call's media state (a slab side array, when the
// scenario plays a pcap).
type callMedia struct {
	dst     [mediaKinds]netip.AddrPort // from the last SDP received
	src     [mediaKinds]uint16         // the local port rendered on its m= line
	playing bool
}

// mediaOf returns the call's media state (nMedia of them: 0 or 1).
func (s *slab) mediaOf(slot int32) []callMedia {
	i := int(slot%slotsPerChunk) * s.nMedia
	return s.media[slot/slotsPerChunk][i : i+s.nMedia : i+s.nMedia]
}

// initMedia loads the captures the scenario plays, each file once.
func (e *Engine) initMedia() error {
	loaded := map[string]*media.Pcap{}
	for i := range e.scn.Commands {
		cmd := &e.scn.Commands[i]
		for j := range cmd.Actions {
			a := &cmd.Actions[j]
			if a.Kind != scenario.ActionPlayPcap {
				continue
			}
			name := pcapPath(a.MediaArg, e.scn.Source)
			pc, ok := loaded[name]
			if !ok {
				var err error
				if pc, err = media.ReadPcap(name); err != nil {
					return &scenario.Error{File: e.scn.Source, Line: a.Line, Msg: fmt.Sprintf("%s=%q: %v", a.Media, a.MediaArg, err), Err: err}
				}
				loaded[name] = pc
			}
			if e.pcaps == nil {
				e.pcaps = map[*scenario.Action]*media.Pcap{}
			}
			e.pcaps[a] = pc
		}
	}
	return nil
}

// pcapPath finds a capture as SIPp does: an absolute path (or ~/...) as
// it is; a relative one next to the scenario file if it is there, else in
// the working directory (so the built-in uac_pcap's "pcap/g711a.pcap" is
// read from the working directory).
func pcapPath(name, scenarioFile string) string {
	if rest, ok := strings.CutPrefix(name, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			name = filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(name) || strings.HasPrefix(scenarioFile, "built-in") {
		return name
	}
	dir := filepath.Dir(scenarioFile)
	if dir == "." || !strings.Contains(scenarioFile, "/") {
		return name
	}
	if p := filepath.Join(dir, name); fileReadable(p) {
		return p
	}
	return name
}

func fileReadable(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	_ = f.Close()
	return true
}

// startMedia starts the engine's media player when the scenario plays a
// capture.
func (e *Engine) startMedia() {
	if len(e.pcaps) == 0 {
		return
	}
	local, _ := netip.ParseAddr(string(e.mediaIP))
	e.player = media.NewPlayer(media.PlayerConfig{Local: local, Warn: func(msg string) {
		if tr := e.cfg.Tracer; tr != nil {
			tr.Event(time.Now(), msg)
		}
	}})
}

// stopMedia stops every play and closes the media sockets.
func (e *Engine) stopMedia() {
	if e.player != nil {
		e.player.Close()
	}
}

// MediaStats returns what the pcap plays sent (zero when the scenario
// plays none or the run has not started).
func (e *Engine) MediaStats() media.PlayerStats {
	if e.player == nil {
		return media.PlayerStats{}
	}
	return e.player.Stats()
}

// mediaSDP records the remote media addresses of the SDP in msg (SIPp:
// the first "c=IN IP4 " (IP6 when the media address is IPv6) and the
// first "m=audio ", "m=image ", "m=video " ports). A message without a
// connection line changes nothing.
func (s *shard) mediaSDP(c *call, body []byte) {
	pat := "c=IN IP4 "
	if s.e.mediaIPType == '6' {
		pat = "c=IN IP6 "
	}
	host := sdpValue(body, pat)
	if len(host) == 0 {
		return
	}
	addr, err := netip.ParseAddr(string(host))
	if err != nil {
		return // SIPp's getaddrinfo fails the same way: no address kept
	}
	m := &s.calls.mediaOf(c.slot)[0]
	for k, p := range [mediaKinds]string{"m=audio ", "m=image ", "m=video "} {
		if port, ok := atoiPort(sdpValue(body, p)); ok {
			m.dst[k] = netip.AddrPortFrom(addr, port)
		}
	}
}

// sdpValue is the word after the first pat in msg (up to a space or line
// end), or nil.
func sdpValue(msg []byte, pat string) []byte {
	i := bytes.Index(msg, []byte(pat))
	if i < 0 {
		return nil
	}
	v := msg[i+len(pat):]
	if j := bytes.IndexAny(v, " \r\n"); j >= 0 {
		v = v[:j]
	}
	return v
}

func atoiPort(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return uint16(n), n <= 65535
}

// mediaPortRendered records port as the call's local media port of the
// stream whose m= line dst's last line is (SIPp sets the play's source
// port when [media_port] or [auto_media_port] renders on a line naming
// audio, image or video).
func (s *shard) mediaPortRendered(c *call, dst []byte, port int) {
	line := dst[bytes.LastIndexByte(dst, '\n')+1:]
	k := -1
	switch {
	case bytes.Contains(line, []byte("audio")):
		k = mediaAudio
	case bytes.Contains(line, []byte("image")):
		k = mediaImage
	case bytes.Contains(line, []byte("video")):
		k = mediaVideo
	}
	if k >= 0 && c.slot >= 0 && int(c.slot) < s.calls.len() {
		s.calls.mediaOf(c.slot)[0].src[k] = uint16(port)
	}
}

// playPcap runs <exec play_pcap_audio|video>: the call's previous play
// stops and this one starts, from the call's media port to the remote
// media address of the last SDP received.
func (s *shard) playPcap(c *call, a *scenario.Action) {
	pc := s.e.pcaps[a]
	if pc == nil || s.e.player == nil || c.flags&flagInit != 0 {
		return
	}
	k := mediaAudio
	if a.Media == "play_pcap_video" {
		k = mediaVideo
	}
	m := &s.calls.mediaOf(c.slot)[0]
	if !m.dst[k].IsValid() {
		s.event("%s: no remote media address (no SDP with c= and m= received): nothing played", a.Media)
		return
	}
	src := m.src[k]
	if src == 0 {
		src = uint16(s.e.cfg.MediaPort)
	}
	s.e.player.Play(c.number, pc, src, m.dst[k])
	m.playing = true
}

// endMedia stops the call's play (SIPp cancels a call's media thread when
// the call is deleted) and clears its media state for the slot's next call.
func (s *shard) endMedia(c *call) {
	m := &s.calls.mediaOf(c.slot)[0]
	if m.playing && s.e.player != nil {
		s.e.player.Stop(c.number)
	}
	*m = callMedia{}
}

// mediaSlots is 1 when the scenario plays a capture: its calls keep media
// state.
func (e *Engine) mediaSlots() int {
	for i := range e.scn.Commands {
		for _, a := range e.scn.Commands[i].Actions {
			if a.Kind == scenario.ActionPlayPcap {
				return 1
			}
		}
	}
	return 0
}
