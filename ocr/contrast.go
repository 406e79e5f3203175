package ocr

import (
	"image"
	"slices"
	"unicode"
)

// Faint print: a photo of a faded thermal receipt, or a scan with a black
// margin, can leave the print pale grey after the page's contrast is
// stretched. The stretch maps the darkest 0.5% of the page to black, and
// when that is a dark margin or a shadow at the edge and not ink, the
// print stays pale; Tesseract, whose own threshold then falls between the
// margin and the paper, takes the print for paper and finds next to
// nothing (one such photo read as three words). So a page that Tesseract
// found next to nothing in has its print's depth measured in small tiles,
// where a margin counts for the few tiles at its edge and not for the
// page; when the print is faint, the paper's background is flattened (each
// pixel divided by the paper's local brightness, which also evens out
// uneven light) and the contrast stretched again so that the print's
// typical depth reaches black, and the page is read again. A page
// Tesseract reads pays nothing: the check is a count of its words.

// Bounds of the faint-print check.
const (
	// fewWords is the most words of two or more letters or digits in a
	// reading that counts as next to nothing: the two faint receipts of
	// the shared sets read as 1 and 2, the fewest of any other receipt
	// there, English or German, is 39.
	fewWords = 20
	// inkTile is the side of a tile, in pixels of the page Tesseract
	// reads: at the usual 20-40 pixel letter height, most tiles that hold
	// print hold a whole stroke.
	inkTile = 32
	// inkMinSpread: a tile whose darkest pixel is less than this much
	// darker than its brightest holds no print (paper grain, JPEG noise).
	inkMinSpread = 12
	// inkPaperSlack: a tile holds paper when its brightest pixel is within
	// this much of the page's paper; tiles that do not (a margin, a dark
	// table) say nothing of the print.
	inkPaperSlack = 16
	// faintDepth is the ink depth (0-255) under which print counts as
	// faint. On the shared receipts, once stretched as usual, the faded
	// thermal prints with a dark edge measure 117-136 and the others 160
	// and up; the German scans all measure 255.
	faintDepth = 140
)

// tooFewWords reports whether a reading found next to nothing.
func tooFewWords(words []tessWord) bool { return realWords(words) <= fewWords }

// realWords counts the words of two or more letters or digits: specks
// and rules read as single characters do not count.
func realWords(words []tessWord) int {
	n := 0
	for _, w := range words {
		k := 0
		for _, r := range w.Text {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				k++
			}
		}
		if k >= 2 {
			n++
		}
	}
	return n
}

// deepenFaint normalises, in place, the contrast of a page whose print is
// faint, and reports whether it did. A page whose print is dark enough is
// left as it is.
func deepenFaint(g *image.Gray) bool {
	if _, depth := inkDepth(g); depth >= faintDepth {
		return false
	}
	flattenBackground(g)
	paper, depth := inkDepth(g)
	stretchRange(g, max(paper-depth, 0), paper)
	return true
}

// inkDepth measures how dark a page's print is against its paper. paper
// is the 90th percentile of the page's pixels. In each inkTile square
// that holds paper and print, the print's depth is the difference between
// its brightest and darkest pixels, and the page's depth is the 75th
// percentile of those, so neither a dark margin's few tiles nor the tiles
// that hold only the edge of a stroke decide it. depth is 255 for a page
// with no print.
func inkDepth(g *image.Gray) (paper, depth int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w == 0 || h == 0 {
		return 255, 255
	}
	tw := (w + inkTile - 1) / inkTile
	n := tw * ((h + inkTile - 1) / inkTile)
	lo, hi := make([]uint8, n), make([]uint8, n)
	for i := range lo {
		lo[i] = 255
	}
	var hist [256]int
	for y := range h {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		base := (y / inkTile) * tw
		for x, v := range row {
			hist[v]++
			i := base + x/inkTile
			lo[i] = min(lo[i], v)
			hi[i] = max(hi[i], v)
		}
	}
	paper = percentile(&hist, w*h, 0.90)
	var spreads []int
	for i := range lo {
		if s := int(hi[i]) - int(lo[i]); int(hi[i]) >= paper-inkPaperSlack && s >= inkMinSpread {
			spreads = append(spreads, s)
		}
	}
	if len(spreads) == 0 {
		return paper, 255
	}
	slices.Sort(spreads)
	return paper, spreads[len(spreads)*3/4]
}

// stretchRange maps lo and darker to black and hi and brighter to white,
// linearly between, in place.
func stretchRange(g *image.Gray, lo, hi int) {
	if hi-lo < 8 {
		return
	}
	var lut [256]uint8
	for v := range lut {
		lut[v] = uint8(min(max((v-lo)*255/(hi-lo), 0), 255))
	}
	for y := range g.Rect.Dy() {
		row := g.Pix[y*g.Stride : y*g.Stride+g.Rect.Dx()]
		for i, v := range row {
			row[i] = lut[v]
		}
	}
}
