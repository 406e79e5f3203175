package ocr

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/ledongthuc/pdf"
)

// PageCount is how many pages a stored document has: a PDF's or a TIFF's
// page count, 1 for any other image. It reads no page.
func PageCount(data []byte) (n int, err error) {
	kind, err := Sniff(data[:min(len(data), SniffLen)])
	if err != nil {
		return 0, err
	}
	if kind == KindTIFF {
		offs, err := tiffPages(data, DefaultLimits().MaxPages)
		return len(offs), err
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
	if r.NumPage() < 1 {
		// As readPDF says (found by FuzzPageCount: a page range was
		// then held to a file of 0 pages).
		return 0, fmt.Errorf("%w: the PDF has no pages", ErrCorrupt)
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

// pageWatchKey is the context key of a pageWatch.
type pageWatchKey struct{}

// pageWatch is what a caller of ReadFile asked to hear of its pages, and
// which pages it asked not to read.
type pageWatch struct {
	start func(page, pages int)
	skip  map[int]bool
}

// WithPageWatch returns a context under which the engine calls start
// before it reads each page (page from 1; pages is how many pages of the
// file are to be read, skipped ones included), and leaves the pages in
// skip unread: they stay in the Document, in their place, with no lines.
// A supervisor that can only stop a page by killing its reader (Tesseract
// cannot be interrupted) uses it to time each page and to read the file
// again without the page that took too long.
func WithPageWatch(ctx context.Context, start func(page, pages int), skip []int) context.Context {
	w := pageWatch{start: start}
	if len(skip) > 0 {
		w.skip = make(map[int]bool, len(skip))
		for _, p := range skip {
			w.skip[p] = true
		}
	}
	return context.WithValue(ctx, pageWatchKey{}, w)
}

// ErrSkipped is the error of a document whose every page was to be
// skipped (WithPageWatch): there is nothing left to read.
var ErrSkipped = errors.New("every page was skipped")

// watching is ctx's pageWatch, the zero one when there is none.
func watching(ctx context.Context) pageWatch {
	w, _ := ctx.Value(pageWatchKey{}).(pageWatch)
	return w
}

// begin tells the watcher that page of pages starts and whether to read it.
func (w pageWatch) begin(page, pages int) (read bool) {
	if w.skip[page] {
		return false
	}
	if w.start != nil {
		w.start(page, pages)
	}
	return true
}
