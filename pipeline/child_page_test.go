package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/pipeline"
)

// TestChildPageTimeout: a page that takes longer than the page limit is
// given up, by killing its reader, and the document's other pages are
// read by a new one; the result names the page and why. A document whose
// only page is too slow fails with a reason naming the page.
func TestChildPageTimeout(t *testing.T) {
	const limit = 2 * time.Second
	c, err := pipeline.NewChild(pipeline.ChildOptions{
		Command:     []string{os.Args[0]},
		Env:         []string{childEnv + "=1"},
		Dir:         t.TempDir(),
		Timeout:     time.Minute,
		PageTimeout: limit,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	dir := t.TempDir()
	r := fixture.Sample()
	noise := fixture.SpecksPage(2400, 2400)
	mixed := filepath.Join(dir, "mixed.pdf")
	if err := os.WriteFile(mixed, fixture.PDF(noise, fixture.PDFPage{Lines: r.Lines()}), 0o600); err != nil {
		t.Fatal(err)
	}
	// A fax's TIFF too: its first page the specks, its second the receipt.
	tiff := filepath.Join(dir, "two.tiff")
	if err := os.WriteFile(tiff, fixture.TIFF(false, fixture.Specks(2400, 2400), fixture.Image(r, fixture.Options{Width: 400})), 0o600); err != nil {
		t.Fatal(err)
	}
	alone := filepath.Join(dir, "alone.pdf")
	if err := os.WriteFile(alone, fixture.PDF(noise), 0o600); err != nil {
		t.Fatal(err)
	}

	first := c.PID()
	start := time.Now()
	o, err := c.Read(t.Context(), pipeline.Job{DocID: 1, Path: mixed})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("mixed PDF: %v", err)
	}
	res := o.Result
	if len(res.Skipped_Pages) != 1 || res.Skipped_Pages[0].Page != 1 || !strings.Contains(res.Skipped_Pages[0].Reason, "longer than "+limit.String()) {
		t.Errorf("skipped pages %+v, want page 1 for taking longer than %s", res.Skipped_Pages, limit)
	}
	if res.Pages != 2 || res.Total != r.Total() {
		t.Errorf("mixed PDF read as %d pages, total %v; want 2 pages, total %v (from page 2)", res.Pages, res.Total, r.Total())
	}
	if c.PID() == first || c.PID() == 0 {
		t.Errorf("child %d before, %d after: the slow page's reader should have been replaced", first, c.PID())
	}
	t.Logf("two pages, the first given up after %s: %s", limit, took)

	o, err = c.Read(t.Context(), pipeline.Job{DocID: 4, Path: tiff})
	if err != nil || len(o.Result.Skipped_Pages) != 1 || o.Result.Skipped_Pages[0].Page != 1 || o.Result.Pages != 2 || o.Result.Total != r.Total() {
		t.Errorf("two-page TIFF: %v, skipped %+v, %d pages, total %v; want page 1 skipped and the total %v from page 2",
			err, o.Result.Skipped_Pages, o.Result.Pages, o.Result.Total, r.Total())
	}

	_, err = c.Read(t.Context(), pipeline.Job{DocID: 2, Path: alone})
	var pt *pipeline.PageTimeoutError
	if !errors.As(err, &pt) || !errors.Is(err, pipeline.ErrTimeout) {
		t.Fatalf("one slow page: %v, want a page timeout", err)
	}
	if got, want := pipeline.Reason(err), "reading page 1 took longer than "+limit.String(); got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if c.PID() != 0 {
		t.Errorf("child %d still runs after its page's time", c.PID())
	}
	// The next document is read by a new child, whole.
	good := filepath.Join(dir, "good.pdf")
	if err := os.WriteFile(good, fixture.PDF(fixture.PDFPage{Lines: r.Lines()}), 0o600); err != nil {
		t.Fatal(err)
	}
	if o, err := c.Read(t.Context(), pipeline.Job{DocID: 3, Path: good}); err != nil || o.Result.Total != r.Total() || o.Result.Skipped_Pages != nil {
		t.Errorf("good PDF after it: %v, total %v, skipped %v", err, o.Result.Total, o.Result.Skipped_Pages)
	}
}
