//go:build !unix

package benchkit

// maxRSS is unknown where there is no rusage.
func maxRSS(any) int64 { return 0 }
