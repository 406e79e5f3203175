package ocr_test

import (
	"bytes"
	"image/png"
	"reflect"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

// TestReadAgainReadsAsTheFileAgain checks that a second pass from the image
// the first reading kept gives what reading the file again with that pass
// gives: on a receipt read at its own size (whose pixels the first pass
// changes in place) and on one found on a larger page. The kept image
// serves once.
func TestReadAgainReadsAsTheFileAgain(t *testing.T) {
	e := newEngine(t)
	r := fixture.Sample()
	rec := fixture.Image(r, fixture.Options{Width: 500, Faint: true})
	page := ocr.TexturedPage(1100, 1300, 60, 3)
	b := rec.Bounds()
	ocr.PasteQuad(t, page, rec, [4][2]float64{{300, 150}, {300 + float64(b.Dx()), 150}, {300 + float64(b.Dx()), 150 + float64(b.Dy())}, {300, 150 + float64(b.Dy())}})
	var onPage bytes.Buffer
	if err := png.Encode(&onPage, page); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"cropped faint receipt", fixture.PNG(r, fixture.Options{Width: 500, Faint: true})},
		{"receipt on a dark page", onPage.Bytes()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first, err := e.Read(t.Context(), tt.data)
			if err != nil {
				t.Fatal(err)
			}
			again, ok, err := e.ReadAgain(t.Context(), first, ocr.SecondPass)
			if err != nil || !ok {
				t.Fatalf("ReadAgain: ok %v, %v", ok, err)
			}
			want, err := e.ReadPass(t.Context(), tt.data, ocr.SecondPass)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(again, want) {
				t.Errorf("read again from the kept image:\n%s\nfrom the file:\n%s", again.Text(), want.Text())
			}
			if lineWith(want, "TOTAL") == "" {
				t.Errorf("the second pass read no TOTAL:\n%s", want.Text())
			}
			if _, ok, _ := e.ReadAgain(t.Context(), first, ocr.SecondPass); ok {
				t.Error("the kept image served twice")
			}
			if _, ok, _ := e.ReadAgain(t.Context(), want, ocr.SecondPass); ok {
				t.Error("a second pass kept its image")
			}
		})
	}
	if _, ok, err := e.ReadAgain(t.Context(), ocr.Document{Kind: ocr.KindPDF, Pages: []ocr.Page{{Number: 1}, {Number: 2}}}, ocr.SecondPass); ok || err != nil {
		t.Errorf("a document with no kept image: ok %v, %v", ok, err)
	}
}
