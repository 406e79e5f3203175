package einvoice_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/einvoice"
	"tillroll/internal/fixture"
)

func read(t *testing.T, data []byte) *einvoice.Document {
	t.Helper()
	d, err := einvoice.Read(data, einvoice.DefaultLimits())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if d == nil {
		t.Fatal("Read: no e-invoice found")
	}
	return d
}

// TestReadSyntaxes reads the same invoice written in each syntax and
// checks every business term this package maps.
func TestReadSyntaxes(t *testing.T) {
	inv := fixture.SampleInvoice()
	inv.Allowance, inv.Shipping = "5.00", "5.00"
	for _, tt := range []struct {
		name          string
		xml           []byte
		syntax, vers  string
		credit        bool
		wantTypeCode  string
		wantTotalTerm string
	}{
		{"CII", fixture.CII(inv), einvoice.SyntaxCII, "CII D16B", false, "380", "BT-112"},
		{"UBL Invoice", fixture.UBL(inv, false), einvoice.SyntaxUBL, "UBL 2.1", false, "380", "BT-112"},
		{"UBL CreditNote", fixture.UBL(inv, true), einvoice.SyntaxUBL, "UBL 2.1", true, "381", "BT-112"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := read(t, tt.xml)
			got := d.Invoice
			if got.Syntax != tt.syntax || got.Version != tt.vers || got.CreditNote != tt.credit || got.TypeCode != tt.wantTypeCode {
				t.Errorf("syntax %q version %q credit %v type %q", got.Syntax, got.Version, got.CreditNote, got.TypeCode)
			}
			if got.Profile != "EN 16931" || d.Attachment != "" || d.InPDF() {
				t.Errorf("profile %q attachment %q", got.Profile, d.Attachment)
			}
			checks := []struct{ name, got, want string }{
				{"number", got.Number, "RE-2024-0042"},
				{"issue date", got.IssueDate, "2024-03-15"},
				{"due date", got.DueDate, "2024-04-14"},
				{"currency", got.Currency, "EUR"},
				{"order", got.OrderReference, "PO-7781"},
				{"terms", got.PaymentTerms, "30 Tage netto"},
				{"seller", got.Seller.Name, "Kraxi GmbH"},
				{"seller address", got.Seller.Address(), "Flugzeugallee 17, 12345 Papierfeld"},
				{"seller country", got.Seller.Country, "DE"},
				{"seller VAT", got.Seller.VATID, "DE123456789"},
				{"seller email", got.Seller.Email, "billing@kraxi.example"},
				{"buyer", got.Buyer.Name, "Papierflieger-Vertriebs-GmbH"},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
				}
			}
			if len(got.PaymentMeans) != 1 || got.PaymentMeans[0].Code != "58" || got.PaymentMeans[0].IBAN != "DE02120300000000202051" || got.PaymentMeans[0].BIC != "BYLADEM1001" {
				t.Errorf("payment means %+v", got.PaymentMeans)
			}
			if got.LineTotal != 100 || got.TaxBasis != 100 || got.TaxTotal != 19 || got.GrandTotal != 119 || got.DuePayable != 119 ||
				got.AllowanceTotal != 5 || got.ChargeTotal != 5 || !got.Has(tt.wantTotalTerm) {
				t.Errorf("totals: lines %v basis %v tax %v grand %v due %v allowances %v charges %v",
					got.LineTotal, got.TaxBasis, got.TaxTotal, got.GrandTotal, got.DuePayable, got.AllowanceTotal, got.ChargeTotal)
			}
			if len(got.Taxes) != 1 || got.Taxes[0] != (einvoice.Tax{Category: "S", Rate: 19, HasRate: true, Base: 100, Amount: 19}) {
				t.Errorf("taxes %+v", got.Taxes)
			}
			if len(got.AllowancesCharges) != 2 || got.AllowancesCharges[0].Charge || !got.AllowancesCharges[1].Charge || got.AllowancesCharges[1].Amount != 5 {
				t.Errorf("allowances and charges %+v", got.AllowancesCharges)
			}
			if len(got.Lines) != 2 {
				t.Fatalf("lines %+v", got.Lines)
			}
			l := got.Lines[1]
			if l.ID != "2" || l.Name != "Turbo Flyer" || l.SellerID != "TF-200" || l.Quantity != 5 || l.Unit != "H87" || l.NetPrice != 12 || l.Amount != 60 || l.TaxRate != 19 || l.TaxCategory != "S" {
				t.Errorf("line 2 %+v", l)
			}
			if len(d.Findings) != 0 {
				t.Errorf("findings on a consistent invoice: %v", d.Findings)
			}
		})
	}
}

