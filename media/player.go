package media

import (
	"container/heap"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// PlayerConfig configures a Player.
type PlayerConfig struct {
	// Local is the address the media sockets bind (SIPp's -mi, else the
	// local address).
	Local netip.Addr
	// Warn, if set, is told about sockets that cannot bind and sends that
	// fail; it is called from the player's goroutine.
	Warn func(msg string)
}

// PlayerStats counts what a Player sent (SIPp's screen shows the pcap
// RTP packets and bytes sent).
type PlayerStats struct {
	Packets, Bytes, Errors uint64
}

// Player replays pcaps for many calls from one goroutine. Play and Stop
// only push a request on a lock-free stack and never block, so a shard's
// loop may call them; the goroutine sends each packet when it is due,
// keeping the capture's timing, from a UDP socket bound to the call's
// local media port (one socket per port, shared by the calls that use
// it).
type Player struct {
	cfg  PlayerConfig
	head atomic.Pointer[request] // requests not yet taken, newest first
	wake chan struct{}           // capacity 1: a request is waiting
	quit chan struct{}
	done chan struct{}
	once sync.Once

	packets, bytes, errors atomic.Uint64
	active                 atomic.Int32

	// Owned by the goroutine.
	socks map[uint16]*net.UDPConn
	plays map[uint64]*play
	due   playHeap
	t0    time.Time
}

type request struct {
	next *request
	key  uint64
	pcap *Pcap
	src  uint16
	dst  netip.AddrPort
	stop bool
}

type play struct {
	key   uint64
	pcap  *Pcap
	next  int   // index of the next packet
	start int64 // ns since t0 of the first packet
	dst   netip.AddrPort
	sock  *net.UDPConn
	pos   int // index in the heap
}

func (p *play) at() int64 { return p.start + int64(p.pcap.Packets[p.next].At) }

// NewPlayer starts a player's goroutine; Close stops it.
func NewPlayer(cfg PlayerConfig) *Player {
	p := &Player{
		cfg:   cfg,
		wake:  make(chan struct{}, 1),
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
		socks: make(map[uint16]*net.UDPConn),
		plays: make(map[uint64]*play),
		t0:    time.Now(),
	}
	go p.run()
	return p
}

// Play starts replaying pc for the call key: each UDP payload goes from
// local port src to dst's address and to dst's port plus the packet's
// captured destination port minus pc.Base. A play already running for
// key stops first (SIPp cancels a call's media thread before it starts
// another).
func (p *Player) Play(key uint64, pc *Pcap, src uint16, dst netip.AddrPort) {
	p.push(&request{key: key, pcap: pc, src: src, dst: dst})
}

// Stop stops the call key's play, if any (the call ended).
func (p *Player) Stop(key uint64) { p.push(&request{key: key, stop: true}) }

func (p *Player) push(r *request) {
	for {
		old := p.head.Load()
		r.next = old
		if p.head.CompareAndSwap(old, r) {
			break
		}
	}
	select {
	case p.wake <- struct{}{}:
	default: // already signalled
	}
}

// Stats returns what the player sent so far.
func (p *Player) Stats() PlayerStats {
	return PlayerStats{Packets: p.packets.Load(), Bytes: p.bytes.Load(), Errors: p.errors.Load()}
}

// Active reports the number of plays in progress (for tests and the
// screen); it is read after requests are taken, so it may lag Play.
func (p *Player) Active() int { return int(p.active.Load()) }

// Close stops every play, closes the sockets and waits for the goroutine.
func (p *Player) Close() {
	p.once.Do(func() { close(p.quit) })
	<-p.done
}

func (p *Player) run() {
	defer close(p.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	defer func() {
		for _, s := range p.socks {
			_ = s.Close()
		}
	}()
	for {
		p.take()
		now := int64(time.Since(p.t0))
		for len(p.due) > 0 && p.due[0].at() <= now {
			pl := p.due[0]
			p.send(pl)
			pl.next++
			if pl.next == len(pl.pcap.Packets) {
				heap.Pop(&p.due)
				delete(p.plays, pl.key)
			} else {
				heap.Fix(&p.due, 0)
			}
		}
		p.active.Store(int32(len(p.due)))
		var tick <-chan time.Time
		if len(p.due) > 0 {
			timer.Reset(time.Duration(p.due[0].at() - int64(time.Since(p.t0))))
			tick = timer.C
		}
		select {
		case <-p.quit:
			return
		case <-p.wake:
		case <-tick:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// take applies the waiting requests in the order they were made.
func (p *Player) take() {
	r := p.head.Swap(nil)
	var rev *request
	for r != nil {
		next := r.next
		r.next = rev
		rev, r = r, next
	}
	for r := rev; r != nil; r = r.next {
		if old, ok := p.plays[r.key]; ok {
			heap.Remove(&p.due, old.pos)
			delete(p.plays, r.key)
		}
		if r.stop || len(r.pcap.Packets) == 0 {
			continue
		}
		pl := &play{key: r.key, pcap: r.pcap, dst: r.dst, sock: p.socket(r.src), start: int64(time.Since(p.t0))}
		if pl.sock == nil {
			continue
		}
		p.plays[r.key] = pl
		heap.Push(&p.due, pl)
	}
}

// socket returns the socket bound to local port src, binding it the first
// time (an ephemeral port when src is 0 or cannot be bound).
func (p *Player) socket(src uint16) *net.UDPConn {
	if s, ok := p.socks[src]; ok {
		return s
	}
	local := p.cfg.Local
	if !local.IsValid() {
		local = netip.IPv4Unspecified()
	}
	s, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, src)))
	if err != nil && src != 0 {
		p.warn(fmt.Sprintf("media: cannot send from port %d (%v): sending from an ephemeral port", src, err))
		s, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local, 0)))
	}
	if err != nil {
		p.warn(fmt.Sprintf("media: no socket to send RTP from: %v", err))
		p.errors.Add(1)
		return nil
	}
	p.socks[src] = s
	return s
}

func (p *Player) send(pl *play) {
	pkt := &pl.pcap.Packets[pl.next]
	dst := netip.AddrPortFrom(pl.dst.Addr(), pl.dst.Port()+pkt.DstPort-pl.pcap.Base)
	if _, err := pl.sock.WriteToUDPAddrPort(pkt.Payload, dst); err != nil {
		if p.errors.Add(1) == 1 {
			p.warn(fmt.Sprintf("media: sending RTP to %s: %v", dst, err))
		}
		return
	}
	p.packets.Add(1)
	p.bytes.Add(uint64(len(pkt.Payload)))
}

func (p *Player) warn(msg string) {
	if p.cfg.Warn != nil {
		p.cfg.Warn(msg)
	}
}

// playHeap orders plays by when their next packet is due.
type playHeap []*play

func (h playHeap) Len() int           { return len(h) }
func (h playHeap) Less(i, j int) bool { return h[i].at() < h[j].at() }
func (h playHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *playHeap) Push(x any) {
	pl := x.(*play)
	pl.pos = len(*h)
	*h = append(*h, pl)
}
func (h *playHeap) Pop() any {
	old := *h
	pl := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return pl
}
