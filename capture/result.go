// Package capture holds the result of capturing one document, in the field
// names and JSON shape of the async capture API (Photon's "data" object).
// The server, the CLI's scan command and the store all speak this type.
package capture

import (
	"image"
	"math"
	"time"

	"tillroll/ocr"
	"tillroll/ocr/extract"
)

// Status of a document on its way through the pipeline.
const (
	StatusPending    = "pending"
	StatusProcessing = "processing"
	StatusCompleted  = "completed"
	StatusFailed     = "failed"
)

// Result is the "data" object of the capture API.
type Result struct {
	Status         string         `json:"Status"`
	Reason         string         `json:"Reason,omitempty"`
	Document_Type  string         `json:"Document_Type"`
	Vendor_Name    string         `json:"Vendor_Name"`
	Vendor_Address string         `json:"Vendor_Address"`
	Vendor_Phone   string         `json:"Vendor_Phone"`
	Date           string         `json:"Date"`
	Time           string         `json:"Time"`
	Total          float64        `json:"Total"`
	Subtotal       float64        `json:"Subtotal"`
	Tax            float64        `json:"Tax"`
	Tip            float64        `json:"Tip"`
	Discount       float64        `json:"Discount"`
	Currency_Code  string         `json:"Currency_Code"`
	Invoice_Number string         `json:"Invoice_Number"`
	Pages          int            `json:"Pages"`
	Is_Duplicate   int            `json:"Is_Duplicate"`
	Line_Items     []LineItem     `json:"Line_Items"`
	Raw_Text       string         `json:"Raw_Text"`
	Created        string         `json:"Created"`
	Confidence     map[string]int `json:"Confidence,omitempty"`
	// Skipped_Pages are the pages given up while the others were read,
	// each with why (a page that took longer than its time limit).
	Skipped_Pages []SkippedPage `json:"Skipped_Pages,omitempty"`
	// Photon's other keys (photon.go).
	Photon
	// E_Invoice is what an e-invoice's XML says of itself (einvoice.go);
	// nil for any other document.
	E_Invoice *EInvoice `json:"E_Invoice,omitempty"`
	// Boxes is where the fields were read. It is no part of the "data"
	// object: the store keeps it beside the result (store.Document.Boxes).
	Boxes *Boxes `json:"-"`
}

// SkippedPage is a page of a document that was not read, and why.
type SkippedPage struct {
	Page   int    `json:"Page"` // 1-based
	Reason string `json:"Reason"`
}

// Boxes is where on a document's pages the fields of its Result were
// read, for the web app to show them on the image.
type Boxes struct {
	// Pages are the pages' sizes in pixels, page 1 first: the space the
	// boxes are in. For an image that is the image as it is stored, turned
	// upright by its EXIF orientation (as browsers show it).
	Pages []PageSize `json:"pages"`
	// Fields are keyed by the field's name in Result (Total, Date, ...).
	Fields map[string]Box `json:"fields,omitempty"`
	// Items are Line_Items' boxes, in order; a zero Box where not known.
	Items []Box `json:"items,omitempty"`
}

// PageSize is one page's size in pixels.
type PageSize struct {
	Width  int `json:"width"`
	Height int `json:"height"`
	// TextLayer is true for a PDF page read from its text: its boxes are
	// in a 300 dpi rendering of the page, not in any stored picture.
	TextLayer bool `json:"text_layer,omitempty"`
}

// Box is a rectangle on a page (1-based), in the page's pixels.
type Box struct {
	Page int `json:"page"`
	X    int `json:"x"`
	Y    int `json:"y"`
	W    int `json:"w"`
	H    int `json:"h"`
}

// Rect is the box as an image.Rectangle.
func (b Box) Rect() image.Rectangle { return image.Rect(b.X, b.Y, b.X+b.W, b.Y+b.H) }

// Field is the box of the field named key, false when there is none.
func (b *Boxes) Field(key string) (Box, bool) {
	if b == nil {
		return Box{}, false
	}
	x, ok := b.Fields[key]
	return x, ok && x.Page > 0
}

// Item is the box of Line_Items[i], false when there is none.
func (b *Boxes) Item(i int) (Box, bool) {
	if b == nil || i < 0 || i >= len(b.Items) || b.Items[i].Page == 0 {
		return Box{}, false
	}
	return b.Items[i], true
}

// Page is the size of page n (1-based), false when there is none.
func (b *Boxes) Page(n int) (PageSize, bool) {
	if b == nil || n < 1 || n > len(b.Pages) {
		return PageSize{}, false
	}
	return b.Pages[n-1], true
}

