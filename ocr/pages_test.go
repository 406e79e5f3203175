package ocr_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

func TestPageCount(t *testing.T) {
	three := fixture.PDF(fixture.PDFPage{Lines: []string{"ONE"}}, fixture.PDFPage{Lines: []string{"TWO"}}, fixture.PDFPage{Lines: []string{"THREE"}})
	for _, tc := range []struct {
		name string
		data []byte
		want int
		err  error
	}{
		{"pdf of three pages", three, 3, nil},
		{"png", fixture.PNG(fixture.Sample(), fixture.Options{Width: 200}), 1, nil},
		{"pdf cut short", three[:len(three)/2], 0, ocr.ErrCorrupt},
		{"not a document", []byte("hello"), 0, ocr.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ocr.PageCount(tc.data)
			if n != tc.want || (tc.err == nil) != (err == nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("PageCount = %d, %v; want %d, %v", n, err, tc.want, tc.err)
			}
		})
	}
}

func TestOnlyPages(t *testing.T) {
	d := ocr.Document{Pages: []ocr.Page{{Number: 1}, {Number: 2}, {Number: 3}, {Number: 4}}}
	for _, tc := range []struct {
		first, last int
		want        []int
	}{{0, 0, []int{1, 2, 3, 4}}, {2, 3, []int{2, 3}}, {3, 0, []int{3, 4}}, {0, 1, []int{1}}} {
		got := d.OnlyPages(tc.first, tc.last)
		var nums []int
		for _, p := range got.Pages {
			nums = append(nums, p.Number)
		}
		if len(nums) != len(tc.want) || (len(nums) > 0 && (nums[0] != tc.want[0] || nums[len(nums)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("OnlyPages(%d, %d) = %v, want %v", tc.first, tc.last, nums, tc.want)
		}
	}
}

// TestReadFilePages: the pages outside the range are not read at all. The
// first page's image is cut short, so reading it fails; asked for pages
// 2-3 only, the engine never decodes it.
func TestReadFilePages(t *testing.T) {
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{Width: 300})
	pdf := fixture.PDF(
		fixture.PDFPage{JPEG: jpg[:len(jpg)/2], W: 300, H: 600},
		fixture.PDFPage{Lines: []string{"SECOND PAGE OF THE DOCUMENT", "TOTAL 2.00"}},
		fixture.PDFPage{Lines: []string{"THIRD PAGE OF THE DOCUMENT", "TOTAL 3.00"}},
	)
	path := filepath.Join(t.TempDir(), "three.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t)
	if _, err := e.ReadFile(context.Background(), path); err == nil {
		t.Fatal("the whole file read, with its broken first page")
	}
	doc, err := e.ReadFilePages(context.Background(), path, ocr.FirstPass, 2, 3)
	if err != nil {
		t.Fatalf("pages 2-3: %v", err)
	}
	if len(doc.Pages) != 2 || doc.Pages[0].Number != 2 || !strings.Contains(doc.Text(), "THIRD PAGE") {
		t.Fatalf("pages %d, text %q", len(doc.Pages), doc.Text())
	}
	// The engine reads whole files again afterwards.
	if _, err := e.ReadFile(context.Background(), path); err == nil {
		t.Error("the page range outlived ReadFilePages")
	}
}
