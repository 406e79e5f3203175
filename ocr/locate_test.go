package ocr

import (
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"tillroll/internal/fixture"
)

// texturedPage is a w x h background of the given brightness with a
// wood-like grain and noise, as a table under a photographed receipt or
// a scanner's open lid looks.
func texturedPage(w, h int, level uint8, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 7))
	g := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		grain := 12 * math.Sin(float64(y)/9+3*math.Sin(float64(y)/57))
		for x := range w {
			v := float64(level) + grain + 8*math.Sin(float64(x)/31) + float64(rng.IntN(21)-10)
			g.Pix[y*g.Stride+x] = uint8(max(0, min(255, v)))
		}
	}
	return g
}

// pasteQuad draws src onto dst so that src's corners land on the four
// points (top left, top right, bottom right, bottom left): a receipt laid
// on a page, turned and seen in perspective.
func pasteQuad(t *testing.T, dst, src *image.Gray, to [4][2]float64) {
	t.Helper()
	b := src.Bounds()
	from := [4][2]float64{{0, 0}, {float64(b.Dx()), 0}, {float64(b.Dx()), float64(b.Dy())}, {0, float64(b.Dy())}}
	inv, ok := homography(to, from) // page -> receipt
	if !ok {
		t.Fatal("degenerate quadrilateral")
	}
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			sx, sy := project(inv, float64(x)+0.5, float64(y)+0.5)
			ix, iy := int(math.Floor(sx)), int(math.Floor(sy))
			if ix < 0 || iy < 0 || ix >= b.Dx() || iy >= b.Dy() {
				continue
			}
			dst.Pix[y*dst.Stride+x] = src.Pix[iy*src.Stride+ix]
		}
	}
}

// germanReceipt is a rendered German till receipt paid in cash.
func germanReceipt() *fixture.Receipt {
	r := fixture.Sample()
	r.Merchant = "BÄCKEREI MÜLLER GMBH"
	r.Address = "Hauptstraße 12, 33100 Paderborn"
	r.Phone = "Tel. 05251 123456"
	r.German = true
	r.TaxRate = 0.07
	r.Cash = 20
	r.Footer = "VIELEN DANK!"
	return r
}

func TestLocateStraightensAReceiptOnAPage(t *testing.T) {
	rec := fixture.Image(germanReceipt(), fixture.Options{Width: 700})
	rb := rec.Bounds()
	cases := []struct {
		name  string
		page  image.Point
		level uint8
		quad  [4][2]float64
	}{
		{"flatbed A4, dark lid, straight", image.Pt(1654, 2339), 70, [4][2]float64{{300, 200}, {1000, 200}, {1000, 200 + float64(rb.Dy())}, {300, 200 + float64(rb.Dy())}}},
		{"flatbed, turned 4 degrees", image.Pt(1654, 2339), 110, turned(rb, 4, 800, 1100)},
		{"photo on a table, perspective", image.Pt(1500, 2000), 120, [4][2]float64{{420, 160}, {1090, 210}, {1180, 1860}, {300, 1800}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := texturedPage(c.page.X, c.page.Y, c.level, 1)
			pasteQuad(t, page, rec, c.quad)
			loc, ok := locate(page)
			if !ok {
				t.Fatal("no receipt found on the page")
			}
			// The straightened receipt has the receipt's proportions.
			q := c.quad
			got := float64(loc.img.Rect.Dy()) / float64(loc.img.Rect.Dx())
			want := math.Max(dist(q[0], q[3]), dist(q[1], q[2])) / math.Max(dist(q[0], q[1]), dist(q[3], q[2]))
			if math.Abs(got-want)/want > 0.12 {
				t.Errorf("straightened %v: height/width %.2f, want %.2f", loc.img.Rect.Size(), got, want)
			}
			// Its corners map back to where the receipt lies on the page.
			w, h := float64(loc.img.Rect.Dx()), float64(loc.img.Rect.Dy())
			for i, p := range [4][2]float64{{0, 0}, {w, 0}, {w, h}, {0, h}} {
				x, y := project(loc.h, p[0], p[1])
				if d := math.Hypot(x-c.quad[i][0], y-c.quad[i][1]); d > 0.03*float64(c.page.Y) {
					t.Errorf("corner %d at (%.0f, %.0f), want near (%.0f, %.0f)", i, x, y, c.quad[i][0], c.quad[i][1])
				}
			}
			// No band of the background is left along its edges (Tesseract
			// reads one as a line of its own, or glues it to the last
			// line): the outermost pixels are paper.
			if side, v := darkestEdge(loc.img, 3); v < 200 {
				t.Errorf("the %s edge of the straightened receipt is background (mean %d)", side, v)
			}
			// A word box maps back inside the page.
			if r := loc.toPage(image.Rect(10, 10, 100, 40)); r.Empty() || !r.In(page.Rect) {
				t.Errorf("box mapped to %v, outside the page %v", r, page.Rect)
			}
		})
	}
}

