package ocr_test

import (
	"bytes"
	"hash/crc32"
	"image"
	"testing"

	"golang.org/x/image/tiff"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func encodeTIFF(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
