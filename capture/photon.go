package capture

import (
	"strings"

	"tillroll/ocr/extract"
)

// Photon holds the keys of Photon's documented receipt and invoice result
// that the first Result did not have. It is embedded in Result, so its
// keys sit flat in the "data" object beside the others. Every key is
// always present: "" or 0 when the document does not show it, [] for
// Tax_Lines.
type Photon struct {
	Balance_Due           float64   `json:"Balance_Due"`
	Shipping              float64   `json:"Shipping"`
	Cashback              float64   `json:"Cashback"`
	Check_Number          string    `json:"Check_Number"`
	PO_Number             string    `json:"PO_Number"`
	Order_Date            string    `json:"Order_Date"`
	Due_Date              string    `json:"Due_Date"`
	Ship_Date             string    `json:"Ship_Date"`
	Delivery_Date         string    `json:"Delivery_Date"`
	Service_Start_Date    string    `json:"Service_Start_Date"`
	Service_End_Date      string    `json:"Service_End_Date"`
	Category              string    `json:"Category"`
	Payment_Terms         string    `json:"Payment_Terms"`
	Account_Number        string    `json:"Account_Number"`
	Bill_To_Name          string    `json:"Bill_To_Name"`
	Bill_To_Recipient     string    `json:"Bill_To_Recipient"`
	Bill_To_Address       string    `json:"Bill_To_Address"`
	Bill_To_Address_Line  string    `json:"Bill_To_Address_Line"`
	Bill_To_City          string    `json:"Bill_To_City"`
	Bill_To_State         string    `json:"Bill_To_State"`
	Bill_To_Zipcode       string    `json:"Bill_To_Zipcode"`
	Bill_To_Vat_Number    string    `json:"Bill_To_Vat_Number"`
	Bill_To_Email         string    `json:"Bill_To_Email"`
	Card_Number           string    `json:"Card_Number"`
	Payment_Display_Name  string    `json:"Payment_Display_Name"`
	Payment_Type          string    `json:"Payment_Type"`
	Phone_Number          string    `json:"Phone_Number"`
	Vat_Number            string    `json:"Vat_Number"`
	Vendor_Raw_Name       string    `json:"Vendor_Raw_Name"`
	Vendor_Recipient      string    `json:"Vendor_Recipient"`
	Vendor_Email          string    `json:"Vendor_Email"`
	Vendor_Address_Line   string    `json:"Vendor_Address_Line"`
	Vendor_City           string    `json:"Vendor_City"`
	Vendor_State          string    `json:"Vendor_State"`
	Vendor_Zipcode        string    `json:"Vendor_Zipcode"`
	Vendor_Country        string    `json:"Vendor_Country"`
	Vendor_Type           string    `json:"Vendor_Type"`
	Vendor_Fax            string    `json:"Vendor_Fax"`
	Vendor_Website        string    `json:"Vendor_Website"`
	Vendor_ABN_Number     string    `json:"Vendor_ABN_Number"`
	Vendor_Bank_Name      string    `json:"Vendor_Bank_Name"`
	Vendor_Bank_Number    string    `json:"Vendor_Bank_Number"`
	Vendor_Bank_Swift     string    `json:"Vendor_Bank_Swift"`
	Vendor_IBAN           string    `json:"Vendor_IBAN"`
	Vendor_Account_Number string    `json:"Vendor_Account_Number"`
	Remit_To_Name         string    `json:"Remit_To_Name"`
	Remit_To_Address      string    `json:"Remit_To_Address"`
	All_Email_Addresses   string    `json:"All_Email_Addresses"`
	Ship_To_Name          string    `json:"Ship_To_Name"`
	Ship_To_Address       string    `json:"Ship_To_Address"`
	Carrier               string    `json:"Carrier"`
	Tracking_Number       string    `json:"Tracking_Number"`
	Notes                 string    `json:"Notes"`
	Reference_Number      string    `json:"Reference_Number"`
	Fraud_Score           int       `json:"Fraud_Score"`
	Risk_Score            int       `json:"Risk_Score"`
	Anomaly_Score         int       `json:"Anomaly_Score"`
	Tax_Lines             []TaxLine `json:"Tax_Lines"`
	// PhotonKey and DocPath name the document and its original. The store
	// sets them when it shows a result (store.Document.Data).
	PhotonKey string `json:"photon_key"`
	DocPath   string `json:"doc_path"`
}

