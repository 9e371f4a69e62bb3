package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Parse reads a SIPp-style command line (without argv[0]) into Options and
// validates it.
//
// Flags are spelled -name or --name and take their values as the following
// arguments, whatever those look like (-set x -1, -key k -, -r -h all read
// the second word as a value, as SIPp does). -key and -set take two values.
// The one argument that is neither a flag nor a flag's value is the remote
// host[:port]; it may appear anywhere.
//
// Errors: ErrHelp for -h/-help or no arguments at all, ErrVersion for -v,
// otherwise a *FlagError (or, for several unsupported SIPp flags, an
// errors.Join of them) wrapping ErrUnknownFlag, ErrNotSupported,
// ErrMissingValue, ErrBadValue or ErrConflict. Like SIPp, Parse reads the
// arguments left to right and stops at -h or -v unless an unknown flag or
// a second remote address comes first; values are checked afterwards, so
// "-r abc -h" is a help request. ExitCode maps every outcome to SIPp's
// status.
func Parse(args []string) (*Options, error) {
	if len(args) == 0 {
		return nil, ErrHelp // SIPp prints its help and exits 99
	}
	specs := implementedFlags()
	byName := make(map[string]*flagSpec, len(specs))
	for i := range specs {
		byName[specs[i].name] = &specs[i]
	}
	sippOnly := sippOnlyFlags()

	o := Defaults()
	var (
		tokens      []string              // "--name=value" for pflag
		unsupported []error               // SIPp flags gossip refuses
		raw         = map[string]string{} // last value typed per flag
		pos         = map[string]int{}    // position of the last use per flag
		uses        = map[string]int{}
		remoteSeen  bool
	)
	for i := 0; i < len(args); i++ {
		arg := args[i]
		name, isFlag := flagName(arg)
		if !isFlag {
			if remoteSeen {
				return nil, &FlagError{Value: arg, Kind: ErrConflict, Detail: fmt.Sprintf(
					"remote address given twice (%q and %q); gossip takes one host[:port]", o.Remote, arg)}
			}
			if arg == "" {
				return nil, &FlagError{Value: arg, Kind: ErrBadValue, Detail: "empty address"}
			}
			o.Remote, remoteSeen = arg, true
			continue
		}
		switch name {
		case "h", "help":
			return nil, ErrHelp
		case "v":
			return nil, ErrVersion
		}
		spec := byName[name]
		arity, known := sippOnly[name]
		switch {
		case spec != nil:
			arity = spec.arity
		case known:
			unsupported = append(unsupported, &FlagError{Flag: "-" + name, Kind: ErrNotSupported})
		default:
			return nil, unknownFlag(arg, name, byName, sippOnly)
		}
		if i+arity >= len(args) {
			if spec == nil {
				break // refused anyway: report it as unsupported below
			}
			fe := &FlagError{Flag: "-" + name, Kind: ErrMissingValue}
			if arity == 2 {
				fe.Detail = "it takes two, NAME VALUE"
			}
			return nil, fe
		}
		vals := args[i+1 : i+1+arity]
		i += arity
		if spec == nil {
			continue
		}
		uses[name]++
		pos[name] = i
		raw[name] = strings.Join(vals, " ")
		switch arity {
		case 0:
			tokens = append(tokens, "--"+name+"=true")
		case 1:
			tokens = append(tokens, "--"+name+"="+vals[0])
		default:
			tokens = append(tokens, "--"+name+"="+encodePair(vals[0], vals[1]))
		}
	}
	if len(unsupported) > 0 {
		return nil, errors.Join(unsupported...)
	}
	// SIPp refuses a second scenario option ("main_scenario already set").
	var scen []string
	for _, n := range []string{"sn", "sf", "sd"} {
		for range uses[n] {
			scen = append(scen, "-"+n)
		}
	}
	if len(scen) > 1 {
		return nil, &FlagError{Flag: scen[0], Kind: ErrConflict,
			Detail: strings.Join(scen, " and ") + " cannot be used together: give one scenario"}
	}

	fs := pflag.NewFlagSet("gossip", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	for i := range specs {
		fs.Var(specs[i].bind(o), specs[i].name, specs[i].help)
	}
	if err := fs.Parse(tokens); err != nil {
		var ive *pflag.InvalidValueError
		if errors.As(err, &ive) {
			name := ive.GetFlag().Name
			return nil, &FlagError{Flag: "-" + name, Value: raw[name], Kind: ErrBadValue,
				Detail: errors.Unwrap(ive).Error()}
		}
		return nil, fmt.Errorf("internal error reading flags: %w", err)
	}
	fs.Visit(func(f *pflag.Flag) { o.Given[f.Name] = true })

	// SIPp: "-l N -users M" lets -users win; "-users M -l N" is an error
	// (left to Validate).
	if o.Given["l"] && o.Given["users"] && pos["l"] < pos["users"] {
		o.Limit = LimitAuto
		delete(o.Given, "l")
	}

	if err := o.Validate(); err != nil {
		// Quote the value as typed rather than as re-formatted.
		var fe *FlagError
		if errors.As(err, &fe) && fe.Flag != "" && fe.Value != "" {
			if v, ok := raw[strings.TrimPrefix(fe.Flag, "-")]; ok {
				fe.Value = v
			}
		}
		return nil, err
	}
	return o, nil
}

// flagName reports whether arg is spelled as a flag and returns its name
// without the one or two leading dashes.
func flagName(arg string) (string, bool) {
	switch {
	case strings.HasPrefix(arg, "--"):
		return arg[2:], true
	case strings.HasPrefix(arg, "-"):
		return arg[1:], true
	}
	return "", false
}

// unknownFlag builds the error for an argument that looks like a flag but
// is none, with a hint when a real flag is close.
func unknownFlag(arg, name string, impl map[string]*flagSpec, sippOnly map[string]int) error {
	fe := &FlagError{Flag: arg, Kind: ErrUnknownFlag}
	if name == "" {
		fe.Flag = fmt.Sprintf("%q", arg)
		return fe
	}
	if before, after, ok := strings.Cut(name, "="); ok {
		if _, known := impl[before]; known {
			fe.Detail = fmt.Sprintf("write -%s %s, without '='", before, after)
			return fe
		}
	}
	best, bestDist := "", 3
	limit := 1
	if len(name) > 4 {
		limit = 2
	}
	consider := func(cand string) {
		d := editDistance(strings.ToLower(name), strings.ToLower(cand))
		if d <= limit && (d < bestDist || (d == bestDist && cand < best)) {
			best, bestDist = cand, d
		}
	}
	for n := range impl {
		consider(n)
	}
	for n := range sippOnly {
		consider(n)
	}
	for _, n := range []string{"h", "help", "v"} {
		consider(n)
	}
	if best != "" {
		fe.Detail = "did you mean -" + best + "?"
	}
	return fe
}

// editDistance is the Levenshtein distance between a and b, counted in
// bytes (flag names are ASCII). Long inputs are cut short: a hint is only
// useful for names of flag length.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
