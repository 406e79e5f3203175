package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

// TestPageTimeoutOverHTTP: with --page-timeout, a PDF whose first page is
// a scan that Tesseract would take long over completes with its other
// page read, and its result names the page given up and why.
func TestPageTimeoutOverHTTP(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1", "--page-timeout", "3s")
	c := createAccount(t, data, "shop")
	r := fixture.Sample()
	pdf := fixture.PDF(fixture.SpecksPage(2400, 2400), fixture.PDFPage{Lines: r.Lines()})
	d := waitCompleted(t, inst.url, c, uploadAsync(t, inst.url, c, "two-pages.pdf", pdf))
	if math.Abs(d["Total"].(float64)-r.Total()) > 0.001 || d["Pages"].(float64) != 2 {
		t.Errorf("Total %v of %v pages, want %v (page 2) of 2", d["Total"], d["Pages"], r.Total())
	}
	skipped, _ := d["Skipped_Pages"].([]any)
	if len(skipped) != 1 {
		t.Fatalf("Skipped_Pages %v, want page 1", d["Skipped_Pages"])
	}
	s := skipped[0].(map[string]any)
	if s["Page"].(float64) != 1 || !strings.Contains(s["Reason"].(string), "took longer than 3s") {
		t.Errorf("skipped %v, want page 1 for taking longer than 3s", s)
	}
}
