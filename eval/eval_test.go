package eval

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/capture"
)

// writeDir makes a folder of made-up documents and truths.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeRead answers with the results given per file name. It stands in for
// the OCR pipeline: these tests check the scoring, not OCR.
func fakeRead(results map[string]capture.Result, errs map[string]error) ReadFunc {
	return func(ctx context.Context, path string) (capture.Result, error) {
		name := filepath.Base(path)
		if err := errs[name]; err != nil {
			return capture.Result{}, err
		}
		return results[name], nil
	}
}

func TestRun(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"001.jpg":   "not really a jpeg",
		"001.json":  `{"company": "ABC HO TRADING", "date": "09/01/2019", "address": "NO.2&4, JALAN HARMONI 3/2, 81100 JOHOR", "total": "31.00"}`,
		"002.jpg":   "x",
		"002.json":  `{"company": "KEDAI (M) SDN BHD", "date": "14/MAY/2017", "address": "LOT 3, JALAN 1", "total": "RM 8.10"}`,
		"003.png":   "x",
		"003.json":  `{"company": "X", "date": "12/13/2016", "address": "Y", "total": "1.00"}`,
		"inv.pdf":   "x",
		"inv.json":  `[{"issuer": "Coolblue B.V.", "amount": 717.97, "amount_untaxed": 593.36, "date": "2014-04-19", "invoice_number": "993548900", "currency": "EUR", "desc": "Invoice from Coolblue"}]`,
		"lone.jpg":  "no truth: not evaluated",
		"only.json": `{"company": "no document", "date": "", "address": "", "total": ""}`,
		"bad.jpg":   "x",
		"bad.json":  `{"unexpected": true}`,
	})
	results := map[string]capture.Result{
		"001.jpg": { // all right, with punctuation and case differences
			Vendor_Name: "abc ho trading", Date: "2019-01-09", Vendor_Address: "No.2&4 , Jalan Harmoni 3/2, 81100 Johor",
			Total: 31, Confidence: map[string]int{"Vendor_Name": 90, "Date": 90, "Vendor_Address": 50, "Total": 95},
		},
		"002.jpg": { // total and address wrong; the wrong total was confident
			Vendor_Name: "KEDAI (M) SDN BHD", Date: "2017-05-14", Vendor_Address: "LOT 3 JALAN 7",
			Total: 8.11, Confidence: map[string]int{"Vendor_Name": 85, "Date": 70, "Total": 88},
		},
		"inv.pdf": {
			Vendor_Name: "Coolblue B.V.", Date: "2014-04-19", Invoice_Number: "993548900", Total: 717.97,
			Subtotal: 717.97, Currency_Code: "EUR", Confidence: map[string]int{"Total": 90, "Subtotal": 85},
		},
	}
	errs := map[string]error{"003.png": errors.New("tesseract failed")}
	var out bytes.Buffer
	rep, err := Run(t.Context(), dir, fakeRead(results, errs), &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Receipts != 3 || rep.Invoices != 1 {
		t.Errorf("receipts %d invoices %d, want 3 and 1", rep.Receipts, rep.Invoices)
	}
	want := []struct {
		kind, field  string
		right, total int
	}{
		{KindReceipt, "Total", 1, 3},
		{KindReceipt, "Date", 2, 3},
		{KindReceipt, "Vendor_Name", 2, 3},
		{KindReceipt, "Vendor_Address", 1, 3},
		{KindInvoice, "Total", 1, 1},
		{KindInvoice, "Date", 1, 1},
		{KindInvoice, "Vendor_Name", 1, 1},
		{KindInvoice, "Invoice_Number", 1, 1},
		{KindInvoice, "Currency_Code", 1, 1},
		{KindInvoice, "Subtotal", 0, 1},
	}
	for _, w := range want {
		fs, ok := rep.Field(w.kind, w.field)
		if !ok || fs.Right != w.right || fs.Total != w.total {
			t.Errorf("%s %s = %+v, want %d/%d", w.kind, w.field, fs, w.right, w.total)
		}
	}
	if _, ok := rep.Field(KindInvoice, "Tax"); ok {
		t.Error("Tax scored for an invoice whose truth has no amount_tax")
	}
	if len(rep.Fields) != len(want) {
		t.Errorf("%d field scores, want %d", len(rep.Fields), len(want))
	}
	if fs, _ := rep.Field(KindReceipt, "Date"); fs.Accuracy() < 66.6 || fs.Accuracy() > 66.7 {
		t.Errorf("date accuracy %.2f, want 66.67", fs.Accuracy())
	}
	// Confident fields: 001 Name, Date, Total (right); 002 Name (right), Total
	// (wrong); inv Total (right), Subtotal (wrong).
	if rep.Confident != 7 || rep.ConfidentRight != 5 {
		t.Errorf("calibration %d of %d, want 5 of 7", rep.ConfidentRight, rep.Confident)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].File != "003.png" {
		t.Errorf("failed %+v, want 003.png", rep.Failed)
	}
	if len(rep.Skipped) != 1 || rep.Skipped[0].File != "bad.json" {
		t.Errorf("skipped %+v, want bad.json", rep.Skipped)
	}
	// Misses: 002 address and total, 003 all four, inv subtotal.
	if len(rep.Misses) != 7 {
		t.Errorf("%d misses, want 7: %+v", len(rep.Misses), rep.Misses)
	}
	text := out.String()
	for _, line := range []string{
		"3 receipts, 1 invoices",
		"receipts (3)",
		"invoices (1)",
		"Total           (total)             1/3      33.3%",
		"calibration: 5 of 7 fields reported with confidence >= 80 are right (71.4%)",
		"failed: 003.png: tesseract failed",
		`002.jpg                      Total           want "RM 8.10" got "8.11" (confidence 88)`,
		"seconds per file: median",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("output lacks %q:\n%s", line, text)
		}
	}
	if strings.Index(text, "receipts (3)") > strings.Index(text, "invoices (1)") {
		t.Error("receipts must come before invoices")
	}
}

