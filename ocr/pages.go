package ocr

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ledongthuc/pdf"
)

// PageCount is how many pages a stored document has: a PDF's page count,
// 1 for an image. It reads no page.
func PageCount(data []byte) (n int, err error) {
	kind, err := Sniff(data[:min(len(data), SniffLen)])
	if err != nil {
		return 0, err
	}
	if kind != KindPDF {
		return 1, nil
	}
	defer func() {
		// The PDF library panics on some malformed files.
		if v := recover(); v != nil {
			n, err = 0, fmt.Errorf("%w: malformed PDF: %v", ErrCorrupt, v)
		}
	}()
	// As readPDF: the library sees only a file the pre-scan has passed.
	lim := DefaultLimits()
	lim.MaxBytes = max(lim.MaxBytes, int64(len(data)))
	info, err := preparePDF(data, lim)
	if err != nil {
		return 0, err
	}
	data = info.data
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && info.encrypted {
		if data, err = decryptPDF(data); err != nil {
			return 0, err
		}
		if info, err = preparePDF(data, lim); err != nil {
			return 0, err
		}
		data = info.data
		r, err = pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return r.NumPage(), nil
}

// OnlyPages is d with only its pages first to last (1-based, inclusive);
// 0 leaves that end open.
func (d Document) OnlyPages(first, last int) Document {
	if first <= 0 && last <= 0 {
		return d
	}
	out := Document{Kind: d.Kind}
	for _, p := range d.Pages {
		if (first > 0 && p.Number < first) || (last > 0 && p.Number > last) {
			continue
		}
		out.Pages = append(out.Pages, p)
	}
	return out
}

// pageRange is pages first to last (1-based, inclusive); 0 leaves that
// end open.
type pageRange struct{ first, last int }

func (r pageRange) has(n int) bool {
	return (r.first <= 0 || n >= r.first) && (r.last <= 0 || n <= r.last)
}

// ReadFilePages is ReadFilePass for the pages first to last of a PDF
// alone (0 leaves that end open): the others are not read at all, so a
// scanned page outside them costs no OCR. An image is its page 1.
func (e *Engine) ReadFilePages(ctx context.Context, path string, pass Pass, first, last int) (Document, error) {
	e.pages = pageRange{first, last}
	defer func() { e.pages = pageRange{} }()
	doc, err := e.ReadFilePass(ctx, path, pass)
	if err != nil {
		return Document{}, err
	}
	return doc.OnlyPages(first, last), nil
}
