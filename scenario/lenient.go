package scenario

import "bytes"

// lenientXML rewrites what SIPp's own XML reader accepts and Go's strict
// decoder does not, without adding or removing a line (error lines stay
// right):
//
//   - '<' inside a quoted attribute value (display=">> Hold <<") becomes
//     "&lt;";
//   - '&' that starts no XML entity ("a&b") becomes "&amp;", as SIPp
//     leaves such an ampersand alone;
//   - `\"` inside a double-quoted value does not end it (SIPp's escape; the
//     attribute reader decodes it later): its quote becomes "&quot;";
//   - dashes inside a comment ("<!-- a -- b -->", "<!-- x --->") become
//     blanks;
//   - a comment that never ends, or a start tag without its '>', hides
//     the rest of the file, as in SIPp: the file is cut there and the
//     <scenario> element closed.
func lenientXML(data []byte) []byte {
	var out []byte // nil until something changes
	last := 0
	emit := func(i int, repl string) {
		if out == nil {
			out = make([]byte, 0, len(data)+64)
		}
		out = append(out, data[last:i]...)
		out = append(out, repl...)
	}
	i := 0
	for i < len(data) {
		if data[i] != '<' {
			i++
			continue
		}
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := bytes.Index(rest, []byte("]]>"))
			if end < 0 {
				return finish(out, data, last)
			}
			i += end + 3
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				// SIPp stops reading at a comment that never ends.
				emit(i, "</scenario>") // no newline: no line is added
				return out
			}
			body := rest[4 : 4+end]
			if bytes.IndexByte(body, '-') >= 0 {
				emit(i+4, string(bytes.ReplaceAll(body, []byte("-"), []byte(" "))))
				last = i + 4 + end
			}
			i += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<?")), bytes.HasPrefix(rest, []byte("<!")):
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return finish(out, data, last)
			}
			i += end + 1
		default:
			// A tag: copy up to its '>', rewriting quoted values.
			if len(rest) > 1 && rest[1] != '/' && unclosedTag(rest) {
				// A start tag that never closes ('<recv response="100"'
				// then '</recv>'): SIPp stops reading elements there.
				emit(i, "</scenario>") // no newline: no line is added
				return out
			}
			i++
			for i < len(data) && data[i] != '>' {
				q := data[i]
				if q != '"' && q != '\'' {
					i++
					continue
				}
				i++
				for i < len(data) && data[i] != q {
					switch c := data[i]; {
					case c == '\\' && q == '"' && i+1 < len(data) && data[i+1] == '"':
						emit(i+1, "&quot;")
						last = i + 2
						i += 2
						continue
					case c == '<':
						emit(i, "&lt;")
						last = i + 1
					case c == '&' && !isEntity(data[i:]):
						emit(i, "&amp;")
						last = i + 1
					}
					i++
				}
				i++ // the closing quote
			}
			i++
		}
	}
	return finish(out, data, last)
}

func finish(out, data []byte, last int) []byte {
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// isEntity reports whether b starts with an entity Go's decoder knows:
// &amp; &lt; &gt; &quot; &apos; or a character reference.
func isEntity(b []byte) bool {
	for _, e := range []string{"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"} {
		if bytes.HasPrefix(b, []byte(e)) {
			return true
		}
	}
	if len(b) > 2 && b[1] == '#' {
		j := 2
		if b[j] == 'x' {
			j++
		}
		k := j
		for k < len(b) && (b[k] >= '0' && b[k] <= '9' || b[k] >= 'a' && b[k] <= 'f' || b[k] >= 'A' && b[k] <= 'F') {
			k++
		}
		return k > j && k < len(b) && b[k] == ';'
	}
	return false
}

// unclosedTag reports whether the tag at the start of b meets a '<'
// (outside quoted values) before its '>'.
func unclosedTag(b []byte) bool {
	for i := 1; i < len(b); i++ {
		switch c := b[i]; c {
		case '>':
			return false
		case '<':
			return true
		case '"', '\'':
			for i++; i < len(b) && b[i] != c; i++ {
				if c == '"' && b[i] == '\\' && i+1 < len(b) && b[i+1] == '"' {
					i++
				}
			}
		}
	}
	return false
}
