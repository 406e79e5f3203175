package web

// The CSV export for bookkeeping: a form (date range, retailer, and for an
// admin whose receipts), and the download, streamed as the store walks the
// receipts.

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/receipts"
	"tillroll/store"
)

// exportRoutes adds the export pages to the signed-in group.
func (w *Web) exportRoutes(u *echo.Group) {
	u.GET("/export", w.exportForm)
	u.GET("/export/receipts.csv", w.exportCSV)
}

// exportColumns is the CSV's header row: one row per line item, the
// receipt's columns repeated; one row for a receipt without items.
var exportColumns = []string{
	"receipt_id", "user", "date", "retailer", "merchant", "total", "tax", "currency", "status",
	"item", "qty", "unit_price", "amount", "gtin",
	"tax_breakdown", "e_invoice",
}

type exportForm struct {
	From, To, Retailer, Whose string
}

type exportData struct {
	F         exportForm
	Admin     bool
	Retailers []store.Retailer
}

// exportForm is GET /export. The range starts as this month so far.
func (w *Web) exportForm(c *echo.Context) error {
	now := time.Now()
	f := exportForm{From: now.AddDate(0, 0, 1-now.Day()).Format(dateForm), To: now.Format(dateForm)}
	return w.showExport(c, http.StatusOK, f, "")
}

func (w *Web) showExport(c *echo.Context, code int, f exportForm, msg string) error {
	u, ticket, _ := w.currentSession(c)
	rs, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	d := exportData{F: f, Admin: u.Role == store.RoleAdmin, Retailers: rs}
	return w.render(c, code, "export.html", page{Title: "Export receipts", User: u, CSRF: csrfToken(ticket), Nav: "export", Error: msg, D: d})
}

// exportCSV is GET /export/receipts.csv?from=&to=&retailer=&whose=: the
// user's receipts (an admin's choice: every user's) whose date is in the
// range, as CSV. A receipt's date is the one printed on it, else the day
// it was uploaded. Bad input shows the form again with what is wrong.
func (w *Web) exportCSV(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	get := func(k string) string { s := strings.TrimSpace(c.QueryParam(k)); return s[:min(len(s), 64)] }
	f := exportForm{From: get("from"), To: get("to"), Retailer: get("retailer"), Whose: get("whose")}
	var problems []string
	for _, d := range []struct{ name, v string }{{"From", f.From}, {"To", f.To}} {
		if _, err := time.Parse(dateForm, d.v); d.v != "" && err != nil {
			problems = append(problems, d.name+" must be a date like 2024-03-31.")
		}
	}
	if len(problems) == 0 && f.From != "" && f.To != "" && f.From > f.To {
		problems = append(problems, "The first day ("+f.From+") is after the last ("+f.To+").")
	}
	rs, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, r := range rs {
		names[r.ID] = r.Name
	}
	if _, ok := names[f.Retailer]; f.Retailer != "" && !ok {
		problems = append(problems, "There is no such retailer.")
	}
	walk := store.ReceiptWalk{User: u.Name, RetailerID: f.Retailer}
	switch f.Whose {
	case "", "me":
	case "all":
		if u.Role != store.RoleAdmin {
			return w.showExport(c, http.StatusForbidden, f, "Only an admin may export every user's receipts.")
		}
		walk.User = ""
	default:
		problems = append(problems, "Export your own receipts or every user's.")
	}
	if len(problems) > 0 {
		return w.showExport(c, http.StatusBadRequest, f, strings.Join(problems, " "))
	}

	name := "tillroll-receipts"
	if walk.User == "" {
		name = "tillroll-all-receipts"
	}
	for _, part := range []string{f.From, f.To} {
		if part != "" {
			name += "-" + part // checked: digits and dashes only
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	cw := csv.NewWriter(c.Response())
	if err := cw.Write(exportColumns); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// The download starts now, however long the walk takes.
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := http.NewResponseController(c.Response()).Flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	err = w.cfg.Store.EachReceipt(walk, func(r store.WalkedReceipt) error {
		date := receiptDay(r.Receipt)
		if (f.From != "" && date < f.From) || (f.To != "" && date > f.To) {
			return nil
		}
		for _, row := range exportRows(r, date, names[r.RetailerID]) {
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		return cw.Error()
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		// The status is sent: end the connection without the last chunk,
		// so the browser reports a failed download rather than keeping a
		// file that looks whole.
		w.cfg.Logger.Error("export failed", "user", u.Name, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// receiptDay is a receipt's date for the books, yyyy-mm-dd: as printed
// (kept "as if UTC"), else the day it was uploaded, on the box's clock.
func receiptDay(r store.Receipt) string {
	if !r.Analysis.Issued.IsZero() {
		return r.Analysis.Issued.UTC().Format(dateForm)
	}
	return r.Created.Local().Format(dateForm)
}

// exportRows are a receipt's CSV rows, every cell guarded.
func exportRows(r store.WalkedReceipt, date, retailerName string) [][]string {
	if retailerName == "" {
		retailerName = r.RetailerID
	}
	a := r.Analysis
	head := []string{r.UUID, r.User, date, retailerName, a.Vendor, amount(a.Total), amount(a.Tax), r.Currency, string(r.Status)}
	tail := []string{taxBreakdown(r.TaxLines), r.EInvoiceProfile}
	var rows [][]string
	for _, it := range a.Items {
		row := append(append([]string{}, head...), it.Name, exportQty(it.Quantity), centsText(toCents(it.Price)), centsText(toCents(it.Value)), it.GTIN)
		rows = append(rows, append(row, tail...))
	}
	if len(rows) == 0 {
		rows = append(rows, append(append(head, "", "", "", "", ""), tail...))
	}
	for _, row := range rows {
		for i := range row {
			row[i] = safeCell(row[i])
		}
	}
	return rows
}

// taxBreakdown is the tax lines in one cell, one per VAT category and
// rate: "19% of 100.00 = 19.00; 7% of 50.00 = 3.50" (a name that is not
// plain VAT or tax comes first: "VAT exempt 0% of 20.00 = 0.00").
func taxBreakdown(lines []capture.TaxLine) string {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		name := ""
		if n := strings.ToUpper(l.Name); n != "" && n != "VAT" && n != "TAX" {
			name = l.Name + " "
		}
		rate := strconv.FormatFloat(l.Rate, 'f', -1, 64)
		parts = append(parts, fmt.Sprintf("%s%s%% of %s = %s", name, rate, centsText(toCents(l.Base)), centsText(toCents(l.Total))))
	}
	return strings.Join(parts, "; ")
}

// amount is a stored amount ("12.1", "12.10") with two decimals; what
// does not parse is kept as read.
func amount(s string) string {
	if s == "" {
		return ""
	}
	cents, err := receipts.ParseMoney(s)
	if err != nil {
		return s
	}
	return centsText(cents)
}

// toCents rounds an amount to cents, halves away from zero (0.125 is
// 0.13), as money is rounded.
func toCents(v float64) int64 { return int64(math.Round(v * 100)) }

// centsText is cents as an amount with a dot and two decimals.
func centsText(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// exportQty is a quantity with up to three decimals and no trailing zeros.
func exportQty(v float64) string {
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 3, 64), "0"), ".")
}

// plainNumber is a cell that is a number as this export writes them.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// safeCell keeps a spreadsheet from running a cell as a formula: text
// starting with = + - @, a tab or a carriage return gets a leading
// apostrophe (OWASP's advice on CSV injection). Plain numbers, negative
// ones too, are left as they are: they cannot be formulas.
func safeCell(s string) string {
	if s == "" || plainNumber.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
