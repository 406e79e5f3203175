package ocr

// Limits bound what one document may cost. Every check happens before the
// costly step it guards: image dimensions are read from the header before
// any pixel is decoded, and page counts before any page is read.
type Limits struct {
	// MaxBytes is the largest file read, in bytes.
	MaxBytes int64
	// MaxPixels is the largest image decoded (width x height), per image.
	MaxPixels int
	// MaxSide is the largest width or height of an image, in pixels.
	MaxSide int
	// MaxPages is the most pages read from one PDF; a longer PDF fails.
	MaxPages int
}

// DefaultLimits fit a Raspberry Pi with 2 GB: a 50-megapixel photo decodes
// in about 75 MB (YCbCr), and a PDF has at most 100 pages.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:  25 << 20,
		MaxPixels: 50_000_000,
		MaxSide:   20_000,
		MaxPages:  100,
	}
}
