package einvoice

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdataDir is the shared e-invoices (../shared/testdata/einvoices from
// the main checkout, or $TILLROLL_TESTDATA/einvoices), or "" and the test
// skipped when absent.
func testdataDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "testdata", "einvoices")
	if d := os.Getenv("TILLROLL_TESTDATA"); d != "" {
		dir = filepath.Join(d, "einvoices")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no test data at %s", dir)
	}
	return dir
}

// TestDataset reads every shared e-invoice (PDF and XML) and compares
// what the XML says with the truth beside it: every field taken from the
// XML must be right. (The truth's "total" is the page's; the page check
// is measured by `tillroll eval`.)
func TestDataset(t *testing.T) {
	dir := testdataDir(t)
	var files []string
	for _, pat := range []string{"*.pdf", "xml/*.xml"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no e-invoices found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var truth map[string]string
			b, err := os.ReadFile(strings.TrimSuffix(f, filepath.Ext(f)) + ".json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &truth); err != nil {
				t.Fatal(err)
			}
			doc, err := ReadFile(f, 25<<20, DefaultLimits())
			if err != nil || doc == nil {
				t.Fatalf("ReadFile: %v, %v", doc, err)
			}
			inv := doc.Invoice
			got := map[string]string{
				"company":        inv.Seller.Name,
				"date":           inv.IssueDate,
				"address":        inv.Seller.Address(),
				"invoice_number": inv.Number,
				"currency":       inv.Currency,
				"due_payable":    num(inv.DuePayable),
			}
			for k, g := range got {
				want := truth[k]
				if k == "due_payable" {
					want = num(mustDecimal(t, want))
				}
				if g != want {
					t.Errorf("%s = %q, want %q", k, g, want)
				}
			}
			t.Logf("%s %s %s profile %q, %d lines, %d taxes; findings: %v", doc.Attachment, inv.Syntax, inv.Version, inv.Profile, len(inv.Lines), len(inv.Taxes), doc.Findings)
		})
	}
}

func mustDecimal(t *testing.T, s string) float64 {
	t.Helper()
	v, ok := parseDecimal(s)
	if !ok {
		t.Fatalf("truth amount %q", s)
	}
	return v
}
