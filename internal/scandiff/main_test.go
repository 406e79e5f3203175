package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: a field that differs fails, naming it; a confidence or raw
// text that differs is reported and does not fail; Created is no field.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	list := write("files", "a.jpg", "b.jpg")
	amd := write("amd64",
		`{"Total": 34, "Vendor_Phone": "+683-1", "Raw_Text": "x\nTEL +683-1", "Confidence": {"Total": 90}, "Created": "2026-12-01T10:00:00Z", "Line_Items": [{"Amount": 1}]}`,
		`{"Total": 2, "Raw_Text": "Fg RR", "Confidence": {"Currency_Code": 78}}`)
	for _, tc := range []struct {
		name  string
		arm   []string
		code  int
		wants []string
	}{
		{"same but the time", []string{
			`{"Total": 34, "Vendor_Phone": "+683-1", "Raw_Text": "x\nTEL +683-1", "Confidence": {"Total": 90}, "Created": "2026-12-01T10:05:00Z", "Line_Items": [{"Amount": 1}]}`,
			`{"Total": 2, "Raw_Text": "Fg RR", "Confidence": {"Currency_Code": 78}}`,
		}, 0, []string{"0 with a field that differs, 0 with a confidence that differs, 0 with raw text"}},
		{"text and confidence", []string{
			`{"Total": 34, "Vendor_Phone": "+683-1", "Raw_Text": "x\nTEL +683-1", "Confidence": {"Total": 90}, "Line_Items": [{"Amount": 1}]}`,
			`{"Total": 2, "Raw_Text": "Fe RM", "Confidence": {"Currency_Code": 92}}`,
		}, 0, []string{"b.jpg:", "confidence Currency_Code: 78 | 92", "raw text: 1 of 1 lines differ"}},
		{"a field and a line item", []string{
			`{"Total": 34, "Vendor_Phone": "+603-1", "Raw_Text": "x\nTEL +603-1", "Confidence": {"Total": 90}, "Line_Items": [{"Amount": 2}]}`,
			`{"Total": 2, "Raw_Text": "Fg RR", "Confidence": {"Currency_Code": 78}}`,
		}, 1, []string{`field Vendor_Phone: "+683-1" | "+603-1"`, "field Line_Items[0].Amount: 1 | 2", "1 with a field that differs"}},
	} {
		var out strings.Builder
		code, err := run(list, amd, write("arm64", tc.arm...), &out)
		if err != nil || code != tc.code {
			t.Errorf("%s: code %d (%v), want %d\n%s", tc.name, code, err, tc.code, out.String())
		}
		for _, w := range tc.wants {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: the report lacks %q:\n%s", tc.name, w, out.String())
			}
		}
	}
	if _, err := run(list, amd, write("short", `{"Total": 1}`), &strings.Builder{}); err == nil {
		t.Error("answers of fewer files than listed: no error")
	}
}
