package extract

import (
	"sort"

	"tillroll/ocr"
)

// Printed is every amount and date a document prints, wherever it is: for
// checking the page against data that came from elsewhere (an
// e-invoice's XML), where the question is not which amount is the total
// but whether the page shows the given one.
type Printed struct {
	// Amounts are the amounts with decimals (or a currency), unsigned, in
	// reading order.
	Amounts []float64
	// Dates are yyyy-mm-dd, both readings of a date whose day and month
	// could be swapped, sorted and without repeats.
	Dates []string
}

// FindPrinted reads every amount and date of doc.
func FindPrinted(doc ocr.Document) Printed {
	var p Printed
	seen := map[string]bool{}
	lay := buildLayout(doc)
	for _, r := range lay.rows {
		for _, m := range rowAmounts(r) {
			if m.isMoney() {
				p.Amounts = append(p.Amounts, m.value)
			}
		}
		for _, d := range findDates(r.text) {
			for _, s := range []string{d.iso(true), d.iso(false)} {
				if !seen[s] {
					seen[s] = true
					p.Dates = append(p.Dates, s)
				}
			}
		}
	}
	sort.Strings(p.Dates)
	return p
}
