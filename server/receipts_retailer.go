package server

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/receipts"
	"tillroll/store"
)

type retailerListRequest struct {
	UserID                string   `json:"user_id"`
	ReceiptCode           string   `json:"receipt_code"`
	ReceiptUploadedTSFrom string   `json:"receipt_uploaded_ts_from"`
	ReceiptUploadedTSTo   string   `json:"receipt_uploaded_ts_to"`
	ReceiptTSFrom         string   `json:"receipt_ts_from"`
	ReceiptTSTo           string   `json:"receipt_ts_to"`
	Status                []string `json:"status"`
	GTIN                  string   `json:"gtin"`
	TotalFrom             *float64 `json:"total_from"`
	TotalTo               *float64 `json:"total_to"`
	Page                  *int     `json:"page"`
	PageSize              *int     `json:"page_size"`
	SortBy                *struct {
		Field string `json:"field"`
		Order string `json:"order"`
	} `json:"sort_by"`
}

type retailerListItem struct {
	ID         string   `json:"id"`
	Image      []string `json:"image"`
	IssuedAt   *string  `json:"issued_at"`
	UploadedAt string   `json:"uploaded_at"`
	Products   int      `json:"products"`
	Recognised int      `json:"recognised"`
	Receipt    *string  `json:"receipt"`
	Status     string   `json:"status"`
	Retailer   string   `json:"retailer"`
	Total      *string  `json:"total"`
	User       string   `json:"user"`
}

// retailerList is POST /receipts-service/retailer/:retailer_id/list.
func (a *receiptsAPI) retailerList(c *echo.Context) error {
	var req retailerListRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	q := store.RetailerQuery{UserID: req.UserID, ReceiptCode: req.ReceiptCode, GTIN: req.GTIN, SortBy: "ts", Desc: true}
	var err error
	for _, f := range []struct {
		name string
		v    string
		to   *time.Time
	}{
		{"receipt_uploaded_ts_from", req.ReceiptUploadedTSFrom, &q.UploadedFrom},
		{"receipt_uploaded_ts_to", req.ReceiptUploadedTSTo, &q.UploadedTo},
		{"receipt_ts_from", req.ReceiptTSFrom, &q.IssuedFrom},
		{"receipt_ts_to", req.ReceiptTSTo, &q.IssuedTo},
	} {
		if f.v == "" {
			continue
		}
		if *f.to, err = time.Parse(time.RFC3339, f.v); err != nil {
			return errorf(http.StatusBadRequest, f.name+" must be an RFC 3339 time like 2022-01-15T13:18:23Z")
		}
	}
	for _, f := range []struct {
		v  *float64
		to **int64
	}{{req.TotalFrom, &q.TotalFrom}, {req.TotalTo, &q.TotalTo}} {
		if f.v != nil {
			cents := int64(*f.v*100 + 0.5)
			*f.to = &cents
		}
	}
	if q.Statuses, err = parseStatuses(req.Status); err != nil {
		return err
	}
	if q.Page, q.PageSize, err = paging(req.Page, req.PageSize); err != nil {
		return err
	}
	if req.SortBy != nil {
		switch req.SortBy.Field {
		case "issued_at", "ts", "receipt_code", "status", "total", "user_id":
			q.SortBy = req.SortBy.Field
		case "":
		default:
			return errorf(http.StatusBadRequest, "sort_by.field must be issued_at, ts, receipt_code, status, total or user_id")
		}
		switch strings.ToUpper(req.SortBy.Order) {
		case "ASC":
			q.Desc = false
		case "DESC", "":
			q.Desc = true
		default:
			return errorf(http.StatusBadRequest, "sort_by.order must be ASC or DESC")
		}
	}
	list, total, err := a.st.RetailerReceipts(c.Param("retailer_id"), q)
	if err != nil {
		return mapErr(err)
	}
	out := []retailerListItem{}
	for _, r := range list {
		it := retailerListItem{
			ID: r.UUID, Image: absLinks(c, r.Links), UploadedAt: millis(r.Created), Products: len(r.Analysis.Items),
			Recognised: r.Analysis.Recognised(), Status: string(r.Status), Retailer: r.RetailerID, User: r.User,
		}
		if !r.Analysis.Issued.IsZero() {
			v := r.Analysis.Issued.Format(tsPlain)
			it.IssuedAt = &v
		}
		if r.Analysis.ReceiptCode != "" {
			v := r.Analysis.ReceiptCode
			it.Receipt = &v
		}
		if r.Analysis.Total != "" {
			v := r.Analysis.Total
			it.Total = &v
		}
		out = append(out, it)
	}
	return c.JSON(http.StatusOK, map[string]any{"total": total, "receipts": out})
}

