package extract

import "testing"

// TestReceiptsAroundTheWorld reads receipts laid out the way shops in
// several countries print them.
func TestReceiptsAroundTheWorld(t *testing.T) {
	tests := []struct {
		name                    string
		lines                   []string
		vendor, date, time, cur string
		total, subtotal, tax    float64
	}{
		{
			name: "US supermarket",
			lines: []string{
				"Walmart", "Save money. Live better.", "( 479 ) 273 - 4134", "MANAGER JOHN SMITH", "2110 W WALNUT ST",
				"ROGERS AR 72756", "ST# 05521 OP# 009027 TE# 27 TR# 03384",
				"BANANAS 000000004011 F\t1.26 N", "GV MILK 007874235116\t3.38 N", "SUBTOTAL\t4.64",
				"TAX 1 7.000 %\t0.32", "TOTAL\t4.96", "VISA TEND\t4.96", "CHANGE DUE\t0.00",
				"04/12/19 16:44:36",
			},
			vendor: "Walmart", date: "2019-04-12", time: "16:44", cur: "USD", total: 4.96, subtotal: 4.64, tax: 0.32,
		},
		{
			name: "UK cafe",
			lines: []string{
				"THE CORNER CAFE LTD", "12 High Street", "London SW1A 1AA", "VAT No: GB 123 4567 89",
				"12 Jan 2019 13:05", "Flat White\t£2.80", "Croissant\t£2.20", "Total to pay\t£5.00",
				"VAT 20%\t£0.83", "Card\t£5.00",
			},
			vendor: "THE CORNER CAFE LTD", date: "2019-01-12", time: "13:05", cur: "GBP", total: 5.00, tax: 0.83, subtotal: 4.17,
		},
		{
			name: "German bakery",
			lines: []string{
				"Bäckerei Müller GmbH", "Hauptstraße 5", "80331 München", "Tel. 089 123456",
				"2 x Brezel\t1,60", "Kaffee\t2,40", "SUMME EUR\t4,00", "Bar\t5,00", "Rückgeld\t1,00",
				"MwSt 7% Netto 3,74\t0,26", "Datum: 03.02.2020 Uhrzeit: 08:15",
			},
			vendor: "Bäckerei Müller GmbH", date: "2020-02-03", time: "08:15", cur: "EUR", total: 4.00, tax: 0.26, subtotal: 3.74,
		},
		{
			name: "French restaurant",
			lines: []string{
				"LE PETIT BISTRO SARL", "15 rue de la Paix", "75002 PARIS", "SIRET 123 456 789 00012",
				"Le 05/03/2021 à 20:41", "1 Menu du jour\t18,50", "1 Vin rouge\t6,00", "TOTAL TTC\t24,50 €",
				"dont TVA 10%\t2,23", "CB\t24,50",
			},
			vendor: "LE PETIT BISTRO SARL", date: "2021-03-05", time: "20:41", cur: "EUR", total: 24.50, tax: 2.23, subtotal: 22.27,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if f.VendorName != tt.vendor || f.Date != tt.date || f.Time != tt.time || f.CurrencyCode != tt.cur {
				t.Errorf("vendor %q date %q time %q currency %q, want %q %q %q %q", f.VendorName, f.Date, f.Time, f.CurrencyCode, tt.vendor, tt.date, tt.time, tt.cur)
			}
			if !near(f.Total, tt.total) || !near(f.Subtotal, tt.subtotal) || !near(f.Tax, tt.tax) {
				t.Errorf("total %.2f subtotal %.2f tax %.2f, want %.2f %.2f %.2f", f.Total, f.Subtotal, f.Tax, tt.total, tt.subtotal, tt.tax)
			}
			if f.DocumentType != "receipt" {
				t.Errorf("document type %q", f.DocumentType)
			}
		})
	}
}
