package einvoice

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// builder fills an Invoice from a tree, recording which business terms
// were given and which values could not be read.
type builder struct {
	inv *Invoice
}

func newBuilder(syntax, version string) *builder {
	return &builder{inv: &Invoice{Syntax: syntax, Version: version, present: map[string]bool{}}}
}

func (b *builder) mark(bt string) {
	if bt != "" {
		b.inv.present[bt] = true
	}
}

func (b *builder) bad(bt, format string, args ...any) {
	b.inv.invalid = append(b.inv.invalid, Finding{BT: bt, Message: fmt.Sprintf(format, args...)})
}

// text is n's text, marking bt as given when it is not empty.
func (b *builder) text(bt string, n *node) string {
	if n == nil || n.text == "" {
		return ""
	}
	b.mark(bt)
	return n.text
}

// amount is n's decimal value (0 when n is missing), marking bt.
func (b *builder) amount(bt string, n *node) float64 {
	if n == nil || n.text == "" {
		return 0
	}
	v, ok := parseDecimal(n.text)
	if !ok {
		b.bad(bt, "%q is not a decimal number", clip(n.text))
		return 0
	}
	b.mark(bt)
	return v
}

// parseDecimal reads an XML Schema decimal ("1005.55", "-5", "+0.5"):
// digits with at most one dot, no exponent, no thousands separator.
func parseDecimal(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	t := strings.TrimLeft(s, "+-")
	if t == "" || len(s)-len(t) > 1 || strings.Count(t, ".") > 1 || t == "." {
		return 0, false
	}
	for _, r := range t {
		if (r < '0' || r > '9') && r != '.' {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// ciiDate reads a CII date element (IssueDateTime and the like), whose
// DateTimeString (or DateString) child has a format: 102 is yyyymmdd,
// 610 yyyymm, 616 yyyyww. It returns yyyy-mm-dd.
func (b *builder) ciiDate(bt string, n *node) string {
	if n == nil {
		return ""
	}
	s := n.kid("DateTimeString", "DateString")
	if s == nil {
		s = n
	}
	if s.text == "" {
		return ""
	}
	format := s.attr("format")
	var (
		t   time.Time
		err error
	)
	switch format {
	case "102", "":
		t, err = time.Parse("20060102", s.text)
		if err != nil && format == "" {
			t, err = time.Parse("2006-01-02", s.text)
		}
	case "610":
		t, err = time.Parse("200601", s.text)
	case "616":
		var y, w int
		if len(s.text) == 6 {
			y, err = strconv.Atoi(s.text[:4])
			if err == nil {
				w, err = strconv.Atoi(s.text[4:])
			}
		} else {
			err = fmt.Errorf("not yyyyww")
		}
		if err == nil && (w < 1 || w > 53) {
			err = fmt.Errorf("no week %d", w)
		}
		if err == nil {
			// The Monday of ISO week w.
			jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
			t = jan4.AddDate(0, 0, -(int(jan4.Weekday())+6)%7+7*(w-1))
		}
	default:
		b.bad(bt, "date format %q is not one of 102, 610, 616", clip(format))
		return ""
	}
	if err != nil {
		b.bad(bt, "%q is not a real date (format %s)", clip(s.text), formatName(format))
		return ""
	}
	b.mark(bt)
	return t.Format("2006-01-02")
}

func formatName(f string) string {
	if f == "" {
		return "102"
	}
	return f
}

// ublDate reads a UBL date (yyyy-mm-dd).
func (b *builder) ublDate(bt string, n *node) string {
	if n == nil || n.text == "" {
		return ""
	}
	// xs:date may carry a time zone ("2024-03-15Z", "2024-03-15+01:00"):
	// the day is the invoice's, whatever the zone.
	s := n.text
	if len(s) > 10 {
		if z := s[10:]; z == "Z" || len(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' {
			s = s[:10]
		}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		b.bad(bt, "%q is not a real date (yyyy-mm-dd)", clip(n.text))
		return ""
	}
	b.mark(bt)
	return t.Format("2006-01-02")
}

// clip shortens a value quoted in a finding.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// creditNoteCodes are the UNTDID 1001 document types that are credit
// notes (EN 16931 allows 81, 83, 381, 396, 532).
var creditNoteCodes = map[string]bool{"81": true, "83": true, "381": true, "396": true, "532": true}
