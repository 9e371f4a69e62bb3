package dataplane

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waiter is how a Linux endpoint sleeps: in ppoll(2) on its socket (pfds[0])
// and an eventfd that Wake writes to (pfds[1]), through raw system calls.
// Endpoints embed it; its Wake and Sleep serve as theirs.
type waiter struct {
	event int // eventfd for Wake
	pfds  [2]unix.PollFd
	woken atomic.Bool
}

// maxRawWait bounds one ppoll. The shard blocks in it without telling Go's
// scheduler (RawSyscall), which spares the P hand-off that a scheduled
// syscall costs on every wake-up; in exchange a stop-the-world pause may
// wait for the shard up to this long.
const maxRawWait = 2 * time.Millisecond

// rawPpoll is ppoll(2) with a relative timeout, as a raw system call.
func rawPpoll(fds []unix.PollFd, d time.Duration) unix.Errno {
	ts := unix.NsecToTimespec(int64(d))
	_, _, errno := unix.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&fds[0])), uintptr(len(fds)),
		uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	return errno
}

// Wake makes a blocked (or the next) Read return ErrTimeout at once.
func (w *waiter) Wake() {
	if w.woken.Swap(true) {
		return // a wake-up is already pending
	}
	var one = [8]byte{1}
	_, _ = unix.Write(w.event, one[:])
}

// takeWake reports, and clears, a pending Wake.
func (w *waiter) takeWake() bool {
	if !w.woken.Swap(false) {
		return false
	}
	var b [8]byte
	_, _ = unix.Read(w.event, b[:])
	return true
}

// wait sleeps until the socket is readable, a Wake, or deadline (zero: no
// deadline). It returns ErrTimeout once deadline has passed, nil when the
// caller should look at the socket (and for Wakes) again, or an errno.
func (w *waiter) wait(deadline time.Time) error {
	d := maxRawWait
	if !deadline.IsZero() {
		d = min(time.Until(deadline), maxRawWait)
		if d <= 0 {
			return ErrTimeout
		}
	}
	w.pfds[0].Revents, w.pfds[1].Revents = 0, 0
	if errno := rawPpoll(w.pfds[:], d); errno != 0 && errno != unix.EINTR {
		return errno
	}
	if w.pfds[0].Revents == 0 && w.pfds[1].Revents == 0 && !deadline.IsZero() && !time.Now().Before(deadline) {
		return ErrTimeout
	}
	return nil
}

// Sleep waits until deadline or a Wake, whichever comes first, without
// returning for datagrams: a busy shard sleeps this way between drains.
// It consumes the Wake it returns for (or one already pending): the shard
// looks at what the Wake was for right after, and a Wake left pending would
// make every later Sleep return at once, a busy shard then spinning. A
// sleep longer than maxRawWait (-timer_resol above 2 ms) takes several
// ppolls, with the goroutine back in Go code between them.
func (w *waiter) Sleep(deadline time.Time) {
	for {
		if w.takeWake() {
			return
		}
		d := min(time.Until(deadline), maxRawWait)
		if d <= 0 {
			return
		}
		w.pfds[1].Revents = 0
		_ = rawPpoll(w.pfds[1:], d)
		if w.pfds[1].Revents != 0 {
			w.takeWake()
			return
		}
	}
}
