package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"tillroll/capture"
	"tillroll/einvoice"
	"tillroll/ocr"
	"tillroll/ocr/extract"
)

// maxEInvoiceFile is the largest file searched for an e-invoice: far above
// any upload limit, so it only guards a file that got into the store some
// other way.
const maxEInvoiceFile = 256 << 20

// ReadEInvoice is the first step of reading a stored file: the e-invoice
// it is or carries (an XML upload, a PDF with the invoice XML attached), or
// nil for any other file, which OCR reads. A file that claims to be an
// e-invoice and cannot be read is an error that matches ocr.ErrTooLarge or
// einvoice.ErrMalformed / einvoice.ErrAttachment: the document fails with
// that reason. A PDF goes through OCR's pre-scan (ocr.CheckPDF) before
// pdfcpu opens it; one the pre-scan refuses, or pdfcpu cannot open, is
// left to OCR, which fails it with the pre-scan's reason.
func ReadEInvoice(path string) (*einvoice.Document, error) {
	lim := einvoice.DefaultLimits()
	data, isXML, err := einvoice.ReadCandidate(path, maxEInvoiceFile, lim)
	switch {
	case errors.Is(err, einvoice.ErrTooLarge):
		return nil, fmt.Errorf("%w: %w", ocr.ErrTooLarge, err)
	case err != nil:
		return nil, err
	case data == nil:
		return nil, nil
	}
	if !isXML {
		if data, err = ocr.CheckPDF(data, ocr.DefaultLimits()); err != nil {
			return nil, nil
		}
	}
	d, err := einvoice.Read(data, lim)
	switch {
	case errors.Is(err, einvoice.ErrPDF):
		return nil, nil
	case errors.Is(err, einvoice.ErrTooLarge):
		return nil, fmt.Errorf("%w: %w", ocr.ErrTooLarge, err)
	case err != nil:
		return nil, err
	}
	return d, nil
}

// processEInvoice makes the result of an e-invoice from its XML and, for a
// PDF, reads the page as any PDF is read to check it against the XML.
// A page that cannot be read leaves the XML's result, saying so.
func processEInvoice(ctx context.Context, r Reader, path string, d *einvoice.Document, created time.Time) (capture.Result, string, error) {
	if !d.InPDF() {
		res := capture.FromEInvoice(d, 0, created)
		return res, TextHash(res.Raw_Text), nil
	}
	doc, err := r.ReadFile(ctx, path)
	if err != nil {
		if ctx.Err() != nil || !permanent(err) {
			return capture.Result{}, "", fmt.Errorf("read %s: %w", path, err)
		}
		res := capture.FromEInvoice(d, 0, created)
		res.Raw_Text = ""
		res.E_Invoice.Page_Check = "the page could not be read: " + Reason(err)
		return res, "", nil
	}
	res := capture.FromEInvoice(d, len(doc.Pages), created)
	res.Raw_Text = doc.Text()
	res.CheckPage(extract.ExtractAs(doc, "invoice"), extract.FindPrinted(doc), res.Raw_Text)
	return res, TextHash(res.Raw_Text), nil
}
