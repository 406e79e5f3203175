package extract

import (
	"math"
	"regexp"
	"strings"
)

var reDomain = regexp.MustCompile(`(?i)(?:www\.|@|https?://)([a-z0-9\-]+(?:\.[a-z0-9\-]+)*)\.[a-z]{2,4}\b|\b([a-z0-9\-]+)\.(?:com|net|org|fr|de|nl|co|io|in|my|uk|eu|be|ch|at|es|it)\b`)

// customerLabels head the block of the person an invoice is addressed to.
func isCustomerLabel(l label) bool {
	return l.phrase("BILL", "TO") || l.phrase("SHIP", "TO") || l.phrase("SOLD", "TO") || l.phrase("BILLING", "ADDRESS") ||
		l.phrase("SHIPPING", "ADDRESS") || l.phrase("INVOICE", "TO") || l.phrase("DELIVER", "TO") || l.phrase("CUSTOMER") ||
		l.has("FACTUURADRES", "AFLEVERADRES", "RECHNUNGSADRESSE", "LIEFERADRESSE", "ATTN", "CLIENT", "KLANT", "KUNDE") ||
		l.phrase("GUEST", "NAME") || l.phrase("ADRESSE", "DE", "L", "INSTALLATION") || l.phrase("NOM", "DE", "L", "ABONNE")
}

// titleWords are taken out of an issuer candidate ("Amazon Web Services
// Invoice" is "Amazon Web Services").
var titleWords = map[string]bool{
	"INVOICE": true, "TAX": true, "RECEIPT": true, "PAYMENT": true, "FACTUUR": true, "FACTURE": true, "RECHNUNG": true,
	"BILL": true, "BILLS": true, "RETAIL": false, "KOPIE": true, "COPY": true, "STATEMENT": true, "FACTURA": true,
	"ORIGINAL": true, "DUPLICATE": true,
}

