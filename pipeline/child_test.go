package pipeline_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/store"
)

// childPool is a pool of child workers running this test binary as
// serveTestChild, with limits given as its environment.
func childPool(t *testing.T, st *store.Store, workers, attempts int, timeout time.Duration, env ...string) (*pipeline.Pool, string) {
	t.Helper()
	logDir := t.TempDir()
	scratch := t.TempDir()
	p := pipeline.NewPool(st, pipeline.Options{
		Workers: workers,
		NewWorker: func(i int) (pipeline.Worker, error) {
			return pipeline.NewChild(pipeline.ChildOptions{
				Command: []string{os.Args[0]},
				Env:     append([]string{childEnv + "=1", childEnv + "_LOG=" + logDir}, env...),
				Dir:     filepath.Join(scratch, strconv.Itoa(i)),
				Timeout: timeout,
			})
		},
		MaxAttempts: attempts,
		Poll:        20 * time.Millisecond,
		Now:         func() time.Time { return time.Now().Add(-time.Hour) }, // retries are due at once
	})
	runPool(t, p)
	return p, logDir
}

// poisoned counts the child's readings of a poison file.
func poisoned(t *testing.T, logDir, word string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(logDir, word))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(data)
}

// tallPNG is a 100 x 20000 receipt-like strip: within the pixel limits, and
// a file on which Tesseract itself crashed once the engine scaled it up.
func tallPNG(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 100, 20000))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 0; y < 20000; y += 40 {
		for x := 10; x < 90; x++ {
			img.SetGray(x, y, color.Gray{})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestChildWorkersRetirePoison is the kill loop: a file that kills its
// reader every time, between good receipts. The poison is read exactly the
// attempt limit times (each time in a fresh child), then fails with the
// crash as its reason; every good receipt completes; the pool never stops.
func TestChildWorkersRetirePoison(t *testing.T) {
	st := openStore(t)
	p, logDir := childPool(t, st, 2, 3, time.Minute)
	r := fixture.Sample()
	var good []store.Document
	for i := range 3 {
		r.Items[0].Qty = i + 1
		good = append(good, add(t, st, "good.png", fixture.PNG(r, fixture.Options{})))
		if i == 0 {
			add(t, st, "poison.png", []byte("POISON-ABORT "))
		}
	}
	poison := add(t, st, "poison.png", []byte("POISON-ABORT again"))
	tall := add(t, st, "tall.png", tallPNG(t))
	invoice := add(t, st, "invoice.xml", fixture.CII(fixture.SampleInvoice()))
	p.Kick()

	for _, d := range good {
		if got := wait(t, p, d.ID).Data(); got.Status != capture.StatusCompleted || got.Total <= 0 {
			t.Errorf("good receipt %d: %s %q total %v", d.ID, got.Status, got.Reason, got.Total)
		}
	}
	d := wait(t, p, poison.ID)
	if d.Status != capture.StatusFailed || d.Reason != pipeline.ErrCrashed.Error() {
		t.Errorf("poison: %s %q, want failed %q", d.Status, d.Reason, pipeline.ErrCrashed)
	}
	// Two poison files, three attempts each.
	if n := poisoned(t, logDir, "POISON-ABORT"); n != 6 {
		t.Errorf("poison read %d times, want 3 each for 2 files", n)
	}
	// An e-invoice is read in the child too, its XML's result whole.
	if got := wait(t, p, invoice.ID).Data(); got.Status != capture.StatusCompleted || got.E_Invoice == nil || got.Total != 119 || len(got.Line_Items) != 2 {
		t.Errorf("e-invoice: %s %q total %v e-invoice %+v", got.Status, got.Reason, got.Total, got.E_Invoice)
	}
	// Whatever the engine does with the tall strip, it ends with an outcome.
	if d := wait(t, p, tall.ID); d.Status == capture.StatusFailed && d.Reason == "" {
		t.Errorf("tall strip failed with no reason")
	}
	// The workers still read.
	r.Items[0].Qty = 9
	after := add(t, st, "after.png", fixture.PNG(r, fixture.Options{}))
	p.Kick()
	if got := wait(t, p, after.ID).Data(); got.Status != capture.StatusCompleted || got.Total != r.Total() {
		t.Errorf("receipt after the poison: %s total %v, want %v", got.Status, got.Total, r.Total())
	}
}

// TestChildLimits: a reader that outlives the wall clock, spins past its CPU
// time or allocates past its memory is killed, and its document fails with
// the reason a person can act on; the next document is read by a new child.
func TestChildLimits(t *testing.T) {
	for _, tc := range []struct {
		name, word string
		timeout    time.Duration
		env        []string
		want       error
	}{
		{"wall clock", "POISON-SLEEP", 5 * time.Second, nil, pipeline.ErrTimeout},
		{"CPU time", "POISON-SPIN", time.Minute, []string{childEnv + "_CPU=1s"}, pipeline.ErrTimeout},
		{"memory", "POISON-ALLOC", time.Minute, []string{childEnv + "_MEMORY=" + strconv.Itoa(256<<20)}, pipeline.ErrOutOfMemory},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			p, logDir := childPool(t, st, 1, 1, tc.timeout, tc.env...)
			bad := add(t, st, "bad.png", []byte(tc.word+" "))
			r := fixture.Sample()
			good := add(t, st, "good.png", fixture.PNG(r, fixture.Options{}))
			p.Kick()
			start := time.Now()
			d := wait(t, p, bad.ID)
			if d.Status != capture.StatusFailed || d.Reason != tc.want.Error() {
				t.Errorf("%s: %s %q, want failed %q", tc.word, d.Status, d.Reason, tc.want)
			}
			if tc.timeout < time.Minute && time.Since(start) > tc.timeout+10*time.Second {
				t.Errorf("the wall-clock limit of %s took %s", tc.timeout, time.Since(start))
			}
			if n := poisoned(t, logDir, tc.word); n != 1 {
				t.Errorf("%s read %d times, want 1", tc.word, n)
			}
			if got := wait(t, p, good.ID).Data(); got.Status != capture.StatusCompleted || !strings.Contains(got.Raw_Text, "TOTAL") && got.Total != r.Total() {
				t.Errorf("receipt after it: %s total %v", got.Status, got.Total)
			}
		})
	}
}

// TestChildRestartsAfterMaxJobs: with MaxJobs a child serves that many
// documents, then a new one starts for the next; a file's own error
// crosses the pipe with its reason and its permanence.
func TestChildRestartsAfterMaxJobs(t *testing.T) {
	c, err := pipeline.NewChild(pipeline.ChildOptions{
		Command: []string{os.Args[0]},
		Env:     []string{childEnv + "=1"},
		Dir:     t.TempDir(),
		MaxJobs: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	damaged := filepath.Join(t.TempDir(), "damaged.png")
	if err := os.WriteFile(damaged, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...), 0o600); err != nil {
		t.Fatal(err)
	}
	var pids []int
	for range 2 {
		pids = append(pids, c.PID())
		_, err := c.Read(t.Context(), pipeline.Job{DocID: 7, Path: damaged})
		var re *pipeline.ReadError
		if !errors.As(err, &re) || !re.Permanent || re.Reason != pipeline.Reason(fmt.Errorf("read: %w", ocr.ErrCorrupt)) {
			t.Fatalf("damaged file: %v (%+v)", err, re)
		}
		if c.PID() != 0 {
			t.Errorf("child %d still runs after its one job", c.PID())
		}
	}
	if pids[0] == 0 || pids[1] != 0 {
		t.Errorf("pids before each job: %v, want a running child, then none until the next job", pids)
	}
}