// TestReadZUGFeRD1 reads ZUGFeRD 1.0's CrossIndustryDocument, whose
// elements are named otherwise.
func TestReadZUGFeRD1(t *testing.T) {
	xml := `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:15">
<rsm:SpecifiedExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:ferd:CrossIndustryDocument:invoice:1p0:comfort</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:SpecifiedExchangedDocumentContext>
<rsm:HeaderExchangedDocument><ram:ID>2014-03</ram:ID><ram:TypeCode>380</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format="102">20140711</udt:DateTimeString></ram:IssueDateTime></rsm:HeaderExchangedDocument>
<rsm:SpecifiedSupplyChainTradeTransaction>
<ram:ApplicableSupplyChainTradeAgreement><ram:SellerTradeParty><ram:Name>Kraxi GmbH</ram:Name><ram:PostalTradeAddress><ram:PostcodeCode>12345</ram:PostcodeCode><ram:LineOne>Flugzeugallee 17</ram:LineOne><ram:CityName>Papierfeld</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress></ram:SellerTradeParty>
<ram:BuyerTradeParty><ram:Name>Papierflieger</ram:Name></ram:BuyerTradeParty></ram:ApplicableSupplyChainTradeAgreement>
<ram:ApplicableSupplyChainTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
<ram:ApplicableTradeTax><ram:CalculatedAmount>7.60</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>40.00</ram:BasisAmount><ram:ApplicablePercent>19.0</ram:ApplicablePercent></ram:ApplicableTradeTax>
<ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount>40.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>40.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount>7.60</ram:TaxTotalAmount><ram:GrandTotalAmount>47.60</ram:GrandTotalAmount><ram:DuePayableAmount>47.60</ram:DuePayableAmount></ram:SpecifiedTradeSettlementMonetarySummation>
</ram:ApplicableSupplyChainTradeSettlement>
<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
<ram:SpecifiedSupplyChainTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>20.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedSupplyChainTradeAgreement>
<ram:SpecifiedSupplyChainTradeDelivery><ram:BilledQuantity unitCode="C62">2</ram:BilledQuantity></ram:SpecifiedSupplyChainTradeDelivery>
<ram:SpecifiedSupplyChainTradeSettlement><ram:ApplicableTradeTax><ram:ApplicablePercent>19</ram:ApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementMonetarySummation><ram:LineTotalAmount>40.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation></ram:SpecifiedSupplyChainTradeSettlement>
<ram:SpecifiedTradeProduct><ram:SellerAssignedID>SD-1</ram:SellerAssignedID><ram:Name>Superdrachen</ram:Name></ram:SpecifiedTradeProduct>
</ram:IncludedSupplyChainTradeLineItem>
</rsm:SpecifiedSupplyChainTradeTransaction>
</rsm:CrossIndustryDocument>`
	d := read(t, []byte(xml))
	inv := d.Invoice
	if inv.Version != "ZUGFeRD 1.0" || inv.Profile != "ZUGFeRD 1.0 COMFORT" || inv.Number != "2014-03" || inv.IssueDate != "2014-07-11" ||
		inv.Seller.Address() != "Flugzeugallee 17, 12345 Papierfeld" || inv.GrandTotal != 47.6 || len(inv.Taxes) != 1 || inv.Taxes[0].Rate != 19 {
		t.Errorf("got %+v", inv)
	}
	if len(inv.Lines) != 1 || inv.Lines[0].SellerID != "SD-1" || inv.Lines[0].Quantity != 2 || inv.Lines[0].NetPrice != 20 || inv.Lines[0].TaxRate != 19 {
		t.Errorf("lines %+v", inv.Lines)
	}
	if len(d.Findings) != 0 {
		t.Errorf("findings: %v", d.Findings)
	}
}

func hasFinding(fs []einvoice.Finding, bt string) bool {
	for _, f := range fs {
		if f.BT == bt {
			return true
		}
	}
	return false
}

