package ocr

import (
	"image"
	"testing"
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
