package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/receipts"
	"tillroll/store"
)

// imagePath is where the receipts service serves uploaded receipt images
// (capability links: 128 random bits each).
const imagePath = store.ImageLinkPath

type receiptImage struct {
	URL     string // the original, downloaded as it came
	View    string // what the page shows: URL, or a JPEG of a HEIC photo (image_view.go)
	PDF     bool
	XML     bool // an e-invoice XML: no picture
	Remote  bool
	N       int
	Overlay *overlay // where the fields were read; nil when not known
}

// field is one extracted value with how sure OCR was of it.
type field struct {
	Label string
	Value string
	Conf  int // 0-100; -1 when OCR gave none
	Note  string
	Key   string // the capture API's name of the field it was read as, if any
	Box   string // the element id of its box on the image, if shown
	Row   string // its row's element id, when it has a box
}

type itemRow struct {
	receipts.Item
	Product string // the product's name, when matched
	Box     string // the element id of its box on the image, if shown
	Row     string // its row's element id, when it has a box
}

type detailData struct {
	R            store.Receipt
	Title        string
	RetailerName string
	Images       []receiptImage
	Fields       []field
	Items        []itemRow
	Processed    bool
	CanRetailer  bool
	CanTotal     bool
	CanProducts  bool
	Retailers    []store.Retailer
	Products     []store.Product
	TotalInput   string
	Text         string
	Reason       string
	EInvoice     *eInvoiceView // nil unless the receipt is an e-invoice
}

// receipt loads the signed-in user's receipt; another user's is "not
// found", as one that does not exist.
func (w *Web) receipt(c *echo.Context) (store.Receipt, error) {
	u, _, _ := w.currentSession(c)
	r, err := w.cfg.Store.ReceiptByUUID(c.Param("id"))
	if err != nil || r.User != u.Name {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Receipt{}, err
		}
		return store.Receipt{}, pageErrorf(http.StatusNotFound, "There is no such receipt.")
	}
	return r, nil
}

// receiptDetail is GET /receipts/:id.
func (w *Web) receiptDetail(c *echo.Context) error {
	r, err := w.receipt(c)
	if err != nil {
		return err
	}
	flash := map[string]string{
		"total":    "The total is saved.",
		"retailer": "The retailer is saved: the receipt is being checked again.",
		"products": "The products are saved: the receipt is being checked again.",
	}[c.QueryParam("saved")]
	return w.showDetail(c, http.StatusOK, r, flash, "", "")
}

func (w *Web) showDetail(c *echo.Context, code int, r store.Receipt, flash, errMsg, totalInput string) error {
	u, ticket, _ := w.currentSession(c)
	d := detailData{R: r, Processed: processed(r.Status), TotalInput: r.Analysis.Total, Text: r.Analysis.Text, Reason: r.Analysis.Reason}
	if totalInput != "" {
		d.TotalInput = totalInput
	}
	retailers, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	for _, ret := range retailers {
		if ret.ID == r.RetailerID {
			d.RetailerName = ret.Name
		}
	}
	d.Title = d.RetailerName
	if d.Title == "" {
		d.Title = r.Analysis.Vendor
	}
	if d.Title == "" {
		d.Title = "Receipt"
	}
	d.CanRetailer = receipts.Check(r.Status, receipts.SetRetailersPending, receipts.ByUser) == nil
	d.CanProducts = receipts.Check(r.Status, receipts.SetProductsPending, receipts.ByUser) == nil
	d.CanTotal = r.Analysis.OCRDone && r.Status != receipts.Hidden
	if d.CanRetailer {
		d.Retailers = retailers
	}
	productNames := map[string]string{}
	if d.CanProducts || r.Analysis.Recognised() > 0 {
		ps, err := w.cfg.Store.Products()
		if err != nil {
			return err
		}
		for _, p := range ps {
			productNames[p.GTIN] = p.Name
		}
		if d.CanProducts {
			d.Products = ps
		}
	}
	for _, it := range r.Analysis.Items {
		d.Items = append(d.Items, itemRow{Item: it, Product: productNames[it.GTIN]})
	}
	for i, link := range r.Links {
		d.Images = append(d.Images, imageOf(link, i+1))
	}
	d.Fields = w.fields(r, d.RetailerName)
	if d.EInvoice, err = w.eInvoiceOf(r); err != nil {
		return err
	}
	w.placeBoxes(r, &d)
	return w.render(c, code, "receipt.html", page{
		Title: d.Title, User: u, CSRF: csrfToken(ticket), Nav: "receipts", Flash: flash, Error: errMsg, D: d,
	})
}

