package extract

import (
	"image"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"tillroll/ocr"
)

// legalSuffixes are the words that end a company's name: they mark a line
// as the merchant's in almost any country.
var legalSuffixes = []string{
	"SDN", "BHD", "BERHAD", "SB", "LTD", "LIMITED", "LLC", "INC", "INCORPORATED", "CORP", "CORPORATION",
	"GMBH", "AG", "KG", "BV", "NV", "SARL", "SAS", "SA", "SRL", "SPA", "PLC", "PTE", "PTY", "PVT", "LLP",
	"OY", "AB", "AS", "APS", "TBK", "PT", "CO", "COMPANY", "KK", "EURL", "SL",
}

// tradeWords are the words a shop or restaurant name commonly holds.
var tradeWords = []string{
	"ENTERPRISE", "ENTERPRISES", "TRADING", "TRADERS", "RESTAURANT", "RESTORAN", "CAFE", "COFFEE", "STORE", "STORES",
	"MART", "SHOP", "HARDWARE", "PHARMACY", "FARMASI", "KEDAI", "PERNIAGAAN", "SYARIKAT", "MARKETING",
	"SUPPLY", "SUPPLIES", "BAKERY", "BAKERIES", "CENTRE", "CENTER", "STATIONERY", "STATIONERS", "BOOK", "BOOKS",
	"SEAFOOD", "HOTEL", "INDUSTRIES", "MARKET", "SUPERMARKET", "MINIMARKET", "HYPERMARKET", "GRILL", "KITCHEN",
	"BISTRO", "DELI", "PIZZA", "PIZZERIA", "FOOD", "FOODS", "BAR", "PUB", "ELECTRICAL", "ELECTRONICS", "AUTO", "MOTOR",
	"MEDICAL", "CLINIC", "OPTICAL", "BOUTIQUE", "FASHION", "HOLDINGS", "GROUP", "VENTURE", "VENTURES", "CONFECTIONERY",
	"SERVICES", "SERVICE", "STATION", "PETRO", "BEAUTY", "HEALTH", "SALON", "TRAVEL", "LAUNDRY", "BAKERY", "PHOTO",
	"MAKER", "WORKSHOP", "TEXTILE", "FURNITURE", "HOUSE", "RETAIL", "WHOLESALE", "PRINT", "PRINTING", "DESIGN",
	"TECHNOLOGY", "TECHNOLOGIES", "SOLUTIONS", "SYSTEMS", "CONSULTING", "STUDIO", "GALLERY", "TEA", "DINER", "EATERY",
	"CASH", "CARRY", "CONFECTIONARY", "NASI", "MAMAK", "KOPITIAM", "BAZAAR", "EMPORIUM", "DEPOT", "OUTLET",
}

// addressWords mark a line as part of a postal address.
var addressWords = []string{
	"JALAN", "JLN", "JL", "LORONG", "LRG", "TAMAN", "TMN", "LOT", "UNIT", "LEVEL", "FLOOR", "FLR", "BLOCK", "BLK",
	"BANGUNAN", "WISMA", "MENARA", "PLAZA", "KOMPLEKS", "SEKSYEN", "SECTION", "BANDAR", "KAMPUNG", "KG", "BATU",
	"PERSIARAN", "LEBUH", "LEBUHRAYA", "MUKIM", "KAWASAN", "PERINDUSTRIAN", "DESA", "PUSAT", "DAGANGAN",
	"STREET", "ST", "ROAD", "RD", "AVENUE", "AVE", "BOULEVARD", "BLVD", "DRIVE", "LANE", "HIGHWAY", "HWY",
	"SUITE", "STE", "BUILDING", "BLDG", "MALL", "SQUARE", "RUE", "STRASSE", "STR", "WEG", "PLATZ", "STRAAT",
	"LAAN", "PLEIN", "GRACHT", "VIA", "CALLE", "AVENIDA", "CEDEX", "BOX", "POSTCODE", "INDUSTRIAL", "ESTATE",
	"MALAYSIA", "SELANGOR", "JOHOR", "LUMPUR", "KUALA", "PENANG", "PINANG", "PERAK", "PAHANG", "KEDAH", "SABAH",
	"SARAWAK", "MELAKA", "MALACCA", "SEMBILAN", "TERENGGANU", "KELANTAN", "PERLIS", "PUTRAJAYA", "LABUAN",
	"EHSAN", "DARUL", "MAKMUR", "PERSEKUTUAN", "WILAYAH", "SINGAPORE", "INDONESIA", "THAILAND", "PHILIPPINES",
	"INDIA", "USA", "UNITED", "KINGDOM", "FRANCE", "GERMANY", "DEUTSCHLAND", "NEDERLAND", "NETHERLANDS",
	"AUSTRALIA", "CANADA",
}

// streetSuffixes end the one word of a street's name in German and
// Dutch ("Heisenbergstraße", "Pohlweg", "Südring", "Keizersgracht"); a
// house number follows it.
var streetSuffixes = []string{
	"STRASSE", "STR", "WEG", "ALLEE", "PLATZ", "RING", "GASSE", "DAMM", "UFER", "CHAUSSEE", "STEIG", "PFAD", "MARKT",
	"STRAAT", "LAAN", "PLEIN", "GRACHT", "KADE", "SINGEL", "DREEF", "DIJK", "HOF",
}

// reHouseNumber is a house number: "110", "12a", "29/31", "4-6".
var reHouseNumber = regexp.MustCompile(`^\d{1,4}[a-zA-Z]?([/-]\d{1,4}[a-zA-Z]?)?[,.]?$`)

