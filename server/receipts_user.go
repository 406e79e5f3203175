package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/ocr"
	"tillroll/receipts"
	"tillroll/store"
)

// imageField is the multipart field of POST /user/receipt/image.
const imageField = "image"

const imagePath = store.ImageLinkPath

// uploadImage is POST /receipts-service/user/receipt/image: the image is
// kept on this box and its link given back, for the receipt to name.
func (a *receiptsAPI) uploadImage(c *echo.Context) error {
	// lang, in the query or as a form field before the image: the OCR
	// languages the receipt is read in.
	lang, err := uploadLang(c.QueryParam("lang"))
	if err != nil {
		return err
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return errorf(http.StatusBadRequest, "send the image as multipart/form-data in the field \"image\"")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, "no file: send the image in the multipart field \"image\"")
		}
		if err != nil {
			return uploadReadError(err)
		}
		if part.FormName() == "lang" {
			v, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return uploadReadError(err)
			}
			if lang, err = uploadLang(string(v)); err != nil {
				return err
			}
			continue
		}
		if part.FormName() != imageField {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return uploadReadError(err)
			}
			continue
		}
		file, kind, err := a.srv.save(part)
		if err != nil {
			return err
		}
		img, err := a.st.SaveReceiptImageIn(currentUser(c).Name, file, string(kind), lang)
		if err != nil {
			if rerr := a.srv.store.RemoveFile(file.Path); rerr != nil {
				a.srv.cfg.Logger.Warn("remove unused upload", "err", rerr)
			}
			return fmt.Errorf("record image: %w", err)
		}
		link := c.Scheme() + "://" + c.Request().Host + imagePath + img.Token + "." + kind.Ext()
		return c.JSON(http.StatusOK, map[string]string{"link": link})
	}
}

// uploadLang checks an upload's lang ("" when it gives none): a 400 that
// names the installed languages when one is not.
func uploadLang(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	lang, err := ocr.CheckLanguages(v)
	if err != nil {
		return "", errorf(http.StatusBadRequest, "lang: "+strings.TrimPrefix(err.Error(), ocr.ErrLanguage.Error()+": "))
	}
	return lang, nil
}

var imageNameRE = regexp.MustCompile(`^([0-9a-f]{32})(\.[a-z0-9]{1,8})?$`)

// image is GET /receipts-service/image/:name: an uploaded receipt image.
func (a *receiptsAPI) image(c *echo.Context) error {
	m := imageNameRE.FindStringSubmatch(c.Param("name"))
	if m == nil {
		return errorf(http.StatusNotFound, "not found")
	}
	img, err := a.st.ReceiptImage(m[1])
	if err != nil {
		return mapErr(err)
	}
	p, err := a.st.FilePath(img.Path)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("open receipt image: %w", err)
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	if ct := mime.TypeByExtension("." + ocr.Kind(img.Kind).Ext()); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeContent(c.Response(), c.Request(), "", img.Created, f)
	return nil
}

// receiptRequest is the body of POST /user/receipt.
type receiptRequest struct {
	Accuracy     *string  `json:"accuracy"`
	Longitude    *string  `json:"longitude"`
	Latitude     *string  `json:"latitude"`
	Receipt      []string `json:"receipt"`
	StoreID      *string  `json:"store_id"`
	LocationName *string  `json:"location_name"`
	CountryISO   string   `json:"country_iso"`
}

// validate names the first missing required field, in the reference's order.
func (r receiptRequest) validate() error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"accuracy", r.Accuracy}, {"longitude", r.Longitude}, {"latitude", r.Latitude}} {
		if f.v == nil || strings.TrimSpace(*f.v) == "" {
			return errorf(http.StatusBadRequest, f.name+" is required")
		}
	}
	if len(r.Receipt) == 0 {
		return errorf(http.StatusBadRequest, "receipt is required: an array of image links")
	}
	if len(r.Receipt) > 10 {
		return errorf(http.StatusBadRequest, "receipt: at most 10 image links")
	}
	if r.StoreID == nil || strings.TrimSpace(*r.StoreID) == "" {
		return errorf(http.StatusBadRequest, "store_id is required")
	}
	if r.LocationName == nil || strings.TrimSpace(*r.LocationName) == "" {
		return errorf(http.StatusBadRequest, "location_name is required")
	}
	return nil
}

// addReceipt is POST /receipts-service/user/receipt.
func (a *receiptsAPI) addReceipt(c *echo.Context) error {
	var req receiptRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	in := store.NewReceipt{
		User: currentUser(c).Name, Accuracy: *req.Accuracy, Latitude: *req.Latitude, Longitude: *req.Longitude,
		StoreID: *req.StoreID, LocationName: *req.LocationName, CountryISO: req.CountryISO, ClientIP: clientIP(c),
	}
	for _, link := range req.Receipt {
		token, err := a.checkLink(c, link)
		if err != nil {
			return err
		}
		in.Links = append(in.Links, link)
		if token != "" {
			in.Images = append(in.Images, token)
		}
	}
	r, err := a.st.CreateReceipt(in)
	if err != nil {
		return mapErr(err)
	}
	a.srv.queue.Kick()
	return c.JSON(http.StatusOK, map[string]string{"id": r.UUID})
}