// TaxLine is one tax of the document: one per rate printed.
type TaxLine struct {
	Name  string  `json:"Name"`
	Order int     `json:"Order"` // 1-based, in the order printed
	Rate  float64 `json:"Rate"`  // percent: 19 for 19%
	Base  float64 `json:"Base"`  // what the rate was applied to
	Total float64 `json:"Total"` // the tax charged
}

// Photon's spelling of the document types.
const (
	TypeReceipt = "Receipt"
	TypeInvoice = "Invoice"
)

// DocumentType is Photon's spelling of a document type: "Receipt",
// "Invoice", or the type as given with its first letter upper case.
func DocumentType(t string) string {
	switch strings.ToLower(t) {
	case "", "receipt", "receipt-expense":
		return TypeReceipt
	case "invoice":
		return TypeInvoice
	}
	return strings.ToUpper(t[:1]) + t[1:]
}

// Complete is r with every list present ([] rather than null) and the
// document type spelled as Photon spells it, so that a result read before
// these keys existed shows them too.
func (r Result) Complete() Result {
	if r.Line_Items == nil {
		r.Line_Items = []LineItem{}
	}
	if r.Tax_Lines == nil {
		r.Tax_Lines = []TaxLine{}
	}
	if r.Status == StatusCompleted {
		r.Document_Type = DocumentType(r.Document_Type)
	}
	return r
}

// photonFields are Photon's other keys as extraction found them.
func photonFields(f extract.Fields) Photon {
	m := f.More
	p := Photon{
		Balance_Due:          round2(m.BalanceDue),
		Shipping:             round2(m.Shipping),
		Cashback:             round2(m.Cashback),
		PO_Number:            m.PONumber,
		Order_Date:           m.OrderDate,
		Due_Date:             m.DueDate,
		Category:             m.Category,
		Payment_Terms:        m.PaymentTerms,
		Payment_Type:         m.PaymentType,
		Card_Number:          m.CardNumber,
		Bill_To_Name:         m.BillToName,
		Bill_To_Address:      m.BillToAddress,
		Bill_To_Address_Line: m.BillToAddrLine,
		Bill_To_City:         m.BillToCity,
		Bill_To_State:        m.BillToState,
		Bill_To_Zipcode:      m.BillToZipcode,
		Bill_To_Vat_Number:   m.BillToVatNumber,
		Bill_To_Email:        m.BillToEmail,
		Vat_Number:           m.VatNumber,
		Vendor_Raw_Name:      f.VendorName,
		Vendor_Email:         m.VendorEmail,
		Vendor_Address_Line:  m.VendorAddrLine,
		Vendor_City:          m.VendorCity,
		Vendor_State:         m.VendorState,
		Vendor_Zipcode:       m.VendorZipcode,
		Vendor_Country:       m.VendorCountry,
		Vendor_Fax:           m.VendorFax,
		Vendor_Website:       m.VendorWebsite,
		Vendor_ABN_Number:    m.VendorABN,
		Vendor_Bank_Swift:    m.VendorSwift,
		Vendor_IBAN:          m.VendorIBAN,
		All_Email_Addresses:  m.AllEmails,
		Ship_To_Name:         m.ShipToName,
		Ship_To_Address:      m.ShipToAddress,
		Tax_Lines:            make([]TaxLine, 0, len(m.TaxLines)),
	}
	for i, t := range m.TaxLines {
		p.Tax_Lines = append(p.Tax_Lines, TaxLine{Name: t.Name, Order: i + 1, Rate: t.Rate, Base: round2(t.Base), Total: round2(t.Total)})
	}
	return p
}
