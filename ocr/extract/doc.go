// Package extract finds a receipt's or an invoice's fields (merchant, date,
// total, tax, line items, ...) in the text and layout that package ocr reads.
//
// It scores candidates rather than taking the first regular-expression match:
// an amount on the TOTAL line, checked against subtotal + tax and the sum of
// the items; a date that is a real calendar date; a merchant from the top
// block that is not a phone, tax-id or address line.
package extract

import "image"

// Fields is what Extract finds. Missing strings are "", missing numbers 0.
type Fields struct {
	DocumentType  string // "receipt" or "invoice"
	VendorName    string
	VendorAddress string
	VendorPhone   string
	Date          string // yyyy-MM-dd
	Time          string // HH:mm
	Total         float64
	Subtotal      float64
	Tax           float64
	Tip           float64
	Discount      float64
	CurrencyCode  string // ISO 4217, e.g. "MYR", "USD", "EUR"
	InvoiceNumber string
	LineItems     []LineItem
	// More is the rest of Photon's fields (more.go).
	More More
	// Confidence is 0-100 per field, keyed by the capture API's field name
	// (Vendor_Name, Date, Total, ...). A field that was not found has 0.
	Confidence map[string]int
	// Boxes is where each field was read, keyed as Confidence. A field
	// has none when it was not found, or when it was worked out rather
	// than read (a total from subtotal plus tax, say).
	Boxes map[string]Box
}

// Box is where on the document a value was read: the page (1-based) and
// the rectangle around its words, in the pixels of that page as package
// ocr gives them (ocr.Page's Width and Height).
type Box struct {
	Page int
	Rect image.Rectangle
}

// IsZero reports whether b says nothing.
func (b Box) IsZero() bool { return b.Page == 0 || b.Rect.Empty() }

// LineItem is one item line.
type LineItem struct {
	Line        int // 1-based position among the items
	SKU         string
	Description string
	QTY         float64
	Unit        string
	Price       float64 // unit price
	Amount      float64 // line total
	Tax         float64
	TaxRate     float64 // percent, when the line prints its own rate
	Discount    float64 // taken off this line
	Date        string  // yyyy-MM-dd, when the line prints its own date
	Box         Box     // the rows the item was read from
}
