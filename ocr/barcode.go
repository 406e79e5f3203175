package ocr

import (
	"image"
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
func findBarcodes(g *image.Gray) []image.Rectangle {
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
	type cand struct {
		box  image.Rectangle
		runs []barRun
	}
	var cands []cand
	for _, b := range groups {
		if len(b) < barMinBars {
			continue
		}
		if box, ok := barcodeBox(g, dark, b); ok {
			cands = append(cands, cand{box, b})
			for _, r := range b {
				lengths[r.y1-r.y0]-- // the stroke height is the rest's
			}
		}
	}
	// Bars are much taller than the page's text strokes: a line of
	// capitals ("IIIIII") has clean columns too.
	minRun := max(barMinPixels, int(barMinRun*float64(strokeHeight(lengths))+0.5))
	var boxes []image.Rectangle
	for _, c := range cands {
		if c.box.Dy() >= minRun {
			boxes = append(boxes, c.box)
		}
	}
	// A barcode whose bars a speck or a fold broke gives a second, smaller
	// band inside or across the first: keep the largest of those that
	// overlap.
	slices.SortFunc(boxes, func(a, b image.Rectangle) int {
		if d := area(b) - area(a); d != 0 {
			return d
		}
		return a.Min.Y*w + a.Min.X - b.Min.Y*w - b.Min.X
	})
	var out []image.Rectangle
	for _, b := range boxes {
		if !slices.ContainsFunc(out, b.Overlaps) {
			out = append(out, b)
		}
	}
	return out
}

func area(r image.Rectangle) int { return r.Dx() * r.Dy() }

// barcodeBox checks that a band of tall runs is a barcode and returns
// the box of its bars: the rows that half as many runs cover as the most
// covered row (a bar that ran into the text under it, a guard bar's
// longer foot, or a bar a speck broke in two does not move them), grown
// row by row while half the bars go on, and the columns from the first
// run to the last.
func barcodeBox(g *image.Gray, dark uint8, runs []barRun) (image.Rectangle, bool) {
	y0, y1 := runs[0].y0, runs[0].y1
	x0, x1 := runs[0].x, runs[0].x
	for _, r := range runs {
		y0, y1 = min(y0, r.y0), max(y1, r.y1)
		x0, x1 = min(x0, r.x), max(x1, r.x)
	}
	cover := make([]int, y1-y0+1)
	for _, r := range runs {
		cover[r.y0-y0]++
		cover[r.y1-y0]--
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
	box := image.Rect(x0, y0+top, x1+1, y0+bottom)
	height := box.Dy()
	if height < barMinPixels || box.Dx() < height/2 {
		return image.Rectangle{}, false
	}
	ink := func(x, y int) bool { return g.Pix[y*g.Stride+x] < dark }
	// Across the box, each column is a bar, a space, or neither.
	var barCols []int
	clean, paper, bars := 0, 0, 0
	inBar := false
	for x := box.Min.X; x < box.Max.X; x++ {
		n := 0
		for y := box.Min.Y; y < box.Max.Y; y++ {
			if ink(x, y) {
				n++
			}
		}
		switch {
		case 4*n >= 3*height:
			clean++
			barCols = append(barCols, x)
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
	cols := box.Dx()
	if bars < barMinBars || 100*clean < 85*cols || 5*paper < cols || 5*paper > 4*cols {
		return image.Rectangle{}, false
	}
	// The bars' ends: rows up and down where at least half the bar
	// columns still have ink. Text under the bars has ink in other
	// columns, and little of it in theirs.
	goesOn := func(y int) bool {
		n := 0
		for _, x := range barCols {
			if ink(x, y) {
				n++
			}
		}
		return 2*n >= len(barCols)
	}
	for box.Min.Y > 0 && goesOn(box.Min.Y-1) {
		box.Min.Y--
	}
	for box.Max.Y < g.Rect.Dy() && goesOn(box.Max.Y) {
		box.Max.Y++
	}
	return box, true
}

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
	c := &image.Gray{Pix: slices.Clone(g.Pix), Stride: g.Stride, Rect: g.Rect}
	paintWhite(c, boxes)
	return c
}

// paintWhite paints the boxes white, in place, with a pixel of margin
// for the bars' grey edges. Pixels keep their place, so word boxes need
// no mapping.
func paintWhite(g *image.Gray, boxes []image.Rectangle) {
	for _, b := range boxes {
		b = b.Inset(-1).Intersect(image.Rect(0, 0, g.Rect.Dx(), g.Rect.Dy()))
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := g.Pix[y*g.Stride+b.Min.X : y*g.Stride+b.Max.X]
			for i := range row {
				row[i] = 255
			}
		}
	}
}
