package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/cmd/gossip/internal/live"
)

// startControlPort opens SIPp's remote-control port: -cp, or the first free
// of 8888..8947 when -cp is not given (then failing is only a warning, as
// in SIPp). gossip binds -ci, loopback by default.
func startControlPort(opts *cli.Options, c *live.Controller, stderr io.Writer) (func(), error) {
	ip := opts.ControlIP
	if ip == "" {
		ip = "127.0.0.1"
	}
	ports := []int{opts.ControlPort}
	if opts.ControlPort == 0 {
		ports = ports[:0]
		for p := 8888; p < 8888+60; p++ {
			ports = append(ports, p)
		}
	}
	var lastErr error
	for _, p := range ports {
		closeFn, _, err := live.ListenControl(net.JoinHostPort(ip, strconv.Itoa(p)), c)
		if err == nil {
			return func() { _ = closeFn() }, nil
		}
		lastErr = err
	}
	if opts.ControlPort != 0 {
		return nil, fmt.Errorf("-cp: %w", lastErr)
	}
	fmt.Fprintf(stderr, "gossip: warning: no remote-control port: %v\n", lastErr)
	return func() {}, nil
}

// startKeyboard puts a terminal stdin in raw mode and feeds key presses to
// c. It returns a function restoring the terminal, and whether keys are
// read (not with -nostdin, nor when stdin is no terminal).
func startKeyboard(opts *cli.Options, c *live.Controller) (restore func(), raw bool) {
	fd := int(os.Stdin.Fd())
	if opts.NoStdin || !term.IsTerminal(fd) {
		return func() {}, false
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return func() {}, false
	}
	go func() {
		var b [1]byte
		for {
			if n, err := os.Stdin.Read(b[:]); err != nil || n == 0 {
				return
			}
			c.Key(b[0])
		}
	}()
	return func() { _ = term.Restore(fd, state) }, true
}

// crlfWriter turns "\n" into "\r\n": a terminal in raw mode does not.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(b []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(b), nil
}
