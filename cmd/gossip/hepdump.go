package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/hep"
)

// runHEPDump is `gossip hep-dump`: a HEP3 collector for debugging that
// prints one line per packet it receives.
func runHEPDump(args []string, stdout, stderr *os.File) int {
	fs := flag.NewFlagSet("hep-dump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: gossip hep-dump [-l HOST:PORT] [-transport udp|tcp] [-n N]\n\n"+
			"Receives HEP3 packets (what gossip -hep_addr sends) and prints one line per packet:\n"+
			"capture time, source -> destination, capture agent ID, node name, correlation ID,\n"+
			"payload length and the payload's first line.\n\n")
		fs.PrintDefaults()
	}
	listen := fs.String("l", "127.0.0.1:9060", "`address` to listen on")
	transport := fs.String("transport", "udp", "udp or tcp")
	limit := fs.Int("n", 0, "exit after `N` packets (0: run until interrupted)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cli.ExitOther
		}
		return cli.ExitFailed
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gossip hep-dump: unexpected argument %q\n", fs.Arg(0))
		return cli.ExitFailed
	}
	if *limit < 0 {
		fmt.Fprintf(stderr, "gossip hep-dump: -n %d: must not be negative\n", *limit)
		return cli.ExitFailed
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := &hepDumper{w: stdout, errw: stderr, limit: *limit, done: cancel}
	var err error
	switch *transport {
	case "udp":
		err = d.udp(ctx, *listen)
	case "tcp":
		err = d.tcp(ctx, *listen)
	default:
		fmt.Fprintf(stderr, "gossip hep-dump: -transport %q: udp or tcp\n", *transport)
		return cli.ExitFailed
	}
	if err != nil {
		fmt.Fprintf(stderr, "gossip hep-dump: %v\n", err)
		return cli.ExitBind
	}
	return cli.ExitOK
}

// hepDumper prints packets, from any number of connections, one line each.
type hepDumper struct {
	mu    sync.Mutex
	w     io.Writer
	errw  io.Writer
	limit int
	count int
	done  context.CancelFunc
}

// udp reads datagrams on addr until ctx ends; a bind failure is returned.
func (d *hepDumper) udp(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return err
	}
	go func() { <-ctx.Done(); pc.Close() }()
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return nil // closed: ctx ended
		}
		d.packet(from.String(), buf[:n])
	}
}

// tcp accepts connections on addr until ctx ends and reads HEP3 packets
// back to back from each.
func (d *hepDumper) tcp(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			return nil
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			stop := context.AfterFunc(ctx, func() { c.Close() })
			defer stop()
			r := hep.NewReader(c)
			for {
				_, raw, err := r.Next()
				if err != nil {
					if !errors.Is(err, io.EOF) && ctx.Err() == nil {
						d.mu.Lock()
						fmt.Fprintf(d.errw, "gossip hep-dump: %s: %v\n", c.RemoteAddr(), err)
						d.mu.Unlock()
					}
					return
				}
				d.packet(c.RemoteAddr().String(), raw)
			}
		}()
	}
}

// packet prints one packet (or why it does not decode) and ends the dump
// after -n packets.
func (d *hepDumper) packet(from string, raw []byte) {
	p, err := hep.Decode(raw)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limit > 0 && d.count >= d.limit {
		return
	}
	if err != nil {
		fmt.Fprintf(d.errw, "gossip hep-dump: %s: %v\n", from, err)
		return
	}
	d.w.Write(formatHEP(&p))
	d.count++
	if d.limit > 0 && d.count >= d.limit {
		d.done()
	}
}

// formatHEP renders one packet as a line:
//
//	2026-01-02 03:04:05.678901 127.0.0.1:5061 -> 127.0.0.1:5060 UDP SIP id=2001 node=lab cid=1-42@h len=512 INVITE sip:...
func formatHEP(p *hep.Packet) []byte {
	b := p.Time().UTC().AppendFormat(nil, "2006-01-02 15:04:05.000000")
	b = fmt.Appendf(b, " %s -> %s %s %s id=%d", p.Src, p.Dst, protoName(p.Protocol), protoTypeName(p.ProtoType), p.CaptureID)
	if p.NodeName != nil {
		b = fmt.Appendf(b, " node=%s", printable(p.NodeName))
	}
	if p.CorrelationID != nil {
		b = fmt.Appendf(b, " cid=%s", printable(p.CorrelationID))
	}
	line := p.Payload
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	b = fmt.Appendf(b, " len=%d %s\n", len(p.Payload), printable(line))
	return b
}

func protoName(p uint8) string {
	switch p {
	case hep.ProtoUDP:
		return "UDP"
	case hep.ProtoTCP:
		return "TCP"
	}
	return "proto-" + strconv.Itoa(int(p))
}

func protoTypeName(t uint8) string {
	if t == hep.ProtoSIP {
		return "SIP"
	}
	return "type-" + strconv.Itoa(int(t))
}

// printable quotes b when it holds anything but printable ASCII.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return strconv.Quote(string(b))
		}
	}
	return string(b)
}
