package ocr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // registered decoders: every accepted image kind
	_ "image/jpeg"
	_ "image/png"
	"runtime"
	"slices"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// checkImage reads only the image header and refuses an image whose
// dimensions are over the limits, so a decompression bomb (a small file
// that claims 40000 x 40000 pixels) is never decoded. It returns the
// image's pixel count.
func checkImage(data []byte, lim Limits) (pixels int, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return 0, err
	}
	// The decoders allocate the whole image before reading a pixel, in
	// the format's own pixel type: 8 bytes a pixel for 16-bit RGBA.
	perPixel := decodedBytes(format, cfg.ColorModel)
	if need := float64(cfg.Width) * float64(cfg.Height) * perPixel; need > float64(lim.MaxImageBytes) {
		return 0, fmt.Errorf("%w: %dx%d pixels of %s take %d MB to decode (at most %d MB)",
			ErrTooLarge, cfg.Width, cfg.Height, modelName(cfg.ColorModel), int64(need)>>20, lim.MaxImageBytes>>20)
	}
	return cfg.Width * cfg.Height, nil
}

// decodedBytes is how many bytes a pixel of the colour model takes once
// decoded, with what the decoder needs beside it: the WebP lossless
// decoder keeps its ARGB words and its transforms' rows as well as the
// image (measured: about 3 times the image).
func decodedBytes(format string, m color.Model) float64 {
	var n float64
	switch m {
	case color.GrayModel, color.AlphaModel:
		n = 1
	case color.Gray16Model, color.Alpha16Model:
		n = 2
	case color.YCbCrModel:
		n = 1.5 // 4:2:0, as cameras write
	case color.NYCbCrAModel:
		n = 2.5
	case color.RGBA64Model, color.NRGBA64Model:
		n = 8
	default:
		if _, ok := m.(color.Palette); ok {
			n = 1
		} else {
			n = 4 // RGBA, NRGBA, CMYK
		}
	}
	if format == "webp" && n == 4 {
		n *= 3
	}
	return n
}

func modelName(m color.Model) string {
	switch m {
	case color.GrayModel:
		return "8-bit gray"
	case color.Gray16Model:
		return "16-bit gray"
	case color.YCbCrModel, color.NYCbCrAModel:
		return "YCbCr"
	case color.RGBA64Model, color.NRGBA64Model:
		return "16-bit RGBA"
	case color.CMYKModel:
		return "CMYK"
	}
	if _, ok := m.(color.Palette); ok {
		return "paletted colour"
	}
	return "8-bit RGBA"
}

func checkSize(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: the image has no pixels (%dx%d)", ErrCorrupt, w, h)
	}
	if w > lim.MaxSide || h > lim.MaxSide || w*h > lim.MaxPixels {
		return fmt.Errorf("%w: %dx%d pixels (at most %d per side and %d in all)", ErrTooLarge, w, h, lim.MaxSide, lim.MaxPixels)
	}
	return nil
}

