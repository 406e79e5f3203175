package extract

import (
	"strings"
	"unicode"
)

// words of a label, upper-cased, accents and punctuation taken out, so that
// "Sub-Total :" is [SUB TOTAL] and "Tota!" is [TOTA].
type label []string

// accents maps accented Latin letters to their base letter.
var accents = func() map[rune]rune {
	m := map[rune]rune{}
	for base, list := range map[rune]string{
		'A': "àáâãäåāăąÀÁÂÃÄÅĀĂĄ", 'C': "çćčÇĆČ", 'E': "èéêëēėęěÈÉÊËĒĖĘĚ", 'I': "ìíîïīįÌÍÎÏĪĮ",
		'N': "ñńňÑŃŇ", 'O': "òóôõöōőÒÓÔÕÖŌŐ", 'U': "ùúûüūůűÙÚÛÜŪŮŰ", 'Y': "ýÿÝŸ", 'S': "śšşŚŠŞ",
		'Z': "źżžŹŻŽ", 'L': "łŁ", 'R': "řŘ", 'T': "ťŤ", 'D': "ďĎ", 'G': "ğĞ",
	} {
		for _, r := range list {
			m[r] = base
		}
	}
	return m
}()

func foldRune(r rune) rune {
	if b, ok := accents[r]; ok {
		return b
	}
	switch r {
	case 'æ', 'Æ':
		return 'A'
	case 'ø', 'Ø':
		return 'O'
	}
	return unicode.ToUpper(r)
}

