package assets

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
)

// Every block of the stylesheets is closed where it should be: one
// unclosed @media block puts every rule after it inside the media query,
// and desktop browsers then drop them without a word.
func TestStylesheetsBalanced(t *testing.T) {
	names, err := fs.Glob(Static(), "*.css")
	if err != nil || len(names) == 0 {
		t.Fatalf("no stylesheets (%v)", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(Static(), name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkBlocks(string(b)); err != "" {
			t.Errorf("%s: %s", name, err)
		}
	}
}

// checkBlocks returns what is wrong with the nesting of CSS blocks, or "".
// Only @media and @supports blocks may hold rules.
func checkBlocks(css string) string {
	var stack []string // the opening line of each open block
	line := 1
	for i := 0; i < len(css); i++ {
		switch c := css[i]; {
		case c == '\n':
			line++
		case strings.HasPrefix(css[i:], "/*"):
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				return "a comment is never closed"
			}
			line += strings.Count(css[i:i+2+end], "\n")
			i += end + 3
		case c == '"' || c == '\'':
			end := strings.IndexByte(css[i+1:], c)
			if end < 0 {
				return "a string is never closed"
			}
			i += end + 1
		case c == '{':
			start := strings.LastIndexAny(css[:i], "{};") + 1
			sel := strings.TrimSpace(css[start:i])
			if len(stack) > 0 && !strings.HasPrefix(stack[len(stack)-1], "@") {
				return "line " + strconv.Itoa(line) + ": a block inside the rule " + stack[len(stack)-1]
			}
			stack = append(stack, sel)
		case c == '}':
			if len(stack) == 0 {
				return "line " + strconv.Itoa(line) + ": a } closes nothing"
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return "the block " + stack[len(stack)-1] + " is never closed"
	}
	return ""
}

func TestCheckBlocks(t *testing.T) {
	for css, want := range map[string]string{
		"a { color: red; }\n@media (x) {\n  b { c: d; }\n}\n": "",
		"a { content: \"}\"; } /* { */":                       "",
		"@media (x) {\n  b { c: d; }\nc { d: e; }\n":          "the block @media (x) is never closed",
		"a { b { c: d; } }":                                   "line 1: a block inside the rule a",
		"a { }\n}":                                            "line 2: a } closes nothing",
	} {
		if got := checkBlocks(css); got != want {
			t.Errorf("checkBlocks(%q) = %q, want %q", css, got, want)
		}
	}
}
