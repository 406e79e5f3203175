package ocr

import (
	"image"
	"math"
	"slices"
)

// A 1-D barcode (EAN, Code 128, ITF) is a band of many parallel dark bars,
// each several text lines tall, whose tops and bottoms line up. Tesseract
// lays out a page from its dark areas, and a barcode printed just above a
// line of text is taken into that line: the bars' feet come out as "1",
// "l" and "|" glued to the text, and the line's date or total is lost. So
// the barcodes are painted paper white before Tesseract reads the page;
// no field is ever read from the bars themselves.
//
// What makes a barcode:
//   - bars: vertical runs of ink at least barMinRun times the page's
//     usual stroke height (the 90th percentile of all vertical ink runs,
//     about a capital's height: text strokes are many, bars few) and at
//     least barMinPixels long;
//   - side by side: each run within half the bars' height of the last,
//     sharing most of its rows;
//   - at least barMinBars bars, and across the rows that three quarters
//     of them cover, every column clean: ink or paper from top to bottom,
//     as a barcode's bars and spaces are (a solid logo's speckled strokes,
//     a column of letters or a QR code's modules are not), with paper
//     between a fifth and four fifths of the columns.
//
// Text never passes: its strokes are a line's height at most, and a
// column of text has white between its lines. A table rule, a box drawn
// round a total, or a picture has too few tall runs side by side, or
// columns that are half ink.
const (
	barMinRun    = 2.5
	barMinPixels = 24
	barMinBars   = 12
)

// barRun is one vertical run of ink in column x, rows [y0, y1).
type barRun struct{ x, y0, y1 int }

// findBarcodes returns the boxes of the 1-D barcodes on g, in g's pixels:
// each box covers its bars' rows and no more, so that a line of text
// printed right under or over the bars keeps its ink.
func findBarcodes(g *image.Gray) []barcode {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < barMinBars*2 || h < barMinPixels {
		return nil
	}
	dark := inkLevel(g)
	// Every vertical run of ink, row by row (the pixels in memory order);
	// the lengths' histogram gives the page's stroke height.
	var runs []barRun
	lengths := make([]int, h+1)
	start := make([]int, w) // the row where column x's run began, or -1
	for x := range start {
		start[x] = -1
	}
	end := func(x, y int) {
		s := start[x]
		lengths[y-s]++
		if y-s >= barMinPixels {
			runs = append(runs, barRun{x, s, y})
		}
		start[x] = -1
	}
	for y := 0; y < h; y++ {
		for x, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			if v < dark {
				if start[x] < 0 {
					start[x] = y
				}
			} else if start[x] >= 0 {
				end(x, y)
			}
		}
	}
	for x := range start {
		if start[x] >= 0 {
			end(x, h)
		}
	}
	slices.SortFunc(runs, func(a, b barRun) int {
		if a.x != b.x {
			return a.x - b.x
		}
		return a.y0 - b.y0
	})
	if len(runs) < barMinBars {
		return nil
	}
	// Gather runs into bands: two runs are of one band when they are a
	// few columns apart (half the shorter's height) and the shorter shares
	// 70% of its rows with the other.
	parent := make([]int, len(runs))
	for i := range parent {
		parent[i] = i
	}
	var root func(i int) int
	root = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for i, r := range runs { // by column, then by row
		for j := i - 1; j >= 0; j-- {
			q := runs[j]
			if r.x-q.x > (r.y1-r.y0)/2+1 {
				break
			}
			short := min(r.y1-r.y0, q.y1-q.y0)
			gap := r.x - q.x
			if gap < 1 || gap > short/2+1 {
				continue
			}
			if lo, hi := max(r.y0, q.y0), min(r.y1, q.y1); 10*(hi-lo) >= 7*short {
				parent[root(i)] = root(j)
			}
		}
	}
	groups := map[int][]barRun{}
	for i, r := range runs {
		k := root(i)
		groups[k] = append(groups[k], r)
	}
	var cands []barcode
	for _, b := range groups {
		if len(b) < barMinBars {
			continue
		}
		if bc, ok := barcodeBox(g, dark, b); ok {
			cands = append(cands, bc)
			for _, r := range b {
				lengths[r.y1-r.y0]-- // the stroke height is the rest's
			}
		}
	}
	// Bars are much taller than the page's text strokes: a line of
	// capitals ("IIIIII") has clean columns too.
	minRun := max(barMinPixels, int(barMinRun*float64(strokeHeight(lengths))+0.5))
	cands = slices.DeleteFunc(cands, func(b barcode) bool { return b.bottom-b.top < minRun })
	// A barcode whose bars a speck or a fold broke gives a second, smaller
	// band inside or across the first: keep the largest of those that
	// overlap.
	slices.SortFunc(cands, func(a, b barcode) int {
		ra, rb := a.bounds(), b.bounds()
		if d := area(rb) - area(ra); d != 0 {
			return d
		}
		return ra.Min.Y*w + ra.Min.X - rb.Min.Y*w - rb.Min.X
	})
	var out []barcode
	for _, b := range cands {
		if !slices.ContainsFunc(out, func(o barcode) bool { return o.bounds().Overlaps(b.bounds()) }) {
			out = append(out, b)
		}
	}
	return out
}

