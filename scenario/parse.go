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
		file:       source,
		opts:       o,
		sc:         &Scenario{Source: source, UnexpectedJump: NoIndex},
		labels:     map[string]int{},
		rtdIndex:   map[string]int{},
		rtdStarted: map[string]int{},
		rtdStopped: map[string]bool{},
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
}

// parser holds the state of one Parse call.
type parser struct {
	file string
	opts Options
	dec  *xml.Decoder
	data []byte // the input as the decoder reads it (UTF-8)
	sc   *Scenario

	labels     map[string]int // label id → command index
	refs       []labelRef
	rtdIndex   map[string]int  // RTD name → index into RTDNames
	rtdStarted map[string]int  // RTD name → line of its first start_rtd
	rtdStopped map[string]bool // RTD name → some rtd= stops it

	// methodList is SIPp's concatenation of the methods of the requests
	// sent so far; methods is the same list without repeats.
	methodList string
	methods    []string

	lastRecvOptional bool // the previous message element was an optional recv
	foundTimewait    bool
	hideDefault      bool // set by hiderest
	messages         int  // commands that are not labels
	rootLine         int
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
	for {
		tok, line, err := p.token()
		if err == io.EOF {
			return p.errorAt(line, ErrSyntax, "XML syntax error: unexpected EOF (no </scenario>)")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := p.element(t, line); err != nil {
				return err
			}
		}
	}
}

// notYet lists the elements SIPp has that gossip does not implement yet.
var notYet = map[string]bool{
	"action": true, "sendCmd": true, "recvCmd": true, "init": true,
	"Global": true, "User": true, "Reference": true, "DefaultMessage": true,
}

func (p *parser) unknownElement(name string, line int) error {
	if notYet[name] {
		return p.errorAt(line, ErrUnsupported, fmt.Sprintf("element <%s> is not supported yet", name))
	}
	return p.errorAt(line, ErrUnknownElement, fmt.Sprintf("unknown element <%s>", name))
}

// newCommand returns a command with every index field at NoIndex.
func newCommand(k Kind, line int) Command {
	return Command{Kind: k, Line: line, Next: NoIndex, OnTimeout: NoIndex, StartRTD: NoIndex, StopRTD: NoIndex}
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
	case "label":
		id, err := a.required("id")
		if err != nil {
			return err
		}
		if _, dup := p.labels[id]; dup {
			return p.errorAt(line, ErrInvalid, fmt.Sprintf("label %q is defined twice", id))
		}
		p.labels[id] = len(p.sc.Commands)
		cmd := newCommand(KindLabel, line)
		cmd.Label = id
		p.sc.Commands = append(p.sc.Commands, cmd)
		a.warnUnused()
		return p.skipContent()
	case "send", "recv", "pause", "timewait", "nop":
	default:
		return p.unknownElement(name, line)
	}

	// A message element: it becomes a command SIPp counts as a message.
	if p.foundTimewait {
		return p.errorAt(line, ErrInvalid, "<timewait> must be the last message of the scenario")
	}
	cmd := newCommand(0, line)
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
	}
	if err != nil {
		return err
	}
	if cmd.Kind != KindSend {
		// <send> reads its content itself; the others hold at most an
		// <action>, which is not supported yet.
		if err := p.skipContent(); err != nil {
			return err
		}
	}
	if err := p.common(&cmd, a); err != nil {
		return err
	}
	a.warnUnused()
	p.sc.Commands = append(p.sc.Commands, cmd)
	p.messages++
	return nil
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
	for {
		tok, line, err := p.token()
		if err == io.EOF {
			return p.errorAt(line, ErrSyntax, "XML syntax error: unexpected EOF")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			return p.unknownElement(elementName(t.Name), line)
		}
	}
}

