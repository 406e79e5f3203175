package capture_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/einvoice"
	"tillroll/internal/fixture"
)

// TestFromEInvoiceCreditNote: a credit note keeps its sign (its amounts
// are money back), and every field the XML gives is 100% sure.
func TestFromEInvoiceCreditNote(t *testing.T) {
	inv := fixture.SampleInvoice()
	inv.Shipping, inv.TaxBasis, inv.TaxTotal, inv.GrandTotal, inv.DuePayable = "10.00", "110.00", "20.90", "130.90", "130.90"
	for _, credit := range []bool{false, true} {
		d, err := einvoice.Read(fixture.UBL(inv, credit), einvoice.DefaultLimits())
		if err != nil || d == nil {
			t.Fatalf("Read: %v, %v", d, err)
		}
		r := capture.FromEInvoice(d, 0, time.Now())
		sign := 1.0
		if credit {
			sign = -1
		}
		if r.Total != sign*130.9 || r.Subtotal != sign*110 || r.Tax != sign*20.9 || r.Balance_Due != sign*130.9 || r.Shipping != sign*10 ||
			r.Line_Items[0].Amount != sign*40 || r.Tax_Lines[0].Total != sign*20.9 || r.E_Invoice.Credit_Note != credit {
			t.Errorf("credit note %v: %+v", credit, r)
		}
		if credit && r.E_Invoice.TypeCode != "381" {
			t.Errorf("type code %q", r.E_Invoice.TypeCode)
		}
		for _, k := range []string{"Total", "Date", "Vendor_Name", "Invoice_Number", "Vendor_IBAN", "Shipping", "Balance_Due"} {
			if r.Confidence[k] != 100 {
				t.Errorf("confidence of %s: %d", k, r.Confidence[k])
			}
		}
		if r.Confidence["Vendor_Phone"] != 0 || r.Vendor_Phone != "" {
			t.Errorf("a field the XML does not give: %q, %d", r.Vendor_Phone, r.Confidence["Vendor_Phone"])
		}
	}
}

// TestReceiptJSONUnchanged: a result read by OCR carries no E_Invoice.
func TestReceiptJSONUnchanged(t *testing.T) {
	b, err := json.Marshal(capture.Placeholder(capture.StatusPending, "", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "E_Invoice") {
		t.Errorf("E_Invoice in %s", b)
	}
}
