package ocr

import (
	"fmt"
	"image"
	"math/rand/v2"
	"testing"
)

// The page-wide preprocessing steps (barcode search and painting, the
// faint-print measure and normalisation) take any gray page, however
// small, thin, blank or noisy, without panicking, and keep its bounds.
func TestPreprocessingDegeneratePages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := map[string]func(x, y int) uint8{
		"white": func(int, int) uint8 { return 255 },
		"black": func(int, int) uint8 { return 0 },
		"noise": func(int, int) uint8 { return uint8(rng.IntN(256)) },
		"bars":  func(x, _ int) uint8 { return uint8(255 * (x / 2 % 2)) },
	}
	sizes := [][2]int{{0, 0}, {1, 1}, {1, 400}, {400, 1}, {3, 3}, {31, 33}, {64, 2000}, {2000, 64}}
	for name, f := range fill {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				// A page whose rectangle does not start at 0,0, as a
				// sub-image of a located receipt does.
				g := image.NewGray(image.Rect(5, 7, 5+sz[0], 7+sz[1]))
				for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
					for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
						g.Pix[g.PixOffset(x, y)] = f(x, y)
					}
				}
				_ = findBarcodes(g)
				if out := withoutBarcodes(g); out.Rect != g.Rect {
					t.Errorf("withoutBarcodes: bounds %v, want %v", out.Rect, g.Rect)
				}
				_, _ = inkDepth(g)
				_ = deepenFaint(g)
			})
		}
	}
}