// TestValidate breaks one rule at a time: each finding names its term,
// and the invoice is still read.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*fixture.Invoice)
		bt     string
	}{
		{"lines do not add up", func(i *fixture.Invoice) { i.Lines[1].Amount = "61.00" }, "BT-106"},
		{"line quantity x price", func(i *fixture.Invoice) { i.Lines[0].Price = "21.00" }, "BT-131"},
		{"net + tax is not gross", func(i *fixture.Invoice) { i.GrandTotal, i.DuePayable = "119.50", "119.50" }, "BT-112"},
		{"tax is not rate x base", func(i *fixture.Invoice) { i.TaxTotal, i.GrandTotal, i.DuePayable = "17.00", "117.00", "117.00" }, "BT-117"},
		{"amount due", func(i *fixture.Invoice) { i.DuePayable = "100.00" }, "BT-115"},
		{"IBAN checksum", func(i *fixture.Invoice) { i.IBAN = "DE03120300000000202051" }, "BT-84"},
		{"date that does not exist", func(i *fixture.Invoice) { i.IssueDate = "20230230" }, "BT-2"},
		{"amount that is no number", func(i *fixture.Invoice) { i.TaxBasis = "1,00" }, "BT-109"},
		{"missing seller name", func(i *fixture.Invoice) { i.Seller = "" }, "BT-27"},
		{"XRechnung without Leitweg-ID", func(i *fixture.Invoice) {
			i.Guideline = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
		}, "BT-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := fixture.SampleInvoice()
			inv.Lines = append([]fixture.InvoiceLine(nil), inv.Lines...)
			tt.change(&inv)
			d := read(t, fixture.CII(inv))
			if !hasFinding(d.Findings, tt.bt) {
				t.Errorf("no %s finding in %v", tt.bt, d.Findings)
			}
			if d.Invoice.Number != "RE-2024-0042" {
				t.Errorf("the invoice was not read: %+v", d.Invoice)
			}
		})
	}
	t.Run("MINIMUM needs no lines", func(t *testing.T) {
		inv := fixture.SampleInvoice()
		inv.Guideline = "urn:factur-x.eu:1p0:minimum"
		inv.Lines = nil
		d := read(t, fixture.CII(inv))
		if d.Invoice.Profile != "MINIMUM" || hasFinding(d.Findings, "BG-25") {
			t.Errorf("profile %q findings %v", d.Invoice.Profile, d.Findings)
		}
		inv.Guideline = "urn:cen.eu:en16931:2017"
		if d := read(t, fixture.CII(inv)); !hasFinding(d.Findings, "BG-25") {
			t.Errorf("EN 16931 without lines: findings %v", d.Findings)
		}
	})
}

func TestValidIBAN(t *testing.T) {
	for s, want := range map[string]bool{
		"DE02120300000000202051":      true,
		"DE02 1203 0000 0000 2020 51": true,
		"GB82WEST12345698765432":      true,
		"DE03120300000000202051":      false,
		"DE0212030000":                false,
		"DE02120300000000202051!":     false,
	} {
		if got := einvoice.ValidIBAN(s); got != want {
			t.Errorf("ValidIBAN(%q) = %v", s, got)
		}
	}
}

// TestPDFAttachment embeds an invoice XML in a PDF through pdfcpu's API
// and finds it again, by its standard name or by its root.
func TestPDFAttachment(t *testing.T) {
	page := fixture.PDF(fixture.PDFPage{Lines: []string{"Rechnung RE-2024-0042", "Summe 119,00 EUR"}})
	xml := fixture.CII(fixture.SampleInvoice())
	for _, name := range []string{"factur-x.xml", "ZUGFeRD-invoice.xml", "xrechnung.xml", "rechnung-42.xml"} {
		pdf, err := fixture.AttachPDF(page, name, xml, -1)
		if err != nil {
			t.Fatal(err)
		}
		d := read(t, pdf)
		if d.Attachment != name || !d.InPDF() || d.Invoice.GrandTotal != 119 || !bytes.Equal(d.XML, xml) {
			t.Errorf("%s: attachment %q total %v", name, d.Attachment, d.Invoice.GrandTotal)
		}
	}
	// A PDF with no attachment, or an attachment that is no invoice, is
	// not an e-invoice: OCR reads it.
	other, err := fixture.AttachPDF(page, "notes.xml", []byte("<notes><n>hello</n></notes>"), -1)
	if err != nil {
		t.Fatal(err)
	}
	for name, pdf := range map[string][]byte{"plain": page, "other XML attached": other} {
		if d, err := einvoice.Read(pdf, einvoice.DefaultLimits()); d != nil || err != nil {
			t.Errorf("%s: %v, %v", name, d, err)
		}
	}
}

