package extract

import (
	"strings"
	"unicode"
)

// docType tells a receipt from an invoice: invoices are addressed to
// someone (bill to), ask for payment by a date and usually come as PDFs
// with a text layer; receipts show what was paid, in cash or by card, on a
// narrow roll of paper.
func docType(lay *layout) (string, int) {
	inv, rec := 0.0, 0.0
	if lay.textLayer {
		inv += 2
	}
	if lay.pages > 1 {
		inv++
	}
	if lay.aspect > 1.9 {
		rec += 2
	}
	for _, r := range lay.rows {
		l := newLabel(r.text)
		up := strings.Join(l, " ")
		switch {
		case l.phrase("BILL", "TO") || l.phrase("BILLING", "ADDRESS") || l.phrase("SHIP", "TO") || l.phrase("SOLD", "TO") || l.phrase("INVOICE", "TO") ||
			l.has("FACTUURADRES", "RECHNUNGSADRESSE") || l.phrase("ADRESSE", "DE", "FACTURATION"):
			inv += 2
		}
		if l.phrase("DUE", "DATE") || l.phrase("PAYMENT", "TERMS") || l.has("VERVALDATUM", "FALLIGKEITSDATUM", "ECHEANCE", "ZAHLUNGSZIEL") ||
			l.phrase("DATE", "LIMITE") || l.phrase("BALANCE", "DUE") || l.phrase("AMOUNT", "DUE") {
			inv += 2
		}
		if l.has("IBAN", "SWIFT", "BIC") || l.phrase("BANK", "ACCOUNT") {
			inv += 1.5
		}
		if l.has("FACTURE", "FACTUUR", "RECHNUNG", "FACTURA", "FATTURA") || l.phrase("INVOICE", "NUMBER") || l.phrase("INVOICE", "DATE") {
			inv += 1.5
		}
		if l.has("INVOICE") && !strings.Contains(up, "TAX INVOICE") && !l.has("SIMPLIFIED") && len(l) <= 3 {
			inv += 1.5
		}
		if l.has("CASHIER", "KASIR", "CAJERO", "KASSIERER") {
			rec += 2
		}
		if l.has("CHANGE", "TENDERED", "KEMBALI") {
			rec += 2
		}
		if l.has("CASH") || l.phrase("THANK", "YOU") {
			rec += 1
		}
		if l.has("RECEIPT", "RECIEPT", "KASSENBON", "TICKET", "BON") {
			rec += 1.5
		}
		if l.has("TABLE", "PAX", "SERVER", "GUEST") {
			rec += 0.5
		}
	}
	d := inv - rec
	switch {
	case d >= 4:
		return "invoice", 92
	case d >= 2:
		return "invoice", 75
	case d <= -4:
		return "receipt", 92
	case d <= 0:
		return "receipt", 72
	}
	return "invoice", 55
}

// numberLabel scores how surely a label introduces a document number.
func numberLabel(l label) float64 {
	switch {
	case l.phrase("INVOICE", "NUMBER") || l.phrase("INVOICE", "NO") || l.phrase("INVOICE", "NR") || l.phrase("INVOICE", "N") ||
		l.phrase("INVOICE", "ID") || l.has("FACTUURNUMMER", "RECHNUNGSNUMMER", "RECHNUNGSNR", "INVOICENO", "FACTUURNR") ||
		l.phrase("FACTURE", "N") || l.phrase("FACTURE", "NO") || l.phrase("NUMERO", "DE", "FACTURE") || l.phrase("FACTUUR", "NR") ||
		l.phrase("RECHNUNG", "NR") || l.phrase("BILL", "NUMBER"):
		return 10
	case l.phrase("INV", "NO") || l.phrase("INV", "N") || l.phrase("INV") || l.phrase("RECEIPT", "NO") || l.phrase("RECEIPT") && len(l) <= 2 ||
		l.phrase("BILL", "NO") || l.phrase("DOC", "NO") || l.phrase("DOCUMENT", "NO") || l.phrase("CB") || l.phrase("SLIP", "NO") ||
		l.phrase("BILLS") || l.phrase("BILL") && len(l) == 1 || l.phrase("RECEIPT", "NUMBER") || l.phrase("TRANSACTION", "NO") || l.phrase("CHECK", "NO"):
		return 8
	case len(l) == 1 && (l[0] == "INVOICE" || l[0] == "FACTUUR" || l[0] == "FACTURE" || l[0] == "RECHNUNG"):
		return 6
	case l.phrase("BOOKING", "ID") || l.phrase("ORDER", "NO") || l.phrase("ORDER", "NUMBER") || l.phrase("REFERENCE") || l.phrase("REF", "NO"):
		return 3
	}
	return 0
}

