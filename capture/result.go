// Package capture holds the result of capturing one document, in the field
// names and JSON shape of the async capture API (Photon's "data" object).
// The server, the CLI's scan command and the store all speak this type.
package capture

import (
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
	}
	if r.Document_Type == "" {
		r.Document_Type = "receipt"
	}
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
		})
	}
	return r
}

// WithoutConfidence is r as the API shows it unless ?confidence=1 is asked.
func (r Result) WithoutConfidence() Result {
	r.Confidence = nil
	return r
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
