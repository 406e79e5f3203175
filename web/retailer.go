package web

// The retailer staff's pages: the web form of POST
// /receipts-service/retailer/:retailer_id/list, a read-only view of one
// receipt, and hiding one. Staff see their own retailer's receipts only;
// admins choose any retailer.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/receipts"
	"tillroll/store"
)

// retailerRoutes adds the staff pages to the signed-in group.
func (w *Web) retailerRoutes(u *echo.Group, small echo.MiddlewareFunc) {
	staff := w.requireRole(store.RoleStaff, store.RoleAdmin)
	u.GET("/retailer", w.retailerList, staff)
	u.GET("/retailer/receipts/:id", w.retailerReceipt, staff)
	u.POST("/retailer/receipts/:id/hide", w.retailerHide, small, sameOrigin, staff, w.csrf)
}

const (
	retailerDefaultSize = 20
	dateForm            = "2006-01-02" // <input type=date>
)

type option struct{ Value, Label string }

// retailerSorts are the list's sort fields, as the API names them.
var retailerSorts = []option{
	{"ts", "Upload time"}, {"issued_at", "Date on the receipt"}, {"receipt_code", "Receipt code"},
	{"status", "Status"}, {"total", "Total"}, {"user_id", "User"},
}

var retailerSizes = []int{10, 20, 50, 100}

// staffListForm is the list's query string, as typed.
type staffListForm struct {
	Retailer                 string
	User, Code, GTIN         string
	UploadedFrom, UploadedTo string
	IssuedFrom, IssuedTo     string
	TotalFrom, TotalTo       string
	Statuses                 []string
	Sort, Order              string
	Size, Page               int
}

