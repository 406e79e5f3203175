package ocr

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"tillroll/internal/fixture"
)

// drawBars draws a 1-D barcode at the left top of r: bars and spaces of
// one to four modules, as EAN and Code 128 have, in a fixed pattern. It
// returns the box the bars cover.
func drawBars(g *image.Gray, r image.Rectangle, module int) image.Rectangle {
	widths := []int{1, 1, 2, 1, 3, 2, 1, 4, 2, 2, 1, 3, 1, 1, 4, 1, 2, 3, 1, 2, 2, 1, 1, 3}
	x, bar := r.Min.X, true
	box := image.Rectangle{}
	for i := 0; x < r.Max.X; i++ {
		w := widths[i%len(widths)] * module
		if bar {
			b := image.Rect(x, r.Min.Y, min(x+w, r.Max.X), r.Max.Y)
			draw.Draw(g, b, image.Black, image.Point{}, draw.Src)
			box = box.Union(b)
		}
		x += w
		bar = !bar
	}
	return box
}

func whitePage(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(g, g.Bounds(), image.White, image.Point{}, draw.Src)
	return g
}

// receiptPage is a rendered receipt on a taller page, its print shifted
// down by top pixels: room for a barcode above it.
func receiptPage(top int) (*image.Gray, []fixture.Text) {
	r := fixture.Sample()
	img := fixture.Image(r, fixture.Options{})
	b := img.Bounds()
	g := whitePage(b.Dx(), b.Dy()+top+200)
	draw.Draw(g, b.Add(image.Pt(0, top)), img, image.Point{}, draw.Src)
	texts := fixture.Texts(r, fixture.Options{})
	for i := range texts {
		texts[i].Box = texts[i].Box.Add(image.Pt(0, top))
	}
	return g, texts
}

// Barcodes are found where the bars are, and only there: not in text,
// a solid speckled logo, a few table rules, or a QR code's modules.
func TestFindBarcodes(t *testing.T) {
	tests := []struct {
		name string
		page func() (*image.Gray, []image.Rectangle) // the page and the boxes to find
	}{
		{"one barcode", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 600)
			return g, []image.Rectangle{drawBars(g, image.Rect(100, 200, 700, 320), 3)}
		}},
		{"thin modules, short bars", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(600, 300)
			return g, []image.Rectangle{drawBars(g, image.Rect(50, 100, 450, 150), 2)}
		}},
		{"a speck across the bars", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 600)
			box := drawBars(g, image.Rect(100, 200, 700, 320), 3)
			draw.Draw(g, image.Rect(100, 255, 700, 258), image.White, image.Point{}, draw.Src)
			return g, []image.Rectangle{box}
		}},
		{"two barcodes", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 900)
			a := drawBars(g, image.Rect(100, 100, 700, 200), 3)
			b := drawBars(g, image.Rect(150, 500, 650, 640), 2)
			return g, []image.Rectangle{a, b}
		}},
		{"text, no barcode", func() (*image.Gray, []image.Rectangle) {
			g, _ := receiptPage(0)
			return g, nil
		}},
		{"text right under the bars: the box stops at the bars", func() (*image.Gray, []image.Rectangle) {
			g, texts := receiptPage(300)
			var date image.Rectangle
			for _, tx := range texts {
				if tx.Text == "15/03/2024" {
					date = tx.Box
				}
			}
			// The digits' tops are well under the font's ascender line.
			bars := image.Rect(60, 0, 740, date.Min.Y+6)
			bars.Min.Y = bars.Max.Y - 130
			return g, []image.Rectangle{drawBars(g, bars, 3)}
		}},
		{"a solid logo with specks", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 600)
			draw.Draw(g, image.Rect(100, 100, 700, 300), image.Black, image.Point{}, draw.Src)
			rng := rand.New(rand.NewPCG(3, 4))
			for range 3000 {
				x, y := 100+rng.IntN(600), 100+rng.IntN(200)
				g.SetGray(x, y, color.Gray{Y: 255})
				g.SetGray(x, y+1, color.Gray{Y: 255})
			}
			return g, nil
		}},
		{"table rules", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 600)
			for x := 100; x <= 700; x += 150 {
				draw.Draw(g, image.Rect(x, 100, x+3, 500), image.Black, image.Point{}, draw.Src)
			}
			return g, nil
		}},
		{"a QR code's modules", func() (*image.Gray, []image.Rectangle) {
			g := whitePage(800, 600)
			rng := rand.New(rand.NewPCG(5, 6))
			for y := 100; y < 400; y += 10 {
				for x := 200; x < 500; x += 10 {
					if rng.IntN(2) == 0 {
						draw.Draw(g, image.Rect(x, y, x+10, y+10), image.Black, image.Point{}, draw.Src)
					}
				}
			}
			return g, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, want := tt.page()
			var got []image.Rectangle
			for _, b := range findBarcodes(g) {
				got = append(got, b.bounds())
			}
			// Each barcode is covered by the boxes found over it (a
			// barcode cut across may come in two), to 2 pixels.
			near := func(a, b int) bool { return a-b <= 2 && b-a <= 2 }
			for _, b := range got {
				if !slices.ContainsFunc(want, b.Overlaps) {
					t.Errorf("found %v, no barcode there (want %v)", b, want)
				}
			}
			for _, w := range want {
				var u image.Rectangle
				for _, b := range got {
					if b.Overlaps(w) {
						u = u.Union(b)
					}
				}
				if !near(u.Min.X, w.Min.X) || !near(u.Max.X, w.Max.X) || !near(u.Min.Y, w.Min.Y) || !near(u.Max.Y, w.Max.Y) {
					t.Errorf("found %v over the barcode at %v", u, w)
				}
			}
		})
	}
}

