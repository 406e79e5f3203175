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
)

// Errors for input that can never be read. Callers match them with errors.Is
// and fail the document with a readable reason instead of retrying.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrTooLarge    = errors.New("image or document too large")
	ErrCorrupt     = errors.New("file is damaged or truncated")
	ErrEmpty       = errors.New("file is empty")
)
