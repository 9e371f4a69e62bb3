package scenario

// CONTRACT written by the integrator: the engine is written against these
// types. The scenario helper implements Load/Parse/Builtin and template
// compilation, may add fields and files, but keeps what is here.

import (
	"regexp"
	"strings"
	"time"
)

// Mode says whether a scenario starts calls (client, first command is a
// send) or answers them (server, first command is a recv).
type Mode uint8

const (
	// ModeClient scenarios start calls (SIPp's uac).
	ModeClient Mode = iota
	// ModeServer scenarios answer calls (SIPp's uas).
	ModeServer
)

// Scenario is a loaded scenario: a flat list of commands with labels
// resolved to command indexes.
type Scenario struct {
	Name     string    // the scenario element's name attribute
	Source   string    // file path, or "built-in NAME"
	Mode     Mode      // client or server
	Commands []Command // in document order; labels are commands too
	Warnings []Warning // non-fatal findings (unknown attributes)
	// RTDNames lists response-time counters in first-use order; a
	// command's StartRTD/StopRTD are indexes into it. Within one element
	// rtd= is counted before start_rtd= (SIPp's numbering).
	RTDNames []string

	// RTDRepartition is the ResponseTimeRepartition value: bucket
	// borders in milliseconds, sorted ascending; nil without the element.
	RTDRepartition []int
	// RTDRepartitionCount is how many leading RTDNames RTDRepartition
	// applies to: SIPp applies it only to the response times that appear
	// in the file before the ResponseTimeRepartition element.
	RTDRepartitionCount int
	// CallLengthRepartition is the CallLengthRepartition value: bucket
	// borders in milliseconds, sorted ascending; nil without the element.
	CallLengthRepartition []int

	// UnexpectedJump is the index of the label "_unexp.main", where SIPp
	// sends a call that receives an unexpected message, or NoIndex.
	UnexpectedJump int

	// The scenario language beyond send and recv (issue 7). The engine
	// runs a scenario only if Check accepts every feature in Uses.

	// Init are the commands of <init>: nops (with their actions) and
	// labels, run once before the first call, in a call of their own.
	// Their Next and OnTimeout index Init, not Commands.
	Init []Command
	// Vars are the variables the scenario uses, resolved to slots.
	Vars Vars
	// UnexpectedRetAddr and UnexpectedPausedAddr are the variables
	// "_unexp.retaddr" and "_unexp.pausedaddr" when the scenario uses
	// them (NoVar otherwise): on a jump to UnexpectedJump SIPp stores the
	// current message index (Command.MsgIndex) in the first, unless it
	// is already non-zero (then the message is handled as unexpected),
	// and the end of the current pause (engine clock, ms) in the second.
	UnexpectedRetAddr, UnexpectedPausedAddr VarID
	// MsgCommands maps SIPp's message indexes (labels are not messages)
	// to command indexes: the target of <jump value=N> is
	// Commands[MsgCommands[N]], and N == len(MsgCommands) ends the call.
	MsgCommands []int
	// Transactions are the named transactions of start_txn, ack_txn and
	// response_txn, in first-use order; commands refer to them by index.
	Transactions []Transaction
	// DefaultMessages are the <DefaultMessage id=...> replacements of the
	// messages SIPp sends by itself: "3pcc_abort", "ack", "ack2", "bye",
	// "cancel", "200".
	DefaultMessages map[string]*Template
	// Creation is SIPp's creation mode: ModeClient when the first
	// send, recv, sendCmd or recvCmd is a send or sendCmd (the scenario
	// starts calls at -r), ModeServer otherwise (calls start from an
	// incoming message or command). It differs from Mode only for 3PCC
	// scenarios that start with <recvCmd> (3pcc-C-B).
	Creation Mode
	// ThirdPCC is the 3PCC role the order of sendCmd and recvCmd gives
	// (SIPp's twin mode with -3pcc; with -master/-slave the same
	// scenarios are master or slave).
	ThirdPCC ThirdPCC
	// Uses lists the first use of each Feature, in document order.
	Uses []FeatureUse
}

// ThirdPCC is a scenario's role in SIPp's third-party call control.
type ThirdPCC uint8

