package ocr

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"golang.org/x/image/bmp"
)

// A faint print on paper that darkens towards one edge (a shadow, or a
// table at the edge of a photo) comes out dark on white after flattening:
// the dark edge no longer counts as ink.
func TestFlattenBackground(t *testing.T) {
	const w, h = 400, 200
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			paper := 230 - 180*x/w // 230 at the left, 50 at the right
			v := paper
			if y >= 90 && y < 110 && x%40 < 6 { // faint strokes: 15% darker
				v = paper * 85 / 100
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	flattenBackground(g)
	paperLeft, paperRight := g.GrayAt(20, 20).Y, g.GrayAt(w-20, 20).Y
	inkLeft, inkRight := g.GrayAt(2, 100).Y, g.GrayAt(w-38, 100).Y
	// Before: paper 230 at the left, 50 at the right, darker than the
	// ink on the left.
	if paperLeft < 240 || paperRight < 200 {
		t.Errorf("paper %d (left) %d (right), want near white", paperLeft, paperRight)
	}
	if float64(inkLeft) > 0.92*float64(paperLeft) || float64(inkRight) > 0.92*float64(paperRight) {
		t.Errorf("ink %d (left) %d (right) not clearly darker than its paper", inkLeft, inkRight)
	}
}

// A black band along two edges of a faint receipt (a scanner's margin)
// is painted paper white; the print inside, darker than the paper but not
// touching the band, stays as it was.
func TestClearEdges(t *testing.T) {
	const w, h = 300, 200
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 235 // paper
			switch {
			case y < 6 || x < 4 || x < 40 && y > h-30: // the band, and a corner
				v = 15
			case y >= 90 && y < 110 && x >= 60 && x%20 < 5: // faint print
				v = 150
			case y >= 140 && y < 150 && x >= 100 && x < 110: // a black mark off the edge
				v = 0
			}
			g.Pix[y*g.Stride+x] = uint8(v)
		}
	}
	clearEdges(g)
	for _, p := range []image.Point{{0, 0}, {150, 3}, {2, 100}, {20, h - 5}} {
		if v := g.GrayAt(p.X, p.Y).Y; v != 235 {
			t.Errorf("band at %v is %d, want paper 235", p, v)
		}
	}
	if v := g.GrayAt(60, 100).Y; v != 150 {
		t.Errorf("print is %d, want 150 as it was", v)
	}
	if v := g.GrayAt(105, 145).Y; v != 0 {
		t.Errorf("a dark mark not touching the edge is %d, want 0 as it was", v)
	}
}

// The BMP handed to Tesseract holds exactly the page's pixels, rows
// padded to 4 bytes whatever the width, and from a sub-image too.
func TestBMP8RoundTrip(t *testing.T) {
	for _, w := range []int{1, 2, 3, 4, 5, 7, 33} {
		full := image.NewGray(image.Rect(0, 0, w+2, 9))
		for i := range full.Pix {
			full.Pix[i] = uint8(i * 37)
		}
		src := full.SubImage(image.Rect(1, 1, w+1, 8)).(*image.Gray)
		got, err := bmp.Decode(bytes.NewReader(bmp8(src)))
		if err != nil {
			t.Fatalf("width %d: %v", w, err)
		}
		if got.Bounds().Dx() != w || got.Bounds().Dy() != 7 {
			t.Fatalf("width %d: decoded %v", w, got.Bounds())
		}
		for y := range 7 {
			for x := range w {
				r, _, _, _ := got.At(x, y).RGBA()
				if want := src.GrayAt(x+1, y+1).Y; uint8(r>>8) != want {
					t.Fatalf("width %d: pixel (%d,%d) is %d, want %d", w, x, y, r>>8, want)
				}
			}
		}
	}
}

// Every fast path of toGray gives the gray that drawing the image over
// white paper gives, within rounding.
func TestToGrayFastPaths(t *testing.T) {
	const w, h = 7, 3
	gray16 := image.NewGray16(image.Rect(0, 0, w, h))
	nrgba64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.NRGBA{200, 30, 90, 128}, color.White, color.Transparent})
	for y := range h {
		for x := range w {
			v := uint16((x*37 + y*91) * 257 % 65536)
			gray16.SetGray16(x, y, color.Gray16{v})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{v, 65535 - v, v / 2, uint16(x * 9000)})
			pal.SetColorIndex(x, y, uint8((x+y)%4))
		}
	}
	for _, img := range []image.Image{gray16, nrgba64, pal} {
		want := image.NewGray(img.Bounds())
		draw.Draw(want, want.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(want, want.Bounds(), img, image.Point{}, draw.Over)
		got := toGray(img)
		for i := range want.Pix {
			if d := int(got.Pix[i]) - int(want.Pix[i]); d < -2 || d > 2 {
				t.Fatalf("%T: pixel %d is %d, drawn over white %d", img, i, got.Pix[i], want.Pix[i])
			}
		}
	}
}
