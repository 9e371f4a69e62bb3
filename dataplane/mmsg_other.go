//go:build !linux

package dataplane

import "fmt"

func openMmsg(cfg Config) (Endpoint, error) {
	return nil, fmt.Errorf("%w: mmsg needs Linux (recvmmsg/sendmmsg); use -dataplane std", ErrUnknownBackend)
}
