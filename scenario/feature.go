package scenario

import (
	"slices"
	"strconv"
)

// Feature is a construct of SIPp's scenario language that the loader
// parses and the engine must implement before it runs a scenario that
// uses it. Scenario.Uses lists the features a scenario uses and
// Scenario.Check refuses, with file and line, those an engine does not
// support, so that a scenario never runs with a construct silently
// ignored. The constructs gossip ran before these existed (send, recv,
// pause, nop, label, timewait and their original attributes, the
// original keywords) are not features: they are always supported.
//
// Actions and keywords are features too: ActionFeature(k) for each
// ActionKind and OpFeature(k) for each OpKind added with them.
type Feature uint16

const (
	FeatureInit              Feature = iota + 1 // <init>: nops run once before the first call
	FeatureDefaultMessage                       // <DefaultMessage id=...>: replaces one of SIPp's automatic messages
	FeatureGlobalVars                           // <Global variables=...>: run-wide variables
	FeatureUserVars                             // <User variables=...>: per -users user variables
	FeatureSendCmd                              // <sendCmd>: 3PCC command to the twin instance
	FeatureRecvCmd                              // <recvCmd>: 3PCC command from the twin instance
	FeatureUnexpectedJump                       // <label id="_unexp.main">: unexpected messages jump there
	FeatureTest                                 // test= on a command with next=
	FeatureChance                               // chance= on a command with next=
	FeatureCondExec                             // condexec= (and condexec_inverse=)
	FeatureLost                                 // lost= (simulated message loss)
	FeatureTransactions                         // start_txn=, ack_txn=, response_txn=
	FeatureRegexpMatch                          // regexp_match="true" on <recv>
	FeatureAuth                                 // auth="true" on <recv>: keep the 401/407 challenge
	FeatureOptionalGlobal                       // optional="global" on <recv>
	FeatureNoAdvanceState                       // advance_state="false" on <recv>
	FeaturePauseDistribution                    // a <pause> or <timewait> with a random distribution
	FeaturePauseVariable                        // <pause variable=...>

	featureActionBase Feature = 0x100
	featureOpBase     Feature = 0x200
)

// firstNewOp is the first OpKind that is a feature: the keywords gossip
// rendered before issue 7 come before it.
const firstNewOp = OpRemoteHost

// ActionFeature is the feature of an action kind.
func ActionFeature(k ActionKind) Feature { return featureActionBase + Feature(k) }

// OpFeature is the feature of a keyword op kind (OpKinds before
// OpRemoteHost are always supported and never appear in Uses).
func OpFeature(k OpKind) Feature { return featureOpBase + Feature(k) }

// Action returns the action kind of an action feature.
func (f Feature) Action() (ActionKind, bool) {
	if f > featureActionBase && f < featureActionBase+Feature(actionKindCount) {
		return ActionKind(f - featureActionBase), true
	}
	return 0, false
}

// Op returns the op kind of a keyword feature.
func (f Feature) Op() (OpKind, bool) {
	if f >= featureOpBase && f < featureOpBase+Feature(opKindCount) {
		return OpKind(f - featureOpBase), true
	}
	return 0, false
}

var featureNames = [...]string{
	FeatureInit:              "element <init>",
	FeatureDefaultMessage:    "element <DefaultMessage>",
	FeatureGlobalVars:        "element <Global>",
	FeatureUserVars:          "element <User>",
	FeatureSendCmd:           "element <sendCmd>",
	FeatureRecvCmd:           "element <recvCmd>",
	FeatureUnexpectedJump:    `label "_unexp.main"`,
	FeatureTest:              "attribute test",
	FeatureChance:            "attribute chance",
	FeatureCondExec:          "attribute condexec",
	FeatureLost:              "attribute lost",
	FeatureTransactions:      "transactions (start_txn, ack_txn, response_txn)",
	FeatureRegexpMatch:       "attribute regexp_match",
	FeatureAuth:              "attribute auth",
	FeatureOptionalGlobal:    `optional="global"`,
	FeatureNoAdvanceState:    `advance_state="false"`,
	FeaturePauseDistribution: "pause distribution",
	FeaturePauseVariable:     "pause variable",
}

// String names the feature as a user would look for it in the file:
// "element <init>", "action <ereg>", "keyword [field]".
func (f Feature) String() string {
	if k, ok := f.Action(); ok {
		return "action <" + k.String() + ">"
	}
	if k, ok := f.Op(); ok {
		switch k {
		case OpVar:
			return "keyword [$variable]"
		case OpCrypto:
			return "keyword [crypto...] (SRTP)"
		case OpField:
			return "keyword [fieldN]"
		}
		return "keyword [" + k.String() + "]"
	}
	if int(f) < len(featureNames) && featureNames[f] != "" {
		return featureNames[f]
	}
	return "Feature(" + strconv.Itoa(int(f)) + ")"
}

// FeatureUse is the first use of a feature in a scenario.
type FeatureUse struct {
	Feature Feature
	Line    int    // 1-based line of the first use
	What    string // the construct as written, e.g. "keyword [field0]", "action <exec play_pcap_audio>"
}

// use records the first use of a feature.
func (p *parser) use(f Feature, line int, what string) {
	for _, u := range p.sc.Uses {
		if u.Feature == f {
			return
		}
	}
	if what == "" {
		what = f.String()
	}
	p.sc.Uses = append(p.sc.Uses, FeatureUse{Feature: f, Line: line, What: what})
}

// UsesFeature reports whether the scenario uses the feature.
func (s *Scenario) UsesFeature(f Feature) bool {
	for _, u := range s.Uses {
		if u.Feature == f {
			return true
		}
	}
	return false
}

// Check returns an error for the first construct (by line) the scenario
// uses that supported says the engine does not implement: an *Error with
// the scenario's file and line that wraps ErrUnsupported, e.g.
// "uac_pcap.xml:84: action <exec play_pcap_audio> is not supported yet".
// It returns nil when everything the scenario uses is supported.
func (s *Scenario) Check(supported func(Feature) bool) error {
	uses := slices.Clone(s.Uses)
	slices.SortStableFunc(uses, func(a, b FeatureUse) int { return a.Line - b.Line })
	for _, u := range uses {
		if !supported(u.Feature) {
			return &Error{File: s.Source, Line: u.Line, Msg: u.What + " is not supported yet", Err: ErrUnsupported}
		}
	}
	return nil
}
