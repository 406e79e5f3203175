package extract

import (
	"image"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"tillroll/ocr"
)

// maxAmount bounds what is read as money: longer digit runs are barcodes,
// phone numbers or document numbers.
const maxAmount = 1e9

// ParseAmount reads one money amount written alone in s, as printed on
// receipts and invoices: "31.20", "RM31.20", "RM 5,90", "€ 2.321,00",
// "$1,234.56", "1 234,56", "(5.00)", "0.02-", with the usual OCR slips
// ("3O.00", "S.90", "31. 20"). It returns the amount without its sign (a
// refund or a rounding down is told by the caller's context) and false when
// s is not an amount.
func ParseAmount(s string) (float64, bool) {
	t, ok := parseMoneyToken(strings.Join(strings.Fields(s), ""))
	if !ok {
		return 0, false
	}
	return t.value, true
}

// moneyToken is one amount read from a token.
type moneyToken struct {
	value    float64
	neg      bool
	decimals int    // digits after the decimal separator (0 when none)
	cur      string // ISO code of a currency symbol or code glued to it
}

// currencyPrefixes maps a currency symbol or code written before or after
// an amount to its ISO code. "RH", "RN" and "RW" are how OCR often reads
// a thermal "RM".
var currencyPrefixes = []struct{ sym, code string }{
	{"US$", "USD"}, {"USD", "USD"}, {"S$", "SGD"}, {"SGD", "SGD"}, {"A$", "AUD"}, {"AUD", "AUD"},
	{"C$", "CAD"}, {"CAD", "CAD"}, {"HK$", "HKD"}, {"HKD", "HKD"}, {"NZ$", "NZD"}, {"NZD", "NZD"},
	{"MYR", "MYR"}, {"RM", "MYR"}, {"RH", "MYR"}, {"RN", "MYR"},
	{"EUR", "EUR"}, {"€", "EUR"}, {"GBP", "GBP"}, {"£", "GBP"},
	{"INR", "INR"}, {"RS.", "INR"}, {"RS", "INR"}, {"₹", "INR"},
	{"IDR", "IDR"}, {"RP", "IDR"}, {"JPY", "JPY"}, {"CNY", "CNY"}, {"¥", "JPY"},
	{"CHF", "CHF"}, {"PHP", "PHP"}, {"₱", "PHP"}, {"THB", "THB"}, {"฿", "THB"},
	{"VND", "VND"}, {"₫", "VND"}, {"KRW", "KRW"}, {"₩", "KRW"},
	{"$", "USD"},
}

// stripCurrency removes a currency symbol or code at either end of s.
func stripCurrency(s string) (string, string) {
	up := strings.ToUpper(s)
	for _, c := range currencyPrefixes {
		if strings.HasPrefix(up, c.sym) {
			rest := s[len(c.sym):]
			if rest == "" || startsNumeric(strings.TrimLeft(rest, "_~:=")) {
				return rest, c.code
			}
		}
	}
	for _, c := range currencyPrefixes {
		if len(c.sym) < len(up) && strings.HasSuffix(up, c.sym) {
			rest := s[:len(s)-len(c.sym)]
			if endsDigit(rest) && (c.sym == "€" || c.sym == "£" || c.sym == "¥" || c.sym == "₹" || len(c.sym) == 3) {
				return rest, c.code
			}
		}
	}
	return s, ""
}

func startsNumeric(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r) || r == '.' || r == ',' || r == '-' || strings.ContainsRune("OoSIl", r)
}

func endsDigit(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsDigit(r)
}

// ocrDigit maps characters OCR commonly reads in place of digits.
func ocrDigit(r rune) (rune, bool) {
	switch r {
	case 'O', 'o', 'Q', 'D', '@', 'U':
		return '0', true
	case 'l', 'I', 'i', '|', '!', ']', '[':
		return '1', true
	case 'S', 's', '§', '$':
		return '5', true
	case 'B':
		return '8', true
	case 'Z', 'z':
		return '2', true
	case 'G':
		return '6', true
	case 'g':
		return '9', true
	}
	return r, false
}

