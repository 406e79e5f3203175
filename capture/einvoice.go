package capture

import (
	"math"
	"strconv"
	"strings"
	"time"

	"tillroll/einvoice"
	"tillroll/ocr/extract"
)

// EInvoice is what the result says about a document's e-invoice, for a
// document that has one (nil otherwise): its format and profile, what
// validating it found, and where the page a person sees disagrees with it.
type EInvoice struct {
	Syntax  string `json:"Syntax"`  // "CII" or "UBL"
	Version string `json:"Version"` // "CII D16B", "ZUGFeRD 1.0", "UBL 2.1"
	Profile string `json:"Profile"` // "EN 16931", "XRechnung 3.0", "EXTENDED", ...
	// Specification is BT-24 as the XML writes it.
	Specification string `json:"Specification"`
	TypeCode      string `json:"Type_Code"` // BT-3
	Credit_Note   bool   `json:"Credit_Note"`
	// Attachment is the XML's name inside the PDF; "" for an XML upload.
	Attachment string `json:"Attachment"`
	// Findings are the validation's, each naming its business term.
	Findings []einvoice.Finding `json:"Findings"`
	// Page_Check is "agrees", "disagrees", or why the page was not
	// compared ("no page: the upload is the XML alone", "the page could
	// not be read: ...").
	Page_Check    string         `json:"Page_Check"`
	Disagreements []Disagreement `json:"Disagreements"`
}

// Disagreement is a field whose value on the page is not the XML's. The
// result's field keeps the XML's value; both are named here.
type Disagreement struct {
	Field string `json:"Field"` // the result's field: Total, Date, Invoice_Number
	BT    string `json:"BT"`
	XML   string `json:"XML"`
	Page  string `json:"Page"` // what the page shows instead, "" when nothing like it
}

// Page check outcomes.
const (
	PageAgrees    = "agrees"
	PageDisagrees = "disagrees"
	PageNone      = "no page: the upload is the XML alone"
	PageUnread    = "not checked: no text could be read on the page"
)

// minPageText is the fewest letters and digits a page's reading must have
// to be compared with the XML.
const minPageText = 20

