package extract

import (
	"math"
	"strings"
	"unicode"
)

// headerWords are the column titles of an item table.
var headerWords = []string{
	"ITEM", "ITEMS", "DESCRIPTION", "DESC", "DESCRIPTIONS", "QTY", "QUANTITY", "PRICE", "AMOUNT", "AMT", "TOTAL", "UNIT",
	"RATE", "PRODUCT", "ARTIKEL", "OMSCHRIJVING", "AANTAL", "PRIJS", "BEDRAG", "DESIGNATION", "MENGE", "BESCHREIBUNG",
	"BETRAG", "QTE", "QUANTITE", "PRIX", "MONTANT", "TITLE", "RSP", "DISC", "TAX", "CODE", "HOEVEELHEID", "NOMBRE",
	"ZEILENBETRAG", "POS", "UOM", "SKU",
}

// isHeader reports whether a row is the title row of an item table.
func isHeader(r *row) bool {
	l := newLabel(r.text)
	if len(l) < 2 || len(l) > 12 || l.has("SUMMARY", "ANALYSIS") {
		return false
	}
	n := 0
	seen := map[string]bool{}
	for _, w := range l {
		for _, h := range headerWords {
			if like(w, h) && !seen[h] {
				seen[h] = true
				n++
				break
			}
		}
	}
	return n >= 2 && len(rowAmounts(r)) == 0
}

// itemRegion is where the items are: after the table header (or the
// header block of the receipt) and before the first total.
func itemRegion(lay *layout, cands []amountCand, after int) (int, int) {
	// The end: the first total, subtotal, tax or payment line after the
	// header block.
	end := len(lay.rows)
	for _, c := range cands {
		if c.row.index <= after {
			continue
		}
		switch c.cls {
		case clsTotal, clsTotalStrong, clsSubtotal, clsTax, clsTender, clsChange, clsRounding:
			if c.row.index < end {
				end = c.row.index
			}
		}
	}
	for _, r := range lay.rows {
		if r.index > after && r.index < end {
			l := newLabel(r.text)
			if l.has(totalWords...) && !isHeader(r) || l.has("SUBTOTAL") || l.phrase("SUB", "TOTAL") {
				end = r.index
				break
			}
		}
	}
	// The start: after the table's header when there is one before the end.
	start := after + 1
	for _, r := range lay.rows {
		if r.index > after && r.index < end && isHeader(r) {
			start = r.index + 1
			break
		}
	}
	return start, end
}