// barcode is where a barcode's bars are: from column x0 to x1 (not
// included), from row top to bottom at column x0, the band sloping by
// slope rows a column (a page turned a little: its bars then lean by
// -slope columns a row).
type barcode struct {
	x0, x1, top, bottom int
	slope               float64
}

// rowsAt are the bars' rows at column x.
func (b barcode) rowsAt(x int) (int, int) {
	d := b.slope * float64(x-b.x0)
	return int(math.Round(float64(b.top) + d)), int(math.Round(float64(b.bottom) + d))
}

// lean is how far the bars lean out of their columns at their ends.
func (b barcode) lean() int {
	return int(math.Ceil(math.Abs(b.slope) * float64(b.bottom-b.top) / 2))
}

// bounds is the rectangle that holds the bars.
func (b barcode) bounds() image.Rectangle {
	t0, b0 := b.rowsAt(b.x0)
	t1, b1 := b.rowsAt(b.x1)
	l := b.lean()
	return image.Rect(b.x0-l, min(t0, t1), b.x1+l, max(b0, b1))
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// barcodeBox checks that a band of tall runs is a barcode and says
// where it is. The band's slope is that of its runs' middles, fitted
// (a page turned by a degree or two). Its rows are those that half as
// many runs cover as the most covered row, measured along the slope (a
// bar that ran into the text under it, a guard bar's longer foot, or a
// bar a speck broke in two does not move them), grown row by row while
// half the bars go on; its columns are from the first run to the last.
// Each column is checked along the bars' lean.
func barcodeBox(g *image.Gray, dark uint8, runs []barRun) (barcode, bool) {
	x0, x1 := runs[0].x, runs[0].x
	var sw, sx, sy, sxx, sxy float64
	for _, r := range runs {
		x0, x1 = min(x0, r.x), max(x1, r.x)
		wt, x, y := float64(r.y1-r.y0), float64(r.x), float64(r.y0+r.y1)/2
		sw, sx, sy, sxx, sxy = sw+wt, sx+wt*x, sy+wt*y, sxx+wt*x*x, sxy+wt*x*y
	}
	slope := 0.0
	if den := sw*sxx - sx*sx; den > 0 {
		slope = (sw*sxy - sx*sy) / den
	}
	if math.Abs(slope) > maxSlope {
		return barcode{}, false
	}
	// Rows along the slope, counted at column x0.
	along := func(x, y int) int { return y - int(math.Round(slope*float64(x-x0))) }
	y0, y1 := along(runs[0].x, runs[0].y0), along(runs[0].x, runs[0].y1)
	for _, r := range runs {
		y0, y1 = min(y0, along(r.x, r.y0)), max(y1, along(r.x, r.y1))
	}
	cover := make([]int, y1-y0+1)
	for _, r := range runs {
		cover[along(r.x, r.y0)-y0]++
		cover[along(r.x, r.y1)-y0]--
	}
	most := 0
	for i := 1; i < len(cover); i++ {
		cover[i] += cover[i-1]
	}
	for _, c := range cover {
		most = max(most, c)
	}
	top, bottom := 0, len(cover)-1
	for 2*cover[top] < most {
		top++
	}
	for 2*cover[bottom-1] < most {
		bottom--
	}
	// The slope again, from the ends of the runs that reach the band's
	// top or bottom: a leaning bar's other runs leave it from the side.
	sw, sx, sy, sxx, sxy = 0, 0, 0, 0, 0
	for _, r := range runs {
		for _, e := range []int{r.y0 - (y0 + top), r.y1 - (y0 + bottom)} {
			ea := e - int(math.Round(slope*float64(r.x-x0)))
			if ea < -2 || ea > 2 {
				continue
			}
			x, y := float64(r.x), float64(e)
			sw, sx, sy, sxx, sxy = sw+1, sx+x, sy+y, sxx+x*x, sxy+x*y
		}
	}
	if den := sw*sxx - sx*sx; sw >= 2*barMinBars && den > 0 {
		slope = (sw*sxy - sx*sy) / den
	}
	bc := barcode{x0: x0, x1: x1 + 1, top: y0 + top, bottom: y0 + bottom, slope: slope}
	height := bc.bottom - bc.top
	if height < barMinPixels || bc.x1-bc.x0 < height/2 {
		return barcode{}, false
	}
	w, h := g.Rect.Dx(), g.Rect.Dy()
	// ink tells whether the pixel d rows from the middle of column u's
	// bars, along their lean, is ink.
	mid := float64(bc.top+bc.bottom) / 2
	ink := func(u int, d float64) bool {
		y := int(math.Round(mid + slope*float64(u-x0) + d))
		x := int(math.Round(float64(u) - slope*d))
		return x >= 0 && x < w && y >= 0 && y < h && g.Pix[y*g.Stride+x] < dark
	}
	// Across the bars' rows, each column is a bar, a space, or neither.
	var barCols []int
	clean, paper, bars := 0, 0, 0
	inBar := false
	half := float64(height) / 2
	for u := bc.x0; u < bc.x1; u++ {
		n := 0
		for d := -half; d < half; d++ {
			if ink(u, d) {
				n++
			}
		}
		switch {
		case 4*n >= 3*height:
			clean++
			barCols = append(barCols, u)
			if !inBar {
				bars++
			}
			inBar = true
		case 4*n <= height:
			clean++
			paper++
			inBar = false
		default:
			inBar = false
		}
	}
	cols := bc.x1 - bc.x0
	if bars < barMinBars || 100*clean < 70*cols || 5*paper < cols || 5*paper > 4*cols {
		return barcode{}, false
	}
	// The bars' ends: rows up and down where at least half the bar
	// columns still have ink. Text under the bars has ink in other
	// columns, and little of it in theirs.
	goesOn := func(d float64) bool {
		n := 0
		for _, u := range barCols {
			if ink(u, d) {
				n++
			}
		}
		return 2*n >= len(barCols)
	}
	for up := -half - 1; goesOn(up) && bc.top > -h; up-- {
		bc.top--
	}
	for down := half; goesOn(down) && bc.bottom < 2*h; down++ {
		bc.bottom++
	}
	return bc, true
}

// maxSlope is the steepest band taken for a barcode's: a page turned by
// about 6 degrees.
const maxSlope = 0.1

// strokeHeight is the 90th percentile of the vertical ink runs' lengths
// (runs of one or two pixels, specks and horizontal strokes' edges, left
// out).
func strokeHeight(lengths []int) int {
	n := 0
	for l := 3; l < len(lengths); l++ {
		n += lengths[l]
	}
	want, sum := n*9/10, 0
	for l := 3; l < len(lengths); l++ {
		sum += lengths[l]
		if sum > want {
			return l
		}
	}
	return 0
}

// inkLevel is the gray level under which a pixel counts as ink: half
// the paper's brightness (the 90th percentile, of every fourth row).
func inkLevel(g *image.Gray) uint8 {
	var hist [256]int
	w, h := g.Rect.Dx(), g.Rect.Dy()
	n := 0
	for y := 0; y < h; y += 4 {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
		n += w
	}
	return uint8(percentile(&hist, n, 0.90) / 2)
}

// withoutBarcodes is g with its barcodes painted white, in a copy: the
// page as Tesseract lays it out and reads it. Where g has none it is g
// itself. The second reader crops its lines from g, untouched.
func withoutBarcodes(g *image.Gray) *image.Gray {
	boxes := findBarcodes(g)
	if len(boxes) == 0 {
		return g
	}
	c := cloneGray(g)
	paintWhite(c, boxes)
	return c
}

// paintWhite paints the barcodes white, in place, with a pixel of
// margin for the bars' grey edges and room for their lean. Pixels keep
// their place, so word boxes need no mapping.
func paintWhite(g *image.Gray, bcs []barcode) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	for _, b := range bcs {
		l := b.lean() + 1
		for x := max(b.x0-l, 0); x < min(b.x1+l, w); x++ {
			top, bottom := b.rowsAt(x)
			for y := max(top-1, 0); y < min(bottom+1, h); y++ {
				g.Pix[y*g.Stride+x] = 255
			}
		}
	}
}
