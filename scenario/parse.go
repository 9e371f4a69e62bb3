package scenario

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Options changes how scenarios are loaded. The zero value is what Parse,
// Load and Builtin use.
type Options struct {
	// Keys are SIPp's -key values: in a message, [name] for a name that
	// is no built-in keyword renders as Keys[name], fixed at load time.
	Keys map[string]string
	// InjectionFiles are the -inf files in command-line order (paths or
	// base names). [fieldN file=NAME] must name one of them by base name,
	// as SIPp requires; [fieldN] without file= uses the first. With none,
	// a [fieldN] keyword is an error, as in SIPp.
	InjectionFiles []string
	// RxInjectionFiles are the -rxinf files: [fieldN file=NAME] may name
	// them, but [fieldN] without file= never reads them.
	RxInjectionFiles []string
	// Main is the main scenario when this one is a second scenario of
	// the same run (-oocsf): its <Global> and <User> variables are this
	// scenario's too, with the same slots, as SIPp shares them.
	Main *Scenario
}

// Parse loads a scenario from XML in SIPp's format. source names the data
// in errors and warnings (a file path, or "built-in NAME") and becomes
// Scenario.Source. Errors are *Error values naming source and line.
func Parse(data []byte, source string) (*Scenario, error) {
	return Options{}.Parse(data, source)
}

// Load reads and parses the scenario file at path. A file that cannot be
// read gives the wrapped os error (errors.Is(err, fs.ErrNotExist) works);
// everything else is as for Parse.
func Load(path string) (*Scenario, error) {
	return Options{}.Load(path)
}

// Load reads and parses the scenario file at path with these options.
func (o Options) Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return o.Parse(data, path)
}

