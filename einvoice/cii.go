package einvoice

import "strings"

// CII root namespaces.
const (
	nsCII    = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
	nsZF1    = "urn:ferd:CrossIndustryDocument:invoice:1p0"
	nsCIIOld = "urn:un:unece:uncefact:data:standard:CrossIndustryDocument" // prefix of older drafts
)

// readCII maps a CII tree: ZUGFeRD 2.x, Factur-X and XRechnung's
// CrossIndustryInvoice (D16B), and ZUGFeRD 1.0's CrossIndustryDocument,
// whose elements have other names for the same terms (the "|"
// alternatives below: D16B first, ZUGFeRD 1.0 second).
func readCII(root *node) *Invoice {
	version := "CII D16B"
	if root.name == "CrossIndustryDocument" {
		version = "ZUGFeRD 1.0"
	}
	b := newBuilder(SyntaxCII, version)
	inv := b.inv

	ctx := root.at("ExchangedDocumentContext|SpecifiedExchangedDocumentContext")
	inv.BusinessProcess = b.text("BT-23", ctx.at("BusinessProcessSpecifiedDocumentContextParameter", "ID"))
	inv.Guideline = b.text("BT-24", ctx.at("GuidelineSpecifiedDocumentContextParameter", "ID"))

	doc := root.at("ExchangedDocument|HeaderExchangedDocument")
	inv.Number = b.text("BT-1", doc.at("ID"))
	inv.TypeCode = b.text("BT-3", doc.at("TypeCode"))
	inv.IssueDate = b.ciiDate("BT-2", doc.at("IssueDateTime"))
	for _, n := range doc.all("IncludedNote") {
		if s := b.text("BT-22", n.at("Content")); s != "" {
			inv.Notes = append(inv.Notes, s)
		}
	}

	tx := root.at("SupplyChainTradeTransaction|SpecifiedSupplyChainTradeTransaction")
	agr := tx.at("ApplicableHeaderTradeAgreement|ApplicableSupplyChainTradeAgreement")
	inv.BuyerReference = b.text("BT-10", agr.at("BuyerReference"))
	inv.OrderReference = b.text("BT-13", agr.at("BuyerOrderReferencedDocument", "IssuerAssignedID|ID"))
	inv.Seller = b.ciiParty(agr.at("SellerTradeParty"), sellerTerms)
	inv.Buyer = b.ciiParty(agr.at("BuyerTradeParty"), buyerTerms)

	del := tx.at("ApplicableHeaderTradeDelivery|ApplicableSupplyChainTradeDelivery")
	inv.DeliveryDate = b.ciiDate("BT-72", del.at("ActualDeliverySupplyChainEvent", "OccurrenceDateTime"))

	set := tx.at("ApplicableHeaderTradeSettlement|ApplicableSupplyChainTradeSettlement")
	inv.Currency = b.text("BT-5", set.at("InvoiceCurrencyCode"))
	period := set.at("BillingSpecifiedPeriod")
	inv.PeriodStart = b.ciiDate("BT-73", period.at("StartDateTime"))
	inv.PeriodEnd = b.ciiDate("BT-74", period.at("EndDateTime"))
	for _, pm := range set.all("SpecifiedTradeSettlementPaymentMeans") {
		m := PaymentMeans{
			Code:        b.text("BT-81", pm.at("TypeCode")),
			Text:        b.text("BT-82", pm.at("Information")),
			IBAN:        b.text("BT-84", pm.at("PayeePartyCreditorFinancialAccount", "IBANID")),
			AccountName: b.text("BT-85", pm.at("PayeePartyCreditorFinancialAccount", "AccountName")),
			BIC:         b.text("BT-86", pm.at("PayeeSpecifiedCreditorFinancialInstitution", "BICID")),
			DebitIBAN:   b.text("BT-91", pm.at("PayerPartyDebtorFinancialAccount", "IBANID")),
		}
		if m.IBAN == "" {
			m.IBAN = b.text("BT-84", pm.at("PayeePartyCreditorFinancialAccount", "ProprietaryID"))
		}
		inv.PaymentMeans = append(inv.PaymentMeans, m)
	}
	for _, t := range set.all("ApplicableTradeTax") {
		tax := Tax{
			Amount:          b.amount("BT-117", t.at("CalculatedAmount")),
			Base:            b.amount("BT-116", t.at("BasisAmount")),
			Category:        b.text("BT-118", t.at("CategoryCode")),
			ExemptionReason: b.text("BT-120", t.at("ExemptionReason")),
		}
		if r := t.at("RateApplicablePercent|ApplicablePercent"); r != nil && r.text != "" {
			tax.Rate, tax.HasRate = b.amount("BT-119", r), true
		}
		if tax.Category == "" && t.str("TypeCode") == "VAT" && inv.Version == "ZUGFeRD 1.0" {
			// ZUGFeRD 1.0 BASIC has no category: a rate above 0 is standard.
			if tax.Rate > 0 {
				tax.Category = "S"
			}
		}
		inv.Taxes = append(inv.Taxes, tax)
	}
	for _, ac := range set.all("SpecifiedTradeAllowanceCharge") {
		inv.AllowancesCharges = append(inv.AllowancesCharges, b.ciiAllowanceCharge(ac))
	}
	for _, lc := range set.all("SpecifiedLogisticsServiceCharge") {
		// ZUGFeRD 1.0 and EXTENDED: freight and other logistics charges.
		inv.AllowancesCharges = append(inv.AllowancesCharges, AllowanceCharge{
			Charge:      true,
			Amount:      b.amount("BT-99", lc.at("AppliedAmount")),
			Reason:      b.text("BT-104", lc.at("Description")),
			TaxCategory: lc.str("AppliedTradeTax", "CategoryCode"),
			TaxRate:     b.amount("", lc.at("AppliedTradeTax", "RateApplicablePercent|ApplicablePercent")),
		})
	}
	for _, pt := range set.all("SpecifiedTradePaymentTerms") {
		if s := b.text("BT-20", pt.at("Description")); s != "" {
			if inv.PaymentTerms != "" {
				inv.PaymentTerms += "\n"
			}
			inv.PaymentTerms += s
		}
		if inv.DueDate == "" {
			inv.DueDate = b.ciiDate("BT-9", pt.at("DueDateDateTime"))
		}
		if m := b.text("BT-89", pt.at("DirectDebitMandateID")); m != "" {
			for i := range inv.PaymentMeans {
				inv.PaymentMeans[i].Mandate = m
			}
		}
	}

	sum := set.at("SpecifiedTradeSettlementHeaderMonetarySummation|SpecifiedTradeSettlementMonetarySummation")
	inv.LineTotal = b.amount("BT-106", sum.at("LineTotalAmount"))
	inv.ChargeTotal = b.amount("BT-108", sum.at("ChargeTotalAmount"))
	inv.AllowanceTotal = b.amount("BT-107", sum.at("AllowanceTotalAmount"))
	inv.TaxBasis = b.amount("BT-109", sum.at("TaxBasisTotalAmount"))
	// BT-110 is in the invoice's currency; a second TaxTotalAmount may
	// give the VAT in the accounting currency (BT-111).
	taxTotals := sum.all("TaxTotalAmount")
	if len(taxTotals) > 0 {
		pick := taxTotals[0]
		for _, n := range taxTotals {
			if n.attr("currencyID") == inv.Currency {
				pick = n
				break
			}
		}
		inv.TaxTotal = b.amount("BT-110", pick)
	}
	inv.Rounding = b.amount("BT-114", sum.at("RoundingAmount"))
	inv.GrandTotal = b.amount("BT-112", sum.at("GrandTotalAmount"))
	inv.Prepaid = b.amount("BT-113", sum.at("TotalPrepaidAmount"))
	inv.DuePayable = b.amount("BT-115", sum.at("DuePayableAmount"))

	for _, li := range tx.all("IncludedSupplyChainTradeLineItem") {
		inv.Lines = append(inv.Lines, b.ciiLine(li))
	}
	inv.CreditNote = creditNoteCodes[inv.TypeCode]
	inv.Profile = profileName(inv.Guideline)
	return inv
}