// TestBadInput: hostile or broken XML and PDFs give a clear error, never
// a read of anything outside the file.
func TestBadInput(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("TOPSECRET"), 0o600); err != nil {
		t.Fatal(err)
	}
	lim := einvoice.DefaultLimits()
	sample := fixture.CII(fixture.SampleInvoice())
	withEntity := strings.Replace(string(sample), "<rsm:CrossIndustryInvoice",
		`<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY xxe SYSTEM "file://`+secret+`">]><rsm:CrossIndustryInvoice`, 1)
	withEntity = strings.Replace(withEntity, "Kraxi GmbH", "&xxe;", 1)
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&lol3;</ID></Invoice>`
	undeclared := strings.Replace(string(sample), "Kraxi GmbH", "&xxe;", 1)
	deep := "<Invoice>" + strings.Repeat("<a>", 10_000) + strings.Repeat("</a>", 10_000) + "</Invoice>"
	page := fixture.PDF(fixture.PDFPage{Lines: []string{"Rechnung"}})
	notXML, err := fixture.AttachPDF(page, "factur-x.xml", []byte("\x89PNG\r\n\x1a\n not xml at all"), -1)
	if err != nil {
		t.Fatal(err)
	}
	lying, err := fixture.AttachPDF(page, "factur-x.xml", sample, len(sample)/2)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"external entity", []byte(withEntity), einvoice.ErrMalformed},
		{"billion laughs", []byte(laughs), einvoice.ErrMalformed},
		{"undeclared entity", []byte(undeclared), einvoice.ErrMalformed},
		{"deep nesting", []byte(deep), einvoice.ErrTooLarge},
		{"too large", append(append([]byte{}, sample...), bytes.Repeat([]byte(" "), int(lim.MaxBytes))...), einvoice.ErrTooLarge},
		{"cut short", sample[:len(sample)/2], einvoice.ErrMalformed},
		{"not an invoice", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), einvoice.ErrMalformed},
		{"UBL root in another namespace", []byte(`<Invoice xmlns="urn:example"><ID>1</ID></Invoice>`), einvoice.ErrMalformed},
		{"PDF attachment not XML", notXML, einvoice.ErrMalformed},
		{"PDF attachment lies about its size", lying, einvoice.ErrAttachment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := einvoice.Read(tt.data, lim)
			if !errors.Is(err, tt.want) || d != nil {
				t.Fatalf("got %v, %v; want %v", d, err, tt.want)
			}
			if strings.Contains(err.Error(), "TOPSECRET") {
				t.Errorf("the error shows the file an entity named: %v", err)
			}
		})
	}
	t.Run("100 MB of nesting from a file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deep.xml")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		chunk := bytes.Repeat([]byte("<a>"), 1<<20)
		for i := 0; i < 34; i++ { // 3 MB x 34: about 100 MB
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if d, err := einvoice.ReadFile(path, 256<<20, lim); !errors.Is(err, einvoice.ErrTooLarge) || d != nil {
			t.Fatalf("got %v, %v", d, err)
		}
	})
}

// TestReadEncodingsAndZones: an XML in Windows-1252 or ISO-8859-1, and a
// UBL date with a time zone, are read as meant.
func TestReadEncodingsAndZones(t *testing.T) {
	for _, tt := range []struct {
		name, enc string
		body      []byte
		want      string
	}{
		{"windows-1252", "windows-1252", []byte("M\xfcller \x80"), "Müller €"},
		{"iso-8859-1", "ISO-8859-1", []byte("M\xfcller"), "Müller"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			xml := append([]byte(`<?xml version="1.0" encoding="`+tt.enc+`"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>1</cbc:ID><cbc:IssueDate>2024-03-15+01:00</cbc:IssueDate><cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>`), tt.body...)
			xml = append(xml, []byte(`</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingSupplierParty></Invoice>`)...)
			d := read(t, xml)
			if d.Invoice.Seller.Name != tt.want || d.Invoice.IssueDate != "2024-03-15" {
				t.Errorf("seller %q date %q", d.Invoice.Seller.Name, d.Invoice.IssueDate)
			}
		})
	}
}