// values is the form as a query string (page 1 and the defaults left out).
func (f staffListForm) values(page int) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{
		"retailer": f.Retailer, "user": f.User, "code": f.Code, "gtin": f.GTIN,
		"uploaded_from": f.UploadedFrom, "uploaded_to": f.UploadedTo, "issued_from": f.IssuedFrom, "issued_to": f.IssuedTo,
		"total_from": f.TotalFrom, "total_to": f.TotalTo,
	} {
		if s != "" {
			v.Set(k, s)
		}
	}
	for _, s := range f.Statuses {
		v.Add("status", s)
	}
	if f.Sort != "ts" {
		v.Set("sort", f.Sort)
	}
	if f.Order != "desc" {
		v.Set("order", f.Order)
	}
	if f.Size != retailerDefaultSize {
		v.Set("size", strconv.Itoa(f.Size))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func (f staffListForm) url(page int) string {
	if v := f.values(page); len(v) > 0 {
		return "/retailer?" + v.Encode()
	}
	return "/retailer"
}

// filtered reports whether any filter is set (the retailer, sort and
// paging are no filters).
func (f staffListForm) filtered() bool {
	return f.User != "" || f.Code != "" || f.GTIN != "" || f.UploadedFrom != "" || f.UploadedTo != "" ||
		f.IssuedFrom != "" || f.IssuedTo != "" || f.TotalFrom != "" || f.TotalTo != "" || len(f.Statuses) > 0
}

// parseStaffListForm reads the list's query into the store's query; each
// problem is one sentence for the page.
func parseStaffListForm(in url.Values) (staffListForm, store.RetailerQuery, []string) {
	// Over-long values are cut, then found wrong by the checks below.
	get := func(k string, max int) string {
		s := strings.TrimSpace(in.Get(k))
		if len(s) > max {
			s = s[:max]
		}
		return s
	}
	f := staffListForm{
		Retailer: get("retailer", 64), User: get("user", 64), Code: get("code", 200), GTIN: get("gtin", 64),
		UploadedFrom: get("uploaded_from", 64), UploadedTo: get("uploaded_to", 64),
		IssuedFrom: get("issued_from", 64), IssuedTo: get("issued_to", 64),
		TotalFrom: get("total_from", 64), TotalTo: get("total_to", 64),
		Sort: get("sort", 20), Order: strings.ToLower(get("order", 4)), Size: retailerDefaultSize, Page: 1,
	}
	q := store.RetailerQuery{UserID: f.User, ReceiptCode: f.Code, GTIN: f.GTIN}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	if f.GTIN != "" && !receipts.ValidGTIN(f.GTIN) {
		bad("The GTIN must be a barcode number of 8, 12, 13 or 14 digits with its check digit.")
	}
	// Upload times are the box's own clock, shown in its time zone; the
	// printed times are kept as printed ("as if UTC"), so their days are
	// read in UTC.
	dates := func(name, from, to string, loc *time.Location, qFrom, qTo *time.Time) {
		var err error
		if from != "" {
			if *qFrom, err = time.ParseInLocation(dateForm, from, loc); err != nil {
				bad("%s from must be a date like 2024-03-01.", name)
			}
		}
		if to != "" {
			if *qTo, err = time.ParseInLocation(dateForm, to, loc); err != nil {
				bad("%s to must be a date like 2024-03-31.", name)
			} else {
				*qTo = qTo.AddDate(0, 0, 1).Add(-time.Nanosecond) // the whole last day
			}
		}
		if !qFrom.IsZero() && !qTo.IsZero() && qFrom.After(*qTo) {
			bad("%s: the first day is after the last.", name)
		}
	}
	dates("Uploaded", f.UploadedFrom, f.UploadedTo, time.Local, &q.UploadedFrom, &q.UploadedTo)
	dates("Date on the receipt", f.IssuedFrom, f.IssuedTo, time.UTC, &q.IssuedFrom, &q.IssuedTo)

	for _, t := range []struct {
		name, v string
		to      **int64
	}{{"Total from", f.TotalFrom, &q.TotalFrom}, {"Total to", f.TotalTo, &q.TotalTo}} {
		if t.v == "" {
			continue
		}
		cents, err := receipts.ParseMoney(strings.Replace(t.v, ",", ".", 1))
		if err != nil {
			bad("%s must be an amount like 12.50.", t.name)
			continue
		}
		*t.to = &cents
	}
	if q.TotalFrom != nil && q.TotalTo != nil && *q.TotalFrom > *q.TotalTo {
		bad("Total: the lowest amount is above the highest.")
	}

	for _, s := range in["status"] {
		st, err := receipts.ParseStatus(strings.ToUpper(strings.TrimSpace(s)))
		if err != nil {
			bad("There is no status %q.", s)
			continue
		}
		f.Statuses = append(f.Statuses, string(st))
		q.Statuses = append(q.Statuses, st)
	}

	switch f.Sort {
	case "":
		f.Sort = "ts"
	case "ts", "issued_at", "receipt_code", "status", "total", "user_id":
	default:
		bad("Sort by upload time, date on the receipt, receipt code, status, total or user.")
		f.Sort = "ts"
	}
	q.SortBy = f.Sort
	switch f.Order {
	case "", "desc":
		f.Order, q.Desc = "desc", true
	case "asc":
	default:
		bad("The order must be ascending or descending.")
		f.Order, q.Desc = "desc", true
	}

	if s := in.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			bad("Show 1 to 100 receipts a page.")
		} else {
			f.Size = n
		}
	}
	if s := in.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			bad("The page must be a number from 1.")
		} else {
			f.Page = n
		}
	}
	q.Page, q.PageSize = f.Page-1, f.Size
	return f, q, problems
}

type statusCheck struct {
	Value, Label string
	Checked      bool
}

type retailerRow struct {
	UUID       string
	URL        string
	User       string
	Code       string
	Total      string
	Status     receipts.Status
	Uploaded   time.Time
	Issued     string
	Items      int
	Recognised int
	CanHide    bool
}

type retailerData struct {
	F            staffListForm
	Admin        bool
	Retailers    []store.Retailer // an admin's choice
	RetailerName string
	Statuses     []statusCheck
	Sorts        []option
	Sizes        []int
	Rows         []retailerRow
	Total        int
	Pages        int
	PrevURL      string
	NextURL      string
	Self         string // this page, where hiding comes back to
	Filtered     bool
	More         bool // a filter beyond the first row is set: the details start open
	Invalid      bool // the query has mistakes: no list, the form shows them
}

// staffRetailer is the retailer whose receipts the signed-in user may see:
// a staff member's own (asking for another is refused), or the one an
// admin chose (the first when none).
func (w *Web) staffRetailer(u store.User, requested string) (store.Retailer, []store.Retailer, error) {
	all, err := w.cfg.Store.Retailers()
	if err != nil {
		return store.Retailer{}, nil, err
	}
	find := func(id string) (store.Retailer, bool) {
		for _, r := range all {
			if r.ID == id {
				return r, true
			}
		}
		return store.Retailer{}, false
	}
	if u.Role != store.RoleAdmin {
		if requested != "" && requested != u.RetailerID {
			return store.Retailer{}, nil, pageErrorf(http.StatusForbidden, "You can see your own retailer's receipts only.")
		}
		r, ok := find(u.RetailerID)
		if !ok {
			r = store.Retailer{ID: u.RetailerID, Name: u.RetailerID}
		}
		return r, nil, nil
	}
	if requested == "" {
		if len(all) == 0 {
			return store.Retailer{}, all, nil
		}
		return all[0], all, nil
	}
	r, ok := find(requested)
	if !ok {
		return store.Retailer{}, nil, pageErrorf(http.StatusNotFound, "There is no such retailer.")
	}
	return r, all, nil
}

