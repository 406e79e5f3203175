package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

const (
	// maxCSV is the largest file the import forms take.
	maxCSV = 16 << 20
	// csvField is the import forms' file field.
	csvField         = "file"
	productsPageSize = 50
)

// csvFile reads the import form's file. A message is for the user: the
// file is missing, too large or not UTF-8 text.
func csvFile(c *echo.Context) ([]byte, string, error) {
	fh, err := c.FormFile(csvField)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "Choose a CSV file to import.", nil
	}
	if err != nil {
		return nil, "The upload was cut short or is too large: try again.", nil
	}
	if fh.Size > maxCSV {
		return nil, fmt.Sprintf("The file is larger than %d MB.", maxCSV>>20), nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", fmt.Errorf("open the uploaded csv: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCSV+1))
	if err != nil {
		return nil, "", fmt.Errorf("read the uploaded csv: %w", err)
	}
	switch {
	case len(b) > maxCSV:
		return nil, fmt.Sprintf("The file is larger than %d MB.", maxCSV>>20), nil
	case strings.TrimSpace(string(b)) == "":
		return nil, "The file is empty.", nil
	case !utf8.Valid(b):
		return nil, "The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8”.", nil
	}
	return b, "", nil
}

// csvMessage is a CSV parse error as the import page shows it, naming the
// line (store.ParseProductsCSV and ParseRetailersCSV check every row).
func csvMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), store.ErrInvalid.Error()+": ", "")
	switch {
	case strings.HasPrefix(msg, "csv line "):
		msg = "Line " + strings.TrimPrefix(msg, "csv line ")
	case strings.HasPrefix(msg, "csv header: "):
		msg = "The first row, the header: " + strings.TrimPrefix(msg, "csv header: ")
	default:
		msg = strings.TrimPrefix(msg, "csv: ")
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return "Nothing was imported. " + msg + "."
}

// retailerForm is a retailer as the add and edit forms show it: the lists
// one entry a line.
type retailerForm struct {
	ID, Name, TimeZone, Logo, StoreIDs, Words string
	Learned                                   []string
}

func retailerFormOf(r store.Retailer) retailerForm {
	return retailerForm{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, Logo: r.Logo,
		StoreIDs: strings.Join(r.StoreIDs, "\n"), Words: strings.Join(r.Words, "\n"), Learned: r.Learned}
}

func retailerFormFrom(c *echo.Context) retailerForm {
	return retailerForm{
		ID:       strings.TrimSpace(c.FormValue("id")),
		Name:     strings.TrimSpace(c.FormValue("name")),
		TimeZone: strings.TrimSpace(c.FormValue("time_zone")),
		Logo:     strings.TrimSpace(c.FormValue("logo")),
		StoreIDs: c.FormValue("store_ids"),
		Words:    c.FormValue("words"),
	}
}

// apply sets what the form edits on r; the rest (what users taught it) stays.
func (f retailerForm) apply(r *store.Retailer) {
	r.Name, r.TimeZone, r.Logo = f.Name, f.TimeZone, f.Logo
	r.StoreIDs, r.Words = lines(f.StoreIDs), lines(f.Words)
}

// lines are a text area's non-empty lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// retailerPage is the add or edit page's data.
type retailerPage struct {
	Form retailerForm
	New  bool
}

// adminRetailers is GET /admin/retailers: the list and the import form.
func (w *Web) adminRetailers(c *echo.Context) error {
	flash := ""
	switch c.QueryParam("done") {
	case "added":
		flash = "The retailer is added."
	case "saved":
		flash = "The retailer is saved."
	case "imported":
		n, _ := strconv.Atoi(c.QueryParam("n"))
		flash = fmt.Sprintf("Imported %d retailer(s).", n)
	}
	return w.showRetailers(c, http.StatusOK, flash, "")
}

func (w *Web) showRetailers(c *echo.Context, code int, flash, errMsg string) error {
	rs, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	return w.adminRender(c, code, "admin_retailers.html", "Retailers", flash, errMsg, rs)
}

// showRetailer renders the add or edit page.
func (w *Web) showRetailer(c *echo.Context, code int, errMsg string, d retailerPage) error {
	title := "Add a retailer"
	if !d.New {
		title = d.Form.ID
	}
	return w.adminRender(c, code, "admin_retailer.html", title, "", errMsg, d)
}

// adminNewRetailer is GET /admin/retailers/new: the add form.
func (w *Web) adminNewRetailer(c *echo.Context) error {
	return w.showRetailer(c, http.StatusOK, "", retailerPage{New: true})
}

