package extract

import (
	"image"
	"strings"

	"tillroll/ocr"
)

// docFromLines makes a one-page document from lines of text, the way OCR
// would read a receipt printed in a fixed-width font: 12 pixels a
// character, 30 pixels a line. A tab splits a line into a left part and a
// right part aligned to the page's right edge (a price column). A word
// written with a leading "~" is one OCR was unsure of (confidence 40).
func docFromLines(lines ...string) ocr.Document {
	const cw, lh, width = 12, 30, 600
	p := ocr.Page{Number: 1, Width: width, Height: lh * (len(lines) + 2)}
	for i, l := range lines {
		y := lh * (i + 1)
		var words []ocr.Word
		place := func(text string, x int) {
			for _, w := range strings.Fields(text) {
				c := 95.0
				if len(w) > 1 && strings.HasPrefix(w, "~") {
					w, c = w[1:], 40
				}
				n := len([]rune(w))
				words = append(words, ocr.Word{Text: w, Conf: c, Box: image.Rect(x, y, x+n*cw, y+20)})
				x += (n + 1) * cw
			}
		}
		left, right, hasRight := strings.Cut(l, "\t")
		lead := len(left) - len(strings.TrimLeft(left, " "))
		place(left, 20+lead*cw)
		if hasRight {
			right = strings.TrimSpace(right)
			place(right, width-20-len([]rune(right))*cw)
		}
		if len(words) == 0 {
			continue
		}
		ln := ocr.Line{Words: words, Box: words[0].Box}
		var texts []string
		for _, w := range words {
			ln.Box = ln.Box.Union(w.Box)
			texts = append(texts, w.Text)
		}
		ln.Text = strings.Join(texts, " ")
		p.Lines = append(p.Lines, ln)
	}
	return ocr.Document{Kind: ocr.KindJPEG, Pages: []ocr.Page{p}}
}