const (
	ThirdPCCNone        ThirdPCC = iota // no sendCmd or recvCmd
	ThirdPCCControllerA                 // a <sendCmd> before any <recvCmd>, calls created here (3pcc-C-A; -master)
	ThirdPCCControllerB                 // a <recvCmd> before any <sendCmd>: calls created by commands (3pcc-C-B; -slave)
	ThirdPCCAPassive                    // a <sendCmd> first in a scenario whose calls start with a <recv>
)

// Transaction is a named transaction (start_txn, ack_txn, response_txn).
type Transaction struct {
	Name   string
	Invite bool // started by an INVITE: an ack_txn ACK answers its final response
}

// Warning is a non-fatal finding while loading, with its position.
type Warning struct {
	File string // scenario file, or "built-in NAME"
	Line int    // 1-based line of the element
	Msg  string // what was found, e.g. `unknown attribute "foo" on <send>`
}

// String formats the warning as "file:line: msg".
func (w Warning) String() string { return w.File + ":" + itoa(w.Line) + ": " + w.Msg }

// Kind is what a command does.
type Kind uint8

const (
	KindSend    Kind = iota + 1 // send a message
	KindRecv                    // wait for a message
	KindPause                   // wait for a duration (also <timewait>)
	KindNop                     // do nothing (actions only)
	KindLabel                   // jump target
	KindSendCmd                 // 3PCC: send Message to the twin instance (Peer: dest=)
	KindRecvCmd                 // 3PCC: wait for a command from the twin instance (Peer: src=)
)

// NoIndex marks an absent command index (Next, OnTimeout).
const NoIndex = -1

// Command is one scenario step.
type Command struct {
	Kind Kind
	Line int // source line of the element

	// send
	Message *Template // compiled message
	// Retrans is retrans="ms": the first retransmission interval (Timer
	// A/E, doubling; non-INVITE capped at T2). 0 means the message is
	// never retransmitted: SIPp retransmits only sends that carry
	// retrans=, and only over UDP.
	Retrans  time.Duration
	IsAck    bool // the message is an ACK (no retransmission, no CSeq bump)
	IsInvite bool // the message is an INVITE request
	IsCancel bool // the message is a CANCEL request (no CSeq bump)
	// SendTimeout is timeout="ms" on a send: how long a send that would
	// block may wait before the call fails; 0: the global -send_timeout.
	SendTimeout time.Duration

	// recv
	Request         string   // method expected (request recv), "" for a response recv
	Response        int      // status code expected (response recv), 0 for a request recv
	ResponseMethods []string // CSeq methods a response recv accepts (SIPp: methods sent before it)
	// ResponseMethodList is SIPp's form of ResponseMethods: the methods
	// of all requests sent before this recv in the file, concatenated
	// without separator ("INVITEACKBYE"). SIPp accepts a response whose
	// CSeq method is a substring of it; see AcceptsResponseMethod.
	ResponseMethodList string
	// ResponseAnyMethod is set on a response recv that is the first
	// command of the scenario (labels aside): SIPp accepts any method.
	ResponseAnyMethod bool
	Optional          bool          // optional="true"
	Timeout           time.Duration // recv timeout="ms", 0: none (the global -recv_timeout applies)
	OnTimeout         int           // ontimeout label resolved to a command index, or NoIndex
	RRS               bool          // record the Record-Route set (rrs="true")

	// pause
	Pause         time.Duration // fixed milliseconds (or distribution="fixed" value=), whole ms
	PauseFromFlag bool          // no milliseconds attribute: use -d
	// Timewait marks <timewait>, a pause that must be the last message:
	// it keeps the call around to answer retransmissions, and a call that
	// fails while in it (e.g. its connection closes) still counts as a
	// success.
	Timewait bool
	// PauseDist is a random pause duration (milliseconds) from distribution=
	// (anything but fixed); nil otherwise. Draw once per call and pause:
	// a draw below 1 is 0, above 2^31-1 is 2^31-1, then truncated to
	// whole milliseconds.
	PauseDist *Distribution
	// PauseVar is <pause variable=...>: the pause lasts the variable's
	// double value in milliseconds (0 when it holds no double); NoVar
	// otherwise.
	PauseVar VarID

	// recv (issue 7)
	OptionalGlobal bool // optional="global": also matched after later mandatory recvs (Optional is set too)
	NoAdvanceState bool // advance_state="false" (optional recv only): a match runs actions and bookkeeping but does not become the last message nor move the call
	// Regexp is set by regexp_match="true": a request recv matches when
	// Regexp finds a match in the method (unanchored search, as regexec);
	// a response recv whose response= is not a plain status code matches
	// when Regexp finds one in the status code as decimal text (Response
	// is 0 then; SIPp 3.7).
	Regexp *regexp.Regexp
	Auth   bool // auth="true": keep a 401/407's WWW-/Proxy-Authenticate challenge for [authentication]

	// 3PCC (KindSendCmd uses Message, KindRecvCmd Optional)
	Peer string // sendCmd dest= / recvCmd src=: the twin's name (-master/-slave, -slave_cfg); "" for -3pcc

	// transactions: indexes into Scenario.Transactions, or NoIndex
	StartTxn    int // send start_txn=: this request starts the transaction (its branch and CSeq identify it)
	AckTxn      int // send ack_txn=: this ACK acknowledges the transaction's final response (and answers its retransmissions)
	ResponseTxn int // recv response_txn=: only responses of that transaction match

	// common

	// MsgIndex is SIPp's message index: the count of non-label commands
	// before this one ([msg_index], <index>, <jump>, _unexp.retaddr). A
	// label's MsgIndex is that of the command after it.
	MsgIndex int
	// Actions run in order after the command's own work: after a send
	// (on the sent message), after a matching recv or recvCmd (on the
	// received message), when a pause starts, when a nop runs.
	Actions []Action
	// Test is test="var" (only with next=): next= is taken only when the
	// variable is set (see VarKind); NoVar: no test.
	Test VarID
	// Chance is chance= (only with next=): the probability, from 0 to 1,
	// that next= is taken (after Test); 1 without chance=.
	Chance float64
	// CondExec is condexec="var": the command runs only when the
	// variable is set (not set with CondExecInverse), otherwise the call
	// moves on to the next command at once; NoVar: always runs.
	CondExec        VarID
	CondExecInverse bool
	// Lost is lost="percent" (0 to 100): the probability that this
	// message is dropped (a send is not sent, a received message is
	// ignored); -1 without lost= (the -lost option applies).
	Lost float64

	// common
	Label string // label id (KindLabel)
	Next  int    // next="label" resolved, or NoIndex
	Crlf  bool   // crlf attribute present (any value, as in SIPp): blank line in the screen
	// StartRTD is start_rtd="name" ("true" means "1"): index into
	// Scenario.RTDNames, or NoIndex. Every RTD also starts when the call
	// starts, so an rtd= without start_rtd= measures from call start.
	StartRTD  int
	StopRTD   int    // rtd="name" ("true" means "1"): index into Scenario.RTDNames, or NoIndex
	RepeatRTD bool   // repeat_rtd="true": stop the RTD every time, not only the first
	Counter   string // counter="name"
	Display   string // display text on the scenario screen
	Hide      bool   // hide="true" (or hiderest="true" earlier): not on the screen
	IgnoreSDP bool   // ignoresdp="true": do not use this message's SDP for media
}

