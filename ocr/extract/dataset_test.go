package extract_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/eval"
	"tillroll/ocr"
	"tillroll/ocr/extract"
	"tillroll/pipeline"
)

func TestMain(m *testing.M) {
	if err := ocr.SingleThreaded(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// TestDataset measures extraction on the real receipts and invoices in
// the shared test data. The floors are well under what the extraction
// reaches, to catch regressions without being flaky.
func TestDataset(t *testing.T) {
	if testing.Short() {
		t.Skip("reads real documents with OCR")
	}
	floors := []struct {
		sub    string
		kind   string
		fields map[string]float64
	}{
		{"receipts", eval.KindReceipt, map[string]float64{"Total": 75, "Date": 78, "Vendor_Name": 65, "Vendor_Address": 33}},
		{"invoices", eval.KindInvoice, map[string]float64{"Total": 90, "Date": 90, "Vendor_Name": 45, "Invoice_Number": 75, "Currency_Code": 90}},
	}
	for _, f := range floors {
		t.Run(f.sub, func(t *testing.T) {
			dir := extract.TestdataDir(t, f.sub)
			eng, err := ocr.NewEngine(ocr.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			// The file through the same pipeline as the server.
			read := func(ctx context.Context, path string) (capture.Result, error) {
				res, _, err := pipeline.Process(ctx, eng, path, time.Now())
				return res, err
			}
			var out bytes.Buffer
			rep, err := eval.Run(t.Context(), dir, read, &out)
			if err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + out.String())
			for field, floor := range f.fields {
				fs, ok := rep.Field(f.kind, field)
				if !ok {
					t.Errorf("%s: no %s compared", f.sub, field)
					continue
				}
				if fs.Accuracy() < floor {
					t.Errorf("%s: %s accuracy %.1f%%, below the floor %.0f%%", f.sub, field, fs.Accuracy(), floor)
				}
			}
			if len(rep.Failed) > 0 {
				t.Errorf("%d files failed", len(rep.Failed))
			}
			if rep.Confident > 0 && rep.Calibration() < 90 {
				t.Errorf("of the fields reported with confidence >= %d only %.1f%% are right", eval.HighConfidence, rep.Calibration())
			}
		})
	}
}
