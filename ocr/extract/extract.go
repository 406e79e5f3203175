package extract

import (
	"math"
	"strings"

	"tillroll/ocr"
)

// The capture API's field names, the keys of Fields.Confidence.
const (
	KeyVendorName    = "Vendor_Name"
	KeyVendorAddress = "Vendor_Address"
	KeyVendorPhone   = "Vendor_Phone"
	KeyDate          = "Date"
	KeyTime          = "Time"
	KeyTotal         = "Total"
	KeySubtotal      = "Subtotal"
	KeyTax           = "Tax"
	KeyCurrency      = "Currency_Code"
	KeyInvoiceNumber = "Invoice_Number"
	KeyDocumentType  = "Document_Type"
)

// Extract finds a receipt's or an invoice's fields in what OCR read. It
// never fails: a field it cannot find is left empty with confidence 0.
func Extract(doc ocr.Document) Fields { return ExtractAs(doc, "") }

// ExtractAs is Extract with the document type given ("receipt" or
// "invoice") rather than decided from the text; "" decides.
func ExtractAs(doc ocr.Document, as string) Fields {
	if hasSecondReading(doc) {
		return choose(doc, as)
	}
	return extractOne(doc, as)
}

// extractOne is ExtractAs on one reading of each line.
func extractOne(doc ocr.Document, as string) Fields {
	f := Fields{Confidence: map[string]int{}, Boxes: map[string]Box{}}
	lay := buildLayout(doc)
	if len(lay.rows) == 0 {
		f.DocumentType = "receipt"
		return f
	}
	var dtConf int
	f.DocumentType, dtConf = docType(lay)
	if as != "" {
		f.DocumentType, dtConf = as, 100
	}
	f.Confidence[KeyDocumentType] = dtConf

	cands := collectAmounts(lay)
	cur, curConf := findCurrency(lay, cands)
	f.CurrencyCode = cur
	setConf(f.Confidence, KeyCurrency, cur != "", curConf)

	var v vendorResult
	if f.DocumentType == "invoice" {
		v = findIssuer(lay)
	} else {
		v = findVendor(lay)
	}
	f.VendorName, f.VendorAddress, f.VendorPhone = v.name, v.address, v.phone
	setConf(f.Confidence, KeyVendorName, v.name != "", v.nameConf)
	setConf(f.Confidence, KeyVendorAddress, v.address != "", v.addrConf)
	setConf(f.Confidence, KeyVendorPhone, v.phone != "", v.phoneConf)
	setBox(f.Boxes, KeyVendorName, v.name != "", v.nameBox)
	setBox(f.Boxes, KeyVendorAddress, v.address != "", v.addrBox)

	dayFirst := decideDayFirst(lay, cur)
	d := findDate(lay, dayFirst, f.DocumentType == "invoice")
	f.Date, f.Time = d.date, d.time
	setConf(f.Confidence, KeyDate, d.date != "", d.dateConf)
	setConf(f.Confidence, KeyTime, d.time != "", d.timeConf)
	setBox(f.Boxes, KeyDate, d.date != "", d.dateBox)
	setBox(f.Boxes, KeyTime, d.time != "", d.timeBox)

	after := max(v.end, v.nameRow, d.row)
	if after >= len(lay.rows)/2 {
		after = max(v.end, v.nameRow)
	}
	start, end := itemRegion(lay, cands, after)
	f.LineItems = findItems(lay, start, end)

	t := decideTotals(cands, f.LineItems, len(lay.rows))
	f.Total, f.Subtotal, f.Tax, f.Tip, f.Discount = t.total, t.subtotal, t.tax, t.tip, t.discount
	setConf(f.Confidence, KeyTotal, t.total > 0, t.totalConf)
	setConf(f.Confidence, KeySubtotal, t.subtotal > 0, t.subtotalConf)
	setConf(f.Confidence, KeyTax, t.tax > 0, t.taxConf)
	setBox(f.Boxes, KeyTotal, t.total > 0, t.totalBox)
	setBox(f.Boxes, KeySubtotal, t.subtotal > 0, t.subtotalBox)
	setBox(f.Boxes, KeyTax, t.tax > 0, t.taxBox)
	if len(f.LineItems) > 0 && t.total > 0 {
		s := itemsSum(f.LineItems)
		if !near(s, t.total) && !near(s, t.subtotal) && s > t.total*1.5 {
			// Items that add up to far more than the total were misread.
			f.LineItems = nil
		}
	}
	if f.LineItems == nil {
		f.LineItems = []LineItem{}
	}

	num, numConf, numBox := findInvoiceNumber(lay)
	f.InvoiceNumber = num
	setConf(f.Confidence, KeyInvoiceNumber, num != "", numConf)
	setBox(f.Boxes, KeyInvoiceNumber, num != "", numBox)
	f.More = findMore(lay, &f)
	return f
}

