package extract

import (
	"image"
	"strings"
	"testing"
)

// Each field's box is around the words its value was read from, on the
// row it was printed on.
func TestBoxes(t *testing.T) {
	lines := []string{
		"CORNER GROCER LTD",             // 0
		"12 HIGH STREET, LEEDS LS1 4AB", // 1
		"TEL 0113 496 0123",             // 2
		"Receipt #: CS00058574",         // 3
		"15/03/2024\t14:32",             // 4
		"WHOLE MILK 2L\t1.45",           // 5
		"SOURDOUGH LOAF\t5.60",          // 6
		"  2 x 2.80",                    // 7
		"SUBTOTAL\t7.05",                // 8
		"TAX 8%\t0.56",                  // 9
		"TOTAL\t7.61",                   // 10
		"CASH\t10.00",                   // 11
		"CHANGE\t2.39",                  // 12
	}
	doc := docFromLines(lines...)
	// words is the box around the words of line i with these texts.
	words := func(i int, texts ...string) image.Rectangle {
		var r image.Rectangle
		for _, w := range doc.Pages[0].Lines[i].Words {
			for _, want := range texts {
				if w.Text == want {
					r = r.Union(w.Box)
				}
			}
		}
		if r.Empty() {
			t.Fatalf("line %d has none of %q", i, texts)
		}
		return r
	}
	f := Extract(doc)
	if f.Total != 7.61 || f.Date != "2024-03-15" || f.VendorName != "CORNER GROCER LTD" || f.InvoiceNumber != "CS00058574" {
		t.Fatalf("fields %+v", f)
	}
	want := map[string]image.Rectangle{
		KeyVendorName:    words(0, "CORNER", "GROCER", "LTD"),
		KeyVendorAddress: words(1, strings.Fields(lines[1])...),
		KeyInvoiceNumber: words(3, "CS00058574"),
		KeyDate:          words(4, "15/03/2024"),
		KeyTime:          words(4, "14:32"),
		KeySubtotal:      words(8, "7.05"),
		KeyTax:           words(9, "0.56"),
		KeyTotal:         words(10, "7.61"),
	}
	for k, w := range want {
		got, ok := f.Boxes[k]
		if !ok || got.Page != 1 || got.Rect != w {
			t.Errorf("%s box %v (found %v), want page 1 %v", k, got, ok, w)
		}
	}
	if len(f.LineItems) != 2 {
		t.Fatalf("items %+v", f.LineItems)
	}
	// An item's box takes in its quantity line.
	if got, w := f.LineItems[0].Box.Rect, words(5, "WHOLE", "1.45"); got != w {
		t.Errorf("item 1 box %v, want %v", got, w)
	}
	if got, w := f.LineItems[1].Box.Rect, words(6, "SOURDOUGH", "5.60").Union(words(7, "2", "2.80")); got != w {
		t.Errorf("item 2 box %v, want %v", got, w)
	}
	// A total worked out from the payment was printed nowhere: no box.
	f = Extract(docFromLines("SHOP", "CASH\t10.00", "CHANGE\t2.39"))
	if f.Total != 7.61 {
		t.Fatalf("total from the payment: %v", f.Total)
	}
	if b, ok := f.Boxes[KeyTotal]; ok {
		t.Errorf("a worked-out total has a box: %v", b)
	}
}

// Merge keeps each field's box with the reading its value came from.
func TestMergeBoxes(t *testing.T) {
	box := func(y int) Box { return Box{Page: 1, Rect: image.Rect(10, y, 50, y+20)} }
	first := Fields{
		VendorName: "CORNER GROCER", Date: "2024-03-15", Total: 12.10,
		Confidence: map[string]int{KeyVendorName: 60, KeyDate: 60, KeyTotal: 50},
		Boxes:      map[string]Box{KeyVendorName: box(0), KeyDate: box(100), KeyTotal: box(200)},
	}
	second := Fields{
		VendorName: "C0RNER GROCER", Date: "2024-03-16", Total: 13.10, VendorAddress: "12 HIGH ST",
		Confidence: map[string]int{KeyVendorName: 95, KeyDate: 30, KeyTotal: 90, KeyVendorAddress: 70},
		Boxes:      map[string]Box{KeyVendorName: box(1), KeyDate: box(101), KeyTotal: box(201), KeyVendorAddress: box(31)},
	}
	got := Merge(first, second)
	for k, w := range map[string]Box{KeyVendorName: box(0), KeyDate: box(100), KeyTotal: box(201), KeyVendorAddress: box(31)} {
		if got.Boxes[k] != w {
			t.Errorf("%s box %v, want %v", k, got.Boxes[k], w)
		}
	}
	if first.Boxes[KeyTotal] != box(200) {
		t.Error("Merge changed its argument's boxes")
	}
	// The second reading's total has no box (worked out): none is kept.
	delete(second.Boxes, KeyTotal)
	if b, ok := Merge(first, second).Boxes[KeyTotal]; ok {
		t.Errorf("total box %v kept from the reading it was not taken from", b)
	}
	// Agreeing readings: the first's box, or the second's where the first
	// had none.
	second.Total = 12.10
	if got := Merge(first, second).Boxes[KeyTotal]; got != box(200) {
		t.Errorf("agreeing totals: box %v", got)
	}
	noBox := first
	noBox.Boxes = map[string]Box{}
	second.Boxes[KeyTotal] = box(201)
	if got := Merge(noBox, second).Boxes[KeyTotal]; got != box(201) {
		t.Errorf("agreeing totals, first without a box: box %v", got)
	}
}