// fold upper-cases s and drops accents ("Désignation" -> "DESIGNATION").
func fold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'ß' || r == 'ẞ' {
			b.WriteString("SS") // "Straße" is STRASSE, as Germans write it in capitals
			continue
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

func newLabel(s string) label {
	f := fold(s)
	return strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// editDistance is the Levenshtein distance, bounded: it stops early once
// the distance is certainly above limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// fuzzyKeys are the keywords an OCR'd word may match one edit away
// ("Tota!", "Tatal", "Ghange", "FOUNDING"): long enough, and with no real
// word that near them on a receipt.
var fuzzyKeys = map[string]bool{
	"TOTAL": true, "SUBTOTAL": true, "CHANGE": true, "ROUNDING": true, "TENDERED": true, "DISCOUNT": true,
	"PAYABLE": true, "AMOUNT": true, "INCLUSIVE": true, "EXCLUDING": true, "CASHIER": true, "INVOICE": true,
	"RECEIPT": true, "QUANTITY": true, "ADJUSTMENT": true, "TOTAAL": true, "FACTUUR": true, "FACTURE": true,
	"RECHNUNG": true, "SUMMARY": true, "COMPANY": true, "TELEPHONE": true, "GRATUITY": true, "DESCRIPTION": true,
	"ZAHLEN": true, "SUMME": true, "GESAMT": true, "RUCKGELD": true, "RUECKGELD": true, "BARGELD": true, "GEGEBEN": true,
	"ZURUCK": true, "WECHSELGELD": true, "KREDITKARTE": true, "MWST": true, "GMBH": true,
}

// realWords are words that are one edit from a keyword and must not be
// read as it ("GROUND" is not "ROUND", "CHARGE" is not "CHANGE").
var realWords = map[string]bool{
	"GROUND": true, "CHARGE": true, "CHARGES": true, "INCLUDED": true, "INCLUDES": true, "INCLUDE": true,
	"EXCLUDED": true, "EXCLUDES": true, "MOUNT": true, "COUNT": true, "TOTALS": false, "VOICE": true,
	"SUMMER": true, "MUST": true,
}

// like reports whether an OCR'd word w is the keyword k: equal, or one
// edit away for the keywords where that is safe.
func like(w, k string) bool {
	if w == k {
		return true
	}
	if !fuzzyKeys[k] || realWords[w] || len([]rune(w)) < 4 {
		return false
	}
	return editDistance(w, k, 1) <= 1
}

// has reports whether the label holds one of the keywords.
func (l label) has(keys ...string) bool {
	for _, w := range l {
		for _, k := range keys {
			if like(w, k) {
				return true
			}
		}
	}
	return false
}

// index is the position of the first word like one of keys, or -1.
func (l label) index(keys ...string) int {
	for i, w := range l {
		for _, k := range keys {
			if like(w, k) {
				return i
			}
		}
	}
	return -1
}

// hasPrefix reports whether a word starts with one of the prefixes
// ("TOTALGST", "SUBTOTAL:").
func (l label) hasPrefix(prefixes ...string) bool {
	for _, w := range l {
		for _, p := range prefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
	}
	return false
}

// phrase reports whether the label holds the words in order, next to each
// other.
func (l label) phrase(ws ...string) bool {
	if len(ws) == 0 {
		return true
	}
	for i := 0; i+len(ws) <= len(l); i++ {
		ok := true
		for j, w := range ws {
			if !like(l[i+j], w) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// amount classes.
type class int

const (
	clsNone class = iota
	clsTotal
	clsTotalStrong
	clsSubtotal
	clsTax
	clsRounding
	clsDiscount
	clsTip
	clsTender
	clsChange
	clsQty
	clsOther // a label that is none of those (a line item, a reference)
)

func (c class) String() string {
	return [...]string{"none", "total", "total!", "subtotal", "tax", "rounding", "discount", "tip", "tender", "change", "qty", "other"}[c]
}

// totalWords are the words for "total" in the languages receipts and
// invoices come in.
var totalWords = []string{"TOTAL", "TOTAAL", "GESAMT", "SUMME", "JUMLAH", "TOTALE", "IMPORTE", "TOTALT", "YHTEENSA",
	"GESAMTSUMME", "ENDSUMME", "IMPORTO", "SOMME"}

// changeWords are the words for the change handed back.
var changeWords = []string{"CHANGE", "KEMBALI", "WECHSELGELD", "RENDU", "MONNAIE", "WISSELGELD", "RUCKGELD", "RUECKGELD",
	"ZURUCK", "ZURUECK", "TERUG", "CAMBIO", "RESTO", "VUELTO", "VUELTA"}

// tenderWords are the words for what was handed over or charged: cash,
// cards, vouchers.
var tenderWords = []string{"CASH", "TENDER", "TENDERED", "RECEIVED", "PAID", "PAYMENT", "VISA", "MASTER", "MASTERCARD", "AMEX", "CARD",
	"CREDIT", "DEBIT", "EFTPOS", "NETS", "EWALLET", "WALLET", "IDEAL", "CHEQUE", "CHECK", "TUNAI", "BAR", "ESPECES", "CONTANT", "PIN", "GRABPAY", "BOOST", "TNG",
	"BARGELD", "GEGEBEN", "KREDITKARTE", "KARTENZAHLUNG", "KARTE", "GIROCARD", "LASTSCHRIFT", "MAESTRO", "VPAY",
	"CARTE", "CHEQUES", "EFECTIVO", "TARJETA", "ENTREGADO", "CONTANTI", "CONTANTE", "BANCOMAT", "CARTA", "PINNEN", "BETAALD", "GEPIND"}

// excludesTax tells whether the label says its amount is before tax
// ("excl. GST", "Montant HT", "Netto").
func (l label) excludesTax() bool {
	return l.has("EXCL", "EXCLUDING", "EXCLUDED", "EXCLUSIVE", "EXCLUSIEF", "HT", "OHNE", "UNTAXED", "NETTO", "BEFORE", "EXKL") || l.phrase("NET", "AMOUNT")
}

// classify tells what an amount is from the words before it on its row.
func classify(l label) class {
	if len(l) == 0 {
		return clsNone
	}
	total := l.has(totalWords...) || l.hasPrefix("TOTAL", "TOTAA")
	switch {
	case l.has(changeWords...) || l.phrase("CH") && len(l) == 1:
		return clsChange
	case l.has("QTY", "QTYS", "QUANTITY", "QUANTITE", "ANZAHL", "AANTAL", "COUNT", "ITEMS", "POINTS", "POINT", "PAX", "KUANTITI",
		"POSTEN", "ARTIKEL", "ARTICLES", "ARTIKELEN", "ARTICOLI", "ARTICULOS", "PUNKTE") ||
		l.phrase("ITEM", "S") || (l.has("ITEM") && len(l) <= 2 && total) || l.has("TABLE"):
		return clsQty
	}
	if l.has("SUMMARY", "ANALYSIS") {
		return clsOther
	}
	taxWord := l.has("GST", "TAX", "VAT", "TVA", "BTW", "MWST", "UST", "IVA", "SST", "HST", "PST", "QST", "PPN", "MEHRWERTSTEUER", "MEHRWERTST", "TAXES", "STEUER", "CGST", "SGST", "IGST") || l.hasPrefix("TOTALGST", "GST")
	incl := l.has("INCL", "INCLUSIVE", "INCLUDED", "INC", "INKL", "INCLUSIEF", "WITH", "TTC", "INCLUDING", "INKLUSIVE")
	excl := l.excludesTax()
	switch {
	case l.has("SUBTOTAL", "SUBTOTAAL", "ZWISCHENSUMME", "SOUS", "SUBTOTALE", "GRONDSLAG", "NETTOBETRAG") || l.phrase("SUB", "TOTAL") || l.hasPrefix("SUBTOT", "SUB-TOT"):
		return clsSubtotal
	case (total || taxWord || l.has("AMOUNT", "MONTANT", "BETRAG", "SALES", "SUPPLIES", "GRONDSLAG")) && excl:
		return clsSubtotal
	case l.has("INCLUDES") && taxWord:
		return clsTax // "TOTAL INCLUDES 6% GST 0.48"
	case taxWord && total && l.index("GST", "TAX", "VAT", "TVA", "BTW", "MWST", "UST", "SST", "IVA") < l.index(totalWords...):
		return clsTax // "GST @6% included in total"
	case taxWord && l.index("GST", "TAX", "VAT", "TVA", "BTW", "MWST", "UST", "SST", "IVA") >= 0 &&
		(!total || l.index("GST", "TAX", "VAT", "TVA", "BTW", "MWST", "UST", "SST", "IVA") < l.index(totalWords...)) && !incl:
		return clsTax
	case taxWord && total && !incl && !l.has("AFTER", "PAYABLE", "DUE", "ROUNDED", "NET", "NETT"):
		return clsTax // "Total GST", "Tax total"
	}
	switch {
	case l.has("ROUNDING", "ROUND", "ROUNDED", "ADJ", "ADJUSTMENT", "ADJUSMENT", "PEMBUNDARAN", "RUNDUNG", "ARRONDI", "AFRONDING"):
		if total && (l.has("ROUNDED", "AFTER", "NET", "NETT") || l.index(totalWords...) < l.index("ROUNDING", "ROUND", "ROUNDED")) {
			return clsTotalStrong
		}
		return clsRounding
	case l.has("DISCOUNT", "DISC", "DISCOUNTS", "SAVINGS", "SAVING", "PROMOTION", "PROMO", "KORTING", "REMISE", "RABATT", "DESCUENTO", "SCONTO", "DISKAUN", "LESS", "COUPON", "VOUCHER"):
		return clsDiscount
	case l.has("TIP", "TIPS", "GRATUITY", "POURBOIRE", "TRINKGELD", "PROPINA", "FOOI"):
		return clsTip
	}
	strong := l.phrase("AMOUNT", "DUE") || l.phrase("BALANCE", "DUE") || l.phrase("AMOUNT", "PAYABLE") || l.has("NETT", "PAYABLE", "GRAND") ||
		l.phrase("TO", "PAY") || l.phrase("A", "PAYER") || l.phrase("TE", "BETALEN") || l.phrase("ZU", "ZAHLEN") || l.phrase("NET", "A", "PAYER") ||
		l.phrase("SOMME", "A", "PAYER") || l.phrase("TOTAL", "DUE") || l.phrase("TOTAL", "AMOUNT") || l.phrase("MONTANT", "TTC") ||
		l.phrase("FACTUUR", "TOTAAL") || l.has("RECHNUNGSBETRAG", "GESAMTBETRAG", "ENDBETRAG", "TOTALBETRAG") ||
		l.phrase("A", "PAGAR") || l.phrase("DA", "PAGARE")
	if total {
		if strong || incl || l.has("NET", "FINAL", "AFTER", "GRAND", "PAYMENT", "FACTURE", "INVOICE", "BILL") {
			return clsTotalStrong
		}
	}
	if strong || len(l) == 1 && l.phrase("DUE") { // "Due", not "Due date"
		return clsTotalStrong
	}
	switch {
	case len(l) == 1 && l.phrase("PAY") || l.has(tenderWords...):
		return clsTender
	case total:
		return clsTotal
	case taxWord:
		return clsTax
	case l.has("AMOUNT", "MONTANT", "BETRAG", "BEDRAG"):
		return clsOther
	}
	return clsOther
}
