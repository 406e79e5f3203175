// Package eval measures how well the capture pipeline reads a folder of
// documents with known answers: per-field accuracy, seconds per file, how
// far its confidence can be trusted, and every miss.
//
// A folder holds <id>.jpg, .jpeg, .png, .pdf or .xml files, each with an
// <id>.json truth in one of four formats: an SROIE key ({"company",
// "date", "address", "total"}, strings as printed), the German set's
// ({"date", "total", "brand"}, the brand to be found in the merchant
// name), invoice2data output (a list of one object with issuer, date,
// invoice_number, amount, currency, ...), or an e-invoice's (SROIE's keys
// plus invoice_number, currency and due_payable; its "total" is the one
// the page prints). Files in a subfolder xml/ are read too.
package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tillroll/capture"
	"tillroll/ocr/extract"
)

// HighConfidence is the confidence from which a field is meant to be right
// at least 95% of the time.
const HighConfidence = 80

// ReadFunc is the pipeline under test: it reads one file into a result.
type ReadFunc func(ctx context.Context, path string) (capture.Result, error)

// Report is what Run measured.
type Report struct {
	Receipts  int // files with an SROIE truth
	Invoices  int // files with an invoice2data truth
	EInvoices int // files with an e-invoice truth
	// Disagreements are the e-invoices whose page was found to disagree
	// with their XML, one line per field.
	Disagreements []string
	// Fields is the accuracy per document kind and field, receipts first,
	// in the order of the truth formats.
	Fields []FieldScore
	// Seconds per file: the median and the worst, with the worst file.
	MedianSeconds float64
	WorstSeconds  float64
	WorstFile     string
	// Confident is the number of compared fields reported with confidence
	// >= HighConfidence, and ConfidentRight how many of them were right.
	Confident      int
	ConfidentRight int
	Misses         []Miss
	// Failed lists the files the pipeline returned an error for; their
	// fields count as misses.
	Failed []FileError
	// Skipped lists truth files that could not be read.
	Skipped []FileError
}

// FieldScore is the accuracy of one field on one kind of document.
type FieldScore struct {
	Kind  string // KindReceipt, KindInvoice or KindEInvoice
	Key   string // the truth's key, e.g. "company"
	Field string // the capture API's field, e.g. "Vendor_Name"
	Right int
	Total int
}

// Accuracy is Right/Total as a percentage (0 when nothing was compared).
func (f FieldScore) Accuracy() float64 {
	if f.Total == 0 {
		return 0
	}
	return 100 * float64(f.Right) / float64(f.Total)
}

// Calibration is the share of high-confidence fields that were right, as a
// percentage (0 when none was reported with high confidence).
func (r Report) Calibration() float64 {
	if r.Confident == 0 {
		return 0
	}
	return 100 * float64(r.ConfidentRight) / float64(r.Confident)
}

// Field returns the score of a kind's field, and false when none.
func (r Report) Field(kind, field string) (FieldScore, bool) {
	for _, f := range r.Fields {
		if f.Kind == kind && f.Field == field {
			return f, true
		}
	}
	return FieldScore{}, false
}

// Miss is one field read wrong.
type Miss struct {
	File  string
	Field string
	Want  string
	Got   string
	// Confidence is what the pipeline reported for the field.
	Confidence int
}

// FileError is a file that could not be evaluated.
type FileError struct {
	File string
	Err  error
}

// docExtensions are the document files Run reads, in order of preference
// when one id has several.
var docExtensions = []string{".jpg", ".jpeg", ".png", ".pdf", ".xml"}

