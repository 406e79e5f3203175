package ocr_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

// An iPhone stores a photo as its sensor saw it and says in the HEIF file
// how to turn it upright: an 'irot' property (and 'imir' for the front
// camera) of the picture, ISO/IEC 23008-12 6.5.10. testdata's
// receipt-sideways.heic is the fixture receipt stored turned 90 degrees
// clockwise, as a phone held sideways stores it, with no such property
// (heif-enc writes none); withRotation adds one, as the phone would.
func TestReadHEIFRotated(t *testing.T) {
	side := readTestdata(t, "receipt-sideways.heic")
	e := newEngine(t)
	total := fixture.Money(fixture.Sample().Total())

	// testdata's receipt-rotated.heic, which the web app's browser test
	// uploads, is this file with irot 1.
	if !bytes.Equal(readTestdata(t, "receipt-rotated.heic"), withRotation(t, side, 1)) {
		t.Fatal("testdata/receipt-rotated.heic is not receipt-sideways.heic with irot 1: make it again (testdata/README.md)")
	}
	// The upright picture, to compare the others with.
	upright := decodeGray(t, readTestdata(t, "receipt.heic"))
	for _, tc := range []struct {
		name    string
		data    []byte
		w, h    int
		upright bool
	}{
		// As stored, with nothing that says how to turn it: sideways.
		{"no rotation", side, 1123, 800, false},
		// irot 1: 90 degrees anticlockwise, which undoes the sensor's turn.
		{"irot 90 anticlockwise", withRotation(t, side, 1), 800, 1123, true},
		// irot 3: 270 degrees anticlockwise: portrait too, but upside
		// down, so a decoder that only swapped the sides would be caught.
		{"irot 270 anticlockwise", withRotation(t, side, 3), 800, 1123, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := decodeGray(t, tc.data)
			if b := g.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("decoded %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
			if tc.w != 800 {
				return
			}
			d := meanDiff(g, upright)
			t.Logf("mean difference from the upright picture: %.1f", d)
			if tc.upright != (d < 12) {
				t.Fatalf("mean difference from the upright picture %.1f: upright is %v", d, tc.upright)
			}
			if !tc.upright {
				return
			}
			doc, err := e.Read(t.Context(), tc.data)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if p := doc.Pages[0]; p.Width != 800 || p.Height != 1123 {
				t.Fatalf("read as %dx%d", p.Width, p.Height)
			}
			if l := lineWith(doc, "\nTOTAL "); !strings.HasSuffix(l, " "+total) || lineWith(doc, "CORNER GROCER") == "" {
				t.Fatalf("no TOTAL %s or merchant in:\n%s", total, doc.Text())
			}
		})
	}
}

// TestDisplayJPEG: a HEIC photo is shown as an upright JPEG (its
// rotation applied), scaled to the longest side asked for; a kind a
// browser shows needs none.
func TestDisplayJPEG(t *testing.T) {
	for _, k := range []ocr.Kind{ocr.KindHEIC, ocr.KindTIFF} {
		if k.Displayable() {
			t.Errorf("%s: a browser shows it, says Displayable", k)
		}
	}
	for _, k := range []ocr.Kind{ocr.KindJPEG, ocr.KindPNG, ocr.KindAVIF, ocr.KindWebP, ocr.KindGIF} {
		if !k.Displayable() {
			t.Errorf("%s: a browser cannot show it, says Displayable", k)
		}
	}
	rotated := withRotation(t, readTestdata(t, "receipt-sideways.heic"), 1)
	out, err := ocr.DisplayJPEG(rotated, ocr.DefaultLimits(), 600)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 427 || b.Dy() != 600 {
		t.Fatalf("rendition %dx%d, want 427x600 (upright, scaled)", b.Dx(), b.Dy())
	}
	lim := ocr.DefaultLimits()
	lim.MaxHEIFPixels = 500_000
	if _, err := ocr.DisplayJPEG(rotated, lim, 600); err == nil {
		t.Fatal("a HEIF picture over the limits: no error")
	}
}

func decodeGray(t *testing.T, data []byte) *image.Gray {
	t.Helper()
	out, err := ocr.DisplayJPEG(data, ocr.DefaultLimits(), 4000)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// meanDiff is the mean absolute difference of two pictures of one size.
func meanDiff(a, b *image.Gray) float64 {
	var sum float64
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += float64(max(d, -d))
	}
	return sum / float64(len(a.Pix))
}

