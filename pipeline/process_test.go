package pipeline_test

import (
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/ocr/extract"
	"tillroll/pipeline"
)

// The Total's box is where the fixture drew the TOTAL amount, in the
// pixels of the file as stored and shown upright, whatever scaling the
// preprocessing did (a large photo is read smaller, a small scan larger)
// and however the file is turned (EXIF orientation); in both passes.
func TestProcessTotalBox(t *testing.T) {
	eng, err := engine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	r := fixture.Sample()
	tests := []struct {
		name string
		o    fixture.Options
		data func(fixture.Options) []byte
	}{
		{"png at its own size", fixture.Options{}, func(o fixture.Options) []byte { return fixture.PNG(r, o) }},
		{"large photo, read smaller", fixture.Options{Width: 3000}, func(o fixture.Options) []byte { return fixture.JPEG(r, o) }},
		{"small scan, read larger", fixture.Options{Width: 360}, func(o fixture.Options) []byte { return fixture.PNG(r, o) }},
		{"faint thermal print", fixture.Options{Faint: true}, func(o fixture.Options) []byte { return fixture.PNG(r, o) }},
		{"turned by EXIF", fixture.Options{Width: 1000}, func(o fixture.Options) []byte { return fixture.SidewaysJPEG(r, o) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "receipt")
			if err := os.WriteFile(path, tt.data(tt.o), 0o644); err != nil {
				t.Fatal(err)
			}
			res, _, err := pipeline.Process(t.Context(), eng, path, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != r.Total() {
				t.Fatalf("Total %v, want %v", res.Total, r.Total())
			}
			// Where the fixture drew the amount on the TOTAL line.
			texts := fixture.Texts(r, tt.o)
			var drawn image.Rectangle
			for i, tx := range texts {
				if tx.Text == "TOTAL" && i+1 < len(texts) && texts[i+1].Text == fixture.Money(r.Total()) {
					drawn = texts[i+1].Box
				}
			}
			if drawn.Empty() {
				t.Fatalf("the fixture drew no TOTAL line: %+v", texts)
			}
			img := fixture.Image(r, tt.o).Bounds()
			b := res.Boxes
			if b == nil || len(b.Pages) != 1 || b.Pages[0].Width != img.Dx() || b.Pages[0].Height != img.Dy() {
				t.Fatalf("boxes %+v, want one page of %v", b, img.Size())
			}
			box, ok := b.Fields["Total"]
			if !ok || box.Page != 1 {
				t.Fatalf("no Total box on page 1: %+v", b.Fields)
			}
			// OCR's box is tight around the ink; the fixture's runs from
			// ascender to descender. Allow a few pixels' slack.
			got := box.Rect()
			slack := max(3, drawn.Dy()/8)
			if !got.In(drawn.Inset(-slack)) || got.Dx() < drawn.Dx()*3/4 || got.Dy() < drawn.Dy()/3 {
				t.Errorf("Total box %v, the fixture drew %s at %v", got, fixture.Money(r.Total()), drawn)
			}
			// The second pass reads the page larger still (Process keeps
			// the first pass's box where both agree): its boxes are in the
			// same pixels.
			again, err := eng.(pipeline.Rereader).ReadFilePass(t.Context(), path, ocr.SecondPass)
			if err != nil {
				t.Fatal(err)
			}
			f := extract.Extract(again)
			if second, ok := f.Boxes["Total"]; f.Total != r.Total() || !ok || !second.Rect.In(drawn.Inset(-slack)) || second.Rect.Dx() < drawn.Dx()*3/4 {
				t.Errorf("second pass: Total %v box %v (found %v), the fixture drew it at %v", f.Total, second.Rect, ok, drawn)
			}
			for _, k := range []string{"Vendor_Name", "Date", "Subtotal", "Tax"} {
				f, ok := b.Fields[k]
				if !ok || !f.Rect().In(img) || f.Rect().Empty() {
					t.Errorf("%s box %+v (found %v), want one inside %v", k, f, ok, img)
				}
			}
		})
	}
}
