// Package hostile builds the crafted half of Tillroll's regression corpus:
// one small file for each class of hostile or malformed input that once
// took a reader down (an xref chain that loops, an object stream whose
// length lies inside itself, decompression bombs in every filter form, an
// image that declares more pixels than memory holds, a receipt too tall
// for Tesseract...). Files are made, not stored: the bombs are megabytes
// of zeros that compress to kilobytes, and the git tree stays small.
//
// Each file says how the pipeline must answer it: completed, or failed
// with a reason of a given class.
package hostile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"regexp"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"tillroll/internal/fixture"
	"tillroll/internal/pdfwrite"
)

// Outcome is how the pipeline must end with a file.
type Outcome string

// The outcomes: read, or failed with the reason of one error class.
const (
	Completed   Outcome = "completed"
	TooLarge    Outcome = "too large"
	Damaged     Outcome = "damaged"
	Unsupported Outcome = "unsupported"
	Encrypted   Outcome = "encrypted"
)

// File is one crafted file.
type File struct {
	Name string // with its extension
	Data []byte
	Want Outcome
	// Text is a word the read text must hold, for a completed file ("" for
	// none: a blank page is read as nothing).
	Text string
}

// Options size the bombs. The zero value makes files that the limits
// stop early; Bomb makes the bombs as large as the (for measuring
// what they cost without the limits).
type Options struct {
	// Bomb is how many bytes each decompression bomb inflates to; 64 MB
	// when zero.
	Bomb int
}