// withRotation gives the HEIF file's primary picture an essential 'irot'
// property of angle*90 degrees anticlockwise: the property is added to
// meta/iprp/ipco and associated in ipma, and the item locations (iloc)
// after the meta box move by what it grew.
func withRotation(t *testing.T, file []byte, angle byte) []byte {
	t.Helper()
	top := boxes(t, file)
	var meta box
	for _, b := range top {
		if b.typ == "meta" {
			meta = b
		}
	}
	if meta.typ == "" {
		t.Fatal("no meta box")
	}
	metaEnd := meta.off + len(meta.raw)
	header := meta.body[:4] // a full box: version and flags
	kids := boxes(t, meta.body[4:])
	var primary uint32
	for _, k := range kids {
		if k.typ == "pitm" {
			if k.body[0] == 0 {
				primary = uint32(binary.BigEndian.Uint16(k.body[4:]))
			} else {
				primary = binary.BigEndian.Uint32(k.body[4:])
			}
		}
	}
	// The new iprp: ipco with irot at its end, ipma naming it.
	grow := 0
	newIprp := func(iprp []byte) []byte {
		var out []byte
		props := 0
		for _, k := range boxes(t, iprp) {
			if k.typ == "ipco" {
				props = len(boxes(t, k.body))
			}
		}
		for _, k := range boxes(t, iprp) {
			switch k.typ {
			case "ipco":
				irot := mkbox("irot", []byte{angle & 3})
				grow += len(irot)
				out = append(out, mkbox("ipco", append(bytes.Clone(k.body), irot...))...)
			case "ipma":
				body, n := addAssociation(t, k.body, primary, props+1)
				grow += n
				out = append(out, mkbox("ipma", body)...)
			default:
				out = append(out, k.raw...)
			}
		}
		return out
	}
	var body []byte
	body = append(body, header...)
	var iprp []byte
	for _, k := range kids {
		if k.typ == "iprp" {
			iprp = newIprp(k.body)
		}
	}
	for _, k := range kids {
		switch k.typ {
		case "iprp":
			body = append(body, mkbox("iprp", iprp)...)
		case "iloc":
			body = append(body, mkbox("iloc", shiftLocations(t, k.body, metaEnd, grow))...)
		default:
			body = append(body, k.raw...)
		}
	}
	out := append(bytes.Clone(file[:meta.off]), mkbox("meta", body)...)
	return append(out, file[metaEnd:]...)
}

type box struct {
	typ       string
	off       int // in the data given to boxes
	raw, body []byte
}

func boxes(t *testing.T, data []byte) []box {
	t.Helper()
	var out []box
	for off := 0; off < len(data); {
		if len(data)-off < 8 {
			t.Fatalf("a box cut short at %d", off)
		}
		size := int(binary.BigEndian.Uint32(data[off:]))
		if size == 0 {
			size = len(data) - off
		}
		if size < 8 || off+size > len(data) {
			t.Fatalf("a box of %d bytes at %d (64-bit sizes are not made here)", size, off)
		}
		out = append(out, box{typ: string(data[off+4 : off+8]), off: off, raw: data[off : off+size], body: data[off+8 : off+size]})
		off += size
	}
	return out
}

func mkbox(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// addAssociation adds the property (1-based index, essential) to the
// item's entry in an ipma body; it returns the body and how much it grew.
func addAssociation(t *testing.T, ipma []byte, item uint32, prop int) ([]byte, int) {
	t.Helper()
	version, wide := ipma[0], ipma[3]&1 == 1
	out := bytes.Clone(ipma[:8])
	n := int(binary.BigEndian.Uint32(ipma[4:8]))
	p, grew := 8, 0
	for range n {
		var id uint32
		start := p
		if version < 1 {
			id, p = uint32(binary.BigEndian.Uint16(ipma[p:])), p+2
		} else {
			id, p = binary.BigEndian.Uint32(ipma[p:]), p+4
		}
		count := int(ipma[p])
		size := 1
		if wide {
			size = 2
		}
		entry := bytes.Clone(ipma[start : p+1+count*size])
		p += 1 + count*size
		if id == item {
			entry[p-start-1-count*size]++ // the association count
			if wide {
				entry = binary.BigEndian.AppendUint16(entry, 0x8000|uint16(prop))
			} else {
				if prop > 127 {
					t.Fatalf("property %d does not fit ipma's 7 bits", prop)
				}
				entry = append(entry, 0x80|byte(prop))
			}
			grew = size
		}
		out = append(out, entry...)
	}
	if grew == 0 {
		t.Fatalf("item %d has no properties in ipma", item)
	}
	return out, grew
}

// shiftLocations moves every file offset in an iloc body at or after
// from by delta (construction method 0: offsets in the file).
func shiftLocations(t *testing.T, iloc []byte, from, delta int) []byte {
	t.Helper()
	b := bytes.Clone(iloc)
	version := b[0]
	offSize, lenSize, baseSize := int(b[4]>>4), int(b[4]&15), int(b[5]>>4)
	indexSize := 0
	if version == 1 || version == 2 {
		indexSize = int(b[5] & 15)
	}
	p := 6
	var count int
	if version < 2 {
		count, p = int(binary.BigEndian.Uint16(b[p:])), p+2
	} else {
		count, p = int(binary.BigEndian.Uint32(b[p:])), p+4
	}
	get := func(at, size int) uint64 {
		switch size {
		case 0:
			return 0
		case 4:
			return uint64(binary.BigEndian.Uint32(b[at:]))
		case 8:
			return binary.BigEndian.Uint64(b[at:])
		}
		t.Fatalf("an iloc field of %d bytes", size)
		return 0
	}
	put := func(at, size int, v uint64) {
		if size == 4 {
			binary.BigEndian.PutUint32(b[at:], uint32(v))
		} else {
			binary.BigEndian.PutUint64(b[at:], v)
		}
	}
	for range count {
		if version < 2 {
			p += 2
		} else {
			p += 4
		}
		method := 0
		if version == 1 || version == 2 {
			method, p = int(binary.BigEndian.Uint16(b[p:])&15), p+2
		}
		p += 2 // data reference index
		baseAt := p
		base := get(p, baseSize)
		p += baseSize
		extents := int(binary.BigEndian.Uint16(b[p:]))
		p += 2
		shiftBase := method == 0 && baseSize > 0 && base >= uint64(from)
		if shiftBase {
			put(baseAt, baseSize, base+uint64(delta))
		}
		for range extents {
			p += indexSize
			if off := get(p, offSize); method == 0 && !shiftBase && offSize > 0 && base+off >= uint64(from) {
				put(p, offSize, off+uint64(delta))
			}
			p += offSize + lenSize
		}
	}
	return b
}
