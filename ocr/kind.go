package ocr

import (
	"bytes"
	"fmt"
)

// KindXML is an XML file: an e-invoice, which package einvoice reads
// (OCR has nothing to read in it).
const KindXML Kind = "xml"

// SniffLen is how many leading bytes Sniff wants to see.
const SniffLen = 512

// Ext is the file name extension for the kind: "jpg", "png", "pdf", ...
func (k Kind) Ext() string {
	if k == KindJPEG {
		return "jpg"
	}
	return string(k)
}

// MIME is the kind's media type, for serving a stored original.
func (k Kind) MIME() string {
	switch k {
	case KindPDF:
		return "application/pdf"
	case KindJPEG:
		return "image/jpeg"
	case KindXML:
		return "application/xml"
	case "":
		return "application/octet-stream"
	}
	return "image/" + string(k)
}

// Sniff tells a file's kind from its first bytes (at least SniffLen of
// them where the file has that many), never from its name. It returns
// ErrEmpty for no bytes and ErrUnsupported for anything that is not a PDF,
// a supported image or an XML.
func Sniff(head []byte) (Kind, error) {
	if len(head) == 0 {
		return "", ErrEmpty
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return KindJPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG, nil
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return KindTIFF, nil
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return KindWebP, nil
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return KindGIF, nil
	case len(head) >= 14 && bytes.HasPrefix(head, []byte("BM")):
		return KindBMP, nil
	}
	if k, ok := sniffHEIF(head); ok {
		return k, nil
	}
	// A PDF header may follow some junk, within the first kilobyte (PDF
	// 1.7, 7.5.2 implementation note); most readers accept that.
	if i := bytes.Index(head, []byte("%PDF-")); i >= 0 {
		return KindPDF, nil
	}
	// An e-invoice XML: an XML declaration, or a root element that is an
	// invoice's (CII's CrossIndustryInvoice, UBL's Invoice or CreditNote).
	x := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if bytes.HasPrefix(x, []byte("<?xml")) || bytes.HasPrefix(x, []byte("<")) &&
		(bytes.Contains(x, []byte("CrossIndustry")) || bytes.Contains(x, []byte("Invoice")) || bytes.Contains(x, []byte("CreditNote"))) {
		return KindXML, nil
	}
	return "", fmt.Errorf("%w: not a PDF, JPEG, PNG, TIFF, WebP, GIF, BMP or e-invoice XML", ErrUnsupported)
}
