package einvoice

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Finding is one thing Validate found wrong, named by the business term it
// concerns.
type Finding struct {
	BT      string `json:"BT"`
	Message string `json:"Message"`
}

func (f Finding) String() string { return f.BT + ": " + f.Message }

// tolerance is how far two amounts may differ and still agree: a cent,
// and half a cent more per line or category summed (each rounded on its
// own).
func tolerance(n int) float64 { return 0.01 + 0.005*float64(n) + 1e-9 }

// Validate checks what can be checked offline: values that could not be
// read (dates that do not exist, amounts that are not numbers), the fields
// the claimed profile requires, the totals' arithmetic, the VAT of each
// category, and the IBANs' checksums. An invoice with findings is still
// read: the findings are reported beside its fields.
func Validate(inv *Invoice) []Finding {
	var out []Finding
	add := func(bt, format string, args ...any) {
		out = append(out, Finding{BT: bt, Message: fmt.Sprintf(format, args...)})
	}
	out = append(out, inv.invalid...)

	lvl := level(inv.Guideline)
	profile := inv.Profile
	if profile == "" {
		profile = "EN 16931"
	}
	if lvl == levelUnknown {
		lvl = levelEN16931 // EN 16931 is the least every profile above MINIMUM gives
		if inv.Guideline != "" {
			add("BT-24", "specification identifier %q is not one this reader knows; checked as EN 16931", clip(inv.Guideline))
		}
	}
	if inv.Version == "ZUGFeRD 1.0" {
		// ZUGFeRD 1.0 predates EN 16931: its BASIC has no VAT categories
		// and no net prices, so only what every invoice has is required.
		lvl = levelMinimum
	}
	for _, t := range headerTerms {
		if lvl >= t.from && !inv.Has(t.bt) {
			add(t.bt, "%s is missing (required by %s)", t.name, profile)
		}
	}
	g := strings.ToLower(inv.Guideline)
	extra := []term(nil)
	switch {
	case strings.Contains(g, "xrechnung"):
		extra = xrechnungTerms
	case strings.Contains(g, "peppol"):
		extra = peppolTerms
	}
	for _, t := range extra {
		if !inv.Has(t.bt) {
			add(t.bt, "%s is missing (required by %s)", t.name, profile)
		}
	}
	if lvl >= levelBasic {
		if len(inv.Lines) == 0 {
			add("BG-25", "the invoice has no lines (required by %s)", profile)
		}
		for _, t := range lineTerms {
			if !inv.Has(t.bt) && len(inv.Lines) > 0 {
				add(t.bt, "%s is missing on the lines (required by %s)", t.name, profile)
			}
		}
	}

	// Arithmetic (EN 16931's BR-CO rules), where the terms are given.
	near := func(a, b float64, n int) bool { return math.Abs(a-b) <= tolerance(n) }
	if len(inv.Lines) > 0 && inv.Has("BT-106") && inv.Has("BT-131") {
		var sum float64
		for _, l := range inv.Lines {
			sum += l.Amount
		}
		if !near(sum, inv.LineTotal, 0) {
			add("BT-106", "the lines' net amounts (BT-131) add up to %.2f, not %.2f", sum, inv.LineTotal)
		}
	}
	for i, l := range inv.Lines {
		if !l.HasAmount || l.Quantity == 0 || l.NetPrice == 0 {
			continue
		}
		base := l.PriceBaseQty
		if base == 0 {
			base = 1
		}
		want := l.Quantity*l.NetPrice/base - l.Allowance + l.Charge
		if !near(want, l.Amount, 0) {
			add("BT-131", "line %s: quantity %s x net price %s less allowances plus charges is %.2f, not %.2f",
				lineName(l, i), num(l.Quantity), num(l.NetPrice), want, l.Amount)
		}
	}
	var allowances, charges float64
	for _, ac := range inv.AllowancesCharges {
		if ac.Charge {
			charges += ac.Amount
		} else {
			allowances += ac.Amount
		}
	}
	if inv.Has("BT-107") && !near(allowances, inv.AllowanceTotal, 0) {
		add("BT-107", "the allowances (BT-92) add up to %.2f, not %.2f", allowances, inv.AllowanceTotal)
	}
	if inv.Has("BT-108") && !near(charges, inv.ChargeTotal, 0) {
		add("BT-108", "the charges (BT-99) add up to %.2f, not %.2f", charges, inv.ChargeTotal)
	}
	if inv.Has("BT-106") && inv.Has("BT-109") {
		if want := inv.LineTotal - inv.AllowanceTotal + inv.ChargeTotal; !near(want, inv.TaxBasis, 0) {
			add("BT-109", "line total %.2f - allowances %.2f + charges %.2f is %.2f, not %.2f",
				inv.LineTotal, inv.AllowanceTotal, inv.ChargeTotal, want, inv.TaxBasis)
		}
	}
	if inv.Has("BT-109") && inv.Has("BT-112") {
		if want := inv.TaxBasis + inv.TaxTotal; !near(want, inv.GrandTotal, 0) {
			add("BT-112", "total without VAT %.2f + VAT %.2f is %.2f, not %.2f", inv.TaxBasis, inv.TaxTotal, want, inv.GrandTotal)
		}
	}
	if inv.Has("BT-112") && inv.Has("BT-115") {
		if want := inv.GrandTotal - inv.Prepaid + inv.Rounding; !near(want, inv.DuePayable, 0) {
			add("BT-115", "total %.2f - paid %.2f + rounding %.2f is %.2f, not %.2f", inv.GrandTotal, inv.Prepaid, inv.Rounding, want, inv.DuePayable)
		}
	}
	if len(inv.Taxes) > 0 && inv.Has("BT-110") {
		var sum float64
		for _, t := range inv.Taxes {
			sum += t.Amount
		}
		if !near(sum, inv.TaxTotal, len(inv.Taxes)) {
			add("BT-110", "the VAT of the categories (BT-117) adds up to %.2f, not %.2f", sum, inv.TaxTotal)
		}
	}
	for _, t := range inv.Taxes {
		if !t.HasRate {
			continue
		}
		if want := t.Base * t.Rate / 100; !near(want, t.Amount, 0) {
			add("BT-117", "VAT category %s at %s%%: %s%% of %.2f is %.2f, not %.2f", t.Category, num(t.Rate), num(t.Rate), t.Base, want, t.Amount)
		}
	}

	for _, pm := range inv.PaymentMeans {
		for _, x := range []struct{ bt, iban string }{{"BT-84", pm.IBAN}, {"BT-91", pm.DebitIBAN}} {
			if x.iban == "" || !looksLikeIBAN(x.iban) {
				continue
			}
			if !ValidIBAN(x.iban) {
				add(x.bt, "IBAN %s fails its checksum (ISO 13616)", clip(x.iban))
			}
		}
	}
	if inv.IssueDate != "" && inv.DueDate != "" && inv.DueDate < inv.IssueDate && !inv.CreditNote {
		add("BT-9", "due date %s is before the issue date %s", inv.DueDate, inv.IssueDate)
	}
	if inv.PeriodStart != "" && inv.PeriodEnd != "" && inv.PeriodEnd < inv.PeriodStart {
		add("BT-74", "the period ends (%s) before it starts (%s)", inv.PeriodEnd, inv.PeriodStart)
	}
	return out
}

func lineName(l Line, i int) string {
	if l.ID != "" {
		return clip(l.ID)
	}
	return fmt.Sprint(i + 1)
}

// num prints a quantity or rate without trailing zeros.
func num(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", v), "0"), ".")
}

// looksLikeIBAN tells whether an account id is meant as an IBAN: two
// letters, two digits, then letters and digits (spaces allowed). A
// national account number in the same field is not checked.
func looksLikeIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 5 {
		return false
	}
	return isUpper(s[0]) && isUpper(s[1]) && isDigit(s[2]) && isDigit(s[3])
}

// ValidIBAN checks an IBAN's length (15 to 34) and its ISO 13616 check
// digits (the number mod 97 is 1).
func ValidIBAN(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	var b strings.Builder
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			fmt.Fprint(&b, int(c-'A')+10)
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