// adminAddRetailer is POST /admin/retailers: a new retailer; an id in use
// is refused (its own page edits it).
func (w *Web) adminAddRetailer(c *echo.Context) error {
	form := retailerFormFrom(c)
	d := retailerPage{Form: form, New: true}
	if form.ID == "" {
		return w.showRetailer(c, http.StatusBadRequest, "Give the retailer an id.", d)
	}
	if _, err := w.cfg.Store.Retailer(form.ID); err == nil {
		return w.showRetailer(c, http.StatusConflict, fmt.Sprintf("There is already a retailer %s: edit it from the list of retailers.", form.ID), d)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	r := store.Retailer{ID: form.ID}
	form.apply(&r)
	if err := w.cfg.Store.PutRetailers([]store.Retailer{r}); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return w.showRetailer(c, http.StatusBadRequest, message(err), d)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/retailers?done=added")
}

// adminRetailer is GET /admin/retailers/:id/edit.
func (w *Web) adminRetailer(c *echo.Context) error {
	r, err := w.cfg.Store.Retailer(c.Param("id"))
	if err != nil {
		return err // not found is a 404 page
	}
	return w.showRetailer(c, http.StatusOK, "", retailerPage{Form: retailerFormOf(r)})
}

// adminSaveRetailer is POST /admin/retailers/:id/edit.
func (w *Web) adminSaveRetailer(c *echo.Context) error {
	r, err := w.cfg.Store.Retailer(c.Param("id"))
	if err != nil {
		return err
	}
	form := retailerFormFrom(c)
	form.ID, form.Learned = r.ID, r.Learned
	form.apply(&r)
	if err := w.cfg.Store.PutRetailers([]store.Retailer{r}); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return w.showRetailer(c, http.StatusBadRequest, message(err), retailerPage{Form: form})
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/retailers?done=saved")
}

// adminImportRetailers is POST /admin/retailers/import: a CSV file (see
// store.ParseRetailersCSV), every row or none.
func (w *Web) adminImportRetailers(c *echo.Context) error {
	b, msg, err := csvFile(c)
	if err != nil {
		return err
	}
	if msg != "" {
		return w.showRetailers(c, http.StatusBadRequest, "", msg)
	}
	rs, err := store.ParseRetailersCSV(bytes.NewReader(b))
	if err == nil && len(rs) == 0 {
		return w.showRetailers(c, http.StatusBadRequest, "", "Nothing was imported: the file has a header but no retailers.")
	}
	if err == nil {
		err = w.cfg.Store.PutRetailers(rs)
	}
	if errors.Is(err, store.ErrInvalid) {
		return w.showRetailers(c, http.StatusBadRequest, "", csvMessage(err))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/retailers?done=imported&n="+strconv.Itoa(len(rs)))
}

type adminProductsData struct {
	Products         []store.Product
	Total            int
	Page, Pages      int
	First, Last      int
	PrevURL, NextURL string
}

// adminProducts is GET /admin/products?page=N: the catalogue by GTIN, a
// page at a time, and the import form.
func (w *Web) adminProducts(c *echo.Context) error {
	flash := ""
	if c.QueryParam("done") == "imported" {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		flash = fmt.Sprintf("Imported %d product(s).", n)
	}
	return w.showProducts(c, http.StatusOK, flash, "")
}

func (w *Web) showProducts(c *echo.Context, code int, flash, errMsg string) error {
	d := adminProductsData{}
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if d.Page < 1 || d.Page > 1_000_000 {
		d.Page = 1
	}
	ps, total, err := w.cfg.Store.ProductsPage((d.Page-1)*productsPageSize, productsPageSize)
	if err != nil {
		return err
	}
	d.Pages = max(1, (total+productsPageSize-1)/productsPageSize)
	if d.Page > d.Pages { // past the end: show the last page
		d.Page = d.Pages
		if ps, total, err = w.cfg.Store.ProductsPage((d.Page-1)*productsPageSize, productsPageSize); err != nil {
			return err
		}
	}
	d.Products, d.Total = ps, total
	d.First, d.Last = (d.Page-1)*productsPageSize+1, (d.Page-1)*productsPageSize+len(ps)
	link := func(p int) string { return "/admin/products?" + url.Values{"page": {strconv.Itoa(p)}}.Encode() }
	if d.Page > 1 {
		d.PrevURL = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = link(d.Page + 1)
	}
	return w.adminRender(c, code, "admin_products.html", "Products", flash, errMsg, d)
}

// adminImportProducts is POST /admin/products/import: a CSV file (see
// store.ParseProductsCSV), every row or none.
func (w *Web) adminImportProducts(c *echo.Context) error {
	b, msg, err := csvFile(c)
	if err != nil {
		return err
	}
	if msg != "" {
		return w.showProducts(c, http.StatusBadRequest, "", msg)
	}
	ps, err := store.ParseProductsCSV(bytes.NewReader(b))
	if err == nil && len(ps) == 0 {
		return w.showProducts(c, http.StatusBadRequest, "", "Nothing was imported: the file has a header but no products.")
	}
	if err == nil {
		err = w.cfg.Store.PutProducts(ps)
	}
	if errors.Is(err, store.ErrInvalid) {
		return w.showProducts(c, http.StatusBadRequest, "", csvMessage(err))
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/products?done=imported&n="+strconv.Itoa(len(ps)))
}
