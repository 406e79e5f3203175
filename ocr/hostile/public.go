package hostile

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Public reads the public half of the corpus: the files in dir, and the
// outcome each must have from dir's OUTCOMES file, one line a file:
// "name<TAB>outcome[<TAB>word the text must hold]". A file without a
// line, or a line without a file, is an error: the list stays complete.
func Public(dir string) ([]File, error) {
	f, err := os.Open(filepath.Join(dir, "OUTCOMES"))
	if err != nil {
		return nil, fmt.Errorf("corpus outcomes: %w", err)
	}
	defer f.Close()
	want := map[string]File{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) < 2 {
			return nil, fmt.Errorf("corpus outcomes: %q: want name, tab, outcome", line)
		}
		file := File{Name: fields[0], Want: Outcome(fields[1])}
		if len(fields) > 2 {
			file.Text = fields[2]
		}
		want[file.Name] = file
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus outcomes: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var files []File
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "OUTCOMES" || name == "README.md" {
			continue
		}
		file, ok := want[name]
		if !ok {
			return nil, fmt.Errorf("corpus: %s has no line in OUTCOMES", name)
		}
		delete(want, name)
		if file.Data, err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Errorf("corpus: %w", err)
		}
		files = append(files, file)
	}
	for name := range want {
		return nil, fmt.Errorf("corpus: OUTCOMES lists %s, which is not there", name)
	}
	return files, nil
}
