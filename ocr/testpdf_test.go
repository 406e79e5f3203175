package ocr_test

import (
	"bytes"
	"fmt"
	"strings"
)

// pdfPage is one page of a test PDF: text lines in Helvetica, or a JPEG
// drawn over the whole page (a scan).
type pdfPage struct {
	lines   []string
	content string // raw content stream, instead of lines
	jpeg    []byte
	w, h    int // pixels of the JPEG
}

// buildPDF writes a minimal, valid PDF 1.4 with an xref table.
func buildPDF(pages ...pdfPage) []byte {
	var objs []string // object bodies, numbered from 1
	add := func(body string) int {
		objs = append(objs, body)
		return len(objs)
	}
	catalog := add("") // filled in below
	pagesObj := add("")
	// Code 10 is drawn as "e", as subset fonts map their codes: a reader
	// must never show a glyph that the content does not.
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [10 /e] >> >>")
	var kids []string
	for _, p := range pages {
		var content strings.Builder
		res := fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", font)
		if p.jpeg != nil {
			img := add(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream",
				p.w, p.h, len(p.jpeg), p.jpeg))
			res = fmt.Sprintf("<< /XObject << /Im1 %d 0 R >> >>", img)
			content.WriteString("q 612 0 0 792 0 0 cm /Im1 Do Q")
		} else if p.content != "" {
			content.WriteString(p.content)
		} else {
			content.WriteString("BT /F1 12 Tf 72 720 Td 16 TL\n")
			for _, l := range p.lines {
				fmt.Fprintf(&content, "(%s) Tj T*\n", l)
			}
			content.WriteString("ET")
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R >>", pagesObj, res, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, body := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return b.Bytes()
}
