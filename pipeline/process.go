// Package pipeline runs documents from the store's OCR queue through the
// reader (package ocr) and the field extraction (package ocr/extract), with a
// fixed pool of workers that each own one OCR engine.
package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"

	"tillroll/capture"
	"tillroll/ocr"
	"tillroll/ocr/extract"
)

// Reader reads a stored file into text with layout. *ocr.Engine is one; it
// is not safe for concurrent use, so each worker owns its own.
type Reader interface {
	ReadFile(ctx context.Context, path string) (ocr.Document, error)
	Close() error
}

// PageReader is a Reader that can read only some pages of a PDF
// (*ocr.Engine is one), so pages outside page_start..page_end cost nothing.
type PageReader interface {
	ReadFilePages(ctx context.Context, path string, pass ocr.Pass, first, last int) (ocr.Document, error)
}

// Rereader is a Reader that can read a file again with the settings of
// another pass (*ocr.Engine is one).
type Rereader interface {
	ReadFilePass(ctx context.Context, path string, pass ocr.Pass) (ocr.Document, error)
}

// AgainReader is a Rereader that can read a document of one image again
// from the image its first reading decoded, without decoding the file
// again (*ocr.Engine is one); ok is false when it cannot.
type AgainReader interface {
	ReadAgain(ctx context.Context, doc ocr.Document, pass ocr.Pass) (again ocr.Document, ok bool, err error)
}

// Process reads one file and extracts its fields: the whole pipeline for one
// document, used by the workers and by `tillroll scan`. Where the first
// reading of a scanned page leaves the total or the date unsure, it reads
// the file a second time with other settings and keeps, field by field,
// the more confident reading. textHash identifies the recognised text for
// duplicate detection ("" when there is none). An e-invoice (ReadEInvoice)
// is read from its XML, and its page only checked against it.
func Process(ctx context.Context, r Reader, path string, created time.Time) (res capture.Result, textHash string, err error) {
	return ProcessAs(ctx, r, path, Want{Created: created})
}

// Want is what the client asked of a document's reading.
type Want struct {
	Created time.Time
	// DocType is the client's doctype: "invoice" and "receipt" (or
	// "receipt-expense") are read by those rules; any other is read as
	// extraction decides and shown under its own name. "" lets extraction
	// decide.
	DocType string
	// PageStart and PageEnd (1-based, inclusive; 0 for open) are the pages
	// of a PDF that count.
	PageStart, PageEnd int
	// Lang is the OCR language setting chosen for the document (by its
	// account or its upload: ocr.CheckLanguages); "" reads with the
	// reader's own.
	Lang string `json:",omitempty"`
	// SkipPages are pages not to read (1-based): a supervisor gave them
	// up (Child, ChildOptions.PageTimeout). They count as pages with no
	// text.
	SkipPages []int `json:",omitempty"`
}

// LanguageReader is a Reader that can read in another language setting
// than its own (*ocr.Engine is one). The engine it returns is a view of
// the reader's: the caller does not close it.
type LanguageReader interface {
	InLanguage(setting string) (*ocr.Engine, error)
}

// ProcessAs is Process for what the client asked.
func ProcessAs(ctx context.Context, r Reader, path string, w Want) (res capture.Result, textHash string, err error) {
	if inv, err := ReadEInvoice(path); err != nil {
		return capture.Result{}, "", err // about the content, without the path: it becomes the Reason
	} else if inv != nil {
		return processEInvoice(ctx, r, path, inv, w.Created)
	}
	if lr, ok := r.(LanguageReader); ok && w.Lang != "" {
		v, err := lr.InLanguage(w.Lang)
		if err != nil {
			return capture.Result{}, "", fmt.Errorf("read %s: %w", path, err)
		}
		r = v
	}
	read := func(pass ocr.Pass) (ocr.Document, error) {
		if pr, ok := r.(PageReader); ok && (w.PageStart > 0 || w.PageEnd > 0) {
			return pr.ReadFilePages(ctx, path, pass, w.PageStart, w.PageEnd)
		}
		if rr, ok := r.(Rereader); ok && pass != ocr.FirstPass {
			doc, err := rr.ReadFilePass(ctx, path, pass)
			return doc.OnlyPages(w.PageStart, w.PageEnd), err
		}
		doc, err := r.ReadFile(ctx, path)
		return doc.OnlyPages(w.PageStart, w.PageEnd), err
	}
	doc, err := read(ocr.FirstPass)
	if err != nil {
		return capture.Result{}, "", fmt.Errorf("read %s: %w", path, err)
	}
	rules := ""
	switch w.DocType {
	case "invoice":
		rules = "invoice"
	case "receipt", "receipt-expense":
		rules = "receipt"
	}
	f := extract.ExtractAs(doc, rules)
	if _, ok := r.(Rereader); ok && extract.Unsure(f) && scanned(doc) {
		var again ocr.Document
		done := false
		if ar, ok := r.(AgainReader); ok {
			again, done, err = ar.ReadAgain(ctx, doc, ocr.SecondPass)
		}
		if !done {
			again, err = read(ocr.SecondPass)
		}
		if err != nil {
			return capture.Result{}, "", fmt.Errorf("read %s again: %w", path, err)
		}
		f = extract.Merge(f, extract.ExtractAs(again, rules))
	}
	res = capture.FromFields(doc, f, w.Created)
	if w.DocType != "" && rules == "" {
		res.Document_Type = capture.DocumentType(w.DocType)
	}
	return res, TextHash(doc.Text()), nil
}

// scanned tells whether any page was read by OCR (not from a text layer).
func scanned(doc ocr.Document) bool {
	for _, p := range doc.Pages {
		if !p.TextLayer && !p.Skipped {
			return true
		}
	}
	return false
}

// TextHash is a hash of the words of a text, ignoring case, spacing and
// punctuation, so the same receipt scanned twice matches. It is "" for a
// text with no letters or digits.
func TextHash(text string) string {
	var b strings.Builder
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		b.WriteString(f)
		b.WriteByte(' ')
	}
	if b.Len() == 0 {
		return ""
	}
	h := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(h[:])
}
