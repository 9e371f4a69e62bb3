package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gossip-sip/gossip/sipfast"
)

// maxKeywordLen is the longest keyword text SIPp accepts between brackets.
const maxKeywordLen = 256

// simpleKeywords maps SIPp's keywords without parameters to their ops.
// They are matched exactly, before the prefixed keywords (so
// [last_Request_URI] and [last_cseq_number] are these, not header
// lookups).
var simpleKeywords = map[string]OpKind{
	"service":          OpService,
	"remote_ip":        OpRemoteIP,
	"remote_port":      OpRemotePort,
	"local_ip":         OpLocalIP,
	"local_ip_type":    OpLocalIPType,
	"local_port":       OpLocalPort,
	"transport":        OpTransport,
	"media_ip":         OpMediaIP,
	"media_ip_type":    OpMediaIPType,
	"media_port":       OpMediaPort,
	"call_number":      OpCallNumber,
	"call_id":          OpCallID,
	"cseq":             OpCSeq,
	"pid":              OpPID,
	"branch":           OpBranch,
	"len":              OpLen,
	"peer_tag_param":   OpPeerTagParam,
	"routes":           OpRoutes,
	"last_message":     OpLastMessage,
	"remote_host":      OpRemoteHost,
	"server_ip":        OpServerIP,
	"auto_media_port":  OpAutoMediaPort,
	"dynamic_id":       OpDynamicID,
	"msg_index":        OpMsgIndex,
	"next_url":         OpNextURL,
	"last_Request_URI": OpLastRequestURI,
	"last_cseq_number": OpLastCSeqNumber,
	"tdmmap":           OpTDMMap,
	"clock_tick":       OpClockTick,
	"users":            OpUsers,
	"userid":           OpUserID,
	"timestamp":        OpTimestamp,
	"date":             OpDate,
	"sipp_version":     OpSippVersion,

	"rtpstream_audio_port": OpRTPStreamAudioPort,
	"rtpstream_video_port": OpRTPStreamVideoPort,
}

// cryptoKeywords are SIPp's SRTP keywords (OpCrypto).
var cryptoKeywords = map[string]bool{
	"cryptotag1audio": true, "cryptotag2audio": true,
	"cryptotag1video": true, "cryptotag2video": true,
	"cryptosuiteaescm128sha1801audio": true, "cryptosuiteaescm128sha1802audio": true,
	"cryptosuiteaescm128sha1321audio": true, "cryptosuiteaescm128sha1322audio": true,
	"cryptosuiteaescm128sha1801video": true, "cryptosuiteaescm128sha1802video": true,
	"cryptosuiteaescm128sha1321video": true, "cryptosuiteaescm128sha1322video": true,
	"cryptokeyparams1audio": true, "cryptokeyparams2audio": true,
	"cryptokeyparams1video": true, "cryptokeyparams2video": true,
	"cryptosuitenullsha1801audio": true, "cryptosuitenullsha1802audio": true,
	"cryptosuitenullsha1321audio": true, "cryptosuitenullsha1322audio": true,
	"cryptosuitenullsha1801video": true, "cryptosuitenullsha1802video": true,
	"cryptosuitenullsha1321video": true, "cryptosuitenullsha1322video": true,
	"ueaescm128sha1801audio": true, "ueaescm128sha1802audio": true,
	"ueaescm128sha1321audio": true, "ueaescm128sha1322audio": true,
	"ueaescm128sha1801video": true, "ueaescm128sha1802video": true,
	"ueaescm128sha1321video": true, "ueaescm128sha1322video": true,
}

// CompileTemplate compiles the text of a <send> element (CDATA content,
// as written) into a Template. line is the line the text starts on; it
// positions errors and becomes part of Template.Line. The text gets SIPp's
// treatment: surrounding blank space removed, leading and trailing blanks
// of every line removed, LF turned into CRLF, "\xHH" escapes decoded, a
// blank line appended when the message has none, and [keywords] turned
// into ops. Errors are *Error with an empty File. Variables ([$name])
// are numbered in order of first use, as call variables of a scenario
// of their own; [fieldN] is not checked against -inf files.
func CompileTemplate(text string, line int) (*Template, error) {
	c := compiler{vars: &Vars{}}
	return c.message(text, line, true, true)
}

