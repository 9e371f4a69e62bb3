package cli

import "strings"

// GivenFlags returns the flags a command line that Parse accepted gives, by
// name without dashes, each with its last value as typed ("" for a switch;
// the two values of -key and -set joined by a space). Reports such as
// -summary_json record them.
func GivenFlags(args []string) map[string]string {
	arity := map[string]int{}
	for _, s := range implementedFlags() {
		arity[s.name] = s.arity
	}
	out := map[string]string{}
	for i := 0; i < len(args); i++ {
		name, isFlag := flagName(args[i])
		if !isFlag {
			continue // the remote host
		}
		n, ok := arity[name]
		if !ok || i+n >= len(args) {
			break // Parse refuses it
		}
		out[name] = strings.Join(args[i+1:i+1+n], " ")
		i += n
	}
	return out
}
