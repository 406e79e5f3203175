package ocr

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDbgShared(t *testing.T) {
	var files []string
	filepath.Walk("/work/shared/testdata", func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && filepath.Ext(p) == ".pdf" {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		data, _ := os.ReadFile(f)
		start := time.Now()
		_, err := preparePDF(data, DefaultLimits())
		if err != nil || time.Since(start) > 200*time.Millisecond {
			t.Logf("%s %d %v %v", f, len(data), err, time.Since(start))
		}
	}
	t.Log(len(files))
}
