package store

import (
	"bytes"
	"fmt"
	"testing"

	"tillroll/capture"
)

// read uploads a document for account and completes it with r, as a
// worker would; DocType is the doctype the client sent with it.
func read(t *testing.T, s *Store, account, docType string, r capture.Result) Document {
	t.Helper()
	f, err := s.SaveFile(bytes.NewReader([]byte(r.Raw_Text)), 1<<20, "jpg")
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.CreateDocument(NewDocument{Account: account, FileName: "r.jpg", File: f, Kind: "jpeg",
		Submission: Submission{DocType: docType}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s.ClaimOCRJob(); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	r.Status = capture.StatusCompleted
	r.Confidence = map[string]int{"Vendor_Name": 40, "Total": 90}
	done, err := s.CompleteOCRJob(d.ID, r, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// correct applies fields to the account's document as PUT /api/v4/update does.
func correct(t *testing.T, s *Store, d Document, fields map[string]string, total float64) {
	t.Helper()
	_, err := s.CorrectDocument(d.Account, d.Key, func(r *capture.Result, _ capture.Result) error {
		for k, v := range fields {
			*r.Field(k) = v
		}
		if total != 0 {
			r.Total = total
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A correction of who issued a document teaches the account's later
// documents from the same vendor, found by its name, VAT number or first
// line as read; nothing else, and no other account, learns from it.
func TestCorrectionsTeachTheAccount(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	newAccount(t, s, "other")
	grocer := func(vendor, vat string, total float64) capture.Result {
		r := capture.Result{Vendor_Name: vendor, Total: total, Document_Type: "Receipt",
			Raw_Text: fmt.Sprintf("%s\n12 HIGH STREET\nVAT %s\nTOTAL %.2f", vendor, vat, total)}
		r.Vat_Number = vat
		return r
	}
	first := read(t, s, "shop", "", grocer("C0RNER GR0CER", "GB123456789", 12.10))
	if first.Taught != nil {
		t.Fatalf("nothing was taught yet, but %+v", first.Taught)
	}
	correct(t, s, first, map[string]string{"Vendor_Name": "Corner Grocer Ltd", "Category": "Grocery", "Document_Type": "Invoice"}, 12.50)

	tests := []struct {
		name, account, docType string
		r                      capture.Result
		vendor, category, kind string
		total                  float64
		taught                 bool
	}{
		{"same vendor line", "shop", "", grocer("C0RNER GR0CER", "GB999999999", 3.20), "Corner Grocer Ltd", "Grocery", "Invoice", 3.20, true},
		{"vendor misread otherwise, same VAT number", "shop", "", grocer("CORNER 6ROCER", "GB123456789", 4), "Corner Grocer Ltd", "Grocery", "Invoice", 4, true},
		{"a doctype the client sent beats the taught one", "shop", "receipt", grocer("C0RNER GR0CER", "", 5), "Corner Grocer Ltd", "Grocery", "Receipt", 5, true},
		{"another account", "other", "", grocer("C0RNER GR0CER", "GB123456789", 6), "C0RNER GR0CER", "", "Receipt", 6, false},
		{"another vendor", "shop", "", grocer("HILLTOP MARKET", "GB555555555", 7), "HILLTOP MARKET", "", "Receipt", 7, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := read(t, s, tc.account, tc.docType, tc.r)
			got := d.Data()
			if got.Vendor_Name != tc.vendor || got.Category != tc.category || got.Document_Type != tc.kind || got.Total != tc.total {
				t.Fatalf("read %q %q %q %.2f, want %q %q %q %.2f", got.Vendor_Name, got.Category, got.Document_Type, got.Total,
					tc.vendor, tc.category, tc.kind, tc.total)
			}
			if (d.Taught != nil) != tc.taught {
				t.Fatalf("taught %+v, want %v", d.Taught, tc.taught)
			}
			if tc.taught {
				if d.Taught.From != first.Key || d.Taught.Read["Vendor_Name"] != tc.r.Vendor_Name {
					t.Errorf("taught %+v: want from %s, read vendor %q kept", d.Taught, first.Key, tc.r.Vendor_Name)
				}
				if _, ok := d.Result.Confidence["Vendor_Name"]; ok || d.Result.Confidence["Total"] != 90 {
					t.Errorf("confidence %v: a taught field has none, a read one keeps its own", d.Result.Confidence)
				}
			}
		})
	}
}

// A correction of a document that was read with a lesson teaches under
// the phrases extraction had read there too.
func TestCorrectionsOfTaughtDocuments(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	doc := func(vendor string) capture.Result {
		return capture.Result{Vendor_Name: vendor, Raw_Text: vendor + "\nHIGH STREET 12\nTOTAL 3.00"}
	}
	correct(t, s, read(t, s, "shop", "", doc("C0RNER GR0CER")), map[string]string{"Vendor_Name": "Corner Grocer", "Category": "Grocery"}, 0)
	taught := read(t, s, "shop", "", doc("C0RNER GR0CER"))
	if taught.Taught == nil {
		t.Fatal("nothing taught")
	}
	correct(t, s, taught, map[string]string{"Category": "Delicatessen"}, 0)
	if got := read(t, s, "shop", "", doc("C0RNER GR0CER")).Data(); got.Category != "Delicatessen" || got.Vendor_Name != "Corner Grocer" {
		t.Errorf("after correcting a taught document: %q, %q", got.Vendor_Name, got.Category)
	}
}

// The first line of the text names the vendor when no vendor name was
// read, unless it only says what kind of document it is.
func TestCorrectionsTeachByHeader(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	doc := func(header string, total float64) capture.Result {
		return capture.Result{Raw_Text: fmt.Sprintf("%s\nSOMEWHERE ROAD\nTOTAL %.2f", header, total), Total: total}
	}
	correct(t, s, read(t, s, "shop", "", doc("BLUE HERON CAFE", 8)), map[string]string{"Vendor_Name": "Blue Heron Café"}, 0)
	correct(t, s, read(t, s, "shop", "", doc("TAX INVOICE", 9)), map[string]string{"Vendor_Name": "Acme Supplies"}, 0)

	if got := read(t, s, "shop", "", doc("BLUE HERON CAFE", 10)).Data().Vendor_Name; got != "Blue Heron Café" {
		t.Errorf("same first line: vendor %q", got)
	}
	if got := read(t, s, "shop", "", doc("TAX INVOICE", 11)).Data().Vendor_Name; got != "" {
		t.Errorf("a first line that names no vendor taught %q", got)
	}
	// A vendor misread as a line every shop prints teaches nothing.
	correct(t, s, read(t, s, "shop", "", capture.Result{Vendor_Name: "THANK YOU", Raw_Text: "THANK YOU\nFOR SHOPPING\nTOTAL 3.00"}),
		map[string]string{"Vendor_Name": "Green Grocer"}, 0)
	if got := read(t, s, "shop", "", capture.Result{Vendor_Name: "RIVER CAFE", Raw_Text: "RIVER CAFE\nTHANK YOU\nTOTAL 4.00"}); got.Taught != nil {
		t.Errorf("a boilerplate vendor line taught %+v", got.Taught)
	}
	// A correction of a total only teaches nothing.
	d := read(t, s, "shop", "", doc("RIVERSIDE GARAGE", 12))
	correct(t, s, d, nil, 13)
	if got := read(t, s, "shop", "", doc("RIVERSIDE GARAGE", 14)); got.Taught != nil || got.Data().Total != 14 {
		t.Errorf("a total's correction taught %+v (total %.2f)", got.Taught, got.Data().Total)
	}
}

// AccountDocuments pages through one account's documents, newest first.
func TestAccountDocuments(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	newAccount(t, s, "other")
	var keys []string
	for i := range 5 {
		keys = append(keys, upload(t, s, "shop", "r.jpg", []byte{byte(i)}).Key)
	}
	upload(t, s, "other", "r.jpg", []byte("x"))
	for _, tc := range []struct {
		page, size int
		want       []string
	}{
		{0, 2, []string{keys[4], keys[3]}},
		{2, 2, []string{keys[0]}},
		{3, 2, nil},
		{-1, 10, []string{keys[4], keys[3], keys[2], keys[1], keys[0]}},
	} {
		docs, total, err := s.AccountDocuments("shop", tc.page, tc.size)
		if err != nil || total != 5 || len(docs) != len(tc.want) {
			t.Fatalf("page %d: %d of %d (%v), want %d of 5", tc.page, len(docs), total, err, len(tc.want))
		}
		for i, d := range docs {
			if d.Key != tc.want[i] || d.Account != "shop" {
				t.Errorf("page %d, %d: %s of %s, want %s", tc.page, i, d.Key, d.Account, tc.want[i])
			}
		}
	}
}

// A corrected line item teaches the account's next documents with an item
// printed the same: what the item is, never its amounts.
func TestCorrectionsTeachItems(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	newAccount(t, s, "other")
	doc := func(items ...capture.LineItem) capture.Result {
		return capture.Result{Raw_Text: "SOME SHOP\nTOTAL", Line_Items: items}
	}
	first := read(t, s, "shop", "", doc(
		capture.LineItem{Line: 1, Description: "WH0LE MILK 2L", Amount: 1.45},
		capture.LineItem{Line: 2, Description: "BREAD", Amount: 2.80},
	))
	_, err := s.CorrectDocument("shop", first.Key, func(r *capture.Result, _ capture.Result) error {
		r.Line_Items[0].Description, r.Line_Items[0].SKU, r.Line_Items[0].Amount = "Whole milk 2 l", "MILK-2", 1.55
		r.Line_Items[1].Amount = 3 // an amount only: nothing to learn
		r.Line_Items = append(r.Line_Items, capture.LineItem{Line: 3, Description: "Bag"})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	next := read(t, s, "shop", "", doc(
		capture.LineItem{Line: 1, Description: "BREAD", Amount: 2.90},
		capture.LineItem{Line: 2, Description: "wh0le milk 2l", Amount: 2.90},
	))
	got := next.Data().Line_Items
	if got[1].Description != "Whole milk 2 l" || got[1].SKU != "MILK-2" || got[1].Amount != 2.90 || got[0].Description != "BREAD" || got[0].Amount != 2.90 {
		t.Errorf("next document's items %+v", got)
	}
	ti := next.Taught.Item(2)
	if ti == nil || ti.From != first.Key || ti.Read["Description"] != "wh0le milk 2l" || ti.Read["SKU"] != "" || next.Taught.Item(1) != nil || len(next.Taught.Read) != 0 {
		t.Errorf("taught %+v", next.Taught)
	}
	if o := read(t, s, "other", "", doc(capture.LineItem{Line: 1, Description: "WH0LE MILK 2L"})); o.Taught != nil {
		t.Errorf("another account learnt %+v", o.Taught)
	}
}