// findItems reads the item lines between start and end: a description, a
// quantity, a unit price and the line's amount, the description either on
// the amount's row or on the row(s) above it.
func findItems(lay *layout, start, end int) []LineItem {
	var items []LineItem
	var pending []string // description rows waiting for their numbers
	var pendingRows []*row
	lastWasNumbersOnly := false
	for i := start; i < end && i < len(lay.rows); i++ {
		r := lay.rows[i]
		ms := rowAmounts(r)
		var moneyIdx []int
		for k, m := range ms {
			if m.isMoney() {
				moneyIdx = append(moneyIdx, k)
			}
		}
		if len(moneyIdx) == 0 {
			desc := cleanDesc(r.text)
			k := kindOf(r.text)
			t := strings.TrimSpace(r.text)
			paren := strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")")
			if letterCount(desc) >= 3 && !paren && !k.noise && !k.date && !k.phone && !k.taxID && !k.regNo && !k.title && !k.email {
				if lastWasNumbersOnly && len(items) > 0 && items[len(items)-1].Description == "" {
					items[len(items)-1].Description = desc
					items[len(items)-1].Box = extendBox(items[len(items)-1].Box, r)
				} else {
					pending = append(pending, desc)
					pendingRows = append(pendingRows, r)
					if len(pending) > 2 {
						pending = pending[len(pending)-2:]
						pendingRows = pendingRows[len(pendingRows)-2:]
					}
				}
			}
			lastWasNumbersOnly = false
			continue
		}
		amt := ms[moneyIdx[len(moneyIdx)-1]]
		if amt.neg || amt.value == 0 {
			continue
		}
		// The description: the words that are not numbers, less a code.
		numWord := map[int]bool{}
		for _, m := range ms {
			for k := m.first; k <= m.last; k++ {
				numWord[k] = true
			}
		}
		sku := ""
		var descWords []string
		for k, w := range r.words {
			if k > amt.last {
				break
			}
			t := strings.Trim(w.Text, "()[]")
			if sku == "" && len(descWords) == 0 && digitCount(t) >= 5 && letterCount(t) <= 3 {
				sku = t
				continue
			}
			if numWord[k] || isQtyMarker(w.Text) || strings.HasSuffix(w.Text, "%") {
				continue
			}
			if _, cur := isCurrencyWord(w.Text); cur {
				continue
			}
			descWords = append(descWords, w.Text)
		}
		unit := unitAfterQty(r, ms, amt)
		if unit != "" {
			for k, w := range descWords {
				if w == unit {
					descWords = append(descWords[:k], descWords[k+1:]...)
					break
				}
			}
		}
		desc := cleanDesc(strings.Join(descWords, " "))
		l := newLabel(desc)
		if c := classify(l); c != clsOther && c != clsNone {
			continue
		}
		// "2 X RM 5.07" under an item: the quantity and unit price of the
		// item above, not an item of its own.
		if letterCount(desc) < 3 && len(items) > 0 && len(moneyIdx) == 1 {
			if q := qtyMarker(r); q > 0 && near(q*amt.value, items[len(items)-1].Amount) {
				items[len(items)-1].QTY, items[len(items)-1].Price = q, amt.value
				items[len(items)-1].Box = extendBox(items[len(items)-1].Box, r)
				continue
			}
			if q := firstInt(ms); q > 0 && q <= 99 && near(q*amt.value, items[len(items)-1].Amount) {
				items[len(items)-1].QTY, items[len(items)-1].Price = q, amt.value
				items[len(items)-1].Box = extendBox(items[len(items)-1].Box, r)
				continue
			}
		}
		it := LineItem{SKU: sku, Amount: amt.value, Box: r.at(r.box)}
		// Quantity and unit price among the other numbers.
		var nums []money
		for k, m := range ms {
			if k == moneyIdx[len(moneyIdx)-1] {
				break
			}
			if sku != "" && strings.Trim(r.words[m.first].Text, "()[]") == sku || m.value >= 10000 && m.decimals == 0 {
				continue
			}
			nums = append(nums, m)
		}
		it.QTY, it.Price = qtyPrice(nums, amt.value)
		if it.QTY == 0 {
			it.QTY = qtyMarker(r)
		}
		if it.QTY > 0 && it.Price == 0 {
			it.Price = math.Round(amt.value/it.QTY*100) / 100
			if it.Price < 0.05 {
				it.QTY, it.Price = 1, amt.value // not a quantity after all
			}
		}
		if it.QTY == 0 {
			it.QTY = 1
			if it.Price == 0 {
				it.Price = amt.value
			}
		}
		it.Unit = unit
		if letterCount(desc) >= 3 {
			it.Description = desc
			if len(pending) > 0 && letterCount(desc) < 6 {
				it.Description = pending[0] + " " + desc
				it.Box = extendBox(it.Box, pendingRows[0])
			}
			lastWasNumbersOnly = false
		} else {
			if len(pending) > 0 {
				it.Description = strings.Join(pending, " ")
				for _, pr := range pendingRows {
					it.Box = extendBox(it.Box, pr)
				}
			}
			lastWasNumbersOnly = len(pending) == 0
		}
		pending, pendingRows = nil, nil
		items = append(items, it)
	}
	for i := range items {
		items[i].Line = i + 1
	}
	return items
}

// extendBox is b grown by the row r when r is on b's page.
func extendBox(b Box, r *row) Box {
	if b.Page != r.page+1 {
		return b
	}
	b.Rect = b.Rect.Union(r.box)
	return b
}

