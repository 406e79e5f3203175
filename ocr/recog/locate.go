package recog

import (
	"os"
	"path/filepath"
)

// DirName is where `make deps` installs the recognizer, under the
// repository (or beside the binary).
const DirName = "third_party/recognizer"

// Locate is the recognizer folder to use: dir when given, else the first
// DirName found in the working directory or one of its parents, or beside
// the executable. It is "" when there is none.
func Locate(dir string) string {
	if dir != "" {
		return dir
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			starts = append(starts, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		p := filepath.Join(s, DirName)
		if _, err := os.Stat(filepath.Join(p, ModelFile)); err == nil {
			return p
		}
	}
	return ""
}
