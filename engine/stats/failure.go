package stats

// FailureClass is the reason a call failed, one of SIPp's failure classes.
// The constants are in the order SIPp writes their columns in the -trace_stat
// file, so iterating 0..NumFailureClasses-1 yields the CSV order.
type FailureClass uint8

// SIPp's failure classes, in SIPp's CSV column order.
const (
	// FailCannotSendMessage: a message could not be sent.
	FailCannotSendMessage FailureClass = iota
	// FailMaxUDPRetrans: the maximum number of UDP retransmissions was reached.
	FailMaxUDPRetrans
	// FailTCPConnect: a TCP connection could not be established.
	FailTCPConnect
	// FailTCPClosed: the TCP connection was closed by the peer.
	FailTCPClosed
	// FailUnexpectedMessage: a message arrived that the scenario did not expect.
	FailUnexpectedMessage
	// FailCallRejected: the call was rejected (SIPp's "Call rejected").
	FailCallRejected
	// FailCmdNotSent: a 3PCC command could not be sent.
	FailCmdNotSent
	// FailRegexpDoesntMatch: a regexp action with check_it did not match.
	FailRegexpDoesntMatch
	// FailRegexpShouldntMatch: a regexp action with check_it_inverse matched.
	FailRegexpShouldntMatch
	// FailRegexpHdrNotFound: the header a regexp action searches was missing.
	FailRegexpHdrNotFound
	// FailOutboundCongestion: sending failed because of outbound congestion.
	FailOutboundCongestion
	// FailTimeoutOnRecv: a recv command timed out.
	FailTimeoutOnRecv
	// FailTimeoutOnSend: a send command timed out.
	FailTimeoutOnSend
	// FailTestDoesntMatch: a test action with check_it failed.
	FailTestDoesntMatch
	// FailTestShouldntMatch: a test action with check_it_inverse succeeded.
	FailTestShouldntMatch
	// FailStrcmpDoesntMatch: a strcmp action with check_it failed.
	FailStrcmpDoesntMatch
	// FailStrcmpShouldntMatch: a strcmp action with check_it_inverse succeeded.
	FailStrcmpShouldntMatch

	// NumFailureClasses is the number of SIPp failure classes.
	NumFailureClasses
)

// FailUnclassified marks a failed call that belongs to none of SIPp's classes:
// it counts in Totals.Failed but in no FailedBy entry (SIPp has failures that
// increment only its FailedCall counter).
const FailUnclassified = NumFailureClasses

var failureNames = [NumFailureClasses + 1]string{
	FailCannotSendMessage:   "FailedCannotSendMessage",
	FailMaxUDPRetrans:       "FailedMaxUDPRetrans",
	FailTCPConnect:          "FailedTcpConnect",
	FailTCPClosed:           "FailedTcpClosed",
	FailUnexpectedMessage:   "FailedUnexpectedMessage",
	FailCallRejected:        "FailedCallRejected",
	FailCmdNotSent:          "FailedCmdNotSent",
	FailRegexpDoesntMatch:   "FailedRegexpDoesntMatch",
	FailRegexpShouldntMatch: "FailedRegexpShouldntMatch",
	FailRegexpHdrNotFound:   "FailedRegexpHdrNotFound",
	FailOutboundCongestion:  "FailedOutboundCongestion",
	FailTimeoutOnRecv:       "FailedTimeoutOnRecv",
	FailTimeoutOnSend:       "FailedTimeoutOnSend",
	FailTestDoesntMatch:     "FailedTestDoesntMatch",
	FailTestShouldntMatch:   "FailedTestShouldntMatch",
	FailStrcmpDoesntMatch:   "FailedStrcmpDoesntMatch",
	FailStrcmpShouldntMatch: "FailedStrcmpShouldntMatch",
	FailUnclassified:        "FailedUnclassified",
}

// String returns the class name as SIPp spells it in its statistics file
// header, without the "(P)"/"(C)" suffix, e.g. "FailedMaxUDPRetrans".
func (c FailureClass) String() string {
	if int(c) < len(failureNames) {
		return failureNames[c]
	}
	return "FailureClass(" + itoa(uint64(c)) + ")"
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