// All builds every crafted file.
func All(opt Options) []File {
	bomb := opt.Bomb
	if bomb == 0 {
		bomb = 64 << 20
	}
	text := fixture.PDF(fixture.PDFPage{Lines: []string{"CORNER GROCER", "Milk 1.20", "TOTAL 12.50"}})
	files := []File{
		// Cross-reference tables that size a library's table.
		{Name: "xref-huge-object-number.pdf", Data: xrefHugeNumber(), Want: TooLarge},
		{Name: "xref-huge-size.pdf", Data: regexp.MustCompile(`/Size \d+`).ReplaceAll(text, []byte("/Size 4000000000")), Want: TooLarge},
		{Name: "xref-stream-huge-index.pdf", Data: xrefStreamPDF(xrefStreamOpts{index: "[0 2000000000]"}), Want: TooLarge},
		{Name: "xref-prev-loop.pdf", Data: prevLoop(text), Want: Damaged},
		{Name: "objstm-length-inside-itself.pdf", Data: xrefStreamPDF(xrefStreamOpts{selfLength: true}), Want: Damaged},
		{Name: "objstm-extends-loop.pdf", Data: xrefStreamPDF(xrefStreamOpts{extendsSelf: true}), Want: Damaged},
		{Name: "objstm-bomb.pdf", Data: xrefStreamPDF(xrefStreamOpts{objStmBomb: bomb}), Want: TooLarge},
		{Name: "stream-length-past-end.pdf", Data: bytes.Replace(text, []byte("<< /Length "), []byte("<< /Length 99999999999 /L "), 1), Want: Damaged},
		{Name: "deep-nesting-object.pdf", Data: assemble([]string{
			"<< /Type /Catalog /Pages 2 0 R /Deep " + strings.Repeat("[", 500_000) + strings.Repeat("]", 500_000) + " >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
			stream("", []byte("BT ET")),
		}, ""), Want: Damaged},
		{Name: "deep-nesting-content.pdf", Data: fixture.PDF(fixture.PDFPage{Content: strings.Repeat("[", 500_000) + strings.Repeat("]", 500_000) + " TJ"}), Want: Damaged},
		// Decompression bombs, in every filter form.
		{Name: "image-flate-bomb.pdf", Data: imagePDF("/Filter /FlateDecode", deflate(bomb), 100, 100, ""), Want: TooLarge},
		{Name: "image-flate-array-bomb.pdf", Data: imagePDF("/Filter [/FlateDecode]", deflate(bomb), 100, 100, ""), Want: TooLarge},
		{Name: "image-flate-twice-bomb.pdf", Data: imagePDF("/Filter [/FlateDecode /FlateDecode]", deflateBytes(deflate(bomb)), 100, 100, ""), Want: TooLarge},
		{Name: "image-hex-flate-bomb.pdf", Data: imagePDF("/Filter [/AHx /Fl]", hexOf(deflate(bomb/4)), 100, 100, ""), Want: TooLarge},
		{Name: "image-predictor-bomb.pdf", Data: imagePDF("/Filter /FlateDecode /DecodeParms << /Predictor 15 /Columns 100 /Colors 1 >>", deflate(bomb), 100, 100, ""), Want: TooLarge},
		{Name: "image-predictor-huge-columns.pdf", Data: imagePDF("/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 2000000000 >>", deflate(1000), 100, 100, ""), Want: Damaged},
		{Name: "image-in-form-bomb.pdf", Data: imagePDF("/Filter /FlateDecode", deflate(bomb), 100, 100, "form"), Want: TooLarge},
		{Name: "form-draws-itself.pdf", Data: formLoop(), Want: Damaged},
		{Name: "content-bomb.pdf", Data: contentBomb(bomb), Want: TooLarge},
		{Name: "many-font-streams.pdf", Data: manyFonts(60, 15<<20), Want: Completed},
		{Name: "inline-image-huge.pdf", Data: fixture.PDF(fixture.PDFPage{Content: "q 100 0 0 100 0 0 cm BI /W 30000 /H 30000 /BPC 8 /CS /G ID \x00\x00\x00 EI Q"}), Want: TooLarge},
		{Name: "inline-image-bomb.pdf", Data: fixture.PDF(fixture.PDFPage{Content: "q 100 0 0 100 0 0 cm BI /W 100 /H 100 /BPC 8 /CS /G /F /AHx ID " + strings.Repeat("00", 200_000) + "> EI Q"}), Want: TooLarge},
		{Name: "page-images-over-pixels.pdf", Data: manyImages(3, 5000, 5000), Want: TooLarge},
		{Name: "image-declared-30000.pdf", Data: imagePDF("/Filter /FlateDecode", deflate(1000), 30000, 10, ""), Want: TooLarge},
		// Honest files in forms that were refused.
		{Name: "junk-before-header.pdf", Data: append([]byte("From: scanner@example.com\r\nContent-Type: application/pdf\r\n\r\n"), text...), Want: Completed, Text: "GROCER"},
		{Name: "pdf-2.0-header.pdf", Data: append([]byte("%PDF-2.0"), text[len("%PDF-1.4"):]...), Want: Completed, Text: "GROCER"},
		{Name: "encrypted-empty-password-rc4.pdf", Data: encrypt(text, "", false, 128), Want: Completed, Text: "GROCER"},
		{Name: "encrypted-empty-password-aes128.pdf", Data: encrypt(text, "", true, 128), Want: Completed, Text: "GROCER"},
		{Name: "encrypted-empty-password-aes256.pdf", Data: encrypt(text, "", true, 256), Want: Completed, Text: "GROCER"},
		{Name: "encrypted-aes256-image-bomb.pdf", Data: encrypt(imagePDF("/Filter /FlateDecode", deflate(bomb), 100, 100, ""), "", true, 256), Want: TooLarge},
		{Name: "encrypted-aes128-content-bomb.pdf", Data: encrypt(contentBomb(bomb), "", true, 128), Want: TooLarge},
		{Name: "encrypted-rc4-image-bomb.pdf", Data: encrypt(imagePDF("/Filter /FlateDecode", deflate(bomb), 100, 100, ""), "", false, 128), Want: TooLarge},
		{Name: "encrypted-user-password.pdf", Data: encrypt(text, "secret", true, 128), Want: Encrypted},
		{Name: "jpeg2000-page.pdf", Data: imagePDF("/Filter /JPXDecode", []byte("\x00\x00\x00\x0cjP  \r\n\x87\n"), 100, 100, ""), Want: Unsupported},
		{Name: "jbig2-page.pdf", Data: imagePDF("/Filter /JBIG2Decode", []byte("\x97JB2\r\n\x1a\n"), 100, 100, ""), Want: Unsupported},
		// Images that declare more than memory holds, and a tall receipt.
		{Name: "png-rgba16-7071x7071.png", Data: pngHeader(7071, 7071, 16, 6), Want: TooLarge},
		{Name: "png-rgba8-7071x7071.png", Data: pngHeader(7071, 7071, 8, 6), Want: TooLarge},
		{Name: "tiff-rgba16-7071x7071.tif", Data: tiffHeader(7071, 7071, 16, 4), Want: TooLarge},
		{Name: "webp-lossless-7071x7071.webp", Data: webpLossless(7071, 7071), Want: TooLarge},
		{Name: "tall-receipt-100x20000.png", Data: tallPNG(100, 20000), Want: Completed},
		// Multi-page TIFFs: a chain of pages that loops back, one of 101
		// pages, and a fax's two pages, the second read too.
		{Name: "tiff-pages-loop.tif", Data: fixture.TIFF(true, blank(64), blank(64)), Want: Damaged},
		{Name: "tiff-101-pages.tif", Data: fixture.TIFF(false, blanks(101)...), Want: TooLarge},
		{Name: "tiff-two-pages.tif", Data: fixture.TIFF(false, blank(64), fixture.Image(fixture.Sample(), fixture.Options{Width: 300})), Want: Completed, Text: "GROCER"},
	}
	return files
}

