// Package live handles what a SIPp user types during a run: the keys of
// SIPp's screen (+ - * / change the rate, p pauses, q stops gracefully,
// Q at once, 1-9 switch screens) and the same keys and "c" commands sent
// to the UDP remote-control port (-cp, SIPp's "cset rate 10" syntax).
package live

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Target is what live commands act on: the running engine and the screen.
type Target interface {
	// SetRate sets calls per rate period; 0 pauses call creation.
	SetRate(rate float64)
	// Rate returns the current rate.
	Rate() float64
	// Stop stops creating calls and lets running calls finish.
	Stop()
	// Abort ends the run at once.
	Abort()
}

// Controller applies keys and commands to a Target. Safe for concurrent
// use (the keyboard and the control port feed it from two goroutines).
type Controller struct {
	t     Target
	scale float64 // SIPp's -rate_scale: the step of + and -
	users bool    // -users run: rate keys refused

	mu        sync.Mutex
	paused    bool
	pauseRate float64
	screen    int
	log       func(string)
}

// NewController returns a controller for t. scale is the rate step of the
// + and - keys (× 10 for * and /); users says the run is -users based,
// where rate changes are refused as SIPp does. log receives messages for
// the user (nil discards them).
func NewController(t Target, scale float64, users bool, log func(string)) *Controller {
	if scale <= 0 {
		scale = 1
	}
	if log == nil {
		log = func(string) {}
	}
	return &Controller{t: t, scale: scale, users: users, log: log, screen: 1}
}

// Screen returns the screen the user selected (1 to 9).
func (c *Controller) Screen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.screen
}

// Paused reports whether call creation is paused.
func (c *Controller) Paused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paused
}

// UpdateRate sets the rate to f(current rate) and returns the new rate. While
// traffic is paused it changes the rate that resuming restores, as the rate
// keys do (SIPp's -rate_increase ramp calls it).
func (c *Controller) UpdateRate(f func(rate float64) float64) float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		c.pauseRate = max(f(c.pauseRate), 0)
		return c.pauseRate
	}
	r := max(f(c.t.Rate()), 0)
	c.t.SetRate(r)
	return r
}

// Key applies one key press.
func (c *Controller) Key(k byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch k {
	case '+', '-', '*', '/':
		if c.users {
			c.log("rates can not be changed in a -users run")
			return
		}
		step := c.scale
		if k == '*' || k == '/' {
			step *= 10
		}
		if k == '-' || k == '/' {
			step = -step
		}
		if c.paused {
			c.pauseRate = max(c.pauseRate+step, 0)
			return
		}
		c.t.SetRate(max(c.t.Rate()+step, 0))
	case 'p':
		if c.paused {
			c.paused = false
			c.t.SetRate(c.pauseRate)
		} else {
			c.paused = true
			c.pauseRate = c.t.Rate()
			c.t.SetRate(0)
		}
	case 'q':
		c.t.Stop()
	case 'Q':
		c.t.Abort()
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		c.screen = int(k - '0')
	}
}

// ErrCommand is wrapped by errors from Command.
var ErrCommand = errors.New("live: bad command")

// Command runs one SIPp remote-control command ("set rate 10",
// "set limit 100"); only the rate is supported yet, the rest is refused
// with a reason.
func (c *Controller) Command(cmd string) error {
	f := strings.Fields(cmd)
	if len(f) < 2 {
		return fmt.Errorf("%w: %q needs an argument", ErrCommand, cmd)
	}
	switch {
	case f[0] == "set" && f[1] == "rate" && len(f) == 3:
		if c.users {
			return fmt.Errorf("%w: rates can not be set in a -users run", ErrCommand)
		}
		r, err := strconv.ParseFloat(f[2], 64)
		if err != nil || r < 0 {
			return fmt.Errorf("%w: invalid rate value %q", ErrCommand, f[2])
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.paused {
			c.pauseRate = r
			return nil
		}
		c.t.SetRate(r)
		return nil
	default:
		return fmt.Errorf("%w: %q is not supported yet (supported: set rate N, and the keys + - * / p q Q)", ErrCommand, cmd)
	}
}

// Datagram handles one remote-control datagram as SIPp does: a leading
// 'c' makes the rest a command, anything else is a key.
func (c *Controller) Datagram(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if b[0] == 'c' {
		return c.Command(string(b[1:]))
	}
	c.Key(b[0])
	return nil
}

// ListenControl opens SIPp's UDP remote-control port on addr (gossip binds
// loopback by default, SIPp every address) and serves it until the
// returned close function is called.
func ListenControl(addr string, c *Controller) (close func() error, bound net.Addr, err error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("remote control port %s: %w", addr, err)
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if err := c.Datagram(buf[:n]); err != nil {
				c.log(err.Error())
			}
		}
	}()
	return pc.Close, pc.LocalAddr(), nil
}
