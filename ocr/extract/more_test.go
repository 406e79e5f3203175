package extract

import (
	"reflect"
	"testing"
)

// TestMoreFields reads each new field from documents that print it, and
// leaves it empty where they do not.
func TestMoreFields(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		check func(t *testing.T, f Fields)
	}{
		{"restaurant paid by card", []string{
			"CHAR BAR NO. 7", "900 Jemison Lane Mountain Brook, AL 35223", "205-802-9050", "www.CharBar7.com",
			"Server: Bubba\tCheck #: 4796\t01/31/2023", "Smother Me Brg\t15.50", "Sprite\t2.75",
			"Subtotal\t18.25", "Tax\t1.64", "Tip\t3.00", "Total\t22.89", "MasterCard XXXXXXXXXXXX1738", "Thank you for dining with us!",
		}, func(t *testing.T, f Fields) {
			m := f.More
			want := More{PaymentType: "MasterCard", CardNumber: "XXXXXXXXXXXX1738", VendorWebsite: "www.CharBar7.com",
				Category: "Restaurant", OrderDate: f.Date, BalanceDue: f.Total}
			got := More{PaymentType: m.PaymentType, CardNumber: m.CardNumber, VendorWebsite: m.VendorWebsite, Category: m.Category,
				OrderDate: m.OrderDate, BalanceDue: m.BalanceDue}
			if !reflect.DeepEqual(got, want) || f.Date != "2023-01-31" {
				t.Errorf("got %+v, want %+v (date %s)", got, want, f.Date)
			}
		}},
		{"European invoice", []string{
			"ACME GmbH", "Hauptstrasse 5, 10115 Berlin, Germany", "Tel +49 30 1234567\tFax +49 30 1234568", "info@acme.example",
			"USt-IdNr.: DE 123 456 789", "Rechnung Nr. 2024-17\tRechnungsdatum: 02.05.2024", "Bill to:", "Kunde AG", "Ringstr. 9",
			"80331 München", "", "Widget\t100,00", "Versandkosten\t5,90", "Netto\t105,90", "MwSt. 19%\t105,90\t20,12", "Gesamt\t126,02",
			"Fällig am: 16.05.2024", "Zahlbar innerhalb 14 Tagen", "IBAN DE89 3704 0044 0532 0130 00\tBIC: COBADEFFXXX",
		}, func(t *testing.T, f Fields) {
			m := f.More
			checks := map[string][2]string{
				"Vendor_Email":        {m.VendorEmail, "info@acme.example"},
				"Vendor_Fax":          {m.VendorFax, "+49 30 1234568"},
				"Vat_Number":          {m.VatNumber, "DE 123 456 789"},
				"Vendor_IBAN":         {m.VendorIBAN, "DE89370400440532013000"},
				"Vendor_Bank_Swift":   {m.VendorSwift, "COBADEFFXXX"},
				"Due_Date":            {m.DueDate, "2024-05-16"},
				"Payment_Terms":       {m.PaymentTerms, "Zahlbar innerhalb 14 Tagen"},
				"Bill_To_Name":        {m.BillToName, "Kunde AG"},
				"Bill_To_City":        {m.BillToCity, "München"},
				"Bill_To_Zipcode":     {m.BillToZipcode, "80331"},
				"Vendor_Zipcode":      {m.VendorZipcode, "10115"},
				"Vendor_City":         {m.VendorCity, "Berlin"},
				"Vendor_Country":      {m.VendorCountry, "Germany"},
				"Vendor_Address_Line": {m.VendorAddrLine, "Hauptstrasse 5"},
			}
			for k, c := range checks {
				if c[0] != c[1] {
					t.Errorf("%s %q, want %q", k, c[0], c[1])
				}
			}
			if !near(m.Shipping, 5.90) {
				t.Errorf("Shipping %v", m.Shipping)
			}
			if len(m.TaxLines) != 1 || m.TaxLines[0] != (TaxLine{Name: "MwSt", Rate: 19, Base: 105.90, Total: 20.12}) {
				t.Errorf("tax lines %+v", m.TaxLines)
			}
		}},
		{"two VAT rates, prices with tax in them", []string{
			"SUPERMARKT", "Brot\t2,99", "Milch\t1,19", "Bier\t5,95", "Summe EUR\t10,13",
			"MwSt 7%\t4,18\t0,27", "MwSt 19%\t5,95\t0,95", "Bar\t20,00", "Rückgeld\t9,87",
		}, func(t *testing.T, f Fields) {
			m := f.More
			want := []TaxLine{{Name: "MwSt", Rate: 7, Base: 3.91, Total: 0.27}, {Name: "MwSt", Rate: 19, Base: 5.0, Total: 0.95}}
			if !reflect.DeepEqual(m.TaxLines, want) {
				t.Errorf("tax lines %+v, want %+v", m.TaxLines, want)
			}
			if m.PaymentType != "Cash" || m.Category != "Grocery" {
				t.Errorf("payment %q, category %q", m.PaymentType, m.Category)
			}
		}},
		{"invoice with terms, PO and an amount due", []string{
			"Acme Supplies Ltd", "billing@acme-supplies.example", "INVOICE", "Invoice Number: INV-2026-00042",
			"PO Number: PO-7788", "Invoice Date: 07/15/2026", "Due Date: 08/14/2026", "Terms: Net 30",
			"Ship To:", "Photon Test Buyer Inc", "1 Example Way", "Springfield, IL 62701",
			"Widget, standard\t10\t115.00\t1150.00", "Subtotal\t1150.00", "Shipping & Handling\t12.00", "Tax 7.35%\t84.50",
			"Total\t1246.50", "Paid\t500.00", "Balance Due\t746.50",
		}, func(t *testing.T, f Fields) {
			m := f.More
			if m.PONumber != "PO-7788" || m.DueDate != "2026-08-14" || m.PaymentTerms != "Net 30" || m.ShipToName != "Photon Test Buyer Inc" ||
				m.ShipToAddress != "1 Example Way, Springfield, IL 62701" || m.VendorEmail != "billing@acme-supplies.example" {
				t.Errorf("%+v", m)
			}
			if !near(m.BalanceDue, 746.50) || !near(m.Shipping, 12.00) {
				t.Errorf("balance due %v, shipping %v", m.BalanceDue, m.Shipping)
			}
			if len(m.TaxLines) != 1 || m.TaxLines[0].Rate != 7.35 || !near(m.TaxLines[0].Total, 84.50) {
				t.Errorf("tax lines %+v", m.TaxLines)
			}
			if m.OrderDate != "" {
				t.Errorf("an invoice without an order date: %q", m.OrderDate)
			}
		}},
		{"nothing to find", []string{"SHOP", "ITEM\t1.00", "TOTAL\t1.00", "CASH BILL"}, func(t *testing.T, f Fields) {
			m := f.More
			m.BalanceDue, m.OrderDate = 0, ""
			if !reflect.DeepEqual(m, More{}) {
				t.Errorf("found %+v in a document that shows none of it", m)
			}
		}},
		{"a bad IBAN, a loyalty card and a quantity are none of them", []string{
			"SHELL PETROL", "IBAN DE89 3704 0044 0532 0130 01", "Shell Loyalty Card", "6018840126306675", "2 x 3.50\t7.00", "TOTAL\t7.00",
		}, func(t *testing.T, f Fields) {
			if f.More.VendorIBAN != "" || f.More.CardNumber != "" {
				t.Errorf("IBAN %q, card %q", f.More.VendorIBAN, f.More.CardNumber)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, Extract(docFromLines(tt.lines...)))
		})
	}
}

