package ocr

import (
	"image"
	"math"

	"github.com/disintegration/imaging"
)

// resizeGray is imaging.Resize for one gray channel. imaging works on
// four channels through an NRGBA copy of every row, which made resizing
// the second pass's page cost as much as decoding the JPEG; this does a
// quarter of the arithmetic and gives the same pixels (within rounding:
// at most 1 apart). The filter's kernel and support are imaging's.
func resizeGray(src *image.Gray, w, h int, filter imaging.ResampleFilter) *image.Gray {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	if w <= 0 || h <= 0 || sw <= 0 || sh <= 0 {
		return image.NewGray(image.Rect(0, 0, max(w, 0), max(h, 0)))
	}
	// Horizontally into a gray page of the new width, then vertically,
	// rounding in between as imaging does.
	cols := resizeWeights(w, sw, filter)
	mid := make([]uint8, w*sh)
	for y := range sh {
		row := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y+y):]
		out := mid[y*w : (y+1)*w]
		for x, ws := range cols {
			var v float64
			for _, iw := range ws {
				v += float64(row[iw.index]) * iw.weight
			}
			out[x] = clampByte(v)
		}
	}
	rows := resizeWeights(h, sh, filter)
	dst := image.NewGray(image.Rect(0, 0, w, h))
	acc := make([]float64, w)
	for y, ws := range rows {
		clear(acc)
		for _, iw := range ws {
			for x, v := range mid[iw.index*w : (iw.index+1)*w] {
				acc[x] += float64(v) * iw.weight
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x, v := range acc {
			out[x] = clampByte(v)
		}
	}
	return dst
}

type indexWeight struct {
	index  int
	weight float64
}

// resizeWeights gives, for each of dst positions, the source positions
// and weights that make it, normalised to sum to 1 (imaging's scheme).
func resizeWeights(dst, src int, filter imaging.ResampleFilter) [][]indexWeight {
	du := float64(src) / float64(dst)
	scale := max(du, 1)
	ru := math.Ceil(scale * filter.Support)
	out := make([][]indexWeight, dst)
	for v := range out {
		fu := (float64(v)+0.5)*du - 0.5
		begin := max(int(math.Ceil(fu-ru)), 0)
		end := min(int(math.Floor(fu+ru)), src-1)
		var ws []indexWeight
		var sum float64
		for u := begin; u <= end; u++ {
			if wt := filter.Kernel((float64(u) - fu) / scale); wt != 0 {
				sum += wt
				ws = append(ws, indexWeight{u, wt})
			}
		}
		if sum == 0 {
			// No tap (a kernel that is zero here): the nearest pixel.
			ws = append(ws[:0], indexWeight{min(max(int(fu+0.5), 0), src-1), 1})
			sum = 1
		}
		for i := range ws {
			ws[i].weight /= sum
		}
		out[v] = ws
	}
	return out
}

func clampByte(v float64) uint8 {
	switch {
	case v >= 254.5:
		return 255
	case v <= 0:
		return 0
	}
	return uint8(v + 0.5)
}
