package extract_test

import (
	"math"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/ocr/extract"
)

// TestGermanReceiptWithTesseract reads a rendered German till receipt
// paid in cash with real Tesseract in the auto language setting: the
// page is read again in German, umlauts come out, and the total is the
// SUMME, not the cash handed over or the change.
func TestGermanReceiptWithTesseract(t *testing.T) {
	r := fixture.Sample()
	r.Merchant = "BÄCKEREI MÜLLER GMBH"
	r.Address = "Hauptstraße 12, 33100 Paderborn"
	r.Phone = "Tel. 05251 123456"
	r.German = true
	r.TaxRate = 0.07
	r.Cash = 20
	langs, detect, err := ocr.ParseLanguages(ocr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := ocr.NewEngine(ocr.Options{Languages: langs, Detect: detect})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	doc, err := eng.Read(t.Context(), fixture.PNG(r, fixture.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	text := doc.Text()
	for _, want := range []string{"RÜCKGELD", "MÜLLER", "SUMME EUR"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	f := extract.Extract(doc)
	if math.Abs(f.Total-r.Total()) > 0.005 {
		t.Errorf("total %.2f, want %.2f (cash %.2f)\n%s", f.Total, r.Total(), r.Cash, text)
	}
	if f.Date != "2024-03-15" || f.Time != "14:32" {
		t.Errorf("date %q %q, want 2024-03-15 14:32", f.Date, f.Time)
	}
	if f.VendorName != "BÄCKEREI MÜLLER GMBH" {
		t.Errorf("vendor %q", f.VendorName)
	}
	if f.CurrencyCode != "EUR" {
		t.Errorf("currency %q", f.CurrencyCode)
	}
}