// blank is an n x n white page.
func blank(n int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, n, n))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	return g
}

// blanks is n small white pages.
func blanks(n int) []*image.Gray {
	pages := make([]*image.Gray, n)
	for i := range pages {
		pages[i] = blank(8)
	}
	return pages
}

// deflate is n zero bytes, zlib-compressed.
func deflate(n int) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	row := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(row))
		_, _ = zw.Write(row[:k])
		n -= k
	}
	_ = zw.Close()
	return b.Bytes()
}

func deflateBytes(p []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write(p)
	_ = zw.Close()
	return b.Bytes()
}

func hexOf(p []byte) []byte {
	return []byte(fmt.Sprintf("%x>", p))
}

// assemble writes objects (bodies numbered from 1) with an xref table
// and a trailer whose Root is object 1.
func assemble(objs []string, trailer string) []byte {
	return pdfwrite.Assemble("%PDF-1.4\n", objs, strings.TrimSpace("/Root 1 0 R "+trailer))
}

func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// imagePDF is one page drawing one image with the given filter entries;
// with form "form" the image is drawn through a Form XObject.
func imagePDF(filter string, data []byte, w, h int, form string) []byte {
	img := stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 %s", w, h, filter), data)
	content := "q 612 0 0 792 0 0 cm /Im1 Do Q"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", []byte(content)),
		img,
	}
	if form == "form" {
		objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Fm1 6 0 R >> >> /Contents 4 0 R >>"
		objs[3] = stream("", []byte("/Fm1 Do"))
		objs = append(objs, stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Im1 5 0 R >> >>", []byte(content)))
	}
	return assemble(objs, "")
}

// manyImages is one page drawing n images of w x h.
func manyImages(n, w, h int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"", // the page
		stream("", []byte("q 612 0 0 792 0 0 cm /Im1 Do Q")),
	}
	var names strings.Builder
	for i := range n {
		objs = append(objs, stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", w, h), deflate(1000)))
		fmt.Fprintf(&names, "/Im%d %d 0 R ", i+1, len(objs))
	}
	objs[2] = fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << %s>> >> /Contents 4 0 R >>", names.String())
	return assemble(objs, "")
}

// formLoop is a page whose Form XObject draws itself.
func formLoop() []byte {
	return assemble([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Fm1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", []byte("/Fm1 Do")),
		stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /XObject << /Fm1 5 0 R >> >>", []byte("/Fm1 Do")),
	}, "")
}

