package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/receipts"
	"tillroll/store"
)

const listPageSize = 20

// groupLink is one of the groups above the list: need attention, one per
// retailer, other; each links to the search that shows it.
type groupLink struct {
	Name    string
	Count   int
	URL     string
	Current bool
	Kind    string // attention, retailer, other, all
}

// listRow is one receipt in the list.
type listRow struct {
	UUID    string
	Title   string // the retailer's name, else the printed vendor
	Total   string
	Status  receipts.Status
	Created time.Time
	Items   int
	Dup     bool
	Printed string
}

type listData struct {
	Groups    []groupLink
	Query     string
	Status    string
	Retailer  string
	Retailers []store.Retailer
	Statuses  []statusOption
	Rows      []listRow
	Total     int
	Page      int // 1-based
	Pages     int
	PrevURL   string
	NextURL   string
	Filtered  bool
}

type statusOption struct {
	Value, Label string
}

// statusFilters are the status filter's choices: "attention" is both
// statuses that wait for the user, "other" those with no retailer and
// nothing to do.
var statusFilters = map[string][]receipts.Status{
	"attention": {receipts.SetRetailers, receipts.SetProducts},
	"other":     {receipts.Initial, receipts.OCR, receipts.Failed, receipts.Unrecognized},
}

func statusOptions() []statusOption {
	out := []statusOption{{"", "Any status"}, {"attention", "Needs attention"}}
	for _, s := range receipts.Statuses {
		out = append(out, statusOption{string(s), statusLabel(s)})
	}
	return out
}

// receiptsList is GET /receipts?q=&status=&retailer=&page=: the groups
// with their counts (from the user's counters), then a page of the search
// (from the indexes), newest first.
func (w *Web) receiptsList(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	d := listData{
		Query:    strings.TrimSpace(c.QueryParam("q")),
		Status:   c.QueryParam("status"),
		Retailer: c.QueryParam("retailer"),
		Statuses: statusOptions(),
	}
	if len(d.Query) > 200 {
		d.Query = d.Query[:200]
	}
	q := store.Search{Query: d.Query, Retailer: d.Retailer, PageSize: listPageSize}
	if d.Status != "" {
		if list, ok := statusFilters[d.Status]; ok {
			q.Statuses = list
		} else if s, err := receipts.ParseStatus(d.Status); err == nil {
			q.Statuses = []receipts.Status{s}
		} else {
			d.Status = ""
		}
	}
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if d.Page < 1 || d.Page > 100000 {
		d.Page = 1
	}
	q.Page = d.Page - 1

	retailers, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	d.Retailers = retailers
	names := map[string]string{}
	for _, r := range retailers {
		names[r.ID] = r.Name
	}
	if d.Groups, err = w.groups(u.Name, retailers, d); err != nil {
		return err
	}

	list, total, err := w.cfg.Store.SearchReceipts(u.Name, q)
	if err != nil {
		return err
	}
	d.Total = total
	d.Pages = (total + listPageSize - 1) / listPageSize
	d.Filtered = d.Query != "" || d.Status != "" || d.Retailer != ""
	for _, r := range list {
		d.Rows = append(d.Rows, row(r, names))
	}
	link := func(p int) string {
		v := url.Values{}
		for k, s := range map[string]string{"q": d.Query, "status": d.Status, "retailer": d.Retailer} {
			if s != "" {
				v.Set(k, s)
			}
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if len(v) == 0 {
			return "/receipts"
		}
		return "/receipts?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	return w.render(c, http.StatusOK, "receipts.html", page{
		Title: "Receipts", User: u, CSRF: csrfToken(ticket), Nav: "receipts", D: d,
	})
}

// groups are the counts as GET /receipts-service/user/groups gives them:
// need attention, one per retailer (without those needing attention), other.
func (w *Web) groups(user string, retailers []store.Retailer, d listData) ([]groupLink, error) {
	counts, err := w.cfg.Store.CountReceipts(user)
	if err != nil {
		return nil, err
	}
	need := 0
	for _, n := range counts.NeedByRetID {
		need += n
	}
	plain := d.Query == "" && d.Retailer == ""
	out := []groupLink{
		{Name: "All", Count: counts.Total, URL: "/receipts", Kind: "all", Current: plain && d.Status == ""},
		{Name: "Need attention", Count: need, URL: "/receipts?status=attention", Kind: "attention", Current: plain && d.Status == "attention"},
	}
	for _, r := range retailers {
		if n := counts.ByRetailer[r.ID] - counts.NeedByRetID[r.ID]; n > 0 {
			out = append(out, groupLink{
				Name: r.Name, Count: n, URL: "/receipts?retailer=" + url.QueryEscape(r.ID), Kind: "retailer",
				Current: d.Query == "" && d.Status == "" && d.Retailer == r.ID,
			})
		}
	}
	out = append(out, groupLink{
		Name: "Other", Count: counts.ByRetailer[""] - counts.NeedByRetID[""], URL: "/receipts?status=other", Kind: "other",
		Current: plain && d.Status == "other",
	})
	return out, nil
}

func row(r store.Receipt, names map[string]string) listRow {
	lr := listRow{UUID: r.UUID, Total: r.Analysis.Total, Status: r.Status, Created: r.Created, Items: len(r.Analysis.Items), Dup: r.Duplicate, Printed: r.Analysis.Vendor}
	lr.Title = names[r.RetailerID]
	if lr.Title == "" {
		lr.Title = r.Analysis.Vendor
	}
	if lr.Title == "" {
		lr.Title = "Receipt"
	}
	return lr
}