// imageOf turns a receipt link into what the page shows: images on this
// box by their path, others as a plain link (the page loads nothing from
// elsewhere).
func imageOf(link string, n int) receiptImage {
	img := receiptImage{URL: link, N: n, Remote: true}
	if u, err := url.Parse(link); err == nil && strings.HasPrefix(u.Path, imagePath) {
		img.URL, img.View, img.Remote = u.Path, viewURL(u.Path), false
		img.PDF = strings.HasSuffix(u.Path, ".pdf")
		img.XML = strings.HasSuffix(u.Path, ".xml")
	}
	return img
}

// confidence is OCR's confidence in each field of the receipt's first
// read image, by capture-API field name; -1 where it has none.
func (w *Web) confidence(r store.Receipt) func(field string) int {
	var conf map[string]int
	for _, id := range r.DocIDs {
		doc, err := w.cfg.Store.Document(id)
		if err != nil || doc.Result == nil || doc.Status != capture.StatusCompleted {
			continue
		}
		conf = doc.Result.Confidence
		break
	}
	return func(field string) int {
		if v, ok := conf[field]; ok {
			return v
		}
		return -1
	}
}

// fields are the extracted values with OCR's confidence in each, read from
// the first image's result.
func (w *Web) fields(r store.Receipt, retailerName string) []field {
	get := w.confidence(r)
	a := r.Analysis
	retailer := field{Label: "Retailer", Value: retailerName, Conf: -1}
	switch {
	case retailerName == "":
		retailer.Value, retailer.Note = "not recognised", ""
	case r.RetailerByUser:
		retailer.Note = "set by you"
	default:
		retailer.Note = "recognised from the printed name"
	}
	total := field{Label: "Total", Value: a.Total, Conf: get("Total"), Key: "Total"}
	if r.TotalByUser {
		total.Conf, total.Note = -1, "corrected by you"
	}
	out := []field{
		retailer,
		{Label: "Printed name", Value: a.Vendor, Conf: get("Vendor_Name"), Key: "Vendor_Name"},
		{Label: "Date", Value: a.ReceiptDate, Conf: get("Date"), Key: "Date"},
		{Label: "Time", Value: a.ReceiptTime, Conf: get("Time"), Key: "Time"},
		total,
		{Label: "Tax", Value: a.Tax, Conf: get("Tax"), Key: "Tax"},
		{Label: "Receipt number", Value: a.ReceiptNumber, Conf: get("Invoice_Number"), Key: "Invoice_Number"},
	}
	if a.OCRDone {
		out = append(out, field{Label: "Words read", Value: strconv.Itoa(a.WordsCount), Conf: -1})
	}
	return out
}

// receiptStatus is GET /receipts/:id/status, which the upload page's
// script polls until the receipt is processed.
func (w *Web) receiptStatus(c *echo.Context) error {
	r, err := w.receipt(c)
	if err != nil {
		var pe *pageError
		if errors.As(err, &pe) {
			return c.JSON(pe.code, map[string]string{"message": pe.msg})
		}
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, statusJSON(r))
}

type receiptJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	URL       string `json:"url"`
	Status    string `json:"status"`
	Label     string `json:"label"`
	Processed bool   `json:"processed"`
	Total     string `json:"total,omitempty"`
	Vendor    string `json:"vendor,omitempty"`
}

