package receipts_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/receipts"
)

func TestCoinsExact(t *testing.T) {
	tests := []struct {
		in, units, decimal string
	}{
		{"41.22", "41220000000000000000", "41.22"},
		{"0.41", "410000000000000000", "0.41"},
		{"12", "12000000000000000000", "12"},
		{"0.000000000000000001", "1", "0.000000000000000001"},
		{"123456789012345678901234567890", "123456789012345678901234567890000000000000000000", "123456789012345678901234567890"},
	}
	for _, tc := range tests {
		c, err := receipts.ParseCoins(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if c.String() != tc.units || c.Decimal() != tc.decimal {
			t.Errorf("%s: units %s decimal %s", tc.in, c, c.Decimal())
		}
		b, err := json.Marshal(struct{ C receipts.Coins }{c})
		if err != nil || string(b) != `{"C":`+tc.units+`}` {
			t.Errorf("%s: json %s %v", tc.in, b, err)
		}
		var back struct{ C receipts.Coins }
		if err := json.Unmarshal(b, &back); err != nil || back.C.Cmp(c) != 0 {
			t.Errorf("%s: round trip %v %v", tc.in, back.C, err)
		}
	}
	for _, bad := range []string{"", "-1", "1.2.3", "0.0000000000000000001", "1e5", "abc"} {
		if _, err := receipts.ParseCoins(bad); !errors.Is(err, receipts.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	var zero receipts.Coins
	if b, _ := json.Marshal(zero); string(b) != "0" {
		t.Errorf("zero: %s", b)
	}
	if err := json.Unmarshal([]byte(`"410000000000000000"`), &zero); err != nil || zero.String() != "410000000000000000" {
		t.Errorf("string form: %v %v", zero, err)
	}
}

func TestEarnCaps(t *testing.T) {
	u := func(s string) receipts.Coins { c, _ := receipts.ParseCoins(s); return c }
	tests := []struct {
		p, np, limit, sum, wantP, wantNP string
	}{
		{"5", "1", "0", "100", "5", "1"}, // no cap
		{"5", "1", "10", "0", "5", "1"},
		{"5", "1", "10", "6", "4", "0"},
		{"5", "1", "10", "5", "5", "0"},
		{"5", "1", "10", "4.5", "5", "0.5"},
		{"5", "1", "10", "10", "0", "0"},
		{"5", "1", "10", "12", "0", "0"},
	}
	for _, tc := range tests {
		p, np := receipts.Earn(u(tc.p), u(tc.np), u(tc.limit), u(tc.sum))
		if p.Cmp(u(tc.wantP)) != 0 || np.Cmp(u(tc.wantNP)) != 0 {
			t.Errorf("%+v: got %s %s", tc, p.Decimal(), np.Decimal())
		}
	}
}

func TestDayInZone(t *testing.T) {
	loc, err := receipts.Location("Australia/Melbourne")
	if err != nil {
		t.Fatal(err)
	}
	// 2022-09-15 05:52 UTC is 15:52 in Melbourne (AEST, +10).
	from, to, key := receipts.Day(time.Date(2022, 9, 15, 5, 52, 0, 0, time.UTC), loc)
	if key != "2022-09-15" || from.Format(time.RFC3339) != "2022-09-14T14:00:00Z" || to.Format(time.RFC3339) != "2022-09-15T13:59:59Z" {
		t.Errorf("day %s %s %s", key, from, to)
	}
	// 20:00 UTC is already the next day there.
	if _, _, key := receipts.Day(time.Date(2022, 9, 15, 20, 0, 0, 0, time.UTC), loc); key != "2022-09-16" {
		t.Errorf("late UTC: %s", key)
	}
	if _, err := receipts.Location("Mars/Olympus"); !errors.Is(err, receipts.ErrInvalid) {
		t.Errorf("bad zone: %v", err)
	}
}

func TestTransitionTable(t *testing.T) {
	allowed := map[[2]receipts.Status]receipts.Actor{}
	for _, tr := range receipts.Transitions {
		allowed[[2]receipts.Status{tr.From, tr.To}] = tr.By
	}
	for _, from := range receipts.Statuses {
		for _, to := range receipts.Statuses {
			for _, by := range []receipts.Actor{receipts.BySystem, receipts.ByUser, receipts.ByStaff} {
				err := receipts.Check(from, to, by)
				want := allowed[[2]receipts.Status{from, to}] == by
				if (err == nil) != want || (err != nil && !errors.Is(err, receipts.ErrTransition)) {
					t.Errorf("%s -> %s by %s: %v", from, to, by, err)
				}
			}
		}
	}
	// A few that matter, spelled out.
	for _, tc := range []struct {
		from, to receipts.Status
		by       receipts.Actor
		ok       bool
	}{
		{receipts.SetRetailers, receipts.SetRetailersPending, receipts.ByUser, true},
		{receipts.Completed, receipts.SetRetailersPending, receipts.ByUser, false},
		{receipts.SetProducts, receipts.SetProductsPending, receipts.ByUser, true},
		{receipts.Completed, receipts.Hidden, receipts.ByStaff, true},
		{receipts.Hidden, receipts.Hidden, receipts.ByStaff, false},
		{receipts.Completed, receipts.Hidden, receipts.ByUser, false},
		{receipts.OCR, receipts.Completed, receipts.BySystem, true},
	} {
		if err := receipts.Check(tc.from, tc.to, tc.by); (err == nil) != tc.ok {
			t.Errorf("%s -> %s by %s: %v", tc.from, tc.to, tc.by, err)
		}
	}
}

type catalogue struct {
	phrases  map[string]string
	products map[string]string
}

func (c catalogue) RetailerPhrases(fn func(string, string) bool) {
	for p, id := range c.phrases {
		if !fn(p, id) {
			return
		}
	}
}

func (c catalogue) ProductByName(name string) (string, bool, bool) {
	g, ok := c.products[name]
	return g, g == "9311995843710", ok
}

func TestReadRecognizeMatchDecide(t *testing.T) {
	res := capture.Result{
		Status: capture.StatusCompleted, Vendor_Name: "CORNER GROCER LTD", Date: "2022-08-31", Time: "10:55",
		Total: 5.99, Tax: 0.54,
		Line_Items: []capture.LineItem{{Description: "A4 COPY PAPER 500 SHEETS", QTY: 1, Price: 5.99, Amount: 5.99}, {Description: "PENS", Amount: 2}},
		Raw_Text:   "CORNER GROCER LTD\nSTORE 7250 LANE 1\nRECEIPT NO: R-1234\nMELBOURNE VIC 3000\nTOTAL 5.99\n9311995843710\n77130191123900001\n",
		Confidence: map[string]int{"Total": 90, "Date": 70},
	}
	a := receipts.Read([]capture.Result{res}, "hash")
	if a.OCRStatus != "success" || a.Total != "5.99" || a.Tax != "0.54" || a.ComputedTotal != "7.99" || a.TotalCents != 599 {
		t.Errorf("amounts: %+v", a)
	}
	if a.ReceiptDate != "31/08/2022" || a.ReceiptTime != "10:55:00" || a.Issued.Format(time.RFC3339) != "2022-08-31T10:55:00Z" {
		t.Errorf("date: %q %q %v", a.ReceiptDate, a.ReceiptTime, a.Issued)
	}
	if a.ReceiptNumber != "R-1234" || a.ReceiptCode != "R-1234" || a.TermID != "lane 1" || a.RetailerStoreID != "7250" || a.Postcode != "3000" {
		t.Errorf("codes: %+v", a)
	}
	if a.Barcode != "9311995843710" || a.ReceiptBarcode != "77130191123900001" || a.AccuracyRate != 0.8 {
		t.Errorf("barcodes %q %q accuracy %v", a.Barcode, a.ReceiptBarcode, a.AccuracyRate)
	}
	cat := catalogue{
		phrases:  map[string]string{"corner grocer": "corner", "grocer": "tiny"},
		products: map[string]string{"a4 copy paper 500 sheets": "9311995843710"},
	}
	if id := receipts.Recognize(a, cat); id != "corner" {
		t.Errorf("retailer %q, want the longest phrase's", id)
	}
	receipts.Match(a.Items, cat)
	if a.Items[0].GTIN != "9311995843710" || !a.Items[0].Partner || a.Items[1].GTIN != "" {
		t.Errorf("items %+v", a.Items)
	}
	if s := receipts.Decide(a, "corner"); s != receipts.SetProducts {
		t.Errorf("one unmatched: %s", s)
	}
	a.Items[1].Skipped = true
	if s := receipts.Decide(a, "corner"); s != receipts.Completed {
		t.Errorf("all matched or skipped: %s", s)
	}
	if s := receipts.Decide(a, ""); s != receipts.SetRetailers {
		t.Errorf("no retailer: %s", s)
	}
	failed := receipts.Read([]capture.Result{{Status: capture.StatusFailed, Reason: "damaged"}}, "")
	if s := receipts.Decide(failed, ""); s != receipts.Failed || failed.Reason != "damaged" {
		t.Errorf("failed: %s %+v", s, failed)
	}
	empty := receipts.Read([]capture.Result{{Status: capture.StatusCompleted, Raw_Text: "hello world"}}, "h")
	if s := receipts.Decide(empty, "corner"); s != receipts.Unrecognized {
		t.Errorf("no total, no items: %s", s)
	}
}

func TestWorth(t *testing.T) {
	r := receipts.Rates{Partner: receipts.Units(41220000000000000), NonPartner: receipts.Units(410000000000000000)}
	p, np := receipts.Worth([]receipts.Item{
		{GTIN: "1", Partner: true, Quantity: 2},
		{GTIN: "2", Quantity: 1.5},
		{GTIN: "", Quantity: 3},
	}, r)
	if p.String() != "82440000000000000" || np.String() != "410000000000000000" {
		t.Errorf("worth %s %s", p, np)
	}
}

func TestValidGTIN(t *testing.T) {
	for s, want := range map[string]bool{"9311995843710": true, "9311995843711": false, "5541017680441": true, "5541017680442": false, "96385074": true, "abc": false, "": false} {
		if receipts.ValidGTIN(s) != want {
			t.Errorf("%q: want %v", s, want)
		}
	}
}