// decodeImage checks the dimensions, then decodes the image to 8-bit
// gray and turns it upright by its EXIF orientation. The decoder's own
// image is dropped as soon as the gray one is made, and the gray one is
// turned, not the decoded one: imaging would turn a 50-megapixel photo
// through a 200 MB RGBA copy.
func decodeImage(data []byte, lim Limits) (*image.Gray, error) {
	if k, ok := sniffHEIF(data[:min(len(data), SniffLen)]); ok {
		img, err := decodeHEIF(k, data, lim)
		if err != nil {
			return nil, err
		}
		return toGray(img), nil
	}
	px, err := checkImage(data, lim)
	if err != nil {
		return nil, err
	}
	if px >= bigImage {
		// What the last page left (its decoded image, its scaled copies)
		// goes before this one is allocated.
		runtime.GC()
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	g := orient(toGray(img), exifOrientation(data))
	if px >= bigImage {
		// The decoder's image is garbage now, or lives on as g: collect
		// it before the page is scaled, rather than let the heap grow to
		// twice the image first.
		runtime.GC()
	}
	return g, nil
}

// bigImage is the pixel count from which a decoded image is collected at
// once.
const bigImage = 8_000_000

// Pass is a set of preprocessing settings. The first pass reads most
// receipts well at their own size; a second pass, where the first left
// the total or the date unsure, reads the page larger.
type Pass int

// The passes.
const (
	FirstPass Pass = iota
	SecondPass
)

// Scaling bounds. Tesseract reads a scan at its own size best as long as
// the text is not tiny; very small images are brought up, phone photos
// brought down. The second pass enlarges by secondPassScale: small print
// that the first pass misread often comes out right larger (1.25 was
// measured better and faster than 1.6, and than 1.0).
const (
	minWidth = 400
	maxWidth = 2400
	// maxTessSide is the longest side handed to Tesseract: it keeps
	// coordinates in 16 bits and crashed (SIGSEGV, in cgo, which no
	// recover catches) on a 100 x 20000 receipt enlarged to 400 x 80000.
	// An image is never enlarged past it; a longer one is shrunk to it.
	maxTessSide     = 20000
	secondPassScale = 1.25
	maxSecondWidth  = 3600
)

// Preprocess turns a decoded page into what Tesseract reads best: gray,
// scaled for the pass, with its contrast stretched so that faint thermal
// print becomes dark on white. It returns the image and the factor it was
// scaled by (to map boxes back).
func Preprocess(img image.Image, pass Pass) (*image.Gray, float64) {
	b := img.Bounds()
	scale := 1.0
	switch w := b.Dx(); {
	case w < minWidth:
		scale = min(float64(minWidth)/float64(w), 4) // a tiny image gains nothing from more
	case w > maxWidth:
		scale = float64(maxWidth) / float64(w)
	}
	if pass == SecondPass {
		scale = min(scale*secondPassScale, float64(maxSecondWidth)/float64(b.Dx()))
	}
	scale = min(scale, maxTessSide/float64(max(b.Dx(), b.Dy())))
	g := toGray(img)
	if scale != 1 {
		w := int(float64(b.Dx())*scale + 0.5)
		h := int(float64(b.Dy())*scale + 0.5)
		filter := imaging.Linear
		if scale < 1 {
			filter = imaging.Box // averaging: no aliasing on thin strokes
		}
		g = resizeGray(g, max(w, 1), max(h, 1), filter)
	}
	if pass == SecondPass {
		clearEdges(g)
		flattenBackground(g)
	}
	stretchContrast(g)
	return g, scale
}

// flattenBackground divides each pixel by the paper's local brightness,
// in place: shadows, a dark table at the edge of a photo and the greying of
// old thermal paper become white, and faint print stays darker than the
// paper around it. The paper is estimated on a page shrunk eightfold,
// where a max filter removes the print and a blur smooths what is left.
func flattenBackground(g *image.Gray) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	const shrink = 8
	sw, sh := max(w/shrink, 1), max(h/shrink, 1)
	small := resizeGray(g, sw, sh, imaging.Box)
	for range 2 {
		small = maxFilter(small)
	}
	bg := resizeGray(toGray(imaging.Blur(small, 2)), w, h, imaging.Linear)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		brow := bg.Pix[y*bg.Stride : y*bg.Stride+w]
		for x, v := range row {
			b := max(int(brow[x]), 1)
			row[x] = uint8(min(int(v)*255/b, 255))
		}
	}
}

