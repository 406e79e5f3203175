package ocr

import (
	"image"
	"math"
	"slices"
)

// Finding the receipt on the page: a flatbed scan of a receipt on an A4
// page, or a phone photo of one on a table, shows the paper as the
// largest bright region on a darker background. The region is found on a
// small copy of the page (an Otsu threshold, then the largest connected
// bright region), its four corners are the region's extreme points along
// the diagonals, and the quadrilateral is warped to an upright rectangle
// (a homography, bilinear sampling) before Tesseract reads it. A page
// the paper already fills (a cropped scan) is left as it is, at the cost
// of one small copy of it.

// Locate bounds.
const (
	// locateSide is the long side of the copy the paper is looked for on.
	locateSide = 480
	// locateMinSide: smaller images are receipts already, never a page.
	locateMinSide = 900
	// The paper must cover between these shares of the page: more is an
	// already cropped receipt, less is a speck.
	locateMinArea = 0.03
	locateMaxArea = 0.75
	// locateMinContrast is how much brighter (0-255) the paper must be
	// than the background around it.
	locateMinContrast = 28
)

// located is a receipt found on a page: the straightened receipt, and
// the map from its pixels back to the page's.
type located struct {
	img *image.Gray
	// h maps a point of img to the page (a homography, row-major 3x3).
	h [9]float64
	// page is the page's size, to clip mapped boxes to.
	page image.Rectangle
}

// toPage maps a rectangle of the straightened receipt to the page: the
// box around its four mapped corners.
func (l located) toPage(r image.Rectangle) image.Rectangle {
	xs := [4]float64{float64(r.Min.X), float64(r.Max.X), float64(r.Max.X), float64(r.Min.X)}
	ys := [4]float64{float64(r.Min.Y), float64(r.Min.Y), float64(r.Max.Y), float64(r.Max.Y)}
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range 4 {
		x, y := project(l.h, xs[i], ys[i])
		x0, y0, x1, y1 = math.Min(x0, x), math.Min(y0, y), math.Max(x1, x), math.Max(y1, y)
	}
	out := image.Rect(int(math.Floor(x0)), int(math.Floor(y0)), int(math.Ceil(x1)), int(math.Ceil(y1)))
	return out.Intersect(l.page)
}

