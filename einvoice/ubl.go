package einvoice

import "strings"

// UBL 2.1 root namespaces.
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
)

// readUBL maps a UBL 2.1 Invoice or CreditNote (XRechnung UBL, Peppol BIS
// Billing 3.0).
func readUBL(root *node) *Invoice {
	b := newBuilder(SyntaxUBL, "UBL 2.1")
	inv := b.inv
	credit := root.name == "CreditNote"

	inv.Guideline = b.text("BT-24", root.at("CustomizationID"))
	inv.BusinessProcess = b.text("BT-23", root.at("ProfileID"))
	inv.Number = b.text("BT-1", root.at("ID"))
	inv.IssueDate = b.ublDate("BT-2", root.at("IssueDate"))
	inv.DueDate = b.ublDate("BT-9", root.at("DueDate"))
	inv.TypeCode = b.text("BT-3", root.at("InvoiceTypeCode|CreditNoteTypeCode"))
	for _, n := range root.all("Note") {
		if s := b.text("BT-22", n); s != "" {
			inv.Notes = append(inv.Notes, s)
		}
	}
	inv.Currency = b.text("BT-5", root.at("DocumentCurrencyCode"))
	inv.BuyerReference = b.text("BT-10", root.at("BuyerReference"))
	inv.OrderReference = b.text("BT-13", root.at("OrderReference", "ID"))
	period := root.at("InvoicePeriod")
	inv.PeriodStart = b.ublDate("BT-73", period.at("StartDate"))
	inv.PeriodEnd = b.ublDate("BT-74", period.at("EndDate"))
	inv.Seller = b.ublParty(root.at("AccountingSupplierParty", "Party"), sellerTerms)
	inv.Buyer = b.ublParty(root.at("AccountingCustomerParty", "Party"), buyerTerms)
	inv.DeliveryDate = b.ublDate("BT-72", root.at("Delivery", "ActualDeliveryDate"))

	for _, pm := range root.all("PaymentMeans") {
		code := pm.at("PaymentMeansCode")
		m := PaymentMeans{
			Code: b.text("BT-81", code),
			Text: code.attr("name"),
		}
		if m.Text != "" {
			b.mark("BT-82")
		}
		acct := pm.at("PayeeFinancialAccount")
		m.IBAN = b.text("BT-84", acct.at("ID"))
		m.AccountName = b.text("BT-85", acct.at("Name"))
		m.BIC = b.text("BT-86", acct.at("FinancialInstitutionBranch", "ID"))
		m.Mandate = b.text("BT-89", pm.at("PaymentMandate", "ID"))
		m.DebitIBAN = b.text("BT-91", pm.at("PaymentMandate", "PayerFinancialAccount", "ID"))
		if inv.DueDate == "" {
			// A UBL CreditNote gives its due date here.
			inv.DueDate = b.ublDate("BT-9", pm.at("PaymentDueDate"))
		}
		inv.PaymentMeans = append(inv.PaymentMeans, m)
	}
	for _, pt := range root.all("PaymentTerms") {
		if s := b.text("BT-20", pt.at("Note")); s != "" {
			if inv.PaymentTerms != "" {
				inv.PaymentTerms += "\n"
			}
			inv.PaymentTerms += s
		}
	}
	for _, ac := range root.all("AllowanceCharge") {
		inv.AllowancesCharges = append(inv.AllowancesCharges, b.ublAllowanceCharge(ac))
	}
	// BT-110 is the TaxTotal in the document currency; another TaxTotal
	// may give the VAT in the accounting currency (BT-111), without
	// subtotals.
	for _, tt := range root.all("TaxTotal") {
		amt := tt.at("TaxAmount")
		if c := amt.attr("currencyID"); c != "" && inv.Currency != "" && c != inv.Currency {
			continue
		}
		inv.TaxTotal = b.amount("BT-110", amt)
		for _, st := range tt.all("TaxSubtotal") {
			cat := st.at("TaxCategory")
			tax := Tax{
				Base:            b.amount("BT-116", st.at("TaxableAmount")),
				Amount:          b.amount("BT-117", st.at("TaxAmount")),
				Category:        b.text("BT-118", cat.at("ID")),
				ExemptionReason: b.text("BT-120", cat.at("TaxExemptionReason")),
			}
			if r := cat.at("Percent"); r != nil && r.text != "" {
				tax.Rate, tax.HasRate = b.amount("BT-119", r), true
			}
			inv.Taxes = append(inv.Taxes, tax)
		}
		break
	}
	sum := root.at("LegalMonetaryTotal")
	inv.LineTotal = b.amount("BT-106", sum.at("LineExtensionAmount"))
	inv.AllowanceTotal = b.amount("BT-107", sum.at("AllowanceTotalAmount"))
	inv.ChargeTotal = b.amount("BT-108", sum.at("ChargeTotalAmount"))
	inv.TaxBasis = b.amount("BT-109", sum.at("TaxExclusiveAmount"))
	inv.GrandTotal = b.amount("BT-112", sum.at("TaxInclusiveAmount"))
	inv.Prepaid = b.amount("BT-113", sum.at("PrepaidAmount"))
	inv.Rounding = b.amount("BT-114", sum.at("PayableRoundingAmount"))
	inv.DuePayable = b.amount("BT-115", sum.at("PayableAmount"))

	for _, li := range root.all("InvoiceLine", "CreditNoteLine") {
		inv.Lines = append(inv.Lines, b.ublLine(li))
	}
	inv.CreditNote = credit || creditNoteCodes[inv.TypeCode]
	inv.Profile = profileName(inv.Guideline)
	return inv
}

