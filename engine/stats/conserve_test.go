package stats

import (
	"errors"
	"testing"
)

func TestCheckConservation(t *testing.T) {
	ok := Totals{OutgoingCalls: 10, IncomingCalls: 2, Successful: 6, Failed: 3, Aborted: 1}
	ok.FailedBy[FailMaxUDPRetrans] = 2 // one failed call is unclassified
	tests := []struct {
		name    string
		t       Totals
		current int
		want    string // "" for nil
	}{
		{"adds up with two running", ok, 2, ""},
		{"a call lost", ok, 1, "call counters do not add up: created 12 != successful 6 + failed 3 + aborted 1 + running 1"},
		{"a call counted twice", ok, 3, "call counters do not add up: created 12 != successful 6 + failed 3 + aborted 1 + running 3"},
		{"negative gauge", Totals{}, -1, "call counters do not add up: created 0 != successful 0 + failed 0 + aborted 0 + running -1"},
		{"classes exceed failed", func() Totals { x := ok; x.FailedBy[FailUnexpectedMessage] = 2; return x }(), 2,
			"call counters do not add up: the failure classes count 4 calls, failed 3"},
		{"empty run", Totals{}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.t.CheckConservation(tt.current)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("got %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want || !errors.Is(err, ErrNotConserved)):
				t.Fatalf("got %v, want %q (ErrNotConserved)", err, tt.want)
			}
		})
	}
}