// retailerReceipt is POST /receipts-service/retailer/:retailer_id/:id: the
// analyzed receipt, in the reference's shape. A receipt of another
// retailer is a 404.
func (a *receiptsAPI) retailerReceipt(c *echo.Context) error {
	retailerID := c.Param("retailer_id")
	r, err := a.st.ReceiptByUUID(c.Param("id"))
	if err != nil {
		return mapErr(err)
	}
	if r.RetailerID != retailerID {
		return errorf(http.StatusNotFound, "not found")
	}
	ret, err := a.st.Retailer(r.RetailerID)
	if err != nil {
		return mapErr(err)
	}
	loc, err := receipts.Location(ret.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	at := a.cfg.Now()
	if !r.EarnedAt.IsZero() {
		at = r.EarnedAt
	}
	lim, err := a.st.Limits(r.User, r.RetailerID, at)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"analyzed": map[string]any{
			"analyzed_receipt":                       analyzedReceipt(c, r, loc),
			"chunk_id":                               "urn:tillroll:user:" + r.User + "@receipts",
			"limits":                                 map[string]string{"from_ts": lim.From.Format(tsPlain), "to_ts": lim.To.Format(tsPlain), "limit_coins": lim.Limit.String(), "sum_coins": lim.Sum.String()},
			"non_partner_brand_product_coins":        r.NonPartnerCoins,
			"non_partner_brand_product_coins_earned": r.NonPartnerEarned,
			"partner_brand_product_coins":            r.PartnerCoins,
			"partner_brand_product_coins_earned":     r.PartnerEarned,
			"pending_coins":                          r.PendingCoins().String(),
			"receipt":                                receiptRecord(c, r, ret),
		},
		"ocr": map[string]any{},
	})
}

type price struct {
	GTIN     *string `json:"gtin"`
	Name     string  `json:"name"`
	Price    float64 `json:"price"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	Value    float64 `json:"value"`
}

func analyzedReceipt(c *echo.Context, r store.Receipt, loc *time.Location) any {
	an := r.Analysis
	if !an.OCRDone {
		return nil
	}
	prices := []price{}
	for _, it := range an.Items {
		p := price{Name: it.Name, Price: it.Price, Quantity: it.Quantity, Unit: it.Unit, Value: it.Value}
		if it.GTIN != "" {
			g := it.GTIN
			p.GTIN = &g
		}
		prices = append(prices, p)
	}
	out := map[string]any{
		"accuracy_rate": an.AccuracyRate,
		"data": map[string]any{
			"computed_total": an.ComputedTotal, "links": absLinks(c, r.Links), "prices": prices, "store": r.RetailerID,
			"tax": an.Tax, "total": an.Total, "ts": millis(r.Updated),
		},
		"id":                fmt.Sprintf("urn:tillroll:user:%s@analyzed_receipts@%s", r.User, r.UUID),
		"merch_id":          nil,
		"ocr_hash":          an.OCRHash,
		"parsed_receipt_id": an.ReceiptCode,
		"postcode":          an.Postcode,
		"receipt_code":      an.ReceiptCode,
		"receipt_date":      an.ReceiptDate,
		"receipt_id":        r.UUID,
		"receipt_number":    an.ReceiptNumber,
		"receipt_time":      an.ReceiptTime,
		"retailer":          r.RetailerID,
		"retailer_store_id": an.RetailerStoreID,
		"status":            strings.ToLower(string(r.Status)),
		"term_id":           an.TermID,
		"ts":                millis(r.Updated),
		"user_id":           r.User,
		"words_count":       an.WordsCount,
	}
	if an.Barcode != "" {
		out["barcode"] = an.Barcode
	}
	if an.ReceiptBarcode != "" {
		out["receipt_barcode"] = an.ReceiptBarcode
	}
	if !an.Issued.IsZero() {
		out["receipt_ts"] = an.Issued.Format(tsPlain)
		i := an.Issued
		out["receipt_ts_utc"] = time.Date(i.Year(), i.Month(), i.Day(), i.Hour(), i.Minute(), i.Second(), 0, loc).UTC().Format(tsPlain)
	} else {
		out["receipt_ts"], out["receipt_ts_utc"] = nil, nil
	}
	return out
}

func receiptRecord(c *echo.Context, r store.Receipt, ret store.Retailer) map[string]any {
	an := r.Analysis
	out := map[string]any{
		"accuracy": r.Accuracy, "client_ip": r.ClientIP, "country_iso": r.CountryISO, "hash": an.OCRHash,
		"latitude": r.Latitude, "location_name": r.LocationName, "longitude": r.Longitude,
		"ocr_done": an.OCRDone, "ocr_status": an.OCRStatus, "receipt": absLinks(c, r.Links), "receipt_id": r.UUID,
		"retailer_id": r.RetailerID, "retailer_name": ret.Name, "status": r.Status.Code(), "store_id": r.StoreID,
		"ts": millis(r.Created), "updated_at": r.Updated.UTC().Format(tsPlain),
		"issued_at": nil, "postcode": nil, "receipt_code": nil, "tax": nil, "total": float64(an.TotalCents) / 100,
		"duplicate": r.Duplicate,
	}
	if !an.Issued.IsZero() {
		out["issued_at"] = an.Issued.Format(tsPlain)
	}
	if an.Postcode != "" {
		out["postcode"] = an.Postcode
	}
	if an.ReceiptCode != "" {
		out["receipt_code"] = an.ReceiptCode
	}
	if an.Tax != "" {
		if cents, err := receipts.ParseMoney(an.Tax); err == nil {
			out["tax"] = float64(cents) / 100
		}
	}
	return out
}

// hideReceipt is POST /receipts-service/retailer/:retailer_id/:id/hide:
// staff hide one of their receipts (any status -> HIDDEN).
func (a *receiptsAPI) hideReceipt(c *echo.Context) error {
	r, err := a.st.HideReceipt(c.Param("retailer_id"), c.Param("id"))
	if err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "ok", "status": string(r.Status)})
}
