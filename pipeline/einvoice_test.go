package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/einvoice"
	"tillroll/internal/fixture"
	"tillroll/pipeline"
)

// TestProcessEInvoice runs whole documents through Process with a real
// engine: an XML upload, a PDF whose page agrees with its XML, one whose
// page prints another total, date and number, and bad e-invoices, which
// fail with a reason that names the problem.
func TestProcessEInvoice(t *testing.T) {
	eng, err := engine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	inv := fixture.SampleInvoice()
	xml := fixture.CII(inv)
	pdfWith := func(lines ...string) []byte {
		pdf, err := fixture.AttachPDF(fixture.PDF(fixture.PDFPage{Lines: lines}), "factur-x.xml", xml, -1)
		if err != nil {
			t.Fatal(err)
		}
		return pdf
	}
	write := func(data []byte) string {
		path := filepath.Join(t.TempDir(), "upload")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	agreeing := pdfWith("Kraxi GmbH, Flugzeugallee 17, 12345 Papierfeld", "Rechnung Nr. RE-2024-0042", "Datum: 15.03.2024",
		"Superdrachen 2 x 20,00 40,00", "Turbo Flyer 5 x 12,00 60,00", "Netto 100,00", "MwSt 19% 19,00", "Gesamtbetrag 119,00 EUR")
	disagreeing := pdfWith("Kraxi GmbH, Flugzeugallee 17, 12345 Papierfeld", "Rechnung Nr. RE-2024-0043", "Datum: 15.03.2025",
		"Superdrachen 2 x 20,00 40,00", "Turbo Flyer 5 x 12,00 60,00", "Netto 100,00", "MwSt 19% 19,00", "Gesamtbetrag 119,01 EUR")

	check := func(t *testing.T, res capture.Result) {
		t.Helper()
		if res.Status != capture.StatusCompleted || res.Total != 119 || res.Subtotal != 100 || res.Tax != 19 || res.Balance_Due != 119 ||
			res.Date != "2024-03-15" || res.Invoice_Number != "RE-2024-0042" || res.Vendor_Name != "Kraxi GmbH" ||
			res.Vendor_IBAN != "DE02120300000000202051" || res.PO_Number != "PO-7781" || res.Due_Date != "2024-04-14" ||
			len(res.Line_Items) != 2 || res.Line_Items[0].SKU != "SD-100" || res.Line_Items[0].Tax_Rate != 19 ||
			len(res.Tax_Lines) != 1 || res.Tax_Lines[0].Base != 100 || res.Tax_Lines[0].Total != 19 {
			t.Errorf("result %+v", res)
		}
		if res.Confidence["Total"] != 100 || res.Confidence["Invoice_Number"] != 100 || res.E_Invoice == nil || res.E_Invoice.Profile != "EN 16931" {
			t.Errorf("confidence %v e-invoice %+v", res.Confidence, res.E_Invoice)
		}
	}
	t.Run("XML upload", func(t *testing.T) {
		res, hash, err := pipeline.Process(t.Context(), eng, write(xml), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		check(t, res)
		if res.E_Invoice.Page_Check != capture.PageNone || res.Pages != 0 || hash == "" {
			t.Errorf("page check %q pages %d hash %q", res.E_Invoice.Page_Check, res.Pages, hash)
		}
	})
	t.Run("page agrees", func(t *testing.T) {
		res, _, err := pipeline.Process(t.Context(), eng, write(agreeing), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		check(t, res)
		if res.E_Invoice.Page_Check != capture.PageAgrees || len(res.E_Invoice.Disagreements) != 0 || res.Pages != 1 || !strings.Contains(res.Raw_Text, "Gesamtbetrag") {
			t.Errorf("page check %q %+v, pages %d", res.E_Invoice.Page_Check, res.E_Invoice.Disagreements, res.Pages)
		}
	})
	t.Run("page disagrees", func(t *testing.T) {
		res, _, err := pipeline.Process(t.Context(), eng, write(disagreeing), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		check(t, res) // the XML's values stay
		want := map[string]capture.Disagreement{
			"Total":          {Field: "Total", BT: "BT-112", XML: "119.00", Page: "119.01"},
			"Date":           {Field: "Date", BT: "BT-2", XML: "2024-03-15", Page: "2025-03-15"},
			"Invoice_Number": {Field: "Invoice_Number", BT: "BT-1", XML: "RE-2024-0042", Page: "RE-2024-0043"},
		}
		if res.E_Invoice.Page_Check != capture.PageDisagrees || len(res.E_Invoice.Disagreements) != len(want) {
			t.Fatalf("page check %q %+v", res.E_Invoice.Page_Check, res.E_Invoice.Disagreements)
		}
		for _, d := range res.E_Invoice.Disagreements {
			if d != want[d.Field] {
				t.Errorf("disagreement %+v, want %+v", d, want[d.Field])
			}
		}
		if res.PageTotal() != 119.01 {
			t.Errorf("PageTotal %v", res.PageTotal())
		}
	})
	t.Run("bad e-invoices fail", func(t *testing.T) {
		notXML, err := fixture.AttachPDF(fixture.PDF(fixture.PDFPage{Lines: []string{"Rechnung"}}), "factur-x.xml", []byte("GIF89a"), -1)
		if err != nil {
			t.Fatal(err)
		}
		for name, tt := range map[string]struct {
			data   []byte
			reason string
		}{
			"DTD":            {[]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Invoice>&e;</Invoice>`), "DTD"},
			"attachment":     {notXML, "cannot be read"},
			"not an invoice": {[]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "not a CII or UBL invoice"},
		} {
			_, _, err := pipeline.Process(t.Context(), eng, write(tt.data), time.Now())
			if !errors.Is(err, einvoice.ErrMalformed) || !strings.Contains(pipeline.Reason(err), tt.reason) {
				t.Errorf("%s: %v (reason %q)", name, err, pipeline.Reason(err))
			}
		}
	})
}
