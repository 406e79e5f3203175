package extract

import (
	"regexp"
	"strings"
)

// Photon's doctypes from a document's text, for /classify and
// /docsplitter: the kinds Tillroll does not read field by field (checks,
// statements, remittances, bills of lading, utility bills, pay stubs) by
// the phrases that head them; otherwise the receipt or invoice that
// extraction decided.

var docTypePhrases = []struct {
	doctype string
	any     []string // one of these decides
	all     [][]string
}{
	{doctype: "check", any: []string{"PAY TO THE ORDER OF", "PAY TO THE ORDER", "PAYEZ A L ORDRE DE"}},
	{doctype: "remittance", any: []string{"REMITTANCE ADVICE", "PAYMENT ADVICE", "ZAHLUNGSAVIS"}},
	{doctype: "bol", any: []string{"BILL OF LADING", "SEA WAYBILL", "AIR WAYBILL"}},
	{doctype: "stub", any: []string{"PAY STUB", "EARNINGS STATEMENT", "PAYSLIP", "PAY SLIP", "GEHALTSABRECHNUNG"}},
	{doctype: "statement", all: [][]string{{"STATEMENT", "KONTOAUSZUG", "RELEVE"}, {"OPENING BALANCE", "CLOSING BALANCE", "PREVIOUS BALANCE", "NEW BALANCE", "STATEMENT PERIOD", "ALTER KONTOSTAND", "NEUER KONTOSTAND"}}},
	{doctype: "bill-utility", all: [][]string{{"KWH", "METER READING", "M3", "THERMS", "ZAHLERSTAND"}, {"ELECTRICITY", "GAS", "WATER", "ENERGY", "STROM", "ENERGIE"}}},
}

// DocTypeOf is Photon's doctype for a document with this text, given the
// type extraction decided ("receipt" or "invoice"; "" for none).
func DocTypeOf(text, extracted string) string {
	t := " " + strings.Join(newLabel(text), " ") + " "
	has := func(p string) bool { return strings.Contains(t, " "+p+" ") }
	for _, d := range docTypePhrases {
		if len(d.any) > 0 {
			for _, p := range d.any {
				if has(p) {
					return d.doctype
				}
			}
			continue
		}
		all := true
		for _, group := range d.all {
			found := false
			for _, p := range group {
				found = found || has(p)
			}
			all = all && found
		}
		if all {
			return d.doctype
		}
	}
	if extracted == "invoice" || strings.EqualFold(extracted, "Invoice") {
		return "invoice"
	}
	if extracted == "" && (has("INVOICE") || has("RECHNUNG") || has("FACTURE") || has("FACTUUR") || has("FACTURA") || has("BILL TO")) {
		return "invoice" // no extraction to go by: the document's own title
	}
	return "receipt"
}

var (
	rePageOf    = regexp.MustCompile(`(?i)\b(?:page|seite|pagina|p\.)\s*(\d{1,3})\s*(?:of|von|sur|de|/)\s*(\d{1,3})\b`)
	reDocNumber = regexp.MustCompile(`(?i)\b(?:invoice|rechnung|factuur|facture|receipt|bill|order)\s*(?:no\.?|nr\.?|number|#|n°|nummer|num[eé]ro)?\s*[:#]?\s*([A-Z0-9][A-Z0-9\-/_.]{2,})`)
)

// SplitPages groups the pages of a file holding several documents into
// the documents, given each page's text: a page starts a new document
// when it says it is page 1 ("Page 1 of 2"), when the page before said it
// was the last, or when it prints another document number than the pages
// before. Pages are numbered from 1.
func SplitPages(pages []string) [][]int {
	var out [][]int
	prevLast, prevNumber := false, ""
	for i, text := range pages {
		n, of, marked := pageMark(text)
		number := docNumberOf(text)
		start := i == 0 || prevLast || marked && n == 1 || number != "" && prevNumber != "" && number != prevNumber
		if start {
			out = append(out, nil)
			prevNumber = ""
		}
		out[len(out)-1] = append(out[len(out)-1], i+1)
		prevLast = marked && n == of
		if number != "" {
			prevNumber = number
		}
	}
	return out
}

// pageMark is the "page N of M" a page prints.
func pageMark(text string) (n, of int, ok bool) {
	m := rePageOf.FindStringSubmatch(text)
	if m == nil {
		return 0, 0, false
	}
	n, of = atoiSmall(m[1]), atoiSmall(m[2])
	return n, of, n >= 1 && of >= n
}

// docNumberOf is the document number a page prints after its label,
// among its first lines (the header).
func docNumberOf(text string) string {
	lines := strings.Split(text, "\n")
	if len(lines) > 15 {
		lines = lines[:15]
	}
	for _, l := range lines {
		if m := reDocNumber.FindStringSubmatch(l); m != nil && digitCount(m[1]) > 0 && len(findDates(m[1])) == 0 {
			return strings.ToUpper(strings.Trim(m[1], ".:/"))
		}
	}
	return ""
}

func atoiSmall(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
