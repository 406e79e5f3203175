package ocr

import (
	"bytes"
	"strconv"
)

// A small PDF object parser for the pre-scan (pdfscan.go). It reads only
// what the checks need: numbers, names, strings, arrays, dictionaries and
// references, with every nesting and length bounded. It never allocates
// more than the bytes it is given.

// The object kinds: nil is null; bool, int64, float64; pName a name;
// pString a string's raw bytes; []pObj an array; pDict a dictionary;
// pRef a reference.
type (
	pObj    any
	pName   string
	pString string
	pDict   map[pName]pObj
	pRef    struct{ num, gen int }
)

// maxNesting bounds arrays and dictionaries within one another.
const maxNesting = 32

type lexer struct {
	b   []byte
	pos int
	// deep is set when an object nests more than maxNesting deep: the
	// libraries' parsers recurse once a level, and a file of a million
	// "[" overflows their stacks.
	deep bool
}

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// word reads a run of regular characters (a number or a keyword).
func (l *lexer) word() string {
	l.skipSpace()
	start := l.pos
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	return string(l.b[start:l.pos])
}

// keyword reports whether kw comes next (after white space), and moves
// past it if so.
func (l *lexer) keyword(kw string) bool {
	l.skipSpace()
	if !bytes.HasPrefix(l.b[l.pos:], []byte(kw)) {
		return false
	}
	end := l.pos + len(kw)
	if end < len(l.b) && !isSpace(l.b[end]) && !isDelim(l.b[end]) {
		return false
	}
	l.pos = end
	return true
}

// int reads a non-negative integer.
func (l *lexer) int() (int64, bool) {
	save := l.pos
	w := l.word()
	n, err := strconv.ParseInt(w, 10, 64)
	if err != nil || n < 0 {
		l.pos = save
		return 0, false
	}
	return n, true
}

// object reads one object; ok is false on a syntax error. A number
// followed by another and "R" is a reference.
func (l *lexer) object(depth int) (pObj, bool) {
	if depth > maxNesting {
		l.deep = true
		return nil, false
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, false
	}
	switch c := l.b[l.pos]; c {
	case '/':
		l.pos++
		start := l.pos
		for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
			l.pos++
		}
		return pName(unescapeName(l.b[start:l.pos])), true
	case '(':
		return l.literal()
	case '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			l.pos += 2
			d := pDict{}
			for {
				l.skipSpace()
				if l.pos+1 < len(l.b) && l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
					l.pos += 2
					return d, true
				}
				k, ok := l.object(depth + 1)
				name, isName := k.(pName)
				if !ok || !isName {
					return nil, false
				}
				v, ok := l.object(depth + 1)
				if !ok {
					return nil, false
				}
				d[name] = v
			}
		}
		l.pos++
		end := bytes.IndexByte(l.b[l.pos:], '>')
		if end < 0 {
			return nil, false
		}
		s := l.b[l.pos : l.pos+end]
		l.pos += end + 1
		return pString(hexBytes(s)), true
	case '[':
		l.pos++
		var a []pObj
		for {
			l.skipSpace()
			if l.pos < len(l.b) && l.b[l.pos] == ']' {
				l.pos++
				if a == nil {
					a = []pObj{}
				}
				return a, true
			}
			v, ok := l.object(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
		}
	case ')', '>', ']', '{', '}':
		return nil, false
	}
	w := l.word()
	switch w {
	case "":
		l.pos++ // a stray delimiter
		return nil, false
	case "null":
		return nil, true
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if n, err := strconv.ParseInt(w, 10, 64); err == nil {
		// "n g R" is a reference.
		save := l.pos
		if n >= 0 && n <= 1<<31 {
			if g, ok := l.int(); ok && g <= 65535 && l.keyword("R") {
				return pRef{int(n), int(g)}, true
			}
		}
		l.pos = save
		return n, true
	}
	if f, err := strconv.ParseFloat(w, 64); err == nil {
		return f, true
	}
	return pName("#keyword " + w), true // an operator in a content stream, or junk
}

// literal reads a (string), balanced parentheses and escapes.
func (l *lexer) literal() (pObj, bool) {
	l.pos++ // (
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '\\':
			if l.pos < len(l.b) {
				out = append(out, l.b[l.pos])
				l.pos++
			}
			continue
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pString(out), true
			}
		}
		out = append(out, c)
	}
	return nil, false
}

func unescapeName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func hexBytes(s []byte) []byte {
	out := make([]byte, 0, len(s)/2+1)
	var hi byte
	half := false
	for _, c := range s {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return out
}

// nesting is how deep arrays and dictionaries nest in content (outside
// strings and comments), counted up to limit.
func nesting(b []byte, limit int) int {
	depth, most := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case '(':
			// A string, with nested parentheses and escapes.
			for n := 0; i < len(b); i++ {
				if b[i] == '\\' {
					i++
				} else if b[i] == '(' {
					n++
				} else if b[i] == ')' {
					if n--; n == 0 {
						break
					}
				}
			}
		case '[':
			depth++
		case '<':
			if i+1 < len(b) && b[i+1] == '<' {
				depth++
				i++
			}
		case ']':
			depth = max(depth-1, 0)
		case '>':
			if i+1 < len(b) && b[i+1] == '>' {
				depth = max(depth-1, 0)
				i++
			}
		}
		if depth > most {
			if most = depth; most > limit {
				return most
			}
		}
	}
	return most
}
