// Package einvoice reads e-invoices: the machine-readable invoice XML of
// Factur-X / ZUGFeRD (embedded in a PDF) and XRechnung / Peppol BIS
// Billing 3.0 (the XML alone), in both syntaxes of EN 16931: UN/CEFACT
// Cross Industry Invoice (CII, including ZUGFeRD 1.0's
// CrossIndustryDocument) and UBL 2.1 Invoice and CreditNote.
//
// It is the first step of the reading stage: where a document carries
// such an XML, its fields are read from it exactly, and OCR only reads the
// page to check the picture against the data. The XML is parsed with
// encoding/xml under limits (size, depth, element count), never with a DTD,
// so no entity is expanded and nothing is fetched from disk or network.
//
// Business terms are named by their EN 16931 numbers (BT-1 the invoice
// number, BT-112 the amount with VAT, ...), as the findings of Validate are.
package einvoice

import "errors"

// Errors for input that can never be read. Callers match them with
// errors.Is.
var (
	// ErrMalformed is an XML that is not well-formed, has a DTD, or is
	// not an invoice in a syntax this package reads.
	ErrMalformed = errors.New("the e-invoice XML cannot be read")
	// ErrTooLarge is an XML (or an attachment) past the Limits.
	ErrTooLarge = errors.New("the e-invoice XML is too large")
	// ErrAttachment is a PDF attachment named as an e-invoice that cannot
	// be taken out: an unknown encoding, or a declared size it does not
	// have.
	ErrAttachment = errors.New("the PDF's e-invoice attachment cannot be read")
)

// Syntaxes.
const (
	SyntaxCII = "CII" // UN/CEFACT Cross Industry Invoice (and ZUGFeRD 1.0)
	SyntaxUBL = "UBL" // OASIS UBL 2.1
)

// Invoice is what an e-invoice says, in EN 16931's terms. Amounts are as
// written in the XML: a credit note's are positive, with CreditNote set.
type Invoice struct {
	Syntax string // SyntaxCII or SyntaxUBL
	// Version is the root's format: "ZUGFeRD 1.0", "CII D16B", "UBL 2.1".
	Version string
	// Guideline is BT-24 as written (the specification identifier), and
	// Profile its readable name ("EN 16931", "XRechnung 3.0", "EXTENDED").
	Guideline string
	Profile   string
	// BusinessProcess is BT-23 (Peppol's "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0").
	BusinessProcess string

	Number     string // BT-1
	TypeCode   string // BT-3: 380 invoice, 381 credit note, ...
	CreditNote bool   // BT-3 is a credit note, or a UBL CreditNote
	IssueDate  string // BT-2, yyyy-mm-dd
	DueDate    string // BT-9, yyyy-mm-dd
	Currency   string // BT-5
	Notes      []string

	BuyerReference string // BT-10
	OrderReference string // BT-13 (the buyer's purchase order)
	PaymentTerms   string // BT-20

	DeliveryDate string // BT-72, yyyy-mm-dd
	PeriodStart  string // BT-73
	PeriodEnd    string // BT-74

	Seller Party // BG-4
	Buyer  Party // BG-7

	PaymentMeans []PaymentMeans // BG-16

	LineTotal      float64 // BT-106: sum of the lines' net amounts
	AllowanceTotal float64 // BT-107
	ChargeTotal    float64 // BT-108
	TaxBasis       float64 // BT-109: total without VAT
	TaxTotal       float64 // BT-110
	GrandTotal     float64 // BT-112: total with VAT
	Prepaid        float64 // BT-113
	Rounding       float64 // BT-114
	DuePayable     float64 // BT-115: amount due

	Taxes             []Tax             // BG-23, one per VAT category and rate
	AllowancesCharges []AllowanceCharge // BG-20 and BG-21, document level
	Lines             []Line            // BG-25

	// present holds the business terms the XML gives (by BT number).
	present map[string]bool
	// invalid are values that could not be read (a date that does not
	// exist, an amount that is not a number), reported by Validate.
	invalid []Finding
}