// checkLink accepts a link to an image uploaded to this box (its token is
// returned) or to a host on the allow-list (recorded, never fetched).
func (a *receiptsAPI) checkLink(c *echo.Context, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(link) > 2048 {
		return "", errorf(http.StatusBadRequest, "receipt: each link must be an absolute http or https URL")
	}
	if strings.EqualFold(u.Host, c.Request().Host) {
		m := imageNameRE.FindStringSubmatch(strings.TrimPrefix(u.Path, imagePath))
		if !strings.HasPrefix(u.Path, imagePath) || m == nil {
			return "", errorf(http.StatusBadRequest, "receipt: "+link+" is not an image uploaded with POST /receipts-service/user/receipt/image")
		}
		return m[1], nil
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range a.cfg.LinkHosts {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return "", nil
		}
	}
	return "", errorf(http.StatusBadRequest, "receipt: links must point at images uploaded to this server (POST /receipts-service/user/receipt/image); "+host+" is not an allowed host")
}

type receiptListItem struct {
	Accuracy     string   `json:"accuracy"`
	ClientIP     string   `json:"client_ip"`
	Latitude     string   `json:"latitude"`
	LocationName string   `json:"location_name"`
	Longitude    string   `json:"longitude"`
	Receipt      []string `json:"receipt"`
	ReceiptID    string   `json:"receipt_id"`
	StoreID      string   `json:"store_id"`
	TS           string   `json:"ts"`
}

// listReceipts is GET /receipts-service/user/receipt?chunk_id=...: the
// user's receipts, newest first, 20 a page; "next" is the next chunk_id.
func (a *receiptsAPI) listReceipts(c *echo.Context) error {
	list, next, err := a.st.UserReceipts(currentUser(c).Name, c.QueryParam("chunk_id"), 20)
	if err != nil {
		return mapErr(err)
	}
	out := struct {
		Receipts []receiptListItem `json:"receipts"`
		Next     *string           `json:"next"`
	}{Receipts: []receiptListItem{}}
	for _, r := range list {
		out.Receipts = append(out.Receipts, receiptListItem{
			Accuracy: r.Accuracy, ClientIP: r.ClientIP, Latitude: r.Latitude, LocationName: r.LocationName,
			Longitude: r.Longitude, Receipt: absLinks(c, r.Links), ReceiptID: r.UUID, StoreID: r.StoreID, TS: millis(r.Created),
		})
	}
	if next != "" {
		out.Next = &next
	}
	return c.JSON(http.StatusOK, out)
}

// deleteReceipt is DELETE /receipts-service/user/receipt/:id, owner only.
func (a *receiptsAPI) deleteReceipt(c *echo.Context) error {
	if err := a.st.DeleteReceipt(currentUser(c).Name, c.Param("id")); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "ok"})
}

