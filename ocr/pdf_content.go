package ocr

import (
	"fmt"

	"github.com/ledongthuc/pdf"
)

// Bounds of a page's content walk (the content itself is at most
// Limits.MaxStreamBytes, checked by the pre-scan): the graphics state
// nesting (the spec's implementations stop at 28) and the glyphs kept.
const (
	maxStateDepth = 64
	maxGlyphs     = 200_000
)

// The text layer is walked here rather than with pdf.Page.Content, which
// shows a "\n" through the page's font after every TJ array: in a
// subsetted font that code is some letter, and "49,99" came out as
// "49,99e". Walking the operators ourselves also gives CID fonts their real
// glyph widths (from /W), which the library leaves at zero.

// mat is a PDF transformation matrix [a b 0; c d 0; e f 1].
type mat [3][3]float64

var identity = mat{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

func (m mat) mul(n mat) mat {
	var r mat
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				r[i][j] += m[i][k] * n[k][j]
			}
		}
	}
	return r
}

func translate(x, y float64) mat { return mat{{1, 0, 0}, {0, 1, 0}, {x, y, 1}} }

// textState is the part of the graphics state that places glyphs.
type textState struct {
	ctm, tm, tlm               mat
	font                       *pdfFont
	size, charSpace, wordSpace float64
	scale, leading, rise       float64
}

// pdfFont decodes a font's codes and knows their widths.
type pdfFont struct {
	name    string
	enc     pdf.TextEncoding
	simple  pdf.Font // widths of a simple (one byte a code) font
	cid     bool     // two bytes a code, widths from cidWidth
	cidW    map[int]float64
	cidDflt float64
}

func loadFont(p pdf.Page, name string) *pdfFont {
	f := pdf.Font{V: inherited(p, "Resources").Key("Font").Key(name)} // p.Font, bounded
	pf := &pdfFont{name: f.BaseFont(), enc: f.Encoder(), simple: f}
	if pf.enc == nil {
		pf.enc = latin1{}
	}
	if f.V.Key("Subtype").Name() == "Type0" {
		pf.cid = true
		pf.cidDflt = 1000
		desc := f.V.Key("DescendantFonts").Index(0)
		if dw := desc.Key("DW"); !dw.IsNull() {
			pf.cidDflt = dw.Float64()
		}
		pf.cidW = cidWidths(desc.Key("W"))
	}
	return pf
}

// latin1 decodes the codes of a font with no usable encoding as Latin-1.
type latin1 struct{}

func (latin1) Decode(raw string) string {
	r := make([]rune, len(raw))
	for i := range len(raw) {
		r[i] = rune(raw[i])
	}
	return string(r)
}

// cidWidths reads a /W array: "c [w1 w2 ...]" gives codes c, c+1, ...;
// "c1 c2 w" gives every code from c1 to c2 the width w.
func cidWidths(w pdf.Value) map[int]float64 {
	out := map[int]float64{}
	for i := 0; i < w.Len(); {
		first := int(w.Index(i).Int64())
		if i+1 < w.Len() && w.Index(i+1).Kind() == pdf.Array {
			ws := w.Index(i + 1)
			for j := 0; j < ws.Len() && j < 1<<16; j++ {
				out[first+j] = ws.Index(j).Float64()
			}
			i += 2
			continue
		}
		if i+2 >= w.Len() {
			break
		}
		last, width := int(w.Index(i+1).Int64()), w.Index(i+2).Float64()
		for c := first; c <= last && c-first < 1<<16; c++ {
			out[c] = width
		}
		i += 3
	}
	return out
}

// codes splits a string shown in the font into its codes.
func (f *pdfFont) codes(raw string) []int {
	if f.cid {
		out := make([]int, 0, len(raw)/2)
		for i := 0; i+1 < len(raw); i += 2 {
			out = append(out, int(raw[i])<<8|int(raw[i+1]))
		}
		return out
	}
	out := make([]int, len(raw))
	for i := range len(raw) {
		out[i] = int(raw[i])
	}
	return out
}

func (f *pdfFont) width(code int) float64 {
	if f.cid {
		if w, ok := f.cidW[code]; ok {
			return w
		}
		return f.cidDflt
	}
	if w := f.simple.Width(code); w > 0 {
		return w
	}
	// The standard 14 fonts may come without /Widths: half an em is the
	// typical letter, and keeps the glyphs in order.
	return 500
}

