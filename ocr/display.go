package ocr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/disintegration/imaging"
)

// Browsers show JPEG, PNG, GIF, WebP, BMP and AVIF as they are, but not
// HEIC (an iPhone's photos: only Safari shows them) or TIFF. For those the
// web app shows a JPEG rendition, made here, and keeps the original for
// download.

// Displayable tells whether a browser shows an original of the kind as it
// is; for an image that is not, DisplayJPEG makes one it does.
func (k Kind) Displayable() bool { return k != KindHEIC && k != KindTIFF }

// DisplaySide is the longest side of a rendition: enough to read a
// receipt's print on a screen, a few hundred kilobytes.
const DisplaySide = 2000

// DisplayJPEG is the picture as a person sees it, upright (a HEIC photo's
// rotation and mirroring applied, as libheif does when it decodes), at most
// maxSide pixels on its longer side, as a JPEG. The file is checked as
// reading checks it before it is decoded: its declared size against lim,
// and a HEIF picture one at a time. A TIFF shows its first page. (A JPEG
// needs no rendition: browsers turn it by its EXIF orientation.)
func DisplayJPEG(data []byte, lim Limits, maxSide int) ([]byte, error) {
	lim = lim.withDefaults()
	var img image.Image
	if k, ok := sniffHEIF(data[:min(len(data), SniffLen)]); ok {
		var err error
		if img, err = decodeHEIF(k, data, lim); err != nil {
			return nil, err
		}
	} else {
		if _, err := checkImage(data, lim); err != nil {
			return nil, err
		}
		var err error
		if img, _, err = image.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	if b := img.Bounds(); max(b.Dx(), b.Dy()) > maxSide {
		if b.Dx() >= b.Dy() {
			img = imaging.Resize(img, maxSide, 0, imaging.Lanczos)
		} else {
			img = imaging.Resize(img, 0, maxSide, imaging.Lanczos)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("encode rendition: %w", err)
	}
	return buf.Bytes(), nil
}