// setRetailer is PUT /receipts-service/user/receipt/:id/retailer
// {"retailer_id": "..."}: SET_RETAILERS -> SET_RETAILERS_PENDING.
func (a *receiptsAPI) setRetailer(c *echo.Context) error {
	var req struct {
		RetailerID string `json:"retailer_id"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.RetailerID == "" {
		return errorf(http.StatusBadRequest, "retailer_id is required")
	}
	r, err := a.st.SetReceiptRetailer(currentUser(c).Name, c.Param("id"), req.RetailerID)
	if err != nil {
		return mapErr(err)
	}
	a.cfg.Analyzer.Queue(r.ID)
	return c.JSON(http.StatusOK, map[string]string{"result": "ok", "status": string(r.Status)})
}

// setProducts is PUT /receipts-service/user/receipt/:id/products
// {"products": [{"line": 2, "gtin": "..."}, {"name": "...", "skip": true}]}:
// SET_PRODUCTS -> SET_PRODUCTS_PENDING.
func (a *receiptsAPI) setProducts(c *echo.Context) error {
	var req struct {
		Products []store.ProductMapping `json:"products"`
	}
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if len(req.Products) == 0 {
		return errorf(http.StatusBadRequest, "products is required: [{\"line\" or \"name\", \"gtin\" or \"skip\": true}]")
	}
	r, err := a.st.SetReceiptProducts(currentUser(c).Name, c.Param("id"), req.Products)
	if err != nil {
		return mapErr(err)
	}
	a.cfg.Analyzer.Queue(r.ID)
	return c.JSON(http.StatusOK, map[string]string{"result": "ok", "status": string(r.Status)})
}

type group struct {
	RetailerID string  `json:"retailer_id,omitempty"`
	Name       string  `json:"name"`
	Type       string  `json:"type"`
	Image      *string `json:"image"`
	Count      int     `json:"count"`
}

// groups is GET /receipts-service/user/groups: the receipts needing
// attention, then one group per retailer, then the others; each receipt is
// in one group. It reads the user's counters, not the receipts.
func (a *receiptsAPI) groups(c *echo.Context) error {
	counts, err := a.st.CountReceipts(currentUser(c).Name)
	if err != nil {
		return err
	}
	need := 0
	for _, n := range counts.NeedByRetID {
		need += n
	}
	out := []group{{Name: "!Need attention", Type: "need_attention", Count: need}}
	retailers, err := a.st.Retailers()
	if err != nil {
		return err
	}
	for _, r := range retailers {
		if n := counts.ByRetailer[r.ID] - counts.NeedByRetID[r.ID]; n > 0 {
			g := group{RetailerID: r.ID, Name: r.Name, Type: "retailer", Count: n}
			if r.Logo != "" {
				logo := r.Logo
				g.Image = &logo
			}
			out = append(out, g)
		}
	}
	out = append(out, group{Name: "Other", Type: "other", Count: counts.ByRetailer[""] - counts.NeedByRetID[""]})
	return c.JSON(http.StatusOK, map[string]any{"result": out, "total": counts.Total})
}

// actions is GET /receipts-service/user/actions[?action=need_attention].
func (a *receiptsAPI) actions(c *echo.Context) error {
	if act := c.QueryParam("action"); act != "" && act != "need_attention" {
		return errorf(http.StatusBadRequest, "action must be need_attention")
	}
	counts, err := a.st.CountReceipts(currentUser(c).Name)
	if err != nil {
		return err
	}
	sr, sp := counts.ByStatus[receipts.SetRetailers], counts.ByStatus[receipts.SetProducts]
	return c.JSON(http.StatusOK, map[string]int{"set_retailers": sr, "set_products": sp, "total": sr + sp})
}

type searchRequest struct {
	SearchQuery string   `json:"search_query"`
	Status      []string `json:"status"`
	Retailer    string   `json:"retailer"`
	Page        *int     `json:"page"`
	PageSize    *int     `json:"page_size"`
}

type searchItem struct {
	ID                                string         `json:"id"`
	Images                            []string       `json:"images"`
	TS                                string         `json:"ts"`
	UpdatedAt                         string         `json:"updated_at"`
	Status                            string         `json:"status"`
	RetailerID                        string         `json:"retailer_id,omitempty"`
	RetailerName                      string         `json:"retailer_name,omitempty"`
	Country                           string         `json:"country"`
	OCRDone                           int            `json:"ocr_done"`
	RecognizedItems                   int            `json:"recognized_items"`
	UnrecognizedItems                 int            `json:"unrecognized_items"`
	NonPartnerBrandProductCoins       receipts.Coins `json:"non_partner_brand_product_coins"`
	NonPartnerBrandProductCoinsEarned receipts.Coins `json:"non_partner_brand_product_coins_earned"`
	PartnerBrandProductCoins          receipts.Coins `json:"partner_brand_product_coins"`
	PartnerBrandProductCoinsEarned    receipts.Coins `json:"partner_brand_product_coins_earned"`
	PendingCoins                      receipts.Coins `json:"pending_coins"`
	Duplicate                         bool           `json:"duplicate,omitempty"`
}

// search is POST /receipts-service/user/search.
func (a *receiptsAPI) search(c *echo.Context) error {
	var req searchRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	q := store.Search{Query: req.SearchQuery, Retailer: req.Retailer, Page: 0, PageSize: 10}
	if len(q.Query) > 200 {
		return errorf(http.StatusBadRequest, "search_query: at most 200 characters")
	}
	var err error
	if q.Statuses, err = parseStatuses(req.Status); err != nil {
		return err
	}
	if q.Page, q.PageSize, err = paging(req.Page, req.PageSize); err != nil {
		return err
	}
	list, total, err := a.st.SearchReceipts(currentUser(c).Name, q)
	if err != nil {
		return mapErr(err)
	}
	names := a.retailerNameMap()
	out := []searchItem{}
	for _, r := range list {
		out = append(out, a.searchItem(c, r, names))
	}
	return c.JSON(http.StatusOK, map[string]any{"receipts": out, "total": total})
}

func (a *receiptsAPI) searchItem(c *echo.Context, r store.Receipt, names map[string]string) searchItem {
	it := searchItem{
		ID: r.UUID, Images: absLinks(c, r.Links), TS: millis(r.Created), UpdatedAt: millis(r.Updated), Status: string(r.Status),
		RetailerID: r.RetailerID, RetailerName: names[r.RetailerID], Country: r.CountryISO,
		RecognizedItems: r.Analysis.Recognised(), UnrecognizedItems: r.Analysis.Unmatched(),
		NonPartnerBrandProductCoins: r.NonPartnerCoins, NonPartnerBrandProductCoinsEarned: r.NonPartnerEarned,
		PartnerBrandProductCoins: r.PartnerCoins, PartnerBrandProductCoinsEarned: r.PartnerEarned,
		PendingCoins: r.PendingCoins(), Duplicate: r.Duplicate,
	}
	if r.Analysis.OCRDone {
		it.OCRDone = 1
	}
	return it
}

func (a *receiptsAPI) retailerNameMap() map[string]string {
	names := map[string]string{}
	rs, err := a.st.Retailers()
	if err != nil {
		return names
	}
	for _, r := range rs {
		names[r.ID] = r.Name
	}
	return names
}

func parseStatuses(in []string) ([]receipts.Status, error) {
	var out []receipts.Status
	for _, s := range in {
		st, err := receipts.ParseStatus(strings.ToUpper(strings.TrimSpace(s)))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "status: unknown status "+s)
		}
		out = append(out, st)
	}
	return out, nil
}

func paging(page, size *int) (int, int, error) {
	p, n := 0, 10
	if page != nil {
		p = *page
	}
	if size != nil {
		n = *size
	}
	if p < 0 || n < 1 || n > 100 {
		return 0, 0, errorf(http.StatusBadRequest, "page must be 0 or more and page_size 1 to 100")
	}
	return p, n, nil
}

// retailerNames is GET /receipts-service/retailers: what a user picks from
// when a receipt needs its retailer.
func (a *receiptsAPI) retailerNames(c *echo.Context) error {
	rs, err := a.st.Retailers()
	if err != nil {
		return err
	}
	type item struct {
		ID   string  `json:"id"`
		Name string  `json:"name"`
		Logo *string `json:"logo"`
	}
	out := []item{}
	for _, r := range rs {
		it := item{ID: r.ID, Name: r.Name}
		if r.Logo != "" {
			logo := r.Logo
			it.Logo = &logo
		}
		out = append(out, it)
	}
	return c.JSON(http.StatusOK, map[string]any{"retailers": out})
}

type userItem struct {
	Line     int     `json:"line"`
	GTIN     *string `json:"gtin"`
	Name     string  `json:"name"`
	Price    float64 `json:"price"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Value    float64 `json:"value"`
	Skipped  bool    `json:"skipped,omitempty"`
}

// getReceipt is GET /receipts-service/user/receipt/:id (Tillroll's own):
// one of the user's receipts as search shows it, with its items, so the
// app can ask the user to map the unmatched ones.
func (a *receiptsAPI) getReceipt(c *echo.Context) error {
	r, err := a.st.ReceiptByUUID(c.Param("id"))
	if err != nil {
		return mapErr(err)
	}
	if r.User != currentUser(c).Name {
		return errorf(http.StatusNotFound, "not found")
	}
	items := []userItem{}
	for _, it := range r.Analysis.Items {
		ui := userItem{Line: it.Line, Name: it.Name, Price: it.Price, Quantity: it.Quantity, Unit: it.Unit, Value: it.Value, Skipped: it.Skipped}
		if it.GTIN != "" {
			g := it.GTIN
			ui.GTIN = &g
		}
		items = append(items, ui)
	}
	return c.JSON(http.StatusOK, struct {
		searchItem
		Total *string    `json:"total"`
		Items []userItem `json:"items"`
	}{a.searchItem(c, r, a.retailerNameMap()), nilIfEmpty(r.Analysis.Total), items})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// absLinks gives a receipt's links as clients expect them, absolute: a
// receipt that came by mail names its image by its path on this box
// (store.ImageLinkPath...), made a link to the host the call was made on,
// as the upload's answer is.
func absLinks(c *echo.Context, links []string) []string {
	out := make([]string, len(links))
	for i, l := range links {
		if strings.HasPrefix(l, "/") {
			l = c.Scheme() + "://" + c.Request().Host + l
		}
		out[i] = l
	}
	return out
}

// intakeAddress is GET /receipts-service/user/intake: the address whose
// mail becomes the user's receipts (not in the reference: Tillroll's own).
func (a *receiptsAPI) intakeAddress(c *echo.Context) error {
	if a.cfg.IntakeAddress == nil {
		return errorf(http.StatusNotFound, "the mail server is off (tillroll serve --smtp-listen)")
	}
	return c.JSON(http.StatusOK, map[string]string{"address": a.cfg.IntakeAddress(currentUser(c).Name)})
}
