package scenario

import (
	"fmt"
	"strconv"
	"strings"
)

// maxKeywordLen is the longest keyword text SIPp accepts between brackets.
const maxKeywordLen = 256

// supportedKeywords maps the parameterless keywords gossip renders to
// their ops.
var supportedKeywords = map[string]OpKind{
	"service":        OpService,
	"remote_ip":      OpRemoteIP,
	"remote_port":    OpRemotePort,
	"local_ip":       OpLocalIP,
	"local_ip_type":  OpLocalIPType,
	"local_port":     OpLocalPort,
	"transport":      OpTransport,
	"media_ip":       OpMediaIP,
	"media_ip_type":  OpMediaIPType,
	"media_port":     OpMediaPort,
	"call_number":    OpCallNumber,
	"call_id":        OpCallID,
	"cseq":           OpCSeq,
	"pid":            OpPID,
	"branch":         OpBranch,
	"len":            OpLen,
	"peer_tag_param": OpPeerTagParam,
	"routes":         OpRoutes,
	"last_message":   OpLastMessage,
}

// unsupportedKeywords are SIPp's other parameterless keywords. They are
// matched exactly, before the last_ prefix (so [last_Request_URI] and
// [last_cseq_number] are these, not header lookups).
var unsupportedKeywords = map[string]bool{
	"remote_host": true, "server_ip": true, "auto_media_port": true,
	"rtpstream_audio_port": true, "rtpstream_video_port": true,
	"dynamic_id": true, "msg_index": true, "next_url": true,
	"last_Request_URI": true, "last_cseq_number": true,
	"tdmmap": true, "clock_tick": true, "users": true, "userid": true,
	"timestamp": true, "date": true, "sipp_version": true,
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

// unsupportedPrefixes are SIPp's keywords with parameters, recognised by
// prefix in SIPp's order (field before file before $ before fill; last_
// and authentication are checked after these).
var unsupportedPrefixes = []string{"field", "file", "$", "fill"}

// CompileTemplate compiles the text of a <send> element (CDATA content,
// as written) into a Template. line is the line the text starts on; it
// positions errors and becomes part of Template.Line. The text gets SIPp's
// treatment: surrounding blank space removed, leading and trailing blanks
// of every line removed, LF turned into CRLF, "\xHH" escapes decoded, a
// blank line appended when the message has none, and [keywords] turned
// into ops. Errors are *Error with an empty File.
func CompileTemplate(text string, line int) (*Template, error) {
	return compileMessage(text, line, "", nil)
}

// compileMessage is CompileTemplate with a file name for errors and the
// -key values for generic keywords.
func compileMessage(text string, line int, file string, keys map[string]string) (*Template, error) {
	msg, lead, err := cleanMessage(text)
	if err != nil {
		return nil, &Error{File: file, Line: line, Msg: err.Error(), Err: ErrSyntax}
	}
	c := compiler{file: file, keys: keys, line: line + lead}
	t := &Template{Line: line + lead}
	if err := c.compile(msg, t); err != nil {
		return nil, err
	}
	if err := startLine(t); err != nil {
		return nil, &Error{File: file, Line: t.Line, Msg: err.Error(), Err: ErrSyntax}
	}
	return t, nil
}

// cleanMessage reproduces what SIPp does to a <send> text before it looks
// for keywords: strip spaces, tabs and newlines at both ends; then drop
// spaces after and before every newline, then tabs after and before every
// newline (four passes in that order, so a "\t " indent keeps its space);
// then, when no empty line is left, append "\n\n" (header-only message);
// otherwise, when the stripped end held a newline, append one "\n" (so a
// body keeps its final line end). lead counts the newlines stripped at the
// start, for line numbers.
func cleanMessage(s string) (msg string, lead int, err error) {
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
	} else if removedNL > 0 {
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
	line int // line of the byte being read
	lit  []byte
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
	defer func() { c.line += strings.Count(kw, "\n") }()

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

	if kind, ok := supportedKeywords[kw]; ok {
		op.Kind = kind
		c.flush(t)
		t.Ops = append(t.Ops, op)
		return end + 1, nil
	}
	if unsupportedKeywords[kw] {
		return 0, c.errorf(ErrUnsupported, "keyword [%s] is not supported yet", kw)
	}
	for _, p := range unsupportedPrefixes {
		if strings.HasPrefix(kw, p) {
			return 0, c.errorf(ErrUnsupported, "keyword [%s] is not supported yet", keywordHead(kw))
		}
	}
	if name, ok := strings.CutPrefix(kw, "last_"); ok {
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
		c.flush(t)
		t.Ops = append(t.Ops, op)
		return end + 1, nil
	}
	if strings.HasPrefix(kw, "authentication") {
		return 0, c.errorf(ErrUnsupported, "keyword [authentication] is not supported yet")
	}
	if v, ok := c.keys[kw]; ok {
		c.lit = append(c.lit, v...)
		return end + 1, nil
	}
	return 0, c.errorf(ErrUnknownKeyword, "unknown keyword [%s]", written)
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
	v := 0
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		v = v*10 + int(s[i]-'0')
		if v > 1<<31 {
			v = 1 << 31
		}
	}
	if neg {
		return -v
	}
	if v > 1<<31-1 {
		v = 1<<31 - 1
	}
	return v
}