// message compiles a message text: cleaned as SIPp cleans CDATA
// (keepFinalNL: a <send> keeps its body's final line end), then with
// SIPp's start-line checks when sanity is set.
func (c compiler) message(text string, line int, keepFinalNL, sanity bool) (*Template, error) {
	msg, lead, err := cleanMessage(text, keepFinalNL)
	if err != nil {
		return nil, &Error{File: c.file, Line: line, Msg: err.Error(), Err: ErrSyntax}
	}
	c.line = line + lead
	t := &Template{Line: line + lead}
	if err := c.compile(msg, t); err != nil {
		return nil, err
	}
	if !sanity {
		return t, nil
	}
	if err := startLine(t); err != nil {
		return nil, &Error{File: c.file, Line: t.Line, Msg: err.Error(), Err: ErrSyntax}
	}
	return t, nil
}

// raw compiles an attribute value or keyword parameter as SIPp compiles
// them: no cleaning and no start-line check, but keywords, "\xHH" escapes
// and LF to CRLF. An empty text gives a template without ops.
func (c compiler) raw(text string, line int) (*Template, error) {
	c.line = line
	c.lit = nil
	t := &Template{Line: line}
	if err := c.compile(text, t); err != nil {
		return nil, err
	}
	return t, nil
}

// cleanMessage reproduces what SIPp does to a <send> text before it looks
// for keywords: strip spaces, tabs and newlines at both ends; then drop
// spaces after and before every newline, then tabs after and before every
// newline (four passes in that order, so a "\t " indent keeps its space);
// then, when no empty line is left, append "\n\n" (header-only message);
// otherwise, when keepFinalNL is set and the stripped end held a newline,
// append one "\n" (so a <send> body keeps its final line end). lead
// counts the newlines stripped at the start, for line numbers.
func cleanMessage(s string, keepFinalNL bool) (msg string, lead int, err error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
		if s[i] == '\n' {
			lead++
		}
		i++
	}
	s = s[i:]
	removedNL := 0
	j := len(s)
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\n') {
		if s[j-1] == '\n' {
			removedNL++
		}
		j--
	}
	s = s[:j]
	if s == "" {
		return "", lead, fmt.Errorf("empty message")
	}
	s = dropAfterNewline(s, ' ')
	s = dropBeforeNewline(s, ' ')
	s = dropAfterNewline(s, '\t')
	s = dropBeforeNewline(s, '\t')
	if !strings.Contains(s, "\n\n") {
		s += "\n\n"
	} else if removedNL > 0 && keepFinalNL {
		s += "\n"
	}
	return s, lead, nil
}

// dropAfterNewline removes every run of c that follows a newline.
func dropAfterNewline(s string, c byte) string {
	if !strings.Contains(s, "\n"+string(c)) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '\n' {
			for i+1 < len(s) && s[i+1] == c {
				i++
			}
		}
	}
	return b.String()
}