// FromEInvoice makes the completed result of an e-invoice from its XML.
// Every field the XML gives has confidence 100. A credit note's amounts
// are negative. pages is how many pages the PDF has (0 for an XML).
func FromEInvoice(d *einvoice.Document, pages int, created time.Time) Result {
	inv := d.Invoice
	sign := 1.0
	if inv.CreditNote {
		sign = -1
	}
	money := func(v float64) float64 { return round2(sign * v) }
	r := Result{
		Status:         StatusCompleted,
		Document_Type:  TypeInvoice,
		Vendor_Name:    inv.Seller.Name,
		Vendor_Address: inv.Seller.Address(),
		Vendor_Phone:   inv.Seller.Phone,
		Date:           inv.IssueDate,
		Total:          money(inv.GrandTotal),
		Subtotal:       money(inv.TaxBasis),
		Tax:            money(inv.TaxTotal),
		Currency_Code:  inv.Currency,
		Invoice_Number: inv.Number,
		Pages:          pages,
		Line_Items:     make([]LineItem, 0, len(inv.Lines)),
		Raw_Text:       string(d.XML),
		Created:        created.UTC().Format(CreatedFormat),
	}
	if r.Vendor_Name == "" {
		r.Vendor_Name = inv.Seller.TradingName
	}
	f := &r.Photon
	f.Balance_Due = money(inv.DuePayable)
	f.PO_Number = inv.OrderReference
	f.Due_Date = inv.DueDate
	f.Delivery_Date = inv.DeliveryDate
	f.Service_Start_Date = inv.PeriodStart
	f.Service_End_Date = inv.PeriodEnd
	f.Payment_Terms = inv.PaymentTerms
	f.Notes = strings.Join(inv.Notes, "\n")
	f.Vat_Number = inv.Seller.VATID
	if f.Vat_Number == "" {
		f.Vat_Number = inv.Seller.TaxID
	}
	f.Vendor_Email = inv.Seller.Email
	f.Vendor_Address_Line = strings.Join(inv.Seller.Lines, ", ")
	f.Vendor_City, f.Vendor_State = inv.Seller.City, inv.Seller.Subdivision
	f.Vendor_Zipcode, f.Vendor_Country = inv.Seller.PostCode, inv.Seller.Country
	f.Bill_To_Name = inv.Buyer.Name
	if f.Bill_To_Name == "" {
		f.Bill_To_Name = inv.Buyer.TradingName
	}
	f.Bill_To_Address = inv.Buyer.Address()
	f.Bill_To_Address_Line = strings.Join(inv.Buyer.Lines, ", ")
	f.Bill_To_City, f.Bill_To_State, f.Bill_To_Zipcode = inv.Buyer.City, inv.Buyer.Subdivision, inv.Buyer.PostCode
	f.Bill_To_Vat_Number, f.Bill_To_Email = inv.Buyer.VATID, inv.Buyer.Email
	for _, pm := range inv.PaymentMeans {
		if f.Payment_Type == "" {
			f.Payment_Type = paymentType(pm.Code, pm.Text)
		}
		if f.Vendor_IBAN == "" && pm.IBAN != "" {
			f.Vendor_IBAN, f.Vendor_Bank_Swift = pm.IBAN, pm.BIC
		}
	}
	f.Tax_Lines = make([]TaxLine, 0, len(inv.Taxes))
	for i, t := range inv.Taxes {
		f.Tax_Lines = append(f.Tax_Lines, TaxLine{
			Order: i + 1, Name: taxName(t.Category), Rate: t.Rate, Base: money(t.Base), Total: money(t.Amount),
		})
	}
	for _, ac := range inv.AllowancesCharges {
		switch {
		case !ac.Charge:
			r.Discount += ac.Amount
		case shipping(ac):
			f.Shipping += ac.Amount
		}
	}
	if inv.Has("BT-107") {
		r.Discount = inv.AllowanceTotal
	}
	r.Discount, f.Shipping = money(r.Discount), money(f.Shipping)
	for i, l := range inv.Lines {
		desc := l.Name
		if l.Description != "" && l.Description != l.Name {
			desc = strings.TrimSpace(desc + "\n" + l.Description)
		}
		price := l.NetPrice
		if l.PriceBaseQty > 0 && l.PriceBaseQty != 1 {
			price /= l.PriceBaseQty
		}
		n, err := strconv.Atoi(l.ID)
		if err != nil || n <= 0 {
			n = i + 1
		}
		r.Line_Items = append(r.Line_Items, LineItem{
			Line:        n,
			SKU:         l.SellerID,
			Description: desc,
			QTY:         l.Quantity,
			Unit:        l.Unit,
			Price:       math.Round(sign*price*10000) / 10000,
			Amount:      money(l.Amount),
			Tax_Rate:    l.TaxRate,
		})
	}
	r.Confidence = map[string]int{}
	for key, bt := range map[string]string{
		"Vendor_Name": "BT-27", "Vendor_Address": "BT-35", "Vendor_Phone": "BT-42", "Date": "BT-2",
		"Total": "BT-112", "Subtotal": "BT-109", "Tax": "BT-110", "Currency_Code": "BT-5",
		"Invoice_Number": "BT-1", "Document_Type": "BT-3", "Discount": "BT-107", "Shipping": "BT-108",
		"Balance_Due": "BT-115", "PO_Number": "BT-13", "Due_Date": "BT-9", "Delivery_Date": "BT-72",
		"Service_Start_Date": "BT-73", "Service_End_Date": "BT-74", "Payment_Terms": "BT-20",
		"Payment_Type": "BT-81", "Vat_Number": "BT-31", "Vendor_Email": "BT-43", "Vendor_IBAN": "BT-84",
		"Vendor_Bank_Swift": "BT-86", "Vendor_City": "BT-37", "Vendor_Zipcode": "BT-38",
		"Vendor_Country": "BT-40", "Bill_To_Name": "BT-44", "Bill_To_Address": "BT-50", "Tax_Lines": "BT-116",
		"Line_Items": "BT-126",
	} {
		if inv.Has(bt) {
			r.Confidence[key] = 100
		}
	}
	if r.Vendor_Name != "" {
		r.Confidence["Vendor_Name"] = 100 // BT-27, else BT-28
	}
	if f.Vat_Number != "" {
		r.Confidence["Vat_Number"] = 100 // BT-31, else BT-32
	}
	if r.Discount != 0 {
		r.Confidence["Discount"] = 100
	}
	if f.Shipping != 0 {
		r.Confidence["Shipping"] = 100
	}
	typeCode := inv.TypeCode
	if typeCode == "" && inv.CreditNote {
		typeCode = "381"
	}
	r.E_Invoice = &EInvoice{
		Syntax: inv.Syntax, Version: inv.Version, Profile: inv.Profile, Specification: inv.Guideline,
		TypeCode: typeCode, Credit_Note: inv.CreditNote, Attachment: d.Attachment,
		Findings: d.Findings, Page_Check: PageNone, Disagreements: []Disagreement{},
	}
	if r.E_Invoice.Findings == nil {
		r.E_Invoice.Findings = []einvoice.Finding{}
	}
	return r
}