// locate finds the receipt on a page and straightens it; false when the
// page is the receipt already, or no paper stands out from a background.
func locate(g *image.Gray) (located, bool) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if max(w, h) < locateMinSide {
		return located{}, false
	}
	k := (max(w, h) + locateSide - 1) / locateSide
	small := shrink(g, k)
	sw, sh := small.Rect.Dx(), small.Rect.Dy()
	f := 1 / float64(k)
	ink := small
	// Close the print, so the paper is one region and not a lattice
	// around letters: a max filter lets the paper grow over dark ink, a
	// min filter after it takes the paper's edge back where it was.
	small = minFilter(minFilter(maxFilter(maxFilter(small))))
	t := otsu(small)
	comp, area := largestBright(small, t)
	if area < int(locateMinArea*float64(sw*sh)) {
		return located{}, false
	}
	if area > int(locateMaxArea*float64(sw*sh)) {
		// The page is one bright region: a cropped receipt, or a receipt
		// on a white scanner lid, told apart by where the print is.
		return cropToInk(g, ink, k)
	}
	// The paper must stand out: compare its brightness with the rest.
	var in, out, nin, nout float64
	for i, v := range small.Pix {
		if comp[i] {
			in += float64(v)
			nin++
		} else {
			out += float64(v)
			nout++
		}
	}
	if nout == 0 || in/nin-out/nout < locateMinContrast {
		return cropToInk(g, ink, k)
	}
	// Corners: the region's extreme points along the two diagonals.
	best := [4]float64{math.Inf(1), math.Inf(-1), math.Inf(-1), math.Inf(1)} // x+y min, x-y max, x+y max, x-y min
	var pts [4][2]float64
	for y := range sh {
		for x := range sw {
			if !comp[y*sw+x] {
				continue
			}
			fx, fy := float64(x)+0.5, float64(y)+0.5
			if s := fx + fy; s < best[0] {
				best[0], pts[0] = s, [2]float64{fx - 0.5, fy - 0.5}
			}
			if d := fx - fy; d > best[1] {
				best[1], pts[1] = d, [2]float64{fx + 0.5, fy - 0.5}
			}
			if s := fx + fy; s > best[2] {
				best[2], pts[2] = s, [2]float64{fx + 0.5, fy + 0.5}
			}
			if d := fx - fy; d < best[3] {
				best[3], pts[3] = d, [2]float64{fx - 0.5, fy + 0.5}
			}
		}
	}
	// A region that is no quadrilateral (a curled or torn receipt): its
	// upright bounding box instead.
	quad := true
	if q := quadArea(pts); q < 0.85*float64(area) || q > 1.25*float64(area) {
		quad = false
		x0, y0, x1, y1 := sw, sh, 0, 0
		for y := range sh {
			for x := range sw {
				if comp[y*sw+x] {
					x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
				}
			}
		}
		pts = [4][2]float64{{float64(x0), float64(y0)}, {float64(x1), float64(y0)}, {float64(x1), float64(y1)}, {float64(x0), float64(y1)}}
	}
	// To the page's pixels; then each side onto the paper's edge as the
	// page itself shows it (the small copy places it only to a few of
	// its pixels, and a band of background left along the print is read
	// as a line of its own, or glued to the last line).
	for i := range pts {
		pts[i][0] = math.Min(math.Max(pts[i][0]/f, 0), float64(w))
		pts[i][1] = math.Min(math.Max(pts[i][1]/f, 0), float64(h))
	}
	// Inwards, so no background is left along the edges (a receipt's
	// print keeps a margin): by half a pixel of the small copy and more,
	// or, where placed on the page, by the edge's blur.
	coarse := 0.7 * float64(k)
	refined := false
	if quad {
		pts, refined = refineQuad(g, pts, float64(t), 3*float64(k), coarse)
	}
	if !refined {
		cx, cy := (pts[0][0]+pts[1][0]+pts[2][0]+pts[3][0])/4, (pts[0][1]+pts[1][1]+pts[2][1]+pts[3][1])/4
		for i := range pts {
			dx, dy := cx-pts[i][0], cy-pts[i][1]
			if d := math.Hypot(dx, dy); d > 1 {
				pts[i][0] += dx / d * coarse
				pts[i][1] += dy / d * coarse
			}
		}
	}
	dw := math.Max(dist(pts[0], pts[1]), dist(pts[3], pts[2]))
	dh := math.Max(dist(pts[0], pts[3]), dist(pts[1], pts[2]))
	W, H := int(dw+0.5), int(dh+0.5)
	if W < 50 || H < 50 {
		return located{}, false
	}
	hm, ok := homography([4][2]float64{{0, 0}, {float64(W), 0}, {float64(W), float64(H)}, {0, float64(H)}}, pts)
	if !ok {
		return located{}, false
	}
	return located{img: warp(g, hm, W, H), h: hm, page: g.Rect}, true
}

// edgeInset is how far (page pixels) the straightened receipt keeps
// inside the paper's edge found on the page: the edge's own blur.
const edgeInset = 2.5

