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

// Process reads one file and extracts its fields: the whole pipeline for one
// document, used by the workers and by `tillroll scan`. textHash identifies
// the recognised text for duplicate detection ("" when there is none).
func Process(ctx context.Context, r Reader, path string, created time.Time) (res capture.Result, textHash string, err error) {
	doc, err := r.ReadFile(ctx, path)
	if err != nil {
		return capture.Result{}, "", fmt.Errorf("read %s: %w", path, err)
	}
	res = capture.FromFields(doc, extract.Extract(doc), created)
	return res, TextHash(doc.Text()), nil
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