// CheckPage compares the page a person sees with the XML's values: the
// total (BT-112, or the amount due BT-115), the issue date and the invoice
// number must each be printed on it. A value the page does not print is a
// Disagreement naming what the page shows instead: the printed amount
// nearest to the XML's, the date and number the page's own reading found.
// The result's fields keep the XML's values.
func (r *Result) CheckPage(page extract.Fields, printed extract.Printed, pageText string) {
	e := r.E_Invoice
	if e == nil {
		return
	}
	e.Disagreements = []Disagreement{}
	if len(alnum(pageText)) < minPageText {
		// Nothing to compare with: a page drawn with fonts that give no
		// text, and no image to read either.
		e.Page_Check = PageUnread
		return
	}
	total := math.Abs(r.Total)
	due := math.Abs(r.Balance_Due)
	if total != 0 && !printsAmount(printed.Amounts, total) && (due == 0 || !printsAmount(printed.Amounts, due)) {
		d := Disagreement{Field: "Total", BT: "BT-112", XML: strconv.FormatFloat(total, 'f', 2, 64)}
		if v, ok := nearest(printed.Amounts, total); ok {
			d.Page = strconv.FormatFloat(v, 'f', 2, 64)
		}
		e.Disagreements = append(e.Disagreements, d)
	}
	if r.Date != "" && !contains(printed.Dates, r.Date) {
		e.Disagreements = append(e.Disagreements, Disagreement{Field: "Date", BT: "BT-2", XML: r.Date, Page: page.Date})
	}
	if r.Invoice_Number != "" && !strings.Contains(alnum(pageText), alnum(r.Invoice_Number)) {
		e.Disagreements = append(e.Disagreements, Disagreement{Field: "Invoice_Number", BT: "BT-1", XML: r.Invoice_Number, Page: page.InvoiceNumber})
	}
	e.Page_Check = PageAgrees
	if len(e.Disagreements) > 0 {
		e.Page_Check = PageDisagrees
	}
}

// PageTotal is the total as the page shows it: the page's value where
// the page check found it disagreeing with the XML, else Total.
func (r Result) PageTotal() float64 {
	if r.E_Invoice != nil {
		for _, d := range r.E_Invoice.Disagreements {
			if d.Field == "Total" && d.Page != "" {
				v, err := strconv.ParseFloat(d.Page, 64)
				if err == nil {
					if r.Total < 0 {
						v = -v
					}
					return v
				}
			}
		}
	}
	return r.Total
}

func printsAmount(amounts []float64, v float64) bool {
	for _, a := range amounts {
		if math.Abs(a-v) < 0.005 {
			return true
		}
	}
	return false
}

// nearest is the amount closest to v, if one is within 10% of it (a
// misprint, not another amount of the invoice).
func nearest(amounts []float64, v float64) (float64, bool) {
	best, ok := 0.0, false
	for _, a := range amounts {
		if math.Abs(a-v) <= 0.1*v && (!ok || math.Abs(a-v) < math.Abs(best-v)) {
			best, ok = a, true
		}
	}
	return best, ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// alnum keeps a text's letters and digits, upper-cased.
func alnum(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paymentType names a UNTDID 4461 payment means code.
func paymentType(code, text string) string {
	switch code {
	case "10":
		return "Cash"
	case "20":
		return "Cheque"
	case "30", "31", "42":
		return "Credit Transfer"
	case "58":
		return "SEPA Credit Transfer"
	case "48", "54", "55":
		return "Card"
	case "49":
		return "Direct Debit"
	case "59":
		return "SEPA Direct Debit"
	case "57":
		return "Standing Agreement"
	case "97":
		return "Clearing"
	}
	if text != "" {
		return text
	}
	return code
}

// taxName names a VAT category (UNCL 5305).
func taxName(cat string) string {
	switch cat {
	case "S", "":
		return "VAT"
	case "Z":
		return "VAT zero rated"
	case "E":
		return "VAT exempt"
	case "AE":
		return "VAT reverse charge"
	case "K":
		return "VAT intra-community supply"
	case "G":
		return "VAT export"
	case "O":
		return "not subject to VAT"
	case "L":
		return "IGIC (Canary Islands)"
	case "M":
		return "IPSI (Ceuta and Melilla)"
	}
	return "VAT " + cat
}

// shipping tells whether a document-level charge is for delivery: the
// UNCL 7161 codes for freight, packing and delivery, or a reason that
// says so.
func shipping(ac einvoice.AllowanceCharge) bool {
	switch ac.ReasonCode {
	case "FC", "DL", "PC": // freight, delivery, packing
		return true
	}
	reason := strings.ToLower(ac.Reason)
	for _, w := range []string{"fracht", "versand", "porto", "liefer", "shipping", "freight", "delivery", "postage", "transport", "livraison", "frais de port", "verpackung", "packing"} {
		if strings.Contains(reason, w) {
			return true
		}
	}
	return false
}
