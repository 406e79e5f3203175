package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"tillroll/capture"
	"tillroll/internal/fixture"
)

// TestEInvoiceUpload sends e-invoices through the capture API over real
// HTTP: an XML upload is accepted by its first bytes and read from its
// data, with its profile and findings in fields of their own; hostile or
// broken e-invoices end failed with a reason, and the server stays up.
func TestEInvoiceUpload(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	inv := fixture.SampleInvoice()
	inv.IBAN = "DE03120300000000202051" // a wrong check digit: a finding, not a failure
	good := fixture.UBL(inv, false)
	page := fixture.PDF(fixture.PDFPage{Lines: []string{"Rechnung RE-2024-0042"}})
	notXML, err := fixture.AttachPDF(page, "factur-x.xml", []byte("GIF89a not xml"), -1)
	if err != nil {
		t.Fatal(err)
	}
	sample := fixture.CII(fixture.SampleInvoice())
	lying, err := fixture.AttachPDF(page, "factur-x.xml", sample, len(sample)+1000)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		file   []byte
		reason string // "" for a completed document
	}{
		{"UBL invoice", good, ""},
		{"external entity", []byte(`<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>`), "DTD"},
		{"billion laughs", []byte(`<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&b;</ID></Invoice>`), "DTD"},
		{"20 MB of nesting", append([]byte(`<?xml version="1.0"?>`), bytes.Repeat([]byte("<a>"), 7<<20)...), "too large"},
		{"PDF attachment not XML", notXML, "e-invoice XML cannot be read"},
		{"PDF attachment lies about its size", lying, "declares"},
	}
	keys := make([]string, len(tests))
	for i, tc := range tests {
		up := e.upload(e.alice, "?type=async", "invoice.bin", tc.file)
		if up.code != http.StatusOK {
			t.Fatalf("%s: upload %d %s", tc.name, up.code, up.raw)
		}
		keys[i] = up.body["photon_key"].(string)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := e.waitDone(e.alice, keys[i])
			reason, _ := data["Reason"].(string)
			if tc.reason != "" {
				if data["Status"] != capture.StatusFailed || !strings.Contains(reason, tc.reason) || strings.Contains(reason, "root:") {
					t.Fatalf("status %v, reason %q; want failed, %q", data["Status"], reason, tc.reason)
				}
				return
			}
			if data["Status"] != capture.StatusCompleted || data["Total"] != 119.0 || data["Invoice_Number"] != "RE-2024-0042" || data["Vendor_IBAN"] != "DE03120300000000202051" {
				t.Fatalf("data %v", data)
			}
			ei, ok := data["E_Invoice"].(map[string]any)
			if !ok || ei["Syntax"] != "UBL" || ei["Profile"] != "EN 16931" || ei["Page_Check"] != capture.PageNone {
				t.Fatalf("E_Invoice %v", data["E_Invoice"])
			}
			findings, _ := ei["Findings"].([]any)
			if len(findings) != 1 || findings[0].(map[string]any)["BT"] != "BT-84" {
				t.Errorf("findings %v", findings)
			}
			if tl, _ := data["Tax_Lines"].([]any); len(tl) != 1 {
				t.Errorf("Tax_Lines %v", data["Tax_Lines"])
			}
		})
	}
	assertUp(t, e)
}
