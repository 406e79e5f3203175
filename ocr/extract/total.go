package extract

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"tillroll/ocr"
)

// amountCand is an amount on a row with what its label says it is.
type amountCand struct {
	money
	row       *row
	cls       class
	lbl       label
	rightmost bool // the last amount of its row
	follows   bool // its label is shared with an amount before it on the row
	summary   bool // in a tax summary table (GST SUMMARY, Tax Summary, ...)
	repaired  bool // a decimal point OCR dropped was put back ("1540" -> 15.40)
	below     bool // its label is on the row above
}

// collectAmounts reads every amount of the document with its label.
func collectAmounts(lay *layout) []amountCand {
	var out []amountCand
	summary := false
	summaryLeft := 0 // rows a tax summary table still covers
	lastPage := -1
	var pendingLabel *row // a labelled row with no amount of its own
	var pendingCls class
	var pendingLbl label
	for _, r := range lay.rows {
		if r.page != lastPage {
			summary = false
			lastPage = r.page
			pendingLabel = nil
		}
		ms := rowAmounts(r)
		rowLbl := newLabel(r.text)
		if rowLbl.has("SUMMARY", "ANALYSIS", "SUMMARIES") || rowLbl.phrase("TAX", "CODE") || rowLbl.phrase("TAX", "RATE") {
			summary, summaryLeft = true, 6
		} else if summaryLeft--; summaryLeft <= 0 {
			summary = false
		}
		if len(ms) == 0 {
			l := newLabel(r.text)
			c := classify(l)
			if c != clsNone && c != clsOther {
				pendingLabel, pendingCls, pendingLbl = r, c, l
			} else {
				pendingLabel = nil
			}
			continue
		}
		prevEnd := 0
		var prevLbl label
		prevCls := clsNone
		for k, m := range ms {
			var l label
			if m.first > prevEnd {
				l = newLabel(wordsText(r.words[prevEnd:m.first]))
			}
			c := clsNone
			follows := false
			if len(l) == 0 {
				if k > 0 {
					l, c, follows = prevLbl, prevCls, true
					// "MwSt 7% Netto 3,74 0,26": the net, then its tax.
					if c == clsSubtotal && l.has("GST", "TAX", "VAT", "TVA", "BTW", "MWST", "UST", "IVA", "SST") {
						c = clsTax
					}
				}
			} else {
				c = classify(l)
			}
			ac := amountCand{money: m, row: r, cls: c, lbl: l, rightmost: k == len(ms)-1, follows: follows, summary: summary}
			if k == 0 && c == clsNone && pendingLabel != nil && pendingLabel.index == r.index-1 {
				ac.cls, ac.lbl, ac.below = pendingCls, pendingLbl, true
			}
			out = append(out, ac)
			prevEnd = max(prevEnd, m.last+1)
			prevLbl, prevCls = ac.lbl, ac.cls
		}
		pendingLabel = nil
		rowStart := len(out) - len(ms)
		columnClasses(lay, r, out[rowStart:])
		// Put back a decimal point OCR dropped on a total or subtotal row
		// ("TOTAL 1540", "Sub Total 10 94"); such a reading only wins when
		// the sums agree with it.
		for k, m := range ms {
			if m.decimals != 0 {
				continue
			}
			base := out[rowStart+k]
			if base.cls != clsTotal && base.cls != clsTotalStrong && base.cls != clsSubtotal {
				continue
			}
			digits := r.words[m.first].Text
			if k+1 < len(ms) && ms[k+1].first == m.last+1 && ms[k+1].decimals == 0 && len(r.words[ms[k+1].first].Text) == 2 && allDigits(r.words[ms[k+1].first].Text) {
				rep := base
				rep.value = m.value + ms[k+1].value/100
				rep.decimals = 2
				rep.repaired = true
				rep.rightmost = k+1 == len(ms)-1
				out = append(out, rep)
				continue
			}
			if allDigits(digits) && len(digits) >= 3 && len(digits) <= 6 {
				rep := base
				rep.value = m.value / 100
				rep.decimals = 2
				rep.repaired = true
				out = append(out, rep)
			}
		}
	}
	return out
}

// guessedTotalConf is the most a total printed nowhere can be sure of
// when nothing else witnesses it.
const guessedTotalConf = 50