func (b *builder) ublParty(n *node, t partyTerms) Party {
	if n == nil {
		return Party{}
	}
	addr := n.at("PostalAddress")
	legal := n.at("PartyLegalEntity")
	p := Party{
		Name:        b.text(t.name, legal.at("RegistrationName")),
		TradingName: b.text(t.trading, n.at("PartyName", "Name")),
		City:        b.text(t.city, addr.at("CityName")),
		PostCode:    b.text(t.zip, addr.at("PostalZone")),
		Subdivision: b.text(t.sub, addr.at("CountrySubentity")),
		Country:     b.text(t.country, addr.at("Country", "IdentificationCode")),
		LegalID:     b.text(t.legal, legal.at("CompanyID")),
		Endpoint:    b.text(t.endpoint, n.at("EndpointID")),
	}
	if p.Name == "" {
		// Peppol requires the legal name; older UBL gives only PartyName.
		p.Name = p.TradingName
	}
	for _, l := range []struct{ bt, name string }{{t.line1, "StreetName"}, {t.line2, "AdditionalStreetName"}} {
		if s := b.text(l.bt, addr.at(l.name)); s != "" {
			p.Lines = append(p.Lines, s)
		}
	}
	if s := b.text(t.line3, addr.at("AddressLine", "Line")); s != "" {
		p.Lines = append(p.Lines, s)
	}
	if c := n.at("Contact"); c != nil {
		p.Contact = b.text(t.contact, c.at("Name"))
		p.Phone = b.text(t.phone, c.at("Telephone"))
		p.Email = b.text(t.email, c.at("ElectronicMail"))
	}
	for _, ts := range n.all("PartyTaxScheme") {
		id := ts.at("CompanyID")
		if strings.EqualFold(ts.str("TaxScheme", "ID"), "VAT") {
			p.VATID = b.text(t.vat, id)
		} else {
			p.TaxID = b.text(t.tax, id)
		}
	}
	return p
}

func (b *builder) ublAllowanceCharge(n *node) AllowanceCharge {
	ac := AllowanceCharge{Charge: strings.EqualFold(n.str("ChargeIndicator"), "true")}
	bt := func(allowance, charge string) string {
		if ac.Charge {
			return charge
		}
		return allowance
	}
	ac.Amount = b.amount(bt("BT-92", "BT-99"), n.at("Amount"))
	ac.Base = b.amount(bt("BT-93", "BT-100"), n.at("BaseAmount"))
	ac.Percent = b.amount(bt("BT-94", "BT-101"), n.at("MultiplierFactorNumeric"))
	ac.Reason = b.text(bt("BT-97", "BT-104"), n.at("AllowanceChargeReason"))
	ac.ReasonCode = b.text(bt("BT-98", "BT-105"), n.at("AllowanceChargeReasonCode"))
	ac.TaxCategory = b.text(bt("BT-95", "BT-102"), n.at("TaxCategory", "ID"))
	ac.TaxRate = b.amount(bt("BT-96", "BT-103"), n.at("TaxCategory", "Percent"))
	return ac
}

func (b *builder) ublLine(n *node) Line {
	item := n.at("Item")
	qty := n.at("InvoicedQuantity|CreditedQuantity")
	price := n.at("Price")
	l := Line{
		ID:          b.text("BT-126", n.at("ID")),
		Name:        b.text("BT-153", item.at("Name")),
		Description: b.text("BT-154", item.at("Description")),
		SellerID:    b.text("BT-155", item.at("SellersItemIdentification", "ID")),
		BuyerID:     b.text("BT-156", item.at("BuyersItemIdentification", "ID")),
		StandardID:  b.text("BT-157", item.at("StandardItemIdentification", "ID")),
		Quantity:    b.amount("BT-129", qty),
		Unit:        qty.attr("unitCode"),
		NetPrice:    b.amount("BT-146", price.at("PriceAmount")),
		TaxCategory: b.text("BT-151", item.at("ClassifiedTaxCategory", "ID")),
		TaxRate:     b.amount("BT-152", item.at("ClassifiedTaxCategory", "Percent")),
	}
	if l.Unit != "" {
		b.mark("BT-130")
	}
	l.PriceBaseQty = b.amount("BT-149", price.at("BaseQuantity"))
	amt := n.at("LineExtensionAmount")
	l.HasAmount = amt != nil && amt.text != ""
	l.Amount = b.amount("BT-131", amt)
	for _, ac := range n.all("AllowanceCharge") {
		v, _ := parseDecimal(ac.str("Amount"))
		if strings.EqualFold(ac.str("ChargeIndicator"), "true") {
			l.Charge += v
		} else {
			l.Allowance += v
		}
	}
	return l
}