// isDocNumber reports whether a word can be a document number: it holds a
// digit, is not a date, an amount or a time.
func isDocNumber(s string) bool {
	s = strings.Trim(s, ":#.,;()[]")
	if len(s) < 3 || digitCount(s) == 0 {
		return false
	}
	if len(findDates(s)) > 0 || len(findTimes(s)) > 0 {
		return false
	}
	if t, ok := parseMoneyToken(s); ok && t.decimals == 2 {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-/_.#", r)) {
			return false
		}
	}
	return true
}

// cleanNumber takes the label glue off a number ("n°562044387", "#INV-12").
func cleanNumber(s string) string {
	s = strings.Trim(s, ":;,.()[]")
	for _, p := range []string{"N°", "n°", "Nº", "nº", "No.", "NO.", "No:", "NO:", "#"} {
		s = strings.TrimPrefix(s, p)
	}
	return strings.Trim(s, ":;,.")
}

// findInvoiceNumber reads the document number: the value after a number
// label on its row, or under it when the label heads a column.
func findInvoiceNumber(lay *layout) (string, int, Box) {
	type cand struct {
		v     string
		score float64
		box   Box
	}
	var best cand
	for ri, r := range lay.rows {
		// Each word may start a label; try label spans ending at each word.
		for i := range r.words {
			for j := i; j < len(r.words) && j < i+4; j++ {
				if strings.ContainsAny(r.words[j].Text, "_@0123456789") && !(j == i && strings.ContainsAny(r.words[j].Text, "#°º:")) {
					break // a label is words, not a value
				}
				lt := wordsText(r.words[i : j+1])
				// A value glued to the label ("n°562044387", "INV#002621900059183").
				glued := ""
				var at Box // the word the value was read from
				if k := strings.IndexAny(lt, "#°º:"); k > 0 && j == i {
					if tail := cleanNumber(lt[k:]); isDocNumber(tail) {
						glued = tail
						at = r.at(r.words[i].Box)
						lt = lt[:k+len(string([]rune(lt[k:])[0]))]
					}
				}
				l := newLabel(lt)
				s := numberLabel(l)
				if s == 0 {
					continue
				}
				if s <= 6 && i > 0 {
					// "TAX INVOICE" is a title, not the label of a number.
					pl := newLabel(r.words[i-1].Text)
					if pl.has("TAX", "SIMPLIFIED", "PROFORMA", "COMMERCIAL") {
						continue
					}
				}
				// The label must end here: the next word is the value.
				val := glued
				if val == "" {
					for k := j + 1; k < len(r.words) && k <= j+3; k++ {
						t := r.words[k].Text
						if isDocNumber(cleanNumber(t)) {
							val = cleanNumber(t)
							at = r.at(r.words[k].Box)
							break
						}
						tl := newLabel(t)
						if len(tl) > 0 && !(len(tl) == 1 && (tl[0] == "NO" || tl[0] == "N" || tl[0] == "NR")) {
							break
						}
					}
				}
				below := false
				if val == "" && j+1 < len(r.words) {
					// "Factuur datum": the label goes on into another one.
					nw := r.words[j+1]
					if letterCount(nw.Text) > 0 && digitCount(nw.Text) == 0 && float64(nw.Box.Min.X-r.words[j].Box.Max.X) < r.height {
						continue
					}
				}
				if val == "" && ri+1 < len(lay.rows) && lay.rows[ri+1].page == r.page {
					// The value under the label, in its column.
					x0, x1 := r.words[i].Box.Min.X, r.words[j].Box.Max.X
					bestOv := 0
					for _, w := range lay.rows[ri+1].words {
						ov := min(x1, w.Box.Max.X) - max(x0, w.Box.Min.X)
						if ov > bestOv && ov*3 >= min(x1-x0, w.Box.Dx()) && isDocNumber(cleanNumber(w.Text)) {
							val, bestOv = cleanNumber(w.Text), ov
							at = lay.rows[ri+1].at(w.Box)
							below = true
						}
					}
				}
				if val == "" {
					continue
				}
				if below {
					s -= 1
				}
				if r.textLayer || lay.textLayer {
					s += 0.5
				}
				s -= float64(ri) * 0.01
				if s > best.score {
					best = cand{val, s, at}
				}
			}
		}
	}
	if best.v == "" {
		return "", 0, Box{}
	}
	c := 50
	switch {
	case best.score >= 9.5:
		c = 88
	case best.score >= 7.5:
		c = 72
	case best.score >= 5.5:
		c = 60
	}
	return best.v, c, best.box
}