// clearEdges paints white, in place, the dark regions that touch the
// image's edge: the table around a photographed receipt, the black margin
// of a scanner, a torn edge's shadow. Tesseract lays out the page from
// its dark areas, and a black band along one edge can make it find no
// text at all on a faint receipt; the band also passes for the darkest
// ink when the contrast is stretched. Dark is below 45% of the paper's
// brightness, so shadows and print stay; print that touches the edge goes
// with the band. Pixels keep their place, so word boxes need no mapping.
func clearEdges(g *image.Gray) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	if w < 3 || h < 3 {
		return
	}
	var hist [256]int
	for y := 0; y < h; y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+w] {
			hist[v]++
		}
	}
	paper := percentile(&hist, w*h, 0.90)
	dark := uint8(paper * 45 / 100)
	if dark == 0 {
		return
	}
	white := uint8(paper)
	// An explicit stack: the region can be most of a photo.
	var stack []int
	push := func(x, y int) {
		i := y*g.Stride + x
		if g.Pix[i] < dark {
			g.Pix[i] = white
			stack = append(stack, y*w+x)
		}
	}
	for x := 0; x < w; x++ {
		push(x, 0)
		push(x, h-1)
	}
	for y := 1; y < h-1; y++ {
		push(0, y)
		push(w-1, y)
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := p%w, p/w
		if x > 0 {
			push(x-1, y)
		}
		if x < w-1 {
			push(x+1, y)
		}
		if y > 0 {
			push(x, y-1)
		}
		if y < h-1 {
			push(x, y+1)
		}
	}
}

// maxFilter is a 3x3 maximum: each pixel takes its brightest neighbour.
func maxFilter(src *image.Gray) *image.Gray { return rankFilter(src, true) }

// rankFilter gives each pixel its brightest (or darkest) 3x3 neighbour;
// the edges repeat the border. The 3x3 box is a row of three taken over a
// column of three, so it runs as two passes of three taps: a third of the
// comparisons, with no clamping inside a row (it took 60% of locating a
// cropped receipt, done nine taps at a time).
func rankFilter(src *image.Gray, brightest bool) *image.Gray {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if w == 0 || h == 0 {
		return dst
	}
	// Across: each pixel and its left and right neighbours.
	mid := make([]uint8, w*h)
	for y := range h {
		in := src.Pix[y*src.Stride : y*src.Stride+w]
		rank3Row(mid[y*w:(y+1)*w], in, brightest)
	}
	// Down: each pixel of mid and those above and below it.
	for y := range h {
		above := mid[max(y-1, 0)*w : max(y-1, 0)*w+w]
		at := mid[y*w : y*w+w]
		below := mid[min(y+1, h-1)*w : min(y+1, h-1)*w+w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		if brightest {
			for x := range out {
				out[x] = max(above[x], at[x], below[x])
			}
		} else {
			for x := range out {
				out[x] = min(above[x], at[x], below[x])
			}
		}
	}
	return dst
}

// rank3Row sets out[x] to the brightest (or darkest) of in[x-1:x+2], the
// row's ends repeating its first and last pixel.
func rank3Row(out, in []uint8, brightest bool) {
	w := len(in)
	if w == 1 {
		out[0] = in[0]
		return
	}
	out = out[:w]
	if brightest {
		out[0] = max(in[0], in[1])
		for x := 1; x < w-1; x++ {
			out[x] = max(in[x-1], in[x], in[x+1])
		}
		out[w-1] = max(in[w-2], in[w-1])
		return
	}
	out[0] = min(in[0], in[1])
	for x := 1; x < w-1; x++ {
		out[x] = min(in[x-1], in[x], in[x+1])
	}
	out[w-1] = min(in[w-2], in[w-1])
}

// overWhite is the 8-bit luminance of a non-premultiplied 8-bit colour
// laid with alpha a over white paper.
func overWhite(r, g, b, a uint32) uint8 {
	l := (19595*r + 38470*g + 7471*b + 1<<15) >> 16
	return uint8((l*a + 255*(255-a)) / 255)
}

// toGray converts to 8-bit gray without an intermediate RGBA copy where the
// source allows: a JPEG's Y plane already is its luma.
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	switch src := img.(type) {
	case *image.Gray:
		if b.Min == (image.Point{}) {
			return src
		}
	case *image.YCbCr:
		if b.Min == (image.Point{}) {
			// A JPEG's luma plane is a gray image as it is: no copy.
			return &image.Gray{Pix: src.Y, Stride: src.YStride, Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
		}
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			row := src.Y[src.YOffset(b.Min.X, b.Min.Y+y):]
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], row[:b.Dx()])
		}
		return g
	case *image.NRGBA:
		// imaging's own type: weight by alpha over white paper.
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			s := src.Pix[(y)*src.Stride : y*src.Stride+4*b.Dx()]
			d := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			for x := range d {
				d[x] = overWhite(uint32(s[4*x]), uint32(s[4*x+1]), uint32(s[4*x+2]), uint32(s[4*x+3]))
			}
		}
		return g
	case *image.Gray16:
		// The high byte of each sample; a 50-megapixel 16-bit scan went
		// through draw.Draw's pixel-by-pixel path in tens of seconds.
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			d := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			for x := range d {
				d[x] = s[2*x]
			}
		}
		return g
	case *image.NRGBA64:
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			d := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			for x := range d {
				// High bytes, as for NRGBA.
				d[x] = overWhite(uint32(s[8*x]), uint32(s[8*x+2]), uint32(s[8*x+4]), uint32(s[8*x+6]))
			}
		}
		return g
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range src.Palette {
			r, gg, bb, a := c.RGBA() // premultiplied, 16 bits
			l := (19595*(r>>8) + 38470*(gg>>8) + 7471*(bb>>8) + 1<<15) >> 16
			lut[i] = uint8(min(l+255-a>>8, 255))
		}
		g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		for y := 0; y < b.Dy(); y++ {
			s := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			d := g.Pix[y*g.Stride : y*g.Stride+b.Dx()]
			for x := range d {
				d[x] = lut[s[x]]
			}
		}
		return g
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	// Transparent pixels count as white paper.
	draw.Draw(g, g.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Over)
	return g
}