// partyTerms are the BT numbers of one party's fields.
type partyTerms struct {
	name, trading, line1, line2, line3, city, zip, sub, country, vat, tax, legal, contact, phone, email, endpoint string
}

var (
	sellerTerms = partyTerms{"BT-27", "BT-28", "BT-35", "BT-36", "BT-162", "BT-37", "BT-38", "BT-39", "BT-40", "BT-31", "BT-32", "BT-30", "BT-41", "BT-42", "BT-43", "BT-34"}
	buyerTerms  = partyTerms{"BT-44", "BT-45", "BT-50", "BT-51", "BT-163", "BT-52", "BT-53", "BT-54", "BT-55", "BT-48", "", "BT-47", "BT-56", "BT-57", "BT-58", "BT-49"}
)

func (b *builder) ciiParty(n *node, t partyTerms) Party {
	if n == nil {
		return Party{}
	}
	addr := n.at("PostalTradeAddress")
	p := Party{
		Name:        b.text(t.name, n.at("Name")),
		TradingName: b.text(t.trading, n.at("SpecifiedLegalOrganization", "TradingBusinessName")),
		City:        b.text(t.city, addr.at("CityName")),
		PostCode:    b.text(t.zip, addr.at("PostcodeCode")),
		Subdivision: b.text(t.sub, addr.at("CountrySubDivisionName")),
		Country:     b.text(t.country, addr.at("CountryID")),
		LegalID:     b.text(t.legal, n.at("SpecifiedLegalOrganization", "ID")),
		Endpoint:    b.text(t.endpoint, n.at("URIUniversalCommunication", "URIID")),
	}
	for _, l := range []struct{ bt, name string }{{t.line1, "LineOne"}, {t.line2, "LineTwo"}, {t.line3, "LineThree"}} {
		if s := b.text(l.bt, addr.at(l.name)); s != "" {
			p.Lines = append(p.Lines, s)
		}
	}
	if c := n.at("DefinedTradeContact"); c != nil {
		p.Contact = b.text(t.contact, c.at("PersonName|DepartmentName"))
		p.Phone = b.text(t.phone, c.at("TelephoneUniversalCommunication", "CompleteNumber"))
		p.Email = b.text(t.email, c.at("EmailURIUniversalCommunication", "URIID"))
	}
	for _, reg := range n.all("SpecifiedTaxRegistration") {
		id := reg.at("ID")
		switch strings.ToUpper(id.attr("schemeID")) {
		case "VA":
			p.VATID = b.text(t.vat, id)
		case "FC":
			p.TaxID = b.text(t.tax, id)
		}
	}
	return p
}

