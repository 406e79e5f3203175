// Command scandiff compares two runs of `tillroll scan --confidence` over
// the same files (one JSON object a line, in the same order), as `make
// test-arm64` reads the shared receipts on amd64 and under qemu on arm64.
//
//	go run ./internal/scandiff FILES-LIST a.jsonl b.jsonl
//
// It prints, for each file, every field whose value differs, every
// confidence that differs, and whether the raw text differs. It exits 1
// only when a field's value differs: the issue asks for the same fields.
// Raw text and confidences are reported, not failed on: Tesseract's text
// differs in places between the two builds (their floating-point
// arithmetic differs: README "arm64 and the Raspberry Pi 4").
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: scandiff FILES-LIST a.jsonl b.jsonl")
		os.Exit(2)
	}
	code, err := run(os.Args[1], os.Args[2], os.Args[3], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scandiff:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func run(list, aPath, bPath string, out io.Writer) (int, error) {
	names, err := lines(list)
	if err != nil {
		return 0, err
	}
	a, err := lines(aPath)
	if err != nil {
		return 0, err
	}
	b, err := lines(bPath)
	if err != nil {
		return 0, err
	}
	if len(a) != len(b) || len(a) != len(names) {
		return 0, fmt.Errorf("%d files, %d and %d answers", len(names), len(a), len(b))
	}
	fieldFiles, textFiles, confFiles := 0, 0, 0
	for i := range a {
		fa, ca, ta, err := split(a[i])
		if err != nil {
			return 0, fmt.Errorf("%s, line %d: %w", aPath, i+1, err)
		}
		fb, cb, tb, err := split(b[i])
		if err != nil {
			return 0, fmt.Errorf("%s, line %d: %w", bPath, i+1, err)
		}
		fd, cd := differ(fa, fb), differ(ca, cb)
		if len(fd) > 0 {
			fieldFiles++
		}
		if len(cd) > 0 {
			confFiles++
		}
		if ta != tb {
			textFiles++
		}
		if len(fd)+len(cd) == 0 && ta == tb {
			continue
		}
		fmt.Fprintf(out, "%s:\n", names[i])
		for _, k := range fd {
			fmt.Fprintf(out, "  field %s: %s | %s\n", k, fa[k], fb[k])
		}
		for _, k := range cd {
			fmt.Fprintf(out, "  confidence %s: %s | %s\n", k, ca[k], cb[k])
		}
		if ta != tb {
			fmt.Fprintf(out, "  raw text: %d of %d lines differ\n", lineDiff(ta, tb), max(strings.Count(ta, "\n"), strings.Count(tb, "\n"))+1)
		}
	}
	fmt.Fprintf(out, "scandiff: %d files: %d with a field that differs, %d with a confidence that differs, %d with raw text that differs\n",
		len(a), fieldFiles, confFiles, textFiles)
	if fieldFiles > 0 {
		return 1, nil
	}
	return 0, nil
}

// split is one answer's fields (flattened to JSON values by path, the
// line items' too), its confidences, and its raw text. Created, the time
// of the reading, is left out.
func split(line string) (fields, conf map[string]string, text string, err error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return nil, nil, "", err
	}
	fields, conf = map[string]string{}, map[string]string{}
	for k, v := range m {
		switch k {
		case "Created":
		case "Raw_Text":
			if err := json.Unmarshal(v, &text); err != nil {
				return nil, nil, "", fmt.Errorf("Raw_Text: %w", err)
			}
		case "Confidence":
			flatten("", v, conf)
		default:
			flatten(k, v, fields)
		}
	}
	return fields, conf, text, nil
}

func flatten(path string, v json.RawMessage, out map[string]string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) == nil && obj != nil {
		for k, x := range obj {
			flatten(join(path, k), x, out)
		}
		return
	}
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) == nil && arr != nil {
		for i, x := range arr {
			flatten(fmt.Sprintf("%s[%d]", path, i), x, out)
		}
		return
	}
	out[path] = string(v)
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func differ(a, b map[string]string) []string {
	var keys []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// lineDiff counts the lines at which the two texts differ, position by
// position (a measure, not a diff).
func lineDiff(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	n := 0
	for i := range max(len(la), len(lb)) {
		if i >= len(la) || i >= len(lb) || la[i] != lb[i] {
			n++
		}
	}
	return n
}

func lines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return out, sc.Err()
}
