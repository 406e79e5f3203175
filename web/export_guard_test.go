package web

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"tillroll/receipts"
	"tillroll/store"
)

// TestExportRowsGuard writes a receipt whose text would run in a
// spreadsheet through the export's rows and csv, reads it back with
// encoding/csv, and checks each cell.
func TestExportRowsGuard(t *testing.T) {
	r := store.WalkedReceipt{Currency: "@EUR", Receipt: store.Receipt{
		UUID: "u-1", User: "alice", Status: receipts.Completed,
		Analysis: receipts.Analysis{Vendor: `=HYPERLINK("x")`, Total: "-1.5", Tax: "0.1", Items: []receipts.Item{
			{Name: "+cmd|' /C calc'!A0", Quantity: 1.5, Price: 2, Value: 3},
			{Name: "@SUM(A1:A9)", Quantity: 1, Price: -0.5, Value: -0.5},
			{Name: "-2+3", Quantity: 2, Price: 0.125, Value: 0.25, GTIN: milk},
			{Name: "\tTAB", Quantity: 1},
			{Name: "\rCR", Quantity: 1},
			{Name: "MILK = 2L", Quantity: 1},
		}},
	}}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(exportRows(r, "2024-03-15", "Corner")); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := []string{"u-1", "alice", "2024-03-15", "Corner", `'=HYPERLINK("x")`, "-1.50", "0.10", "'@EUR", "COMPLETED"}
	want := [][]string{
		append(slices.Clone(head), "'+cmd|' /C calc'!A0", "1.5", "2.00", "3.00", "", "", ""),
		append(slices.Clone(head), "'@SUM(A1:A9)", "1", "-0.50", "-0.50", "", "", ""),
		append(slices.Clone(head), "'-2+3", "2", "0.13", "0.25", milk, "", ""),
		append(slices.Clone(head), "'\tTAB", "1", "0.00", "0.00", "", "", ""),
		append(slices.Clone(head), "'\rCR", "1", "0.00", "0.00", "", "", ""),
		append(slices.Clone(head), "MILK = 2L", "1", "0.00", "0.00", "", "", ""),
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("rows\n%q\nwant\n%q", got, want)
	}
}

const milk = "9311995843710"

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"plain":           "plain",
		`=HYPERLINK("x")`: `'=HYPERLINK("x")`,
		"+1+1":            "'+1+1",
		"-1+1":            "'-1+1",
		"@A1":             "'@A1",
		"\t=1":            "'\t=1",
		"\r=1":            "'\r=1",
		"-1.50":           "-1.50",
		"12":              "12",
		"-":               "'-",
		"+Inf":            "'+Inf",
		"a=1":             "a=1",
	} {
		if got := safeCell(in); got != want {
			t.Errorf("safeCell(%q) = %q, want %q", in, got, want)
		}
	}
}
