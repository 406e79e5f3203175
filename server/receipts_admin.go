package server

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/receipts"
	"tillroll/store"
)

type retailerRequest struct {
	Name     string   `json:"name"`
	Logo     string   `json:"logo"`
	StoreIDs []string `json:"store_ids"`
	TimeZone string   `json:"time_zone"`
	Words    []string `json:"words"`
}

type productRequest struct {
	Name    string   `json:"name"`
	Brand   string   `json:"brand"`
	Partner bool     `json:"partner"`
	Names   []string `json:"names"`
}

// listRetailers is GET /receipts-service/admin/retailers.
func (a *receiptsAPI) listRetailers(c *echo.Context) error {
	rs, err := a.st.Retailers()
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []store.Retailer{}
	}
	return c.JSON(http.StatusOK, map[string]any{"retailers": rs})
}

// putRetailer is PUT /receipts-service/admin/retailers/:id.
func (a *receiptsAPI) putRetailer(c *echo.Context) error {
	var req retailerRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	r := store.Retailer{ID: c.Param("id"), Name: req.Name, Logo: req.Logo, StoreIDs: req.StoreIDs, TimeZone: req.TimeZone, Words: req.Words}
	if err := a.st.PutRetailers([]store.Retailer{r}); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "ok"})
}

// importRetailers is POST /receipts-service/admin/retailers/import with a
// CSV body (see store.ParseRetailersCSV): all rows or none.
func (a *receiptsAPI) importRetailers(c *echo.Context) error {
	rs, err := store.ParseRetailersCSV(c.Request().Body)
	if err != nil {
		return mapErr(err)
	}
	if err := a.st.PutRetailers(rs); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"result": "ok", "imported": len(rs)})
}

// listProducts is GET /receipts-service/admin/products.
func (a *receiptsAPI) listProducts(c *echo.Context) error {
	ps, err := a.st.Products()
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []store.Product{}
	}
	return c.JSON(http.StatusOK, map[string]any{"products": ps})
}

// putProduct is PUT /receipts-service/admin/products/:gtin.
func (a *receiptsAPI) putProduct(c *echo.Context) error {
	var req productRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	p := store.Product{GTIN: c.Param("gtin"), Name: req.Name, Brand: req.Brand, Partner: req.Partner, Names: req.Names}
	if err := a.st.PutProducts([]store.Product{p}); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "ok"})
}

// importProducts is POST /receipts-service/admin/products/import with a
// CSV body (see store.ParseProductsCSV): all rows or none.
func (a *receiptsAPI) importProducts(c *echo.Context) error {
	ps, err := store.ParseProductsCSV(c.Request().Body)
	if err != nil {
		return mapErr(err)
	}
	if err := a.st.PutProducts(ps); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, map[string]any{"result": "ok", "imported": len(ps)})
}

// getRates is GET /receipts-service/admin/coins.
func (a *receiptsAPI) getRates(c *echo.Context) error {
	r, err := a.st.Rates()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// putRates is PUT /receipts-service/admin/coins with the coin rates and the
// daily cap in 18-decimal units, as numbers or strings:
// {"partner_brand_product_coins": 41220000000000000000, ...}.
func (a *receiptsAPI) putRates(c *echo.Context) error {
	var r receipts.Rates
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	if err := a.st.SetRates(r); err != nil {
		return mapErr(err)
	}
	return c.JSON(http.StatusOK, r)
}
