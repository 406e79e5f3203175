package extract

import (
	"image"
	"math"
	"sort"
	"strings"
	"unicode"

	"tillroll/ocr"
)

// row is one visual row of a page: the words whose centres lie on the same
// line once the page's skew is taken out, left to right. Tesseract often
// splits a receipt row into two lines (a label block and a price column);
// rows put them back together so that a label and its amount meet again.
type row struct {
	page      int // index into the document's pages
	index     int // position among all rows of the document
	words     []ocr.Word
	text      string
	box       image.Rectangle
	y         float64 // deskewed centre
	height    float64 // median word height
	pageW     int
	pageH     int
	textLayer bool
	segs      []segment

	dates     []dateMatch // findDates(text), once read
	datesRead bool
}

// at is a box on the row's page.
func (r *row) at(rect image.Rectangle) Box { return Box{Page: r.page + 1, Rect: rect} }

// rangeBox is the box of the words that hold the byte range [start, end)
// of the row's text.
func (r *row) rangeBox(start, end int) Box {
	_, rect := ocr.JoinWords(wordsInRange(r, start, end))
	return r.at(rect)
}

// rowsBox is the box around rows first..last (inclusive) of one page.
func rowsBox(lay *layout, first, last int) Box {
	if first < 0 || last < first || last >= len(lay.rows) {
		return Box{}
	}
	rect := lay.rows[first].box
	for _, r := range lay.rows[first+1 : last+1] {
		if r.page != lay.rows[first].page {
			break
		}
		rect = rect.Union(r.box)
	}
	return lay.rows[first].at(rect)
}

// findDates is the row's dates, read once.
func (r *row) findDates() []dateMatch {
	if !r.datesRead {
		r.dates = findDates(r.text)
		r.datesRead = true
	}
	return r.dates
}

// segment is a run of words of a row with no wide gap: a column cell. Names
// and addresses are read from segments, so that a neighbouring column (an
// invoice's "Bill to" block beside the sender's address) does not leak in.
type segment struct {
	words []ocr.Word
	text  string
	box   image.Rectangle
}

// layout is the document as rows, top to bottom and page by page.
type layout struct {
	rows  []*row
	pages int
	// textLayer is true when every page came from a PDF text layer.
	textLayer bool
	// aspect is the first page's height over its width (receipts are tall).
	aspect float64
}

// wordsOf gives the words of a line, making them from the line's text when
// the line carries none (one box for the whole line, split evenly).
func wordsOf(l ocr.Line) []ocr.Word {
	if len(l.Words) > 0 {
		out := make([]ocr.Word, 0, len(l.Words))
		for _, w := range l.Words {
			if strings.TrimSpace(w.Text) == "" {
				continue
			}
			w.Text = strings.TrimSpace(w.Text)
			out = append(out, w)
		}
		return out
	}
	fields := strings.Fields(l.Text)
	if len(fields) == 0 {
		return nil
	}
	total := 0
	for _, f := range fields {
		total += len([]rune(f)) + 1
	}
	out := make([]ocr.Word, 0, len(fields))
	x := l.Box.Min.X
	width := l.Box.Dx()
	pos := 0
	for _, f := range fields {
		n := len([]rune(f))
		x0 := x + width*pos/total
		x1 := x + width*(pos+n)/total
		out = append(out, ocr.Word{Text: f, Conf: 100, Box: image.Rect(x0, l.Box.Min.Y, x1, l.Box.Max.Y)})
		pos += n + 1
	}
	return out
}

// pageSkew estimates the slope (dy/dx) of text lines on a page from the
// lines that have several words: the median of their fitted slopes.
func pageSkew(p ocr.Page) float64 {
	var slopes []float64
	for _, l := range p.Lines {
		ws := wordsOf(l)
		if len(ws) < 3 {
			continue
		}
		var sx, sy, sxx, sxy float64
		n := float64(len(ws))
		for _, w := range ws {
			cx := float64(w.Box.Min.X+w.Box.Max.X) / 2
			cy := float64(w.Box.Max.Y) // the baseline is steadier than the centre
			sx += cx
			sy += cy
			sxx += cx * cx
			sxy += cx * cy
		}
		den := n*sxx - sx*sx
		if den <= 0 {
			continue
		}
		s := (n*sxy - sx*sy) / den
		if math.IsNaN(s) || math.Abs(s) > 0.25 {
			continue
		}
		slopes = append(slopes, s)
	}
	if len(slopes) < 3 {
		return 0
	}
	sort.Float64s(slopes)
	return slopes[len(slopes)/2]
}

