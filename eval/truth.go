package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Document kinds of a truth file.
const (
	KindReceipt  = "receipt"
	KindInvoice  = "invoice"
	KindEInvoice = "e-invoice"
)

// Field compare modes.
const (
	compareText   = "text"
	compareDate   = "date"
	compareAmount = "amount"
	// compareContains: the truth (a brand, "ALDI") must be part of the
	// result ("ALDI SÜD GmbH & Co. oHG").
	compareContains = "contains"
)

// expect is one field a truth file gives: the truth's own key, the
// capture API's field it is compared with, and the expected value.
type expect struct {
	key     string // e.g. "company"
	field   string // e.g. "Vendor_Name"
	mode    string
	want    string
	wantNum float64
}

// truth is what one <id>.json says.
type truth struct {
	kind    string
	expects []expect
}

// errTruthFormat is returned for a JSON file that is neither an SROIE key
// nor invoice2data output.
var errTruthFormat = errors.New("truth file is neither SROIE ({company,date,address,total}) nor invoice2data ([{issuer,...}])")

// parseTruth reads a truth file in either format: SROIE's object of four
// strings or invoice2data's list of one object.
func parseTruth(data []byte) (truth, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return truth{}, errTruthFormat
	}
	switch data[0] {
	case '{':
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return truth{}, fmt.Errorf("truth: %w", err)
		}
		if _, ok := m["due_payable"]; ok {
			return eInvoiceTruth(m)
		}
		return receiptTruth(m)
	case '[':
		var list []map[string]any
		if err := json.Unmarshal(data, &list); err != nil {
			return truth{}, fmt.Errorf("truth: %w", err)
		}
		if len(list) == 0 {
			return truth{}, errTruthFormat
		}
		return invoiceTruth(list[0])
	}
	return truth{}, errTruthFormat
}

// truthField maps one key of a truth file to the result field it scores
// and how the two are compared.
type truthField struct{ key, field, mode string }

// expectsOf makes the expectations of the fields a truth file has, and
// says how many of the fields it has.
func expectsOf(m map[string]any, fields []truthField) ([]expect, int) {
	var out []expect
	n := 0
	for _, f := range fields {
		v, ok := m[f.key]
		if !ok {
			continue
		}
		n++
		if e, ok := makeExpect(f.key, f.field, f.mode, v); ok {
			out = append(out, e)
		}
	}
	return out, n
}

func receiptTruth(m map[string]any) (truth, error) {
	t := truth{kind: KindReceipt}
	fields := []truthField{
		{"company", "Vendor_Name", compareText},
		{"date", "Date", compareDate},
		{"address", "Vendor_Address", compareText},
		{"total", "Total", compareAmount},
		// The German set's truth from file names: the brand the printed
		// merchant name should contain, no full name.
		{"brand", "Vendor_Name", compareContains},
	}
	var n int
	t.expects, n = expectsOf(m, fields)
	if n == 0 {
		return truth{}, errTruthFormat
	}
	return t, nil
}

// eInvoiceTruth reads the truth of an e-invoice (../shared/testdata/einvoices):
// SROIE's four keys, where "total" is the total the page prints (which is
// the XML's unless the two disagree), plus invoice_number, currency and
// due_payable (the amount due) from the XML.
func eInvoiceTruth(m map[string]any) (truth, error) {
	t := truth{kind: KindEInvoice}
	fields := []truthField{
		{"company", "Vendor_Name", compareText},
		{"date", "Date", compareDate},
		{"address", "Vendor_Address", compareText},
		{"total", "Page_Total", compareAmount},
		{"invoice_number", "Invoice_Number", compareText},
		{"currency", "Currency_Code", compareText},
		{"due_payable", "Balance_Due", compareAmount},
	}
	t.expects, _ = expectsOf(m, fields)
	return t, nil
}

func invoiceTruth(m map[string]any) (truth, error) {
	if _, ok := m["issuer"]; !ok {
		return truth{}, errTruthFormat
	}
	t := truth{kind: KindInvoice}
	fields := []truthField{
		{"issuer", "Vendor_Name", compareText},
		{"date", "Date", compareDate},
		{"invoice_number", "Invoice_Number", compareText},
		{"amount", "Total", compareAmount},
		{"currency", "Currency_Code", compareText},
		{"amount_untaxed", "Subtotal", compareAmount},
		{"amount_tax", "Tax", compareAmount},
	}
	t.expects, _ = expectsOf(m, fields)
	return t, nil
}

// makeExpect turns a JSON value into an expectation; a value that cannot
// be compared (an unreadable amount) is left out rather than counted.
func makeExpect(key, field, mode string, v any) (expect, bool) {
	e := expect{key: key, field: field, mode: mode}
	switch x := v.(type) {
	case string:
		e.want = x
	case float64:
		e.want = strconv.FormatFloat(x, 'f', -1, 64)
		e.wantNum = x
	case nil:
		return e, false
	default:
		e.want = fmt.Sprint(x)
	}
	if mode == compareAmount {
		if _, ok := v.(float64); !ok {
			n, ok := parseAmount(e.want)
			if !ok {
				return e, false
			}
			e.wantNum = n
		}
	}
	if strings.TrimSpace(e.want) == "" {
		return e, false
	}
	return e, true
}
