package ocr_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

func TestSniffHEIF(t *testing.T) {
	ftyp := func(major string, compatible ...string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(16+4*len(compatible)))
		b = append(b, "ftyp"+major+"\x00\x00\x00\x00"+strings.Join(compatible, "")...)
		return append(b, "\x00\x00\x00\x08free"...)
	}
	tests := []struct {
		name string
		head []byte
		want ocr.Kind
		err  error
	}{
		{"iPhone HEIC", ftyp("heic", "mif1", "heic"), ocr.KindHEIC, nil},
		{"HEIF by mif1 alone", ftyp("mif1", "heic"), ocr.KindHEIC, nil},
		{"AVIF", ftyp("avif", "avif", "mif1", "miaf"), ocr.KindAVIF, nil},
		{"AVIF under mif1", ftyp("mif1", "mif1", "avif"), ocr.KindAVIF, nil},
		{"MP4 video", ftyp("isom", "isom", "mp41"), "", ocr.ErrUnsupported},
		{"ftyp cut short", []byte("\x00\x00\x00\x18ftyphe"), "", ocr.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ocr.Sniff(tt.head)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("Sniff = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

// TestReadHEIF reads a receipt photographed as an iPhone stores it (HEIC)
// and as AVIF, with real Tesseract.
func TestReadHEIF(t *testing.T) {
	e := newEngine(t)
	total := fixture.Money(fixture.Sample().Total())
	for _, tt := range []struct {
		file string
		kind ocr.Kind
	}{{"receipt.heic", ocr.KindHEIC}, {"receipt.avif", ocr.KindAVIF}} {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := e.Read(t.Context(), readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if doc.Kind != tt.kind || len(doc.Pages) != 1 || doc.Pages[0].Width != 800 || doc.Pages[0].Height != 1123 {
				t.Fatalf("kind %q, %d pages", doc.Kind, len(doc.Pages))
			}
			if l := lineWith(doc, "\nTOTAL "); !strings.HasSuffix(l, " "+total) || lineWith(doc, "CORNER GROCER") == "" {
				t.Fatalf("no TOTAL %s or merchant in:\n%s", total, doc.Text())
			}
		})
	}
}

// TestReadHEIFRefusesBeforeDecoding: the size a HEIF file declares is
// held to the limits before its decoder runs, and a damaged file fails as
// damaged.
func TestReadHEIFRefusesBeforeDecoding(t *testing.T) {
	e := newEngine(t)
	heic := readTestdata(t, "receipt.heic")
	declare := func(w, h uint32) []byte {
		b := bytes.Clone(heic)
		i := bytes.Index(b, []byte("ispe"))
		if i < 0 {
			t.Fatal("no ispe box in receipt.heic")
		}
		binary.BigEndian.PutUint32(b[i+8:], w) // after the type and the version and flags
		binary.BigEndian.PutUint32(b[i+12:], h)
		return b
	}
	tests := []struct {
		name string
		data []byte
		err  error
	}{
		{"a bomb: 30000 x 30000", declare(30000, 30000), ocr.ErrTooLarge},
		{"over the HEIF limit: 6000 x 6000", declare(6000, 6000), ocr.ErrTooLarge},
		{"cut in its meta box", heic[:300], ocr.ErrCorrupt},
		{"cut in its picture", heic[:len(heic)/2], ocr.ErrCorrupt},
		{"a size it does not decode to", declare(400, 400), ocr.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Read(t.Context(), tt.data)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Read: %v, want %v", err, tt.err)
			}
		})
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