// streetLine reports whether text is a street and house number written
// the European way: a street word ("Straße", "Str.", "Weg", or a word
// ending in one, "Pohlweg") followed by a number ("Husener Str. 121",
// "Grüner Weg 41"), or a number then "rue", "via", "calle" and the like
// ("12 rue de la Paix", "Via Roma 5").
func streetLine(text string) bool {
	toks := strings.Fields(text)
	for i, t := range toks {
		w := strings.Join(newLabel(t), "")
		if len(w) < 2 {
			continue
		}
		switch w {
		case "RUE", "AVENUE", "AV", "AVDA", "BOULEVARD", "BD", "CHEMIN", "PLACE", "IMPASSE", "ALLEE", "QUAI", "ROUTE",
			"VIA", "VIALE", "PIAZZA", "CORSO", "LARGO", "CALLE", "AVENIDA", "PASEO", "PLAZA", "CARRER", "RUA":
			if i+1 < len(toks) && (i > 0 && reHouseNumber.MatchString(toks[i-1]) || anyHouseNumber(toks[i+1:])) {
				return true
			}
		}
		if i+1 >= len(toks) || !anyHouseNumber(toks[i+1:min(len(toks), i+3)]) {
			continue
		}
		for _, suf := range streetSuffixes {
			if strings.HasSuffix(w, suf) && (len(w) >= len(suf)+3 || w == suf) {
				return true
			}
		}
	}
	return false
}

func anyHouseNumber(toks []string) bool {
	for _, t := range toks {
		if reHouseNumber.MatchString(t) {
			return true
		}
	}
	return false
}

// sentence reports whether a line reads as a sentence, a slogan or a
// greeting rather than a name: three words or more, most of them in lower
// case, ending with a full stop, an exclamation or a question mark, or
// broken by a comma ("Es gibt immer was zu tun.", "Respekt, wer's selber
// macht.").
func sentence(text string) bool {
	toks := strings.Fields(text)
	if len(toks) < 3 {
		return false
	}
	lower := 0
	for _, t := range toks {
		r := []rune(strings.TrimLeft(t, "\"'“„‚(#"))
		if len(r) > 0 && unicode.IsLower(r[0]) {
			lower++
		}
	}
	t := strings.TrimRight(strings.TrimSpace(text), "\"'”“")
	punct := strings.HasSuffix(t, ".") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "?") || strings.Contains(t, ", ")
	return punct && 2*lower >= len(toks)
}

// tagline reports whether a short line opens with a possessive ("Mein
// Drogeriemarkt", "Ihr Baumarkt", "Your local store", "Votre magasin"):
// a shop's slogan speaks to the customer, its name does not. "My" and
// "our" are left out: shops are named so.
func tagline(text string) bool {
	l := newLabel(text)
	if len(l) < 2 || len(l) > 4 {
		return false
	}
	switch l[0] {
	case "YOUR", "MEIN", "MEINE", "DEIN", "DEINE", "IHR", "IHRE", "UNSER", "UNSERE",
		"VOTRE", "NOTRE", "UW", "JOUW", "MIJN", "ONZE", "NUESTRO", "NUESTRA", "VOSTRO", "VOSTRA":
		return true
	}
	return false
}

var (
	rePostcode   = regexp.MustCompile(`(^|[\s,.])\d{5}([\s,.]|$)|\b\d{4}\s?[A-Z]{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b[A-Z]{2}\s\d{5}(-\d{4})?\b`)
	rePhone      = regexp.MustCompile(`(\+?\d{1,3}[\s\-.]?)?\(?\d{2,4}\)?\s?[\-.]?\s?\d{3,4}[\s\-.]?\d{3,5}`)
	reRegNumber  = regexp.MustCompile(`^\(?\d{5,}-[A-Z]\)?[.,]?$`)
	reRegNo      = regexp.MustCompile(`(?i)^\(?[A-Z]{0,3}\d{3,}[\-\s]?[A-Z0-9]?\)?[.,;:]?$`)
	reEmailOrWeb = regexp.MustCompile(`(?i)@[a-z0-9\-]+\.|www\.|https?:|\.com\b|\.my\b|\.net\b|\.org\b`)
	reLeadJunk   = regexp.MustCompile(`^[^\p{L}\p{N}(&]+`)
	reTrailJunk  = regexp.MustCompile(`[^\p{L}\p{N}).]+$`)
)

// rowKind is what a top-of-receipt line is.
type rowKind struct {
	phone, taxID, regNo, date, email bool
	addr                             bool // part of a postal address
	title                            bool // a document title or a receipt's own words (TAX INVOICE, CASHIER, THANK YOU)
	noise                            bool // mostly not words
	legal                            bool // holds a company's legal form (SDN BHD, LTD, GMBH, B.V.)
	marker                           bool // holds a legal form or a trade word (RESTAURANT, TRADING)
}

