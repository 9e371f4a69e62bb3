package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gossip-sip/gossip/bench/internal/benchkit"
)

const (
	loopbackPairs = 4   // sender/receiver socket pairs
	loopbackSize  = 500 // bytes per datagram, about a SIP request of the built-in scenarios
)

// loopbackResult is the machine's raw loopback datagram rate.
type loopbackResult struct {
	PerSecond float64       // datagrams received per second, best window
	Median    float64       // datagrams received per second, median window
	Windows   int           // windows measured
	Pairs     int           // sender/receiver socket pairs
	Size      int           // datagram payload bytes
	Duration  time.Duration // measured window
	ReusePort bool          // the receivers shared one port with SO_REUSEPORT
	Drops     uint64        // RcvbufErrors while it ran (anyone's; normally 0)
}

// loopbackWindow is how many datagrams may be in flight (sent, not yet
// read) at once over all pairs: far less than the receive buffers hold, so
// the kernel drops nothing and no send is wasted.
const loopbackWindow = 1024

// loopbackWindowLength is the length of one counting window.
const loopbackWindowLength = 250 * time.Millisecond

// loopbackCeiling measures how many datagrams per second bare Go
// sender/receiver goroutines move over 127.0.0.1: pairs receivers bound to
// one port with SO_REUSEPORT (one port each where that is not available)
// and pairs connected senders writing size-byte datagrams as fast as a
// window of loopbackWindow datagrams in flight allows. The window keeps
// senders from outrunning receivers: blasting would make the kernel drop
// datagrams (work spent for nothing on a machine with few cores, and noise
// in the drop counters other programs watch). After a short warm-up it
// counts what the receivers got over d, in windows of
// loopbackWindowLength, and reports the best and the median window.
func loopbackCeiling(ctx context.Context, d time.Duration, pairs, size int) (loopbackResult, error) {
	res := loopbackResult{Pairs: pairs, Size: size, ReusePort: reusePortSupported}
	lc := net.ListenConfig{}
	if reusePortSupported {
		lc.Control = reusePortControl
	}
	var rx []*net.UDPConn
	var tx []*net.UDPConn
	defer func() {
		for _, c := range append(rx, tx...) {
			c.Close()
		}
	}()
	addr := "127.0.0.1:0"
	for i := 0; i < pairs; i++ {
		pc, err := lc.ListenPacket(ctx, "udp4", addr)
		if err != nil {
			return res, fmt.Errorf("receiver %d on %s: %w", i, addr, err)
		}
		c := pc.(*net.UDPConn)
		_ = c.SetReadBuffer(bufSize) // best effort, capped at net.core.rmem_max
		rx = append(rx, c)
		if res.ReusePort {
			addr = c.LocalAddr().String()
		}
	}
	for i := 0; i < pairs; i++ {
		dst := rx[0].LocalAddr().(*net.UDPAddr)
		if !res.ReusePort {
			dst = rx[i].LocalAddr().(*net.UDPAddr)
		}
		c, err := net.DialUDP("udp4", nil, dst)
		if err != nil {
			return res, fmt.Errorf("sender %d to %s: %w", i, dst, err)
		}
		_ = c.SetWriteBuffer(bufSize)
		tx = append(tx, c)
	}

	// tokens holds the free slots of the window: a sender takes one per
	// datagram, a receiver gives one back per datagram read. A datagram
	// lost anyway would leak its slot, so a sender that waits too long
	// sends regardless.
	tokens := make(chan struct{}, loopbackWindow)
	for i := 0; i < loopbackWindow; i++ {
		tokens <- struct{}{}
	}
	before, snmpErr := benchkit.ReadSNMP()
	var received atomic.Uint64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, c := range rx {
		wg.Add(1)
		go func(c *net.UDPConn) {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				if _, err := c.Read(buf); err != nil {
					if errors.Is(err, net.ErrClosed) || stop.Load() {
						return
					}
					continue
				}
				received.Add(1)
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}(c)
	}
	for _, c := range tx {
		wg.Add(1)
		go func(c *net.UDPConn) {
			defer wg.Done()
			payload := make([]byte, size)
			wait := time.NewTimer(time.Hour)
			wait.Stop()
			for !stop.Load() {
				select {
				case <-tokens:
				default:
					wait.Reset(20 * time.Millisecond)
					select {
					case <-tokens:
						wait.Stop()
					case <-wait.C:
					}
				}
				_, _ = c.Write(payload) // an error (a full send buffer) only slows us down
			}
		}(c)
	}
	sleep := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
	// Count in windows and keep the best: other programs on the machine
	// only ever lower the rate, so the best window is the closest to the
	// machine's ceiling. The median is kept as context.
	err := sleep(200 * time.Millisecond) // warm-up
	start := time.Now()
	var rates []float64
	for err == nil && time.Since(start) < d {
		t0, n0 := time.Now(), received.Load()
		if err = sleep(min(loopbackWindowLength, d)); err == nil {
			rates = append(rates, float64(received.Load()-n0)/time.Since(t0).Seconds())
		}
	}
	elapsed := time.Since(start)
	stop.Store(true)
	for _, c := range rx {
		c.Close()
	}
	wg.Wait()
	if err != nil {
		return res, err
	}
	res.Duration = elapsed
	sort.Float64s(rates)
	res.PerSecond = rates[len(rates)-1]
	res.Median = rates[(len(rates)-1)/2]
	res.Windows = len(rates)
	if after, err := benchkit.ReadSNMP(); err == nil && snmpErr == nil {
		res.Drops = after.RcvbufErrors - before.RcvbufErrors
	}
	if res.PerSecond <= 0 {
		return res, errors.New("no datagram arrived")
	}
	return res, nil
}
