package ocr

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// resizeGray must give imaging.Resize's pixels, which the preprocessing
// was measured with, to within one level of rounding.
func TestResizeGrayMatchesImaging(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	filters := map[string]imaging.ResampleFilter{"linear": imaging.Linear, "box": imaging.Box}
	for _, size := range []struct{ sw, sh, w, h int }{
		{40, 30, 50, 38}, // the second pass's 1.25x
		{97, 61, 12, 7},  // flattenBackground's eightfold shrink
		{12, 7, 97, 61},  // and back up
		{64, 64, 64, 64}, // no change
		{33, 20, 33, 41}, // one axis only
		{5, 300, 1, 1},   // to a single pixel
		{1, 1, 9, 4},     // from one
	} {
		src := image.NewGray(image.Rect(0, 0, size.sw, size.sh))
		for i := range src.Pix {
			src.Pix[i] = uint8(rng.IntN(256))
		}
		for name, f := range filters {
			got := resizeGray(src, size.w, size.h, f)
			want := toGray(imaging.Resize(src, size.w, size.h, f))
			if got.Rect != want.Rect {
				t.Fatalf("%v %s: size %v, imaging %v", size, name, got.Rect, want.Rect)
			}
			for i := range got.Pix {
				if d := int(got.Pix[i]) - int(want.Pix[i]); d < -1 || d > 1 {
					t.Fatalf("%v %s: pixel %d is %d, imaging gives %d", size, name, i, got.Pix[i], want.Pix[i])
				}
			}
		}
	}
}

// A sub-image (a crop that does not start at the origin) is read from its
// own pixels.
func TestResizeGraySubImage(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 20, 20))
	for i := range src.Pix {
		src.Pix[i] = 255
	}
	for y := 10; y < 20; y++ {
		for x := 10; x < 20; x++ {
			src.SetGray(x, y, color.Gray{})
		}
	}
	crop := src.SubImage(image.Rect(10, 10, 20, 20)).(*image.Gray)
	got := resizeGray(crop, 5, 5, imaging.Linear)
	for i, v := range got.Pix {
		if v != 0 {
			t.Fatalf("pixel %d of a black crop is %d", i, v)
		}
	}
}

func BenchmarkResizeGray(b *testing.B) {
	src := image.NewGray(image.Rect(0, 0, 932, 1800))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	b.Run("tillroll", func(b *testing.B) {
		for b.Loop() {
			resizeGray(src, 1165, 2250, imaging.Linear)
		}
	})
	b.Run("imaging", func(b *testing.B) {
		for b.Loop() {
			toGray(imaging.Resize(src, 1165, 2250, imaging.Linear))
		}
	})
}