// kindOf tells what a line of text is.
func kindOf(text string) rowKind {
	var k rowKind
	l := newLabel(fixDollarS(text))
	up := fold(text)
	k.phone = l.has("TEL", "TELEPHONE", "PHONE", "FAX", "HP", "MOBILE", "TELEFON", "TELEFOON", "TELP", "WHATSAPP", "WHATSAPPS", "HOTLINE", "CARELINE") ||
		l.phrase("H", "P") || (rePhone.MatchString(text) && digitCount(text) >= 9 && digitCount(text) <= 13 && letterCount(text) <= 4)
	k.taxID = l.has("GST", "SST", "VAT", "TIN", "ABN", "GSTIN", "BTW", "UST", "USTID", "SIRET", "SIREN", "NPWP", "EIN") && (digitCount(text) >= 6 || l.has("ID", "REG", "NO")) ||
		l.has("TAX") && l.has("REG", "ID", "NO", "NUMBER") && digitCount(text) >= 6
	k.regNo = l.phrase("CO", "REG") || l.phrase("CO", "NO") || l.phrase("COMPANY", "NO") || l.phrase("COMPANY", "REG") || l.phrase("REG", "NO") ||
		l.has("ROC", "BRN", "KVK", "HRB", "RCS", "CIN") || (reRegNo.MatchString(strings.TrimSpace(text)) && digitCount(text) >= 4) ||
		l.has("CO") && l.has("NO") && digitCount(text) >= 4
	k.date = len(findDates(text)) > 0 || len(findTimes(text)) > 0
	k.email = reEmailOrWeb.MatchString(text)
	k.title = l.has("INVOICE", "RECEIPT", "RECIEPT", "RECEIPI", "CASHIER", "THANK", "WELCOME", "TQ", "TABLE", "ORDER", "COPY", "DUPLICATE",
		"MEMBER", "SHOPPING", "CHECK", "FACTUUR", "FACTURE", "RECHNUNG", "BILL", "SIMPLIFIED", "STATEMENT", "QUOTATION", "DELIVERY", "TERMINAL",
		"LICENSEE", "FORMERLY", "KNOWN", "OPERATOR", "SALESPERSON", "SERVER", "SLIP", "DOCKET", "HOURS", "DETAILS", "SUMMARY", "DESCRIPTION", "COUNTER",
		"MANAGER", "KASSIERER", "VIELEN", "DANK", "KASSENBON", "QUITTUNG", "BELEG", "KUNDENBELEG", "KASSE", "FILIALE", "OFFNUNGSZEITEN", "DANKE", "WILLKOMMEN", "HERZLICH",
		"TICKET", "BIENVENUE", "MERCI", "HORAIRES", "KASSABON", "BEDANKT", "WELKOM", "OPENINGSTIJDEN", "SCONTRINO", "GRAZIE", "BENVENUTI",
		"FACTURA", "GRACIAS", "BIENVENIDO", "TIQUE", "HORARIO", "ORARI") || l.phrase("CASH", "SALES") || l.phrase("CASH", "BILL") || strings.Contains(up, "TAX INVOICE")
	k.legal = l.has(legalSuffixesLong...) || l.phrase("S", "B") || strings.Contains(up, "S/B") || strings.Contains(up, "5/B") || strings.Contains(up, "$/B") ||
		l.phrase("SDN") || l.phrase("BHD")
	for _, w := range l {
		if w == "SB" || w == "CO" || w == "AG" || w == "BV" || w == "NV" {
			k.legal = true
		}
	}
	// "B.V.", "S.A.": a legal form spelt in single letters.
	var initials strings.Builder
	for i := len(l) - 1; i >= 0 && len(l[i]) == 1; i-- {
		initials.WriteString(l[i])
	}
	switch reverse(initials.String()) {
	case "BV", "NV", "SA", "AG", "SB", "PT", "CO", "AS", "AB", "KG", "SL", "SRL", "SAS", "LLC", "INC", "LTD", "PLC", "SPA", "EK", "SLU", "SNC":
		k.legal = true
	}
	if k.regNo && !strings.Contains(up, "BHD") {
		k.legal = false // "Company No 1234-A" is not a company's name
	}
	k.marker = k.legal || l.has(tradeWords...) && !k.regNo
	addrHits := 0
	for _, w := range l {
		for _, a := range addressWords {
			if w == a {
				addrHits++
			}
		}
		if w == "NO" || strings.HasPrefix(w, "NO") && len(w) > 2 && allDigits(w[2:]) {
			addrHits++
		}
	}
	if rePostcode.MatchString(up) && !k.phone && !k.taxID {
		addrHits += 2
	}
	if streetLine(text) && !k.phone && !k.taxID {
		addrHits++
	}
	k.addr = addrHits >= 2 || addrHits >= 1 && !k.marker
	nonSpace, letters := 0, 0
	for _, r := range text {
		if !unicode.IsSpace(r) {
			nonSpace++
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	tokens := strings.Fields(text)
	wordish := 0
	for _, t := range tokens {
		if letterCount(t) >= 3 || letterCount(t) == 2 && len(t) == 2 {
			wordish++
		}
	}
	k.noise = letters < 3 || float64(letters) < 0.3*float64(nonSpace) || wordish == 0 || (len(tokens) >= 4 && wordish*4 < len(tokens))
	if !k.regNo && len(tokens) <= 4 {
		for _, t := range tokens {
			if reRegNumber.MatchString(t) {
				k.regNo = true // "Company No 002643278-A"
			}
		}
	}
	return k
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// legalSuffixesLong are the legal-suffix words long enough to match alone.
var legalSuffixesLong = []string{"SDN", "BHD", "BERHAD", "LTD", "LIMITED", "LLC", "INC", "INCORPORATED", "CORP", "CORPORATION", "GMBH", "SARL", "PLC", "PTE", "PTY", "PVT", "LLP", "COMPANY", "TBK",
	"OHG", "SRL", "EURL"}

// fixDollarS reads a "$" inside a word of letters as the "S" OCR took it
// for ("$/B", "$DN", "MYNEWS RETAIL $B").
func fixDollarS(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		if r != '$' {
			continue
		}
		next := i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || rs[i+1] == '/')
		prev := i > 0 && unicode.IsLetter(rs[i-1])
		if next || prev && !(i+1 < len(rs) && unicode.IsDigit(rs[i+1])) {
			rs[i] = 'S'
		}
	}
	return string(rs)
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// nameCand is a line that may be the merchant's name.
type nameCand struct {
	r     *row
	seg   int
	text  string
	score float64
	kind  rowKind
}

// vendorResult is the merchant's name, address and phone.
type vendorResult struct {
	name, address, phone    string
	nameConf, addrConf      int
	phoneConf               int
	nameRow, addrFirst, end int
	nameBox, addrBox        Box
}

// topRows are the rows where a merchant's header is printed: the first
// rows of the first page.
func topRows(lay *layout, n int) []*row {
	var out []*row
	for _, r := range lay.rows {
		if r.page != 0 {
			break
		}
		out = append(out, r)
		if len(out) >= n {
			break
		}
	}
	return out
}

// findVendor reads the merchant from the top of the receipt.
func findVendor(lay *layout) vendorResult {
	res := vendorResult{nameRow: -1, addrFirst: -1, end: -1}
	rows := topRows(lay, 16)
	if len(rows) == 0 {
		return res
	}
	var hs []float64
	for _, r := range lay.rows {
		hs = append(hs, r.height)
	}
	medH := median(hs)
	domains := webDomains(lay)
	var cands []nameCand
	seen := 0 // rows that are not noise, before this one
	for ri, r := range rows {
		// The company a shop belongs to follows "Owned by:" or "formerly
		// known as"; the shop's own name is elsewhere.
		owner := false
		if ri > 0 {
			pl := newLabel(rows[ri-1].text)
			owner = len(pl) > 0 && len(pl) <= 4 && (pl[len(pl)-1] == "BY" || pl.phrase("KNOWN", "AS") || pl[len(pl)-1] == "OF")
		}
		for si, sg := range r.segs {
			k := kindOf(sg.text)
			if k.noise && !k.legal {
				continue
			}
			if isCustomerLabel(newLabel(sg.text)) {
				continue // "Guest Name: Sanjay", "Bill to": the customer, never the merchant
			}
			hasMoney := false
			for _, m := range rowAmounts(&row{words: sg.words}) {
				if m.isMoney() {
					hasMoney = true
				}
			}
			if hasMoney {
				k.legal, k.marker = false, false // a company's name has no price
			}
			s := 0.0
			if k.legal {
				s += 30
			} else if k.marker {
				s += 16
			}
			s -= float64(seen) * 4
			if medH > 0 {
				h := median(wordHeights(sg.words))
				s += math.Max(-5, math.Min(15, 12*(h/medH-1)))
			}
			c := conf(sg.words)
			switch {
			case c < 40:
				s -= 25
			case c < 65:
				s -= 10
			}
			if k.phone || k.taxID || k.date || k.email {
				s -= 40
			}
			if k.regNo && !k.legal {
				s -= 30
			}
			if k.addr && !k.legal {
				s -= 25
			}
			if k.title {
				s -= 30
			}
			t := strings.TrimSpace(sg.text)
			if (sentence(t) || tagline(t)) && !k.legal {
				s -= 30 // a slogan or a greeting
			}
			if domains.names(t) {
				s += 15 // the shop's name is its web address's
			}
			if c >= 70 && letterCount(t) >= 4 && ri+1 < len(rows) && !k.addr && !k.phone && !k.taxID && !k.date && !k.title && !k.regNo && streetLine(rows[ri+1].text) {
				s += aboveStreet // the name, then the street: how shops head a receipt
			}
			if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
				s -= 25
			}
			if letterCount(t) < 4 {
				s -= 15
			}
			if t == strings.ToLower(t) {
				s -= 8
			}
			if hasMoney {
				s -= 30
			}
			if owner {
				s -= 25
			}
			cands = append(cands, nameCand{r: r, seg: si, text: t, score: s, kind: k})
		}
		if !kindOf(r.text).noise {
			seen++
		}
	}
	if len(cands) == 0 {
		return res
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if c.score > best.score {
			best = c
		}
	}
	name := best.text
	if best.kind.legal {
		name = dropLeadingCode(name)
	}
	first, last := best.r.index, best.r.index
	// A name printed on two or three lines: the line before when this one
	// starts with the company's legal form, the lines after while a
	// bracket is open or the legal form is still to come.
	if !best.kind.noise && startsWithSuffix(name) && first > 0 {
		prev := lay.rows[first-1]
		pk := kindOf(prev.text)
		if prev.page == best.r.page && !pk.noise && !pk.addr && !pk.phone && !pk.taxID && !pk.date && !pk.title && !pk.regNo {
			name = strings.TrimSpace(prev.text) + " " + name
			first--
		}
	}
	bracketJoined := false
	for i := 0; i < 2; i++ {
		nx := last + 1
		if nx >= len(lay.rows) || lay.rows[nx].page != best.r.page {
			break
		}
		nr := lay.rows[nx]
		nt := strings.TrimSpace(nr.text)
		nk := kindOf(nt)
		if nk.phone || nk.taxID || nk.date || nk.title || nk.email || nk.regNo || nk.noise && !nk.legal {
			break
		}
		cleaned := cleanName(name)
		open := strings.Count(cleaned, "(") > strings.Count(cleaned, ")") && strings.Contains(nt, ")") && !bracketJoined
		cont := !endsWithSuffix(cleaned) && !nk.addr && len(newLabel(nt)) <= 5 && (startsWithSuffix(nt) || !best.kind.legal && nk.legal)
		if open || cont {
			if open {
				bracketJoined = true
			}
			name += " " + nt
			last = nx
			continue
		}
		break
	}
	res.name = cleanName(name)
	// The name's place: its cell, and the whole rows joined to it.
	nameRect := best.r.segs[best.seg].box
	for _, joined := range []Box{rowsBox(lay, first, best.r.index-1), rowsBox(lay, best.r.index+1, last)} {
		if !joined.IsZero() {
			nameRect = nameRect.Union(joined.Rect)
		}
	}
	res.nameBox = best.r.at(nameRect)
	if alt, ok := betterReading(lay, res.name, first, last); ok {
		res.name = alt
	}
	res.nameRow = last
	res.nameConf = nameConfidence(best, cands)
	// A name that starts in the middle of a word or with its legal form is
	// a fragment of a line OCR half lost.
	if fr := []rune(res.name); len(fr) == 0 || unicode.IsLower(fr[0]) || startsWithSuffix(res.name) || len(strings.Fields(res.name)[0]) == 1 && !unicode.IsDigit(fr[0]) {
		res.nameConf = min(res.nameConf, 55)
	}
	minConf := 100.0
	for _, r := range lay.rows[first : last+1] {
		for _, w := range r.words {
			minConf = math.Min(minConf, w.Conf)
		}
	}
	if minConf < 85 {
		res.nameConf = min(res.nameConf, 70)
	}
	res.address, res.addrFirst, res.end, res.addrConf = findAddress(lay, first, last)
	res.addrBox = rowsBox(lay, res.addrFirst, res.end)
	if res.address == "" {
		res.address, res.addrFirst, res.addrConf = addressBefore(lay, first)
		res.addrBox = rowsBox(lay, res.addrFirst, first-1)
	}
	res.phone, res.phoneConf = findPhone(lay)
	if best.score < weakName && !best.kind.legal && !domains.names(best.text) {
		// Nothing at the top reads as a name (a logo OCR cannot read, a
		// street, a slogan): a line further down that the receipt's web
		// address names (the shop's name as printed, under a logo or an
		// advert), else the company's legal line further down, else the
		// name in its web address. The address stays the top's. A weak
		// line that the receipt's own web address names is kept: the two
		// agree.
		if named, ok := domainNamed(cands, domains); ok {
			res.name, res.nameConf = cleanName(named.text), min(45, res.nameConf+10)
			res.nameBox = named.r.at(named.r.segs[named.seg].box)
		} else if alt, ok := legalLineBelow(lay, best.r.index+1); ok {
			res.name, res.nameConf = alt.text, min(45, res.nameConf+10)
			res.nameBox = alt.r.at(alt.box)
		} else if d, ok := domains.brand(); ok {
			res.name, res.nameConf, res.nameBox = d, 30, Box{}
		}
	}
	return res
}

// domainNamed is the best of the candidates that the receipt's web
// address names and that read as a name (not an address, a phone, a
// date or a title).
func domainNamed(cands []nameCand, domains domainSet) (nameCand, bool) {
	var best nameCand
	found := false
	for _, c := range cands {
		k := c.kind
		if k.noise || k.addr || k.phone || k.taxID || k.date || k.email || k.title || k.regNo || !domains.names(c.text) {
			continue
		}
		if !found || c.score > best.score {
			best, found = c, true
		}
	}
	return best, found
}

// aboveStreet is the score of a line printed right above a street and
// house number.
const aboveStreet = 20

// weakName is the score under which the best line at the top of a
// receipt is no better than a guess.
const weakName = 5

// legalCand is a company's legal line found below the header.
type legalCand struct {
	r    *row
	text string
	box  image.Rectangle
}

// legalLineBelow finds the company's legal line below the first skip rows
// of the first page ("Aldi GmbH & Co. KG, Schloß Holte" at the foot of a
// German receipt): a line holding a legal form that is not a registration,
// tax or address line and shows no price. The name is the line up to its
// legal form.
func legalLineBelow(lay *layout, skip int) (legalCand, bool) {
	for _, r := range lay.rows {
		if r.page != 0 {
			break
		}
		if r.index < skip {
			continue
		}
		for _, sg := range r.segs {
			k := kindOf(sg.text)
			if !k.legal || k.regNo || k.taxID || k.phone || k.email || k.addr || k.title || hasMoneyAmount(&row{words: sg.words}) {
				continue
			}
			name := cleanName(dropLeadingCode(cutAfterLegalForm(sg.text)))
			if letterCount(name) < 4 || !kindOf(name).legal {
				continue
			}
			// A legal form ends a name: a line that starts with one
			// ("SB A05R", the digits under a barcode) names nobody.
			if f := strings.Fields(name); isLegalWord(f[0]) {
				continue
			}
			return legalCand{r: r, text: name, box: sg.box}, true
		}
	}
	return legalCand{}, false
}

// dropLeadingCode takes off the front of a legal line a labelled number
// printed before the name ("VKST: 3322 Dirk Rossmann GmbH", a store's
// number): a label ending in a colon and a number. A name that starts
// with a number ("99 SPEED MART") keeps it.
func dropLeadingCode(text string) string {
	toks := strings.Fields(text)
	i := 0
	for i < len(toks)-2 && (strings.HasSuffix(toks[i], ":") || letterCount(toks[i]) == 0) {
		i++
	}
	label := slices.ContainsFunc(toks[:i], func(t string) bool { return strings.HasSuffix(t, ":") })
	number := slices.ContainsFunc(toks[:i], func(t string) bool { return digitCount(t) > 0 })
	if !label || !number {
		return text
	}
	return strings.Join(toks[i:], " ")
}

// cutAfterLegalForm ends a legal line at its legal form: the place
// ("Aldi GmbH & Co. KG, Schloß Holte") after the comma that follows it
// goes.
func cutAfterLegalForm(text string) string {
	toks := strings.Fields(text)
	seenLegal := false
	for i, t := range toks {
		if kindOf(t).legal || kindOf(strings.Join(toks[:i+1], " ")).legal {
			seenLegal = true
		}
		if seenLegal && (strings.HasSuffix(t, ",") || strings.HasSuffix(t, ";")) {
			return strings.Join(toks[:i+1], " ")
		}
		if seenLegal && i+1 < len(toks) && (toks[i+1] == "-" || toks[i+1] == "/" || toks[i+1] == "|") {
			return strings.Join(toks[:i+1], " ")
		}
	}
	return text
}

// domainSet is the second-level names of the web addresses a document
// prints ("www.roller.de" gives "ROLLER").
type domainSet []string

var reWebDomain = regexp.MustCompile(`(?i)\b(?:www\s?\.\s?|https?://)((?:[a-z0-9äöüß-]+\.)*?)([a-z0-9äöüß-]{3,})\s?\.\s?([a-z]{2,3})\b`)

// reWebName is the name after "www." where OCR broke the rest of the
// address ("www. narktkauf-l el. de").
var reWebName = regexp.MustCompile(`(?i)\bwww\s?\.\s?([a-z0-9äöüß-]{5,})`)

// webDomains reads the web addresses of the first page.
func webDomains(lay *layout) domainSet {
	var out domainSet
	add := func(name string) {
		n := normalizeName(name)
		if len(n) >= 3 && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, r := range lay.rows {
		if r.page != 0 {
			break
		}
		ms := reWebDomain.FindAllStringSubmatch(r.text, -1)
		for _, m := range ms {
			add(m[2])
		}
		if len(ms) == 0 {
			for _, m := range reWebName.FindAllStringSubmatch(r.text, -1) {
				add(m[1])
			}
		}
	}
	return out
}

// names reports whether a line is the name in one of the web addresses:
// the same letters, or the address's name starting with the line's
// ("Marktkauf" and www.marktkauf-lehr.de), give or take an OCR slip.
func (d domainSet) names(text string) bool {
	n := normalizeName(text)
	if len(n) < 4 {
		return false
	}
	for _, dn := range d {
		if len(dn) < 4 {
			continue
		}
		if editDistance(n, dn, len(dn)/6) <= len(dn)/6 {
			return true
		}
		if first := normalizeName(strings.Fields(text)[0]); len(first) >= 4 && len(first) <= len(dn) &&
			editDistance(first, dn[:len(first)], len(first)/6) <= len(first)/6 {
			return true
		}
	}
	return false
}

// brand is the name of the first web address, capitalised ("Roller"),
// for a receipt whose printed name OCR could not read.
func (d domainSet) brand() (string, bool) {
	for _, dn := range d {
		if len(dn) >= 4 {
			return dn[:1] + strings.ToLower(dn[1:]), true
		}
	}
	return "", false
}

func wordHeights(ws []ocr.Word) []float64 {
	out := make([]float64, 0, len(ws))
	for _, w := range ws {
		out = append(out, float64(w.Box.Dy()))
	}
	return out
}

// startsWithSuffix reports whether a name starts with its legal form
// ("CO. (M) SDN BHD"), a sign that it continues the line above.
func startsWithSuffix(s string) bool {
	l := newLabel(s)
	if len(l) == 0 {
		return false
	}
	switch l[0] {
	case "CO", "SDN", "BHD", "LTD", "LIMITED", "INC", "LLC", "GMBH", "ENTERPRISE", "ENTERPRISES", "TRADING", "CORP", "CORPORATION", "PTE", "PTY":
		return true
	}
	return false
}

// endsWithSuffix reports whether a name already ends with its legal form.
func endsWithSuffix(s string) bool {
	l := newLabel(cleanName(s))
	if len(l) == 0 {
		return false
	}
	switch l[len(l)-1] {
	case "BHD", "BERHAD", "SB", "LTD", "LIMITED", "INC", "LLC", "GMBH", "CORP", "PLC", "PTE", "BV", "AG", "SARL", "LLP", "B":
		return true
	}
	return false
}

// cleanName takes the registration number, stray punctuation and OCR
// slips out of a merchant's name: "99 SPEED MART 5/B (519537-X)" is
// "99 SPEED MART S/B".
func cleanName(s string) string {
	s = strings.TrimSpace(fixDollarS(s))
	s = reLeadJunk.ReplaceAllString(s, "")
	toks := strings.Fields(s)
	var out []string
	for i, t := range toks {
		// "SB(306295-x)": a registration number glued to the name.
		if j := strings.Index(t, "("); j > 0 && isRegToken(t[j:]) {
			out = append(out, t[:j])
			break
		}
		if i > 0 && isRegToken(t) {
			break
		}
		out = append(out, fixNameWord(t, toks, i))
	}
	// Drop trailing junk: marks with no letter or digit, and after the
	// legal form anything short ("BHD. (p J").
	for len(out) > 1 {
		lastTok := out[len(out)-1]
		junk := letterCount(lastTok) == 0 && digitCount(lastTok) == 0 && lastTok != "&"
		if !junk && len([]rune(strings.Trim(lastTok, "().,;:'\"|"))) <= 2 && !isLegalWord(lastTok) && endsWithSuffix(strings.Join(out[:len(out)-1], " ")) {
			junk = true
		}
		if junk {
			out = out[:len(out)-1]
			continue
		}
		break
	}
	out = fixLegalForm(out)
	s = strings.Join(out, " ")
	s = reTrailJunk.ReplaceAllString(s, "")
	if strings.Count(s, "(") > strings.Count(s, ")") && !strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i > 0 && letterCount(s[i:]) < 3 {
			s = strings.TrimSpace(s[:i])
		}
	}
	return strings.TrimSpace(s)
}

// isLegalWord reports whether a word is a legal form of its own ("KG"
// and "Co." of "GmbH & Co. KG").
func isLegalWord(s string) bool {
	w := strings.Join(newLabel(s), "")
	return w != "" && slices.Contains(legalSuffixes, w)
}

func isNumberWord(s string) bool { return allDigits(strings.Trim(s, ".,")) }

// isRegToken reports whether a word is a company registration number
// ("(519537-X)", "1035685-T", "(139386", "273500-U").
func isRegToken(t string) bool {
	core := strings.Trim(t, "()[]{},.;:")
	d := digitCount(core)
	if d < 4 {
		return false
	}
	return strings.HasPrefix(t, "(") || strings.Contains(core, "-") || d >= 5 && letterCount(core) <= 2
}

// fixNameWord mends the OCR slips that matter in a company's legal form.
func fixNameWord(t string, toks []string, i int) string {
	up := strings.ToUpper(strings.Trim(t, ".,"))
	next := ""
	if i+1 < len(toks) {
		next = strings.ToUpper(strings.Trim(toks[i+1], ".,"))
	}
	prev := ""
	if i > 0 {
		prev = strings.ToUpper(strings.Trim(toks[i-1], ".,"))
	}
	switch {
	case len(up) == 4 && up != "GMBH" && like(up, "GMBH"):
		return "GmbH" + strings.TrimLeft(t, "GgMmNnBbHh6") // "GnbH", "6mbH", "GmbN."
	case up == "$/B" || up == "5/B" || up == "S/8" || up == "$/8":
		return "S/B"
	case (up == "SON" || up == "SDM" || up == "5DN" || up == "$DN" || up == "SEN") && (next == "BHD" || next == "BHO" || next == "BH" || next == "8HD"):
		return strings.Replace(t, t[:3], matchCase("SDN", t[:3]), 1)
	case (up == "BHO" || up == "BH" || up == "8HD" || up == "BND") && (prev == "SDN" || prev == "SON"):
		return matchCase("BHD", t) + strings.TrimLeft(t, "BHONDbhond8")
	}
	return t
}

// matchCase writes word in the case of model (upper, lower or title).
func matchCase(word, model string) string {
	if model == strings.ToLower(model) {
		return strings.ToLower(word)
	}
	if model == strings.ToUpper(model) {
		return strings.ToUpper(word)
	}
	return strings.ToUpper(word[:1]) + strings.ToLower(word[1:])
}

// nameConfidence: a name with a legal form, clearly ahead of the others
// and read with good OCR confidence, is likely right.
func nameConfidence(best nameCand, cands []nameCand) int {
	second := math.Inf(-1)
	for _, c := range cands {
		if c.r != best.r && c.score > second {
			second = c.score
		}
	}
	margin := best.score - second
	c := conf(best.r.segs[best.seg].words)
	switch {
	case best.kind.legal && margin >= 20 && c >= 90:
		return 85
	case best.kind.marker && margin >= 15 && c >= 85:
		return 72
	case best.score >= 20:
		return 60
	case best.score >= 0:
		return 45
	}
	return guessedNameConf
}

// guessedNameConf is the confidence of a merchant's name that nothing
// marks as one: the best of weak lines.
const guessedNameConf = 25

// findAddress reads the address printed after (or, failing that, before)
// the merchant's name: the lines from the first address-like one until a
// phone, tax-id, date or title line.
func findAddress(lay *layout, first, last int) (string, int, int, int) {
	var parts []string
	var confs []float64
	start, end := -1, -1
	skipped := 0
	for i := last + 1; i < len(lay.rows) && i <= last+9; i++ {
		r := lay.rows[i]
		if r.page != lay.rows[last].page {
			break
		}
		text := strings.TrimSpace(r.text)
		k := kindOf(text)
		if isHeader(r) {
			break
		}
		// On an address line a number like money ("G.23 & G.22, Plaza
		// Seri Setia", "No.4.49, Jalan") is a house number unless it
		// ends the line, as a price does.
		hasMoney := false
		for _, m := range rowAmounts(r) {
			hasMoney = hasMoney || m.isMoney() && (!k.addr || m.last == len(r.words)-1)
		}
		// A number on a row with no address word ends the address,
		// unless the row carries it on to the next ("(2) U13/X, SETIA
		// ALAM," before a postcode line).
		stop := k.phone || numberLine(text) || k.taxID || k.date || k.title || k.email || hasMoney ||
			len(rowAmounts(r)) > 0 && !k.addr && !(start >= 0 && continuesAddress(lay, i))
		if start < 0 {
			paren := strings.HasPrefix(text, "(") && strings.HasSuffix(text, ")")
			if k.addr && !stop && !k.regNo && !paren && !(k.legal && !strings.ContainsAny(text, "0123456789")) {
				start = i
			} else {
				skipped++
				if skipped > 5 {
					break
				}
				continue
			}
		} else {
			if stop || k.regNo || k.legal && !k.addr || k.noise {
				break
			}
			// A wide gap ends the address block.
			prev := lay.rows[i-1]
			if r.y-prev.y > 3.2*math.Max(r.height, prev.height) {
				break
			}
		}
		text = addressText(r)
		// A document number printed on the address's last line ends it.
		label := reDocNumberLabel.FindStringIndex(text)
		if label != nil {
			text = strings.TrimSpace(text[:label[0]])
		}
		if text != "" {
			parts = append(parts, strings.TrimSpace(reLeadJunk.ReplaceAllString(text, "")))
			confs = append(confs, conf(r.words))
			end = i
		}
		if len(parts) >= 6 || label != nil {
			break
		}
	}
	if len(parts) == 0 {
		return "", -1, -1, 0
	}
	addr := fixPostcodes(fixAddressWords(strings.ReplaceAll(strings.Join(parts, " "), "$", "S")))
	var words []ocr.Word
	for _, r := range lay.rows[start : end+1] {
		words = append(words, r.words...)
	}
	addr = sameWordTwice(addr, words)
	c := 40
	minConf := 100.0
	for _, x := range confs {
		minConf = math.Min(minConf, x)
	}
	if minConf >= 90 {
		c = 70
	} else if minConf >= 80 {
		c = 55
	}
	return addr, start, end, c
}

// findPhone reads the merchant's phone number: a labelled one near the
// top, or a phone-shaped number there.
func findPhone(lay *layout) (string, int) {
	rows := topRows(lay, 18)
	for _, r := range rows {
		l := newLabel(r.text)
		if !(l.has("TEL", "TELEPHONE", "PHONE", "TELEFON", "TELEFOON", "TELP", "MOBILE", "HP", "HOTLINE") || l.phrase("H", "P") || strings.HasPrefix(strings.TrimSpace(r.text), "T:")) {
			continue
		}
		if m := rePhone.FindString(r.text); m != "" && digitCount(m) >= 7 {
			return strings.TrimSpace(m), 75
		}
	}
	// An unlabelled number shaped like a phone's, in the header block.
	for _, r := range rows {
		k := kindOf(r.text)
		if k.date || len(rowAmounts(r)) > 0 && hasMoneyAmount(r) {
			break
		}
		if k.taxID || k.regNo {
			continue
		}
		if m := rePhone.FindString(r.text); m != "" && digitCount(m) >= 9 && digitCount(m) <= 12 && strings.ContainsAny(m, "-+()") {
			return strings.TrimSpace(m), 50
		}
	}
	return "", 0
}

// addressBefore reads an address printed above the merchant's name: the
// address-like lines right before it (skipping phone, careline or web
// lines), up to the line that opens with a unit or house number unless
// the line above it ends with a comma (a shop's place name printed over
// its address is not part of it).
func addressBefore(lay *layout, first int) (string, int, int) {
	var parts []string
	start := -1
	for i := first - 1; i >= 0 && i >= first-6; i-- {
		r := lay.rows[i]
		if r.page != lay.rows[first].page {
			break
		}
		text := strings.TrimSpace(r.text)
		k := kindOf(text)
		if k.phone || k.email || k.taxID || numberLine(text) {
			if len(parts) == 0 {
				continue
			}
			break
		}
		if !k.addr || k.title || k.date || k.noise {
			break
		}
		if len(parts) > 0 && startsAddress(parts[0]) && !strings.HasSuffix(text, ",") {
			break
		}
		parts = append([]string{strings.TrimSpace(reLeadJunk.ReplaceAllString(addressText(r), ""))}, parts...)
		start = i
	}
	if len(parts) == 0 {
		return "", -1, 0
	}
	return strings.Join(parts, " "), start, 35
}

// fixLegalForm mends OCR slips in a name's closing legal form, "SDN BHD"
// (Malaysia, Brunei): "SON BHI", "Scn Bho", "SDN BELD" are "SDN BHD".
func fixLegalForm(toks []string) []string {
	n := len(toks)
	if n < 3 {
		return toks
	}
	a, b := toks[n-2], toks[n-1]
	la, lb := strings.Join(newLabel(a), ""), strings.Join(newLabel(b), "")
	if la == "SDN" && lb == "BHD" || len(la) != 3 || len(lb) < 2 || len(lb) > 4 {
		return toks
	}
	da := editDistance(la, "SDN", 2)
	db := editDistance(lb, "BHD", 2)
	if da+db > 3 || da > 1 && db > 1 || la[0] != 'S' && lb[0] != 'B' {
		return toks
	}
	out := append([]string(nil), toks[:n-2]...)
	dot := ""
	if strings.HasSuffix(a, ".") {
		dot = "."
	}
	out = append(out, matchCase("SDN", a)+dot)
	dot = ""
	if strings.HasSuffix(b, ".") {
		dot = "."
	}
	return append(out, matchCase("BHD", b)+dot)
}

// betterReading looks for the merchant's name printed again elsewhere on
// the receipt ("Thank you for shopping at ...") and returns that reading
// when it differs by a few OCR slips and was read with more confidence.
func betterReading(lay *layout, name string, first, last int) (string, bool) {
	target := normalizeName(name)
	if len(target) < 8 {
		return "", false
	}
	n := len(strings.Fields(name))
	own := 0.0
	var ownWords []ocr.Word
	for _, r := range lay.rows[first : last+1] {
		ownWords = append(ownWords, r.words...)
	}
	own = conf(ownWords)
	limit := len(target) / 6
	best, bestConf := "", own
	for _, r := range lay.rows {
		if r.index >= first && r.index <= last {
			continue
		}
		for size := n - 1; size <= n+1; size++ {
			for i := 0; size > 0 && i+size <= len(r.words); i++ {
				ws := r.words[i : i+size]
				cand := cleanName(wordsText(ws))
				d := editDistance(normalizeName(cand), target, limit)
				if d == 0 || d > limit {
					continue
				}
				if c := conf(ws); c > bestConf+5 {
					best, bestConf = cand, c
				}
			}
		}
	}
	return best, best != ""
}

// normalizeName keeps a name's letters and digits, upper-cased.
func normalizeName(s string) string {
	var b strings.Builder
	for _, r := range fold(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// hasMoneyAmount reports whether a row shows an amount of money.
func hasMoneyAmount(r *row) bool {
	for _, m := range rowAmounts(r) {
		if m.isMoney() {
			return true
		}
	}
	return false
}

// confusedLetters are pairs of capitals OCR takes one for the other.
var confusedLetters = map[[2]byte]bool{
	{'I', 'L'}: true, {'H', 'M'}: true, {'N', 'M'}: true, {'O', 'D'}: true,
	{'U', 'V'}: true, {'C', 'G'}: true, {'E', 'F'}: true, {'R', 'B'}: true,
}

// confusedOnce tells whether the ASCII capitals a and b, of one length,
// differ in exactly one letter, one of a confused pair.
func confusedOnce(a, b string) bool {
	diff := -1
	for i := range len(a) {
		if a[i] != b[i] {
			if diff >= 0 {
				return false
			}
			diff = i
		}
	}
	if diff < 0 {
		return false
	}
	x, y := a[diff], b[diff]
	return confusedLetters[[2]byte{x, y}] || confusedLetters[[2]byte{y, x}]
}

// reDocNumberLabel is the label of a document's number (INV No #:,
// Receipt No., Bill #), which no address holds.
var reDocNumberLabel = regexp.MustCompile(`(?i)\b(inv|invoice|receipt|bill|doc|order|ref)\.?\s*(no\b\.?|#|number)`)

// digitLike are the letters OCR reads in place of digits.
var digitLike = map[rune]rune{'S': '5', 's': '5', 'O': '0', 'o': '0', 'I': '1', 'i': '1', 'l': '1', 'B': '8', 'Z': '2'}

// fixPostcodes mends a five-character word of an address that is a postal
// code with one or two digits read as letters ("S2i00" is 52100): at least
// three digits, the rest letters OCR confuses with digits, and a digit
// first or last.
func fixPostcodes(s string) string {
	toks := strings.Fields(s)
	for i, t := range toks {
		core := strings.TrimRight(t, ",.")
		rs := []rune(core)
		if len(rs) != 5 || digitCount(core) < 3 || digitCount(core) == 5 {
			continue
		}
		if !unicode.IsDigit(rs[0]) && !unicode.IsDigit(rs[4]) {
			continue
		}
		ok := true
		for j, r := range rs {
			if unicode.IsDigit(r) {
				continue
			}
			d, found := digitLike[r]
			if !found {
				ok = false
				break
			}
			rs[j] = d
		}
		if ok {
			toks[i] = string(rs) + t[len(core):]
		}
	}
	return strings.Join(toks, " ")
}

// fixAddressWords mends OCR slips in the common words of addresses
// ("Selangar", "Jaian", "KAPASAN"): a word of five letters or more one
// edit away from exactly one address word takes that word's spelling. A
// shorter word ("Jin", "THN") needs more: it is one letter away from
// exactly one address word of its length, and that letter is one OCR
// confuses with the other (I and L, H and M, ...).
func fixAddressWords(s string) string {
	toks := strings.Fields(s)
	for i, t := range toks {
		if w := digitInAddressWord(t); w != "" {
			toks[i] = w
			continue
		}
		core := strings.TrimFunc(t, func(r rune) bool { return !unicode.IsLetter(r) })
		short := len(core) == 3 || len(core) == 4
		if len(core) < 5 && !short || letterCount(core) != len([]rune(core)) {
			continue
		}
		up := fold(core)
		found, n := "", 0
		for _, a := range addressWords {
			if len(a) < 5 && !short || short && len(a) != len(up) {
				continue
			}
			if a == up {
				n = 0
				break
			}
			if short && confusedOnce(up, a) || !short && editDistance(up, a, 1) == 1 {
				found = a
				n++
			}
		}
		if n == 1 {
			toks[i] = strings.Replace(t, core, matchCase(found, core), 1)
		}
	}
	return strings.Join(toks, " ")
}
