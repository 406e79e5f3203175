package receipts

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tillroll/capture"
)

// Item is one line of an analyzed receipt.
type Item struct {
	Line     int     `json:"line"`
	Name     string  `json:"name"` // as printed
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Price    float64 `json:"price"`
	Value    float64 `json:"value"`
	GTIN     string  `json:"gtin,omitempty"`    // the matched product
	Partner  bool    `json:"partner,omitempty"` // the product is a partner brand
	Skipped  bool    `json:"skipped,omitempty"` // the user said it is no product
}

// Matched reports whether the item needs nothing more from the user.
func (it Item) Matched() bool { return it.GTIN != "" || it.Skipped }

// Analysis is what was read from a receipt's images.
type Analysis struct {
	OCRDone         bool      `json:"ocr_done"`
	OCRStatus       string    `json:"ocr_status"` // "success" or "failed"
	Reason          string    `json:"reason,omitempty"`
	Text            string    `json:"text,omitempty"`
	Vendor          string    `json:"vendor,omitempty"`
	OCRHash         string    `json:"ocr_hash,omitempty"`
	WordsCount      int       `json:"words_count"`
	AccuracyRate    float64   `json:"accuracy_rate"`
	Items           []Item    `json:"items,omitempty"`
	Total           string    `json:"total,omitempty"` // "12.10"
	Tax             string    `json:"tax,omitempty"`
	ComputedTotal   string    `json:"computed_total,omitempty"`
	TotalCents      int64     `json:"total_cents"`
	ReceiptDate     string    `json:"receipt_date,omitempty"` // dd/mm/yyyy as the reference shows it
	ReceiptTime     string    `json:"receipt_time,omitempty"` // HH:mm:ss
	Issued          time.Time `json:"issued,omitzero"`        // printed date and time, as if UTC
	ReceiptCode     string    `json:"receipt_code,omitempty"`
	ReceiptNumber   string    `json:"receipt_number,omitempty"`
	TermID          string    `json:"term_id,omitempty"`
	RetailerStoreID string    `json:"retailer_store_id,omitempty"`
	Postcode        string    `json:"postcode,omitempty"`
	Barcode         string    `json:"barcode,omitempty"`
	ReceiptBarcode  string    `json:"receipt_barcode,omitempty"`
}

// IsReceipt reports whether the text looks like a receipt at all.
func (a Analysis) IsReceipt() bool { return a.TotalCents > 0 || len(a.Items) > 0 }

// Unmatched counts the items that still need the user.
func (a Analysis) Unmatched() int {
	n := 0
	for _, it := range a.Items {
		if !it.Matched() {
			n++
		}
	}
	return n
}

// Recognised counts the items matched to a product.
func (a Analysis) Recognised() int {
	n := 0
	for _, it := range a.Items {
		if it.GTIN != "" {
			n++
		}
	}
	return n
}

// Read merges the OCR results of a receipt's images (in order) into one
// analysis. ok results are the completed ones; failed is how many failed.
func Read(results []capture.Result, textHash string) Analysis {
	a := Analysis{OCRDone: true, OCRStatus: "failed", OCRHash: textHash}
	var texts []string
	var confSum, confN int
	for _, r := range results {
		if r.Status != capture.StatusCompleted {
			if a.Reason == "" {
				a.Reason = r.Reason
			}
			continue
		}
		a.OCRStatus = "success"
		texts = append(texts, r.Raw_Text)
		if a.Vendor == "" {
			a.Vendor = r.Vendor_Name
		}
		if a.TotalCents == 0 && r.Total > 0 {
			a.TotalCents = cents(r.Total)
			a.Total = money(a.TotalCents)
			if r.Tax > 0 {
				a.Tax = money(cents(r.Tax))
			}
		}
		if a.ReceiptDate == "" && r.Date != "" {
			if d, err := time.Parse("2006-01-02", r.Date); err == nil {
				a.ReceiptDate = d.Format("02/01/2006")
				a.Issued = d
				if t, err := time.Parse("15:04", r.Time); err == nil {
					a.ReceiptTime = t.Format("15:04:05")
					a.Issued = a.Issued.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
				}
			}
		}
		for _, li := range r.Line_Items {
			q := li.QTY
			if q <= 0 {
				q = 1
			}
			price := li.Price
			if price == 0 && li.Amount != 0 {
				price = li.Amount / q
			}
			unitName := li.Unit
			if unitName == "" {
				unitName = "each"
			}
			a.Items = append(a.Items, Item{
				Line: len(a.Items) + 1, Name: strings.TrimSpace(li.Description),
				Quantity: q, Unit: unitName, Price: round2(price), Value: round2(li.Amount),
			})
		}
		for _, c := range r.Confidence {
			if c > 0 {
				confSum += c
				confN++
			}
		}
	}
	if a.OCRStatus == "failed" {
		return a
	}
	a.Reason = ""
	a.Text = strings.Join(texts, "\n")
	a.WordsCount = len(strings.Fields(a.Text))
	if confN > 0 {
		a.AccuracyRate = float64(confSum) / float64(confN) / 100
	}
	var sum int64
	for _, it := range a.Items {
		sum += cents(it.Value)
	}
	if len(a.Items) > 0 {
		a.ComputedTotal = money(sum)
	}
	a.codes()
	return a
}