// parseMoneyToken reads one whitespace-free token as an amount.
func parseMoneyToken(tok string) (moneyToken, bool) {
	var t moneyToken
	s := strings.TrimFunc(tok, func(r rune) bool {
		return strings.ContainsRune("([{<~_*:=;'\"“”‘’`^#>}", r)
	})
	// Sign: a leading "-" or a trailing "-", or accounting brackets.
	if strings.HasPrefix(tok, "(") && strings.HasSuffix(s, ")") {
		t.neg = true
	}
	s = strings.TrimRight(s, ")]}|!,.;:")
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "—") || strings.HasPrefix(s, "–") {
		t.neg = true
		s = strings.TrimLeft(s, "-—–")
	}
	if strings.HasSuffix(s, "-") {
		t.neg = true
		s = strings.TrimRight(s, "-")
	}
	s, t.cur = stripCurrency(s)
	s = strings.TrimLeft(s, "_~:=")
	if strings.HasPrefix(s, "-") {
		t.neg = true
		s = strings.TrimLeft(s, "-")
	}
	// A tax code glued after the amount ("16.00SR", "5.90S").
	if i := strings.LastIndexFunc(s, func(r rune) bool { return unicode.IsDigit(r) }); i >= 0 && i < len(s)-1 {
		tail := s[i+1:]
		if isUpperWord(tail) && len(tail) <= 3 && strings.ContainsAny(s[:i+1], ".,") {
			s = s[:i+1]
		}
	}
	s = strings.TrimRight(s, ".,")
	if s == "" || strings.ContainsAny(s, "%/:") {
		return t, false
	}
	// OCR slips: letters that look like digits, when the token already has
	// digits and a decimal part, or is short.
	real := 0
	var b strings.Builder
	fixed := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			real++
			b.WriteRune(r)
		case r == '.' || r == ',' || r == '\'':
			b.WriteRune(r)
		default:
			d, ok := ocrDigit(r)
			if !ok {
				return t, false
			}
			fixed++
			b.WriteRune(d)
		}
	}
	if real == 0 || fixed > real || (fixed > 0 && !strings.ContainsAny(s, ".,")) {
		return t, false
	}
	v, dec, ok := parseNumber(b.String())
	if !ok {
		return t, false
	}
	t.value = v
	t.decimals = dec
	return t, true
}

func isUpperWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// parseNumber reads digits with "." / "," / "'" separators, deciding which
// is the decimal separator: the last separator is decimal when one or two
// digits follow it; separators followed by exactly three digits group
// thousands.
func parseNumber(s string) (float64, int, bool) {
	if s == "" {
		return 0, 0, false
	}
	last := strings.LastIndexAny(s, ".,'")
	intPart, frac := s, ""
	if last >= 0 {
		after := s[last+1:]
		switch {
		case len(after) == 1 || len(after) == 2:
			if s[last] == '\'' {
				return 0, 0, false
			}
			intPart, frac = s[:last], after
		case len(after) == 3:
			// "1,305" or "1.305": thousands, unless another separator of the
			// other kind comes first ("1,234.567" is not money).
			intPart = s
		default:
			return 0, 0, false
		}
	}
	if intPart == "" {
		intPart = "0"
	}
	// The integer part: groups of three after the first.
	groups := strings.FieldsFunc(intPart, func(r rune) bool { return r == '.' || r == ',' || r == '\'' })
	if len(groups) == 0 {
		return 0, 0, false
	}
	if strings.HasPrefix(intPart, ".") || strings.HasPrefix(intPart, ",") {
		return 0, 0, false
	}
	sepCount := strings.Count(intPart, ".") + strings.Count(intPart, ",") + strings.Count(intPart, "'")
	if sepCount != len(groups)-1 {
		return 0, 0, false // doubled separators
	}
	if len(groups) > 1 {
		if len(groups[0]) > 3 {
			return 0, 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, 0, false
			}
		}
		// Thousands separators must all be the same and differ from the decimal one.
		seps := strings.Map(func(r rune) rune {
			if r == '.' || r == ',' || r == '\'' {
				return r
			}
			return -1
		}, intPart)
		for _, r := range seps {
			if r != rune(seps[0]) {
				return 0, 0, false
			}
		}
		if frac != "" && rune(seps[0]) == rune(s[last]) {
			return 0, 0, false
		}
	}
	digits := strings.Join(groups, "")
	if len(digits) > 9 {
		return 0, 0, false
	}
	num := digits
	if frac != "" {
		num += "." + frac
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v >= maxAmount {
		return 0, 0, false
	}
	return v, len(frac), true
}

// money is an amount found on a row.
type money struct {
	moneyToken
	first, last int // word indexes in the row
	box         image.Rectangle
	conf        float64
}