// refineQuad moves each side of the quadrilateral pts (page pixels, in
// order round it) onto the paper's edge: across the side, every few
// pixels along it, the first point from outside that is brighter than
// level (between background and paper), within reach of the side; a
// line fitted to those points (fitLine), moved edgeInset inwards; the
// corners where adjacent lines meet. A side that finds too few points
// (it lies on the page's border: a receipt laid against it) stays where
// it was, moved coarse inwards. false, and pts as they were, when no
// side is found, or a corner moves beyond reach.
func refineQuad(g *image.Gray, pts [4][2]float64, level, reach, coarse float64) ([4][2]float64, bool) {
	cx, cy := (pts[0][0]+pts[1][0]+pts[2][0]+pts[3][0])/4, (pts[0][1]+pts[1][1]+pts[2][1]+pts[3][1])/4
	w, h := g.Rect.Dx(), g.Rect.Dy()
	at := func(x, y float64) (float64, bool) {
		ix, iy := int(x), int(y)
		if x < 0 || y < 0 || ix >= w || iy >= h {
			return 0, false
		}
		return float64(g.Pix[g.PixOffset(g.Rect.Min.X+ix, g.Rect.Min.Y+iy)]), true
	}
	var lines [4][3]float64 // a*x + b*y = c, with (a, b) a unit normal inwards
	found := 0
	for i := range 4 {
		a, b := pts[i], pts[(i+1)%4]
		l := dist(a, b)
		if l < 20 {
			return pts, false
		}
		dx, dy := (b[0]-a[0])/l, (b[1]-a[1])/l
		nx, ny := -dy, dx // inwards
		if (cx-a[0])*nx+(cy-a[1])*ny < 0 {
			nx, ny = -nx, -ny
		}
		var xs, ys []float64
		for s := 0.1 * l; s <= 0.9*l; s += 4 {
			px, py := a[0]+s*dx, a[1]+s*dy
			prev, ok := 0.0, false
			for u := -reach; u <= reach; u++ {
				// Three pixels along the side, against noise.
				var sum float64
				n := 0
				for _, e := range [3]float64{-1, 0, 1} {
					if v, in := at(px+u*nx+e*dx, py+u*ny+e*dy); in {
						sum += v
						n++
					}
				}
				if n < 3 {
					ok = false // off the page: no background to see here
					continue
				}
				v := sum / 3
				if v >= level {
					if ok { // from background to paper
						frac := (level - prev) / (v - prev)
						xs = append(xs, px+(u-1+frac)*nx)
						ys = append(ys, py+(u-1+frac)*ny)
					}
					break
				}
				prev, ok = v, true
			}
		}
		line, ok := fitLine(xs, ys)
		if !ok {
			// The side as it was: the line through a and b.
			line = [3]float64{nx, ny, nx*a[0] + ny*a[1]}
			line[2] += coarse
		} else {
			if line[0]*nx+line[1]*ny < 0 { // its normal inwards too
				line = [3]float64{-line[0], -line[1], -line[2]}
			}
			line[2] += edgeInset
			found++
		}
		lines[i] = line
	}
	if found == 0 {
		return pts, false
	}
	var out [4][2]float64
	for i := range 4 {
		p, q := lines[(i+3)%4], lines[i]
		det := p[0]*q[1] - p[1]*q[0]
		if math.Abs(det) < 0.2 { // sides nearly parallel
			return pts, false
		}
		out[i] = [2]float64{(p[2]*q[1] - p[1]*q[2]) / det, (p[0]*q[2] - p[2]*q[0]) / det}
		if dist(out[i], pts[i]) > 1.5*reach+coarse {
			return pts, false
		}
	}
	return out, true
}

// fitLine is the line through points (xs, ys) in the least squares
// sense across it, as a unit normal (a, b) and c with a*x + b*y = c;
// fitted three times, each time without the points far off the last
// line (a speck, a torn edge, print at the edge): beyond 2.5 times their
// median distance, then beyond 2 pixels. false with fewer than 12
// points, or when most of them are dropped.
func fitLine(xs, ys []float64) ([3]float64, bool) {
	keep := make([]bool, len(xs))
	for i := range keep {
		keep[i] = true
	}
	var line [3]float64
	for round := range 3 {
		var sx, sy, n float64
		for i := range xs {
			if keep[i] {
				sx += xs[i]
				sy += ys[i]
				n++
			}
		}
		if n < 12 || n < 0.5*float64(len(xs)) {
			return [3]float64{}, false
		}
		mx, my := sx/n, sy/n
		var cxx, cxy, cyy float64
		for i := range xs {
			if keep[i] {
				dx, dy := xs[i]-mx, ys[i]-my
				cxx += dx * dx
				cxy += dx * dy
				cyy += dy * dy
			}
		}
		theta := 0.5 * math.Atan2(2*cxy, cxx-cyy) // the line's direction
		a, b := -math.Sin(theta), math.Cos(theta)
		line = [3]float64{a, b, a*mx + b*my}
		res := make([]float64, len(xs))
		for i := range xs {
			res[i] = math.Abs(a*xs[i] + b*ys[i] - line[2])
		}
		limit := 2.0
		if round == 0 {
			sorted := slices.Clone(res)
			slices.Sort(sorted)
			limit = max(limit, 2.5*sorted[len(sorted)/2])
		}
		for i := range keep {
			keep[i] = res[i] <= limit
		}
	}
	return line, true
}

