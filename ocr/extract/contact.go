package extract

import (
	"math/big"
	"regexp"
	"strings"
	"unicode"
)

// How the issuer can be reached and paid: e-mail, website, fax, tax
// numbers, IBAN and SWIFT/BIC. Each is read from its own pattern, and the
// ones with a check digit (IBAN) are checked.

var (
	reEmail   = regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b`)
	reWebsite = regexp.MustCompile(`(?i)\b(?:https?://)?www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?:/[^\s]*)?|\bhttps?://[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?:/[^\s]*)?`)
	// A bare domain is taken only where a label says it is the website.
	reDomainOnly = regexp.MustCompile(`(?i)\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|net|org|biz|info|io|co|de|fr|nl|be|uk|eu|my|sg|in|au|ch|at|es|it)\b`)
	reIBAN       = regexp.MustCompile(`\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b`)
	reIBANStart  = regexp.MustCompile(`^[A-Z]{2}\d{2}[A-Z0-9]+$`)
	reBIC        = regexp.MustCompile(`^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$`)
	rePhoneish   = regexp.MustCompile(`\+?\(?\d[\d ()./\-]{5,}\d`)
)

// findContacts fills the issuer's contact and bank fields of m.
func findContacts(lay *layout, m *More, billTo map[int]bool) {
	var emails []string
	seen := map[string]bool{}
	for i, r := range lay.rows {
		for _, e := range reEmail.FindAllString(r.text, -1) {
			e = strings.ToLower(e)
			if seen[e] {
				continue
			}
			seen[e] = true
			emails = append(emails, e)
			if m.VendorEmail == "" && !billTo[i] {
				m.VendorEmail = e
			}
			if billTo[i] && m.BillToEmail == "" {
				m.BillToEmail = e
			}
		}
		l := newLabel(r.text)
		if m.VendorWebsite == "" && !billTo[i] && !l.phrase("POWERED", "BY") && !l.phrase("GENERATED", "BY") && !l.phrase("GENERATED", "IN") {
			m.VendorWebsite = website(r.text, l)
		}
		if m.VendorFax == "" && !billTo[i] {
			m.VendorFax = labelledPhone(r.text, l, "FAX", "TELEFAX", "TELECOPIE", "FACSIMILE")
		}
		if m.VendorIBAN == "" && !billTo[i] {
			m.VendorIBAN = findIBAN(r.text)
		}
		if m.VendorSwift == "" && (l.has("SWIFT", "BIC") || l.phrase("SWIFT", "CODE")) {
			m.VendorSwift = findBIC(r.text)
		}
		if vat := taxNumber(r.text, l); vat != "" {
			switch {
			case l.has("ABN"):
				if m.VendorABN == "" {
					m.VendorABN = vat
				}
			case billTo[i] || l.has("YOUR", "UW", "IHRE", "VOTRE", "CUSTOMER", "CLIENT", "KUNDE", "KLANT", "BUYER"):
				if m.BillToVatNumber == "" {
					m.BillToVatNumber = vat
				}
			case m.VatNumber == "":
				m.VatNumber = vat
			}
		}
	}
	m.AllEmails = strings.Join(emails, ", ")
}

// website is the first web address on a row: one with www. or http(s)://,
// or a bare domain on a row labelled as the website.
func website(text string, l label) string {
	if w := reWebsite.FindString(text); w != "" && !strings.Contains(w, "@") {
		return strings.TrimRight(w, ".,;)")
	}
	if l.has("WEB", "WEBSITE", "INTERNET", "URL", "SITE") {
		for _, loc := range reDomainOnly.FindAllStringIndex(text, -1) {
			if loc[0] > 0 && text[loc[0]-1] == '@' {
				continue // the domain of an e-mail address
			}
			return text[loc[0]:loc[1]]
		}
	}
	return ""
}

// labelledPhone is the number after one of the labels on the row ("Tel :
// 03-8941 0243 Fax : 03-8941 0244" gives the fax).
func labelledPhone(text string, l label, labels ...string) string {
	if !l.has(labels...) {
		return ""
	}
	up := fold(text)
	best := -1
	for _, k := range labels {
		if i := strings.Index(up, k); i >= 0 && (best < 0 || i < best) {
			best = i + len(k)
		}
	}
	if best < 0 || best > len(text) {
		return ""
	}
	p := rePhoneish.FindString(text[best:])
	if digitCount(p) < 6 {
		return ""
	}
	return strings.TrimSpace(p)
}

// taxLabel tells whether a row names a tax registration number: VAT, GST,
// sales tax, ABN, and their names elsewhere.
func taxLabel(l label) bool {
	if l.phrase("TAX", "ID") || l.phrase("TAX", "NO") || l.phrase("TAX", "NUMBER") || l.phrase("TAX", "REG") ||
		l.phrase("VAT", "NO") || l.phrase("VAT", "ID") || l.phrase("VAT", "REG") || l.phrase("VAT", "NUMBER") ||
		l.phrase("GST", "NO") || l.phrase("GST", "REG") || l.phrase("GST", "ID") || l.phrase("SST", "NO") || l.phrase("SST", "ID") {
		return true
	}
	for _, w := range l {
		switch w {
		case "VAT", "VATIN", "TIN", "GSTIN", "ABN", "USTIDNR", "USTID", "UST", "STEUERNUMMER", "STNR", "BTW", "TVA", "NIF", "CIF", "GST":
			return true
		}
	}
	return false
}

// taxNumber is the registration number after a tax label: the first run of
// words after it with at least 6 digits, letters kept ("DE 123 456 789").
func taxNumber(text string, l label) string {
	if !taxLabel(l) {
		return ""
	}
	toks := strings.Fields(text)
	started := false
	skipped := 0 // words between the label and the number ("N° de TVA intra communautaire: FR 604 ...")
	var parts []string
	for _, t := range toks {
		tl := newLabel(t)
		allTax := len(tl) > 0
		for _, w := range tl {
			allTax = allTax && isTaxWord(w)
		}
		if !started {
			if allTax {
				started = true
			}
			continue
		}
		clean := strings.Trim(t, ":;,()")
		if clean == "" || clean == "-" || clean == "=" || allTax {
			if len(parts) > 0 {
				break
			}
			continue
		}
		if !taxNumberToken(clean) {
			if len(parts) == 0 && digitCount(clean) == 0 && skipped < 4 {
				skipped++
				continue
			}
			break
		}
		if _, isMoney := parseMoneyToken(clean); isMoney && strings.ContainsAny(clean, ".,") && digitCount(clean) < 6 {
			break // "GST 6% 1.20": an amount, not a number
		}
		parts = append(parts, clean)
		if digitCount(strings.Join(parts, "")) >= 15 {
			break
		}
	}
	n := strings.Join(parts, " ")
	if digitCount(n) < 6 || strings.Contains(n, "%") {
		return ""
	}
	return n
}

func isTaxWord(w string) bool {
	switch w {
	case "VAT", "VATIN", "TIN", "GSTIN", "ABN", "USTIDNR", "UST", "USTID", "IDNR", "STEUERNUMMER", "STNR", "BTW", "TVA", "NIF", "CIF",
		"GST", "SST", "TAX", "ID", "NO", "NR", "REG", "REGISTRATION", "NUMBER", "NUMMER", "N", "NUM", "IDENTIFICATION", "INTRACOM", "NUMERO":
		return true
	}
	return false
}

func taxNumberToken(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-./", r) {
			return false
		}
	}
	return digitCount(s) > 0 || vatCountries[s]
}

