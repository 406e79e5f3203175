package extract

import (
	"regexp"
	"strings"
)

// How the document was paid or is to be paid: the payment type, the card
// (masked: only its last four digits are ever kept), the terms, the due
// and order dates, and the purchase order number.

var (
	// A card number as receipts print it: masked digits then the last
	// four ("XXXXXXXXXXXX1738", "**** **** **** 1234", "#### 5678").
	reMaskedCard = regexp.MustCompile(`(?i)(?:[X*#•]{2,}[ \-]?){1,4}[X*#•]*[ \-]?(\d{4})\b`)
	// "ending in 1234", "ends with 1234"
	reCardEnding = regexp.MustCompile(`(?i)\bend(?:ing|s)?\s+(?:in|with)\s+(\d{4})\b`)
	reNetTerms   = regexp.MustCompile(`(?i)\b(net\s?\d{1,3}(?:\s?days)?|\d{1,3}\s?days\s?net|due\s(?:up)?on\s+receipt|payable\s+(?:with)?in\s+\d{1,3}\s+days|zahlbar\s+(?:innerhalb\s+(?:von\s+)?\d{1,3}\s+tagen|sofort)|\d{1,3}\s+tage\s+netto)\b`)
)

// cardBrands are the payment types a receipt prints, as Photon spells them.
var cardBrands = []struct {
	words []string
	name  string
}{
	{[]string{"MASTERCARD"}, "MasterCard"}, {[]string{"MASTER", "CARD"}, "MasterCard"}, {[]string{"MC"}, "MasterCard"},
	{[]string{"VISA"}, "Visa"}, {[]string{"AMEX"}, "American Express"}, {[]string{"AMERICAN", "EXPRESS"}, "American Express"},
	{[]string{"DISCOVER"}, "Discover"}, {[]string{"MAESTRO"}, "Maestro"}, {[]string{"JCB"}, "JCB"}, {[]string{"DINERS"}, "Diners Club"},
	{[]string{"UNIONPAY"}, "UnionPay"}, {[]string{"GIROCARD"}, "Girocard"}, {[]string{"EC", "KARTE"}, "Girocard"},
	{[]string{"PAYPAL"}, "PayPal"}, {[]string{"DEBIT"}, "Debit"}, {[]string{"CREDIT", "CARD"}, "Credit Card"},
}

// findPayment fills the payment type and the masked card number.
func findPayment(lay *layout, m *More) {
	cash := false
	for _, r := range lay.rows {
		l := newLabel(r.text)
		if m.PaymentType == "" {
			for _, b := range cardBrands {
				if l.phrase(b.words...) && !l.has("ACCEPT", "ACCEPTED", "WELCOME") {
					m.PaymentType = b.name
					break
				}
			}
		}
		if m.CardNumber == "" {
			if last4 := cardLast4(r.text, l); last4 != "" {
				m.CardNumber = strings.Repeat("X", 12) + last4
			}
		}
		// Paid in cash: a CASH line with an amount ("Cash 21.20",
		// "Cash Received 101.00"), not the title "Cash Bill".
		cashWord := l.has("CASH", "TUNAI", "BARGELD", "ESPECES", "CONTANT") || (len(l) > 0 && len(l) <= 3 && l[0] == "BAR")
		if cashWord && !l.has("BILL", "BACK", "SALES", "REGISTER", "DRAWER") {
			for _, a := range rowAmounts(r) {
				if a.isMoney() && a.value > 0 {
					cash = true
				}
			}
		}
		if m.PaymentType == "" && (l.phrase("PAYMENT", "TYPE") || l.phrase("PAYMENT", "METHOD") || l.phrase("PAID", "BY") || l.has("ZAHLUNGSART")) {
			switch {
			case l.has("TRANSFER", "WIRE", "UBERWEISUNG", "VIREMENT", "OVERBOEKING"):
				m.PaymentType = "Bank Transfer"
			case l.has("CHECK", "CHEQUE"):
				m.PaymentType = "Check"
			}
		}
	}
	if m.PaymentType == "" && m.CardNumber != "" {
		m.PaymentType = "Credit Card"
	}
	if m.PaymentType == "" && cash {
		m.PaymentType = "Cash"
	}
}

