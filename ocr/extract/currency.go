package extract

import (
	"regexp"
	"sort"
	"strings"
)

// reUSState is a US address: a state code and a ZIP code.
var reUSState = regexp.MustCompile(`\b(AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)\s+\d{5}(-\d{4})?\b`)

// dollarCountries: the countries whose "$" is not the US dollar, with the
// words that tell them.
var dollarCountries = []struct {
	code  string
	words []string
}{
	{"SGD", []string{"SINGAPORE", "SGD", "S$"}},
	{"AUD", []string{"AUSTRALIA", "AUD", "A$", "ABN"}},
	{"CAD", []string{"CANADA", "CAD", "C$", "HST"}},
	{"HKD", []string{"HONG KONG", "HKD", "HK$"}},
	{"NZD", []string{"NEW ZEALAND", "NZD", "NZ$"}},
}

// findCurrency tells the document's currency from the symbols and codes
// printed with its amounts and, failing those, from the country it shows
// (a Malaysian company form, a European VAT name, an Indian GSTIN, ...).
func findCurrency(lay *layout, cands []amountCand) (string, int) {
	votes := map[string]float64{}
	dollar := 0.0
	for _, c := range cands {
		switch c.cur {
		case "":
		case "USD":
			dollar++
		default:
			votes[c.cur] += 2
		}
	}
	var b strings.Builder
	for _, r := range lay.rows {
		b.WriteString(fold(r.text))
		b.WriteByte('\n')
		for wi, w := range r.words {
			// A symbol counts on an amount or next to one: "£" in "0.£." is
			// OCR noise.
			isAmount := func(i int) bool {
				if i < 0 || i >= len(r.words) {
					return false
				}
				_, ok := parseMoneyToken(r.words[i].Text)
				return ok
			}
			nearNumber := isAmount(wi) || isAmount(wi-1) || isAmount(wi+1)
			up := strings.ToUpper(strings.Trim(w.Text, ":.,()[]"))
			switch {
			case up == "RM" || up == "MYR" || strings.Contains(up, "(RM)") || strings.Contains(up, "(MYR)"):
				votes["MYR"] += 2
			case up == "EUR" || up == "EURO" || up == "EUROS" || (nearNumber && strings.Contains(w.Text, "€")):
				votes["EUR"] += 2
			case up == "USD" || up == "US$":
				votes["USD"] += 3
			case up == "GBP" || (nearNumber && strings.Contains(w.Text, "£")):
				votes["GBP"] += 2
			case up == "INR" || up == "RS" || up == "RS." || (nearNumber && strings.Contains(w.Text, "₹")) || up == "RUPEES":
				votes["INR"] += 2
			case up == "IDR" || up == "RP":
				votes["IDR"] += 1
			case up == "CHF":
				votes["CHF"] += 2
			case up == "JPY" || (nearNumber && strings.Contains(w.Text, "¥")) || strings.Contains(w.Text, "円"):
				votes["JPY"] += 2
			case up == "PHP" || (nearNumber && strings.Contains(w.Text, "₱")):
				votes["PHP"] += 2
			case up == "THB" || (nearNumber && strings.Contains(w.Text, "฿")):
				votes["THB"] += 2
			}
		}
	}
	text := b.String()
	l := newLabel(text)
	// The country, when no symbol says it.
	if l.has("SDN", "BHD", "BERHAD", "MALAYSIA", "SELANGOR", "JOHOR") || strings.Contains(text, "S/B") {
		votes["MYR"] += 3
	}
	if l.has("GSTIN", "INDIA", "RUPEES") {
		votes["INR"] += 1.5
	}
	if l.has("TVA", "BTW", "MWST", "UST", "USTID", "IVA", "FRANCE", "DEUTSCHLAND", "GERMANY", "NEDERLAND", "NETHERLANDS",
		"BELGIQUE", "BELGIE", "ESPANA", "ITALIA", "OSTERREICH", "SIRET", "KVK", "IBAN", "GMBH", "SARL", "RECHNUNG", "FACTURE", "FACTUUR") {
		votes["EUR"] += 1.5
	}
	if l.has("UK") || strings.Contains(text, "UNITED KINGDOM") || l.phrase("VAT", "REG") && !l.has("SDN", "BHD") {
		votes["GBP"] += 0.5
	}
	dollarCode := "USD"
	for _, dc := range dollarCountries {
		for _, w := range dc.words {
			if strings.Contains(text, w) {
				votes[dc.code] += 1
				dollarCode = dc.code
			}
		}
	}
	if dollar > 0 {
		votes[dollarCode] += dollar
		if dollarCode == "USD" && reUSState.MatchString(text) {
			votes["USD"] += 1
		}
	} else if reUSState.MatchString(text) {
		votes["USD"] += 1
	}
	type kv struct {
		k string
		v float64
	}
	var list []kv
	for k, v := range votes {
		list = append(list, kv{k, v})
	}
	if len(list) == 0 {
		return "", 0
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].v != list[j].v {
			return list[i].v > list[j].v
		}
		return list[i].k < list[j].k
	})
	best := list[0]
	second := 0.0
	if len(list) > 1 {
		second = list[1].v
	}
	c := 50
	switch {
	case best.v >= 4 && best.v >= 3*second:
		c = 92
	case best.v >= 2 && best.v >= 2*second:
		c = 78
	case best.v > second:
		c = 60
	}
	return best.k, c
}
