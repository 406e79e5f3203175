package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"tillroll/capture"
	"tillroll/store"
)

// overlay is the boxes drawn over one receipt image: an SVG whose viewBox
// is the image's own pixels, so the boxes land where OCR read the words
// whatever size the page shows the image at.
type overlay struct {
	Width, Height int
	Boxes         []wordBox
}

// wordBox is where one field or item was read.
type wordBox struct {
	ID    string // the rect's element id; the field's row points at it
	Row   string // the element id of the field's row or item's line
	Label string // what was read there, for the box's <title>
	X, Y  int
	W, H  int
}

// boxSources says, per field of the page, which of a receipt's results the
// analysis took the value from (receipts.Read takes each from the first
// image that has one), so the box shown is where the value shown was read.
var boxSources = map[string]func(r capture.Result, a receiptValues) bool{
	"Vendor_Name":    func(r capture.Result, _ receiptValues) bool { return r.Vendor_Name != "" },
	"Date":           func(r capture.Result, _ receiptValues) bool { return validDate(r.Date) },
	"Time":           func(r capture.Result, _ receiptValues) bool { return validDate(r.Date) },
	"Total":          func(r capture.Result, _ receiptValues) bool { return r.Total > 0 },
	"Tax":            func(r capture.Result, _ receiptValues) bool { return r.Total > 0 },
	"Invoice_Number": func(r capture.Result, a receiptValues) bool { return r.Invoice_Number == a.number },
}

// receiptValues are what the analysis made of the results that a field's
// source must agree with: the receipt number is found again in the text,
// not taken from Invoice_Number.
type receiptValues struct{ number string }

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return s != "" && err == nil
}

// placeBoxes draws, on each image of the receipt that OCR read, the boxes
// of the fields and items the page shows, and links each field and item
// to its box. Images without boxes (a PDF, a record from before boxes were
// kept) get no overlay.
func (w *Web) placeBoxes(r store.Receipt, d *detailData) {
	// The completed results, in the receipt's order, with the image each
	// was read from.
	type read struct {
		doc   store.Document
		image int // index into d.Images; -1 when not shown as an image
	}
	byToken := map[string]int{}
	for i, img := range d.Images {
		if img.Remote || img.PDF {
			continue
		}
		if u, err := url.Parse(img.URL); err == nil {
			token, _, _ := strings.Cut(strings.TrimPrefix(u.Path, imagePath), ".")
			byToken[token] = i
		}
	}
	var reads []read
	for i, id := range r.DocIDs {
		doc, err := w.cfg.Store.Document(id)
		if err != nil || doc.Result == nil || doc.Status != capture.StatusCompleted {
			continue
		}
		rd := read{doc: doc, image: -1}
		if i < len(r.Images) {
			if k, ok := byToken[r.Images[i]]; ok {
				rd.image = k
			}
		}
		reads = append(reads, rd)
	}
	// place adds box b of a result to its image's overlay; false when the
	// image has none to draw on.
	place := func(rd read, b capture.Box, id, row, label string) bool {
		if rd.image < 0 || rd.doc.Boxes == nil {
			return false
		}
		p, ok := rd.doc.Boxes.Page(b.Page)
		if !ok || b.Page != 1 || p.TextLayer || p.Width <= 0 || p.Height <= 0 || b.W <= 0 || b.H <= 0 {
			return false
		}
		img := &d.Images[rd.image]
		if img.Overlay == nil {
			img.Overlay = &overlay{Width: p.Width, Height: p.Height}
		}
		img.Overlay.Boxes = append(img.Overlay.Boxes, wordBox{ID: id, Row: row, Label: label, X: b.X, Y: b.Y, W: b.W, H: b.H})
		return true
	}
	vals := receiptValues{number: r.Analysis.ReceiptNumber}
	for i := range d.Fields {
		f := &d.Fields[i]
		from, ok := boxSources[f.Key]
		if !ok || f.Value == "" {
			continue
		}
		for _, rd := range reads {
			if !from(*rd.doc.Result, vals) {
				continue
			}
			name := strings.ToLower(f.Key)
			if b, ok := rd.doc.Boxes.Field(f.Key); ok && place(rd, b, "box-"+name, "field-"+name, f.Label) {
				f.Box, f.Row = "box-"+name, "field-"+name
			}
			break
		}
	}
	// Items: the analysis lists the results' items in order; an item
	// whose printed name is not its result's (an analysis of another
	// kind) gets no box.
	k := 0
	for _, rd := range reads {
		for j, li := range rd.doc.Result.Line_Items {
			if k >= len(d.Items) {
				return
			}
			it := &d.Items[k]
			k++
			if strings.TrimSpace(li.Description) != it.Name {
				continue
			}
			b, ok := rd.doc.Boxes.Item(j)
			if !ok {
				continue
			}
			id, row := fmt.Sprintf("box-item-%d", it.Line), fmt.Sprintf("item-%d", it.Line)
			if place(rd, b, id, row, fmt.Sprintf("Item %d: %s", it.Line, it.Name)) {
				it.Box, it.Row = id, row
			}
		}
	}
}
