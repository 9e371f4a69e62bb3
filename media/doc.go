// Package media sends a call's media. It holds SIPp's pcap replay:
// ReadPcap loads the UDP payloads (RTP) of a libpcap capture once, and a
// Player replays them for many calls at once from one goroutine with its
// own schedule, so that a shard's loop only queues a request and never
// blocks, and no call owns a goroutine or a Go timer.
package media
