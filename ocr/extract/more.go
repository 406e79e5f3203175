package extract

// More is what a receipt or an invoice shows beyond the core fields: the
// rest of the keys of Photon's result. Each is found by its own rules, in
// its own file (contact.go, taxlines.go, parties.go, payment.go, ...), from
// the same layout the core fields are read from. Missing strings are "",
// missing numbers 0.
type More struct {
	BalanceDue float64
	Shipping   float64
	Cashback   float64

	PONumber     string
	DueDate      string // yyyy-MM-dd
	OrderDate    string // yyyy-MM-dd
	PaymentTerms string
	PaymentType  string // "Cash", "Visa", "MasterCard", ...
	CardNumber   string // masked: only the last four digits shown
	Category     string

	VendorEmail     string
	VendorWebsite   string
	VendorFax       string
	VatNumber       string
	VendorABN       string
	VendorIBAN      string
	VendorSwift     string
	AllEmails       string
	VendorAddrLine  string
	VendorCity      string
	VendorState     string
	VendorZipcode   string
	VendorCountry   string
	BillToName      string
	BillToAddress   string
	BillToAddrLine  string
	BillToCity      string
	BillToState     string
	BillToZipcode   string
	BillToVatNumber string
	BillToEmail     string
	ShipToName      string
	ShipToAddress   string

	TaxLines []TaxLine
}

// TaxLine is one tax rate of the document and what it charged.
type TaxLine struct {
	Name  string
	Rate  float64 // percent
	Base  float64
	Total float64
}

// findMore fills More from the layout and the core fields already found.
func findMore(lay *layout, f *Fields) More {
	var m More
	bill := findParty(lay, billLabel)
	ship := findParty(lay, shipLabel)
	m.BillToName, m.BillToAddress = bill.name, bill.address
	m.ShipToName, m.ShipToAddress = ship.name, ship.address
	customer := map[int]bool{}
	for _, b := range []partyBlock{bill, ship} {
		for k := range b.rows {
			customer[k] = true
		}
	}
	findContacts(lay, &m, customer)
	findAmounts(lay, f, &m)
	findPayment(lay, &m)
	findTerms(lay, f, &m, decideDayFirst(lay, f.CurrencyCode))
	m.TaxLines = findTaxLines(lay, f)
	m.Category = findCategory(lay, f)
	v := splitPostal(f.VendorAddress)
	m.VendorAddrLine, m.VendorCity, m.VendorState, m.VendorZipcode, m.VendorCountry = v.line, v.city, v.state, v.zip, v.country
	b := splitPostal(m.BillToAddress)
	m.BillToAddrLine, m.BillToCity, m.BillToState, m.BillToZipcode = b.line, b.city, b.state, b.zip
	for i := range f.LineItems {
		it := &f.LineItems[i]
		if it.Date == "" {
			if ds := findDates(it.Description); len(ds) > 0 {
				it.Date = ds[0].iso(decideDayFirst(lay, f.CurrencyCode))
			}
		}
		if it.TaxRate == 0 {
			if p := rePercent.FindStringSubmatch(it.Description); p != nil {
				if rate, ok := ParseAmount(p[1]); ok && rate > 0 && rate <= 30 {
					it.TaxRate = rate
				}
			}
		}
	}
	return m
}
