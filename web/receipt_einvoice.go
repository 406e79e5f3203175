package web

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/einvoice"
	"tillroll/store"
)

// eInvoiceView is what a receipt's page shows of its e-invoice.
type eInvoiceView struct {
	capture.EInvoice
	// Warnings are the page's disagreements with the XML, in words.
	Warnings []string
	XMLURL   string
}

// eInvoiceDoc is the first of a receipt's documents that was read as an
// e-invoice.
func (w *Web) eInvoiceDoc(r store.Receipt) (store.Document, bool, error) {
	for _, id := range r.DocIDs {
		doc, err := w.cfg.Store.Document(id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return store.Document{}, false, err
		}
		if doc.Status == capture.StatusCompleted && doc.Result != nil && doc.Result.E_Invoice != nil {
			return doc, true, nil
		}
	}
	return store.Document{}, false, nil
}

// eInvoiceOf is the e-invoice part of a receipt's page, nil for a receipt
// that is none.
func (w *Web) eInvoiceOf(r store.Receipt) (*eInvoiceView, error) {
	doc, ok, err := w.eInvoiceDoc(r)
	if err != nil || !ok {
		return nil, err
	}
	e := doc.Result.E_Invoice
	v := &eInvoiceView{EInvoice: *e, XMLURL: "/receipts/" + r.UUID + "/einvoice.xml"}
	for _, d := range e.Disagreements {
		page := d.Page
		if page == "" {
			page = "nothing like it"
		}
		v.Warnings = append(v.Warnings, fmt.Sprintf("%s: the XML says %s, the page shows %s.", fieldLabel(d.Field), d.XML, page))
	}
	return v, nil
}

func fieldLabel(f string) string {
	switch f {
	case "Invoice_Number":
		return "Invoice number"
	}
	return strings.ReplaceAll(f, "_", " ")
}

// receiptEInvoiceXML is GET /receipts/:id/einvoice.xml: the e-invoice's
// XML as it came (taken out of the PDF again), as a download.
func (w *Web) receiptEInvoiceXML(c *echo.Context) error {
	r, err := w.receipt(c)
	if err != nil {
		return err
	}
	doc, ok, err := w.eInvoiceDoc(r)
	if err != nil {
		return err
	}
	if !ok {
		return pageErrorf(http.StatusNotFound, "This receipt is no e-invoice.")
	}
	p, err := w.cfg.Store.FilePath(doc.Path)
	if err != nil {
		return fmt.Errorf("e-invoice file: %w", err)
	}
	// The file was taken in under the upload limit; this bound only
	// guards against one that grew since.
	d, err := einvoice.ReadFile(p, 256<<20, einvoice.DefaultLimits())
	if err != nil {
		return fmt.Errorf("e-invoice XML of document %d: %w", doc.ID, err)
	}
	if d == nil {
		return fmt.Errorf("document %d was read as an e-invoice and holds none now", doc.ID)
	}
	name := "e-invoice.xml"
	if d.Attachment != "" {
		name = safeFileName(path.Base(d.Attachment))
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "application/xml", d.XML)
}

// safeFileName keeps letters, digits, dot, dash and underscore of a name
// for a Content-Disposition header.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 || !strings.HasSuffix(strings.ToLower(b.String()), ".xml") {
		return "e-invoice.xml"
	}
	return b.String()
}
