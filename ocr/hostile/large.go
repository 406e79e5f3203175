package hostile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
)

// Large builds honest files at the limits, for measuring what a reader
// costs on them (they take seconds to make and to read, so the corpus
// test leaves them out): a 50-megapixel photo, upright and sideways by
// EXIF; RGBA and 16-bit images as large as the memory limit lets them be;
// a 100-page PDF that draws one 50-megapixel scan on every page.
func Large() []File {
	photo := photoJPEG(8000, 6250)
	return []File{
		{Name: "photo-50mp.jpg", Data: photo, Want: Completed},
		{Name: "photo-50mp-sideways.jpg", Data: withOrientation(photo, 6), Want: Completed},
		{Name: "gray16-50mp.png", Data: encodePNG(pattern(7071, 7071, func(x, y int) color.Color { return color.Gray16{uint16(x * y)} }, image.NewGray16(image.Rect(0, 0, 7071, 7071)))), Want: Completed},
		{Name: "rgba-25mp.png", Data: encodePNG(pattern(5000, 5000, func(x, y int) color.Color { return color.NRGBA{uint8(x), uint8(y), 0, 255} }, image.NewNRGBA(image.Rect(0, 0, 5000, 5000)))), Want: Completed},
		{Name: "rgba16-12mp.png", Data: encodePNG(pattern(3500, 3500, func(x, y int) color.Color { return color.NRGBA64{uint16(x), uint16(y), 0, 65535} }, image.NewNRGBA64(image.Rect(0, 0, 3500, 3500)))), Want: Completed},
		{Name: "pdf-100-pages-one-50mp-scan.pdf", Data: samePagesPDF(100, grayJPEG(8000, 6250), 8000, 6250), Want: Completed},
	}
}

type settable interface {
	image.Image
	Set(x, y int, c color.Color)
}

// pattern fills img with f, and a black band every 200 rows (print).
func pattern(w, h int, f func(x, y int) color.Color, img settable) image.Image {
	for y := range h {
		for x := range w {
			if y%200 < 20 && x%300 < 200 {
				img.Set(x, y, color.Black)
				continue
			}
			img.Set(x, y, f(x, y))
		}
	}
	return img
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// photoJPEG is a w x h colour JPEG (YCbCr 4:2:0, as cameras write).
func photoJPEG(w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			v := uint8(230)
			if y%200 < 20 && x%300 < 200 {
				v = 20
			}
			img.Y[y*img.YStride+x] = v
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

func grayJPEG(w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(230)
			if y%200 < 20 && x%300 < 200 {
				v = 20
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment with the orientation.
func withOrientation(jpg []byte, orientation uint16) []byte {
	var app1 bytes.Buffer
	app1.WriteString("Exif\x00\x00")
	app1.Write([]byte{'M', 'M', 0, 42, 0, 0, 0, 8})
	for _, v := range []any{uint16(1), [4]uint16{0x0112, 3, 0, 1}, [2]uint16{orientation, 0}, uint32(0)} {
		_ = binary.Write(&app1, binary.BigEndian, v)
	}
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xFF, 0xE1})
	_ = binary.Write(&out, binary.BigEndian, uint16(app1.Len()+2))
	out.Write(app1.Bytes())
	out.Write(jpg[2:])
	return out.Bytes()
}

// samePagesPDF is n pages that each draw the one gray JPEG.
func samePagesPDF(n int, jpg []byte, w, h int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"", // the pages
		stream("", []byte("q 612 0 0 792 0 0 cm /Im1 Do Q")),
		stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", w, h), jpg),
	}
	var kids []string
	for range n {
		objs = append(objs, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 3 0 R >>")
		kids = append(kids, fmt.Sprintf("%d 0 R", len(objs)))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)
	return assemble(objs, "")
}