// Painting the barcodes white leaves the page untouched outside them,
// and the page handed in as it was.
func TestWithoutBarcodes(t *testing.T) {
	g := whitePage(400, 300)
	box := drawBars(g, image.Rect(50, 100, 350, 180), 2)
	draw.Draw(g, image.Rect(60, 185, 90, 210), image.Black, image.Point{}, draw.Src) // print just under
	orig := append([]uint8(nil), g.Pix...)
	c := withoutBarcodes(g)
	if string(orig) != string(g.Pix) {
		t.Fatal("the page handed in changed")
	}
	for y := range 300 {
		for x := range 400 {
			want := orig[y*g.Stride+x]
			if (image.Point{x, y}).In(box.Inset(-1)) {
				want = 255
			}
			if got := c.GrayAt(x, y).Y; got != want {
				t.Fatalf("pixel (%d,%d) is %d, want %d", x, y, got, want)
			}
		}
	}
	if p := whitePage(50, 50); withoutBarcodes(p) != p {
		t.Error("a page without barcodes was copied")
	}
}

// A date line printed right under a barcode is read: Tesseract, handed
// the page with the bars, takes the line into them and loses it.
func TestDateUnderBarcodeRead(t *testing.T) {
	g, texts := receiptPage(300)
	var date, tm fixture.Text
	for _, tx := range texts {
		switch tx.Text {
		case "15/03/2024":
			date = tx
		case "14:32":
			tm = tx
		}
	}
	if date.Text == "" || tm.Text == "" {
		t.Fatalf("no date line in %v", texts)
	}
	// The bars, wider than the line, end on the digits' tops (as they
	// do at the ink threshold on a scan where they end a pixel or two
	// above): read with them, the line is lost.
	inkTop := date.Box.Max.Y
	for y := date.Box.Min.Y; y < date.Box.Max.Y && inkTop == date.Box.Max.Y; y++ {
		for x := date.Box.Min.X; x < date.Box.Max.X; x++ {
			if g.GrayAt(x, y).Y < 128 {
				inkTop = y
				break
			}
		}
	}
	bars := image.Rect(date.Box.Min.X-20, inkTop-150, tm.Box.Max.X+20, inkTop)
	drawBars(g, bars, 2)
	e, err := NewEngine(Options{KeepPage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	page, err := e.readImage(g, FirstPass)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	found := false
	for _, l := range page.Lines {
		lines = append(lines, l.Text)
		if l.Text == "15/03/2024 14:32" {
			found = true
		}
	}
	if !found {
		t.Errorf("no line \"15/03/2024 14:32\" in %q", lines)
	}
}

// BenchmarkFindBarcodes looks for barcodes on a receipt the size
// Tesseract reads (900 pixels wide), with one barcode at its foot.
func BenchmarkFindBarcodes(b *testing.B) {
	r := fixture.Sample()
	img := fixture.Image(r, fixture.Options{Width: 900})
	bd := img.Bounds()
	g := whitePage(bd.Dx(), bd.Dy()*2)
	draw.Draw(g, bd, img, image.Point{}, draw.Src)
	draw.Draw(g, bd.Add(image.Pt(0, bd.Dy())), img, image.Point{}, draw.Src)
	drawBars(g, image.Rect(150, g.Rect.Dy()-250, 750, g.Rect.Dy()-120), 3)
	b.ReportAllocs()
	for b.Loop() {
		if len(findBarcodes(g)) != 1 {
			b.Fatal("no barcode")
		}
	}
}

// turn turns g by deg degrees about its centre (nearest pixel), as a
// receipt laid a little askew on the scanner.
func turn(g *image.Gray, deg float64) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	out := whitePage(w, h)
	c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
	for y := range h {
		for x := range w {
			dx, dy := float64(x-w/2), float64(y-h/2)
			sx, sy := int(math.Round(c*dx+s*dy))+w/2, int(math.Round(-s*dx+c*dy))+h/2
			if sx >= 0 && sx < w && sy >= 0 && sy < h {
				out.Pix[y*out.Stride+x] = g.Pix[sy*g.Stride+sx]
			}
		}
	}
	return out
}

// On a page turned by up to a few degrees, the bars are found along
// their slope and painted white to their ends, and print 4 pixels under
// them keeps its ink.
func TestBarcodeTurned(t *testing.T) {
	for _, deg := range []float64{-3, -1, 0.5, 2} {
		t.Run(fmt.Sprint(deg), func(t *testing.T) {
			bars, under := whitePage(800, 600), whitePage(800, 600)
			drawBars(bars, image.Rect(100, 200, 700, 320), 3)
			draw.Draw(under, image.Rect(100, 324, 700, 344), image.Black, image.Point{}, draw.Src)
			bars, under = turn(bars, deg), turn(under, deg)
			page := whitePage(800, 600)
			for i := range page.Pix {
				page.Pix[i] = min(bars.Pix[i], under.Pix[i])
			}
			if n := len(findBarcodes(page)); n != 1 {
				t.Fatalf("%d barcodes found, want 1", n)
			}
			clean := withoutBarcodes(page)
			barInk, underInk, underKept := 0, 0, 0
			for i, v := range clean.Pix {
				if bars.Pix[i] < 128 && v < 128 {
					barInk++
				}
				if under.Pix[i] < 128 {
					underInk++
					if v < 128 {
						underKept++
					}
				}
			}
			if barInk > 0 {
				t.Errorf("%d pixels of the bars left", barInk)
			}
			if 100*underKept < 90*underInk {
				t.Errorf("print under the bars kept %d of %d pixels", underKept, underInk)
			}
		})
	}
}