// dropBeforeNewline removes every run of c that precedes a newline.
func dropBeforeNewline(s string, c byte) string {
	if !strings.Contains(s, string(c)+"\n") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			k := i
			for k < len(s) && s[k] == c {
				k++
			}
			if k < len(s) && s[k] == '\n' {
				i = k - 1
				continue
			}
			b.WriteString(s[i:k])
			i = k - 1
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// compiler turns a cleaned message into ops.
type compiler struct {
	file string
	keys map[string]string
	vars *Vars // where [$name] and [fill variable=] resolve
	// inf lists the -inf files by base name, the first being the
	// default; checkInf makes [fieldN] check its file against it.
	inf        []string
	infDefault string // the first -inf file ("" with none: -rxinf files are no default)
	checkInf   bool
	use        func(f Feature, line int, what string) // records features; nil: none
	line       int                                    // line of the byte being read
	lit        []byte
}

func (c *compiler) errorf(sentinel error, format string, args ...any) error {
	return &Error{File: c.file, Line: c.line, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func (c *compiler) flush(t *Template) {
	if len(c.lit) > 0 {
		t.Ops = append(t.Ops, Op{Kind: OpLiteral, Lit: c.lit})
		c.lit = nil
	}
}

// compile scans a cleaned message the way SIPp's SendingMessage does.
func (c *compiler) compile(s string, t *Template) error {
	for i := 0; i < len(s); {
		switch ch := s[i]; {
		case ch == '\\' && i+1 < len(s) && s[i+1] == 'x':
			// "\xH" or "\xHH" is one byte. Like SIPp, the character after
			// a lone hex digit (or after "\x" with none) is consumed too.
			i += 2
			if i < len(s) && isHex(s[i]) {
				v := unhex(s[i])
				i++
				if i < len(s) && isHex(s[i]) {
					v = v<<4 | unhex(s[i])
				}
				c.lit = append(c.lit, v)
			}
			if i < len(s) {
				if s[i] == '\n' {
					c.line++
				}
				i++
			}
		case ch == '\n':
			c.lit = append(c.lit, '\r', '\n')
			c.line++
			i++
		case ch != '[':
			c.lit = append(c.lit, ch)
			i++
		default:
			n, err := c.keyword(s[i+1:], t)
			if err != nil {
				return err
			}
			i += 1 + n
		}
	}
	c.flush(t)
	return nil
}

// keyword compiles the keyword after a '[' and returns how many bytes of
// rest it used.
func (c *compiler) keyword(rest string, t *Template) (int, error) {
	start := c.line
	nested := quotedIndex(rest, '[')
	end := quotedIndex(rest, ']')
	from := 0
	if nested >= 0 && end >= 0 && nested < end {
		// SIPp keeps "[text" before a second '[' as literal text and takes
		// the keyword from after that second '['.
		c.lit = append(c.lit, '[')
		c.lit = append(c.lit, rest[:nested]...)
		c.line += strings.Count(rest[:nested], "\n")
		from = nested + 1
	}
	if end < 0 {
		snippet, _, _ := strings.Cut(rest, "\n")
		return 0, &Error{File: c.file, Line: start, Msg: fmt.Sprintf("unterminated keyword [%s", snippet), Err: ErrSyntax}
	}
	kw := rest[from:end]
	if kw == "" {
		return 0, c.errorf(ErrSyntax, "empty keyword []")
	}
	if len(kw) > maxKeywordLen {
		return 0, c.errorf(ErrSyntax, "keyword [%.20s...] is longer than %d bytes", kw, maxKeywordLen)
	}
	written := kw
	defer func() { c.line += strings.Count(written, "\n") }()

	// [name+N] and [name-N]: SIPp looks for the first '+' (or, if there is
	// none, the first '-') and takes the number after it.
	op := Op{}
	if !strings.HasPrefix(kw, "authentication") && !strings.HasPrefix(kw, "tdmmap") {
		k := strings.IndexByte(kw, '+')
		if k < 0 {
			k = strings.IndexByte(kw, '-')
		}
		if k >= 0 && k+1 < len(kw) && isDigit(kw[k+1]) {
			op.Offset = atoiPrefix(kw[k:])
			kw = kw[:k]
		}
	}

	if kw == "" {
		return 0, c.errorf(ErrUnknownKeyword, "unknown keyword [%s]", written)
	}
	emit := func(op Op) (int, error) {
		if op.Kind >= firstNewOp && c.use != nil {
			c.use(OpFeature(op.Kind), start, "keyword ["+keywordHead(written)+"]")
		}
		c.flush(t)
		t.Ops = append(t.Ops, op)
		return end + 1, nil
	}

	if kind, ok := simpleKeywords[kw]; ok {
		op.Kind = kind
		return emit(op)
	}
	if cryptoKeywords[kw] {
		op.Kind, op.Name = OpCrypto, kw
		return emit(op)
	}
	switch {
	case strings.HasPrefix(kw, "field"):
		op.Kind = OpField
		op.Field = atoiPrefix(strings.TrimLeft(kw[len("field"):], " \t"))
		file, _ := keywordParam(kw, "file=")
		if err := c.injection(&op, file, written); err != nil {
			return 0, err
		}
		if line, _ := keywordParam(kw, "line="); line != "" {
			sub, err := c.raw(line, start)
			if err != nil {
				return 0, err
			}
			op.Line = sub
		}
		return emit(op)
	case strings.HasPrefix(kw, "file"):
		op.Kind = OpFile
		name, _ := keywordParam(kw, "name=")
		if name == "" {
			return 0, c.errorf(ErrSyntax, "keyword [%s] needs a name= parameter", keywordHead(written))
		}
		sub, err := c.raw(name, start)
		if err != nil {
			return 0, err
		}
		op.Path = sub
		return emit(op)
	case kw[0] == '$':
		op.Kind = OpVar
		if err := checkVarName(kw[1:]); err != nil {
			return 0, c.errorf(ErrSyntax, "keyword [%s]: %v", written, err)
		}
		op.Name = kw[1:]
		op.Var = c.vars.ref(op.Name, start, accRead)
		return emit(op)
	case strings.HasPrefix(kw, "fill"):
		op.Kind = OpFill
		text, _ := keywordParam(kw, "text=")
		if text == "" {
			text = "X"
		}
		op.Lit = []byte(text)
		name, _ := keywordParam(kw, "variable=")
		if err := checkVarName(name); err != nil {
			return 0, c.errorf(ErrSyntax, "keyword [fill] needs a variable= parameter: %v", err)
		}
		op.Name = name
		op.Var = c.vars.ref(name, start, accRead)
		return emit(op)
	case strings.HasPrefix(kw, "last_"):
		name := kw[len("last_"):]
		op.Kind = OpLastHeader
		if h, ok := strings.CutSuffix(name, ":value"); ok {
			name = h + ":"
			op.ValueOnly = true
		} else if !strings.HasSuffix(name, ":") {
			name += ":"
		}
		if name == ":" {
			return 0, c.errorf(ErrSyntax, "keyword [%s] names no header", written)
		}
		op.Name = name
		op.Header = sipfast.KeyOf(name)
		return emit(op)
	case strings.HasPrefix(kw, "authentication"):
		op.Kind = OpAuth
		auth := &AuthParams{}
		for _, prm := range []struct {
			name string
			dst  **Template
		}{{"username=", &auth.Username}, {"password=", &auth.Password}, {"aka_K=", &auth.AKAK}, {"aka_OP=", &auth.AKAOP}, {"aka_AMF=", &auth.AKAAMF}} {
			v, _ := keywordParam(kw, prm.name)
			if v == "" {
				continue
			}
			sub, err := c.raw(v, start)
			if err != nil {
				return 0, err
			}
			*prm.dst = sub
		}
		op.Auth = auth
		return emit(op)
	}
	if v, ok := c.keys[kw]; ok {
		c.lit = append(c.lit, v...)
		return end + 1, nil
	}
	return 0, c.errorf(ErrUnknownKeyword, "unknown keyword [%s]", written)
}

// injection resolves the file of a [fieldN] keyword against the -inf
// files, as SIPp does at load time.
func (c *compiler) injection(op *Op, file, written string) error {
	if !c.checkInf {
		op.File = file
		return nil
	}
	if len(c.inf) == 0 {
		return c.errorf(ErrInvalid, "keyword [%s] needs an injection file, and no -inf file was given", keywordHead(written))
	}
	if file == "" {
		if c.infDefault == "" {
			return c.errorf(ErrInvalid, "keyword [%s] without file= reads the first -inf file, and only -rxinf files were given: name one with file=", keywordHead(written))
		}
		op.File = c.infDefault
		return nil
	}
	for _, f := range c.inf {
		if f == file {
			op.File = f
			return nil
		}
	}
	return c.errorf(ErrInvalid, "keyword [%s]: file=%q is not one of the -inf or -rxinf files (%s)", keywordHead(written), file, strings.Join(c.inf, ", "))
}

// keywordParam returns the value of param ("file=", "line=", ...) in a
// keyword, as SIPp's getKeywordParam finds it: the first occurrence of
// param anywhere in the keyword; a value starting with 0x is hex bytes, a
// quoted one runs to the next unescaped quote (backslash escapes the next
// character), any other runs to a blank or a non-ASCII byte. ok is false
// when param does not occur.
func keywordParam(kw, param string) (value string, ok bool) {
	i := strings.Index(kw, param)
	if i < 0 {
		return "", false
	}
	v := kw[i+len(param):]
	switch {
	case strings.HasPrefix(v, "0x"):
		var b []byte
		v = v[2:]
		for len(v) > 0 && isHex(v[0]) {
			x := unhex(v[0])
			v = v[1:]
			if len(v) > 0 && isHex(v[0]) {
				x = x<<4 | unhex(v[0])
				v = v[1:]
			}
			b = append(b, x)
		}
		return string(b), true
	case strings.HasPrefix(v, `"`):
		var b strings.Builder
		for i := 1; i < len(v); i++ {
			switch v[i] {
			case '"':
				return b.String(), true
			case '\\':
				if i+1 < len(v) {
					i++
					b.WriteByte(v[i])
				}
			default:
				b.WriteByte(v[i])
			}
		}
		return b.String(), true
	}
	n := 0
	for n < len(v) && v[n] != ']' && v[n] >= 33 && v[n] <= 126 {
		n++
	}
	return v[:n], true
}

// keywordHead is a keyword up to its first space: the name without
// parameters (which may hold credentials).
func keywordHead(kw string) string {
	head, _, _ := strings.Cut(kw, " ")
	return head
}

// quotedIndex returns the index of the first c in s that is not inside a
// double-quoted string, or -1. Like SIPp, a quote runs to the next quote
// or to the end of the line.
func quotedIndex(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case c:
			return i
		case '"':
			k := strings.IndexAny(s[i+1:], "\"\n")
			if k < 0 {
				return -1
			}
			i += 1 + k
		}
	}
	return -1
}

// startLine fills Method or Status from the first literal, with SIPp's
// checks: the message must start with literal text up to the first space,
// and a response code must be 100-699.
func startLine(t *Template) error {
	if len(t.Ops) == 0 || t.Ops[0].Kind != OpLiteral {
		return fmt.Errorf("the start line must begin with literal text (a method or SIP/2.0), not a keyword")
	}
	lit := string(t.Ops[0].Lit)
	sp := strings.IndexByte(lit, ' ')
	if eol := strings.IndexAny(lit, "\r\n"); sp < 0 || (eol >= 0 && eol < sp) {
		return fmt.Errorf("the start line must begin with literal text (a method or SIP/2.0) and a space, not a keyword")
	}
	first := strings.TrimLeft(lit[:sp], " \t")
	if first != "SIP/2.0" {
		t.Method = first
		return nil
	}
	q := strings.TrimLeft(lit[sp+1:], " \t")
	n := 0
	for n < len(q) && isDigit(q[n]) {
		n++
	}
	if n < len(q) && !isSpace(q[n]) {
		tok, _, _ := strings.Cut(q, " ")
		tok, _, _ = strings.Cut(tok, "\r")
		return fmt.Errorf("invalid status code %q", tok)
	}
	code := atoiPrefix(q[:n])
	if code < 100 || code >= 700 {
		return fmt.Errorf("status code %s is out of range 100-699", strconv.Quote(q[:n]))
	}
	t.Status = code
	return nil
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

func isHex(b byte) bool {
	return isDigit(b) || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
}

func unhex(b byte) byte {
	switch {
	case isDigit(b):
		return b - '0'
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10
	default:
		return b - 'A' + 10
	}
}

// atoiPrefix is C's atoi: an optional sign and the digits that follow,
// ignoring anything after them, saturated to 32 bits.
func atoiPrefix(s string) int {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v int64 // 64 bits, so that saturating also works where int has 32
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		v = min(v*10+int64(s[i]-'0'), 1<<31)
	}
	if neg {
		return int(-v)
	}
	return int(min(v, 1<<31-1))
}
