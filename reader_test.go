package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/ocr/recog"
	"tillroll/pipeline"
)

func TestReaderWithoutRecognizer(t *testing.T) {
	// A folder without the library or the model: Tesseract alone, and
	// the status says why.
	cfg := readerConfig{limits: ocr.DefaultLimits(), second: true, dir: t.TempDir()}
	on, status := secondReaderStatus(cfg)
	if on || !strings.Contains(status, "Tesseract alone") || !strings.Contains(status, "not installed") {
		t.Errorf("status %v %q", on, status)
	}
	off := cfg
	off.second = false
	if on, status := secondReaderStatus(off); on || !strings.Contains(status, "turned off") {
		t.Errorf("turned off: status %v %q", on, status)
	}
	for _, c := range []readerConfig{cfg, off} {
		r, err := newReader(c)
		if err != nil {
			t.Fatal(err)
		}
		total, doc := readSample(t, r)
		if want := fixture.Sample().Total(); total != want {
			t.Errorf("total %.2f, want %.2f", total, want)
		}
		for _, l := range doc.Pages[0].Lines {
			if len(l.Alt) > 0 {
				t.Errorf("line %q read again without the recognizer", l.Text)
			}
		}
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestReaderWithRecognizer(t *testing.T) {
	dir := recog.Locate(os.Getenv("TILLROLL_RECOGNIZER_DIR"))
	if _, err := os.Stat(filepath.Join(dir, recog.LibraryFile)); err != nil {
		if os.Getenv("TILLROLL_REQUIRE_RECOGNIZER") != "" {
			t.Fatalf("second recognizer not installed: %v", err)
		}
		t.Skip("second recognizer not installed (make deps)")
	}
	cfg := readerConfig{limits: ocr.DefaultLimits(), second: true, dir: dir}
	if on, status := secondReaderStatus(cfg); !on {
		t.Fatalf("status: %s", status)
	}
	r, err := newReader(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	total, doc := readSample(t, r)
	if want := fixture.Sample().Total(); total != want {
		t.Errorf("total %.2f, want %.2f", total, want)
	}
	reread := 0
	for _, l := range doc.Pages[0].Lines {
		if len(l.Alt) > 0 {
			reread++
		}
		alt, _ := ocr.JoinWords(l.Alt)
		if strings.Contains(l.Text, "TOTAL") && !strings.Contains(alt, "TOTAL") {
			t.Errorf("the total's line %q was read again as %q", l.Text, alt)
		}
	}
	if reread == 0 {
		t.Error("no line was read again")
	}
}

// readSample reads the sample receipt with r, as a worker does.
func readSample(t *testing.T, r pipeline.Reader) (float64, ocr.Document) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.png")
	if err := os.WriteFile(path, fixture.PNG(fixture.Sample(), fixture.Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := r.ReadFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := pipeline.Process(context.Background(), r, path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return res.Total, doc
}
