package ocr

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

// printedPage is a w x h page of the given paper brightness with rows of
// letter-sized strokes of the given ink, and, when band > 0, a black band
// that wide along its top and left edges (a scanner's margin, a photo's
// dark edge). noise adds up to that much grain to every pixel.
func printedPage(w, h int, paper, ink uint8, band, noise int) *image.Gray {
	rng := rand.New(rand.NewPCG(3, 4))
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := int(paper)
			// Strokes 3 pixels wide and 22 high, 9 apart, in lines 44
			// apart, with margins: a page of print.
			if x > 40 && x < w-40 && y > 40 && y < h-40 && y%44 < 22 && x%9 < 3 {
				v = int(ink)
			}
			if noise > 0 {
				v += rng.IntN(2*noise+1) - noise
			}
			if x < band || y < band {
				v = 0
			}
			g.Pix[y*g.Stride+x] = uint8(max(0, min(255, v)))
		}
	}
	return g
}

func TestInkDepth(t *testing.T) {
	cases := []struct {
		name  string
		page  *image.Gray
		faint bool
	}{
		{"blank paper", printedPage(400, 600, 250, 250, 0, 0), false},
		{"grainy blank paper", printedPage(400, 600, 240, 240, 0, 4), false},
		{"black print", printedPage(400, 600, 250, 10, 0, 2), false},
		{"black print, black margin", printedPage(400, 600, 250, 10, 12, 2), false},
		{"grey print on grey paper", printedPage(400, 600, 150, 60, 0, 2), false},
		// The usual stretch makes this one dark: its darkest pixels are ink.
		{"pale print", printedPage(400, 600, 245, 200, 0, 2), false},
		// Here the margin is the darkest and the print stays pale.
		{"pale print, black margin", printedPage(400, 600, 245, 200, 12, 2), true},
		{"pale print, thin black margin", printedPage(400, 600, 245, 215, 4, 2), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stretchContrast(c.page)
			_, depth := inkDepth(c.page)
			if got := depth < faintDepth; got != c.faint {
				t.Errorf("depth %d: faint %v, want %v", depth, got, c.faint)
			}
		})
	}
}

func TestDeepenFaint(t *testing.T) {
	t.Run("pale print with a black margin becomes dark", func(t *testing.T) {
		g := printedPage(400, 600, 245, 205, 12, 2)
		stretchContrast(g)
		if !deepenFaint(g) {
			t.Fatal("faint page left as it was")
		}
		// A stroke's middle and the paper between strokes, inside the margin.
		if v := g.Pix[50*g.Stride+46]; v > 64 {
			t.Errorf("stroke at %d, want dark (<= 64)", v)
		}
		if v := g.Pix[50*g.Stride+50]; v < 200 {
			t.Errorf("paper at %d, want white (>= 200)", v)
		}
	})
	t.Run("a page of dark print is left alone", func(t *testing.T) {
		g := printedPage(400, 600, 250, 10, 12, 2)
		stretchContrast(g)
		before := bytes.Clone(g.Pix)
		if deepenFaint(g) {
			t.Fatal("dark page normalised")
		}
		if !bytes.Equal(before, g.Pix) {
			t.Error("dark page changed")
		}
	})
}

func TestTooFewWords(t *testing.T) {
	words := func(s string) []tessWord {
		var ws []tessWord
		for _, f := range strings.Fields(s) {
			ws = append(ws, tessWord{Word: Word{Text: f}})
		}
		return ws
	}
	cases := []struct {
		text string
		want bool
	}{
		{"", true},
		{"F 6:05 Fh .", true},                            // what Tesseract read of a faint photo
		{strings.Repeat("a - ", 30), true},               // single characters are specks
		{strings.Repeat("SUBTOTAL 11.20 TAX ", 6), true}, // 18 words
		{strings.Repeat("SUBTOTAL 11.20 TAX ", 7), false},
	}
	for _, c := range cases {
		if got := tooFewWords(words(c.text)); got != c.want {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

// TestFaintReceiptIsRead reads, with real Tesseract, a rendered receipt
// faded towards grey and given a black edge, as a photo of an old thermal
// receipt is: without the faint-print step Tesseract finds next to nothing
// in it; the Engine reads its total and date.
func TestFaintReceiptIsRead(t *testing.T) {
	r := fixture.Sample()
	g := fixture.Image(r, fixture.Options{Width: 800})
	for i, v := range g.Pix {
		g.Pix[i] = uint8((int(v)*25 + 240*75) / 100) // a quarter of the contrast left
	}
	for y := range g.Rect.Dy() {
		for x := range 8 {
			g.Pix[y*g.Stride+x] = 0
		}
	}
	for x := range g.Rect.Dx() {
		for y := range 8 {
			g.Pix[y*g.Stride+x] = 0
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	p, _ := Preprocess(toGray(g), FirstPass)
	ws, err := e.recognize(p)
	if err != nil {
		t.Fatal(err)
	}
	if !tooFewWords(ws) {
		t.Fatalf("the faded receipt is readable as it is (%d words): the test shows nothing", len(ws))
	}

	doc, err := e.Read(context.Background(), buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	text := doc.Text()
	for _, want := range []string{fixture.Money(r.Total()), "15/03/2024", "SUBTOTAL"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q not read; the page read:\n%s", want, text)
		}
	}
}

// BenchmarkDeepenFaint is what a faint page pays before Tesseract reads
// it again: the measure, the flattening and the stretch, on a page of
// the shared receipts' size (932 x 1812).
func BenchmarkDeepenFaint(b *testing.B) {
	src := printedPage(932, 1812, 245, 205, 12, 2)
	stretchContrast(src)
	g := image.NewGray(src.Rect)
	for b.Loop() {
		copy(g.Pix, src.Pix)
		if !deepenFaint(g) {
			b.Fatal("not faint")
		}
	}
}

// BenchmarkInkDepth is the measure alone: what a page pays that
// Tesseract found next to nothing in and whose print is dark.
func BenchmarkInkDepth(b *testing.B) {
	g := printedPage(932, 1812, 250, 10, 12, 2)
	for b.Loop() {
		inkDepth(g)
	}
}