// Ink bounds: a receipt on a white lid is found by its print, which a
// page shows in one narrow block.
const (
	// inkMaxWidth and inkMaxArea: a block of print wider or larger than
	// these shares of the page is the page's own (a cropped receipt).
	inkMaxWidth = 0.6
	inkMaxArea  = 0.45
	// inkMinShare is the share of the page's print the block must hold:
	// with two receipts on the page, or print all over, nothing is cut.
	inkMinShare = 0.85
	// inkFrame: a row or column dark over more than this share of the
	// page is a frame, not print (a receipt's print leaves gaps between
	// its lines, and is under inkMaxWidth wide).
	inkFrame = 0.9
)

// cropToInk cuts the page to the block of print on it, with a margin,
// when that block is narrow and holds nearly all the print: a receipt
// scanned on a white lid, whose paper does not stand out. small is g
// shrunk k times.
func cropToInk(g *image.Gray, small *image.Gray, k int) (located, bool) {
	sw, sh := small.Rect.Dx(), small.Rect.Dy()
	var hist [256]int
	for _, v := range small.Pix {
		hist[v]++
	}
	paper := percentile(&hist, len(small.Pix), 0.90)
	dark := make([]bool, len(small.Pix))
	total := 0
	for i, v := range small.Pix {
		if int(v) < paper-50 {
			dark[i] = true
			total++
		}
	}
	cols, rows := make([]int, sw), make([]int, sh)
	for i, d := range dark {
		if d {
			cols[i%sw]++
			rows[i/sw]++
		}
	}
	// A dark line along nearly the whole page (the scanner's frame, the
	// shadow of the glass's edge) is no print.
	unmark := func(x, y int) {
		if i := y*sw + x; dark[i] {
			dark[i] = false
			cols[x]--
			rows[y]--
			total--
		}
	}
	for x, c := range cols {
		if float64(c) > inkFrame*float64(sh) {
			for y := range sh {
				unmark(x, y)
			}
		}
	}
	for y, c := range rows {
		if float64(c) > inkFrame*float64(sw) {
			for x := range sw {
				unmark(x, y)
			}
		}
	}
	if total == 0 {
		return located{}, false
	}
	// The block holding all but the outermost 0.5% of the print on each
	// side (specks of dust on the lid fall outside it).
	x0, x1 := trimmedRange(cols, total/200)
	y0, y1 := trimmedRange(rows, total/200)
	bw, bh := x1-x0, y1-y0
	if bw <= 0 || bh <= 0 || float64(bw) > inkMaxWidth*float64(sw) || float64(bw*bh) > inkMaxArea*float64(sw*sh) {
		return located{}, false
	}
	// Nearly all the print lies in the block, none of it spread over the
	// page in another block beside it.
	held := 0
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			if dark[y*sw+x] {
				held++
			}
		}
	}
	if float64(held) < inkMinShare*float64(total) {
		return located{}, false
	}
	// What the trim left out (a logo's top, a footer under a gap) comes
	// back: the block grows over print near it.
	x0, y0, x1, y1 = growBlock(dark, sw, x0, y0, x1, y1)
	// A margin of eight small pixels around the print (40 to 60 of the
	// page's), blank: the lid's texture there is no part of the receipt,
	// and Tesseract, which thresholds the whole image at once, reads the
	// print as it reads a cropped receipt's.
	const margin = 8
	r := image.Rect((x0-margin)*k, (y0-margin)*k, (x1+margin)*k, (y1+margin)*k).Intersect(g.Rect.Sub(g.Rect.Min))
	keep := image.Rect((x0-1)*k, (y0-1)*k, (x1+1)*k, (y1+1)*k).Sub(r.Min)
	crop := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		row := crop.Pix[y*crop.Stride : y*crop.Stride+r.Dx()]
		if y < keep.Min.Y || y >= keep.Max.Y {
			fill(row, uint8(paper))
			continue
		}
		copy(row, g.Pix[g.PixOffset(g.Rect.Min.X+r.Min.X, g.Rect.Min.Y+r.Min.Y+y):])
		fill(row[:max(0, min(keep.Min.X, len(row)))], uint8(paper))
		fill(row[min(max(0, keep.Max.X), len(row)):], uint8(paper))
	}
	return located{img: crop, h: [9]float64{1, 0, float64(r.Min.X), 0, 1, float64(r.Min.Y), 0, 0, 1}, page: g.Rect}, true
}