// Run evaluates every <id>.jpg|.jpeg|.png|.pdf|.xml in dir (and in dir/xml)
// that has an <id>.json truth, reading each with read, and writes the
// report to w.
func Run(ctx context.Context, dir string, read ReadFunc, w io.Writer) (Report, error) {
	var rep Report
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rep, fmt.Errorf("eval: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if sub, err := os.ReadDir(filepath.Join(dir, "xml")); err == nil {
		for _, e := range sub {
			if !e.IsDir() {
				names = append(names, filepath.Join("xml", e.Name()))
			}
		}
	}
	type job struct {
		id, doc, truth string
	}
	byID := map[string]*job{}
	for _, name := range names {
		ext := strings.ToLower(filepath.Ext(name))
		id := strings.TrimSuffix(name, filepath.Ext(name))
		j, ok := byID[id]
		if !ok {
			j = &job{id: id}
			byID[id] = j
		}
		switch {
		case ext == ".json":
			j.truth = name
		case containsExt(ext):
			if j.doc == "" || extRank(ext) < extRank(strings.ToLower(filepath.Ext(j.doc))) {
				j.doc = name
			}
		}
	}
	var jobs []*job
	for _, j := range byID {
		if j.doc != "" && j.truth != "" {
			jobs = append(jobs, j)
		}
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].id < jobs[b].id })

	scores := map[string]*FieldScore{}
	var order []string
	var secs []float64
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("eval: %w", err)
		}
		data, err := os.ReadFile(filepath.Join(dir, j.truth))
		if err != nil {
			rep.Skipped = append(rep.Skipped, FileError{j.truth, err})
			continue
		}
		tr, err := parseTruth(data)
		if err != nil {
			rep.Skipped = append(rep.Skipped, FileError{j.truth, err})
			continue
		}
		start := time.Now()
		res, rerr := read(ctx, filepath.Join(dir, j.doc))
		took := time.Since(start).Seconds()
		if rerr != nil && errors.Is(rerr, context.Canceled) {
			return rep, fmt.Errorf("eval: %s: %w", j.doc, rerr)
		}
		secs = append(secs, took)
		if took > rep.WorstSeconds || rep.WorstFile == "" {
			rep.WorstSeconds, rep.WorstFile = took, j.doc
		}
		if rerr != nil {
			rep.Failed = append(rep.Failed, FileError{j.doc, rerr})
			res = capture.Result{}
		}
		switch tr.kind {
		case KindReceipt:
			rep.Receipts++
		case KindInvoice:
			rep.Invoices++
		case KindEInvoice:
			rep.EInvoices++
			if res.E_Invoice != nil {
				for _, d := range res.E_Invoice.Disagreements {
					rep.Disagreements = append(rep.Disagreements, fmt.Sprintf("%s: %s (%s) XML %q, page %q", j.doc, d.Field, d.BT, d.XML, d.Page))
				}
			}
		}
		for _, e := range tr.expects {
			k := tr.kind + "/" + e.field + "/" + e.key // a brand and a full name score apart
			fs, ok := scores[k]
			if !ok {
				fs = &FieldScore{Kind: tr.kind, Key: e.key, Field: e.field}
				scores[k] = fs
				order = append(order, k)
			}
			got := fieldValue(res, e.field)
			right := rerr == nil && match(e, got)
			fs.Total++
			ck := e.field
			if ck == "Page_Total" {
				ck = "Total"
			}
			c := res.Confidence[ck]
			if rerr == nil && c >= HighConfidence {
				rep.Confident++
				if right {
					rep.ConfidentRight++
				}
			}
			if right {
				fs.Right++
			} else {
				rep.Misses = append(rep.Misses, Miss{File: j.doc, Field: e.field, Want: e.want, Got: got, Confidence: c})
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		ka, kb := scores[order[a]], scores[order[b]]
		if ka.Kind != kb.Kind {
			return kindRank(ka.Kind) < kindRank(kb.Kind)
		}
		return fieldRank(ka.Field) < fieldRank(kb.Field)
	})
	for _, k := range order {
		rep.Fields = append(rep.Fields, *scores[k])
	}
	if len(secs) > 0 {
		sort.Float64s(secs)
		n := len(secs)
		if n%2 == 1 {
			rep.MedianSeconds = secs[n/2]
		} else {
			rep.MedianSeconds = (secs[n/2-1] + secs[n/2]) / 2
		}
	}
	if err := rep.Write(w, dir); err != nil {
		return rep, fmt.Errorf("eval: %w", err)
	}
	return rep, nil
}

func containsExt(ext string) bool { return extRank(ext) < len(docExtensions) }

func extRank(ext string) int {
	for i, e := range docExtensions {
		if e == ext {
			return i
		}
	}
	return len(docExtensions)
}

func kindRank(k string) int {
	switch k {
	case KindReceipt:
		return 0
	case KindInvoice:
		return 1
	}
	return 2
}

// fieldRank orders the fields in the report as users read them.
func fieldRank(f string) int {
	for i, x := range []string{"Total", "Page_Total", "Date", "Vendor_Name", "Vendor_Address", "Invoice_Number", "Currency_Code", "Subtotal", "Tax", "Balance_Due"} {
		if x == f {
			return i
		}
	}
	return 99
}