// Parse loads a scenario from XML with these options; see the package
// function Parse.
func (o Options) Parse(data []byte, source string) (*Scenario, error) {
	p := &parser{
		file: source,
		opts: o,
		sc: &Scenario{Source: source, UnexpectedJump: NoIndex,
			UnexpectedRetAddr: NoVar, UnexpectedPausedAddr: NoVar},
		labels:     map[string]int{},
		initLabels: map[string]int{},
		rtdIndex:   map[string]int{},
		rtdStarted: map[string]int{},
		rtdStopped: map[string]bool{},
		txnIndex:   map[string]int{},
	}
	p.sc.Vars.init()
	if o.Main != nil {
		p.sc.Vars.inherit(&o.Main.Vars)
	}
	for i, f := range append(slices.Clone(o.InjectionFiles), o.RxInjectionFiles...) {
		if j := strings.LastIndexAny(f, `/\`); j >= 0 {
			f = f[j+1:]
		}
		p.inf = append(p.inf, f)
		if i == 0 && len(o.InjectionFiles) > 0 {
			p.infDefault = f
		}
	}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	return p.sc, nil
}

// labelRef is a next or ontimeout attribute waiting for its label.
type labelRef struct {
	cmd     int
	attr    string
	label   string
	line    int
	timeout bool
	init    bool // a command of <init>, whose labels are its own
}

// txnUse counts how a transaction is used, for SIPp's checks.
type txnUse struct {
	started, responses, acks int
	line                     int
}

// parser holds the state of one Parse call.
type parser struct {
	file string
	opts Options
	dec  *xml.Decoder
	data []byte // the input as the decoder reads it (UTF-8)
	sc   *Scenario
	inf  []string // -inf then -rxinf base names
	// infDefault is the file of [fieldN] without file=: the first -inf
	// file, or "" when there is none.
	infDefault string

	labels     map[string]int // label id → command index
	initLabels map[string]int // label id → index in Scenario.Init
	refs       []labelRef
	rtdIndex   map[string]int  // RTD name → index into RTDNames
	rtdStarted map[string]int  // RTD name → line of its first start_rtd
	rtdStopped map[string]bool // RTD name → some rtd= stops it
	txnIndex   map[string]int  // transaction name → index into Transactions
	txnUses    []txnUse

	// methodList is SIPp's concatenation of the methods of the requests
	// sent so far; methods is the same list without repeats.
	methodList string
	methods    []string

	lastRecvOptional bool // the previous message element was an optional recv
	foundTimewait    bool
	hideDefault      bool // set by hiderest
	inInit           bool // parsing the nops of <init>
	messages         int  // commands that are not labels
	rootLine         int
}

// compiler returns a template compiler for this scenario.
func (p *parser) compiler() compiler {
	return compiler{file: p.file, keys: p.opts.Keys, vars: &p.sc.Vars, inf: p.inf, infDefault: p.infDefault, checkInf: true, use: p.use}
}

// compileRaw compiles an attribute value as a template (see
// compiler.raw).
func (p *parser) compileRaw(text string, line int) (*Template, error) {
	return p.compiler().raw(text, line)
}

func (p *parser) warn(line int, msg string) {
	p.sc.Warnings = append(p.sc.Warnings, Warning{File: p.file, Line: line, Msg: msg})
}

func (p *parser) errorAt(line int, sentinel error, msg string) error {
	return &Error{File: p.file, Line: line, Msg: msg, Err: sentinel}
}

// token returns the next XML token and the line it starts on.
func (p *parser) token() (xml.Token, int, error) {
	line, _ := p.dec.InputPos()
	tok, err := p.dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, line, err
		}
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, se.Line, p.errorAt(se.Line, fmt.Errorf("%w: %w", ErrSyntax, err), "XML syntax error: "+se.Msg)
		}
		return nil, line, p.errorAt(line, fmt.Errorf("%w: %w", ErrSyntax, err), "XML error: "+err.Error())
	}
	return tok, line, nil
}

// elementName is an element's name as written (prefix:local).
func elementName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func (p *parser) parse(data []byte) error {
	data, err := p.toUTF8(data)
	if err != nil {
		return err
	}
	p.dec = xml.NewDecoder(bytes.NewReader(data))
	p.dec.Strict = true
	// toUTF8 already turned a Latin-1 file into UTF-8; every other label
	// is read as UTF-8, as SIPp's XML parser falls back to.
	p.dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }

	// Prolog: declaration, comments, DOCTYPE, then the root element.
	var root xml.StartElement
	for {
		tok, line, err := p.token()
		if err == io.EOF {
			return p.errorAt(line, ErrSyntax, "no <scenario> element")
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			p.rootLine = line
			break
		}
	}
	if name := elementName(root.Name); name != "scenario" {
		return p.errorAt(p.rootLine, ErrSyntax, fmt.Sprintf("root element is <%s>, want <scenario>", name))
	}
	a := newAttrs(p, "scenario", p.rootLine, root.Attr)
	p.sc.Name, _ = a.get("name")
	a.warnUnused()

	if err := p.body(); err != nil {
		return err
	}

	// Epilog: nothing but comments and blank space may follow.
	for {
		tok, line, err := p.token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return p.errorAt(line, ErrSyntax, fmt.Sprintf("element <%s> after </scenario>", elementName(se.Name)))
		}
	}
	return p.finish()
}

// body reads the children of <scenario> up to its end tag.
func (p *parser) body() error {
	return p.children("XML syntax error: unexpected EOF (no </scenario>)", p.element)
}

// unexpectedEOF is the message for input that ends inside an element.
const unexpectedEOF = "XML syntax error: unexpected EOF"

// innerToken returns the next token inside an element and the line it
// starts on, as token does, except that the end of the input is a syntax
// error with the message eof.
func (p *parser) innerToken(eof string) (xml.Token, int, error) {
	tok, line, err := p.token()
	if err == io.EOF {
		return nil, line, p.errorAt(line, ErrSyntax, eof)
	}
	return tok, line, err
}

// children reads the content of the current element up to its end tag
// and hands each child element to child, which must read that element up
// to its own end tag. Text and comments are skipped; input that ends
// first is a syntax error with the message eof.
func (p *parser) children(eof string, child func(se xml.StartElement, line int) error) error {
	for {
		tok, line, err := p.innerToken(eof)
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := child(t, line); err != nil {
				return err
			}
		}
	}
}

func (p *parser) unknownElement(name string, line int) error {
	return p.errorAt(line, ErrUnknownElement, fmt.Sprintf("unknown element <%s>", name))
}

// newCommand returns a command with every index field at NoIndex and
// every variable at NoVar.
func newCommand(k Kind, line int) Command {
	return Command{Kind: k, Line: line, Next: NoIndex, OnTimeout: NoIndex, StartRTD: NoIndex, StopRTD: NoIndex,
		MsgIndex: NoIndex, Test: NoVar, Chance: 1, CondExec: NoVar, Lost: -1,
		StartTxn: NoIndex, AckTxn: NoIndex, ResponseTxn: NoIndex, PauseVar: NoVar}
}

// element handles one child of <scenario>.
func (p *parser) element(se xml.StartElement, line int) error {
	name := elementName(se.Name)
	a := newAttrs(p, name, line, se.Attr)
	switch name {
	case "ResponseTimeRepartition", "CallLengthRepartition":
		v, err := a.required("value")
		if err != nil {
			return err
		}
		list, err := parseRepartition(v)
		if err != nil {
			return a.bad("value", v, err.Error())
		}
		if name == "ResponseTimeRepartition" {
			p.sc.RTDRepartition = list
			p.sc.RTDRepartitionCount = len(p.sc.RTDNames)
		} else {
			p.sc.CallLengthRepartition = list
		}
		a.warnUnused()
		return p.skipContent()
	case "Global", "User", "Reference":
		if err := p.declaration(a); err != nil {
			return err
		}
		a.warnUnused()
		return p.ignoreChildren(name)
	case "DefaultMessage":
		return p.defaultMessage(a)
	case "label":
		return p.label(a)
	case "init":
		a.warnUnused()
		return p.init(line)
	case "send", "recv", "pause", "timewait", "nop", "sendCmd", "recvCmd":
	default:
		return p.unknownElement(name, line)
	}

	// A message element: it becomes a command SIPp counts as a message.
	if p.foundTimewait {
		return p.errorAt(line, ErrInvalid, "<timewait> must be the last message of the scenario")
	}
	cmd := newCommand(0, line)
	cmd.MsgIndex = p.messages
	var err error
	switch name {
	case "send":
		err = p.send(&cmd, a)
	case "recv":
		err = p.recv(&cmd, a)
	case "pause", "timewait":
		err = p.pause(&cmd, a)
	case "nop":
		err = p.checkOptionalRecv(name, line)
		cmd.Kind = KindNop
	case "sendCmd":
		err = p.sendCmd(&cmd, a)
	case "recvCmd":
		err = p.recvCmd(&cmd, a)
	}
	if err != nil {
		return err
	}
	if err := p.finishCommand(&cmd, a); err != nil {
		return err
	}
	p.sc.Commands = append(p.sc.Commands, cmd)
	p.messages++
	return nil
}

// finishCommand reads what is left of a command element once its own
// handler is done: the content (<send> and <sendCmd> read theirs
// themselves; the others hold at most an <action>), then the attributes
// every message element accepts. Attributes nobody took become warnings.
func (p *parser) finishCommand(cmd *Command, a *attrs) error {
	if cmd.Kind != KindSend && cmd.Kind != KindSendCmd {
		if err := p.content(cmd); err != nil {
			return err
		}
	}
	if err := p.common(cmd, a); err != nil {
		return err
	}
	a.warnUnused()
	return nil
}

// label handles <label id=...> in the scenario or in <init>, up to its
// end tag.
func (p *parser) label(a *attrs) error {
	id, err := a.required("id")
	if err != nil {
		return err
	}
	labels, list := p.labels, &p.sc.Commands
	if p.inInit {
		labels, list = p.initLabels, &p.sc.Init
	}
	if _, dup := labels[id]; dup {
		return a.errorf(ErrInvalid, "label %q is defined twice", id)
	}
	labels[id] = len(*list)
	cmd := newCommand(KindLabel, a.line)
	cmd.Label = id
	if p.inInit {
		cmd.MsgIndex = len(p.sc.Init) - p.initLabelCount()
	} else {
		cmd.MsgIndex = p.messages
		if id == "_unexp.main" {
			p.use(FeatureUnexpectedJump, a.line, "")
		}
	}
	*list = append(*list, cmd)
	a.warnUnused()
	return p.skipContent()
}

func (p *parser) initLabelCount() int {
	n := 0
	for _, c := range p.sc.Init {
		if c.Kind == KindLabel {
			n++
		}
	}
	return n
}

// declaration handles <Global>, <User> and <Reference>.
func (p *parser) declaration(a *attrs) error {
	v, err := a.required("variables")
	if err != nil {
		return err
	}
	for _, name := range strings.Split(v, ",") {
		if name == "" {
			return a.bad("variables", v, "empty variable name")
		}
		warnBlanks(a, "variables", name)
		switch a.elem {
		case "Global":
			p.sc.Vars.declare(name, ScopeGlobal, a.line)
			p.use(FeatureGlobalVars, a.line, "")
		case "User":
			if p.sc.Vars.declare(name, ScopeUser, a.line); p.sc.Vars.List[p.sc.Vars.Resolve(name)].Scope == ScopeUser {
				p.use(FeatureUserVars, a.line, "")
			}
		case "Reference":
			id := p.sc.Vars.Resolve(name)
			if id == NoVar {
				return a.errorf(ErrInvalid, "<Reference> names variable %q, which nothing before it uses", name)
			}
			p.sc.Vars.List[id].Refs++
		}
	}
	return nil
}

// defaultMessages are the messages SIPp sends by itself that
// <DefaultMessage id=...> may replace.
var defaultMessages = []string{"3pcc_abort", "ack", "ack2", "bye", "cancel", "200"}

// defaultMessage handles <DefaultMessage id=...>.
func (p *parser) defaultMessage(a *attrs) error {
	id, err := a.required("id")
	if err != nil {
		return err
	}
	if !slices.Contains(defaultMessages, id) {
		return a.bad("id", id, "want one of "+strings.Join(defaultMessages, ", "))
	}
	a.warnUnused()
	var none Command
	text, line, ok, err := p.messageText(&none)
	if err != nil {
		return err
	}
	if len(none.Actions) > 0 {
		return p.errorAt(none.Actions[0].Line, ErrInvalid, "<DefaultMessage> cannot hold an <action>")
	}
	if !ok {
		return a.errorf(ErrSyntax, "<DefaultMessage> has no message (put it in a CDATA section)")
	}
	t, err := p.compiler().message(text, line, false, true)
	if err != nil {
		return err
	}
	if p.sc.DefaultMessages == nil {
		p.sc.DefaultMessages = map[string]*Template{}
	}
	p.sc.DefaultMessages[id] = t
	p.use(FeatureDefaultMessage, a.line, "")
	return nil
}

// init reads <init>: nops and labels run once, before the first call.
func (p *parser) init(line int) error {
	p.use(FeatureInit, line, "")
	p.inInit = true
	defer func() { p.inInit = false }()
	return p.children(unexpectedEOF, p.initElement)
}

// initElement handles one child of <init>.
func (p *parser) initElement(se xml.StartElement, line int) error {
	name := elementName(se.Name)
	a := newAttrs(p, name, line, se.Attr)
	switch name {
	case "label":
		return p.label(a)
	case "nop":
		cmd := newCommand(KindNop, line)
		cmd.MsgIndex = len(p.sc.Init) - p.initLabelCount()
		if err := p.finishCommand(&cmd, a); err != nil {
			return err
		}
		p.sc.Init = append(p.sc.Init, cmd)
		return nil
	default:
		return p.errorAt(line, ErrInvalid, fmt.Sprintf("<%s> is not allowed in <init>, which holds only <nop> and <label>", name))
	}
}

// checkOptionalRecv is SIPp's rule that an optional <recv> must be
// followed by another <recv> before anything else happens.
func (p *parser) checkOptionalRecv(elem string, line int) error {
	if p.lastRecvOptional {
		return p.errorAt(line, ErrInvalid, fmt.Sprintf("optional <recv> right before <%s>: a mandatory <recv> must come between them", elem))
	}
	return nil
}

// skipContent reads to the end of the current element. Text and comments
// are ignored, as SIPp does; child elements are errors.
func (p *parser) skipContent() error {
	return p.children(unexpectedEOF, func(se xml.StartElement, line int) error {
		return p.unknownElement(elementName(se.Name), line)
	})
}

// ignoreChildren reads to the end of the current element, warning about
// each child element: SIPp reads only the attributes of a declaration
// (an <action> inside <Global> does nothing there).
func (p *parser) ignoreChildren(elem string) error {
	return p.children(unexpectedEOF, func(se xml.StartElement, line int) error {
		p.warn(line, fmt.Sprintf("<%s> inside <%s> is ignored, as SIPp ignores it", elementName(se.Name), elem))
		return p.skipElement()
	})
}

// skipElement reads to the end of the current element, whatever it holds.
func (p *parser) skipElement() error {
	for depth := 1; depth > 0; {
		tok, _, err := p.innerToken(unexpectedEOF)
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
		}
	}
	return nil
}

// commandChild handles a child element of a command: an <action>, of
// which SIPp takes the first and ignores any other; anything else is an
// error. seen tells whether an <action> came before.
func (p *parser) commandChild(cmd *Command, se xml.StartElement, line int, seen *bool) error {
	if elementName(se.Name) != "action" {
		return p.unknownElement(elementName(se.Name), line)
	}
	a := newAttrs(p, "action", line, se.Attr)
	a.warnUnused()
	if *seen {
		p.warn(line, "a second <action> is ignored, as SIPp ignores it: put every action in the first one")
		return p.skipElement()
	}
	*seen = true
	acts, err := p.actions(line)
	if err != nil {
		return err
	}
	cmd.Actions = acts
	return nil
}

// content reads the content of a command without a message: text and
// comments are ignored, an <action> is parsed, anything else is an error.
func (p *parser) content(cmd *Command) error {
	seen := false
	return p.children(unexpectedEOF, func(se xml.StartElement, line int) error {
		return p.commandChild(cmd, se, line, &seen)
	})
}

// messageText reads the content of a <send> (or <sendCmd>,
// <DefaultMessage>) up to its end tag: the first CDATA section, or, when
// there is none, the text; an <action> goes into cmd. It returns the text
// and the line it starts on.
func (p *parser) messageText(cmd *Command) (string, int, bool, error) {
	var cdata, text strings.Builder
	var cdataLine, textLine int
	haveCDATA, seen := false, false
	for {
		start := p.dec.InputOffset()
		tok, line, err := p.innerToken(unexpectedEOF)
		if err != nil {
			return "", 0, false, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if haveCDATA {
				return cdata.String(), cdataLine, true, nil
			}
			return text.String(), textLine, strings.TrimSpace(text.String()) != "", nil
		case xml.StartElement:
			if err := p.commandChild(cmd, t, line, &seen); err != nil {
				return "", 0, false, err
			}
		case xml.CharData:
			if p.isCDATA(start) {
				if !haveCDATA {
					haveCDATA = true
					cdataLine = line
					cdata.Write(t)
				}
				continue
			}
			if text.Len() == 0 {
				textLine = line
			}
			text.Write(t)
		}
	}
}

// sentMessage reads the content of <send> or <sendCmd> (see messageText)
// and compiles its message; keepFinalNL and sanity are as for
// compiler.message. An element without a message is an error.
func (p *parser) sentMessage(cmd *Command, elem string, keepFinalNL, sanity bool) (*Template, error) {
	text, line, ok, err := p.messageText(cmd)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, p.errorAt(cmd.Line, ErrSyntax, "<"+elem+"> has no message (put it in a CDATA section)")
	}
	return p.compiler().message(text, line, keepFinalNL, sanity)
}

// isCDATA reports whether the token at offset off of the input starts a
// CDATA section.
func (p *parser) isCDATA(off int64) bool {
	return off >= 0 && off < int64(len(p.data)) && bytes.HasPrefix(p.data[off:], []byte("<![CDATA["))
}

func (p *parser) send(cmd *Command, a *attrs) error {
	cmd.Kind = KindSend
	if err := p.checkOptionalRecv("send", cmd.Line); err != nil {
		return err
	}
	t, err := p.sentMessage(cmd, a.elem, true, true)
	if err != nil {
		return err
	}
	cmd.Message = t
	cmd.IsAck = t.Method == "ACK"
	cmd.IsInvite = t.Method == "INVITE"
	cmd.IsCancel = t.Method == "CANCEL"

	if t.Status == 0 {
		if v, ok := a.get("start_txn"); ok {
			if cmd.IsAck {
				return a.errorf(ErrBadAttribute, "an ACK cannot start a transaction (start_txn)")
			}
			if cmd.StartTxn, err = p.txn(a, "start_txn", v, cmd.IsInvite, false); err != nil {
				return err
			}
			a.ignore("ack_txn", "start_txn takes precedence, as in SIPp")
		} else if v, ok := a.get("ack_txn"); ok {
			if !cmd.IsAck {
				return a.errorf(ErrBadAttribute, "ack_txn is only for ACK messages")
			}
			if cmd.AckTxn, err = p.txn(a, "ack_txn", v, false, true); err != nil {
				return err
			}
		} else {
			// Requests of a named transaction do not enter the method
			// list that response <recv>s match by CSeq method.
			p.methodList += t.Method
			if !slices.Contains(p.methods, t.Method) {
				p.methods = append(p.methods, t.Method)
			}
		}
	} else {
		if a.has("start_txn") {
			return a.errorf(ErrBadAttribute, "a response cannot start a transaction (start_txn)")
		}
		if a.has("ack_txn") {
			return a.errorf(ErrBadAttribute, "a response cannot acknowledge a transaction (ack_txn)")
		}
	}
	if a.has("response_txn") {
		return a.errorf(ErrBadAttribute, "response_txn is only for <recv>")
	}
	if cmd.Retrans, err = a.millis("retrans"); err != nil {
		return err
	}
	if cmd.SendTimeout, err = a.millis("timeout"); err != nil {
		return err
	}
	return nil
}

// txn maps a transaction name to its index as SIPp's get_txn does,
// counting how the transaction is used for the checks in finish.
func (p *parser) txn(a *attrs, attr, name string, invite, ack bool) (int, error) {
	if name == "" || strings.ContainsAny(name, "$,") {
		return NoIndex, a.bad(attr, name, "a transaction name must be non-empty and hold no '$' or ','")
	}
	p.use(FeatureTransactions, a.line, "")
	i, ok := p.txnIndex[name]
	if !ok {
		i = len(p.sc.Transactions)
		p.txnIndex[name] = i
		p.sc.Transactions = append(p.sc.Transactions, Transaction{Name: name})
		p.txnUses = append(p.txnUses, txnUse{line: a.line})
	}
	u := &p.txnUses[i]
	switch {
	case attr == "start_txn":
		if u.started == 0 {
			p.sc.Transactions[i].Invite = invite
		}
		u.started++
	case ack:
		u.acks++
	default:
		u.responses++
	}
	return i, nil
}

func (p *parser) recv(cmd *Command, a *attrs) error {
	cmd.Kind = KindRecv
	resp, isResp := a.get("response")
	req, isReq := a.get("request")
	rm, _ := a.get("regexp_match")
	regexpMatch := rm == "true"
	switch {
	case isResp && isReq:
		return a.errorf(ErrBadAttribute, "<recv> has both request and response; use one")
	case !isResp && !isReq:
		return a.errorf(ErrBadAttribute, "<recv> needs a request or a response attribute")
	case isResp:
		code, err := strconv.Atoi(strings.TrimSpace(resp))
		switch {
		case err == nil && code >= 100 && code <= 699:
			cmd.Response = code
		case regexpMatch:
			// SIPp 3.7 matches the status code as text against the
			// expression; the recv is a response recv with Response 0.
			if cmd.Regexp, err = p.regexp(a, "response", resp); err != nil {
				return err
			}
			p.use(FeatureRegexpMatch, a.line, "")
		default:
			return a.bad("response", resp, "not a status code (100-699)")
		}
		cmd.ResponseMethods = slices.Clone(p.methods)
		cmd.ResponseMethodList = p.methodList
		cmd.ResponseAnyMethod = p.messages == 0
		if v, ok := a.get("response_txn"); ok {
			if cmd.ResponseTxn, err = p.txn(a, "response_txn", v, false, false); err != nil {
				return err
			}
		}
	default:
		if req == "" {
			return a.bad("request", req, "empty method")
		}
		cmd.Request = req
		if a.has("response_txn") {
			return a.errorf(ErrBadAttribute, "response_txn is only for response <recv>")
		}
		if regexpMatch {
			var err error
			if cmd.Regexp, err = p.regexp(a, "request", req); err != nil {
				return err
			}
			p.use(FeatureRegexpMatch, a.line, "")
		}
	}
	if err := p.optional(cmd, a); err != nil {
		return err
	}

	adv, err := a.boolean("advance_state", true)
	if err != nil {
		return err
	}
	if !adv {
		if !cmd.Optional {
			return a.errorf(ErrBadAttribute, `advance_state="false" is only allowed on optional <recv>`)
		}
		cmd.NoAdvanceState = true
		p.use(FeatureNoAdvanceState, a.line, "")
	}
	if cmd.Timeout, err = a.millis("timeout"); err != nil {
		return err
	}
	if cmd.RRS, err = a.boolean("rrs", false); err != nil {
		return err
	}
	if cmd.Auth, err = a.boolean("auth", false); err != nil {
		return err
	}
	if cmd.Auth {
		p.use(FeatureAuth, a.line, "")
	}
	return nil
}

// optional reads optional= of <recv> and <recvCmd>.
func (p *parser) optional(cmd *Command, a *attrs) error {
	opt, ok := a.get("optional")
	switch {
	case !ok || opt == "false":
	case opt == "true":
		cmd.Optional = true
	case opt == "global":
		cmd.Optional, cmd.OptionalGlobal = true, true
		p.use(FeatureOptionalGlobal, a.line, "")
	default:
		return a.bad("optional", opt, `want "true", "false" or "global"`)
	}
	p.lastRecvOptional = cmd.Optional
	return nil
}

// sendCmd reads <sendCmd>: a 3PCC command to the twin instance.
func (p *parser) sendCmd(cmd *Command, a *attrs) error {
	cmd.Kind = KindSendCmd
	if err := p.checkOptionalRecv(a.elem, cmd.Line); err != nil {
		return err
	}
	cmd.Peer, _ = a.get("dest")
	var err error
	if cmd.Message, err = p.sentMessage(cmd, a.elem, false, false); err != nil {
		return err
	}
	p.use(FeatureSendCmd, cmd.Line, "")
	return nil
}

// recvCmd reads <recvCmd>: wait for a 3PCC command from the twin.
func (p *parser) recvCmd(cmd *Command, a *attrs) error {
	cmd.Kind = KindRecvCmd
	if err := p.optional(cmd, a); err != nil {
		return err
	}
	cmd.Peer, _ = a.get("src")
	p.use(FeatureRecvCmd, cmd.Line, "")
	return nil
}

func (p *parser) pause(cmd *Command, a *attrs) error {
	cmd.Kind = KindPause
	if err := p.checkOptionalRecv(a.elem, cmd.Line); err != nil {
		return err
	}
	if a.elem == "timewait" {
		cmd.Timewait = true
		p.foundTimewait = true
	}
	var err error
	if cmd.PauseVar, err = p.readVarAttr(a, "variable", FeaturePauseVariable); err != nil {
		return err
	}
	if cmd.PauseVar != NoVar {
		for _, n := range []string{"distribution", "milliseconds", "sanity_check"} {
			a.ignore(n, "variable= gives the pause duration")
		}
		return nil
	}
	d, err := p.distribution(a, true)
	if err != nil {
		return err
	}
	sanity, err := a.boolean("sanity_check", true)
	if err != nil {
		return err
	}
	switch {
	case d == nil:
		cmd.PauseFromFlag = true
	case d.Kind == DistFixed:
		if d.Value < 0 || d.Value > maxMillis {
			name := "milliseconds"
			if a.index("distribution") >= 0 {
				name = "value"
			}
			v, _ := a.get(name)
			return a.bad(name, v, "out of range")
		}
		// SIPp waits whole milliseconds.
		cmd.Pause = time.Duration(math.Trunc(d.Value)) * time.Millisecond
	default:
		if q := d.Quantile(0.99); sanity && !(q <= maxMillis) {
			return a.errorf(ErrBadAttribute, "the distribution %s on <%s> has a 99th percentile of %.0f ms, above 2^31-1 ms (choose other parameters, or sanity_check=\"false\")", d, a.elem, q)
		}
		cmd.PauseDist = d
		p.use(FeaturePauseDistribution, a.line, "pause distribution="+d.Kind.String())
	}
	return nil
}

// common reads the attributes SIPp accepts on every message element.
func (p *parser) common(cmd *Command, a *attrs) error {
	// Response time bookkeeping, rtd before start_rtd as in SIPp: the
	// order decides the RTD numbering.
	if v, ok := a.get("rtd"); ok {
		cmd.StopRTD = p.rtd(v, false, cmd.Line)
	}
	if a.index("repeat_rtd") >= 0 {
		if cmd.StopRTD == NoIndex {
			a.has("repeat_rtd")
			return a.errorf(ErrBadAttribute, "repeat_rtd without rtd on <%s>", a.elem)
		}
		b, err := a.boolean("repeat_rtd", false)
		if err != nil {
			return err
		}
		cmd.RepeatRTD = b
	}
	if v, ok := a.get("start_rtd"); ok {
		cmd.StartRTD = p.rtd(v, true, cmd.Line)
	}
	if v, ok := a.get("counter"); ok {
		if v == "" || strings.ContainsAny(v, "$,") {
			return a.bad("counter", v, "a counter name must be non-empty and hold no '$' or ','")
		}
		cmd.Counter = v
	}

	lost, ok, err := a.floatUpTo("lost", 100, "a percentage from 0 to 100")
	if err != nil {
		return err
	}
	if ok {
		cmd.Lost = lost
		p.use(FeatureLost, a.line, "")
	}
	if v, ok := a.get("crlf"); ok {
		// SIPp looks only at the attribute's presence.
		cmd.Crlf = true
		if b, err := cBool(v); err == nil && !b && v != "" {
			p.warn(cmd.Line, fmt.Sprintf("crlf=%q on <%s> still adds a blank line: only the attribute's presence counts", v, a.elem))
		}
	}
	if cmd.IgnoreSDP, err = a.boolean("ignoresdp", false); err != nil {
		return err
	}
	if a.index("hiderest") >= 0 {
		if p.hideDefault, err = a.boolean("hiderest", false); err != nil {
			return err
		}
	}
	if cmd.Hide, err = a.boolean("hide", p.hideDefault); err != nil {
		return err
	}
	cmd.Display, _ = a.get("display")
	if cmd.CondExec, err = p.readVarAttr(a, "condexec", FeatureCondExec); err != nil {
		return err
	}
	if cmd.CondExecInverse, err = a.boolean("condexec_inverse", false); err != nil {
		return err
	}
	if cmd.CondExecInverse && cmd.CondExec == NoVar {
		p.warn(cmd.Line, fmt.Sprintf("condexec_inverse on <%s> has no effect without condexec", a.elem))
	}

	idx, init := len(p.sc.Commands), p.inInit
	if init {
		idx = len(p.sc.Init)
	}
	if label, ok := a.get("next"); ok {
		if cmd.Timewait {
			return a.errorf(ErrInvalid, "next is not allowed on <timewait>")
		}
		if cmd.Test, err = p.readVarAttr(a, "test", FeatureTest); err != nil {
			return err
		}
		chance, hasChance, err := a.floatUpTo("chance", 1, "a probability from 0 to 1")
		if err != nil {
			return err
		}
		if hasChance {
			cmd.Chance = chance
			p.use(FeatureChance, a.line, "")
		}
		p.refs = append(p.refs, labelRef{cmd: idx, attr: "next", label: label, line: cmd.Line, init: init})
	} else {
		a.ignore("test", "it only applies with next=")
		a.ignore("chance", "it only applies with next=")
	}
	if label, ok := a.get("ontimeout"); ok {
		if cmd.Timewait {
			return a.errorf(ErrInvalid, "ontimeout is not allowed on <timewait>")
		}
		p.refs = append(p.refs, labelRef{cmd: idx, attr: "ontimeout", label: label, line: cmd.Line, timeout: true, init: init})
	}
	return nil
}

// readVarAttr reads an optional attribute naming a variable that the
// command reads (variable=, condexec=, test=) and notes the feature f
// when the attribute is there. It returns NoVar when it is absent.
func (p *parser) readVarAttr(a *attrs, attr string, f Feature) (VarID, error) {
	v, ok := a.get(attr)
	if !ok {
		return NoVar, nil
	}
	id, err := p.varRef(a, attr, v, accRead)
	if err != nil {
		return NoVar, err
	}
	p.use(f, a.line, "")
	return id, nil
}

// rtd maps an rtd or start_rtd value to an RTDNames index as SIPp's
// get_rtd does: "false" is none, "true" is the RTD named "1", anything
// else is a name.
func (p *parser) rtd(v string, start bool, line int) int {
	switch v {
	case "false":
		return NoIndex
	case "true":
		v = "1"
	}
	i, ok := p.rtdIndex[v]
	if !ok {
		i = len(p.sc.RTDNames)
		p.rtdIndex[v] = i
		p.sc.RTDNames = append(p.sc.RTDNames, v)
	}
	if start {
		if _, seen := p.rtdStarted[v]; !seen {
			p.rtdStarted[v] = line
		}
	} else {
		p.rtdStopped[v] = true
	}
	return i
}

// finish resolves labels and checks the rules that span the scenario.
func (p *parser) finish() error {
	sc := p.sc
	if i, ok := p.labels["_unexp.main"]; ok {
		sc.UnexpectedJump = i
	}
	sc.UnexpectedRetAddr = sc.Vars.Resolve("_unexp.retaddr")
	sc.UnexpectedPausedAddr = sc.Vars.Resolve("_unexp.pausedaddr")
	for _, r := range p.refs {
		labels, cmds := p.labels, sc.Commands
		if r.init {
			labels, cmds = p.initLabels, sc.Init
		}
		i, ok := labels[r.label]
		if !ok {
			where := ""
			if r.init {
				where = " in <init>"
			}
			return p.errorAt(r.line, ErrUnknownLabel, fmt.Sprintf("%s=%q names a label that is not defined%s", r.attr, r.label, where))
		}
		if r.timeout {
			cmds[r.cmd].OnTimeout = i
		} else {
			cmds[r.cmd].Next = i
		}
	}
	for _, name := range sc.RTDNames {
		if line, started := p.rtdStarted[name]; started && !p.rtdStopped[name] {
			return p.errorAt(line, ErrInvalid, fmt.Sprintf("response time %q is started but never stopped (no rtd=%q)", name, name))
		}
	}
	for i, t := range sc.Transactions {
		u := p.txnUses[i]
		var why string
		switch {
		case u.started == 0:
			why = "is never started (no start_txn)"
		case u.responses == 0:
			why = "has no response_txn <recv>"
		case t.Invite && u.acks == 0:
			why = "is an INVITE transaction without an ack_txn ACK"
		case !t.Invite && u.acks > 0:
			why = "is not an INVITE transaction but has an ack_txn ACK"
		}
		if why != "" {
			return p.errorAt(u.line, ErrInvalid, fmt.Sprintf("transaction %q %s", t.Name, why))
		}
	}
	if p.messages == 0 {
		return p.errorAt(p.rootLine, ErrInvalid, "the scenario has no commands (send, recv, pause, nop)")
	}
	for i, c := range sc.Commands {
		if c.Kind != KindLabel {
			sc.MsgCommands = append(sc.MsgCommands, i)
		}
	}
	for _, w := range sc.Vars.validate() {
		p.warn(w.Line, w.Msg)
	}
	slices.SortStableFunc(sc.Uses, func(a, b FeatureUse) int { return a.Line - b.Line })
	p.checkJumps(sc.Init, len(p.sc.Init)-p.initLabelCount())
	p.checkJumps(sc.Commands, len(sc.MsgCommands))
	p.modes()
	for _, c := range sc.Commands {
		switch c.Kind {
		case KindSend:
			sc.Mode = ModeClient
			return nil
		case KindRecv:
			sc.Mode = ModeServer
			return nil
		}
	}
	return p.errorAt(p.rootLine, ErrInvalid, "the scenario has no <send> or <recv>, so it is neither client nor server")
}

// checkJumps warns about <jump value=...> outside the scenario: SIPp
// stops with an error when such a jump runs.
func (p *parser) checkJumps(cmds []Command, messages int) {
	for _, c := range cmds {
		for _, a := range c.Actions {
			if a.Kind == ActionJump && a.Var == NoVar && (a.Value < 0 || int(a.Value) > messages) {
				p.warn(a.Line, fmt.Sprintf("<jump value=\"%g\"> is outside the scenario's messages (0 to %d): SIPp stops the run when it executes it", a.Value, messages))
			}
		}
	}
}

// modes works out SIPp's creation mode and 3PCC role from the order of
// the commands (SIPp's computeSippMode, without the command line).
func (p *parser) modes() {
	sc := p.sc
	creation, set := ModeClient, false
	sendCmd, recvCmd := false, false
	for _, c := range sc.Commands {
		switch c.Kind {
		case KindSend:
			if !set {
				creation, set = ModeClient, true
			}
		case KindRecv:
			if !set {
				creation, set = ModeServer, true
			}
		case KindSendCmd:
			sendCmd = true
			if !set {
				creation, set = ModeClient, true
			}
			if !recvCmd {
				if creation == ModeServer {
					sc.ThirdPCC = ThirdPCCAPassive
				} else {
					sc.ThirdPCC = ThirdPCCControllerA
				}
			}
		case KindRecvCmd:
			recvCmd = true
			if !set {
				creation, set = ModeServer, true
			}
			if !sendCmd {
				sc.ThirdPCC = ThirdPCCControllerB
			}
		}
	}
	sc.Creation = creation
}

// parseRepartition reads a ResponseTimeRepartition or CallLengthRepartition
// value: comma separated non-negative integers (blanks allowed around
// them), returned sorted as SIPp sorts them.
func parseRepartition(v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		f = strings.Trim(f, " \t")
		if f == "" {
			return nil, errors.New("want comma separated integers")
		}
		for i := 0; i < len(f); i++ {
			if !isDigit(f[i]) {
				return nil, errors.New("want comma separated integers")
			}
		}
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s is out of range", f)
		}
		out = append(out, int(n))
	}
	slices.Sort(out)
	return out, nil
}

// toUTF8 prepares the input: it drops a UTF-8 byte order mark and, when
// the XML declaration names Latin-1, converts the bytes to UTF-8 (SIPp's
// XML parser does the same). Other declared encodings are read as UTF-8.
func (p *parser) toUTF8(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	enc := declaredEncoding(data)
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819":
		// A file that is valid UTF-8 is kept as it is, whatever it
		// declares: scenarios are often saved as UTF-8 under a Latin-1
		// declaration copied from SIPp's examples.
		if !utf8.Valid(data) {
			buf := make([]byte, 0, len(data)+len(data)/8)
			for _, b := range data {
				buf = utf8.AppendRune(buf, rune(b))
			}
			data = buf
		}
	default:
		p.warn(1, fmt.Sprintf("encoding %q is not supported; the file is read as UTF-8", enc))
	}
	data = lenientXML(data)
	p.data = data
	return data, nil
}

// declaredEncoding returns the encoding named by a leading <?xml ...?>
// declaration, or "".
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(data[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := strings.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return rest[1 : 1+j]
}