func statusJSON(r store.Receipt) receiptJSON {
	return receiptJSON{
		ID: r.UUID, URL: "/receipts/" + url.PathEscape(r.UUID), Status: string(r.Status), Label: statusLabel(r.Status),
		Processed: processed(r.Status), Total: r.Analysis.Total, Vendor: r.Analysis.Vendor,
	}
}

// correction answers a form that changed a receipt: back to the page with
// a note, or the page again with what went wrong.
func (w *Web) correction(c *echo.Context, r store.Receipt, err error, saved, totalInput string) error {
	u, _, _ := w.currentSession(c)
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/receipts/"+url.PathEscape(r.UUID)+"?saved="+saved)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, receipts.ErrInvalid):
		cur, lerr := w.cfg.Store.ReceiptByUUID(c.Param("id"))
		if lerr != nil || cur.User != u.Name {
			return pageErrorf(http.StatusNotFound, "There is no such receipt.")
		}
		return w.showDetail(c, http.StatusBadRequest, cur, "", message(err), totalInput)
	case errors.Is(err, receipts.ErrTransition):
		cur, lerr := w.cfg.Store.ReceiptByUUID(c.Param("id"))
		if lerr != nil || cur.User != u.Name {
			return pageErrorf(http.StatusNotFound, "There is no such receipt.")
		}
		return w.showDetail(c, http.StatusConflict, cur, "", "Not possible now: the receipt is "+strings.ToLower(statusLabel(cur.Status))+".", totalInput)
	case errors.Is(err, store.ErrNotFound):
		return pageErrorf(http.StatusNotFound, "There is no such receipt.")
	}
	return err
}

// message is an error's text without its sentinel's prefix.
func message(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "invalid value: "); i >= 0 {
		msg = msg[i+len("invalid value: "):]
	}
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg + "."
}

// setTotal is POST /receipts/:id/total: the user's correction of the total.
func (w *Web) setTotal(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	total := strings.TrimSpace(c.FormValue("total"))
	r, err := w.cfg.Store.SetReceiptTotal(u.Name, c.Param("id"), total)
	return w.correction(c, r, err, "total", total)
}

// setRetailer is POST /receipts/:id/retailer: what PUT
// /receipts-service/user/receipt/:id/retailer does (the store moves the
// status and teaches the retailer the printed name; the analyzer looks
// again).
func (w *Web) setRetailer(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	id := c.FormValue("retailer_id")
	if id == "" {
		r, err := w.receipt(c)
		if err != nil {
			return err
		}
		return w.showDetail(c, http.StatusBadRequest, r, "", "Choose the retailer.", "")
	}
	r, err := w.cfg.Store.SetReceiptRetailer(u.Name, c.Param("id"), id)
	if err == nil {
		w.cfg.Analyzer.Queue(r.ID)
	}
	return w.correction(c, r, err, "retailer", "")
}

// setProducts is POST /receipts/:id/products with product-<line> = a GTIN
// or "skip": what PUT /receipts-service/user/receipt/:id/products does.
func (w *Web) setProducts(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	cur, err := w.receipt(c)
	if err != nil {
		return err
	}
	var maps []store.ProductMapping
	for _, it := range cur.Analysis.Items {
		v := strings.TrimSpace(c.FormValue(fmt.Sprintf("product-%d", it.Line)))
		switch v {
		case "":
		case "skip":
			maps = append(maps, store.ProductMapping{Line: it.Line, Skip: true})
		default:
			maps = append(maps, store.ProductMapping{Line: it.Line, GTIN: v})
		}
	}
	if len(maps) == 0 {
		return w.showDetail(c, http.StatusBadRequest, cur, "", "Choose a product (or \"not a product\") for at least one item.", "")
	}
	r, err := w.cfg.Store.SetReceiptProducts(u.Name, cur.UUID, maps)
	if err == nil {
		w.cfg.Analyzer.Queue(r.ID)
	}
	return w.correction(c, r, err, "products", "")
}