func setBox(m map[string]Box, key string, found bool, b Box) {
	if found && !b.IsZero() {
		m[key] = b
	}
}

func setConf(m map[string]int, key string, found bool, c int) {
	if !found {
		m[key] = 0
		return
	}
	m[key] = max(0, min(100, c))
}

// decideDayFirst tells whether the document writes dates day first: its
// own unambiguous dates (a part above 12) decide, then its currency
// (the US writes month first, most of the world day first).
func decideDayFirst(lay *layout, cur string) bool {
	df, mf := 0, 0
	for _, r := range lay.rows {
		for _, m := range r.findDates() {
			switch m.order {
			case "dmy":
				df++
			case "mdy":
				mf++
			}
		}
	}
	if df != mf {
		return df > mf
	}
	return cur != "USD"
}

// dateResult is the document's date and time of day.
type dateResult struct {
	date, time         string
	dateConf, timeConf int
	dateBox, timeBox   Box
	row                int
}

// dateLabel scores the words before a date on its row.
func dateLabel(l label) float64 {
	switch {
	case l.has("DUE", "EXPIRY", "EXPIRES", "EXP", "VERVALDATUM", "LIMITE", "ECHEANCE", "FALLIG", "FALLIGKEIT", "VALID", "UNTIL",
		"DEPARTURE", "BIRTH", "SINCE", "PERIOD", "VERVAL"):
		return -10
	case l.phrase("CHECK", "OUT") || l.has("CHECKOUT"):
		return -6
	case l.has("ORDER", "ORDERDATUM", "PRINTED", "PRINT", "CLOSED", "DELIVERY", "SHIPPED", "LEVERDATUM", "BESTELLDATUM", "ISSUED"):
		return -3
	case l.phrase("INVOICE", "DATE") || l.has("FACTUURDATUM", "RECHNUNGSDATUM", "INVOICEDATE") || l.phrase("DATE", "DE", "FACTURE") ||
		l.phrase("FACTUUR", "DATUM") || l.phrase("BILL", "DATE"):
		return 12
	case l.has("DATE", "DATED", "TARIKH", "FECHA", "DATUM", "BIZDATE", "DATA", "TGL", "TANGGAL") || l.hasPrefix("DATE"):
		return 8
	case l.has("DU", "LE"):
		return 2 // "Facture n° 123 du 02 Juillet 2015"
	}
	return 0
}

