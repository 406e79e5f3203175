package extract

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Tax_Lines: one per tax rate the document prints, with the base it was
// applied to and the tax charged. A row counts when it prints a rate ("6%",
// "19,00 %") beside a tax word or in a tax summary, and its amounts agree
// with the rate: base x rate = tax (net prices), or gross x rate / (100 +
// rate) = tax (prices with tax in them). A row with one amount is taken as
// the tax alone when the document's own tax or total bears it out.

var rePercent = regexp.MustCompile(`(\d{1,2}(?:[.,]\d{1,3})?)\s?%`)

func taxName(l label) string {
	for _, w := range l {
		switch {
		case like(w, "VAT"):
			return "VAT"
		case w == "GST" || like(w, "GST"):
			return "GST"
		case w == "SST":
			return "SST"
		case w == "HST" || w == "PST" || w == "QST":
			return w
		case like(w, "MWST") || like(w, "UST") || w == "MEHRWERTSTEUER":
			return "MwSt"
		case w == "BTW":
			return "BTW"
		case w == "TVA":
			return "TVA"
		case w == "IVA":
			return "IVA"
		case like(w, "TAX") || strings.HasPrefix(w, "TAX"):
			return "Tax"
		}
	}
	return ""
}

// findTaxLines reads the tax rates and what they charged.
func findTaxLines(lay *layout, f *Fields) []TaxLine {
	var out []TaxLine
	var basePrinted []bool
	// Under a tax summary's header ("Tax Summary", "BTW % Grondslag
	// BTW bedrag"), the next rows need no tax word of their own.
	summaryUntil := -1
	for ri, r := range lay.rows {
		l := newLabel(r.text)
		if l.phrase("TAX", "SUMMARY") || l.phrase("GST", "SUMMARY") || l.phrase("VAT", "SUMMARY") || l.phrase("VAT", "ANALYSIS") ||
			taxName(l) != "" && len(rowAmounts(r)) == 0 {
			summaryUntil = ri + 4
			continue
		}
		summary := ri <= summaryUntil
		m := rePercent.FindStringSubmatchIndex(r.text)
		if m == nil {
			continue
		}
		name := taxName(l)
		if name == "" && !summary {
			continue
		}
		if name == "" {
			name = "Tax"
		}
		rate, err := strconv.ParseFloat(strings.ReplaceAll(r.text[m[2]:m[3]], ",", "."), 64)
		if err != nil || rate <= 0 || rate > 30 {
			continue
		}
		// The amounts after the rate: a count of items or a bare integer
		// is no amount.
		var after []float64
		for _, a := range rowAmounts(r) {
			if a.decimals != 2 || a.box.Min.X < wordX(r, m[1]) {
				continue
			}
			after = append(after, a.value)
		}
		tl, printed, ok := taxLineOf(name, rate, after, f)
		if !ok {
			continue
		}
		dup := false
		for i := range out {
			if out[i].Rate == tl.Rate {
				dup = true
				// A row that prints the base (a tax summary's) beats one
				// whose base was worked out.
				if printed && !basePrinted[i] {
					out[i], basePrinted[i] = tl, true
				}
			}
		}
		if !dup {
			out = append(out, tl)
			basePrinted = append(basePrinted, printed)
		}
	}
	return out
}

// taxLineOf makes a tax line of a rate and the amounts printed after it;
// printed tells whether the base was among them.
func taxLineOf(name string, rate float64, amounts []float64, f *Fields) (tl TaxLine, printed, ok bool) {
	agrees := func(tax, want float64) bool { return tax > 0 && math.Abs(tax-want) <= math.Max(0.02, want*0.01) }
	// Two amounts: the base and its tax, in either order, net or gross.
	for i := 0; i < len(amounts); i++ {
		for j := 0; j < len(amounts); j++ {
			if i == j {
				continue
			}
			base, tax := amounts[i], amounts[j]
			if agrees(tax, base*rate/100) {
				return TaxLine{Name: name, Rate: rate, Base: base, Total: tax}, true, true
			}
			if agrees(tax, base*rate/(100+rate)) {
				return TaxLine{Name: name, Rate: rate, Base: round2(base - tax), Total: tax}, true, true
			}
		}
	}
	// One amount: the tax, when the document's tax, or its subtotal or
	// total at this rate, bears it out.
	for _, tax := range amounts {
		base := 0.0
		switch {
		case f.Subtotal > 0 && agrees(tax, f.Subtotal*rate/100):
			base = f.Subtotal
		case f.Total > 0 && (agrees(tax, f.Total*rate/(100+rate)) || agrees(tax, (f.Total-tax)*rate/100)):
			base = round2(f.Total - tax)
		case f.Tax > 0 && agrees(tax, f.Tax):
			base = round2(tax * 100 / rate)
		default:
			continue
		}
		return TaxLine{Name: name, Rate: rate, Base: base, Total: tax}, false, true
	}
	return TaxLine{}, false, false
}

// wordX is the left edge of the word holding the byte offset of the row's
// text (words are joined by one space).
func wordX(r *row, offset int) int {
	if i := wordAtOffset(r, offset-1); i >= 0 {
		return r.words[i].Box.Max.X
	}
	return 0
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// labelledAmount is the last money amount on the first row whose label
// matches, outside the rows of line items.
func labelledAmount(lay *layout, match func(label) bool) float64 {
	for _, r := range lay.rows {
		l := newLabel(r.text)
		if !match(l) || len(r.findDates()) > 0 {
			continue
		}
		as := rowAmounts(r)
		for i := len(as) - 1; i >= 0; i-- {
			if as[i].isMoney() && as[i].value > 0 {
				return as[i].value
			}
		}
	}
	return 0
}

// findAmounts fills the amounts beyond the core ones: what is still to pay,
// shipping, and cash back.
func findAmounts(lay *layout, f *Fields, m *More) {
	m.BalanceDue = labelledAmount(lay, func(l label) bool {
		return l.phrase("BALANCE", "DUE") || l.phrase("AMOUNT", "DUE") || l.phrase("TOTAL", "DUE") || l.phrase("BALANCE") && !l.has("PREVIOUS", "OPENING") ||
			l.phrase("AMOUNT", "PAYABLE") || l.phrase("NET", "PAYABLE") || l.has("ZAHLBETRAG", "RESTBETRAG") || l.phrase("TE", "BETALEN") ||
			l.phrase("NET", "A", "PAYER") || l.phrase("RESTE", "A", "PAYER")
	})
	if m.BalanceDue == 0 {
		// Photon shows a document with nothing more printed as owing its total.
		m.BalanceDue = f.Total
	}
	m.Shipping = labelledAmount(lay, func(l label) bool {
		return (l.has("SHIPPING", "FREIGHT", "POSTAGE", "VERSAND", "VERSANDKOSTEN", "VERZENDKOSTEN", "PORTO", "LIVRAISON") ||
			l.phrase("S", "H") || l.phrase("DELIVERY", "CHARGE") || l.phrase("DELIVERY", "FEE") || l.phrase("FRAIS", "DE", "PORT")) &&
			!l.has("ADDRESS", "DATE", "ADRESSE", "METHOD", "TO", "NOTE", "NO", "NUMBER")
	})
	m.Cashback = labelledAmount(lay, func(l label) bool {
		return l.phrase("CASH", "BACK") || l.has("CASHBACK")
	})
}