// buildLayout turns the document's lines into rows.
func buildLayout(doc ocr.Document) *layout {
	lay := &layout{pages: len(doc.Pages), textLayer: len(doc.Pages) > 0}
	for pi, p := range doc.Pages {
		if !p.TextLayer {
			lay.textLayer = false
		}
		if pi == 0 && p.Width > 0 {
			lay.aspect = float64(p.Height) / float64(p.Width)
		}
		skew := pageSkew(p)
		type item struct {
			w  ocr.Word
			y  float64
			h  float64
			ln int
		}
		var items []item
		for li, l := range p.Lines {
			for _, w := range wordsOf(l) {
				cx := float64(w.Box.Min.X+w.Box.Max.X) / 2
				cy := float64(w.Box.Min.Y+w.Box.Max.Y) / 2
				items = append(items, item{w: w, y: cy - skew*cx, h: float64(w.Box.Dy()), ln: li})
			}
		}
		// Group by line first: a line's words stay together; lines then
		// join a row when their deskewed centres are close.
		var groups []*lineGroup
		byLine := map[int]*lineGroup{}
		var order []int
		for _, it := range items {
			g, ok := byLine[it.ln]
			if !ok {
				g = &lineGroup{minX: it.w.Box.Min.X}
				byLine[it.ln] = g
				order = append(order, it.ln)
			}
			g.words = append(g.words, it.w)
			g.y += it.y
			if it.w.Box.Min.X < g.minX {
				g.minX = it.w.Box.Min.X
			}
		}
		for _, ln := range order {
			g := byLine[ln]
			g.y /= float64(len(g.words))
			hs := make([]float64, 0, len(g.words))
			for _, w := range g.words {
				hs = append(hs, float64(w.Box.Dy()))
			}
			g.h = median(hs)
			groups = append(groups, g)
		}
		sort.SliceStable(groups, func(i, j int) bool { return groups[i].y < groups[j].y })
		var cur []*lineGroup
		flush := func() {
			if len(cur) == 0 {
				return
			}
			r := &row{page: pi, pageW: p.Width, pageH: p.Height, textLayer: p.TextLayer}
			var ys, hs []float64
			for _, g := range cur {
				r.words = append(r.words, g.words...)
				ys = append(ys, g.y)
				hs = append(hs, g.h)
			}
			sort.SliceStable(r.words, func(i, j int) bool { return r.words[i].Box.Min.X < r.words[j].Box.Min.X })
			r.y = mean(ys)
			r.height = median(hs)
			finishRow(r)
			lay.rows = append(lay.rows, r)
			cur = nil
		}
		for _, g := range groups {
			if len(cur) > 0 {
				last := cur[len(cur)-1]
				tol := 0.5 * math.Min(last.h, g.h)
				if tol < 2 {
					tol = 2
				}
				if math.Abs(g.y-last.y) > tol || overlapsX(cur, g.words) {
					flush()
				}
			}
			cur = append(cur, g)
		}
		flush()
	}
	for i, r := range lay.rows {
		r.index = i
	}
	return lay
}

// lineGroup is the words of one OCR line with their deskewed centre.
type lineGroup struct {
	words []ocr.Word
	y, h  float64
	minX  int
}

// overlapsX reports whether words overlap horizontally with the words of
// the lines of a row already started (then they are two rows, not one).
func overlapsX(cur []*lineGroup, words []ocr.Word) bool {
	for _, g := range cur {
		for _, a := range g.words {
			for _, b := range words {
				lo := max(a.Box.Min.X, b.Box.Min.X)
				hi := min(a.Box.Max.X, b.Box.Max.X)
				if hi-lo > min(a.Box.Dx(), b.Box.Dx())/2 {
					return true
				}
			}
		}
	}
	return false
}

func finishRow(r *row) {
	r.text, r.box = ocr.JoinWords(r.words)
	// Segments: split where the gap between words is wide.
	gap := r.height * 2.2
	if gap < 12 {
		gap = 12
	}
	var s segment
	for i, w := range r.words {
		if i > 0 && float64(w.Box.Min.X-r.words[i-1].Box.Max.X) > gap {
			r.segs = append(r.segs, s)
			s = segment{}
		}
		s.words = append(s.words, w)
	}
	if len(s.words) > 0 {
		r.segs = append(r.segs, s)
	}
	for i := range r.segs {
		sg := &r.segs[i]
		sg.text, sg.box = ocr.JoinWords(sg.words)
	}
}

// conf is the mean word confidence of a list of words.
func conf(ws []ocr.Word) float64 {
	if len(ws) == 0 {
		return 0
	}
	var s float64
	for _, w := range ws {
		s += w.Conf
	}
	return s / float64(len(ws))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	return c[len(c)/2]
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// letterCount counts letters in s.
func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}