// manyFonts is a page using n fonts whose embedded font files each
// inflate to size bytes: each stream within the per-stream limit, all of
// them together far over what a document may decode to.
func manyFonts(n, size int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"", // the page
		"", // its content
	}
	data := deflate(size)
	var fonts, content strings.Builder
	for i := range n {
		objs = append(objs, stream(fmt.Sprintf("/Length1 %d", size), data))
		file := len(objs)
		objs = append(objs, fmt.Sprintf("<< /Type /FontDescriptor /FontName /F%d /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 %d 0 R >>", i, file))
		desc := len(objs)
		objs = append(objs, fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /F%d /FirstChar 32 /LastChar 126 /FontDescriptor %d 0 R >>", i, desc))
		fmt.Fprintf(&fonts, "/F%d %d 0 R ", i, len(objs))
		fmt.Fprintf(&content, "BT /F%d 12 Tf 72 %d Td (.) Tj ET\n", i, 700-10*i)
	}
	// No text to speak of: the page is read from its image, by pdfcpu.
	content.WriteString("q 612 0 0 792 0 0 cm /Im1 Do Q")
	objs = append(objs, stream("/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", deflate(100)))
	objs[2] = fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << %s>> /XObject << /Im1 %d 0 R >> >> /Contents 4 0 R >>", fonts.String(), len(objs))
	objs[3] = stream("", []byte(content.String()))
	return assemble(objs, "")
}

// contentBomb is a page whose content stream inflates to n bytes of
// spaces.
func contentBomb(n int) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	_, _ = zw.Write([]byte("BT /F1 12 Tf 72 720 Td (TOTAL 12.50) Tj ET\n"))
	row := bytes.Repeat([]byte{' '}, 1<<20)
	for n > 0 {
		k := min(n, len(row))
		_, _ = zw.Write(row[:k])
		n -= k
	}
	_ = zw.Close()
	return assemble([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("/Filter /FlateDecode", b.Bytes()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}, "")
}

// xrefHugeNumber lists, in its xref table, an object numbered two
// billion: a reader that sizes its table by the largest number allocates
// tens of gigabytes.
func xrefHugeNumber() []byte {
	pdf := fixture.PDF(fixture.PDFPage{Lines: []string{"TOTAL 12.50"}})
	i := bytes.Index(pdf, []byte("trailer"))
	out := append([]byte{}, pdf[:i]...)
	out = append(out, "2000000000 1\n0000000009 00000 n \n"...)
	out = append(out, pdf[i:]...)
	// startxref is unchanged: the table starts where it did.
	return out
}

// prevLoop makes the xref's trailer name its own table as /Prev.
func prevLoop(pdf []byte) []byte {
	i := bytes.LastIndex(pdf, []byte("startxref\n"))
	var off int
	fmt.Sscanf(string(pdf[i+len("startxref\n"):]), "%d", &off)
	return bytes.Replace(pdf, []byte("/Root 1 0 R >>"), []byte(fmt.Sprintf("/Root 1 0 R /Prev %d >>", off)), 1)
}

type xrefStreamOpts struct {
	index       string // the xref stream's /Index, when set
	selfLength  bool   // the object stream's /Length is an object inside it
	extendsSelf bool   // the object stream /Extends itself
	objStmBomb  int    // the object stream inflates to this many bytes
}

// xrefStreamPDF is a PDF 1.5 with its catalog, pages and page in an
// object stream (object 5), found through an xref stream (object 6).
func xrefStreamPDF(o xrefStreamOpts) []byte {
	inner := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 7 0 R /Resources << /Font << /F1 8 0 R >> >> >>",
		"0", // object 4: a length, when the object stream's is inside it
	}
	var head, body strings.Builder
	for i, s := range inner {
		fmt.Fprintf(&head, "%d %d ", i+1, body.Len())
		body.WriteString(s + "\n")
	}
	first := head.Len()
	objstm := []byte(head.String() + body.String())
	if o.objStmBomb > 0 {
		objstm = append(objstm, make([]byte, o.objStmBomb)...)
	}
	data := deflateBytes(objstm)
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offsets := map[int]int{}
	offsets[5] = b.Len()
	length := fmt.Sprint(len(data))
	if o.selfLength {
		length = "4 0 R"
	}
	extends := ""
	if o.extendsSelf {
		extends = "/Extends 5 0 R"
	}
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %s %s >>\nstream\n%s\nendstream\nendobj\n", len(inner), first, length, extends, data)
	content := "BT /F1 12 Tf 72 720 Td (TOTAL 12.50) Tj ET"
	offsets[7] = b.Len()
	fmt.Fprintf(&b, "7 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", len(content), content)
	offsets[8] = b.Len()
	b.WriteString("8 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n")
	offsets[6] = b.Len()
	var x bytes.Buffer
	entry := func(t byte, f2 uint32, f3 uint16) {
		x.WriteByte(t)
		_ = binary.Write(&x, binary.BigEndian, f2)
		_ = binary.Write(&x, binary.BigEndian, f3)
	}
	entry(0, 0, 65535)
	for i := range inner {
		entry(2, 5, uint16(i))
	}
	for n := 5; n <= 8; n++ {
		entry(1, uint32(offsets[n]), 0)
	}
	index := ""
	if o.index != "" {
		index = "/Index " + o.index
	}
	xs := deflateBytes(x.Bytes())
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 9 /W [1 4 2] %s /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n", index, len(xs), xs)
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", offsets[6])
	return b.Bytes()
}