// Has tells whether the XML gives business term bt ("BT-112").
func (inv *Invoice) Has(bt string) bool { return inv.present[bt] }

// Party is a seller (BG-4) or buyer (BG-7).
type Party struct {
	Name        string   // BT-27 / BT-44: the legal name
	TradingName string   // BT-28 / BT-45
	Lines       []string // BT-35, BT-36, BT-162 / BT-50, BT-51, BT-163
	City        string   // BT-37 / BT-52
	PostCode    string   // BT-38 / BT-53
	Subdivision string   // BT-39 / BT-54
	Country     string   // BT-40 / BT-55 (ISO 3166-1 alpha-2)
	VATID       string   // BT-31 / BT-48
	TaxID       string   // BT-32 (the seller's tax registration)
	LegalID     string   // BT-30 / BT-47
	Contact     string   // BT-41 / BT-56
	Phone       string   // BT-42 / BT-57
	Email       string   // BT-43 / BT-58
	Endpoint    string   // BT-34 / BT-49: the electronic address
}

// Address is the party's address on one line: street lines, then post code
// and city ("Flugzeugallee 17, 12345 Papierfeld"), without the country.
func (p Party) Address() string {
	parts := append([]string{}, p.Lines...)
	city := p.PostCode
	if p.City != "" {
		if city != "" {
			city += " "
		}
		city += p.City
	}
	if city != "" {
		parts = append(parts, city)
	}
	out := ""
	for _, s := range parts {
		if s == "" {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += s
	}
	return out
}

// PaymentMeans is one BG-16.
type PaymentMeans struct {
	Code        string // BT-81: UNTDID 4461 (58 SEPA credit transfer, 30 credit transfer, 59 SEPA direct debit, 48 card, 10 cash, ...)
	Text        string // BT-82
	IBAN        string // BT-84 (the payee's account)
	AccountName string // BT-85
	BIC         string // BT-86
	Mandate     string // BT-89
	DebitIBAN   string // BT-91 (the buyer's account for a direct debit)
}

// Tax is one VAT breakdown (BG-23).
type Tax struct {
	Category        string  // BT-118: S, Z, E, AE, K, G, O, L, M
	Rate            float64 // BT-119, percent
	HasRate         bool
	Base            float64 // BT-116
	Amount          float64 // BT-117
	ExemptionReason string  // BT-120
}

// AllowanceCharge is one document-level allowance (BG-20) or charge (BG-21).
type AllowanceCharge struct {
	Charge      bool    // true for a charge (BG-21), false for an allowance (BG-20)
	Amount      float64 // BT-92 / BT-99
	Base        float64 // BT-93 / BT-100
	Percent     float64 // BT-94 / BT-101
	Reason      string  // BT-97 / BT-104
	ReasonCode  string  // BT-98 / BT-105
	TaxCategory string  // BT-95 / BT-102
	TaxRate     float64 // BT-96 / BT-103
}

// Line is one invoice line (BG-25).
type Line struct {
	ID           string  // BT-126
	Name         string  // BT-153
	Description  string  // BT-154
	SellerID     string  // BT-155: the seller's article id
	BuyerID      string  // BT-156
	StandardID   string  // BT-157 (a GTIN, say)
	Quantity     float64 // BT-129
	Unit         string  // BT-130: UN/ECE Recommendation 20 (C62 one, H87 piece, HUR hour, KGM kilogram)
	NetPrice     float64 // BT-146
	PriceBaseQty float64 // BT-149 (1 when not given)
	Amount       float64 // BT-131: the line's net amount
	TaxCategory  string  // BT-151
	TaxRate      float64 // BT-152
	HasAmount    bool
	// Allowances and charges on the line (BG-27, BG-28), summed.
	Allowance, Charge float64
}
