package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gossip-sip/gossip/cmd/gossip/internal/cli"
	"github.com/gossip-sip/gossip/engine"
)

// transportConfig maps -t and the TLS, WebSocket and reconnection flags
// into cfg. client says whether the scenario is a UAC.
func transportConfig(opts *cli.Options, cfg *engine.Config, client bool, stderr io.Writer) error {
	switch opts.Transport {
	case cli.TransportUDP:
		return nil
	case cli.TransportUDPPerIP:
		cfg.PerIP = true
		cfg.IPField = opts.IPField
		return nil
	case cli.TransportUDPPerCall:
		return fmt.Errorf("-t %s: not supported yet", opts.Transport)
	}
	proto := opts.Transport.Protocol()
	switch proto {
	case "tcp", "tls", "ws", "wss":
	default:
		return fmt.Errorf("-t %s: not supported", opts.Transport)
	}
	if opts.Dataplane == cli.DataplaneXDP {
		return fmt.Errorf("-t %s: the xdp dataplane carries UDP only", opts.Transport)
	}
	cfg.Transport = proto
	cfg.ConnPerCall = opts.Transport.SocketPerCall()
	cfg.MaxSocket = opts.MaxSocket
	cfg.MaxReconnect = opts.MaxReconnect
	cfg.ReconnectSleep = opts.ReconnectSleep
	cfg.ReconnectKeepCalls = !opts.ReconnectClose
	cfg.WSPath = opts.WSPath
	if proto == "tls" || proto == "wss" {
		tc, err := tlsConfig(opts, client, stderr)
		if err != nil {
			return err
		}
		cfg.TLS = tc
	}
	return nil
}

// tlsConfig builds the TLS side of a run from -tls_cert, -tls_key,
// -tls_ca, -tls_version, -tls_server_name and -tls_skip_verify.
//
// A server presents -tls_cert (required) and, with -tls_ca, requires
// client certificates signed by it. A client presents -tls_cert when it
// was given (or the default file exists) and verifies the server against
// -tls_ca when given, by the -tls_server_name or the remote host; without
// -tls_ca it does not verify, as SIPp, and says so.
func tlsConfig(opts *cli.Options, client bool, stderr io.Writer) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.TLSVersion == "1.3" {
		tc.MinVersion = tls.VersionTLS13
	}
	certGiven := opts.Changed("tls_cert") || opts.Changed("tls_key")
	loadCert := !client || certGiven || fileExists(opts.TLSCert) && fileExists(opts.TLSKey)
	if loadCert {
		pair, err := tls.LoadX509KeyPair(opts.TLSCert, opts.TLSKey)
		if err != nil {
			if !client && !certGiven {
				return nil, fmt.Errorf("-tls_cert %s, -tls_key %s: a TLS server needs a certificate and its key: %w", opts.TLSCert, opts.TLSKey, err)
			}
			return nil, fmt.Errorf("-tls_cert %s, -tls_key %s: %w", opts.TLSCert, opts.TLSKey, err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	var pool *x509.CertPool
	if opts.TLSCA != "" {
		pem, err := os.ReadFile(opts.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("-tls_ca: %w", err)
		}
		pool = x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls_ca %s: no PEM certificate in it", opts.TLSCA)
		}
	}
	if client {
		tc.ServerName = opts.TLSServerName
		switch {
		case opts.TLSSkipVerify:
			tc.InsecureSkipVerify = true
		case pool != nil:
			tc.RootCAs = pool
		default:
			tc.InsecureSkipVerify = true
			fmt.Fprintln(stderr, "gossip: warning: the TLS server's certificate is not verified: give -tls_ca to verify it")
		}
		return tc, nil
	}
	if pool != nil && !opts.TLSSkipVerify {
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, os.ErrNotExist)
}