// LineItem is one entry of Line_Items.
type LineItem struct {
	Line        int     `json:"Line"`
	SKU         string  `json:"SKU"`
	Description string  `json:"Description"`
	QTY         float64 `json:"QTY"`
	Unit        string  `json:"Unit"`
	Price       float64 `json:"Price"`
	Amount      float64 `json:"Amount"`
	Tax         float64 `json:"Tax"`
	Tax_Rate    float64 `json:"Tax_Rate"` // percent
	Discount    float64 `json:"Discount"`
	Date        string  `json:"Date"` // yyyy-MM-dd, when the line shows its own
	Order       int     `json:"Order"`
	Reference   string  `json:"Reference"`
	Type        string  `json:"Type"`
}

// CreatedFormat is the layout of Result.Created.
const CreatedFormat = "2006-01-02 15:04:05"

// Placeholder is the result of a document that has not been read yet, or
// that failed: every field empty, with its status and reason.
func Placeholder(status, reason string, created time.Time) Result {
	return Result{
		Status:     status,
		Reason:     reason,
		Line_Items: []LineItem{},
		Created:    created.UTC().Format(CreatedFormat),
		Photon:     Photon{Tax_Lines: []TaxLine{}},
	}
}

// FromFields makes the completed result of a document from what was read
// and what was extracted.
func FromFields(doc ocr.Document, f extract.Fields, created time.Time) Result {
	r := Result{
		Status:         StatusCompleted,
		Document_Type:  f.DocumentType,
		Vendor_Name:    f.VendorName,
		Vendor_Address: f.VendorAddress,
		Vendor_Phone:   f.VendorPhone,
		Date:           f.Date,
		Time:           f.Time,
		Total:          round2(f.Total),
		Subtotal:       round2(f.Subtotal),
		Tax:            round2(f.Tax),
		Tip:            round2(f.Tip),
		Discount:       round2(f.Discount),
		Currency_Code:  f.CurrencyCode,
		Invoice_Number: f.InvoiceNumber,
		Pages:          len(doc.Pages),
		Line_Items:     make([]LineItem, 0, len(f.LineItems)),
		Raw_Text:       doc.Text(),
		Created:        created.UTC().Format(CreatedFormat),
		Confidence:     f.Confidence,
		Boxes:          boxesOf(doc, f),
	}
	r.Document_Type = DocumentType(r.Document_Type)
	r.Photon = photonFields(f)
	for _, it := range f.LineItems {
		r.Line_Items = append(r.Line_Items, LineItem{
			Line:        it.Line,
			SKU:         it.SKU,
			Description: it.Description,
			QTY:         it.QTY,
			Unit:        it.Unit,
			Price:       round2(it.Price),
			Amount:      round2(it.Amount),
			Tax:         round2(it.Tax),
			Tax_Rate:    it.TaxRate,
			Discount:    round2(it.Discount),
			Date:        it.Date,
		})
	}
	return r
}

// boxesOf is where f's fields were read on doc's pages, kept inside the
// pages; nil when no field has a place.
func boxesOf(doc ocr.Document, f extract.Fields) *Boxes {
	b := &Boxes{Fields: map[string]Box{}}
	for _, p := range doc.Pages {
		b.Pages = append(b.Pages, PageSize{Width: p.Width, Height: p.Height, TextLayer: p.TextLayer})
	}
	clip := func(eb extract.Box) (Box, bool) {
		if eb.Page < 1 || eb.Page > len(b.Pages) {
			return Box{}, false
		}
		p := b.Pages[eb.Page-1]
		r := eb.Rect.Canon().Intersect(image.Rect(0, 0, p.Width, p.Height))
		if r.Empty() {
			return Box{}, false
		}
		return Box{Page: eb.Page, X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy()}, true
	}
	for k, eb := range f.Boxes {
		if bx, ok := clip(eb); ok {
			b.Fields[k] = bx
		}
	}
	items := make([]Box, len(f.LineItems))
	anyItem := false
	for i, it := range f.LineItems {
		if bx, ok := clip(it.Box); ok {
			items[i], anyItem = bx, true
		}
	}
	if anyItem {
		b.Items = items
	}
	if len(b.Fields) == 0 && !anyItem {
		return nil
	}
	return b
}

// WithoutConfidence is r as the API shows it unless ?confidence=1 is asked.
func (r Result) WithoutConfidence() Result {
	r.Confidence = nil
	return r
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
