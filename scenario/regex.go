package scenario

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// SIPp compiles its regular expressions with POSIX regcomp(REG_EXTENDED)
// (glibc) and searches with regexec: leftmost-longest matching, '.' and
// [^x] match a newline, '^' and '$' anchor only at the ends of the text.
// compilePOSIX translates such an expression into Go's syntax so that it
// matches the same text:
//
//   - the result starts with (?s) and is compiled with Longest();
//   - inside a bracket expression a backslash is an ordinary character
//     ("[\.]" matches a backslash or a dot), "[]a]" and "[^]a]" keep
//     their leading ']', [:class:] stays;
//   - outside one, "\" before a special character quotes it, \w \W \s \S
//     \b \B keep their GNU meaning, \` and \' anchor at the text's ends,
//     and "\" before any other character is that character (glibc: "\d"
//     is the letter d, "\n" the letter n), which gets a warning;
//   - "{,n}" is "{0,n}"; a '{' that starts no valid interval is an error,
//     as in glibc; an unmatched ')' is an ordinary character;
//   - a repetition of a repetition ("a**", "a{2}{3}") is grouped, which
//     Go requires and which means the same.
//
// What Go cannot express is refused: back-references (\1 to \9), \< and
// \> (word start and end), collating elements [.x.] and equivalence
// classes [=x=]. glibc's errors (an operator with nothing to repeat, an
// unmatched '(' or '[', "(?") are errors here too.

// errRegexpUnsupported marks a construct Go's regexp cannot express.
var errRegexpUnsupported = errors.New("unsupported construct")

// posixRegexp is a translated expression and what was worth a warning.
type posixRegexp struct {
	re       *regexp.Regexp
	warnings []string
}

// compilePOSIX translates and compiles a POSIX extended regular
// expression. An error wrapping errRegexpUnsupported names a construct Go
// cannot express; any other error is a syntax error.
func compilePOSIX(expr string) (*posixRegexp, error) {
	goExpr, warns, err := translatePOSIX(expr)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(goExpr)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	re.Longest()
	return &posixRegexp{re: re, warnings: warns}, nil
}

// translatePOSIX rewrites a POSIX ERE into Go syntax (see above).
func translatePOSIX(expr string) (string, []string, error) {
	var b strings.Builder
	var warns []string
	b.WriteString("(?s)")
	// atomStart is where the last atom began in b (-1: no atom to
	// repeat); repeated says that atom already carries a repetition.
	atomStart, repeated := -1, false
	// opens holds the output positions of the open groups.
	var opens []int
	repeat := func(op string) error {
		if atomStart < 0 {
			return fmt.Errorf("%q has nothing to repeat", op)
		}
		if repeated {
			// Go refuses a repetition of a repetition: group the atom.
			s := b.String()
			b.Reset()
			b.WriteString(s[:atomStart])
			b.WriteString("(?:")
			b.WriteString(s[atomStart:])
			b.WriteString(")")
		}
		b.WriteString(op)
		repeated = true
		return nil
	}
	atom := func(s string) {
		atomStart = b.Len()
		repeated = false
		b.WriteString(s)
	}
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case '\\':
			if i+1 == len(expr) {
				return "", nil, errors.New("trailing backslash")
			}
			i++
			d := expr[i]
			switch {
			case strings.IndexByte(`.[]()*+?{}|^$\`, d) >= 0:
				atom(`\` + string(d))
			case strings.IndexByte("wWsS", d) >= 0:
				atom(`\` + string(d))
			case d == 'b' || d == 'B':
				b.WriteString(`\` + string(d))
				atomStart = -1
			case d == '`':
				b.WriteString(`\A`)
				atomStart = -1
			case d == '\'':
				b.WriteString(`\z`)
				atomStart = -1
			case d >= '1' && d <= '9':
				return "", nil, fmt.Errorf("%w: back-reference \\%c", errRegexpUnsupported, d)
			case d == '<' || d == '>':
				return "", nil, fmt.Errorf(`%w: \%c (word start or end; \b may do)`, errRegexpUnsupported, d)
			default:
				_, n := utf8.DecodeRuneInString(expr[i:])
				atom(regexp.QuoteMeta(expr[i : i+n]))
				warns = append(warns, fmt.Sprintf(`"\%s" in a POSIX regular expression is the character %q, as in SIPp`, expr[i:i+n], expr[i:i+n]))
				i += n - 1
			}
		case '[':
			j, class, err := translateBracket(expr, i)
			if err != nil {
				return "", nil, err
			}
			atom(class)
			i = j
		case '(':
			if i+1 < len(expr) && strings.IndexByte("*+?{", expr[i+1]) >= 0 {
				return "", nil, fmt.Errorf("%q after '(' has nothing to repeat", expr[i+1])
			}
			opens = append(opens, b.Len())
			b.WriteByte('(')
			atomStart = -1
		case ')':
			if len(opens) == 0 {
				atom(`\)`)
				continue
			}
			start := opens[len(opens)-1]
			opens = opens[:len(opens)-1]
			b.WriteByte(')')
			atomStart, repeated = start, false
		case '|':
			b.WriteByte('|')
			atomStart = -1
			if i+1 < len(expr) && strings.IndexByte("*+?{", expr[i+1]) >= 0 {
				return "", nil, fmt.Errorf("%q after '|' has nothing to repeat", expr[i+1])
			}
		case '^', '$':
			b.WriteByte(c)
			atomStart = -1
			if c == '^' && i+1 < len(expr) && strings.IndexByte("*+?{", expr[i+1]) >= 0 {
				return "", nil, fmt.Errorf("%q after '^' has nothing to repeat", expr[i+1])
			}
		case '*', '+', '?':
			if err := repeat(string(c)); err != nil {
				return "", nil, err
			}
		case '{':
			j, interval, err := translateInterval(expr, i)
			if err != nil {
				return "", nil, err
			}
			if err := repeat(interval); err != nil {
				return "", nil, err
			}
			i = j
		case '.':
			atom(".")
		default:
			_, n := utf8.DecodeRuneInString(expr[i:])
			atom(regexp.QuoteMeta(expr[i : i+n]))
			i += n - 1
		}
	}
	if len(opens) > 0 {
		return "", nil, errors.New("unmatched '('")
	}
	return b.String(), warns, nil
}

