// Package ocr turns a stored document (an image or a PDF) into text with
// layout: pages of lines of words, each word with its box and confidence.
//
// Images are decoded only after their dimensions have been checked, then
// preprocessed with imaging (EXIF orientation, grayscale, scaling, contrast)
// and read by Tesseract through gosseract. PDFs give their text layer where
// they have one, and their page images otherwise.
//
// An Engine owns one gosseract client and is not safe for concurrent use:
// each OCR worker makes one and closes it on shutdown.
package ocr

import (
	"errors"
	"fmt"
	"image"
	"strings"
)

// Word is one recognised word and where it was read on its page.
type Word struct {
	Text string
	// Conf is Tesseract's confidence, 0-100 (100 for a PDF text layer).
	Conf float64
	// Box is in the pixel space of the page as given in Page.Width/Height.
	Box image.Rectangle
}

// Line is one line of words, left to right.
type Line struct {
	Text  string // the words joined by single spaces
	Words []Word
	Box   image.Rectangle
	// Alt is the second recognizer's reading of the same line, when it
	// read it again (nil otherwise; see Options.Second): its words with
	// their boxes and confidences, as in Words.
	Alt []Word
	// Choices are Tesseract's alternatives for the characters of the
	// amounts on the spans read again (see Options.Choices).
	Choices []SpanChoices
}

// JoinWords is the text of words joined by single spaces, and the box
// around them all.
func JoinWords(ws []Word) (string, image.Rectangle) {
	if len(ws) == 0 {
		return "", image.Rectangle{}
	}
	texts := make([]string, len(ws))
	box := ws[0].Box
	for i, w := range ws {
		texts[i] = w.Text
		box = box.Union(w.Box)
	}
	return strings.Join(texts, " "), box
}

// Page is one page of a document, its lines top to bottom.
type Page struct {
	Number        int // 1-based
	Width, Height int
	Lines         []Line
	// TextLayer is true when the lines come from a PDF's text layer rather
	// than from Tesseract.
	TextLayer bool
	// Skipped is true for a page left unread at the caller's asking
	// (WithPageWatch): it has no lines and no size.
	Skipped bool
	// source is the page image as the first reading had it before
	// preprocessing, for Engine.ReadAgain; nil where none is kept.
	source *pageSource
}

// Document is everything read from one file.
type Document struct {
	Kind  Kind
	Pages []Page
}

// Text is the document's text: lines joined by newlines, pages by a blank line.
func (d Document) Text() string {
	var b strings.Builder
	for i, p := range d.Pages {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, l := range p.Lines {
			b.WriteString(l.Text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Kind is a file type Tillroll accepts.
type Kind string

// The accepted kinds.
const (
	KindJPEG Kind = "jpeg"
	KindPNG  Kind = "png"
	KindTIFF Kind = "tiff"
	KindWebP Kind = "webp"
	KindGIF  Kind = "gif"
	KindBMP  Kind = "bmp"
	KindPDF  Kind = "pdf"
	KindHEIC Kind = "heic" // HEIF with HEVC pictures: an iPhone's photos
	KindAVIF Kind = "avif" // HEIF with AV1 pictures
)

// Errors for input that can never be read. Callers match them with errors.Is
// and fail the document with a readable reason instead of retrying.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrTooLarge    = errors.New("image or document too large")
	ErrCorrupt     = errors.New("file is damaged or truncated")
	ErrEmpty       = errors.New("file is empty")
	// ErrEncrypted is a PDF that cannot be opened without a password.
	// It is also an ErrUnsupported.
	ErrEncrypted = fmt.Errorf("%w: the PDF is encrypted", ErrUnsupported)
)

// Reason is a person's reason for an error from the input itself (one
// that matches ErrEmpty, ErrUnsupported, ErrTooLarge or ErrCorrupt): the
// kind of problem and, where the reader knows it, what it found, such as
// "the image or document is too large: 30000x10 pixels (at most 20000 per
// side ...)". It never holds a file path or a library's message. ok is
// false for any other error.
func Reason(err error) (reason string, ok bool) {
	// The detail is what the reader wrote after the kind of error, which
	// never holds a path: wrappers (a file's path, a page number) come
	// before it.
	detail := func(kind error) string {
		msg, k := err.Error(), kind.Error()+": "
		i := strings.Index(msg, k)
		if i < 0 {
			return ""
		}
		d := msg[i+len(k):]
		if len(d) > 200 {
			d = d[:200]
		}
		return d
	}
	with := func(s, detail string) string {
		if detail == "" {
			return s
		}
		return s + ": " + detail
	}
	switch {
	case errors.Is(err, ErrEmpty):
		return "the file is empty", true
	case errors.Is(err, ErrEncrypted):
		return "the PDF is encrypted with a password", true
	case errors.Is(err, ErrUnsupported):
		// "JPEG 2000 images in PDFs are not supported" says what is.
		if d := detail(ErrUnsupported); strings.HasSuffix(d, "not supported") {
			return d, true
		}
		return "the file is not a supported image or PDF", true
	case errors.Is(err, ErrTooLarge):
		return with("the image or document is too large", detail(ErrTooLarge)), true
	case errors.Is(err, ErrCorrupt):
		return "the file is damaged or truncated", true
	}
	return "", false
}
