package ocr_test

import (
	"context"
	"errors"
	"image"
	"os"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

// TestMultiPageTIFF: every page of a multi-page TIFF is read, as a PDF's
// pages are, and counted; a page range reads only its pages; a chain of
// pages that loops is damaged, not read for ever.
func TestMultiPageTIFF(t *testing.T) {
	r1, r2 := fixture.Sample(), fixture.Sample()
	r2.Items[0].Qty = 3
	p1 := fixture.Image(r1, fixture.Options{Width: 400})
	p2 := fixture.Image(r2, fixture.Options{Width: 400})
	two := fixture.TIFF(false, p1, p2)
	e := newEngine(t)

	if n, err := ocr.PageCount(two); n != 2 || err != nil {
		t.Errorf("PageCount = %d, %v; want 2", n, err)
	}
	doc, err := e.Read(context.Background(), two)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Kind != ocr.KindTIFF || len(doc.Pages) != 2 || doc.Pages[1].Number != 2 {
		t.Fatalf("%s of %d pages, want a TIFF of 2", doc.Kind, len(doc.Pages))
	}
	for i, r := range []*fixture.Receipt{r1, r2} {
		var text strings.Builder
		for _, l := range doc.Pages[i].Lines {
			text.WriteString(l.Text + "\n")
		}
		if want := fixture.Money(r.Total()); !strings.Contains(text.String(), want) {
			t.Errorf("page %d lacks its total %s:\n%s", i+1, want, text.String())
		}
	}

	path := t.TempDir() + "/two.tiff"
	if err := os.WriteFile(path, two, 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err = e.ReadFilePages(context.Background(), path, ocr.FirstPass, 2, 2)
	if err != nil || len(doc.Pages) != 1 || doc.Pages[0].Number != 2 || !strings.Contains(doc.Text(), fixture.Money(r2.Total())) {
		t.Errorf("page 2 alone: %v, %d pages", err, len(doc.Pages))
	}

	// A single-page TIFF reads as before.
	if n, err := ocr.PageCount(fixture.TIFF(false, p1)); n != 1 || err != nil {
		t.Errorf("PageCount of one page = %d, %v", n, err)
	}
	loop := fixture.TIFF(true, p1, p2)
	if _, err := e.Read(context.Background(), loop); !errors.Is(err, ocr.ErrCorrupt) {
		t.Errorf("pages that loop: %v, want ErrCorrupt", err)
	}
	if _, err := ocr.PageCount(loop); !errors.Is(err, ocr.ErrCorrupt) {
		t.Errorf("PageCount of pages that loop: %v, want ErrCorrupt", err)
	}
	many := make([]*image.Gray, ocr.DefaultLimits().MaxPages+1)
	for i := range many {
		many[i] = image.NewGray(image.Rect(0, 0, 8, 8))
	}
	if _, err := e.Read(context.Background(), fixture.TIFF(false, many...)); !errors.Is(err, ocr.ErrTooLarge) {
		t.Errorf("%d pages: %v, want ErrTooLarge", len(many), err)
	}
}
