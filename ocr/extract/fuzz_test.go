package extract

import (
	"image"
	"math"
	"strings"
	"testing"
	"time"

	"tillroll/ocr"
)

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkFields asserts what must hold of any extraction, whatever the input.
func checkFields(t *testing.T, f Fields) {
	t.Helper()
	for name, v := range map[string]float64{"Total": f.Total, "Subtotal": f.Subtotal, "Tax": f.Tax, "Tip": f.Tip, "Discount": f.Discount} {
		if !finite(v) || v < 0 {
			t.Errorf("%s = %v", name, v)
		}
	}
	if f.Date != "" {
		if _, err := time.Parse("2006-01-02", f.Date); err != nil {
			t.Errorf("Date %q: %v", f.Date, err)
		}
	}
	if f.Time != "" {
		if _, err := time.Parse("15:04", f.Time); err != nil {
			t.Errorf("Time %q: %v", f.Time, err)
		}
	}
	if f.DocumentType != "receipt" && f.DocumentType != "invoice" {
		t.Errorf("DocumentType %q", f.DocumentType)
	}
	for k, c := range f.Confidence {
		if c < 0 || c > 100 {
			t.Errorf("confidence %s = %d", k, c)
		}
	}
	for k, b := range f.Boxes {
		if b.IsZero() {
			t.Errorf("box of %s = %v", k, b)
		}
	}
	for i, it := range f.LineItems {
		if it.Line != i+1 {
			t.Errorf("item %d numbered %d", i, it.Line)
		}
		for name, v := range map[string]float64{"QTY": it.QTY, "Price": it.Price, "Amount": it.Amount} {
			if !finite(v) || v < 0 {
				t.Errorf("item %d %s = %v", i, name, v)
			}
		}
		if it.QTY <= 0 {
			t.Errorf("item %d QTY %v", i, it.QTY)
		}
	}
}

func FuzzLineItems(f *testing.F) {
	f.Add("Smoked Duck Spaghetti\n1x\t12.50 12.50 SR\nHot Green Tea\n2x\t3.00 6.00 SR\nTotal\t18.50")
	f.Add("9555227800168 12.50*2\t25.00 S\nSUPER CRWC 36G*15\n9555037203555 13.90*1\t13.90 S")
	f.Add("1 M Coke\t3.50\n2 McChicken\t10.00\nTotal (incl GST)\t13.50")
	f.Add("Office Chair 1.00 Units 70.00\t$ 70.00\n0 x 0\t0.00\n-1 x 5\t-5.00")
	f.Add("QTY ITEM TOTAL\n\t\n999999999 x 999999999.99\t999999999.99")
	f.Fuzz(func(t *testing.T, s string) {
		lines := strings.Split(s, "\n")
		if len(lines) > 200 {
			lines = lines[:200]
		}
		all := append([]string{"SHOP", "Description Qty Price Amount"}, lines...)
		doc := docFromLines(all...)
		lay := buildLayout(doc)
		items := findItems(lay, 0, len(lay.rows))
		checkFields(t, Fields{DocumentType: "receipt", LineItems: items})
		checkFields(t, Extract(doc))
	})
}

// FuzzExtract feeds words with arbitrary text and boxes, as a broken OCR
// might: Extract must not panic and must keep its promises.
func FuzzExtract(f *testing.F) {
	f.Add("TOTAL 31.00", 10, 10, 0, 0, 600, 800)
	f.Add("Date: 09/01/2019 8:01:11 PM", -5, 3000, 40, -20, 0, 0)
	f.Add("RM\x00 (((( 9/9/99 $$ €", 1<<20, -1<<20, 1, 1, 1, 1)
	f.Fuzz(func(t *testing.T, text string, x, y, dx, dy, w, h int) {
		var lines []ocr.Line
		for i, l := range strings.Split(text, " ") {
			box := image.Rect(x+i*dx, y+i*dy, x+i*dx+len(l)*7, y+i*dy+20)
			lines = append(lines, ocr.Line{Text: l, Words: []ocr.Word{{Text: l, Conf: float64(i % 100), Box: box}}, Box: box})
			if i%3 == 2 {
				lines = append(lines, ocr.Line{Text: text, Box: box}) // a line with no words
			}
		}
		doc := ocr.Document{Pages: []ocr.Page{{Number: 1, Width: w, Height: h, Lines: lines}, {Number: 2}}}
		checkFields(t, Extract(doc))
	})
}