// Write prints the report.
func (r Report) Write(w io.Writer, dir string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "eval %s: %d receipts, %d invoices", dir, r.Receipts, r.Invoices)
	if r.EInvoices > 0 {
		fmt.Fprintf(&b, ", %d e-invoices", r.EInvoices)
	}
	b.WriteString("\n")
	kind := ""
	for _, f := range r.Fields {
		if f.Kind != kind {
			kind = f.Kind
			n := r.Receipts
			switch kind {
			case KindInvoice:
				n = r.Invoices
			case KindEInvoice:
				n = r.EInvoices
			}
			fmt.Fprintf(&b, "%ss (%d)\n", kind, n)
		}
		fmt.Fprintf(&b, "  %-15s %-16s %4d/%-4d %6.1f%%\n", f.Field, "("+f.Key+")", f.Right, f.Total, f.Accuracy())
	}
	fmt.Fprintf(&b, "seconds per file: median %.2f, worst %.2f (%s)\n", r.MedianSeconds, r.WorstSeconds, r.WorstFile)
	if r.Confident > 0 {
		fmt.Fprintf(&b, "calibration: %d of %d fields reported with confidence >= %d are right (%.1f%%)\n",
			r.ConfidentRight, r.Confident, HighConfidence, r.Calibration())
	} else {
		fmt.Fprintf(&b, "calibration: no field reported with confidence >= %d\n", HighConfidence)
	}
	if r.EInvoices > 0 {
		fmt.Fprintf(&b, "page and XML disagree (%d):\n", len(r.Disagreements))
		for _, d := range r.Disagreements {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	for _, f := range r.Failed {
		fmt.Fprintf(&b, "failed: %s: %v\n", f.File, f.Err)
	}
	for _, f := range r.Skipped {
		fmt.Fprintf(&b, "skipped: %s: %v\n", f.File, f.Err)
	}
	if len(r.Misses) > 0 {
		fmt.Fprintf(&b, "misses (%d):\n", len(r.Misses))
		for _, m := range r.Misses {
			fmt.Fprintf(&b, "  %-28s %-15s want %q got %q (confidence %d)\n", m.File, m.Field, m.Want, m.Got, m.Confidence)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fieldValue is a result's field as text.
func fieldValue(r capture.Result, field string) string {
	switch field {
	case "Vendor_Name":
		return r.Vendor_Name
	case "Vendor_Address":
		return r.Vendor_Address
	case "Date":
		return r.Date
	case "Total":
		return formatAmount(r.Total)
	case "Page_Total":
		return formatAmount(r.PageTotal())
	case "Balance_Due":
		return formatAmount(r.Balance_Due)
	case "Subtotal":
		return formatAmount(r.Subtotal)
	case "Tax":
		return formatAmount(r.Tax)
	case "Invoice_Number":
		return r.Invoice_Number
	case "Currency_Code":
		return r.Currency_Code
	}
	return ""
}

func formatAmount(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// match compares a result's value with the truth: text after normalising
// case, spaces and punctuation; dates as dates; amounts as numbers.
func match(e expect, got string) bool {
	switch e.mode {
	case compareDate:
		want, ok := extract.ParseDate(e.want, true)
		if !ok {
			return normalize(e.want) == normalize(got)
		}
		g, ok := extract.ParseDate(got, true)
		return ok && g.Equal(want)
	case compareAmount:
		if got == "" {
			return e.wantNum == 0
		}
		g, ok := parseAmount(got)
		return ok && math.Abs(g-e.wantNum) < 0.005
	case compareContains:
		return containsWords(got, e.want)
	}
	n := normalize(e.want)
	return n != "" && n == normalize(got)
}

// containsWords reports whether want, normalised, is part of got,
// normalised: "ALDI" is in "ALDI SÜD GmbH" and in OCR's glued "ALDISÜD".
func containsWords(got, want string) bool {
	w := normalize(want)
	return w != "" && strings.Contains(normalize(got), w)
}

// normalize keeps only letters and digits, upper-cased, so that case,
// spaces and punctuation do not count.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// parseAmount reads an amount as the truth or a result writes it ("RM
// 31.20", "31.20", "-9.32").
func parseAmount(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	v, ok := extract.ParseAmount(strings.TrimPrefix(s, "-"))
	if !ok {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}