// darkestEdge is the side of g where a stretch (an eighth of the side)
// of its outermost n rows or columns is the darkest on average, and that
// mean.
func darkestEdge(g *image.Gray, n int) (string, int) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	mean := func(r image.Rectangle) int {
		s := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				s += int(g.Pix[y*g.Stride+x])
			}
		}
		return s / max(1, r.Dx()*r.Dy())
	}
	side, v := "", 256
	for i := range 8 {
		xa, xb, ya, yb := i*w/8, (i+1)*w/8, i*h/8, (i+1)*h/8
		for _, e := range []struct {
			name string
			r    image.Rectangle
		}{{"top", image.Rect(xa, 0, xb, n)}, {"bottom", image.Rect(xa, h-n, xb, h)}, {"left", image.Rect(0, ya, n, yb)}, {"right", image.Rect(w-n, ya, w, yb)}} {
			if m := mean(e.r); m < v {
				side, v = e.name, m
			}
		}
	}
	return side, v
}

// turned is the corners of r turned by deg degrees about its centre,
// placed with its centre at (cx, cy).
func turned(r image.Rectangle, deg, cx, cy float64) [4][2]float64 {
	a := deg * math.Pi / 180
	w, h := float64(r.Dx())/2, float64(r.Dy())/2
	var out [4][2]float64
	for i, p := range [4][2]float64{{-w, -h}, {w, -h}, {w, h}, {-w, h}} {
		out[i] = [2]float64{cx + p[0]*math.Cos(a) - p[1]*math.Sin(a), cy + p[0]*math.Sin(a) + p[1]*math.Cos(a)}
	}
	return out
}

func TestLocateLeavesACroppedReceipt(t *testing.T) {
	// A cropped scan: the paper fills the image, with a thin dark border
	// on one side as scanners leave.
	rec := fixture.Image(germanReceipt(), fixture.Options{Width: 1000})
	b := rec.Bounds()
	for y := range b.Dy() {
		for x := range 6 {
			rec.Pix[y*rec.Stride+x] = 40
		}
	}
	if _, ok := locate(rec); ok {
		t.Error("a cropped receipt was cropped again")
	}
	// A blank white page holds no receipt to find.
	blank := image.NewGray(image.Rect(0, 0, 1200, 1700))
	for i := range blank.Pix {
		blank.Pix[i] = 250
	}
	if _, ok := locate(blank); ok {
		t.Error("a receipt found on a blank page")
	}
}

func TestHomographyMapsCorners(t *testing.T) {
	from := [4][2]float64{{0, 0}, {100, 0}, {100, 300}, {0, 300}}
	to := [4][2]float64{{12, 30}, {140, 22}, {160, 350}, {5, 330}}
	h, ok := homography(from, to)
	if !ok {
		t.Fatal("no homography")
	}
	for i := range 4 {
		x, y := project(h, from[i][0], from[i][1])
		if math.Abs(x-to[i][0]) > 1e-6 || math.Abs(y-to[i][1]) > 1e-6 {
			t.Errorf("corner %d maps to (%g, %g), want %v", i, x, y, to[i])
		}
	}
	if _, ok := homography(from, [4][2]float64{{0, 0}, {1, 1}, {2, 2}, {3, 3}}); ok {
		t.Error("a homography onto points in a line")
	}
}