// qtyPrice finds among the numbers before a line's amount a quantity and a
// unit price whose product is the amount.
func qtyPrice(nums []money, amount float64) (float64, float64) {
	// A whole quantity first ("12.50*2" is two at 12.50, not 12.5 at 2).
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < len(nums); i++ {
			for j := 0; j < len(nums); j++ {
				if i == j {
					continue
				}
				q, p := nums[i].value, nums[j].value
				if q <= 0 || q > 9999 || p <= 0 {
					continue
				}
				if pass == 0 && q != math.Trunc(q) {
					continue
				}
				if math.Abs(q*p-amount) < 0.015+0.005*q {
					return q, p
				}
			}
		}
	}
	// One small whole number: the quantity (not when several come first:
	// those are item codes).
	ints := 0
	for _, n := range nums {
		if n.decimals == 0 && n.cur == "" {
			ints++
		}
	}
	for _, n := range nums {
		if ints == 1 && n.decimals == 0 && n.cur == "" && n.value >= 1 && n.value <= 50 {
			return n.value, 0
		}
	}
	for _, n := range nums {
		if n.isMoney() && n.value <= amount+0.005 {
			if n.value > 0 {
				q := amount / n.value
				if math.Abs(q-math.Round(q)) < 0.01 {
					return math.Round(q), n.value
				}
			}
		}
	}
	return 0, 0
}

// qtyMarker reads a quantity written as "2x", "2 X" or "x2" on the row.
func qtyMarker(r *row) float64 {
	for i, w := range r.words {
		t := strings.ToUpper(w.Text)
		if strings.HasSuffix(t, "X") && len(t) > 1 && allDigits(t[:len(t)-1]) && len(t) <= 4 {
			v, _, ok := parseNumber(t[:len(t)-1])
			if ok && v > 0 {
				return v
			}
		}
		if (t == "X" || t == "*") && i > 0 && allDigits(r.words[i-1].Text) && len(r.words[i-1].Text) <= 3 {
			v, _, ok := parseNumber(r.words[i-1].Text)
			if ok && v > 0 {
				return v
			}
		}
	}
	return 0
}

// isQtyMarker reports whether a word is a quantity marker ("2x", "X", "@").
func isQtyMarker(s string) bool {
	t := strings.ToUpper(s)
	return t == "X" || t == "@" || t == "*" || strings.HasSuffix(t, "X") && len(t) <= 4 && allDigits(t[:len(t)-1])
}

// unitAfterQty reads the unit written between a quantity and the price
// ("1.00 kg 42.00", "5 PCS 3.00").
func unitAfterQty(r *row, ms []money, amt money) string {
	for i, n := range ms {
		k := n.last + 1
		if k >= len(r.words) || i+1 >= len(ms) || ms[i+1].first != k+1 || n.first >= amt.first {
			continue
		}
		t := strings.Trim(r.words[k].Text, ".,")
		if len(t) >= 1 && len(t) <= 5 && letterCount(t) == len([]rune(t)) {
			switch strings.ToUpper(t) {
			case "KG", "G", "L", "ML", "M", "CM", "PCS", "PC", "UNITS", "UNIT", "EA", "EACH", "BOX", "PKT", "HRS", "HR", "H", "LBS", "LB", "OZ", "NIGHT", "DAYS", "DAY", "STK", "ST":
				return t
			}
		}
	}
	return ""
}

// cleanDesc tidies an item description: no tax codes, stray marks or
// quantity markers at its ends.
func cleanDesc(s string) string {
	toks := strings.Fields(s)
	for len(toks) > 0 {
		t := strings.ToUpper(strings.Trim(toks[0], "*:;,.-~_|'\"“”"))
		if t == "" || t == "SR" || t == "ZR" || t == "ZRL" || t == "SR:" || (allDigits(strings.TrimSuffix(t, "X")) && len(t) <= 3) {
			toks = toks[1:]
			continue
		}
		break
	}
	for len(toks) > 0 {
		t := strings.ToUpper(strings.Trim(toks[len(toks)-1], "*:;,.-~_|'\"“”"))
		if t == "" || t == "SR" || t == "ZR" || t == "ZRL" || t == "S" || t == "Z" || t == "X" || t == "@" || t == "RM" || t == "$" {
			toks = toks[:len(toks)-1]
			continue
		}
		break
	}
	out := strings.Join(toks, " ")
	return strings.TrimFunc(out, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("()[]", r)
	})
}

// itemsSum adds the items' amounts.
func itemsSum(items []LineItem) float64 {
	var s float64
	for _, it := range items {
		s += it.Amount
	}
	return math.Round(s*100) / 100
}

// firstInt is the first whole number of a row's numbers, or 0.
func firstInt(ms []money) float64 {
	for _, m := range ms {
		if m.decimals == 0 && m.cur == "" {
			return m.value
		}
	}
	return 0
}