// isMoney reports whether m looks like money rather than a count: it has
// two decimals, or a currency symbol.
func (m money) isMoney() bool {
	return m.decimals == 2 || (m.cur != "" && m.decimals == 0 && m.value > 0)
}

// oneDecimal reports whether m is money whose last digit OCR lost ("5.9").
func (m money) oneDecimal() bool { return m.decimals == 1 }

// signed is the amount with its sign.
func (m money) signed() float64 {
	if m.neg {
		return -m.value
	}
	return m.value
}

// splitToken cuts a word at "*", "@", "=" and "x" between numbers
// ("12.50*2", "65045039@2.33", "2x3.50") into its parts.
func splitToken(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '*' || r == '@' || r == '=' || r == '×' })
	var out []string
	for _, p := range parts {
		// "2x3.50", "2X"
		if i := strings.IndexAny(p, "xX"); i > 0 && i < len(p)-1 && unicode.IsDigit(rune(p[i-1])) && (unicode.IsDigit(rune(p[i+1])) || p[i+1] == 'R') {
			out = append(out, p[:i+1], p[i+1:])
			continue
		}
		out = append(out, p)
	}
	return out
}

// isCurrencyWord reports whether a whole word is a currency symbol or code
// ("RM", "$", "EUR"), giving its ISO code.
func isCurrencyWord(s string) (string, bool) {
	up := strings.ToUpper(strings.Trim(s, ":.()[]"))
	switch up {
	case "RM", "MYR", "RH", "RN":
		return "MYR", true
	case "$", "USD", "US$":
		return "USD", true
	case "€", "EUR", "EURO", "EUROS":
		return "EUR", true
	case "£", "GBP":
		return "GBP", true
	case "RS", "INR", "₹":
		return "INR", true
	case "S$", "SGD":
		return "SGD", true
	case "RP", "IDR":
		return "IDR", true
	case "¥", "JPY":
		return "JPY", true
	case "CHF", "AUD", "CAD", "HKD", "NZD", "PHP", "THB", "CNY", "KRW", "VND":
		return up, true
	}
	return "", false
}

// rowAmounts finds the amounts on a row, joining what OCR split ("31. 20",
// "RM 5.90", "- 0.02") and cutting what it glued ("12.50*2").
func rowAmounts(r *row) []money {
	type tok struct {
		text string
		wi   int
	}
	var toks []tok
	for i, w := range r.words {
		for _, p := range splitToken(w.Text) {
			toks = append(toks, tok{p, i})
		}
	}
	var out []money
	pendingCur := ""
	pendingNeg := false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if code, ok := isCurrencyWord(t.text); ok {
			pendingCur = code
			continue
		}
		if t.text == "-" || t.text == "—" || t.text == "–" || t.text == "~" {
			pendingNeg = t.text != "~" || pendingNeg
			continue
		}
		text := t.text
		last := t.wi
		// "31." + "20", "31" + ".20", "10," + "00"
		if i+1 < len(toks) {
			nx := toks[i+1].text
			if (strings.HasSuffix(text, ".") || strings.HasSuffix(text, ",")) && len(nx) == 2 && allDigits(nx) && allDigitsSep(text) {
				text += nx
				last = toks[i+1].wi
				i++
			} else if allDigits(text) && (strings.HasPrefix(nx, ".") || strings.HasPrefix(nx, ",")) && len(nx) == 3 && allDigits(nx[1:]) {
				text += nx
				last = toks[i+1].wi
				i++
			}
		}
		mt, ok := parseMoneyToken(text)
		if !ok {
			pendingCur, pendingNeg = "", false
			continue
		}
		if mt.cur == "" {
			mt.cur = pendingCur
		}
		if pendingNeg {
			mt.neg = true
		}
		pendingCur, pendingNeg = "", false
		m := money{moneyToken: mt, first: t.wi, last: last}
		ws := r.words[t.wi : last+1]
		_, m.box = ocr.JoinWords(ws)
		m.conf = conf(ws)
		out = append(out, m)
	}
	return out
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// allDigitsSep: digits with "." or "," only.
func allDigitsSep(s string) bool {
	if s == "" {
		return false
	}
	d := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d++
		case r == '.' || r == ',':
		default:
			return false
		}
	}
	return d > 0
}

// wordsText joins the text of words.
func wordsText(ws []ocr.Word) string {
	parts := make([]string, 0, len(ws))
	for _, w := range ws {
		parts = append(parts, w.Text)
	}
	return strings.Join(parts, " ")
}