func fill(b []uint8, v uint8) {
	for i := range b {
		b[i] = v
	}
}

// inkGap is the widest gap (pixels of the small copy, about 7 mm on an
// A4 page) between the block of print and print it grows over.
const inkGap = locateSide / 40

// growBlock widens the block [x0, x1) x [y0, y1) of a mask of print
// (rows of width sw) over the print beside it: while a row above or
// below it, or a column left or right of it, no more than inkGap away,
// holds print across the block (give or take two pixels), the block
// takes it in.
func growBlock(dark []bool, sw, x0, y0, x1, y1 int) (int, int, int, int) {
	sh := len(dark) / sw
	row := func(y int) bool {
		for x := max(0, x0-2); x < min(sw, x1+2); x++ {
			if dark[y*sw+x] {
				return true
			}
		}
		return false
	}
	col := func(x int) bool {
		for y := max(0, y0-2); y < min(sh, y1+2); y++ {
			if dark[y*sw+x] {
				return true
			}
		}
		return false
	}
	for grew := true; grew; {
		grew = false
		for y := y0 - 1; y >= max(0, y0-inkGap); y-- {
			if row(y) {
				y0, grew = y, true
				break
			}
		}
		for y := y1; y < min(sh, y1+inkGap); y++ {
			if row(y) {
				y1, grew = y+1, true
				break
			}
		}
		for x := x0 - 1; x >= max(0, x0-inkGap); x-- {
			if col(x) {
				x0, grew = x, true
				break
			}
		}
		for x := x1; x < min(sw, x1+inkGap); x++ {
			if col(x) {
				x1, grew = x+1, true
				break
			}
		}
	}
	return x0, y0, x1, y1
}

// trimmedRange is the range [lo, hi) of a histogram's indexes that leaves
// out at most cut counts at each end.
func trimmedRange(hist []int, cut int) (int, int) {
	lo, sum := 0, 0
	for lo < len(hist) && sum+hist[lo] <= cut {
		sum += hist[lo]
		lo++
	}
	hi, sum := len(hist), 0
	for hi > lo && sum+hist[hi-1] <= cut {
		sum += hist[hi-1]
		hi--
	}
	return lo, hi
}