// AcceptsResponseMethod reports whether a response recv accepts a
// response whose CSeq method is method, by SIPp's rule: any method when
// the recv is the scenario's first command, otherwise method must occur
// in ResponseMethodList (a substring test, as SIPp does it). It does not
// look at the status code.
func (c *Command) AcceptsResponseMethod(method string) bool {
	if c.ResponseAnyMethod {
		return true
	}
	return c.ResponseMethodList != "" && strings.Contains(c.ResponseMethodList, method)
}

// AcceptsResponseMethodBytes is AcceptsResponseMethod for a method still
// in a received message's buffer; it does not allocate.
func (c *Command) AcceptsResponseMethodBytes(method []byte) bool {
	if c.ResponseAnyMethod {
		return true
	}
	list := c.ResponseMethodList
	if list == "" {
		return false
	}
	for i := 0; i+len(method) <= len(list); i++ {
		if list[i:i+len(method)] == string(method) {
			return true
		}
	}
	return false
}

// SkipLabels returns the index of the first command at or after i that is
// not a label, or len(s.Commands). SIPp's labels are positions, not
// commands: where it looks at "the next message" (the ACK after a recv, a
// jump to a label at the end of the scenario), use this.
func (s *Scenario) SkipLabels(i int) int {
	if i < 0 {
		i = 0
	}
	for i < len(s.Commands) && s.Commands[i].Kind == KindLabel {
		i++
	}
	return i
}