// cardLast4 is the last four digits of a masked card number on the row,
// or of a plain one on a row that says it is the card.
func cardLast4(text string, l label) string {
	if s := reMaskedCard.FindStringSubmatch(text); s != nil && strings.ContainsAny(s[0], "Xx*#•") {
		// Enough masking to be a card, not "x 2" quantities: 4 or more.
		if strings.Count(strings.ToUpper(s[0]), "X")+strings.Count(s[0], "*")+strings.Count(s[0], "#")+strings.Count(s[0], "•") >= 4 {
			return s[1]
		}
	}
	if s := reCardEnding.FindStringSubmatch(text); s != nil && (l.has("CARD", "VISA", "MASTERCARD", "AMEX") || l.phrase("ACCOUNT")) {
		return s[1]
	}
	return ""
}

// findTerms fills the payment terms, due date, order date and PO number.
func findTerms(lay *layout, f *Fields, m *More, dayFirst bool) {
	for ri, r := range lay.rows {
		l := newLabel(r.text)
		if m.PaymentTerms == "" {
			if t := reNetTerms.FindString(r.text); t != "" {
				m.PaymentTerms = strings.TrimSpace(t)
			} else if l.phrase("PAYMENT", "TERMS") || (len(l) > 0 && l[0] == "TERMS") || l.has("ZAHLUNGSBEDINGUNGEN", "BETALINGSVOORWAARDEN") {
				m.PaymentTerms = valueAfterLabel(r.text, "TERMS", "ZAHLUNGSBEDINGUNGEN", "BETALINGSVOORWAARDEN")
			}
		}
		if m.DueDate == "" && dueLabel(l) {
			m.DueDate = dateOnOrUnder(lay, ri, dayFirst)
		}
		if m.OrderDate == "" && orderLabel(l) {
			m.OrderDate = dateOnOrUnder(lay, ri, dayFirst)
		}
		if m.PONumber == "" && poLabel(l, f.DocumentType == "invoice") {
			m.PONumber = numberAfterLabel(r)
		}
	}
	if m.OrderDate == "" && f.DocumentType != "invoice" {
		// A receipt's date is the day of the purchase, as Photon shows it.
		m.OrderDate = f.Date
	}
}

func dueLabel(l label) bool {
	return l.phrase("DUE", "DATE") || l.phrase("PAYMENT", "DUE") || l.phrase("DUE", "BY") || l.phrase("DUE", "ON") ||
		l.phrase("PAY", "BY") || l.has("FALLIG", "FALLIGKEIT", "FALLIGKEITSDATUM", "VERVALDATUM", "ECHEANCE") ||
		l.phrase("ZAHLBAR", "BIS") || l.phrase("DATE", "D", "ECHEANCE")
}

func orderLabel(l label) bool {
	return l.phrase("ORDER", "DATE") || l.phrase("DATE", "OF", "ORDER") || l.has("BESTELLDATUM", "ORDERDATUM", "AUFTRAGSDATUM") ||
		l.phrase("DATE", "DE", "COMMANDE") || l.phrase("ORDER", "PLACED")
}

func poLabel(l label, invoice bool) bool {
	if l.phrase("PO", "NUMBER") || l.phrase("PO", "NO") || l.phrase("P", "O") || l.phrase("PURCHASE", "ORDER") || l.has("PO", "PONUMBER") ||
		l.has("BESTELLNUMMER", "BESTELLNR") || l.phrase("YOUR", "ORDER") || l.phrase("VOTRE", "COMMANDE") || l.phrase("UW", "BESTELLING") {
		return !l.has("BOX") // "PO Box" is an address
	}
	return invoice && (l.phrase("ORDER", "NUMBER") || l.phrase("ORDER", "NO") || l.phrase("ORDER", "ID") || l.has("ORDERNUMMER"))
}

// dateOnOrUnder is the date after a label on its row, else the date under
// it on the next row.
func dateOnOrUnder(lay *layout, ri int, dayFirst bool) string {
	for _, d := range []int{0, 1} {
		if ri+d >= len(lay.rows) {
			break
		}
		if ds := lay.rows[ri+d].findDates(); len(ds) > 0 {
			return ds[0].iso(dayFirst)
		}
	}
	return ""
}

// numberAfterLabel is the first document-number-like word after the label
// words on a row.
func numberAfterLabel(r *row) string {
	toks := strings.Fields(r.text)
	for i, t := range toks {
		if i == 0 {
			continue
		}
		c := cleanNumber(t)
		if isDocNumber(c) && digitCount(c) > 0 {
			return c
		}
	}
	return ""
}

// valueAfterLabel is the rest of the row after the first of the labels.
func valueAfterLabel(text string, labels ...string) string {
	up := fold(text)
	for _, k := range labels {
		if i := strings.Index(up, k); i >= 0 && i+len(k) <= len(text) {
			return strings.Trim(strings.TrimSpace(text[i+len(k):]), ":;- ")
		}
	}
	return ""
}