// stretchContrast maps the darkest ink to black and the paper to white,
// linearly, in place. Ink is the 0.5th percentile of the histogram, paper
// its 90th: on a receipt most pixels are paper.
func stretchContrast(g *image.Gray) {
	var hist [256]int
	for y := 0; y < g.Rect.Dy(); y++ {
		for _, v := range g.Pix[y*g.Stride : y*g.Stride+g.Rect.Dx()] {
			hist[v]++
		}
	}
	n := g.Rect.Dx() * g.Rect.Dy()
	stretchRange(g, percentile(&hist, n, 0.005), percentile(&hist, n, 0.90))
}

func percentile(hist *[256]int, n int, p float64) int {
	want := int(float64(n) * p)
	sum := 0
	for v, c := range hist {
		sum += c
		if sum > want {
			return v
		}
	}
	return 255
}

// bmp8 encodes a gray image as an 8-bit BMP with a gray palette.
// Leptonica parses a BMP straight from memory, where it reads a PGM
// through a stdio stream a few bytes at a time: measured, handing over a
// BMP took 5% off a whole receipt's reading, with the same words.
func bmp8(g *image.Gray) []byte {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	stride := (w + 3) &^ 3 // rows are padded to 4 bytes
	const headers = 14 + 40 + 256*4
	out := make([]byte, headers+stride*h)
	le := binary.LittleEndian
	copy(out, "BM")
	le.PutUint32(out[2:], uint32(len(out)))
	le.PutUint32(out[10:], headers)
	info := out[14:]
	le.PutUint32(info[0:], 40)
	le.PutUint32(info[4:], uint32(w))
	le.PutUint32(info[8:], uint32(h)) // positive: rows bottom-up
	le.PutUint16(info[12:], 1)        // planes
	le.PutUint16(info[14:], 8)        // bits per pixel
	le.PutUint32(info[20:], uint32(stride*h))
	le.PutUint32(info[32:], 256) // palette entries
	pal := out[54:headers]
	for i := range 256 {
		pal[4*i], pal[4*i+1], pal[4*i+2] = byte(i), byte(i), byte(i)
	}
	for y := range h {
		copy(out[headers+(h-1-y)*stride:], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	return out
}

// cloneGray is a copy of g whose pixels can be changed without changing g's.
func cloneGray(g *image.Gray) *image.Gray {
	return &image.Gray{Pix: slices.Clone(g.Pix), Stride: g.Stride, Rect: g.Rect}
}
