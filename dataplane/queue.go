package dataplane

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// rxQueue hands messages that reader goroutines received to the owning
// shard's Read. Readers append whole batches under one lock; Read swaps
// the filled buffers with the ones it handed out last, so bytes stay
// valid until the next Read and steady state allocates nothing.
type rxQueue struct {
	mu      sync.Mutex
	pend    []byte // message bytes queued by readers
	pendMsg []rxMsg
	space   *sync.Cond // readers wait here while the queue is full

	cur    []byte // the batch Read handed out last
	curMsg []rxMsg
	curPos int // first message of curMsg not handed out yet

	notify  chan struct{} // a message was queued, or Wake
	timer   *time.Timer
	closing chan struct{}
	closed  atomic.Bool
	woken   atomic.Bool

	// A shard that reads a connection itself sets inRead while it blocks
	// in that read; signal then calls interrupt to end the read.
	queued    atomic.Bool // pendMsg is not empty
	inRead    atomic.Bool
	interrupt func()
}

// rxMsg is one queued message or connection event.
type rxMsg struct {
	off, n   int
	from, to netip.AddrPort
	conn     ConnID
	closed   bool
	err      error
}

// maxQueued bounds the bytes waiting for a shard's Read; readers wait
// (and TCP pushes back on the peer) beyond it.
const maxQueued = 4 << 20

func (q *rxQueue) init() {
	q.notify = make(chan struct{}, 1)
	q.closing = make(chan struct{})
	q.timer = time.NewTimer(time.Hour)
	q.timer.Stop()
	q.space = sync.NewCond(&q.mu)
}

// lockSpace takes the queue lock once there is room in the queue.
func (q *rxQueue) lockSpace() {
	q.mu.Lock()
	for len(q.pend) > maxQueued && !q.closed.Load() {
		q.space.Wait()
	}
}

// queueLocked queues one message; the lock is held.
func (q *rxQueue) queueLocked(msg []byte, from, to netip.AddrPort, conn ConnID) {
	off := len(q.pend)
	q.pend = append(q.pend, msg...)
	q.pendMsg = append(q.pendMsg, rxMsg{off: off, n: len(msg), from: from, to: to, conn: conn})
	q.queued.Store(true)
}

// event queues a message-less event (a connection's end).
func (q *rxQueue) event(m rxMsg) {
	q.mu.Lock()
	m.off, m.n = len(q.pend), 0
	q.pendMsg = append(q.pendMsg, m)
	q.queued.Store(true)
	q.mu.Unlock()
	q.signal()
}

func (q *rxQueue) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
	if q.interrupt != nil && q.inRead.Load() {
		q.interrupt()
	}
}

func (q *rxQueue) wake() {
	q.woken.Store(true)
	q.signal()
}

// shut wakes Read and the readers waiting for room for good.
func (q *rxQueue) shut() {
	q.closed.Store(true)
	close(q.closing)
	q.mu.Lock()
	q.space.Broadcast()
	q.mu.Unlock()
}

// Read implements Endpoint: it hands out queued messages, waiting for
// some until deadline.
func (q *rxQueue) Read(pkts []Packet, deadline time.Time) (int, error) {
	if len(pkts) == 0 {
		return 0, nil
	}
	for q.curPos >= len(q.curMsg) && !q.swap() {
		if q.closed.Load() {
			return 0, ErrClosed
		}
		if !q.wait(deadline) {
			return 0, ErrTimeout
		}
		if q.woken.Swap(false) {
			return 0, ErrTimeout
		}
	}
	return q.fill(pkts), nil
}

// fill hands out messages of the current batch.
func (q *rxQueue) fill(pkts []Packet) int {
	n := 0
	for n < len(pkts) && q.curPos < len(q.curMsg) {
		m := &q.curMsg[q.curPos]
		pkts[n] = Packet{Data: q.cur[m.off : m.off+m.n], From: m.from, To: m.to, Conn: m.conn, Closed: m.closed, Err: m.err}
		n++
		q.curPos++
	}
	return n
}

// swap takes the readers' queue as the current batch, reporting whether
// it held anything.
func (q *rxQueue) swap() bool {
	q.mu.Lock()
	if len(q.pendMsg) == 0 {
		q.mu.Unlock()
		return false
	}
	q.cur, q.pend = q.pend, q.cur[:0]
	q.curMsg, q.pendMsg = q.pendMsg, q.curMsg[:0]
	q.curPos = 0
	q.queued.Store(false)
	q.space.Broadcast()
	q.mu.Unlock()
	return true
}

// wait blocks until something is queued, Wake, or deadline; it reports
// whether it was notified.
func (q *rxQueue) wait(deadline time.Time) bool {
	if deadline.IsZero() {
		select {
		case <-q.notify:
			return true
		case <-q.closing:
			return false
		}
	}
	d := time.Until(deadline)
	if d <= 0 {
		select {
		case <-q.notify:
			return true
		default:
			return false
		}
	}
	q.timer.Reset(d)
	select {
	case <-q.notify:
		q.timer.Stop()
		return true
	case <-q.timer.C:
		return false
	case <-q.closing:
		q.timer.Stop()
		return false
	}
}
