package capture

import (
	"encoding/json"
	"image"
	"strings"
	"testing"
	"time"

	"tillroll/ocr"
	"tillroll/ocr/extract"
)

func TestFromFieldsBoxes(t *testing.T) {
	doc := ocr.Document{Pages: []ocr.Page{{Number: 1, Width: 800, Height: 1400}, {Number: 2, Width: 2550, Height: 3300, TextLayer: true}}}
	f := extract.Fields{
		Total:     12.1,
		LineItems: []extract.LineItem{{Line: 1}, {Line: 2, Box: extract.Box{Page: 1, Rect: image.Rect(40, 500, 760, 530)}}},
		Boxes: map[string]extract.Box{
			"Total":       {Page: 1, Rect: image.Rect(600, 1380, 900, 1420)}, // over the edge: cut to the page
			"Date":        {Page: 2, Rect: image.Rect(100, 100, 300, 140)},
			"Vendor_Name": {Page: 3, Rect: image.Rect(0, 0, 10, 10)},         // no such page
			"Tax":         {Page: 1, Rect: image.Rect(900, 1500, 950, 1550)}, // off the page
		},
	}
	r := FromFields(doc, f, time.Now())
	b := r.Boxes
	if b == nil || len(b.Pages) != 2 || b.Pages[0] != (PageSize{800, 1400, false}) || b.Pages[1] != (PageSize{2550, 3300, true}) {
		t.Fatalf("boxes %+v", b)
	}
	want := map[string]Box{"Total": {Page: 1, X: 600, Y: 1380, W: 200, H: 20}, "Date": {Page: 2, X: 100, Y: 100, W: 200, H: 40}}
	if len(b.Fields) != len(want) || b.Fields["Total"] != want["Total"] || b.Fields["Date"] != want["Date"] {
		t.Errorf("fields %+v, want %+v", b.Fields, want)
	}
	if len(b.Items) != 2 || b.Items[0] != (Box{}) || b.Items[1] != (Box{Page: 1, X: 40, Y: 500, W: 720, H: 30}) {
		t.Errorf("items %+v", b.Items)
	}
	if p, ok := b.Page(2); !ok || !p.TextLayer {
		t.Errorf("Page(2) = %+v %v", p, ok)
	}
	if _, ok := b.Page(3); ok {
		t.Error("Page(3) of two pages")
	}
	js, err := json.Marshal(r)
	if err != nil || strings.Contains(strings.ToLower(string(js)), "box") {
		t.Errorf("the API's JSON shows the boxes: %s %v", js, err)
	}
	if r := FromFields(doc, extract.Fields{}, time.Now()); r.Boxes != nil {
		t.Errorf("no field read, boxes %+v", r.Boxes)
	}
}
