package stats

import (
	"errors"
	"fmt"
)

// ErrNotConserved says that a run's call counters do not add up: a call
// was lost or counted twice. It is a bug in gossip, never the peer's doing.
var ErrNotConserved = errors.New("call counters do not add up")

// CheckConservation checks the invariant every run keeps: each created call
// ended in exactly one class, successful, failed or aborted, or is still
// running (current); and the failure classes count no more calls than
// failed (the rest are unclassified). It returns nil, or an error wrapping
// ErrNotConserved that shows the numbers.
func (t *Totals) CheckConservation(current int) error {
	ended := t.Successful + t.Failed + t.Aborted
	running := uint64(max(current, 0))
	var classified uint64
	for _, n := range t.FailedBy {
		classified += n
	}
	switch {
	case current < 0 || ended+running != t.Created():
		return fmt.Errorf("%w: created %d != successful %d + failed %d + aborted %d + running %d",
			ErrNotConserved, t.Created(), t.Successful, t.Failed, t.Aborted, current)
	case classified > t.Failed:
		return fmt.Errorf("%w: the failure classes count %d calls, failed %d", ErrNotConserved, classified, t.Failed)
	}
	return nil
}