// glyphs walks a page's content and returns every glyph shown, with its
// position and advance in page space.
func glyphs(p pdf.Page) ([]pdf.Text, error) {
	contents := p.V.Key("Contents")
	if contents.IsNull() {
		return nil, nil
	}
	overflow := 0 // q operators past maxStateDepth
	fonts := map[string]*pdfFont{}
	g := textState{ctm: identity, tm: identity, tlm: identity, scale: 1}
	var stack []textState
	var out []pdf.Text

	show := func(raw string) {
		if g.font == nil {
			return
		}
		for _, code := range g.font.codes(raw) {
			if len(out) == maxGlyphs {
				return
			}
			var s string
			if g.font.cid {
				s = g.font.enc.Decode(string([]byte{byte(code >> 8), byte(code)}))
			} else {
				s = g.font.enc.Decode(string([]byte{byte(code)}))
			}
			w0 := g.font.width(code)
			trm := mat{{g.size * g.scale, 0, 0}, {0, g.size, 0}, {0, g.rise, 1}}.mul(g.tm).mul(g.ctm)
			out = append(out, pdf.Text{
				Font: g.font.name, FontSize: trm[0][0], X: trm[2][0], Y: trm[2][1],
				W: w0 / 1000 * trm[0][0], S: s,
			})
			tx := w0/1000*g.size + g.charSpace
			if !g.font.cid && code == ' ' {
				tx += g.wordSpace
			}
			g.tm = translate(tx*g.scale, 0).mul(g.tm)
		}
	}
	nextLine := func() {
		g.tlm = translate(0, -g.leading).mul(g.tlm)
		g.tm = g.tlm
	}
	num := func(args []pdf.Value, i int) float64 {
		if i < len(args) {
			return args[i].Float64()
		}
		return 0
	}

	pdf.Interpret(contents, func(stk *pdf.Stack, op string) {
		n := stk.Len()
		args := make([]pdf.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "q":
			if len(stack) == maxStateDepth {
				overflow++
			} else {
				stack = append(stack, g)
			}
		case "Q":
			if overflow > 0 {
				overflow--
			} else if len(stack) > 0 {
				g, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		case "cm":
			if n == 6 {
				g.ctm = mat{{num(args, 0), num(args, 1), 0}, {num(args, 2), num(args, 3), 0}, {num(args, 4), num(args, 5), 1}}.mul(g.ctm)
			}
		case "BT":
			g.tm, g.tlm = identity, identity
		case "Tf":
			if n == 2 {
				name := args[0].Name()
				if fonts[name] == nil {
					fonts[name] = loadFont(p, name)
				}
				g.font, g.size = fonts[name], num(args, 1)
			}
		case "Tc":
			g.charSpace = num(args, 0)
		case "Tw":
			g.wordSpace = num(args, 0)
		case "Tz":
			g.scale = num(args, 0) / 100
		case "TL":
			g.leading = num(args, 0)
		case "Ts":
			g.rise = num(args, 0)
		case "TD":
			g.leading = -num(args, 1)
			fallthrough
		case "Td":
			g.tlm = translate(num(args, 0), num(args, 1)).mul(g.tlm)
			g.tm = g.tlm
		case "Tm":
			if n == 6 {
				g.tm = mat{{num(args, 0), num(args, 1), 0}, {num(args, 2), num(args, 3), 0}, {num(args, 4), num(args, 5), 1}}
				g.tlm = g.tm
			}
		case "T*":
			nextLine()
		case "Tj":
			if n == 1 {
				show(args[0].RawString())
			}
		case "'":
			if n == 1 {
				nextLine()
				show(args[0].RawString())
			}
		case "\"":
			if n == 3 {
				g.wordSpace, g.charSpace = num(args, 0), num(args, 1)
				nextLine()
				show(args[2].RawString())
			}
		case "TJ":
			if n == 1 {
				arr := args[0]
				for i := 0; i < arr.Len(); i++ {
					if x := arr.Index(i); x.Kind() == pdf.String {
						show(x.RawString())
					} else {
						g.tm = translate(-x.Float64()/1000*g.size*g.scale, 0).mul(g.tm)
					}
				}
			}
		}
	})
	if len(out) == maxGlyphs {
		return nil, fmt.Errorf("%w: a page shows more than %d glyphs", ErrTooLarge, maxGlyphs)
	}
	return out, nil
}