func TestRunEmptyAndMissing(t *testing.T) {
	var out bytes.Buffer
	rep, err := Run(t.Context(), t.TempDir(), fakeRead(nil, nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Receipts != 0 || len(rep.Fields) != 0 || rep.Calibration() != 0 {
		t.Errorf("empty dir: %+v", rep)
	}
	if !strings.Contains(out.String(), "no field reported with confidence") {
		t.Errorf("output: %s", out.String())
	}
	if _, err := Run(t.Context(), filepath.Join(t.TempDir(), "absent"), fakeRead(nil, nil), &out); err == nil {
		t.Error("no error for a missing folder")
	}
}

func TestRunCancelled(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.jpg": "x", "a.json": `{"company": "A", "date": "01/01/2019", "address": "B", "total": "1.00"}`,
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := Run(ctx, dir, fakeRead(nil, nil), &bytes.Buffer{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		mode, want, got string
		ok              bool
	}{
		{compareText, "MR. D.I.Y. (M) SDN BHD", "Mr D.I.Y (M) Sdn. Bhd.", true},
		{compareText, "NO.2&4, JALAN", "No 2 & 4 Jalan", true},
		{compareText, "SANYU", "SANYO", false},
		{compareText, "A", "", false},
		{compareDate, "09/01/2019", "2019-01-09", true},
		{compareDate, "14/MAY/2017", "2017-05-14", true},
		{compareDate, "12/13/2016", "2016-12-13", true},
		{compareDate, "OCT 3, 2016", "2016-10-03", true},
		{compareDate, "19/05/16", "2016-05-19", true},
		{compareDate, "2014-04-19", "2014-04-19", true},
		{compareDate, "09/01/2019", "2019-09-01", false},
		{compareDate, "09/01/2019", "", false},
		{compareAmount, "RM 31.20", "31.20", true},
		{compareAmount, "31.00", "31.00", true},
		{compareAmount, "31.00", "31.01", false},
		{compareAmount, "31.00", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.want+" "+tt.got, func(t *testing.T) {
			e, ok := makeExpect("k", "F", tt.mode, tt.want)
			if !ok {
				t.Fatalf("makeExpect(%q) not ok", tt.want)
			}
			if got := match(e, tt.got); got != tt.ok {
				t.Errorf("match(%q, %q) = %v, want %v", tt.want, tt.got, got, tt.ok)
			}
		})
	}
}

func TestParseTruth(t *testing.T) {
	tests := []struct {
		name, data string
		kind       string
		fields     int
		err        bool
	}{
		{"sroie", `{"company": "A", "date": "01/01/2019", "address": "B", "total": "1.00"}`, KindReceipt, 4, false},
		{"sroie empty total", `{"company": "A", "date": "01/01/2019", "address": "B", "total": ""}`, KindReceipt, 3, false},
		{"invoice2data", `[{"issuer": "X", "amount": 1.5, "date": "2020-01-01", "invoice_number": "7", "currency": "EUR", "amount_tax": 0.25}]`, KindInvoice, 6, false},
		{"e-invoice", `{"company": "A", "date": "2022-10-26", "address": "B", "total": "963.12", "invoice_number": "RE1", "currency": "EUR", "due_payable": "963.11"}`, KindEInvoice, 7, false},
		{"empty list", `[]`, "", 0, true},
		{"other object", `{"a": 1}`, "", 0, true},
		{"not json", `hello`, "", 0, true},
		{"broken json", `{"company": `, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := parseTruth([]byte(tt.data))
			if (err != nil) != tt.err {
				t.Fatalf("err %v, want error %v", err, tt.err)
			}
			if err == nil && (tr.kind != tt.kind || len(tr.expects) != tt.fields) {
				t.Errorf("kind %s with %d fields, want %s with %d", tr.kind, len(tr.expects), tt.kind, tt.fields)
			}
		})
	}
}

// TestRunEInvoices reads the e-invoice truth format, in the folder and in
// its xml/ subfolder: "total" is compared with the total the page shows
// (the page's value where the result reports a disagreement), and each
// reported disagreement is listed.
func TestRunEInvoices(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"a.pdf":  "x",
		"a.json": `{"company": "weclapp.com", "date": "2022-10-26", "address": "Somestreet 42, 08155 Some city", "total": "963.12", "invoice_number": "RE1001", "currency": "EUR", "due_payable": "963.11"}`,
	})
	if err := os.Mkdir(filepath.Join(dir, "xml"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"b.xml":  "<Invoice/>",
		"b.json": `{"company": "[Seller name]", "date": "2016-04-04", "address": "x", "total": "336.9", "invoice_number": "123456XX", "currency": "EUR", "due_payable": "336.9"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "xml", name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	disagreeing := capture.Result{
		Vendor_Name: "weclapp.com", Date: "2022-10-26", Vendor_Address: "Somestreet 42, 08155 Some city", Total: 963.11,
		Invoice_Number: "RE1001", Currency_Code: "EUR", Photon: capture.Photon{Balance_Due: 963.11},
		E_Invoice: &capture.EInvoice{Page_Check: capture.PageDisagrees, Disagreements: []capture.Disagreement{
			{Field: "Total", BT: "BT-112", XML: "963.11", Page: "963.12"},
		}},
	}
	silent := disagreeing // the same XML values, no disagreement reported
	silent.E_Invoice = &capture.EInvoice{Page_Check: capture.PageAgrees}
	xmlOnly := capture.Result{
		Vendor_Name: "[Seller name]", Date: "2016-04-04", Vendor_Address: "x", Total: 336.9,
		Invoice_Number: "123456XX", Currency_Code: "EUR", Photon: capture.Photon{Balance_Due: 336.9},
	}
	for _, tt := range []struct {
		name      string
		a         capture.Result
		pageRight int
		reported  int
	}{
		{"disagreement reported", disagreeing, 2, 1},
		{"disagreement missed", silent, 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			rep, err := Run(t.Context(), dir, fakeRead(map[string]capture.Result{"a.pdf": tt.a, "b.xml": xmlOnly}, nil), &out)
			if err != nil {
				t.Fatal(err)
			}
			if rep.EInvoices != 2 || len(rep.Disagreements) != tt.reported {
				t.Errorf("e-invoices %d disagreements %v", rep.EInvoices, rep.Disagreements)
			}
			fs, ok := rep.Field(KindEInvoice, "Page_Total")
			if !ok || fs.Right != tt.pageRight || fs.Total != 2 {
				t.Errorf("Page_Total %+v", fs)
			}
			for _, f := range []string{"Vendor_Name", "Date", "Vendor_Address", "Invoice_Number", "Currency_Code", "Balance_Due"} {
				if fs, _ := rep.Field(KindEInvoice, f); fs.Right != 2 {
					t.Errorf("%s %+v", f, fs)
				}
			}
			if !strings.Contains(out.String(), "2 e-invoices") {
				t.Errorf("report:\n%s", out.String())
			}
		})
	}
}

// TestRunBrandTruth scores the German set's truth: date, total and the
// brand that the merchant name must contain.
func TestRunBrandTruth(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"aldi_1.jpg":  "x",
		"aldi_1.json": `{"date": "2020-03-02", "total": "24.23", "brand": "ALDI"}`,
		"lidl_2.jpg":  "x",
		"lidl_2.json": `{"date": "2020-04-11", "total": "19.77", "brand": "LIDL"}`,
		"apo_3.jpg":   "x",
		"apo_3.json":  `{"date": "2020-04-23", "total": "19.90"}`,
	})
	results := map[string]capture.Result{
		"aldi_1.jpg": {Vendor_Name: "ALDI SÜD GmbH & Co. oHG", Date: "2020-03-02", Total: 24.23},
		"lidl_2.jpg": {Vendor_Name: "Hauptstraße 12", Date: "2020-04-17", Total: 19.77},
		"apo_3.jpg":  {Vendor_Name: "Rosen-Apotheke", Date: "2020-04-23", Total: 19.9},
	}
	var out bytes.Buffer
	rep, err := Run(t.Context(), dir, fakeRead(results, nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		field        string
		right, total int
	}{{"Total", 3, 3}, {"Date", 2, 3}, {"Vendor_Name", 1, 2}} {
		fs, ok := rep.Field(KindReceipt, w.field)
		if !ok || fs.Right != w.right || fs.Total != w.total {
			t.Errorf("%s = %+v, want %d/%d", w.field, fs, w.right, w.total)
		}
	}
	if !strings.Contains(out.String(), "Vendor_Name     (brand)") {
		t.Errorf("output does not name the brand truth:\n%s", out.String())
	}
}

func TestContainsWords(t *testing.T) {
	for _, c := range []struct {
		got, want string
		ok        bool
	}{
		{"ALDI SÜD", "ALDI", true},
		{"aldisüd GmbH", "ALDI", true},
		{"Dirk Rossmann GmbH", "ROSSMANN", true},
		{"Hauptstr. 5", "ALDI", false},
		{"", "ALDI", false},
		{"LIDL", "", false},
	} {
		if got := containsWords(c.got, c.want); got != c.ok {
			t.Errorf("containsWords(%q, %q) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}
