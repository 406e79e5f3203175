package hostile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tillroll/ocr"
	"tillroll/ocr/hostile"
	"tillroll/pipeline"
)

func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// reasonClass tells a failed document's reason's class by its words, as
// a person reads it.
func reasonClass(reason string) hostile.Outcome {
	switch {
	case strings.HasPrefix(reason, "the image or document is too large"):
		return hostile.TooLarge
	case reason == "the file is damaged or truncated":
		return hostile.Damaged
	case strings.Contains(reason, "encrypted"):
		return hostile.Encrypted
	case strings.HasSuffix(reason, "not supported"), reason == "the file is not a supported image or PDF":
		return hostile.Unsupported
	}
	return hostile.Outcome("unknown: " + reason)
}

// Every file of the corpus, crafted and public, goes through the
// pipeline with the default limits: each ends read, or failed with a
// reason of the right class that holds no path.
func TestCorpus(t *testing.T) {
	eng, err := ocr.NewEngine(ocr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	dir := t.TempDir()
	files := hostile.All(hostile.Options{})
	public, err := hostile.Public("../testdata/corpus")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, public...)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			path := filepath.Join(dir, f.Name)
			if err := os.WriteFile(path, f.Data, 0o600); err != nil {
				t.Fatal(err)
			}
			res, _, err := pipeline.Process(t.Context(), eng, path, time.Now())
			if err == nil {
				if f.Want != hostile.Completed {
					t.Fatalf("read, want failed as %s", f.Want)
				}
				if !strings.Contains(res.Raw_Text, f.Text) {
					t.Fatalf("read text %q, want it to hold %q", res.Raw_Text, f.Text)
				}
				return
			}
			reason := pipeline.Reason(err)
			if strings.Contains(reason, dir) || strings.Contains(reason, f.Name) {
				t.Errorf("reason %q shows a path", reason)
			}
			if got := reasonClass(reason); got != f.Want {
				t.Fatalf("failed as %q (%s; %v), want %s", got, reason, err, f.Want)
			}
			if !errors.Is(err, ocr.ErrTooLarge) && !errors.Is(err, ocr.ErrCorrupt) && !errors.Is(err, ocr.ErrUnsupported) && !errors.Is(err, ocr.ErrEmpty) {
				t.Errorf("error %v is no input error: the pipeline would retry it", err)
			}
		})
	}
}