func stripTitle(s string) string {
	toks := strings.Fields(s)
	var out []string
	for _, t := range toks {
		if titleWords[fold(strings.Trim(t, ".:,/"))] {
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}

// findIssuer reads the sender of an invoice: a company name in the
// letterhead or the footer, not in the block of the customer it is
// addressed to.
func findIssuer(lay *layout) vendorResult {
	res := vendorResult{nameRow: -1, addrFirst: -1, end: -1}
	var domains []string
	text := ""
	for _, r := range lay.rows {
		text += fold(r.text) + "\n"
		for _, m := range reDomain.FindAllStringSubmatch(r.text, -1) {
			d := m[1]
			if d == "" {
				d = m[2]
			}
			d = strings.ToUpper(d)
			if i := strings.LastIndex(d, "."); i >= 0 {
				d = d[i+1:]
			}
			if d != "" && d != "GMAIL" && d != "EXAMPLE" && d != "YAHOO" && d != "HOTMAIL" && d != "OUTLOOK" {
				domains = append(domains, strings.ReplaceAll(d, "-", ""))
			}
		}
	}
	// Customer blocks: columns under a "Bill to" label.
	type block struct {
		page, from, to int
		x0, x1         int
	}
	var blocks []block
	for _, r := range lay.rows {
		for _, sg := range r.segs {
			if isCustomerLabel(newLabel(sg.text)) {
				blocks = append(blocks, block{r.page, r.index, r.index + 6, sg.box.Min.X - 10, sg.box.Max.X + 200})
			}
		}
	}
	inCustomer := func(r *row, sg segment) bool {
		for _, b := range blocks {
			if r.page == b.page && r.index >= b.from && r.index <= b.to && sg.box.Min.X <= b.x1 && sg.box.Max.X >= b.x0 {
				return true
			}
		}
		return false
	}
	type cand struct {
		text  string
		score float64
		r     *row
		sg    segment
		legal bool
	}
	var cands []cand
	var hs []float64
	for _, r := range lay.rows {
		hs = append(hs, r.height)
	}
	medH := median(hs)
	lastPage := lay.rows[len(lay.rows)-1].page
	firstRows := 0
	for _, r := range lay.rows {
		top := r.page == 0 && firstRows < 14
		if r.page == 0 {
			firstRows++
		}
		bottom := r.page == lastPage && r.index >= len(lay.rows)-10
		if !top && !bottom {
			continue
		}
		for _, sg := range r.segs {
			t := strings.TrimSpace(sg.text)
			l := newLabel(t)
			s := 0.0
			// "Sold By : WS Retail Services Pvt. Ltd.," names the seller.
			for _, p := range []string{"SOLD BY", "SELLER", "ISSUED BY", "VENDEUR", "VERKAUFER", "VERKOPER", "FROM"} {
				up := fold(t)
				if i := strings.Index(up, p); i >= 0 && i < 3 {
					t = strings.TrimLeft(t[i+len(p):], " :")
					s += 12
					break
				}
			}
			// "QualityHosting AG - Uferweg 40-42 - D-63571 Gelnhausen"
			if parts := strings.Split(t, " - "); len(parts) > 1 {
				t = parts[0]
			}
			t = stripTitle(t)
			k := kindOf(t)
			if k.noise || letterCount(t) < 3 {
				continue
			}
			if k.phone || k.email || k.date || k.taxID || k.regNo && !k.legal {
				continue
			}
			if inCustomer(r, sg) || isCustomerLabel(l) {
				continue
			}
			if k.legal {
				s += 25
			} else if k.marker {
				s += 8
			}
			if k.addr {
				s -= 20
			}
			if k.title {
				s -= 10
			}
			if len(rowAmounts(&row{words: sg.words})) > 0 {
				s -= 15
			}
			if len(strings.Fields(t)) > 6 {
				s -= 12
			}
			if top {
				s += 10 - 1.5*float64(r.index)
			} else {
				s -= 4
			}
			if medH > 0 {
				h := median(wordHeights(sg.words))
				s += math.Max(-4, math.Min(12, 10*(h/medH-1)))
			}
			first := ""
			if len(newLabel(t)) > 0 {
				first = strings.ReplaceAll(strings.Join(newLabel(t), ""), " ", "")
			}
			for _, d := range domains {
				w0 := newLabel(t)[0]
				if len(w0) >= 3 && (strings.Contains(d, w0) || len(first) >= 3 && strings.Contains(first, d)) {
					s += 15
					break
				}
			}
			// A footer names the sender above its legal details.
			if bottom {
				for i := r.index + 1; i < len(lay.rows) && i <= r.index+3; i++ {
					nl := newLabel(lay.rows[i].text)
					if nl.has("SIRET", "SIREN", "RCS", "CAPITAL", "KVK", "HRB", "REGISTERGERICHT", "USTID", "CIN", "GSTIN") || nl.phrase("REGISTERED", "OFFICE") || nl.phrase("SIEGE", "SOCIAL") {
						s += 20
						break
					}
				}
			}
			// Named more than once (letterhead and footer, bank holder).
			if c := strings.Count(text, fold(t)); c > 1 {
				s += math.Min(float64(c-1)*4, 8)
			}
			cands = append(cands, cand{text: t, score: s, r: r, sg: sg, legal: k.legal})
		}
	}
	if len(cands) == 0 {
		return res
	}
	best := cands[0]
	second := math.Inf(-1)
	for _, c := range cands[1:] {
		if c.score > best.score {
			second = best.score
			best = c
		} else if c.score > second {
			second = c.score
		}
	}
	res.name = cleanName(best.text)
	res.nameRow = best.r.index
	res.nameBox = best.r.at(best.sg.box)
	switch {
	case best.legal && best.score-second >= 10:
		res.nameConf = 75
	case best.score-second >= 10:
		res.nameConf = 60
	default:
		res.nameConf = 40
	}
	// The address: the lines under the name in its column.
	var parts []string
	for i := best.r.index + 1; i < len(lay.rows) && i <= best.r.index+5; i++ {
		r := lay.rows[i]
		if r.page != best.r.page {
			break
		}
		var seg *segment
		for j := range r.segs {
			sg := &r.segs[j]
			if sg.box.Min.X <= best.sg.box.Max.X && sg.box.Max.X >= best.sg.box.Min.X {
				seg = sg
				break
			}
		}
		if seg == nil {
			if len(parts) > 0 {
				break
			}
			continue
		}
		k := kindOf(seg.text)
		if k.phone || k.email || k.taxID || k.date || k.title || k.regNo || isCustomerLabel(newLabel(seg.text)) {
			break
		}
		if len(parts) == 0 && !k.addr {
			break
		}
		parts = append(parts, strings.TrimSpace(seg.text))
		res.end = i
		if len(parts) == 1 {
			res.addrBox = r.at(seg.box)
		} else {
			res.addrBox.Rect = res.addrBox.Rect.Union(seg.box)
		}
	}
	res.address = strings.Join(parts, " ")
	if res.address != "" {
		res.addrConf = 45
	}
	res.phone, res.phoneConf = findPhone(lay)
	return res
}
