package scenario

import (
	"embed"
	"fmt"
	"slices"
	"strings"
)

//go:embed builtin/*.xml
var builtinFS embed.FS

// builtinNames lists the embedded scenarios, sorted.
var builtinNames = []string{"3pcc-A", "3pcc-B", "3pcc-C-A", "3pcc-C-B", "branchc", "branchs", "ooc_default", "ooc_dummy", "regexp", "uac", "uac_pcap", "uas"}

// BuiltinNames returns the names of the built-in scenarios (for -sn and
// -sd), sorted.
func BuiltinNames() []string { return slices.Clone(builtinNames) }

// BuiltinXML returns the XML of a built-in scenario (what -sd prints),
// and false when there is no such built-in.
func BuiltinXML(name string) ([]byte, bool) {
	if !slices.Contains(builtinNames, name) {
		return nil, false
	}
	data, err := builtinFS.ReadFile("builtin/" + name + ".xml")
	if err != nil {
		return nil, false
	}
	return data, true
}

// Builtin loads a built-in scenario by name (what -sn selects). Its
// Source is "built-in NAME". An unknown name gives an error wrapping
// ErrUnknownBuiltin that lists the known names.
func Builtin(name string) (*Scenario, error) {
	return Options{}.Builtin(name)
}

// Builtin loads a built-in scenario with these options.
func (o Options) Builtin(name string) (*Scenario, error) {
	data, ok := BuiltinXML(name)
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownBuiltin, name, strings.Join(builtinNames, ", "))
	}
	return o.Parse(data, "built-in "+name)
}