// vatCountries are the prefixes a VAT number is printed with ("DE 123
// 456 789"): another pair of capitals before the digits is an OCR'd label.
var vatCountries = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true, "EL": true, "ES": true, "FI": true,
	"FR": true, "GB": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true, "LV": true, "MT": true, "NL": true,
	"PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true, "CH": true, "NO": true, "XI": true,
}

// findIBAN is an IBAN on the row whose check digits are right (ISO 13616,
// mod 97), printed with or without spaces, in groups of four or not
// ("FR76 10107 00245 00617052317 39" after an IBAN label).
func findIBAN(text string) string {
	up := strings.ToUpper(text)
	if i := strings.Index(up, "IBAN"); i >= 0 {
		var b strings.Builder
		for _, r := range up[i+4:] {
			switch {
			case r == ' ' || r == ':' || r == '-':
				continue
			case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
				b.WriteRune(r)
				continue
			}
			break
		}
		s := b.String()
		for n := min(len(s), 34); n >= 15; n-- {
			if c := s[:n]; reIBANStart.MatchString(c) && ibanValid(c) {
				return c
			}
		}
	}
	for _, c := range reIBAN.FindAllString(strings.ToUpper(text), -1) {
		iban := strings.ReplaceAll(c, " ", "")
		for len(iban) >= 15 {
			if ibanValid(iban) {
				return iban
			}
			iban = iban[:len(iban)-1] // a word run on after it
		}
	}
	return ""
}

func ibanValid(iban string) bool {
	if len(iban) < 15 || len(iban) > 34 {
		return false
	}
	re := iban[4:] + iban[:4]
	var digits strings.Builder
	for _, r := range re {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			digits.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// findBIC is the SWIFT/BIC code on a row labelled with it.
func findBIC(text string) string {
	for _, t := range strings.Fields(text) {
		t = strings.Trim(t, ":;,.()")
		if reBIC.MatchString(t) && t != "SWIFT" && !strings.HasPrefix(t, "SWIFT") {
			return t
		}
	}
	return ""
}
