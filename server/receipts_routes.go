package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"tillroll/receipts"
	"tillroll/store"
)

// ReceiptsStore is what the receipts service's handlers need of the store.
type ReceiptsStore interface {
	Login(name, password string, ttl time.Duration) (string, time.Time, error)
	UserByTicket(ticket string) (store.User, error)
	Logout(ticket string) error

	SaveReceiptImageIn(user string, f store.StoredFile, kind, lang string) (store.ReceiptImage, error)
	ReceiptImage(token string) (store.ReceiptImage, error)
	FilePath(rel string) (string, error)

	CreateReceipt(in store.NewReceipt) (store.Receipt, error)
	ReceiptByUUID(uuid string) (store.Receipt, error)
	DeleteReceipt(user, uuid string) error
	UserReceipts(user, chunk string, limit int) ([]store.Receipt, string, error)
	SetReceiptRetailer(user, uuid, retailerID string) (store.Receipt, error)
	SetReceiptProducts(user, uuid string, maps []store.ProductMapping) (store.Receipt, error)
	HideReceipt(retailerID, uuid string) (store.Receipt, error)
	CountReceipts(user string) (store.ReceiptCounts, error)
	SearchReceipts(user string, q store.Search) ([]store.Receipt, int, error)
	RetailerReceipts(retailerID string, q store.RetailerQuery) ([]store.Receipt, int, error)
	Limits(user, retailerID string, t time.Time) (store.CoinLimits, error)

	Retailer(id string) (store.Retailer, error)
	Retailers() ([]store.Retailer, error)
	PutRetailers(rs []store.Retailer) error
	Products() ([]store.Product, error)
	PutProducts(ps []store.Product) error
	Rates() (receipts.Rates, error)
	SetRates(r receipts.Rates) error
}

// Analyzer is what the handlers need of the receipts analyzer: a receipt a
// user answered for is looked at again soon.
type Analyzer interface {
	Queue(id uint64)
}

// ReceiptsConfig turns on the receipts service (Config.Receipts).
type ReceiptsConfig struct {
	Store    ReceiptsStore
	Analyzer Analyzer
	// TicketTTL is how long a login ticket lives (default 24 hours).
	TicketTTL time.Duration
	// LinkHosts are the hosts, besides this box, that receipt links may
	// point at. They are recorded, never fetched.
	LinkHosts []string
	// Now is the clock of login limits (default time.Now).
	Now func() time.Time
	// IntakeAddress is a user's address at the built-in mail server, whose
	// mail becomes the user's receipts (GET /user/intake); nil when the mail
	// server is off.
	IntakeAddress func(user string) string
	// Logins checks passwords; share one with the web app so both count
	// the same failures (nil makes one from Store, TicketTTL and Now).
	Logins *Logins
}

// receiptsAPI holds the receipts service's handlers.
type receiptsAPI struct {
	srv    *Server
	st     ReceiptsStore
	cfg    ReceiptsConfig
	logins *Logins
}

// receiptRoutes registers the identity service and the receipts service,
// grouped by who may call them.
func (s *Server) receiptRoutes(e *echo.Echo) {
	cfg := s.cfg.Receipts
	if cfg == nil {
		return
	}
	if cfg.TicketTTL <= 0 {
		cfg.TicketTTL = 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logins == nil {
		cfg.Logins = NewLogins(cfg.Store, cfg.TicketTTL, cfg.Now)
	}
	a := &receiptsAPI{srv: s, st: cfg.Store, cfg: *cfg, logins: cfg.Logins}
	small := middleware.BodyLimit(1 << 20)
	upload := middleware.BodyLimit(s.cfg.MaxUpload + 1<<20)
	csv := middleware.BodyLimit(32 << 20)

	// Anyone.
	e.POST("/identity-service/login", a.login, small)
	e.POST("/identity-service/logout", a.logout, small)
	// Image links are capabilities (128 random bits), shown in <img> tags.
	e.GET("/receipts-service/image/:name", a.image)

	// Any user with a ticket: their own receipts.
	u := e.Group("/receipts-service", a.ticketAuth)
	u.POST("/user/receipt/image", a.uploadImage, upload)
	u.GET("/user/receipt", a.listReceipts)
	u.POST("/user/receipt", a.addReceipt, small)
	u.GET("/user/receipt/:id", a.getReceipt)
	u.DELETE("/user/receipt/:id", a.deleteReceipt)
	u.PUT("/user/receipt/:id/retailer", a.setRetailer, small)
	u.PUT("/user/receipt/:id/products", a.setProducts, small)
	u.GET("/user/groups", a.groups)
	u.GET("/user/actions", a.actions)
	u.POST("/user/search", a.search, small)
	u.GET("/retailers", a.retailerNames)
	u.GET("/user/intake", a.intakeAddress) // Tillroll's own: the user's intake address

	// The retailer's staff ("system" users) and admins.
	r := u.Group("/retailer/:retailer_id", staffOnly)
	r.POST("/list", a.retailerList, small)
	r.POST("/:id", a.retailerReceipt, small)
	r.POST("/:id/hide", a.hideReceipt, small)

	// Admins: catalogue and coins.
	ad := u.Group("/admin", adminOnly)
	ad.GET("/retailers", a.listRetailers)
	ad.PUT("/retailers/:id", a.putRetailer, small)
	ad.POST("/retailers/import", a.importRetailers, csv)
	ad.GET("/products", a.listProducts)
	ad.PUT("/products/:gtin", a.putProduct, small)
	ad.POST("/products/import", a.importProducts, csv)
	ad.GET("/coins", a.getRates)
	ad.PUT("/coins", a.putRates, small)
}

// mapErr turns the store's and the domain's errors into statuses. Another
// user's receipt is a 404, as one that does not exist.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return errorf(http.StatusNotFound, "not found")
	case errors.Is(err, receipts.ErrTransition):
		return errorf(http.StatusConflict, "not possible in the receipt's current status: "+lastPart(err))
	case errors.Is(err, store.ErrInvalid), errors.Is(err, receipts.ErrInvalid):
		return errorf(http.StatusBadRequest, lastPart(err))
	case errors.Is(err, store.ErrExists):
		return errorf(http.StatusConflict, lastPart(err))
	}
	return err
}

// lastPart is an error's message without its sentinel's prefix.
func lastPart(err error) string {
	msg := err.Error()
	for _, p := range []string{"invalid value: ", "status transition not allowed: "} {
		if i := strings.LastIndex(msg, p); i >= 0 {
			msg = msg[i+len(p):]
		}
	}
	return msg
}

// bindJSON reads a small JSON body into v; an empty body leaves v alone.
func bindJSON(c *echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	if err := c.Bind(v); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
			return errorf(http.StatusRequestEntityTooLarge, "the body is too large")
		}
		return errorf(http.StatusBadRequest, fmt.Sprintf("the body must be JSON: %v", trimErr(err)))
	}
	return nil
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// Time formats of the reference.
const (
	tsMillis = "2006-01-02T15:04:05.000Z07:00"
	tsPlain  = "2006-01-02T15:04:05Z07:00"
)

func millis(t time.Time) string { return t.UTC().Format(tsMillis) }