// TestReadReceiptOnAPage reads, with real Tesseract, a German receipt
// photographed on a table: the total, the date and the merchant come out
// as printed, and the word boxes lie where the receipt is on the page.
func TestReadReceiptOnAPage(t *testing.T) {
	r := germanReceipt()
	rec := fixture.Image(r, fixture.Options{Width: 800})
	quad := [4][2]float64{{380, 150}, {1170, 200}, {1240, 150 + float64(rec.Rect.Dy())}, {300, 100 + float64(rec.Rect.Dy())}}
	page := texturedPage(1600, 2000+rec.Rect.Dy()/2, 110, 3)
	pasteQuad(t, page, rec, quad)
	e, err := NewEngine(Options{Languages: []string{"eng"}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	start := time.Now()
	p, err := e.readImage(page, FirstPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read in %v", time.Since(start))
	text := ""
	for _, l := range p.Lines {
		text += l.Text + "\n"
		if !l.Box.In(page.Rect) {
			t.Errorf("line %q at %v, outside the page", l.Text, l.Box)
		}
		if l.Box.Max.X < 250 || l.Box.Min.X > 1300 {
			t.Errorf("line %q at %v, off the receipt", l.Text, l.Box)
		}
	}
	for _, want := range []string{"SUMME EUR", "15.03.24", "20,00"} {
		if !strings.Contains(text, want) {
			t.Errorf("read text lacks %q:\n%s", want, text)
		}
	}
}

// BenchmarkLocateCropped is what looking for the receipt costs a receipt
// that is already cropped (about 900 x 2800 pixels, as the German scans):
// the price every upload pays.
func BenchmarkLocateCropped(b *testing.B) {
	r := germanReceipt()
	for range 6 {
		r.Items = append(r.Items, r.Items...)
	}
	r.Items = r.Items[:40]
	rec := fixture.Image(r, fixture.Options{Width: 900})
	b.ResetTimer()
	for b.Loop() {
		if _, ok := locate(rec); ok {
			b.Fatal("a cropped receipt was located")
		}
	}
}

func TestLocateCropsToThePrintOnAWhiteLid(t *testing.T) {
	rec := fixture.Image(germanReceipt(), fixture.Options{Width: 700})
	rb := rec.Bounds()
	at := image.Pt(500, 300)
	quad := func(p image.Point) [4][2]float64 {
		x, y := float64(p.X), float64(p.Y)
		return [4][2]float64{{x, y}, {x + float64(rb.Dx()), y}, {x + float64(rb.Dx()), y + float64(rb.Dy())}, {x, y + float64(rb.Dy())}}
	}
	// A closed white lid: hardly darker than the paper.
	page := texturedPage(1654, 2339, 238, 2)
	pasteQuad(t, page, rec, quad(at))
	loc, ok := locate(page)
	if !ok {
		t.Fatal("the receipt on a white lid was not found")
	}
	got := loc.toPage(loc.img.Rect)
	m := rb.Dx() / 16 // the fixture's margin around its print
	ink := image.Rect(at.X+m, at.Y+m, at.X+rb.Dx()-m, at.Y+rb.Dy()-m)
	if !ink.In(got) {
		t.Errorf("cut to %v, which leaves out print in %v", got, ink)
	}
	if got.Dx()*got.Dy() > 2*rb.Dx()*rb.Dy() {
		t.Errorf("cut to %v, far more than the receipt %v at %v", got, rb.Size(), at)
	}
	// Two receipts side by side: which one is it? Nothing is cut.
	page = texturedPage(1654, 2339, 238, 2)
	pasteQuad(t, page, rec, quad(image.Pt(60, 300)))
	pasteQuad(t, page, rec, quad(image.Pt(880, 300)))
	if loc, ok := locate(page); ok {
		t.Errorf("two receipts cut to %v", loc.toPage(loc.img.Rect))
	}
}

// tightReceipt is a rendered receipt cut close to its print (a margin of
// pad pixels) on gray paper, as the German scans are cropped.
func tightReceipt(width, pad int) *image.Gray {
	full := fixture.Image(germanReceipt(), fixture.Options{Width: width})
	fb := full.Bounds()
	ink := image.Rectangle{}
	for y := range fb.Dy() {
		for x := range fb.Dx() {
			if full.Pix[y*full.Stride+x] < 128 {
				ink = ink.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	r := ink.Inset(-pad).Intersect(fb)
	rec := image.NewGray(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			rec.Pix[y*rec.Stride+x] = uint8(int(full.Pix[(r.Min.Y+y)*full.Stride+r.Min.X+x]) * 235 / 255)
		}
	}
	return rec
}

// TestLocateLeavesNoBackgroundAlongTheEdges: the paper's edges are placed
// on the page itself, not on its small copy, whose pixels (8 of the
// page's on an A4 page at 300 dpi) left a band of dark lid along the
// bottom of this receipt, against its last line; each side on its own,
// so a receipt laid against the page's border has its other sides
// placed.
func TestLocateLeavesNoBackgroundAlongTheEdges(t *testing.T) {
	rec := tightReceipt(900, 12)
	page := texturedPage(2552, 3508, 60, 1)
	pasteQuad(t, page, rec, turned(rec.Bounds(), 0.5, 1279, 1503))
	loc, ok := locate(page)
	if !ok {
		t.Fatal("no receipt found on the page")
	}
	if side, v := darkestEdge(loc.img, 3); v < 200 {
		t.Errorf("the %s edge of the straightened receipt is background (mean %d)", side, v)
	}
	// Nor is any of the receipt cut off: it keeps its size, but for the
	// edge's blur.
	if d := rec.Rect.Size().Sub(loc.img.Rect.Size()); d.X < 0 || d.Y < 0 || d.X > 8 || d.Y > 8 {
		t.Errorf("straightened to %v, the receipt is %v", loc.img.Rect.Size(), rec.Rect.Size())
	}
	// Laid against the page's top right corner, the receipt shows no
	// background along two sides; the other two are placed all the same.
	rec = tightReceipt(900, 12)
	rec = rec.SubImage(image.Rect(5, 0, rec.Rect.Dx(), rec.Rect.Dy()-5)).(*image.Gray)
	rb := rec.Bounds()
	page = texturedPage(2552, 3508, 60, 5)
	at := image.Pt(2552-rb.Dx(), 0)
	for y := range rb.Dy() {
		copy(page.Pix[(at.Y+y)*page.Stride+at.X:], rec.Pix[rec.PixOffset(rb.Min.X, rb.Min.Y+y):rec.PixOffset(rb.Max.X, rb.Min.Y+y)])
	}
	if loc, ok = locate(page); !ok {
		t.Fatal("no receipt found in the page's corner")
	}
	if side, v := darkestEdge(loc.img, 3); v < 200 {
		t.Errorf("in the corner, the %s edge of the straightened receipt is background (mean %d)", side, v)
	}
}

// TestLocateKeepsPrintBelowAGapOnAWhiteLid: on a white lid the page is
// cut to its block of print, whose ends are trimmed of specks; a short
// footer under a gap is print all the same, and the lid's texture around
// the print is blanked.
func TestLocateKeepsPrintBelowAGapOnAWhiteLid(t *testing.T) {
	rec := fixture.Image(germanReceipt(), fixture.Options{Width: 700})
	rb := rec.Bounds()
	// The receipt's paper runs on below its print, with a footer (a
	// short word, as bars of print) 50 pixels under the last line.
	tall := image.NewGray(image.Rect(0, 0, rb.Dx(), rb.Dy()+200))
	for i := range tall.Pix {
		tall.Pix[i] = 255
	}
	for y := range rb.Dy() {
		copy(tall.Pix[y*tall.Stride:], rec.Pix[y*rec.Stride:y*rec.Stride+rb.Dx()])
	}
	last := 0
	for y := range rb.Dy() {
		for x := range rb.Dx() {
			if rec.Pix[y*rec.Stride+x] < 128 {
				last = y
			}
		}
	}
	footer := image.Rect(rb.Dx()/2-12, last+50, rb.Dx()/2+12, last+62)
	for y := footer.Min.Y; y < footer.Max.Y; y++ {
		for x := footer.Min.X; x < footer.Max.X; x++ {
			if (x-footer.Min.X)%8 < 3 {
				tall.Pix[y*tall.Stride+x] = 20
			}
		}
	}
	at := image.Pt(480, 300)
	tb := tall.Bounds()
	page := texturedPage(1654, 2339, 238, 2)
	pasteQuad(t, page, tall, [4][2]float64{{float64(at.X), float64(at.Y)}, {float64(at.X + tb.Dx()), float64(at.Y)}, {float64(at.X + tb.Dx()), float64(at.Y + tb.Dy())}, {float64(at.X), float64(at.Y + tb.Dy())}})
	loc, ok := locate(page)
	if !ok {
		t.Fatal("the receipt on a white lid was not found")
	}
	got := loc.toPage(loc.img.Rect)
	if f := footer.Add(at); !f.In(got) {
		t.Fatalf("cut to %v, which leaves out the footer at %v", got, f)
	}
	// The footer's print is there, not blanked.
	f := footer.Add(at).Sub(got.Min)
	dark := 0
	for y := f.Min.Y; y < f.Max.Y; y++ {
		for x := f.Min.X; x < f.Max.X; x++ {
			if loc.img.Pix[y*loc.img.Stride+x] < 100 {
				dark++
			}
		}
	}
	if dark < f.Dx()*f.Dy()/4 {
		t.Errorf("the footer lost its print: %d dark pixels of %d", dark, f.Dx()*f.Dy())
	}
	// The lid's texture at the cut's edges is blanked: the outermost rows
	// and columns are one level.
	g := loc.img
	w, h := g.Rect.Dx(), g.Rect.Dy()
	lo, hi := 255, 0
	for y := range h {
		for x := range w {
			if x < 3 || y < 3 || x >= w-3 || y >= h-3 {
				v := int(g.Pix[y*g.Stride+x])
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if hi-lo > 2 {
		t.Errorf("the cut's edges range from %d to %d: the lid's texture is left in", lo, hi)
	}
}

// TestLocateRealReceiptsOnAScannerPage lays each real German receipt
// (../shared/testdata/receipts-de, cropped from 300 dpi A4 scans; skipped
// when absent) on a white lid in the page's top right corner, where the
// same scanner's uncropped scans show them: at 300 dpi on a 2552 x 3508
// page, and shrunk to 200 dpi on a 1701 x 2339 one. Located, every bit of
// its print is kept, little of the page besides, and it is read at the
// scale its cropped scan is read at (Preprocess), not at the page's.
func TestLocateRealReceiptsOnAScannerPage(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "testdata", "receipts-de")
	if d := os.Getenv("TILLROLL_TESTDATA"); d != "" {
		dir = filepath.Join(d, "receipts-de")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if len(files) == 0 {
		t.Skipf("no receipts at %s", dir)
	}
	lids := map[int]*image.Gray{300: texturedPage(2552, 3508, 240, 5), 200: texturedPage(1701, 2339, 240, 5)}
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		full, err := decodeImage(data, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for _, dpi := range []int{300, 200} {
			rec := full
			if dpi != 300 {
				b := rec.Bounds()
				rec = resizeGray(rec, b.Dx()*dpi/300, b.Dy()*dpi/300, imaging.Box)
			}
			rb := rec.Bounds()
			page := cloneGray(lids[dpi])
			pw, ph := page.Rect.Dx(), page.Rect.Dy()
			if rb.Dy() > ph-60 {
				continue // longer than the page
			}
			at := image.Pt(pw-rb.Dx()-18*dpi/300, 30*dpi/300)
			for y := range rb.Dy() {
				copy(page.Pix[(at.Y+y)*page.Stride+at.X:], rec.Pix[y*rec.Stride:y*rec.Stride+rb.Dx()])
			}
			loc, ok := locate(page)
			if !ok {
				t.Errorf("%d dpi, %s: not found on the page", dpi, filepath.Base(f))
				continue
			}
			got := loc.toPage(loc.img.Rect)
			if ink := inkBox(rec, 110).Add(at); !ink.In(got) {
				t.Errorf("%d dpi, %s: cut to %v, which leaves out print in %v", dpi, filepath.Base(f), got, ink)
			}
			if got.Dx() > rb.Dx()*6/5 || got.Dy() > rb.Dy()*6/5 {
				t.Errorf("%d dpi, %s: cut to %v, far more than the receipt %v", dpi, filepath.Base(f), got.Size(), rb.Size())
			}
			if i%4 != 0 {
				continue // Preprocess takes time; the sizes differ little
			}
			if _, s := Preprocess(loc.img, FirstPass); s != 1 {
				t.Errorf("%d dpi, %s: the located receipt %v is read scaled by %.2f", dpi, filepath.Base(f), loc.img.Rect.Size(), s)
			}
		}
	}
}

// inkBox is the box around g's pixels darker than level, but for the
// outermost few: a speck of dust or the scan's edge.
func inkBox(g *image.Gray, level uint8) image.Rectangle {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	cols, rows := make([]int, w), make([]int, h)
	total := 0
	for y := range h {
		for x := range w {
			if g.Pix[y*g.Stride+x] < level {
				cols[x]++
				rows[y]++
				total++
			}
		}
	}
	x0, x1 := trimmedRange(cols, total/1000)
	y0, y1 := trimmedRange(rows, total/1000)
	return image.Rect(x0, y0, x1, y1)
}

// TestLocateLeavesTheScannersFrameOut: a flatbed's page may carry a dark
// band along its edges (the frame beyond the glass); on a white lid it is
// no print, so the receipt laid against it is still cut to its own print,
// and the band is blanked with the lid.
func TestLocateLeavesTheScannersFrameOut(t *testing.T) {
	rec := tightReceipt(900, 20)
	rb := rec.Bounds()
	page := texturedPage(2552, 3508, 240, 5)
	at := image.Pt(2552-rb.Dx()-40, 40)
	for y := range rb.Dy() {
		copy(page.Pix[(at.Y+y)*page.Stride+at.X:], rec.Pix[y*rec.Stride:y*rec.Stride+rb.Dx()])
	}
	for y := range 3508 {
		for x := range 2552 {
			if x >= 2552-15 || y < 10 {
				page.Pix[y*page.Stride+x] = 30
			}
		}
	}
	loc, ok := locate(page)
	if !ok {
		t.Fatal("the receipt against the frame was not found")
	}
	got := loc.toPage(loc.img.Rect)
	if ink := inkBox(rec, 110).Add(at); !ink.In(got) {
		t.Errorf("cut to %v, which leaves out print in %v", got, ink)
	}
	if got.Dx() > rb.Dx()*6/5 || got.Dy() > rb.Dy()*6/5 {
		t.Errorf("cut to %v, far more than the receipt %v: the frame was taken for print", got.Size(), rb.Size())
	}
	if side, v := darkestEdge(loc.img, 3); v < 200 {
		t.Errorf("the %s edge of the cut is the frame (mean %d)", side, v)
	}
}