// vatFixedConf is how sure a total is that a VAT table's arithmetic
// corrected (vatFixedTotal): no reading printed it, and nothing but the
// table proves it, so never as sure as a total proven as read.
const vatFixedConf = 75

// totals is what the amounts add up to.
type totals struct {
	total, subtotal, tax, tip, discount, rounding float64
	totalConf, subtotalConf, taxConf              int
	totalBox, subtotalBox, taxBox                 Box
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

// cents keys an amount for grouping.
func cents(v float64) int64 { return int64(math.Round(v * 100)) }

// decideTotals chooses the total, subtotal, tax, tip and discount among the
// candidates, checking them against each other, the payment and the items.
func decideTotals(cands []amountCand, items []LineItem, nRows int) totals {
	// The items' sum backs a total only when it adds up several lines:
	// one item's amount is the total read again, not a second witness.
	var itemsTotal float64
	if len(items) >= 2 {
		itemsTotal = itemsSum(items)
	}
	var t totals
	pick := func(cls class) []amountCand {
		var out []amountCand
		for _, c := range cands {
			if c.cls == cls && !c.neg || (cls == clsRounding || cls == clsDiscount) && c.cls == cls {
				out = append(out, c)
			}
		}
		return out
	}
	// Payment and change: the total is what was paid minus the change.
	var tenders, changes []float64
	for _, c := range cands {
		if !c.isMoney() || c.repaired {
			continue
		}
		switch c.cls {
		case clsTender:
			tenders = append(tenders, c.value)
		case clsChange:
			changes = append(changes, c.value)
		}
	}
	bestOf := func(cls class) (amountCand, bool) {
		var best amountCand
		found := false
		bs := math.Inf(-1)
		for _, c := range pick(cls) {
			if !c.isMoney() && !c.repaired {
				continue
			}
			s := 0.0
			if c.rightmost {
				s += 5
			}
			if c.summary {
				s -= 10
			}
			if c.repaired {
				s -= 20
			}
			if c.follows {
				s -= 3
			}
			s -= float64(c.row.index) * 0.01 // the first of equals
			if s > bs {
				bs, best, found = s, c, true
			}
		}
		return best, found
	}
	var subtotals, taxes []float64
	for _, c := range pick(clsSubtotal) {
		if c.isMoney() && !c.repaired {
			subtotals = append(subtotals, c.value)
		}
	}
	for _, c := range pick(clsTax) {
		if c.isMoney() && !c.repaired && c.rightmost {
			taxes = append(taxes, c.value)
		}
	}
	var rounding, discount, tip float64
	if c, ok := bestOf(clsRounding); ok && c.value < 1 {
		rounding = c.signed()
	}
	if c, ok := bestOf(clsTip); ok {
		tip = c.value
	}
	if c, ok := bestOf(clsDiscount); ok {
		discount = c.value
	}

	// Score each total candidate, then each value.
	type valScore struct {
		v          float64
		score      float64
		n          int
		repaired   bool
		cls        class
		conf       float64 // the best OCR confidence of its readings
		reconciled bool    // paid less change, or subtotal plus tax, gives it
		derived    bool    // worked out by those sums, printed nowhere
		box        Box     // where its best-scored reading was printed
	}
	byVal := map[int64]*valScore{}
	var maxLabelled float64
	for _, c := range cands {
		var base float64
		switch c.cls {
		case clsTotalStrong:
			base = 50
		case clsTotal:
			base = 38
		case clsRounding:
			if c.value < 1 {
				continue
			}
			base = 25
		case clsTender:
			base = 8
		default:
			continue
		}
		if c.neg || c.value == 0 {
			continue
		}
		if c.decimals == 0 && !c.repaired && !c.row.textLayer {
			continue // "£5", "RM 30": whole amounts on receipts are counts or codes as often as money
		}
		if !c.isMoney() && !c.repaired {
			switch {
			case c.oneDecimal():
				base -= 10 // "5.9": OCR lost the last digit, or it is a count
			case c.row.textLayer && c.decimals == 0:
				base -= 15 // "Rs 1939" on a PDF is money; "4" on a receipt is not
			default:
				continue
			}
		}
		s := base
		if c.rightmost {
			s += 5
		} else {
			s -= 8
		}
		if c.follows {
			s -= 6
		}
		if c.summary {
			s -= 30
		}
		if c.repaired {
			s -= 18
		}
		if c.below {
			s -= 4
		}
		if nRows > 0 && float64(c.row.index)/float64(nRows) > 0.35 {
			s += 4
		}
		s += c.conf / 25
		// The words of the final amount: what is payable or due, the
		// grand, net or rounded total.
		if c.cls == clsTotalStrong && (c.lbl.has("PAYABLE", "DUE", "GRAND", "NETT", "FINAL", "ROUNDED", "PAY", "PAYER", "BETALEN", "ZAHLEN", "PAGAR", "PAGARE") || c.lbl.phrase("NET", "TOTAL")) {
			s += 8
		}
		k := cents(c.value)
		vs, ok := byVal[k]
		if !ok {
			vs = &valScore{v: c.value, score: math.Inf(-1), repaired: true}
			byVal[k] = vs
		}
		if s > vs.score {
			vs.score = s
			vs.cls = c.cls
			vs.box = c.row.at(c.box)
		}
		vs.conf = math.Max(vs.conf, c.conf)
		if !c.repaired {
			vs.repaired = false
		}
		if c.cls == clsTotal || c.cls == clsTotalStrong {
			vs.n++
			if !c.summary && !c.repaired && c.value > maxLabelled {
				maxLabelled = c.value
			}
		}
	}
	// Fallback: no labelled total at all; take the largest amount that is
	// not a payment or change, in the lower part of the document.
	if len(byVal) == 0 {
		for _, c := range cands {
			if !c.isMoney() || c.neg || c.cls == clsTender || c.cls == clsChange || c.cls == clsQty || c.summary {
				continue
			}
			if nRows > 0 && float64(c.row.index)/float64(nRows) < 0.25 {
				continue
			}
			k := cents(c.value)
			vs, ok := byVal[k]
			if !ok {
				vs = &valScore{v: c.value, score: 5, box: c.row.at(c.box)}
				byVal[k] = vs
			}
			vs.score += 2 // printed again
		}
		var mx float64
		for _, vs := range byVal {
			mx = math.Max(mx, vs.v)
		}
		for _, vs := range byVal {
			if vs.v == mx {
				vs.score += 5
			}
		}
	}
	// Totals the arithmetic gives when OCR lost the printed one: what was
	// paid less the change, the subtotal plus the tax.
	derive := func(v, base float64) {
		if v <= 0 {
			return
		}
		k := cents(v)
		if vs, ok := byVal[k]; ok {
			vs.score = math.Max(vs.score, base)
			return
		}
		byVal[k] = &valScore{v: v, score: base, derived: true}
	}
	for _, tv := range tenders {
		for _, ch := range changes {
			if ch > 0 && tv > ch {
				derive(math.Round((tv-ch)*100)/100, 36)
			}
		}
	}
	maxSub := 0.0
	for _, c := range pick(clsSubtotal) {
		if c.isMoney() && !c.summary && !c.repaired {
			maxSub = math.Max(maxSub, c.value)
			for _, tx := range taxes {
				if tx > 0 && tx < c.value {
					derive(math.Round((c.value+tx)*100)/100, 34)
				}
			}
		}
	}
	// Rounding: a receipt that rounds to 5 cents prints the total before
	// and after; the rounded one is what was paid.
	hasRounding := false
	for _, c := range cands {
		if c.cls == clsRounding || c.lbl.has("ROUNDING", "ROUNDED", "ROUND", "ADJ", "ADJUSTMENT") {
			hasRounding = true
			break
		}
	}
	if hasRounding {
		for _, a := range byVal {
			if cents(a.v)%5 != 0 {
				continue
			}
			for _, b := range byVal {
				if b != a && cents(b.v)%5 != 0 && math.Abs(a.v-b.v) < 0.045 {
					a.score += 12
					b.score -= 5
				}
			}
		}
	}
	vatSums := vatTableSums(cands)
	// Totals printed per tax rate add up to the total; a sum of them
	// whose digits the final total's row shows, misread, is taken as
	// the total, and then no part of it is.
	parts := rateTotalSums(cands)
	for _, ps := range parts {
		if garbledTotal(cands, ps.sum) {
			derive(ps.sum, 34)
		}
	}
	isPart := map[int64]bool{}
	for _, ps := range parts {
		if _, ok := byVal[cents(ps.sum)]; ok {
			for _, v := range ps.of {
				isPart[cents(v)] = true
			}
		}
	}
	// Amounts printed on lines that name no payment: witnesses for a
	// total that was only worked out.
	unlabelled := map[int64]bool{}
	for _, c := range cands {
		if c.isMoney() && !c.repaired && !c.neg && !c.summary && c.cls != clsTender && c.cls != clsChange {
			unlabelled[cents(c.value)] = true
		}
	}
	var scored []*valScore
	for _, vs := range byVal {
		v := vs.v
		s := vs.score
		if vs.n > 1 {
			s += math.Min(float64(vs.n-1)*7, 14)
		}
		// Paid minus change.
		paid := false
		for _, tv := range tenders {
			for _, ch := range changes {
				if ch > 0 && tv > ch && near(tv-ch, v) {
					s += 22
					paid = true
				}
			}
			if !paid && near(tv, v) && (len(changes) == 0 || containsNear(changes, 0)) {
				s += 14
				paid = true
			}
			if paid {
				break
			}
		}
		if !paid {
			for _, tv := range tenders {
				if near(tv, v) {
					s += 6
					break
				}
			}
		}
		// Subtotal + tax (+ rounding, - discount).
		sum := false
		for _, st := range subtotals {
			if st >= v-0.005 && near(st, v) {
				continue
			}
			for _, tx := range append(taxes, 0) {
				for _, rd := range []float64{0, rounding} {
					for _, tp := range []float64{0, tip} {
						if near(st+tx+rd+tp, v) || near(st+tx+rd+tp-discount, v) {
							sum = true
						}
					}
				}
			}
		}
		// The VAT table's gross column (or net plus tax) adds up to it,
		// or the totals per tax rate.
		if !sum && (containsNear(vatSums, v) || partsGive(parts, v)) {
			sum = true
		}
		if isPart[cents(v)] {
			s -= 40 // one rate's total, whatever its own tax adds up to
		}
		if sum {
			s += 15
		}
		// Another reading witnesses a printed amount. A total printed
		// nowhere was worked out from one of those readings, which cannot
		// witness it too: it needs both sums to agree, the items, or the
		// same amount printed on another line (a "Due" whose label OCR
		// lost, an only item's price).
		payment := paid && len(changes) > 0
		items := itemsTotal > 0 && near(itemsTotal, v)
		if vs.derived {
			vs.reconciled = payment && sum || items || (payment || sum) && unlabelled[cents(v)]
		} else {
			vs.reconciled = sum || payment || vs.n > 1 || items
		}
		if itemsTotal > 0 && (near(itemsTotal, v) || hasRounding && math.Abs(itemsTotal-v) < 0.045) {
			s += 8
		}
		if maxLabelled > 0 && v >= maxLabelled-0.005 {
			s += 4
		}
		if vs.derived && !sum && !items && !unlabelled[cents(v)] {
			// Worked out from the payment and the change alone, and
			// printed nowhere: the payment is no witness of itself, and
			// one misread digit of the cash handed over makes it, so a
			// total printed with its label goes first.
			if paid {
				s -= 14
			}
			if maxLabelled > 0 {
				s -= 15
			}
		}
		if vs.repaired {
			if !paid && !sum {
				s -= 30
			}
		}
		if maxSub > 0 && discount == 0 && v < maxSub-0.005 {
			s -= 25 // a total below the subtotal is a misread
		}
		if vs.n == 0 && maxSub > 0 && v > 1.6*maxSub && !partsGive(parts, v) {
			// Worked out, never printed as a total, and far above the
			// subtotal: no tax, tip or charge adds 60%, so the payment or
			// the change was misread. (A sum of the totals per rate is
			// above each rate's subtotal.)
			s -= 25
		}
		vs.score = s
		scored = append(scored, vs)
	}
	sort.Slice(scored, func(i, j int) bool {
		if scored[i].score != scored[j].score {
			return scored[i].score > scored[j].score
		}
		return scored[i].v > scored[j].v
	})
	if len(scored) > 0 {
		best := scored[0]
		t.total = best.v
		t.totalBox = best.box
		margin := best.score
		if len(scored) > 1 {
			margin = best.score - scored[1].score
		}
		t.totalConf = totalConfidence(best.score, margin)
		switch {
		case best.derived && !best.reconciled:
			// Printed nowhere, only worked out from the payment less the
			// change or the subtotal plus the tax: one misread digit in
			// either makes it, so it is a guess.
			t.totalConf = min(t.totalConf, guessedTotalConf)
		case !best.reconciled:
			// Nothing else on the page says so: one reading of one label.
			t.totalConf = min(t.totalConf, 75)
			switch {
			case best.conf < 80:
				t.totalConf = min(t.totalConf, 70)
			case best.conf < 90:
				t.totalConf = min(t.totalConf, 85)
			}
		}
		if laterTotalDisagrees(cands, best.v, rounding) {
			t.totalConf = min(t.totalConf, 60)
		}
		// A printed total nothing else proves, which a VAT table proves
		// misread by one digit.
		if !best.reconciled && !best.derived {
			if v, ok := vatFixedTotal(cands, best.v); ok {
				t.total = v
				t.totalConf = vatFixedConf
			}
		}
	}

	// Subtotal and tax: prefer the pair that adds up to the total.
	if t.total > 0 {
		for _, st := range subtotals {
			for _, tx := range taxes {
				for _, rd := range []float64{0, rounding} {
					if near(st+tx+rd, t.total) || near(st+tx+rd-discount, t.total) || near(st+tx+rd+tip, t.total) {
						if t.subtotal == 0 {
							t.subtotal, t.tax = st, tx
							t.subtotalConf, t.taxConf = 85, 85
						}
					}
				}
			}
		}
	}
	if t.subtotal == 0 {
		if c, ok := bestOf(clsSubtotal); ok && (t.total == 0 || c.value <= t.total+0.005) {
			t.subtotal = c.value
			t.subtotalConf = 55
		}
	}
	if t.tax == 0 {
		if c, ok := bestOf(clsTax); ok && (t.total == 0 || c.value < t.total) {
			t.tax = c.value
			t.taxConf = 50
			if t.subtotal > 0 && near(t.subtotal+t.tax, t.total) {
				t.taxConf = 85
			}
		}
	}
	if tip > 0 && (t.total == 0 || tip < t.total) {
		t.tip = tip
	}
	t.discount = discount
	t.rounding = rounding
	t.subtotalBox = boxOf(cands, clsSubtotal, t.subtotal)
	t.taxBox = boxOf(cands, clsTax, t.tax)
	// No subtotal printed: the total less its tax (all of it when the
	// document shows no tax), its tip and its rounding.
	if t.subtotal == 0 && t.total > 0 && t.tax < t.total {
		t.subtotal = math.Round((t.total-t.tax-t.tip+t.discount-t.rounding)*100) / 100
		t.subtotalConf = 40
	}
	return t
}

// vatTableSums are the totals a VAT breakdown table gives: European
// receipts print one row per rate ("B 7% 7,45 0,52 7,97", "A 7% 0,47
// 6,69 7,16"), and the sum of the rows' last amounts (the gross), or of
// their first two (net and tax), is what was paid. Rows count when they
// show a percentage followed by two or three amounts, and a table is
// rows next to each other. A gross column that a row's own net, tax and
// rate prove misread (vatGrossFix) adds up to nothing.
func vatTableSums(cands []amountCand) []float64 {
	var out []float64
	for _, tb := range vatTables(cands, 2) {
		gross, fixes := grossColumn(tb)
		var netTax float64
		for _, r := range tb {
			netTax += r.vals[0] + r.vals[1]
		}
		if len(fixes) == 0 {
			out = append(out, math.Round(gross*100)/100)
		}
		out = append(out, math.Round(netTax*100)/100)
	}
	return out
}

// grossColumn is the sum of a VAT table's gross column (each row's last
// amount) as read, and the rows whose own arithmetic proves their gross
// misread (vatGrossFix).
func grossColumn(tb []vatRow) (float64, []grossFix) {
	var gross float64
	var fixes []grossFix
	for _, r := range tb {
		gross += r.vals[len(r.vals)-1]
		if f, ok := vatGrossFix(r); ok {
			fixes = append(fixes, f)
		}
	}
	return gross, fixes
}

// vatRow is a row of a VAT table: the rate it prints and the amounts
// after the rate.
type vatRow struct {
	row  *row
	rate float64 // 0 when it does not parse
	vals []float64
}

// vatTables are the VAT tables of the document, each its rows next to
// each other (at most one row apart) that show a percentage followed by
// minVals to three money amounts.
func vatTables(cands []amountCand, minVals int) [][]vatRow {
	var rows []vatRow
	for i := 0; i < len(cands); {
		r := cands[i].row
		j := i
		for j < len(cands) && cands[j].row == r {
			j++
		}
		pct := -1
		for wi, w := range r.words {
			if strings.Contains(w.Text, "%") {
				pct = wi
			}
		}
		var vals []float64
		for _, c := range cands[i:j] {
			if pct >= 0 && c.first > pct && c.isMoney() && !c.repaired && !c.neg {
				vals = append(vals, c.value)
			}
		}
		if len(vals) >= minVals && len(vals) <= 3 {
			rows = append(rows, vatRow{row: r, rate: rateBefore(r, pct), vals: vals})
		}
		i = j
	}
	var out [][]vatRow
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].row.index-rows[j-1].row.index <= 2 {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

// reRateEnd is a rate at the end of a row's text up to its "%": "7%",
// "19,00 %", and "7, 0%", whose decimal comma OCR set a space after.
var reRateEnd = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})(?:[.,]\s?(\d{1,3}))?\s?%$`)

// rateBefore is the rate printed by row r's words up to word pct (the one
// holding the "%"), or 0.
func rateBefore(r *row, pct int) float64 {
	if pct < 0 {
		return 0
	}
	text, _ := ocr.JoinWords(r.words[:pct+1])
	text = text[:strings.LastIndex(text, "%")+1]
	m := reRateEnd.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	rate, err := strconv.ParseFloat(m[1]+"."+m[2]+"0", 64)
	if err != nil || rate <= 0 || rate > 30 {
		return 0
	}
	return rate
}

// grossFix is a VAT row's gross that its own net, tax and rate prove
// misread by one digit: from, as read, is want, net plus tax.
type grossFix struct {
	from, want float64
}

// vatGrossFix tells whether a VAT row of three amounts (net and tax in
// either order, then the gross) misreads its gross: the tax is exactly
// the rate of the net, or of net plus tax (prices with tax in them), as
// rounded to the cent; the gross as read agrees with the tax neither way;
// and it differs from net plus tax in one digit, above the cents. (A
// change of one cent is within the rounding of the tax, so there the
// rate cannot tell a misread gross from a misread tax.) A row whose
// amounts are a price, a rebate at the rate and what is left ("10% 5,00
// 0,50 4,50") is a discount, not a VAT row.
func vatGrossFix(r vatRow) (grossFix, bool) {
	if len(r.vals) != 3 || r.rate == 0 {
		return grossFix{}, false
	}
	net, tax, gross := r.vals[0], r.vals[1], r.vals[2]
	if tax > net {
		net, tax = tax, net
	}
	if tax <= 0 {
		return grossFix{}, false
	}
	sum := round2(net + tax)
	exact := func(tax, of, rate float64) bool { return math.Abs(of*rate-tax) <= 0.005+1e-9 }
	agrees := func(net, gross float64) bool {
		return exact(tax, net, r.rate/100) || exact(tax, gross, r.rate/(100+r.rate))
	}
	if near(sum, gross) || near(net-tax, gross) || !agrees(net, sum) || agrees(gross-tax, gross) {
		return grossFix{}, false
	}
	place, _, _, ok := oneDigitApart(gross, sum)
	if !ok || place == 0 {
		return grossFix{}, false
	}
	return grossFix{from: gross, want: sum}, true
}

// oneDigitApart tells whether a and b, written in cents, have as many
// digits and differ in exactly one, and which: its place (0 for the
// cents, 1 for the tenths, ...) and the digits there in a and in b.
func oneDigitApart(a, b float64) (place int, da, db byte, ok bool) {
	sa, sb := strconv.FormatInt(cents(a), 10), strconv.FormatInt(cents(b), 10)
	if len(sa) != len(sb) {
		return 0, 0, 0, false
	}
	n := 0
	for i := range sa {
		if sa[i] != sb[i] {
			n++
			place, da, db = len(sa)-1-i, sa[i], sb[i]
		}
	}
	return place, da, db, n == 1
}

// vatFixedTotal is total v corrected by a VAT table that proves one of
// its rows' gross misread: the table's gross column as read adds up to v,
// and v shows the same digit in the same place as the misread gross, so
// the same misreading of one printed digit made both. It corrects v in
// that digit, as the row's net plus tax does the gross. One fix in the
// table at most: more is a page too misread to correct.
func vatFixedTotal(cands []amountCand, v float64) (float64, bool) {
	for _, tb := range vatTables(cands, 1) {
		gross, fixes := grossColumn(tb)
		if len(fixes) != 1 || !near(gross, v) {
			continue
		}
		f := fixes[0]
		place, from, to, _ := oneDigitApart(f.from, f.want)
		fixed := round2(v + f.want - f.from)
		p, vd, fd, ok := oneDigitApart(v, fixed)
		if ok && p == place && vd == from && fd == to {
			return fixed, true
		}
	}
	return 0, false
}

// laterTotalDisagrees tells whether a total label further down than the
// rows printing total v shows another amount (or one that could not be
// read): the choice of v is then in doubt.
func laterTotalDisagrees(cands []amountCand, v, rounding float64) bool {
	chosenRow := -1
	for _, c := range cands {
		if (c.cls == clsTotal || c.cls == clsTotalStrong) && cents(c.value) == cents(v) && !c.repaired {
			chosenRow = max(chosenRow, c.row.index)
		}
	}
	for _, c := range cands {
		if c.cls == clsTotalStrong && !c.summary && c.row.index > chosenRow && cents(c.value) != cents(v) && !near(c.value, rounding) {
			return true
		}
	}
	return false
}

// rateSum is a sum of totals printed per tax rate, and its parts.
type rateSum struct {
	sum float64
	of  []float64
}

// rateTotalSums are the sums of two or more of the totals a receipt
// prints per tax rate ("Total 0% supplies: 19.83", "Total 6% supplies
// (Inc. GST): 32.05", "Total Payable: 51.88"): amounts labelled a total
// with a rate on their row, before tax excluded ("excl. GST") or not,
// each value once. A return makes a part negative.
func rateTotalSums(cands []amountCand) []rateSum {
	var vals []float64
	seen := map[int64]bool{}
	for _, c := range cands {
		if !c.isMoney() || c.repaired || c.summary || !c.rightmost || c.value == 0 {
			continue
		}
		if !(c.lbl.has(totalWords...) || c.lbl.hasPrefix("TOTAL")) || c.lbl.excludesTax() {
			continue
		}
		rate := false
		for _, w := range c.row.words[:c.first] {
			if strings.Contains(w.Text, "%") {
				rate = true
			}
		}
		if !rate || seen[cents(c.signed())] {
			continue
		}
		seen[cents(c.signed())] = true
		vals = append(vals, c.signed())
	}
	if len(vals) < 2 || len(vals) > 6 {
		return nil
	}
	var out []rateSum
	for set := 1; set < 1<<len(vals); set++ {
		var of []float64
		sum := 0.0
		for i, v := range vals {
			if set&(1<<i) != 0 {
				of = append(of, v)
				sum += v
			}
		}
		if sum = math.Round(sum*100) / 100; len(of) >= 2 && sum > 0 {
			out = append(out, rateSum{sum, of})
		}
	}
	return out
}

func partsGive(parts []rateSum, v float64) bool {
	for _, ps := range parts {
		if near(ps.sum, v) {
			return true
		}
	}
	return false
}

// garbledTotal tells whether the amount of a row labelled as the final
// total, too misread to be parsed as v ("- 5143", "51*8" for 51.88),
// still shows v's shape: as many characters as v's digits, the first the
// same, and at least half of them in place.
func garbledTotal(cands []amountCand, v float64) bool {
	want := strconv.FormatInt(cents(v), 10)
	if len(want) < 3 {
		return false
	}
	rows := map[*row]bool{}
	for _, c := range cands {
		if c.cls != clsTotalStrong || c.summary || rows[c.row] || cents(c.value) == cents(v) && c.isMoney() {
			continue
		}
		rows[c.row] = true
		var b strings.Builder
		for _, w := range c.row.words[c.first:] {
			b.WriteString(strings.NewReplacer(".", "", ",", "", "-", "", "—", "").Replace(w.Text))
		}
		got := b.String()
		if len(got) != len(want) || got[0] != want[0] {
			continue
		}
		same := 0
		for i := range want {
			if got[i] == want[i] {
				same++
			}
		}
		if 2*same >= len(want) {
			return true
		}
	}
	return false
}

// boxOf is where an amount of class cls and value v was printed: the
// first such reading, one at the end of its row and outside a tax summary
// when there is one. It is zero when none shows v (a subtotal worked out
// from the total, say).
func boxOf(cands []amountCand, cls class, v float64) Box {
	if v <= 0 {
		return Box{}
	}
	var found *amountCand
	for i := range cands {
		c := &cands[i]
		if c.cls != cls || c.repaired || cents(c.value) != cents(v) {
			continue
		}
		if found == nil || c.rightmost && !c.summary && !(found.rightmost && !found.summary) {
			found = c
		}
	}
	if found == nil {
		return Box{}
	}
	return found.row.at(found.box)
}

func containsNear(vs []float64, v float64) bool {
	for _, x := range vs {
		if near(x, v) {
			return true
		}
	}
	return false
}

// totalConfidence maps a total's score and its lead over the runner-up to
// 0-100. The steps were set on the development receipts so that 80 and
// above is right at least 19 times in 20.
func totalConfidence(score, margin float64) int {
	switch {
	case score >= 80 && margin >= 15:
		return 95
	case score >= 70 && margin >= 10:
		return 88
	case score >= 60 && margin >= 8:
		return 75
	case score >= 50:
		return 60
	case score >= 30:
		return 45
	}
	return 25
}

// columnClasses reads the classes of a row's amounts from the titles of
// their columns ("Montant HT | Montant TVA | Montant TTC" over "24.99 5.00
// 29.99") when the titles name at least two different ones.
func columnClasses(lay *layout, r *row, cs []amountCand) {
	n := 0
	for _, c := range cs {
		if c.isMoney() {
			n++
		}
	}
	if n < 2 {
		return
	}
	var header *row
	for i := r.index - 1; i >= 0 && i >= r.index-8; i-- {
		h := lay.rows[i]
		if h.page != r.page {
			break
		}
		if len(h.segs) >= 2 && len(rowAmounts(h)) == 0 {
			header = h
			break
		}
	}
	if header == nil {
		return
	}
	// The header's cells: its words split where the gap is wider than a
	// space.
	type cell struct {
		text   string
		x0, x1 int
	}
	var cells []cell
	for i, w := range header.words {
		if i == 0 || float64(w.Box.Min.X-header.words[i-1].Box.Max.X) > 0.5*header.height {
			cells = append(cells, cell{w.Text, w.Box.Min.X, w.Box.Max.X})
			continue
		}
		c := &cells[len(cells)-1]
		c.text += " " + w.Text
		c.x1 = w.Box.Max.X
	}
	classes := make([]class, len(cs))
	distinct := map[class]bool{}
	for i, c := range cs {
		if !c.isMoney() {
			continue
		}
		best, bestOv := -1, 0
		for j, h := range cells {
			ov := min(h.x1, c.box.Max.X) - max(h.x0, c.box.Min.X)
			if ov > bestOv {
				best, bestOv = j, ov
			}
		}
		if best < 0 {
			continue
		}
		cl := classify(newLabel(cells[best].text))
		switch cl {
		case clsSubtotal, clsTax, clsTotal, clsTotalStrong:
			classes[i] = cl
			if cl == clsTotalStrong {
				cl = clsTotal
			}
			distinct[cl] = true
		}
	}
	if len(distinct) < 2 {
		return
	}
	for i := range cs {
		if classes[i] != clsNone {
			cs[i].cls = classes[i]
			cs[i].follows = false
			cs[i].rightmost = true
		}
	}
}
