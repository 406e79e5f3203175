package ocr_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/eval"
	"tillroll/ocr"
	"tillroll/pipeline"
)

// TestLocateMeasure measures what finding the receipt on the page gains:
// it makes, from each cropped receipt of a folder (TILLROLL_LOCATE_EVAL,
// the German set), a flatbed scan (the receipt on an A4 page over a dark
// lid, slightly turned; and straight on a white lid) and a phone photo (the receipt in perspective on
// a textured table), and scores them with tillroll eval's scoring, once
// read whole and once located. It also scores the cropped receipts both
// ways: locating must leave them as they were. It takes minutes, so it
// runs only when asked:
//
//	TILLROLL_LOCATE_EVAL=../shared/testdata/receipts-de go test -run TestLocateMeasure -v ./ocr/
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
	scan, lid, photo := t.TempDir(), t.TempDir(), t.TempDir()
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
		// A4 at 300 dpi with room for the longest receipt.
		pw, ph := 2552, max(3508, b.Dy()+400)
		page := ocr.TexturedPage(pw, ph, 60, uint64(i))
		ocr.PasteQuad(t, page, rec, ocr.Turned(b, float64(i%5)-2, float64(pw)/2-300+float64(i%3)*200, float64(ph)/2))
		write(t, scan, id, page, truth)
		// The same on a closed white lid, hardly darker than the paper.
		page = ocr.TexturedPage(pw, ph, 236, uint64(i))
		ocr.PasteQuad(t, page, rec, ocr.Turned(b, 0, float64(pw)/2-300+float64(i%3)*200, float64(ph)/2))
		write(t, lid, id, page, truth)
		// A photo: perspective, a brighter wooden table, smaller.
		pw, ph = 2000, max(2600, b.Dy()*9/10+500)
		page = ocr.TexturedPage(pw, ph, 125, uint64(i)+100)
		w, h := float64(b.Dx())*0.9, float64(b.Dy())*0.9
		x0, y0 := float64(pw)/2-w/2, float64(ph)/2-h/2
		ocr.PasteQuad(t, page, rec, [4][2]float64{{x0 + 60, y0}, {x0 + w - 30, y0 + 40}, {x0 + w + 40, y0 + h}, {x0 - 40, y0 + h - 30}})
		write(t, photo, id, page, truth)
	}
	for _, c := range []struct{ name, dir string }{{"cropped", src}, {"flatbed", scan}, {"whitelid", lid}, {"photo", photo}} {
		for _, keep := range []bool{true, false} {
			mode := "located"
			if keep {
				mode = "whole"
			}
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				langs, detect, err := ocr.ParseLanguages(ocr.Auto)
				if err != nil {
					t.Fatal(err)
				}
				eng, err := ocr.NewEngine(ocr.Options{Languages: langs, Detect: detect, KeepPage: keep})
				if err != nil {
					t.Fatal(err)
				}
				defer eng.Close()
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
			})
		}
	}
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

func write(t *testing.T, dir, id string, img image.Image, truth []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".jpg"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), truth, 0o600); err != nil {
		t.Fatal(err)
	}
}
