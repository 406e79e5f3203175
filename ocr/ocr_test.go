package ocr_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

func newEngine(t testing.TB) *ocr.Engine {
	t.Helper()
	e, err := ocr.NewEngine(ocr.Options{})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSniff(t *testing.T) {
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})
	tests := []struct {
		name string
		head []byte
		want ocr.Kind
		err  error
	}{
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, ocr.KindJPEG, nil},
		{"png", png, ocr.KindPNG, nil},
		{"tiff little-endian", []byte("II*\x00\x08\x00\x00\x00"), ocr.KindTIFF, nil},
		{"tiff big-endian", []byte("MM\x00*\x00\x00\x00\x08"), ocr.KindTIFF, nil},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), ocr.KindWebP, nil},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ocr.KindGIF, nil},
		{"bmp", []byte("BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), ocr.KindBMP, nil},
		{"pdf", []byte("%PDF-1.7\n"), ocr.KindPDF, nil},
		{"pdf after junk", []byte("\r\n\xef\xbb\xbf%PDF-1.4\n"), ocr.KindPDF, nil},
		{"empty", nil, "", ocr.ErrEmpty},
		{"text named .jpg", []byte("just some text, not an image"), "", ocr.ErrUnsupported},
		{"html", []byte("<html><script>alert(1)</script>"), "", ocr.ErrUnsupported},
		{"riff that is not webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "", ocr.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ocr.Sniff(tt.head)
			if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Sniff = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

// bombPNG is a valid PNG header claiming w x h pixels, with no pixel data:
// a decoder that trusted it would allocate w*h*4 bytes.
func bombPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// IHDR starts at byte 16: width and height, big-endian; fix its CRC.
	put := func(off, v int) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	put(16, w)
	put(20, h)
	crc := crc32IEEE(b[12:29])
	put(29, int(crc))
	return b
}

func TestReadRefusesBadImages(t *testing.T) {
	e := newEngine(t)
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", []byte{}, ocr.ErrEmpty},
		{"text named .jpg", []byte("just some text, not an image"), ocr.ErrUnsupported},
		{"truncated jpeg", jpg[:len(jpg)/3], ocr.ErrCorrupt},
		{"jpeg header only", jpg[:20], ocr.ErrCorrupt},
		{"png bomb 40000x40000", bombPNG(t, 40000, 40000), ocr.ErrTooLarge},
		{"png 1x60000", bombPNG(t, 1, 60000), ocr.ErrTooLarge},
		{"corrupt pdf", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer <<>>\n%%EOF"), ocr.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.ReadFile(t.Context(), writeFile(t, "f", tt.data))
			if !errors.Is(err, tt.want) {
				t.Errorf("ReadFile error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadFileTooLarge(t *testing.T) {
	e, err := ocr.NewEngine(ocr.Options{Limits: ocr.Limits{MaxBytes: 1000, MaxPixels: 1 << 20, MaxSide: 4000, MaxPages: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.ReadFile(t.Context(), writeFile(t, "big.jpg", make([]byte, 2000))); !errors.Is(err, ocr.ErrTooLarge) {
		t.Errorf("over MaxBytes: %v", err)
	}
	three := fixture.PDF(fixture.PDFPage{Lines: []string{"a"}}, fixture.PDFPage{Lines: []string{"b"}}, fixture.PDFPage{Lines: []string{"c"}})
	if _, err := e.Read(t.Context(), three); !errors.Is(err, ocr.ErrTooLarge) {
		t.Errorf("over MaxPages: %v", err)
	}
}

// lineWith returns the first line containing s, or "". A leading "\n"
// in s matches the start of a line.
func lineWith(doc ocr.Document, s string) string {
	for _, p := range doc.Pages {
		for _, l := range p.Lines {
			if strings.Contains("\n"+l.Text, s) {
				return l.Text
			}
		}
	}
	return ""
}

func TestReadImages(t *testing.T) {
	e := newEngine(t)
	r := fixture.Sample()
	total := fixture.Money(r.Total())
	img := fixture.Image(r, fixture.Options{})
	tests := []struct {
		name string
		data []byte
		kind ocr.Kind
	}{
		{"png", fixture.PNG(r, fixture.Options{}), ocr.KindPNG},
		{"jpeg", fixture.JPEG(r, fixture.Options{}), ocr.KindJPEG},
		{"faint thermal png", fixture.PNG(r, fixture.Options{Faint: true}), ocr.KindPNG},
		{"small scan, 400 px", fixture.PNG(r, fixture.Options{Width: 400}), ocr.KindPNG},
		{"rotated by EXIF", fixture.SidewaysJPEG(r, fixture.Options{}), ocr.KindJPEG},
		{"tiff", encodeTIFF(t, img), ocr.KindTIFF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := e.Read(t.Context(), tt.data)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if doc.Kind != tt.kind || len(doc.Pages) != 1 || doc.Pages[0].Number != 1 {
				t.Fatalf("kind %q, %d pages", doc.Kind, len(doc.Pages))
			}
			// The TOTAL line ends in the amount (a speck of a faded
			// receipt may stand between them).
			l := lineWith(doc, "\nTOTAL ")
			if !strings.HasSuffix(l, " "+total) || lineWith(doc, "CORNER GROCER") == "" {
				t.Fatalf("no TOTAL %s or merchant in:\n%s", total, doc.Text())
			}
			// Boxes are in the page's own pixels, inside the page.
			p := doc.Pages[0]
			bounds := image.Rect(0, 0, p.Width, p.Height)
			for _, ln := range p.Lines {
				for _, w := range ln.Words {
					if !w.Box.In(bounds) || w.Box.Empty() || w.Conf < 0 || w.Conf > 100 {
						t.Fatalf("word %q box %v conf %v outside page %v", w.Text, w.Box, w.Conf, bounds)
					}
				}
			}
		})
	}
}

func TestReadPDF(t *testing.T) {
	e := newEngine(t)
	r := fixture.Sample()
	var scan bytes.Buffer
	img := fixture.Image(r, fixture.Options{})
	if err := jpeg.Encode(&scan, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	text := fixture.PDFPage{Lines: []string{"ACME SUPPLIES INC", "Invoice INV-2041", "Date 2024-05-02", "Total 1,234.50"}}
	scanned := fixture.PDFPage{JPEG: scan.Bytes(), W: img.Rect.Dx(), H: img.Rect.Dy()}

	doc, err := e.Read(t.Context(), fixture.PDF(text, scanned))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if doc.Kind != ocr.KindPDF || len(doc.Pages) != 2 {
		t.Fatalf("kind %q, %d pages", doc.Kind, len(doc.Pages))
	}
	p1, p2 := doc.Pages[0], doc.Pages[1]
	if !p1.TextLayer || len(p1.Lines) != 4 || p1.Lines[0].Text != "ACME SUPPLIES INC" || p1.Lines[3].Text != "Total 1,234.50" {
		t.Errorf("text layer page: %+v", p1.Lines)
	}
	if p1.Lines[0].Box.Min.Y >= p1.Lines[3].Box.Min.Y {
		t.Errorf("lines not top to bottom: %v then %v", p1.Lines[0].Box, p1.Lines[3].Box)
	}
	if p2.TextLayer || p2.Number != 2 || lineWith(ocr.Document{Pages: []ocr.Page{p2}}, "TOTAL "+fixture.Money(r.Total())) == "" {
		t.Errorf("scanned page not read:\n%s", ocr.Document{Pages: []ocr.Page{p2}}.Text())
	}
}

// TJ arrays with kerning: the words come out whole, split where the
// kerning leaves a gap, and nothing is added after an array.
func TestReadPDFKerning(t *testing.T) {
	e := newEngine(t)
	content := "BT /F1 10 Tf 72 700 Td [(Fac) 20 (tuur) -300 (totaal)] TJ 200 0 Td [(EUR)] TJ 60 0 Td [(49,99)] TJ ET\n" +
		"BT /F1 10 Tf 72 680 Td (Invoice) Tj ( ) Tj (VF1005193039) Tj ET"
	doc, err := e.Read(t.Context(), fixture.PDF(fixture.PDFPage{Content: content}))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	var got []string
	for _, l := range doc.Pages[0].Lines {
		got = append(got, l.Text)
	}
	want := []string{"Factuur totaal EUR 49,99", "Invoice VF1005193039"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// A scanned PDF page's images are checked before any is decoded: a small
// Flate stream that inflates far past the pixels its image declares (a
// decompression bomb), or a declared size over the limits, fails the
// document as too large; an honest Flate image is read.
func TestReadPDFImageBombs(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		name   string
		page   fixture.PDFPage
		tooBig bool
	}{
		{"bomb: 64 MB from a 100x100 image", fixture.PDFPage{JPEG: fixture.Deflate(64<<20, 0), W: 100, H: 100, ImageFilter: "FlateDecode"}, true},
		{"declared over the side limit", fixture.PDFPage{JPEG: fixture.Deflate(100, 255), W: 30000, H: 10, ImageFilter: "FlateDecode"}, true},
		{"honest Flate image", fixture.PDFPage{JPEG: fixture.Deflate(300*200, 255), W: 300, H: 200, ImageFilter: "FlateDecode"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := e.Read(t.Context(), fixture.PDF(tt.page))
			switch {
			case tt.tooBig && !errors.Is(err, ocr.ErrTooLarge):
				t.Fatalf("got %v, want ErrTooLarge", err)
			case !tt.tooBig && (err != nil || len(doc.Pages) != 1):
				t.Fatalf("got %d pages, %v", len(doc.Pages), err)
			}
		})
	}
}

// Spaces drawn over the start of a line (padding some writers add) do
// not split its first word, while a real space still does.
func TestReadPDFSpacesDrawnOver(t *testing.T) {
	e := newEngine(t)
	content := "BT /F1 8 Tf 45 677 Td (Factuurnummer: 993548900) Tj ET\n" +
		"BT /F1 8 Tf 45 677 Td (  ) Tj ET"
	doc, err := e.Read(t.Context(), fixture.PDF(fixture.PDFPage{Content: content}))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(doc.Pages[0].Lines) != 1 || doc.Pages[0].Lines[0].Text != "Factuurnummer: 993548900" {
		t.Errorf("lines %+v, want one: \"Factuurnummer: 993548900\"", doc.Pages[0].Lines)
	}
}

// A page tree that lists itself among its kids is a damaged file, not a
// reader that never returns (the PDF library alone loops for ever).
func TestReadPDFPageTreeLoop(t *testing.T) {
	e := newEngine(t)
	pdf := fixture.PDF(fixture.PDFPage{Lines: []string{"SHOP", "TOTAL 12.50"}})
	looped := bytes.Replace(pdf, []byte("/Kids [5 0 R]"), []byte("/Kids [2 0 R]"), 1)
	if bytes.Equal(looped, pdf) {
		t.Fatal("the fixture's page tree changed: update this test")
	}
	if _, err := e.Read(t.Context(), looped); !errors.Is(err, ocr.ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}
