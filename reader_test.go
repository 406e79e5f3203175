package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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
		total, doc := readSample(t, r, fixture.Options{})
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
	total, _ := readSample(t, r, fixture.Options{})
	if want := fixture.Sample().Total(); total != want {
		t.Errorf("total %.2f, want %.2f", total, want)
	}
	// Faded print leaves Tesseract unsure of some words: those are read
	// again, as words of their line.
	_, doc := readSample(t, r, fixture.Options{Faint: true})
	reread := 0
	for _, l := range doc.Pages[0].Lines {
		if len(l.Alt) == 0 {
			continue
		}
		reread++
		alt, box := ocr.JoinWords(l.Alt)
		if alt == "" || !box.Overlaps(l.Box) {
			t.Errorf("line %q %v read again as %q %v", l.Text, l.Box, alt, box)
		}
	}
	if reread == 0 {
		t.Error("no line of a faded receipt was read again")
	}

	// With Tesseract's choices: the amounts read again carry them, and
	// the total is still the receipt's.
	cfg.choices = true
	rc, err := newReader(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	total, doc = readSample(t, rc, fixture.Options{Faint: true})
	if want := fixture.Sample().Total(); total != want {
		t.Errorf("with choices: total %.2f, want %.2f", total, want)
	}
	withChoices := 0
	for _, l := range doc.Pages[0].Lines {
		for _, sc := range l.Choices {
			withChoices++
			if sc.First < 0 || sc.End > len(l.Words) || sc.First >= sc.End || len(sc.Symbols) == 0 {
				t.Errorf("line %q: choices %+v", l.Text, sc)
			}
		}
	}
	if withChoices == 0 {
		t.Error("no amount read again carries Tesseract's choices")
	}
}

// readSample reads the sample receipt with r, as a worker does.
func readSample(t *testing.T, r pipeline.Reader, o fixture.Options) (float64, ocr.Document) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.png")
	if err := os.WriteFile(path, fixture.PNG(fixture.Sample(), o), 0o644); err != nil {
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

// lockedBuffer is a log the server writes from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeSaysSecondReaderIsMissing(t *testing.T) {
	var log lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"),
		"--workers", "2", "--recognizer-dir", t.TempDir()}
	go func() {
		err := run(ctx, args, func(string) string { return "" }, pw, &log)
		_ = pw.CloseWithError(fmt.Errorf("serve ended: %v", err))
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	url := ""
	for sc.Scan() {
		if m := regexp.MustCompile(`running: (http://\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		t.Fatalf("serve printed no URL: %v", sc.Err())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Status       string `json:"status"`
		SecondReader struct {
			On     bool   `json:"on"`
			Status string `json:"status"`
		} `json:"second_reader"`
	}
	err = json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.SecondReader.On || !strings.Contains(h.SecondReader.Status, "Tesseract alone") {
		t.Errorf("healthz: %+v", h)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("serve: %v", err)
	}
	if n := strings.Count(log.String(), "second reader off"); n != 1 {
		t.Errorf("the log says the second reader is off %d times, want once:\n%s", n, log.String())
	}
}