// shrink averages k x k blocks of g into one pixel each (the last, partial
// blocks dropped), from every other pixel of every other row of a block:
// a cheap small copy, in integers, that still sees every line of print.
func shrink(g *image.Gray, k int) *image.Gray {
	w, h := g.Rect.Dx()/k, g.Rect.Dy()/k
	dst := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	step := 1
	if k >= 4 {
		step = 2
	}
	n := ((k + step - 1) / step) * ((k + step - 1) / step)
	sums := make([]int, w)
	for y := range h {
		clear(sums)
		for dy := 0; dy < k; dy += step {
			off := g.PixOffset(g.Rect.Min.X, g.Rect.Min.Y+y*k+dy)
			row := g.Pix[off : off+w*k]
			for x := range sums {
				s := 0
				block := row[x*k : x*k+k]
				for i := 0; i < len(block); i += step {
					s += int(block[i])
				}
				sums[x] += s
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x, s := range sums {
			out[x] = uint8(s / n)
		}
	}
	return dst
}

// otsu is the threshold that best splits the image's histogram in two.
func otsu(g *image.Gray) uint8 {
	var hist [256]float64
	for _, v := range g.Pix {
		hist[v]++
	}
	n := float64(len(g.Pix))
	var sum float64
	for v, c := range hist {
		sum += float64(v) * c
	}
	var wb, sumB, bestVar float64
	best := 127
	for v := range 256 {
		wb += hist[v]
		if wb == 0 {
			continue
		}
		wf := n - wb
		if wf == 0 {
			break
		}
		sumB += float64(v) * hist[v]
		mb, mf := sumB/wb, (sum-sumB)/wf
		if bv := wb * wf * (mb - mf) * (mb - mf); bv > bestVar {
			bestVar, best = bv, v
		}
	}
	return uint8(best)
}

// largestBright is the largest 4-connected region of pixels above t, as a
// mask over g's pixels, and its size.
func largestBright(g *image.Gray, t uint8) ([]bool, int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	label := make([]int32, w*h)
	var stack []int
	bestLabel, bestSize := int32(0), 0
	next := int32(0)
	for start := range label {
		if label[start] != 0 || g.Pix[start] <= t {
			continue
		}
		next++
		size := 0
		stack = append(stack[:0], start)
		label[start] = next
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			size++
			x, y := p%w, p/w
			for _, q := range [4]int{p - 1, p + 1, p - w, p + w} {
				switch {
				case q == p-1 && x == 0, q == p+1 && x == w-1, q == p-w && y == 0, q == p+w && y == h-1:
					continue
				}
				if label[q] == 0 && g.Pix[q] > t {
					label[q] = next
					stack = append(stack, q)
				}
			}
		}
		if size > bestSize {
			bestLabel, bestSize = next, size
		}
	}
	mask := make([]bool, w*h)
	for i, l := range label {
		mask[i] = l == bestLabel && bestLabel != 0
	}
	return mask, bestSize
}

// quadArea is the area of a quadrilateral given corner by corner (the
// shoelace formula).
func quadArea(p [4][2]float64) float64 {
	a := 0.0
	for i := range 4 {
		j := (i + 1) % 4
		a += p[i][0]*p[j][1] - p[j][0]*p[i][1]
	}
	return math.Abs(a) / 2
}

func dist(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// homography is the projective map taking each from[i] to to[i], as a
// row-major 3x3 matrix with h[8] = 1; false when the points are
// degenerate (three in a line).
func homography(from, to [4][2]float64) ([9]float64, bool) {
	// Eight equations in the eight unknowns h0..h7.
	var a [8][9]float64
	for i := range 4 {
		x, y, u, v := from[i][0], from[i][1], to[i][0], to[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for col := range 8 {
		pivot := col
		for r := col + 1; r < 8; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(a[pivot][col]) < 1e-9 {
			return [9]float64{}, false
		}
		a[col], a[pivot] = a[pivot], a[col]
		for r := range 8 {
			if r == col {
				continue
			}
			k := a[r][col] / a[col][col]
			for c := col; c < 9; c++ {
				a[r][c] -= k * a[col][c]
			}
		}
	}
	var hm [9]float64
	for i := range 8 {
		hm[i] = a[i][8] / a[i][i]
	}
	hm[8] = 1
	return hm, true
}

// project maps a point with a homography.
func project(h [9]float64, x, y float64) (float64, float64) {
	d := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / d, (h[3]*x + h[4]*y + h[5]) / d
}

// warp samples src through h into a w x h upright image, bilinearly;
// what falls outside src is white paper.
func warp(src *image.Gray, hm [9]float64, w, h int) *image.Gray {
	dst := image.NewGray(image.Rect(0, 0, w, h))
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	for y := range h {
		row := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		fy := float64(y) + 0.5
		for x := range row {
			sx, sy := project(hm, float64(x)+0.5, fy)
			sx, sy = sx-0.5, sy-0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			if x0 < 0 || y0 < 0 || x0+1 >= sw || y0+1 >= sh {
				row[x] = 255
				continue
			}
			ax, ay := sx-float64(x0), sy-float64(y0)
			i := src.PixOffset(src.Rect.Min.X+x0, src.Rect.Min.Y+y0)
			p00, p10 := float64(src.Pix[i]), float64(src.Pix[i+1])
			p01, p11 := float64(src.Pix[i+src.Stride]), float64(src.Pix[i+src.Stride+1])
			v := (p00*(1-ax)+p10*ax)*(1-ay) + (p01*(1-ax)+p11*ax)*ay
			row[x] = uint8(v + 0.5)
		}
	}
	return dst
}

// minFilter is a 3x3 minimum: each pixel takes its darkest neighbour.
func minFilter(src *image.Gray) *image.Gray { return rankFilter(src, false) }
