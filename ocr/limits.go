package ocr

// Limits bound what one document may cost. Every check happens before the
// costly step it guards: image dimensions are read from the header before
// any pixel is decoded, a PDF's structure is pre-scanned before either
// PDF library reads it, and page counts are checked before any page is
// read. A zero field takes its default.
type Limits struct {
	// MaxBytes is the largest file read, in bytes.
	MaxBytes int64
	// MaxPixels is the largest image decoded (width x height), per image,
	// and the most pixels of all the images drawn on one PDF page.
	MaxPixels int
	// MaxSide is the largest width or height of an image, in pixels.
	MaxSide int
	// MaxPages is the most pages read from one PDF or TIFF; a longer one
	// fails.
	MaxPages int
	// MaxImageBytes is the most memory an image's decoded pixels may
	// take: an image whose format holds more bytes a pixel than a JPEG's
	// 1.5 (RGBA, 16-bit, CMYK) is held to fewer pixels than MaxPixels.
	MaxImageBytes int64
	// MaxHEIFPixels is the largest HEIC or AVIF picture decoded: their
	// decoders take about 18 bytes a pixel while they run (one at a time).
	MaxHEIFPixels int
	// MaxObjects is the most objects a PDF may hold or declare.
	MaxObjects int
	// MaxStreamBytes is the most bytes any one PDF stream that is not an
	// image (a page's content, a font, an object stream) may decode to;
	// an image's stream may decode to what its declared pixels hold.
	MaxStreamBytes int64
	// MaxDecodedBytes is the most bytes all of a PDF's streams may decode
	// to together.
	MaxDecodedBytes int64
}

// DefaultLimits fit a Raspberry Pi with 2 GB: a 50-megapixel photo decodes
// in about 75 MB (YCbCr) and is read in about 250 MB all told, an RGBA
// image may have 25 megapixels and a 16-bit RGBA one 12.5, and a PDF has
// at most 100 pages.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:        25 << 20,
		MaxPixels:       50_000_000,
		MaxSide:         20_000,
		MaxPages:        100,
		MaxImageBytes:   100 << 20,
		MaxHEIFPixels:   25_000_000,
		MaxObjects:      500_000,
		MaxStreamBytes:  16 << 20,
		MaxDecodedBytes: 1 << 30,
	}
}

// withDefaults fills in the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxBytes, d.MaxBytes)
	orDefault(&l.MaxPixels, d.MaxPixels)
	orDefault(&l.MaxSide, d.MaxSide)
	orDefault(&l.MaxPages, d.MaxPages)
	orDefault(&l.MaxImageBytes, d.MaxImageBytes)
	orDefault(&l.MaxHEIFPixels, d.MaxHEIFPixels)
	orDefault(&l.MaxObjects, d.MaxObjects)
	orDefault(&l.MaxStreamBytes, d.MaxStreamBytes)
	orDefault(&l.MaxDecodedBytes, d.MaxDecodedBytes)
	return l
}

// orDefault sets *v to d when *v is its type's zero.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}
