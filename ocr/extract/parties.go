package extract

import (
	"regexp"
	"strings"

	"tillroll/ocr"
)

// The parties beside the issuer: who the document is billed to and where
// it ships, each read as the block under (or after) its label, in the
// label's column; and any postal address split into street, city, state,
// postcode and country.

// partyBlock is a name and address read under a label.
type partyBlock struct {
	name, address string
	rows          map[int]bool
}

func billLabel(l label) bool {
	return l.phrase("BILL", "TO") || l.phrase("BILLED", "TO") || l.phrase("INVOICE", "TO") || l.phrase("SOLD", "TO") ||
		l.phrase("BILLING", "ADDRESS") || l.has("FACTUURADRES", "RECHNUNGSADRESSE", "RECHNUNGSEMPFANGER") ||
		l.phrase("CUSTOMER", "ADDRESS") || l.phrase("ADRESSE", "DE", "FACTURATION") || len(l) > 0 && len(l) <= 2 && l[0] == "BUYER" || l.phrase("CUSTOMER", "NAME")
}

func shipLabel(l label) bool {
	return l.phrase("SHIP", "TO") || l.phrase("SHIPPED", "TO") || l.phrase("DELIVER", "TO") || l.phrase("DELIVERY", "ADDRESS") ||
		l.phrase("SHIPPING", "ADDRESS") || l.has("AFLEVERADRES", "LIEFERADRESSE", "LIEFERANSCHRIFT") || l.phrase("ADRESSE", "DE", "LIVRAISON")
}

// findParty reads the block under the first row whose label matches: the
// rest of the label's row, then up to five rows below, in the label's
// column, until a row with an amount, a date or another label.
func findParty(lay *layout, match func(label) bool) partyBlock {
	b := partyBlock{rows: map[int]bool{}}
	for ri, r := range lay.rows {
		l := newLabel(r.text)
		if !match(l) {
			continue
		}
		// The label's column: from its first word to the next wide gap.
		x0, x1 := r.box.Min.X, r.box.Max.X
		first := -1
		for wi, w := range r.words {
			if match(newLabel(w.Text)) || first < 0 && match(newLabel(strings.Join(wordTexts(r.words[wi:min(wi+3, len(r.words))]), " "))) {
				first = wi
				break
			}
		}
		if first >= 0 {
			x0 = r.words[first].Box.Min.X
			x1 = columnEnd(r, first)
		}
		var lines []string
		// What follows the label on its own row.
		if rest := strings.TrimSpace(afterLabelWords(r, first, match)); rest != "" {
			lines = append(lines, rest)
		}
		b.rows[ri] = true
		for k := ri + 1; k < len(lay.rows) && k <= ri+5; k++ {
			nr := lay.rows[k]
			if nr.page != r.page {
				break
			}
			var ws []string
			for _, w := range nr.words {
				cx := (w.Box.Min.X + w.Box.Max.X) / 2
				if cx >= x0-20 && (cx <= x1+20 || x1 <= x0) {
					ws = append(ws, w.Text)
				}
			}
			text := strings.TrimSpace(strings.Join(ws, " "))
			if text == "" {
				if len(lines) > 0 {
					break
				}
				continue
			}
			nl := newLabel(text)
			if billLabel(nl) || shipLabel(nl) || len(findDates(text)) > 0 || hasMoney(text) || numberLabel(nl) > 0 || dueLabel(nl) {
				break
			}
			lines = append(lines, text)
			b.rows[k] = true
		}
		if len(lines) > 0 {
			b.name = lines[0]
			b.address = strings.Join(lines[1:], ", ")
		}
		return b
	}
	return b
}

