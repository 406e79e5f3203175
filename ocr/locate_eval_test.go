package ocr_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/eval"
	"tillroll/ocr"
	"tillroll/ocr/extract"
	"tillroll/ocr/recog"
	"tillroll/pipeline"
)

// TestLocateMeasure measures what finding the receipt on the page gains:
// it makes, from each cropped receipt of a folder (TILLROLL_LOCATE_EVAL,
// the German set), flatbed scans (the receipt on an A4 page at 300 dpi:
// over a dark lid, slightly turned; straight on a white lid; and on a
// white lid pushed into the page's top right corner, where the same
// scanner's uncropped scans of these receipts show them) and a phone
// photo (the receipt in perspective on a textured table), and scores them
// with tillroll eval's scoring, once read whole and once located. It also
// scores the cropped receipts both ways (locating must leave them as they
// were), and saved again as a JPEG of quality 85 (recoded: what a lossy
// saving alone changes; the pages are saved losslessly). The engine is made as the product makes it (reader.go
// newReader): with TILLROLL_RECOGNIZER_DIR set, with the second reader.
// It takes minutes, so it runs only when asked:
//
//	TILLROLL_LOCATE_EVAL=../shared/testdata/receipts-de go test -run TestLocateMeasure -v ./ocr/
//
// TILLROLL_LOCATE_KINDS (say "whitelid,corner") and TILLROLL_LOCATE_MODES
// ("located" or "whole") restrict it while iterating.
func TestLocateMeasure(t *testing.T) {
	src := os.Getenv("TILLROLL_LOCATE_EVAL")
	if src == "" {
		t.Skip("set TILLROLL_LOCATE_EVAL to a folder of cropped receipts with truth")
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join("..", src)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	recoded, scan, lid, corner, photo := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for i, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".jpg") {
			continue
		}
		id := strings.TrimSuffix(name, ".jpg")
		truth, err := os.ReadFile(filepath.Join(src, id+".json"))
		if err != nil {
			continue
		}
		f, err := os.Open(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		rec := gray(img)
		b := rec.Bounds()
		// The cropped receipt itself, saved again as every page below is
		// (JPEG, quality 85): what that alone changes.
		write(t, recoded, id, rec, truth, true)
		// A4 at 300 dpi with room for the longest receipt.
		pw, ph := 2552, max(3508, b.Dy()+400)
		page := ocr.TexturedPage(pw, ph, 60, uint64(i))
		ocr.PasteQuad(t, page, rec, ocr.Turned(b, float64(i%5)-2, float64(pw)/2-300+float64(i%3)*200, float64(ph)/2))
		write(t, scan, id, page, truth, false)
		// The same on a closed white lid, hardly darker than the paper.
		page = ocr.TexturedPage(pw, ph, 236, uint64(i))
		ocr.PasteQuad(t, page, rec, ocr.Turned(b, 0, float64(pw)/2-300+float64(i%3)*200, float64(ph)/2))
		write(t, lid, id, page, truth, false)
		// On a white lid in the corner: a scanner's A4 page (2552 x 3508,
		// what these receipts were cropped from), the receipt laid against
		// its top right corner and cut off where it runs past the bottom.
		page = ocr.TexturedPage(2552, 3508, 236, uint64(i))
		cx, cy := float64(2552-18-b.Dx()), 30.0
		ocr.PasteQuad(t, page, rec, [4][2]float64{{cx, cy}, {cx + float64(b.Dx()), cy}, {cx + float64(b.Dx()), cy + float64(b.Dy())}, {cx, cy + float64(b.Dy())}})
		write(t, corner, id, page, truth, false)
		// A photo: perspective, a brighter wooden table, smaller.
		pw, ph = 2000, max(2600, b.Dy()*9/10+500)
		page = ocr.TexturedPage(pw, ph, 125, uint64(i)+100)
		w, h := float64(b.Dx())*0.9, float64(b.Dy())*0.9
		x0, y0 := float64(pw)/2-w/2, float64(ph)/2-h/2
		ocr.PasteQuad(t, page, rec, [4][2]float64{{x0 + 60, y0}, {x0 + w - 30, y0 + 40}, {x0 + w + 40, y0 + h}, {x0 - 40, y0 + h - 30}})
		write(t, photo, id, page, truth, false)
	}
	kinds, modes := os.Getenv("TILLROLL_LOCATE_KINDS"), os.Getenv("TILLROLL_LOCATE_MODES")
	for _, c := range []struct{ name, dir string }{{"cropped", src}, {"recoded", recoded}, {"flatbed", scan}, {"whitelid", lid}, {"corner", corner}, {"photo", photo}} {
		if kinds != "" && !slices.Contains(strings.Split(kinds, ","), c.name) {
			continue
		}
		for _, keep := range []bool{true, false} {
			mode := "located"
			if keep {
				mode = "whole"
			}
			if modes != "" && !slices.Contains(strings.Split(modes, ","), mode) {
				continue
			}
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				eng := measureEngine(t, keep)
				read := func(ctx context.Context, path string) (capture.Result, error) {
					res, _, err := pipeline.Process(ctx, eng, path, time.Now())
					return res, err
				}
				rep, err := eval.Run(t.Context(), c.dir, read, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				line := ""
				for _, f := range rep.Fields {
					line += fmt.Sprintf("%s %.1f%% ", f.Field, f.Accuracy())
				}
				t.Logf("%s %s: %s median %.2f s, worst %.2f s (%s)", c.name, mode, line, rep.MedianSeconds, rep.WorstSeconds, rep.WorstFile)
				for _, m := range rep.Misses {
					t.Logf("  miss %s %s: want %q, got %q (%d)", m.File, m.Field, m.Want, m.Got, m.Confidence)
				}
			})
		}
	}
}

// measureEngine is the engine the product reads with (reader.go
// newReader): the installed languages, and the second reader when
// TILLROLL_RECOGNIZER_DIR names its folder.
func measureEngine(t *testing.T, keep bool) *ocr.Engine {
	t.Helper()
	langs, detect, err := ocr.ParseLanguages(ocr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	opt := ocr.Options{Languages: langs, Detect: detect, KeepPage: keep}
	if dir := os.Getenv("TILLROLL_RECOGNIZER_DIR"); dir != "" {
		rec, err := recog.New(recog.Locate(dir))
		if err != nil {
			t.Fatalf("second reader in %s: %v", dir, err)
		}
		t.Cleanup(func() { _ = rec.Close() })
		opt.Second, opt.Reread = rec, extract.Reread
	} else {
		t.Log("TILLROLL_RECOGNIZER_DIR unset: Tesseract alone")
	}
	eng, err := ocr.NewEngine(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

func gray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return g
}

// write saves a page and its truth as id.png (lossless: the page holds
// the cropped receipt's own pixels, so what is measured is what locating
// changes), or with recode as id.jpg at quality 85.
func write(t *testing.T, dir, id string, img image.Image, truth []byte, recode bool) {
	t.Helper()
	var buf bytes.Buffer
	name := id + ".png"
	if recode {
		name = id + ".jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			t.Fatal(err)
		}
	} else if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), truth, 0o600); err != nil {
		t.Fatal(err)
	}
}
