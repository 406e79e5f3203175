package ocr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"slices"
	"sync"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
)

// HEIC (an iPhone's photos) and AVIF are HEIF files: ISO base media boxes
// around HEVC or AV1 pictures. gen2brain/heic and gen2brain/avif decode
// them with libheif/libde265 and libavif/dav1d compiled to WebAssembly and
// run by wazero: no cgo, and the C decoders run in a sandbox that cannot
// touch the rest of the process. (Where a box has libheif.so or libavif.so,
// the packages use that instead.)

var (
	heicBrands = []string{"heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"}
	avifBrands = []string{"avif", "avis"}
)

// sniffHEIF tells HEIC from AVIF by the brands of the file's ftyp box.
func sniffHEIF(head []byte) (Kind, bool) {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return "", false
	}
	size := min(int(binary.BigEndian.Uint32(head)), len(head))
	brands := []string{string(head[8:12])}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, string(head[i:i+4]))
	}
	has := func(set []string) bool {
		return slices.ContainsFunc(brands, func(b string) bool { return slices.Contains(set, b) })
	}
	switch {
	case has(avifBrands): // AVIF files also name mif1
		return KindAVIF, true
	case has(heicBrands):
		return KindHEIC, true
	}
	return "", false
}

// heifSize is the largest width and height that the file's image spatial
// extents ('ispe' in meta/iprp/ipco) declare, read without decoding: the
// primary image's, or a grid's, which is larger than its tiles'.
func heifSize(data []byte) (w, h int, err error) {
	meta, ok := findBox(data, "meta")
	if !ok || len(meta) < 4 {
		return 0, 0, fmt.Errorf("%w: a HEIF file without its meta box", ErrCorrupt)
	}
	iprp, ok := findBox(meta[4:], "iprp") // meta is a full box: version and flags first
	if !ok {
		return 0, 0, fmt.Errorf("%w: a HEIF file without item properties", ErrCorrupt)
	}
	ipco, ok := findBox(iprp, "ipco")
	if !ok {
		return 0, 0, fmt.Errorf("%w: a HEIF file without item properties", ErrCorrupt)
	}
	found := false
	err = eachBox(ipco, func(typ string, body []byte) {
		if typ != "ispe" || len(body) < 12 {
			return
		}
		found = true
		w = max(w, int(binary.BigEndian.Uint32(body[4:8])))
		h = max(h, int(binary.BigEndian.Uint32(body[8:12])))
	})
	if err != nil {
		return 0, 0, err
	}
	if !found {
		return 0, 0, fmt.Errorf("%w: a HEIF file that declares no image size", ErrCorrupt)
	}
	return w, h, nil
}

// findBox is the body of the first box of the type among data's boxes.
func findBox(data []byte, typ string) ([]byte, bool) {
	var out []byte
	found := false
	_ = eachBox(data, func(t string, body []byte) {
		if !found && t == typ {
			out, found = body, true
		}
	})
	return out, found
}

// eachBox walks the boxes laid end to end in data (ISO/IEC 14496-12 4.2).
func eachBox(data []byte, f func(typ string, body []byte)) error {
	for len(data) > 0 {
		if len(data) < 8 {
			return fmt.Errorf("%w: a HEIF box cut short", ErrCorrupt)
		}
		size, header := uint64(binary.BigEndian.Uint32(data)), uint64(8)
		switch size {
		case 0: // to the end
			size = uint64(len(data))
		case 1:
			if len(data) < 16 {
				return fmt.Errorf("%w: a HEIF box cut short", ErrCorrupt)
			}
			size, header = binary.BigEndian.Uint64(data[8:16]), 16
		}
		if size < header || size > uint64(len(data)) {
			return fmt.Errorf("%w: a HEIF box of %d bytes in %d", ErrCorrupt, size, len(data))
		}
		f(string(data[4:8]), data[header:size])
		data = data[size:]
	}
	return nil
}

// heifDecodes lets one HEIF picture be decoded at a time in the process:
// a decoder takes about 18 bytes a pixel while it runs (measured: 296 MB
// peak for a 12-megapixel iPhone photo, with the runtime), so the workers
// must not multiply that.
var heifDecodes sync.Mutex

// decodeHEIF checks the declared size against the limits, then decodes.
// libheif and libavif apply the picture's rotation and mirroring
// themselves, so the image comes out upright.
func decodeHEIF(kind Kind, data []byte, lim Limits) (image.Image, error) {
	w, h, err := heifSize(data)
	if err != nil {
		return nil, err
	}
	if err := checkSize(w, h, lim); err != nil {
		return nil, err
	}
	if w*h > lim.MaxHEIFPixels {
		return nil, fmt.Errorf("%w: a %dx%d HEIF picture (at most %d pixels: its decoder takes about 18 bytes a pixel)",
			ErrTooLarge, w, h, lim.MaxHEIFPixels)
	}
	heifDecodes.Lock()
	var img image.Image
	if kind == KindAVIF {
		img, err = avif.Decode(bytes.NewReader(data))
	} else {
		img, err = heic.Decode(bytes.NewReader(data))
	}
	heifDecodes.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	// The declared size bounded the decode only if it was true.
	if b := img.Bounds(); b.Dx()*b.Dy() > w*h {
		return nil, fmt.Errorf("%w: the HEIF picture decodes to %dx%d, more than the %dx%d it declares", ErrCorrupt, b.Dx(), b.Dy(), w, h)
	}
	return img, nil
}