// retailerList is GET /retailer: a retailer's receipts with the filters,
// sort and paging of POST /receipts-service/retailer/:retailer_id/list.
func (w *Web) retailerList(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	f, q, problems := parseStaffListForm(c.QueryParams())
	ret, all, err := w.staffRetailer(u, f.Retailer)
	if err != nil {
		return err
	}
	if u.Role == store.RoleAdmin {
		f.Retailer = ret.ID
	} else {
		f.Retailer = ""
	}
	d := retailerData{
		F: f, Admin: u.Role == store.RoleAdmin, Retailers: all, RetailerName: ret.Name,
		Sorts: retailerSorts, Sizes: retailerSizes, Filtered: f.filtered(), Self: f.url(f.Page),
		More: f.GTIN != "" || f.UploadedFrom != "" || f.UploadedTo != "" || f.IssuedFrom != "" || f.IssuedTo != "" ||
			f.TotalFrom != "" || f.TotalTo != "" || len(f.Statuses) > 0 || f.Sort != "ts" || f.Order != "desc" || f.Size != retailerDefaultSize,
	}
	checked := map[string]bool{}
	for _, s := range f.Statuses {
		checked[s] = true
	}
	for _, s := range receipts.Statuses {
		d.Statuses = append(d.Statuses, statusCheck{Value: string(s), Label: statusLabel(s), Checked: checked[string(s)]})
	}
	p := page{Title: "Retailer receipts", User: u, CSRF: csrfToken(ticket), Nav: "retailer", D: &d}
	if c.QueryParam("hidden") == "1" {
		p.Flash = "The receipt is hidden."
	}
	if len(problems) > 0 {
		p.Error = strings.Join(problems, " ")
		d.More, d.Invalid = true, true
		return w.render(c, http.StatusBadRequest, "retailer.html", p)
	}
	if ret.ID == "" { // an admin, and no retailer yet
		return w.render(c, http.StatusOK, "retailer.html", p)
	}
	list, total, err := w.cfg.Store.RetailerReceipts(ret.ID, q)
	if err != nil {
		return fmt.Errorf("retailer list: %w", err)
	}
	d.Total = total
	d.Pages = (total + f.Size - 1) / f.Size
	for _, r := range list {
		row := retailerRow{
			UUID: r.UUID, URL: "/retailer/receipts/" + url.PathEscape(r.UUID), User: r.User, Code: r.Analysis.ReceiptCode,
			Total: r.Analysis.Total, Status: r.Status, Uploaded: r.Created, Items: len(r.Analysis.Items),
			Recognised: r.Analysis.Recognised(), CanHide: receipts.Check(r.Status, receipts.Hidden, receipts.ByStaff) == nil,
		}
		if !r.Analysis.Issued.IsZero() {
			row.Issued = r.Analysis.Issued.UTC().Format("2 Jan 2006 15:04")
		}
		d.Rows = append(d.Rows, row)
	}
	if f.Page > 1 {
		d.PrevURL = f.url(min(f.Page-1, max(d.Pages, 1)))
	}
	if f.Page < d.Pages {
		d.NextURL = f.url(f.Page + 1)
	}
	return w.render(c, http.StatusOK, "retailer.html", p)
}

