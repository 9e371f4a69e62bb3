package cli

import (
	"errors"
	"strconv"
	"strings"
)

// DefaultSIPPort is the port SIPp uses for the remote host and for -rsa when
// the address carries none.
const DefaultSIPPort = 5060

// SplitHostPort splits an address the way SIPp reads remote_host[:port],
// -rsa, -i and -mi: "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6
// literal (two or more colons, no port). port is 0 when the address has
// none. Unlike SIPp, which reads a garbled port as 0, a port that is not a
// number between 1 and 65535 is an error, and so is an empty host.
func SplitHostPort(addr string) (host string, port int, err error) {
	if addr == "" {
		return "", 0, errors.New("empty address")
	}
	for _, r := range addr {
		if r <= ' ' || r == 0x7f {
			return "", 0, errors.New("contains white space or control characters")
		}
	}
	var portStr string
	hasPort := false
	switch {
	case strings.HasPrefix(addr, "["):
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return "", 0, errors.New("missing ']' after IPv6 address")
		}
		host = addr[1:end]
		rest := addr[end+1:]
		switch {
		case rest == "":
		case rest[0] == ':':
			portStr, hasPort = rest[1:], true
		default:
			return "", 0, errors.New("unexpected text after ']'")
		}
		if host == "" {
			return "", 0, errors.New("empty IPv6 address in brackets")
		}
	case strings.ContainsAny(addr, "[]"):
		return "", 0, errors.New("brackets must enclose the whole IPv6 address")
	case strings.Count(addr, ":") >= 2:
		host = addr // bare IPv6 literal, no port
	default:
		var found bool
		host, portStr, found = strings.Cut(addr, ":")
		hasPort = found
		if host == "" {
			return "", 0, errors.New("empty host")
		}
	}
	if hasPort {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 1 || p > 65535 {
			return "", 0, errors.New("port " + strconv.Quote(portStr) + " is not a number between 1 and 65535")
		}
		port = p
	}
	return host, port, nil
}
