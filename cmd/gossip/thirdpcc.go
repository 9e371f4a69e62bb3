package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/engine"
)

// thirdPCCConfig turns -3pcc, -master, -slave and -slave_cfg into the
// engine's 3PCC configuration.
func thirdPCCConfig(opts *cli.Options, cfg *engine.Config) error {
	if opts.ThirdPCC != "" {
		a, err := resolveAddrPort(opts.ThirdPCC)
		if err != nil {
			return fmt.Errorf("-3pcc %s: %w", opts.ThirdPCC, err)
		}
		cfg.ThirdPCC.Twin = a
		return nil
	}
	if opts.SlaveCfg == "" {
		return nil
	}
	peers, err := readSlaveCfg(opts.SlaveCfg)
	if err != nil {
		return err
	}
	cfg.ThirdPCC.Peers = peers
	cfg.ThirdPCC.Self, cfg.ThirdPCC.Master = opts.Slave, false
	if opts.Master != "" {
		cfg.ThirdPCC.Self, cfg.ThirdPCC.Master = opts.Master, true
	}
	return nil
}

// readSlaveCfg reads SIPp's -slave_cfg file: one "name;host:port" line per
// instance; lines without a ';' are skipped, as SIPp does.
func readSlaveCfg(path string) (map[string]netip.AddrPort, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-slave_cfg: %w", err)
	}
	defer f.Close()
	peers := map[string]netip.AddrPort{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		name, addr, ok := strings.Cut(sc.Text(), ";")
		name, addr = strings.TrimSpace(name), strings.TrimSpace(addr)
		if !ok || name == "" || addr == "" {
			continue
		}
		if i := strings.IndexByte(addr, ';'); i >= 0 {
			addr = addr[:i] // SIPp reads the second field only
		}
		a, err := resolveAddrPort(addr)
		if err != nil {
			return nil, fmt.Errorf("-slave_cfg %s:%d: %s: %w", path, n, name, err)
		}
		peers[name] = a
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("-slave_cfg %s: %w", path, err)
	}
	return peers, nil
}

// resolveAddrPort resolves HOST:PORT (the port is required).
func resolveAddrPort(s string) (netip.AddrPort, error) {
	host, port, err := cli.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if port == 0 {
		return netip.AddrPort{}, fmt.Errorf("no port in %q", s)
	}
	a, err := resolveIP(host)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(a, uint16(port)), nil
}