func TestSplitPostal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want splitAddress
	}{
		{"900 Jemison Lane Mountain Brook, AL 35223", splitAddress{line: "900 Jemison Lane", city: "Mountain Brook", state: "AL", zip: "35223"}},
		{"12 HIGH STREET, LEEDS LS1 4AB", splitAddress{line: "12 HIGH STREET", city: "LEEDS", zip: "LS1 4AB"}},
		{"Keizersgracht 1, 1015 CJ Amsterdam, Nederland", splitAddress{line: "Keizersgracht 1", city: "Amsterdam", zip: "1015 CJ", country: "Netherlands"}},
		{"No.284, JALAN HARMONT 3/2, TAMAN DESA HARMON 81100 JOHOR BAHRU", splitAddress{line: "No.284, JALAN HARMONT 3/2, TAMAN DESA HARMON", city: "JOHOR BAHRU", zip: "81100"}},
		{"", splitAddress{}},
	} {
		if got := splitPostal(tc.in); got != tc.want {
			t.Errorf("splitPostal(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestDocTypeOf(t *testing.T) {
	for _, tc := range []struct{ text, extracted, want string }{
		{"FIRST BANK\nPay to the order of JOHN SMITH $100.00\nOne hundred dollars", "receipt", "check"},
		{"ACME BANK\nAccount statement\nOpening balance 10.00\nClosing balance 20.00", "invoice", "statement"},
		{"Remittance advice\nInvoice 123 paid 10.00", "invoice", "remittance"},
		{"BILL OF LADING\nShipper: X", "invoice", "bol"},
		{"CITY POWER\nElectricity\nMeter reading 1234 kWh", "invoice", "bill-utility"},
		{"CORNER SHOP\nTOTAL 1.00", "receipt", "receipt"},
		{"ACME LTD\nInvoice No 1\nTotal 1.00", "Invoice", "invoice"},
	} {
		if got := DocTypeOf(tc.text, tc.extracted); got != tc.want {
			t.Errorf("DocTypeOf(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSplitPages(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pages []string
		want  [][]int
	}{
		{"page marks", []string{"ACME\nInvoice No A-1\nPage 1 of 2", "Page 2 of 2\nTotal 5.00", "Page 1 of 1\nOTHER LTD"}, [][]int{{1, 2}, {3}}},
		{"numbers", []string{"Invoice No A-100\nWidget", "Invoice No A-100\nTotal 5.00", "Invoice No B-7\nTotal 1.00"}, [][]int{{1, 2}, {3}}},
		{"one document", []string{"ACME\nWidget", "Total 5.00"}, [][]int{{1, 2}}},
		{"last page said so", []string{"Page 3/3\nTotal 1.00", "CORNER SHOP\nTOTAL 2.00"}, [][]int{{1}, {2}}},
	} {
		if got := SplitPages(tc.pages); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFindIBAN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"IBAN : FR76 3000 6000 0112 3456 7890 189 - BIC : AGRIFRPP", "FR7630006000011234567890189"},
		{"IBAN: FR76 30006 00001 12345678901 89", "FR7630006000011234567890189"},
		{"Konto DE89370400440532013000 bei der Bank", "DE89370400440532013000"},
		{"IBAN DE89 3704 0044 0532 0130 01", ""},
		{"no account here", ""},
	} {
		if got := findIBAN(tc.in); got != tc.want {
			t.Errorf("findIBAN(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