func wordTexts(ws []ocr.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// columnEnd is the right edge of the label's column: the last word before
// a gap wider than three times the row's height.
func columnEnd(r *row, first int) int {
	end := r.words[first].Box.Max.X
	gap := int(r.height * 3)
	if gap < 30 {
		gap = 30
	}
	for _, w := range r.words[first+1:] {
		if w.Box.Min.X-end > gap {
			return end + gap
		}
		end = w.Box.Max.X
	}
	return r.pageW
}

// afterLabelWords is the text after the label's words on its row, in its
// column.
func afterLabelWords(r *row, first int, match func(label) bool) string {
	if first < 0 {
		return ""
	}
	end := columnEnd(r, first)
	var ws []string
	labelDone := false
	for wi := first; wi < len(r.words); wi++ {
		w := r.words[wi]
		if w.Box.Min.X > end {
			break
		}
		if !labelDone {
			// Skip the label's words: up to and including the last one
			// that still makes the label match.
			if match(newLabel(strings.Join(wordTexts(r.words[first:wi+1]), " "))) {
				labelDone = true
			}
			continue
		}
		ws = append(ws, w.Text)
	}
	// "Bill to Address:", "Customer Name:": the label's own last word.
	for len(ws) > 0 {
		switch fold(strings.Trim(ws[0], ":;-")) {
		case "ADDRESS", "NAME", "", "ADRESSE", "ADRES", "ANSCHRIFT":
			ws = ws[1:]
			continue
		}
		break
	}
	return strings.Trim(strings.Join(ws, " "), ":;- ")
}

func hasMoney(text string) bool {
	for _, t := range strings.Fields(text) {
		if m, ok := parseMoneyToken(strings.Trim(t, ":;")); ok && m.decimals == 2 {
			return true
		}
	}
	return false
}

// splitAddress is a postal address in parts.
type splitAddress struct {
	line, city, state, zip, country string
}

var (
	reUSCity  = regexp.MustCompile(`([A-Za-z][A-Za-z .'\-]*?),?\s+([A-Z]{2})\s+(\d{5})(?:-\d{4})?\b`)
	reUKPost  = regexp.MustCompile(`\b([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b`)
	rePostNum = regexp.MustCompile(`\b(\d{5}|\d{4}(?:\s?[A-Z]{2}\b)?|\d{2}-\d{3})\s+([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ.'\-]*(?:\s+[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ.'\-]*){0,2})`)
)

var countries = []struct{ words, name string }{
	{"UNITED STATES", "United States"}, {"USA", "United States"}, {"U.S.A.", "United States"}, {"UNITED KINGDOM", "United Kingdom"},
	{"ENGLAND", "United Kingdom"}, {"GERMANY", "Germany"}, {"DEUTSCHLAND", "Germany"}, {"FRANCE", "France"}, {"NETHERLANDS", "Netherlands"},
	{"NEDERLAND", "Netherlands"}, {"BELGIUM", "Belgium"}, {"BELGIE", "Belgium"}, {"BELGIQUE", "Belgium"}, {"LUXEMBOURG", "Luxembourg"},
	{"SWITZERLAND", "Switzerland"}, {"SCHWEIZ", "Switzerland"}, {"AUSTRIA", "Austria"}, {"OSTERREICH", "Austria"}, {"SPAIN", "Spain"},
	{"ITALY", "Italy"}, {"IRELAND", "Ireland"}, {"POLAND", "Poland"}, {"MALAYSIA", "Malaysia"}, {"SINGAPORE", "Singapore"},
	{"INDIA", "India"}, {"AUSTRALIA", "Australia"}, {"CANADA", "Canada"}, {"CHINA", "China"}, {"JAPAN", "Japan"},
}

// splitPostal splits an address on one line ("900 Jemison Lane Mountain
// Brook, AL 35223", "12 HIGH STREET, LEEDS LS1 4AB", "Hauptstr. 5, 10115
// Berlin"): the street is what comes before the city and postcode.
func splitPostal(addr string) splitAddress {
	var s splitAddress
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return s
	}
	up := fold(addr)
	for _, c := range countries {
		if i := strings.LastIndex(up, c.words); i >= 0 && wordBoundary(up, i, len(c.words)) {
			s.country = c.name
			break
		}
	}
	cut := -1
	if m := lastSubmatchIndex(reUSCity, addr); m != nil {
		city := addr[m[2]:m[3]]
		if i := strings.LastIndexAny(city, ","); i >= 0 {
			city = city[i+1:]
		}
		s.city, s.state, s.zip = cityAfterStreet(city), addr[m[4]:m[5]], addr[m[6]:m[7]]
		cut = strings.LastIndex(addr[:m[3]], s.city)
	} else if m := lastSubmatchIndex(reUKPost, addr); m != nil && digitCount(addr[m[2]:m[3]]) <= 2 {
		s.zip = addr[m[2]:m[3]]
		before := strings.TrimRight(addr[:m[2]], ", ")
		if i := strings.LastIndexAny(before, ","); i >= 0 {
			s.city, cut = strings.TrimSpace(before[i+1:]), i+1
		} else {
			s.city = lastWords(before, 1)
			cut = len(before) - len(s.city)
		}
	} else if m := lastSubmatchIndex(rePostNum, addr); m != nil {
		s.zip, s.city = addr[m[2]:m[3]], strings.TrimRight(addr[m[4]:m[5]], ",.")
		if fold(s.city) == strings.ToUpper(s.country) || fold(s.city) == "" {
			s.city = ""
		}
		cut = m[2]
	}
	if cut > 0 {
		s.line = strings.Trim(strings.TrimSpace(addr[:cut]), ",;- ")
	} else if cut < 0 {
		s.line = addr
	}
	return s
}

func lastSubmatchIndex(re *regexp.Regexp, s string) []int {
	all := re.FindAllStringSubmatchIndex(s, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

func lastWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[len(f)-n:]
	}
	return strings.Join(f, " ")
}

func wordBoundary(s string, i, n int) bool {
	ok := func(j int) bool {
		if j < 0 || j >= len(s) {
			return true
		}
		c := s[j]
		return !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
	}
	return ok(i-1) && ok(i+n)
}

// streetWords end the street part of an address written on one line.
var streetWords = map[string]bool{
	"STREET": true, "ST": true, "LANE": true, "LN": true, "ROAD": true, "RD": true, "AVENUE": true, "AVE": true, "DRIVE": true,
	"DR": true, "BLVD": true, "BOULEVARD": true, "WAY": true, "COURT": true, "CT": true, "PLACE": true, "PL": true, "HIGHWAY": true,
	"HWY": true, "PARKWAY": true, "PKWY": true, "SUITE": true, "STE": true, "UNIT": true, "FLOOR": true, "JALAN": true, "JLN": true,
}

// cityAfterStreet is the city at the end of "900 Jemison Lane Mountain
// Brook": the words after the last street word (and the number or unit
// that follows it), else the last two words.
func cityAfterStreet(s string) string {
	f := strings.Fields(s)
	cut := -1
	for i, w := range f {
		if streetWords[fold(strings.Trim(w, ".,"))] {
			cut = i + 1
			if i+1 < len(f) && digitCount(f[i+1]) > 0 {
				cut = i + 2
			}
		}
	}
	if cut >= 0 && cut < len(f) {
		return strings.Join(f[cut:], " ")
	}
	return lastWords(s, 2)
}