// encrypt has pdfcpu encrypt pdf with the user password (empty: anyone
// may open it) and an owner password.
func encrypt(pdf []byte, user string, aes bool, bits int) []byte {
	conf := model.NewDefaultConfiguration()
	conf.UserPW, conf.OwnerPW = user, "owner"
	conf.EncryptUsingAES, conf.EncryptKeyLength = aes, bits
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, conf); err != nil {
		panic(fmt.Sprintf("hostile: encrypt: %v", err)) // only for a bad fixture
	}
	return out.Bytes()
}

// pngHeader is a PNG that declares w x h pixels of the given depth and
// colour type and holds none: a decoder that allocates first takes
// w*h*(bytes a pixel) before it finds the data missing.
func pngHeader(w, h int, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	chunk("IDAT", deflateBytes(make([]byte, 64)))
	chunk("IEND", nil)
	return b.Bytes()
}

// tiffHeader is an uncompressed TIFF declaring w x h pixels of spp
// samples of bps bits, with one short strip.
func tiffHeader(w, h int, bps, spp uint16) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("II*\x00")
	_ = binary.Write(&b, le, uint32(8))
	type tag struct {
		id, typ uint16
		n, v    uint32
	}
	tags := []tag{
		{256, 4, 1, uint32(w)}, {257, 4, 1, uint32(h)},
		{258, 3, 1, uint32(bps)}, // one value: applies to all samples
		{259, 3, 1, 1}, {262, 3, 1, 2},
		{273, 4, 1, 0}, // strip offset, patched below
		{277, 3, 1, uint32(spp)}, {278, 4, 1, uint32(h)}, {279, 4, 1, 16},
		{338, 3, 1, 2}, // extra sample: unassociated alpha
	}
	if bps == 16 && spp == 4 {
		// BitsPerSample needs one value a sample: an offset to four.
		tags[2] = tag{258, 3, 4, 0}
	}
	ifdLen := 2 + 12*len(tags) + 4
	extra := 8 + ifdLen
	_ = binary.Write(&b, le, uint16(len(tags)))
	for _, t := range tags {
		v := t.v
		if t.id == 258 && t.n == 4 {
			v = uint32(extra)
		}
		if t.id == 273 {
			v = uint32(extra + 8)
		}
		_ = binary.Write(&b, le, t.id)
		_ = binary.Write(&b, le, t.typ)
		_ = binary.Write(&b, le, t.n)
		_ = binary.Write(&b, le, v)
	}
	_ = binary.Write(&b, le, uint32(0))
	for range 4 {
		_ = binary.Write(&b, le, bps)
	}
	b.Write(make([]byte, 16))
	return b.Bytes()
}

// webpLossless is a 30-byte VP8L WebP declaring w x h pixels.
func webpLossless(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(22))
	b.WriteString("WEBPVP8L")
	_ = binary.Write(&b, binary.LittleEndian, uint32(10))
	b.WriteByte(0x2f)
	bits := uint32(w-1) | uint32(h-1)<<14 // no alpha, version 0
	_ = binary.Write(&b, binary.LittleEndian, bits)
	b.Write(make([]byte, 5))
	return b.Bytes()
}

// tallPNG is a white w x h gray PNG with a few dark bars: a receipt
// narrow enough that the reader enlarges it.
func tallPNG(w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for y := 100; y < h; y += 400 {
		for x := 10; x < w-10; x++ {
			img.Pix[y*img.Stride+x] = 0
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
