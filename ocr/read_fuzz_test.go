package ocr_test

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"slices"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/ocr/hostile"
)

// hostileSeeds adds the crafted corpus's files of the kinds: each once
// crashed, hung or exhausted a reader. Its bombs are made smaller than
// the corpus test's, still far past the fuzz engine's limits.
func hostileSeeds(f *testing.F, kinds ...ocr.Kind) {
	for _, h := range hostile.All(hostile.Options{Bomb: 8 << 20}) {
		k, err := ocr.Sniff(h.Data[:min(len(h.Data), ocr.SniffLen)])
		if err == nil && slices.Contains(kinds, k) {
			f.Add(h.Data)
		}
	}
}

// fuzzEngine reads with small limits, so that no input the fuzzer makes
// costs more than a second.
func fuzzEngine(f *testing.F) *ocr.Engine {
	e, err := ocr.NewEngine(ocr.Options{Limits: ocr.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 2000, MaxPages: 3}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	return e
}

// FuzzReadImage: Engine.Read on arbitrary bytes returns a document or an
// error, never panics, and never decodes past the pixel limit.
func FuzzReadImage(f *testing.F) {
	e := fuzzEngine(f)
	small := fixture.Image(fixture.Sample(), fixture.Options{Width: 160})
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 160})
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{Width: 160})
	var g, b bytes.Buffer
	if err := gif.Encode(&g, small, nil); err != nil {
		f.Fatal(err)
	}
	if err := bmp.Encode(&b, small); err != nil {
		f.Fatal(err)
	}
	tiny := image.NewGray(image.Rect(0, 0, 4, 4))
	var tj, tt bytes.Buffer
	if err := jpeg.Encode(&tj, tiny, nil); err != nil {
		f.Fatal(err)
	}
	if err := tiff.Encode(&tt, tiny, nil); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		png, jpg, g.Bytes(), b.Bytes(), tj.Bytes(),
		jpg[:len(jpg)/2], png[:40],
		tt.Bytes(),
		fixture.TIFF(false, tiny, small), fixture.TIFF(true, tiny, tiny),
		[]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"),
		[]byte("II*\x00\x08\x00\x00\x00"),
		[]byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"),
		{},
	} {
		f.Add(seed)
	}
	hostileSeeds(f, ocr.KindPNG, ocr.KindTIFF, ocr.KindWebP, ocr.KindJPEG, ocr.KindGIF, ocr.KindBMP)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = e.Read(t.Context(), data)
	})
}

// FuzzReadPDF: Engine.Read on mangled PDFs (text layers, scanned pages,
// broken trees and xrefs) returns a document or an error, never panics.
func FuzzReadPDF(f *testing.F) {
	e := fuzzEngine(f)
	var scan bytes.Buffer
	img := fixture.Image(fixture.Sample(), fixture.Options{Width: 160})
	if err := jpeg.Encode(&scan, img, &jpeg.Options{Quality: 70}); err != nil {
		f.Fatal(err)
	}
	text := fixture.PDFPage{Lines: []string{"ACME SUPPLIES", "Total 12.50"}}
	scanned := fixture.PDFPage{JPEG: scan.Bytes(), W: img.Rect.Dx(), H: img.Rect.Dy()}
	whole := fixture.PDF(text, scanned)
	for _, seed := range [][]byte{
		fixture.PDF(text),
		whole,
		whole[:len(whole)/2],
		fixture.PDF(text, text, text, text),
		[]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"),
		[]byte("%PDF-1.7\n1 0 obj << /Type /Pages /Kids [1 0 R] /Count 1 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"),
		[]byte("%PDF-"),
	} {
		f.Add(seed)
	}
	hostileSeeds(f, ocr.KindPDF)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = e.Read(t.Context(), data)
	})
}

// FuzzPageCount: PageCount, which the server itself runs on an upload
// with a page range (no worker process between it and the file), on
// mangled PDFs and TIFFs returns a count or an error, and never panics, hangs or
// runs out of memory: the pre-scan bounds what it reads.
func FuzzPageCount(f *testing.F) {
	tiny := image.NewGray(image.Rect(0, 0, 4, 4))
	text := fixture.PDFPage{Lines: []string{"ACME SUPPLIES", "Total 12.50"}}
	whole := fixture.PDF(text, text, fixture.PDFPage{JPEG: fixture.Deflate(64, 200), W: 8, H: 8, ImageFilter: "FlateDecode"})
	for _, seed := range [][]byte{
		fixture.PDF(text),
		whole,
		whole[:len(whole)/2],
		[]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"),
		[]byte("%PDF-1.7\n1 0 obj << /Type /Pages /Kids [1 0 R] /Count 1 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"),
		[]byte("%PDF-"),
		fixture.TIFF(false, tiny, tiny, tiny), fixture.TIFF(true, tiny, tiny),
	} {
		f.Add(seed)
	}
	hostileSeeds(f, ocr.KindPDF, ocr.KindTIFF)
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ocr.PageCount(data)
		if err == nil && n < 1 {
			k, _ := ocr.Sniff(data[:min(len(data), ocr.SniffLen)])
			if k == ocr.KindPDF || k == ocr.KindTIFF {
				t.Errorf("a %s of %d pages and no error", k, n)
			}
		}
	})
}