// translateInterval reads "{n}", "{n,}", "{n,m}" or "{,m}" at expr[i] and
// returns the index of its '}' and its Go form.
func translateInterval(expr string, i int) (int, string, error) {
	end := strings.IndexByte(expr[i:], '}')
	if end < 0 {
		return 0, "", errors.New("unmatched '{'")
	}
	body := expr[i+1 : i+end]
	lo, hi, comma := body, "", false
	if k := strings.IndexByte(body, ','); k >= 0 {
		lo, hi, comma = body[:k], body[k+1:], true
	}
	if !allDigits(lo) || !allDigits(hi) || (!comma && lo == "") {
		return 0, "", fmt.Errorf("invalid interval {%s}", body)
	}
	if lo == "" {
		lo = "0"
	}
	if hi != "" && atoiPrefix(hi) < atoiPrefix(lo) {
		return 0, "", fmt.Errorf("invalid interval {%s}", body)
	}
	if atoiPrefix(lo) > 1000 || atoiPrefix(hi) > 1000 {
		return 0, "", fmt.Errorf("%w: interval {%s} above 1000", errRegexpUnsupported, body)
	}
	if comma {
		return i + end, "{" + lo + "," + hi + "}", nil
	}
	return i + end, "{" + lo + "}", nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// translateBracket reads the bracket expression that starts at expr[i]
// and returns the index of its closing ']' and its Go form.
func translateBracket(expr string, i int) (int, string, error) {
	var b strings.Builder
	b.WriteByte('[')
	j := i + 1
	if j < len(expr) && expr[j] == '^' {
		b.WriteByte('^')
		j++
	}
	first := true
	for ; j < len(expr); j++ {
		c := expr[j]
		switch {
		case c == ']' && !first:
			b.WriteByte(']')
			return j, b.String(), nil
		case c == ']':
			b.WriteString(`\]`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '[' && j+1 < len(expr) && expr[j+1] == ':':
			end := strings.Index(expr[j+2:], ":]")
			if end < 0 {
				return 0, "", errors.New("unmatched '[:'")
			}
			name := expr[j+2 : j+2+end]
			if !posixClasses[name] {
				return 0, "", fmt.Errorf("invalid character class [:%s:]", name)
			}
			b.WriteString("[:" + name + ":]")
			j += 2 + end + 1
		case c == '[' && j+1 < len(expr) && (expr[j+1] == '.' || expr[j+1] == '='):
			what := "collating element [.x.]"
			if expr[j+1] == '=' {
				what = "equivalence class [=x=]"
			}
			return 0, "", fmt.Errorf("%w: %s in a bracket expression", errRegexpUnsupported, what)
		case c == '[':
			b.WriteString(`\[`)
		default:
			b.WriteByte(c)
		}
		first = false
	}
	return 0, "", errors.New("unmatched '['")
}

var posixClasses = map[string]bool{
	"alnum": true, "alpha": true, "blank": true, "cntrl": true, "digit": true, "graph": true,
	"lower": true, "print": true, "punct": true, "space": true, "upper": true, "xdigit": true,
}
