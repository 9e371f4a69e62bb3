package benchkit

import (
	"context"
	"fmt"
	"time"
)

// uasTries is how many free ports StartUAS tries.
const uasTries = 3

// uasBindWait is how long StartUAS waits for a UAS to bind its sockets.
const uasBindWait = 10 * time.Second

// StartUAS starts a UAS on a free port of 127.0.0.1 and waits until it has
// bound want sockets to it (a gossip UAS binds one SO_REUSEPORT socket per
// shard). start starts the process listening on the port it is given.
// Ports are UDP's, or TCP's with tcp set (and then the sockets counted are
// listening TCP sockets). It tries a few ports, as another program may
// take the one found free: a UAS that has not bound its sockets after 10 s
// or has exited is killed, and failed, when not nil, is called before the
// next try (to reap what start attached to it).
func StartUAS(ctx context.Context, tcp bool, want int, start func(port int) (*Proc, error), failed func()) (*Proc, int, error) {
	free := FreeUDPPort
	if tcp {
		free = FreeTCPPort
	}
	var lastErr error
	for try := 0; try < uasTries; try++ {
		port, err := free()
		if err != nil {
			return nil, 0, err
		}
		p, err := start(port)
		if err != nil {
			return nil, 0, err
		}
		if WaitBound(p, port, want, tcp, uasBindWait) {
			return p, port, nil
		}
		p.Kill()
		if failed != nil {
			failed()
		}
		lastErr = fmt.Errorf("%s uas on 127.0.0.1:%d did not bind %d socket(s) (exit %d): %s",
			p.Name, port, want, p.ExitCode(), LastLines(p.Output(), 5))
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
	}
	return nil, 0, lastErr
}

// WaitBound waits up to wait until want sockets are bound to UDP port
// (listening on TCP port, with tcp set) while p runs, and reports whether
// they are.
func WaitBound(p *Proc, port, want int, tcp bool, wait time.Duration) bool {
	bound := BoundSockets
	if tcp {
		bound = ListeningTCP
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) && !p.Exited() && bound(port) < want {
		time.Sleep(10 * time.Millisecond)
	}
	return !p.Exited() && bound(port) >= want
}
