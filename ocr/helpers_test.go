package ocr_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/tiff"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// exifRotated stores img turned a quarter left, as a phone held sideways
// does, with EXIF orientation 6 saying "turn right to view".
func exifRotated(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, imaging.Rotate90(img), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	var app1 bytes.Buffer
	app1.WriteString("Exif\x00\x00")
	tiffHdr := []byte{'M', 'M', 0, 42, 0, 0, 0, 8}
	app1.Write(tiffHdr)
	_ = binary.Write(&app1, binary.BigEndian, uint16(1))                  // one entry
	_ = binary.Write(&app1, binary.BigEndian, [4]uint16{0x0112, 3, 0, 1}) // Orientation, SHORT, count 1
	_ = binary.Write(&app1, binary.BigEndian, [2]uint16{6, 0})            // value 6, padded
	_ = binary.Write(&app1, binary.BigEndian, uint32(0))                  // no next IFD
	jpg := buf.Bytes()
	var out bytes.Buffer
	out.Write(jpg[:2]) // SOI
	out.Write([]byte{0xFF, 0xE1})
	_ = binary.Write(&out, binary.BigEndian, uint16(app1.Len()+2))
	out.Write(app1.Bytes())
	out.Write(jpg[2:])
	return out.Bytes()
}

func encodeTIFF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