// staffReceipt loads a receipt the signed-in staff member or admin may see:
// one of a retailer's (the staff member's own). Any other is "not found",
// as one that does not exist.
func (w *Web) staffReceipt(c *echo.Context) (store.Receipt, error) {
	u, _, _ := w.currentSession(c)
	r, err := w.cfg.Store.ReceiptByUUID(c.Param("id"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Receipt{}, err
	}
	if err != nil || r.RetailerID == "" || (u.Role != store.RoleAdmin && r.RetailerID != u.RetailerID) {
		return store.Receipt{}, pageErrorf(http.StatusNotFound, "There is no such receipt.")
	}
	return r, nil
}

type staffReceiptData struct {
	R            store.Receipt
	RetailerName string
	Images       []receiptImage
	Fields       []field
	Items        []itemRow
	CanHide      bool
	Back         string
}

// retailerReceipt is GET /retailer/receipts/:id: what the staff list links
// to, read-only. It is its own page rather than the user's receipt page,
// which offers the owner's corrections and speaks to the owner ("set by
// you").
func (w *Web) retailerReceipt(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	r, err := w.staffReceipt(c)
	if err != nil {
		return err
	}
	all, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	d := staffReceiptData{R: r, RetailerName: r.RetailerID, CanHide: receipts.Check(r.Status, receipts.Hidden, receipts.ByStaff) == nil, Back: "/retailer"}
	for _, ret := range all {
		if ret.ID == r.RetailerID {
			d.RetailerName = ret.Name
		}
	}
	if u.Role == store.RoleAdmin {
		d.Back = "/retailer?retailer=" + url.QueryEscape(r.RetailerID)
	}
	products := map[string]string{}
	if r.Analysis.Recognised() > 0 {
		ps, err := w.cfg.Store.Products()
		if err != nil {
			return err
		}
		for _, p := range ps {
			products[p.GTIN] = p.Name
		}
	}
	for _, it := range r.Analysis.Items {
		d.Items = append(d.Items, itemRow{Item: it, Product: products[it.GTIN]})
	}
	for i, link := range r.Links {
		d.Images = append(d.Images, imageOf(link, i+1))
	}
	d.Fields = w.staffFields(r, d.RetailerName)
	p := page{Title: d.RetailerName + " receipt", User: u, CSRF: csrfToken(ticket), Nav: "retailer", D: d}
	if c.QueryParam("hidden") == "1" {
		p.Flash = "The receipt is hidden."
	}
	return w.render(c, http.StatusOK, "retailer_receipt.html", p)
}

// staffFields are what the staff view shows of a receipt, with OCR's
// confidence from its first read image.
func (w *Web) staffFields(r store.Receipt, retailerName string) []field {
	get := w.confidence(r)
	a := r.Analysis
	total := field{Label: "Total", Value: a.Total, Conf: get("Total")}
	if r.TotalByUser {
		total.Conf, total.Note = -1, "corrected by the user"
	}
	retailerNote := "recognised from the printed name"
	if r.RetailerByUser {
		retailerNote = "set by the user"
	}
	out := []field{
		{Label: "User", Value: r.User, Conf: -1},
		{Label: "Uploaded", Value: r.Created.Local().Format("2 Jan 2006 15:04"), Conf: -1},
		{Label: "Retailer", Value: retailerName, Conf: -1, Note: retailerNote},
		{Label: "Printed name", Value: a.Vendor, Conf: get("Vendor_Name")},
		{Label: "Date", Value: a.ReceiptDate, Conf: get("Date")},
		{Label: "Time", Value: a.ReceiptTime, Conf: get("Time")},
		total,
		{Label: "Tax", Value: a.Tax, Conf: get("Tax")},
		{Label: "Receipt code", Value: a.ReceiptCode, Conf: -1},
		{Label: "Receipt number", Value: a.ReceiptNumber, Conf: get("Invoice_Number")},
	}
	if r.Duplicate {
		out = append(out, field{Label: "Duplicate", Value: "yes: sent before", Conf: -1})
	}
	return out
}

// retailerHide is POST /retailer/receipts/:id/hide: what POST
// /receipts-service/retailer/:retailer_id/:id/hide does. It goes back to
// the page it came from (the list with its filters, or the receipt).
func (w *Web) retailerHide(c *echo.Context) error {
	r, err := w.staffReceipt(c)
	if err != nil {
		return err
	}
	back := "/retailer/receipts/" + url.PathEscape(r.UUID)
	if b, err := url.Parse(c.FormValue("back")); err == nil && b.Scheme == "" && b.Host == "" && b.User == nil &&
		(b.Path == "/retailer" || strings.HasPrefix(b.Path, "/retailer/receipts/")) && !strings.Contains(b.Path, "..") {
		back = b.Path
		if b.RawQuery != "" {
			back += "?" + b.RawQuery
		}
	}
	if _, err := w.cfg.Store.HideReceipt(r.RetailerID, r.UUID); err != nil {
		if errors.Is(err, receipts.ErrTransition) {
			return pageErrorf(http.StatusConflict, "This receipt is hidden already.")
		}
		return err
	}
	b, _ := url.Parse(back)
	v := b.Query()
	v.Set("hidden", "1")
	b.RawQuery = v.Encode()
	return c.Redirect(http.StatusSeeOther, b.String())
}
