package einvoice_test

import (
	"errors"
	"testing"

	"tillroll/einvoice"
	"tillroll/internal/fixture"
)

// FuzzParseXML feeds the XML reader anything: it must never panic, never
// take more than its limits, and either read an invoice in one of its
// syntaxes or fail with one of its errors.
func FuzzParseXML(f *testing.F) {
	inv := fixture.SampleInvoice()
	inv.Allowance, inv.Shipping = "1.00", "2.00"
	f.Add(fixture.CII(inv))
	f.Add(fixture.UBL(inv, false))
	f.Add(fixture.UBL(inv, true))
	f.Add([]byte(`<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"><rsm:HeaderExchangedDocument><ID>1</ID></rsm:HeaderExchangedDocument></rsm:CrossIndustryDocument>`))
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	f.Add([]byte(`<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><IssueDate>2024-02-30</IssueDate><LegalMonetaryTotal><PayableAmount>1e9</PayableAmount></LegalMonetaryTotal></Invoice>`))
	f.Add([]byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><ID>\xe9</ID></Invoice>"))
	lim := einvoice.DefaultLimits()
	lim.MaxBytes = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := einvoice.ParseXML(data, lim)
		if err != nil {
			if !errors.Is(err, einvoice.ErrMalformed) && !errors.Is(err, einvoice.ErrTooLarge) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if inv.Syntax != einvoice.SyntaxCII && inv.Syntax != einvoice.SyntaxUBL {
			t.Fatalf("syntax %q", inv.Syntax)
		}
		for _, fd := range einvoice.Validate(inv) {
			if fd.BT == "" || fd.Message == "" {
				t.Fatalf("finding without a term or message: %+v", fd)
			}
		}
	})
}