func (b *builder) ciiAllowanceCharge(n *node) AllowanceCharge {
	ac := AllowanceCharge{Charge: strings.EqualFold(n.str("ChargeIndicator", "Indicator"), "true")}
	bt := func(allowance, charge string) string {
		if ac.Charge {
			return charge
		}
		return allowance
	}
	ac.Amount = b.amount(bt("BT-92", "BT-99"), n.at("ActualAmount"))
	ac.Base = b.amount(bt("BT-93", "BT-100"), n.at("BasisAmount"))
	ac.Percent = b.amount(bt("BT-94", "BT-101"), n.at("CalculationPercent"))
	ac.Reason = b.text(bt("BT-97", "BT-104"), n.at("Reason"))
	ac.ReasonCode = b.text(bt("BT-98", "BT-105"), n.at("ReasonCode"))
	ac.TaxCategory = b.text(bt("BT-95", "BT-102"), n.at("CategoryTradeTax", "CategoryCode"))
	ac.TaxRate = b.amount(bt("BT-96", "BT-103"), n.at("CategoryTradeTax", "RateApplicablePercent|ApplicablePercent"))
	return ac
}

func (b *builder) ciiLine(n *node) Line {
	prod := n.at("SpecifiedTradeProduct")
	agr := n.at("SpecifiedLineTradeAgreement|SpecifiedSupplyChainTradeAgreement")
	del := n.at("SpecifiedLineTradeDelivery|SpecifiedSupplyChainTradeDelivery")
	set := n.at("SpecifiedLineTradeSettlement|SpecifiedSupplyChainTradeSettlement")
	qty := del.at("BilledQuantity")
	l := Line{
		ID:          b.text("BT-126", n.at("AssociatedDocumentLineDocument", "LineID")),
		Name:        b.text("BT-153", prod.at("Name")),
		Description: b.text("BT-154", prod.at("Description")),
		SellerID:    b.text("BT-155", prod.at("SellerAssignedID")),
		BuyerID:     b.text("BT-156", prod.at("BuyerAssignedID")),
		StandardID:  b.text("BT-157", prod.at("GlobalID")),
		Quantity:    b.amount("BT-129", qty),
		Unit:        qty.attr("unitCode"),
		NetPrice:    b.amount("BT-146", agr.at("NetPriceProductTradePrice", "ChargeAmount")),
		TaxCategory: b.text("BT-151", set.at("ApplicableTradeTax", "CategoryCode")),
		TaxRate:     b.amount("BT-152", set.at("ApplicableTradeTax", "RateApplicablePercent|ApplicablePercent")),
	}
	if l.Unit != "" {
		b.mark("BT-130")
	}
	l.PriceBaseQty = b.amount("BT-149", agr.at("NetPriceProductTradePrice", "BasisQuantity"))
	amt := set.at("SpecifiedTradeSettlementLineMonetarySummation|SpecifiedTradeSettlementMonetarySummation", "LineTotalAmount")
	l.HasAmount = amt != nil && amt.text != ""
	l.Amount = b.amount("BT-131", amt)
	for _, ac := range set.all("SpecifiedTradeAllowanceCharge") {
		v, _ := parseDecimal(ac.str("ActualAmount"))
		if strings.EqualFold(ac.str("ChargeIndicator", "Indicator"), "true") {
			l.Charge += v
		} else {
			l.Allowance += v
		}
	}
	return l
}