var (
	reNumber   = regexp.MustCompile(`(?i)\b(?:receipt|rcpt|trans(?:action)?|docket|invoice|bill)\s*(?:no|number|num|#)?\.?\s*[:#]?\s*([A-Z0-9][A-Z0-9/-]{2,})`)
	reTerm     = regexp.MustCompile(`(?i)\b(lane|term(?:inal)?|till|pos|reg(?:ister)?)\s*(?:no\.?)?\s*[:#]?\s*(\d{1,4})\b`)
	reStore    = regexp.MustCompile(`(?i)\b(?:store|shop|branch)\s*(?:no|id|#)?\.?\s*[:#]?\s*(\d{2,8})\b`)
	rePostUK   = regexp.MustCompile(`\b([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b`)
	rePostAU   = regexp.MustCompile(`\b(?:NSW|VIC|QLD|TAS|SA|WA|NT|ACT)\s+(\d{4})\b`)
	rePostUS   = regexp.MustCompile(`\b[A-Z]{2}\s+(\d{5})(?:-\d{4})?\b`)
	reDigitRow = regexp.MustCompile(`^\*?(\d{8,24})\*?$`)
)

// codes finds what is printed besides amounts: numbers, terminal, store,
// postcode and barcodes.
func (a *Analysis) codes() {
	if m := reNumber.FindStringSubmatch(a.Text); m != nil {
		a.ReceiptNumber = m[1]
	}
	if m := reTerm.FindStringSubmatch(a.Text); m != nil {
		a.TermID = strings.ToLower(m[1]) + " " + m[2]
	}
	if m := reStore.FindStringSubmatch(a.Text); m != nil {
		a.RetailerStoreID = m[1]
	}
	for _, re := range []*regexp.Regexp{rePostUK, rePostAU, rePostUS} {
		if m := re.FindStringSubmatch(a.Text); m != nil {
			a.Postcode = m[1]
			break
		}
	}
	for _, line := range strings.Split(a.Text, "\n") {
		m := reDigitRow.FindStringSubmatch(strings.ReplaceAll(strings.TrimSpace(line), " ", ""))
		if m == nil {
			continue
		}
		if a.Barcode == "" && ValidGTIN(m[1]) {
			a.Barcode = m[1]
		} else if len(m[1]) >= 10 {
			a.ReceiptBarcode = m[1]
		}
	}
	a.ReceiptCode = a.ReceiptNumber
	if a.ReceiptCode == "" && (a.RetailerStoreID != "" || a.TermID != "") && !a.Issued.IsZero() {
		a.ReceiptCode = a.RetailerStoreID + a.TermID + " " + a.Issued.Format("020120061504")
	}
}

// ValidGTIN checks the length and check digit of a GTIN-8/12/13/14.
func ValidGTIN(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	sum := 0
	for i := len(s) - 2; i >= 0; i-- {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if (len(s)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return int(s[len(s)-1]-'0') == (10-sum%10)%10
}

// Catalogue is what analysis needs of the retailers and products.
type Catalogue interface {
	// RetailerPhrases calls fn with every phrase that identifies a
	// retailer on a receipt (normalised, see Normalize), until fn is false.
	RetailerPhrases(fn func(phrase, retailerID string) bool)
	// ProductByName is the product printed under that normalised name; ok
	// with gtin "" means users said the name is no product.
	ProductByName(name string) (gtin string, partner bool, ok bool)
}

// Recognize finds the retailer whose longest phrase appears, as whole
// words, in the vendor line or the text. "" when none does.
func Recognize(a Analysis, cat Catalogue) string {
	_, id := LongestPhrase(a.Vendor+"\n"+a.Text, cat.RetailerPhrases)
	return id
}

// LongestPhrase finds, of the phrases each yields (normalised, with what
// each names), the longest that appears as whole words in text: the match
// both the retailers' words and what an account's corrections taught
// (store/document_learn.go) are found with. "" when none appears.
func LongestPhrase(text string, each func(fn func(phrase, id string) bool)) (phrase, id string) {
	hay := " " + Normalize(text) + " "
	each(func(p, v string) bool {
		if len(p) > len(phrase) && strings.Contains(hay, " "+p+" ") {
			phrase, id = p, v
		}
		return true
	})
	return phrase, id
}

// Match sets the product of every item not matched yet whose printed name
// is known.
func Match(items []Item, cat Catalogue) {
	for i := range items {
		if items[i].Matched() {
			continue
		}
		if gtin, partner, ok := cat.ProductByName(Normalize(items[i].Name)); ok {
			items[i].GTIN, items[i].Partner, items[i].Skipped = gtin, partner, gtin == ""
		}
	}
}

// Decide is the status a receipt reaches after (re-)analysis.
func Decide(a Analysis, retailerID string) Status {
	switch {
	case a.OCRStatus != "success":
		return Failed
	case !a.IsReceipt():
		return Unrecognized
	case retailerID == "":
		return SetRetailers
	case a.Unmatched() > 0:
		return SetProducts
	default:
		return Completed
	}
}

// Normalize is the form names and phrases are compared in: lower case,
// letters and digits only, single spaces.
func Normalize(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}

// Terms are the search words of a text: its normalised words.
func Terms(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.Fields(Normalize(s)) {
		if len(w) > 40 {
			w = w[:40]
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func cents(v float64) int64 { return int64(math.Round(v * 100)) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// ParseMoney reads "12.10" into cents.
func ParseMoney(s string) (int64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w: amount %q", ErrInvalid, s)
	}
	return cents(f), nil
}