// messageText reads the content of a <send> up to its end tag: the first
// CDATA section, or, when there is none, the text. It returns the text and
// the line it starts on.
func (p *parser) messageText() (string, int, bool, error) {
	var cdata, text strings.Builder
	var cdataLine, textLine int
	haveCDATA := false
	for {
		start := p.dec.InputOffset()
		tok, line, err := p.token()
		if err == io.EOF {
			return "", 0, false, p.errorAt(line, ErrSyntax, "XML syntax error: unexpected EOF")
		}
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
			return "", 0, false, p.unknownElement(elementName(t.Name), line)
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
	text, line, ok, err := p.messageText()
	if err != nil {
		return err
	}
	if !ok {
		return p.errorAt(cmd.Line, ErrSyntax, "<send> has no message (put it in a CDATA section)")
	}
	t, err := compileMessage(text, line, p.file, p.opts.Keys)
	if err != nil {
		return err
	}
	cmd.Message = t
	cmd.IsAck = t.Method == "ACK"
	cmd.IsInvite = t.Method == "INVITE"
	cmd.IsCancel = t.Method == "CANCEL"

	if t.Status == 0 {
		if a.has("start_txn") {
			return a.unsupported("start_txn")
		}
		if a.has("ack_txn") {
			return a.unsupported("ack_txn")
		}
		p.methodList += t.Method
		if !slices.Contains(p.methods, t.Method) {
			p.methods = append(p.methods, t.Method)
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

func (p *parser) recv(cmd *Command, a *attrs) error {
	cmd.Kind = KindRecv
	resp, isResp := a.get("response")
	req, isReq := a.get("request")
	switch {
	case isResp && isReq:
		return a.errorf(ErrBadAttribute, "<recv> has both request and response; use one")
	case !isResp && !isReq:
		return a.errorf(ErrBadAttribute, "<recv> needs a request or a response attribute")
	case isResp:
		code, err := strconv.Atoi(strings.TrimSpace(resp))
		if err != nil || code < 100 || code > 699 {
			return a.bad("response", resp, "not a status code (100-699)")
		}
		cmd.Response = code
		cmd.ResponseMethods = slices.Clone(p.methods)
		cmd.ResponseMethodList = p.methodList
		cmd.ResponseAnyMethod = p.messages == 0
		if a.has("response_txn") {
			return a.unsupported("response_txn")
		}
	default:
		if req == "" {
			return a.bad("request", req, "empty method")
		}
		cmd.Request = req
		if a.has("response_txn") {
			return a.errorf(ErrBadAttribute, "response_txn is only for response <recv>")
		}
	}

	opt, _ := a.get("optional")
	switch opt {
	case "", "false":
		if a.has("optional") && opt == "" {
			return a.bad("optional", opt, `want "true", "false" or "global"`)
		}
	case "true":
		cmd.Optional = true
	case "global":
		return a.errorf(ErrUnsupported, `optional="global" on <recv> is not supported yet`)
	default:
		return a.bad("optional", opt, `want "true", "false" or "global"`)
	}
	p.lastRecvOptional = cmd.Optional

	adv, err := a.boolean("advance_state", true)
	if err != nil {
		return err
	}
	if !adv {
		if !cmd.Optional {
			return a.errorf(ErrBadAttribute, `advance_state="false" is only allowed on optional <recv>`)
		}
		return a.unsupported("advance_state")
	}
	if v, ok := a.get("regexp_match"); ok && v == "true" {
		return a.unsupported("regexp_match")
	}
	if cmd.Timeout, err = a.millis("timeout"); err != nil {
		return err
	}
	if cmd.RRS, err = a.boolean("rrs", false); err != nil {
		return err
	}
	auth, err := a.boolean("auth", false)
	if err != nil {
		return err
	}
	if auth {
		return a.unsupported("auth")
	}
	return nil
}

// pauseDistributions are the attributes that make SIPp pick a random
// pause distribution (old style, without distribution=).
var pauseDistributions = []string{"normal", "exponential", "lognormal", "weibull", "pareto", "gamma", "min", "max"}

func (p *parser) pause(cmd *Command, a *attrs) error {
	cmd.Kind = KindPause
	if err := p.checkOptionalRecv(a.elem, cmd.Line); err != nil {
		return err
	}
	if a.elem == "timewait" {
		cmd.Timewait = true
		p.foundTimewait = true
	}
	if a.has("variable") {
		return a.unsupported("variable")
	}
	ms, found := 0.0, false
	if dist, ok := a.get("distribution"); ok {
		switch dist {
		case "fixed":
			v, err := a.required("value")
			if err != nil {
				return err
			}
			f, err := cDouble(v)
			if err != nil {
				return a.bad("value", v, err.Error())
			}
			ms, found = f, true
		case "uniform", "normal", "lognormal", "exponential", "weibull", "pareto", "gpareto", "gamma", "negbin":
			return a.errorf(ErrUnsupported, "distribution=%q on <%s> is not supported yet", dist, a.elem)
		default:
			return a.bad("distribution", dist, "unknown distribution")
		}
	} else {
		for _, d := range pauseDistributions {
			if a.has(d) {
				return a.unsupported(d)
			}
		}
		f, ok, err := a.float("milliseconds")
		if err != nil {
			return err
		}
		ms, found = f, ok
	}
	if _, err := a.boolean("sanity_check", true); err != nil {
		return err
	}
	if !found {
		cmd.PauseFromFlag = true
		return nil
	}
	if ms < 0 || ms > maxMillis {
		name := "milliseconds"
		if a.index("distribution") >= 0 {
			name = "value"
		}
		v, _ := a.get(name)
		return a.bad(name, v, "out of range")
	}
	// SIPp waits whole milliseconds.
	cmd.Pause = time.Duration(math.Trunc(ms)) * time.Millisecond
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

	lost, ok, err := a.float("lost")
	if err != nil {
		return err
	}
	if ok && lost != 0 {
		return a.unsupported("lost")
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
	if a.has("condexec") {
		return a.unsupported("condexec")
	}
	inv, err := a.boolean("condexec_inverse", false)
	if err != nil {
		return err
	}
	if inv {
		return a.unsupported("condexec_inverse")
	}

	idx := len(p.sc.Commands)
	if label, ok := a.get("next"); ok {
		if cmd.Timewait {
			return a.errorf(ErrInvalid, "next is not allowed on <timewait>")
		}
		if a.has("test") {
			return a.unsupported("test")
		}
		if a.has("chance") {
			return a.unsupported("chance")
		}
		p.refs = append(p.refs, labelRef{cmd: idx, attr: "next", label: label, line: cmd.Line})
	}
	if label, ok := a.get("ontimeout"); ok {
		if cmd.Timewait {
			return a.errorf(ErrInvalid, "ontimeout is not allowed on <timewait>")
		}
		p.refs = append(p.refs, labelRef{cmd: idx, attr: "ontimeout", label: label, line: cmd.Line, timeout: true})
	}
	return nil
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
	for _, r := range p.refs {
		i, ok := p.labels[r.label]
		if !ok {
			return p.errorAt(r.line, ErrUnknownLabel, fmt.Sprintf("%s=%q names a label that is not defined", r.attr, r.label))
		}
		if r.timeout {
			sc.Commands[r.cmd].OnTimeout = i
		} else {
			sc.Commands[r.cmd].Next = i
		}
	}
	for _, name := range sc.RTDNames {
		if line, started := p.rtdStarted[name]; started && !p.rtdStopped[name] {
			return p.errorAt(line, ErrInvalid, fmt.Sprintf("response time %q is started but never stopped (no rtd=%q)", name, name))
		}
	}
	if p.messages == 0 {
		return p.errorAt(p.rootLine, ErrInvalid, "the scenario has no commands (send, recv, pause, nop)")
	}
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