// findDate chooses the document's date among all the dates it shows and
// the time of day printed next to it.
func findDate(lay *layout, dayFirst, invoice bool) dateResult {
	type cand struct {
		iso   string
		score float64
		row   int
		start int
		m     dateMatch
		conf  float64
	}
	var cands []cand
	count := map[string]int{}
	n := len(lay.rows)
	for ri, r := range lay.rows {
		ms := r.findDates()
		times := findTimes(r.text)
		for _, m := range ms {
			iso := m.iso(dayFirst)
			count[iso]++
			s := 10.0
			before := r.text[:m.start]
			if len(before) > 40 {
				before = before[len(before)-40:]
			}
			ls := dateLabel(newLabel(before))
			if ls == 0 && ri > 0 {
				// A column title above the date ("Invoice Date:" over "03/20/2023").
				ls = headerAbove(lay, ri, m.start) * 0.9
			}
			s += ls
			for _, t := range times {
				if t.start >= m.end || t.end <= m.start {
					s += 4
					break
				}
			}
			if m.y >= 2000 && m.y <= 2040 {
				s += 2
			} else {
				s -= 6
			}
			if m.ambiguous {
				s -= 1
			}
			if !invoice && n > 0 {
				s -= 3 * float64(ri) / float64(n) // receipts print the date near the top, and again at the end
			}
			cands = append(cands, cand{iso: iso, score: s, row: ri, start: m.start, m: m, conf: conf(wordsInRange(r, m.start, m.end))})
		}
	}
	res := dateResult{row: -1}
	if len(cands) == 0 {
		return res
	}
	best := -1
	bestScore := math.Inf(-1)
	for i, c := range cands {
		s := c.score + math.Min(float64(count[c.iso]-1)*3, 6)
		cands[i].score = s
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	b := cands[best]
	res.date, res.row = b.iso, b.row
	res.dateBox = lay.rows[b.row].rangeBox(b.m.start, b.m.end)
	second := math.Inf(-1)
	for _, c := range cands {
		if c.iso != b.iso && c.score > second {
			second = c.score
		}
	}
	margin := bestScore - second
	switch {
	case bestScore >= 20 && margin >= 6 && (!b.m.ambiguous || b.m.order == "?" && b.m.m == b.m.d):
		res.dateConf = 92
	case bestScore >= 16 && margin >= 4 && !b.m.ambiguous:
		res.dateConf = 85
	case bestScore >= 14 && margin >= 3:
		res.dateConf = 75
	case bestScore >= 8:
		res.dateConf = 60
	default:
		res.dateConf = 40
	}
	if b.m.ambiguous && res.dateConf > 78 {
		res.dateConf = 78
	}
	if b.m.guessed {
		res.dateConf = min(res.dateConf, 60)
	}
	// OCR's own doubt about the digits: the best reading of this date.
	ocrConf := 0.0
	for _, c := range cands {
		if c.iso == b.iso {
			ocrConf = math.Max(ocrConf, c.conf)
		}
	}
	// Read the same twice, a date is surer than OCR says of each reading.
	switch {
	case count[b.iso] > 1 && ocrConf >= 80:
	case ocrConf < 82:
		res.dateConf = min(res.dateConf, 70)
	case ocrConf < 93:
		res.dateConf = min(res.dateConf, 78)
	}
	// The time: on the date's row, else on a row next to it, else a
	// labelled one anywhere.
	pickTime := func(ri int) (timeMatch, bool) {
		if ri < 0 || ri >= len(lay.rows) {
			return timeMatch{}, false
		}
		r := lay.rows[ri]
		for _, t := range findTimes(r.text) {
			if ri == b.row && t.start < b.m.end && t.end > b.m.start {
				continue
			}
			if overlapsDate(r, t) {
				continue
			}
			return t, true
		}
		return timeMatch{}, false
	}
	for _, d := range []int{0, 1, -1, 2, -2} {
		if t, ok := pickTime(b.row + d); ok {
			res.time = t.String()
			res.timeBox = lay.rows[b.row+d].rangeBox(t.start, t.end)
			res.timeConf = 85 - 10*absInt(d)
			if t.seconds || t.meridiem {
				res.timeConf += 5
			}
			return res
		}
	}
	for ri, r := range lay.rows {
		l := newLabel(r.text)
		if !l.has("TIME", "MASA", "HORA", "HEURE", "ZEIT", "TIJD") {
			continue
		}
		if t, ok := pickTime(ri); ok {
			res.time = t.String()
			res.timeBox = r.rangeBox(t.start, t.end)
			res.timeConf = 65
			return res
		}
	}
	return res
}

func overlapsDate(r *row, t timeMatch) bool {
	for _, m := range r.findDates() {
		if t.start < m.end && t.end > m.start {
			return true
		}
	}
	return false
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// headerAbove scores a date label on the row above the date, over the
// date's column.
func headerAbove(lay *layout, ri, offset int) float64 {
	r := lay.rows[ri]
	up := lay.rows[ri-1]
	if up.page != r.page {
		return 0
	}
	wi := wordAtOffset(r, offset)
	if wi < 0 {
		return 0
	}
	x0, x1 := r.words[wi].Box.Min.X, r.words[wi].Box.Max.X
	var parts []string
	for _, w := range up.words {
		if w.Box.Max.X >= x0-40 && w.Box.Min.X <= x1+40 {
			parts = append(parts, w.Text)
		}
	}
	if len(parts) == 0 {
		return 0
	}
	return dateLabel(newLabel(strings.Join(parts, " ")))
}

// wordAtOffset is the index of the word holding the byte offset of the
// row's text (words are joined by one space).
func wordAtOffset(r *row, offset int) int {
	pos := 0
	for i, w := range r.words {
		end := pos + len(w.Text)
		if offset >= pos && offset < end+1 {
			return i
		}
		pos = end + 1
	}
	return -1
}

// wordsInRange are the words of a row that overlap the byte range
// [start, end) of its text.
func wordsInRange(r *row, start, end int) []ocr.Word {
	var out []ocr.Word
	pos := 0
	for _, w := range r.words {
		e := pos + len(w.Text)
		if pos < end && e > start {
			out = append(out, w)
		}
		pos = e + 1
	}
	return out
}
