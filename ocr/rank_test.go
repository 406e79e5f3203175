package ocr

import (
	"image"
	"math/rand/v2"
	"testing"
)

// TestRankFilterIsTheThreeByThreeBox checks the two-pass filter against the
// definition: each pixel the brightest (darkest) of its 3x3 neighbours,
// the border repeated, on noise of every small shape.
func TestRankFilterIsTheThreeByThreeBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []image.Point{{1, 1}, {1, 5}, {5, 1}, {2, 2}, {3, 7}, {17, 4}, {64, 33}} {
		src := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		for i := range src.Pix {
			src.Pix[i] = uint8(rng.IntN(256))
		}
		for _, brightest := range []bool{true, false} {
			got := rankFilter(src, brightest)
			for y := range size.Y {
				for x := range size.X {
					want := src.GrayAt(x, y).Y
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							v := src.GrayAt(min(max(x+dx, 0), size.X-1), min(max(y+dy, 0), size.Y-1)).Y
							if brightest {
								want = max(want, v)
							} else {
								want = min(want, v)
							}
						}
					}
					if g := got.GrayAt(x, y).Y; g != want {
						t.Fatalf("%v brightest=%v: pixel (%d,%d) is %d, want %d", size, brightest, x, y, g, want)
					}
				}
			}
		}
	}
}
