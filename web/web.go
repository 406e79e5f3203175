// Package web is Tillroll's web app: server-rendered pages and the embedded
// static files of package assets. Users sign in with their receipts-service
// name and password; the session is the receipts-service ticket, kept in an
// HttpOnly cookie. Every form carries a CSRF token, every page is rendered
// with html/template and sent with a strict Content-Security-Policy.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"tillroll/assets"
	"tillroll/ocr"
	"tillroll/receipts"
	"tillroll/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Store is what the pages need of the store: the same methods the
// receipts service's handlers call.
type Store interface {
	UserByTicket(ticket string) (store.User, error)
	Logout(ticket string) error

	SaveUpload(r io.Reader, max int64) (store.StoredFile, ocr.Kind, error)
	RemoveFile(rel string) error
	FilePath(rel string) (string, error)
	renditionStore // image_view.go
	SaveReceiptImage(user string, f store.StoredFile, kind string) (store.ReceiptImage, error)
	CreateReceipt(in store.NewReceipt) (store.Receipt, error)
	ReceiptByUUID(uuid string) (store.Receipt, error)
	Document(id uint64) (store.Document, error)
	CountReceipts(user string) (store.ReceiptCounts, error)
	SearchReceipts(user string, q store.Search) ([]store.Receipt, int, error)
	SetReceiptRetailer(user, uuid, retailerID string) (store.Receipt, error)
	SetReceiptProducts(user, uuid string, maps []store.ProductMapping) (store.Receipt, error)
	SetReceiptTotal(user, uuid, total string) (store.Receipt, error)
	Retailers() ([]store.Retailer, error)
	Products() ([]store.Product, error)

	// The documents pages (documents.go): the capture account's documents.
	AccountDocuments(account string, page, size int) ([]store.Document, int, error)
	DocumentByKey(account, key string) (store.Document, error)

	// The account page (account.go): the user's capture-API account.
	Account(username string) (store.Account, error)
	AddCredentials(name, email string) (store.Credentials, error)
	RegenerateCredentials(username string) (store.Credentials, error)
	RevokeCredentials(username string) error
	SetWebhook(username, rawURL string) error
	SetEmail(username, email string) error
	SetLanguage(username, setting string) error
	// First run (setup.go).
	HasUsers() (bool, error)
	CreateFirstAdmin(name, password string) (store.User, error)
	adminStore // what the admin pages need (web/admin.go)
	mailStore  // mail.go
	// The retailer staff's list (retailer.go) and the CSV export (export.go).
	RetailerReceipts(retailerID string, q store.RetailerQuery) ([]store.Receipt, int, error)
	HideReceipt(retailerID, uuid string) (store.Receipt, error)
	EachReceipt(q store.ReceiptWalk, fn func(store.WalkedReceipt) error) error
}

// Logins checks a name and password and issues a ticket (server.Logins,
// shared with POST /identity-service/login so both count failures alike).
type Logins interface {
	Login(name, password, addr string) (string, time.Time, error)
}

// Analyzer looks again at a receipt a user answered for.
type Analyzer interface{ Queue(id uint64) }

// Queue wakes the OCR workers.
type Queue interface{ Kick() }

// QueueFigures are what the admin page shows of the work queue.
type QueueFigures struct {
	Workers  int    // worker machines connected
	Stream   uint64 // jobs in the queue: waiting or being read
	InFlight int    // jobs handed to a worker and not yet acknowledged
}

// Config is what the pages show and use.
type Config struct {
	DataDir string
	Version string
	// QueueDepth counts documents waiting to be read; nil shows none.
	QueueDepth func() (int, error)
	// QueueStats reads the work queue's figures (worker machines, jobs in
	// flight) for the admin page; nil shows none.
	QueueStats func() (QueueFigures, error)

	// The app's pages need all four; with a nil Store only the home page is served.
	Store    Store
	Logins   Logins
	Analyzer Analyzer
	Queue    Queue
	// Mail serves the admin's SMTP relay and outbox pages (mail.go); nil
	// serves neither.
	Mail *MailPages
	// MaxUpload is the largest accepted file, in bytes (default 25 MB).
	MaxUpload int64
	Logger    *slog.Logger
	// SetupCode is the one-time code that lets the first visitor make the
	// first admin (setup.go); empty when the box had a user at start.
	SetupCode string
	// IntakeAddress is an account's address at the built-in mail server
	// (package intake); nil when the mail server is off.
	IntakeAddress func(username string) string
	// UserIntakeAddress is a receipts-service user's address there, whose
	// mail becomes the user's receipts; nil when the mail server is off.
	UserIntakeAddress func(user string) string
	// Intake serves the admin's intake page (admin_intake.go); nil serves none.
	Intake *IntakePages
	// Reader says how documents are read (Tesseract, and whether the
	// second recognizer is on), for the admin page.
	Reader string
}

// Web serves the pages.
type Web struct {
	cfg   Config
	pages map[string]*template.Template
	setup *setupState
}

// New makes the web app.
func New(cfg Config) *Web {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 25 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Web{cfg: cfg, pages: parsePages(templateFiles), setup: &setupState{}}
}

// parsePages makes one template set per page: the page with the layout
// (home.html stands alone).
func parsePages(files fs.FS) map[string]*template.Template {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		patterns := []string{"templates/layout.html", n}
		if base == "home.html" {
			patterns = []string{n}
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(files, patterns...))
	}
	return pages
}

// Register adds the web app's routes: every page, grouped by who may see it.
func (w *Web) Register(e *echo.Echo) {
	e.GET("/", w.home, securityHeaders)
	e.StaticFS("/assets", assets.Static())
	if w.cfg.Store == nil {
		return
	}
	small := middleware.BodyLimit(1 << 20)
	// Several files a request; each is checked against MaxUpload as it is saved.
	upload := middleware.BodyLimit(maxFilesPerUpload * (w.cfg.MaxUpload + 1<<20))

	// Anyone.
	pub := e.Group("", securityHeaders, w.pagesErrors)
	pub.GET("/signin", w.signinForm)
	pub.POST("/signin", w.signin, small, sameOrigin)
	pub.GET("/setup", w.setupForm)
	pub.POST("/setup", w.setupSubmit, small, sameOrigin)

	// Signed-in users; every POST checks the session's CSRF token.
	u := e.Group("", securityHeaders, w.pagesErrors, w.session)
	u.POST("/signout", w.signout, small, sameOrigin, w.csrf)
	u.GET("/receipts", w.receiptsList)
	u.GET("/receipts/:id", w.receiptDetail)
	u.GET("/images/:name", w.imageView)
	u.GET("/receipts/:id/status", w.receiptStatus)
	u.GET("/receipts/:id/einvoice.xml", w.receiptEInvoiceXML)
	u.POST("/receipts/:id/total", w.setTotal, small, sameOrigin, w.csrf)
	u.POST("/receipts/:id/retailer", w.setRetailer, small, sameOrigin, w.csrf)
	u.POST("/receipts/:id/products", w.setProducts, small, sameOrigin, w.csrf)
	w.registerDocuments(u)
	u.GET("/upload", w.uploadForm)
	// The token is checked in the stream, before any file is saved.
	u.POST("/upload", w.upload, upload, sameOrigin)
	w.registerAccount(u, small)

	// Admins: the landing page, users, retailers, products, backup (web/admin*.go).
	ad := u.Group("/admin", w.requireRole(store.RoleAdmin))
	csvUpload := middleware.BodyLimit(maxCSV + 1<<20)
	ad.GET("", w.adminHome)
	ad.GET("/users", w.adminUsers)
	ad.POST("/users", w.adminCreateUser, small, sameOrigin, w.csrf)
	ad.GET("/users/:name", w.adminUser)
	ad.POST("/users/:name/password", w.adminSetPassword, small, sameOrigin, w.csrf)
	ad.POST("/users/:name/delete", w.adminDeleteUser, small, sameOrigin, w.csrf)
	ad.POST("/users/:name/revoke", w.adminRevokeCredentials, small, sameOrigin, w.csrf)
	ad.GET("/retailers", w.adminRetailers)
	ad.GET("/retailers/new", w.adminNewRetailer)
	ad.POST("/retailers", w.adminAddRetailer, small, sameOrigin, w.csrf)
	ad.POST("/retailers/import", w.adminImportRetailers, csvUpload, sameOrigin, w.csrf)
	ad.GET("/retailers/:id/edit", w.adminRetailer)
	ad.POST("/retailers/:id/edit", w.adminSaveRetailer, small, sameOrigin, w.csrf)
	ad.GET("/products", w.adminProducts)
	ad.POST("/products/import", w.adminImportProducts, csvUpload, sameOrigin, w.csrf)
	ad.GET("/storage", w.adminStorage)
	ad.POST("/storage/:name", w.adminSetQuota, small, sameOrigin, w.csrf)
	ad.GET("/backup", w.adminBackupPage)
	// A POST with the CSRF token: no other site can make the box copy everything.
	ad.POST("/backup", w.adminBackup, small, sameOrigin, w.csrf)

	// Admins only, each page checks the role.
	w.registerMail(u)
	w.registerIntake(u)
	w.retailerRoutes(u, small)
	w.exportRoutes(u)
}

func (w *Web) home(c *echo.Context) error {
	if open, err := w.setupOpen(); err != nil {
		return err
	} else if open {
		return c.Redirect(http.StatusSeeOther, "/setup")
	}
	if w.cfg.Store != nil {
		if _, _, ok := w.currentSession(c); ok {
			return c.Redirect(http.StatusSeeOther, "/receipts")
		}
	}
	depth := 0
	if w.cfg.QueueDepth != nil {
		n, err := w.cfg.QueueDepth()
		if err != nil {
			return err
		}
		depth = n
	}
	data := map[string]any{
		"Version": w.cfg.Version,
		"DataDir": w.cfg.DataDir,
		"Queue":   depth,
		"BaseURL": c.Scheme() + "://" + c.Request().Host,
		"App":     w.cfg.Store != nil,
	}
	return w.render(c, http.StatusOK, "home.html", data)
}

// page is what every page of the layout gets.
type page struct {
	Title string
	User  store.User
	CSRF  string
	Nav   string // the current section: receipts, documents, upload, retailer, export
	Flash string
	Error string
	D     any // the page's own data
}

// render executes a page into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (w *Web) render(c *echo.Context, code int, name string, data any) error {
	t, ok := w.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	entry := "layout"
	if name == "home.html" {
		entry = name
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, entry, data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(code)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// pageError is an error a page shows as it is, with its status.
type pageError struct {
	code int
	msg  string
}

func (e *pageError) Error() string { return e.msg }

func pageErrorf(code int, msg string) error { return &pageError{code: code, msg: msg} }

// pagesErrors shows a handler's error as an HTML page; a 5xx is logged with
// its cause, which the browser never sees.
func (w *Web) pagesErrors(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		err := next(c)
		if err == nil {
			return nil
		}
		if r, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && r.Committed {
			return nil
		}
		code, msg := http.StatusInternalServerError, "Something went wrong. Try again; if it keeps happening, look at the server's log."
		var pe *pageError
		switch sc := echo.StatusCode(err); {
		case errors.As(err, &pe):
			code, msg = pe.code, pe.msg
		case errors.Is(err, store.ErrNotFound):
			code, msg = http.StatusNotFound, "There is no such page or receipt."
		case sc == http.StatusRequestEntityTooLarge:
			code, msg = sc, "The upload is too large."
		case sc != 0 && sc < 500:
			code, msg = sc, http.StatusText(sc)
		}
		if code >= 500 {
			w.cfg.Logger.Error("page failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		}
		p := page{Title: http.StatusText(code), Error: msg}
		if u, ticket, ok := w.currentSession(c); ok {
			p.User, p.CSRF = u, csrfToken(ticket)
		}
		return w.render(c, code, "error.html", p)
	}
}

// securityHeaders sets a strict Content-Security-Policy: the pages load
// nothing from outside the box, run no inline script and take no inline
// style.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// statusLabels are the statuses as a shop owner reads them.
var statusLabels = map[receipts.Status]string{
	receipts.Initial:             "Waiting",
	receipts.OCR:                 "Being read",
	receipts.SetRetailers:        "Needs a retailer",
	receipts.SetRetailersPending: "Retailer set, checking",
	receipts.SetProducts:         "Needs products",
	receipts.SetProductsPending:  "Products set, checking",
	receipts.Completed:           "Done",
	receipts.Failed:              "Could not be read",
	receipts.Unrecognized:        "Not recognised as a receipt",
	receipts.Hidden:              "Hidden",
}

func statusLabel(s receipts.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// processed reports whether the box has finished with a receipt for now:
// it is neither being read nor waiting to be checked again.
func processed(s receipts.Status) bool {
	switch s {
	case receipts.Initial, receipts.OCR, receipts.SetRetailersPending, receipts.SetProductsPending:
		return false
	}
	return true
}

var funcs = template.FuncMap{
	"statusLabel": statusLabel,
	"statusClass": func(s receipts.Status) string {
		switch {
		case s.NeedsAttention():
			return "attention"
		case s == receipts.Completed:
			return "done"
		case s == receipts.Failed || s == receipts.Unrecognized:
			return "failed"
		}
		return "waiting"
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Local().Format("2 Jan 2006 15:04")
	},
	"iso":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"qty":   func(v float64) string { return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".") },
	"money": func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"add":   func(a, b int) int { return a + b },
	// A capture document's status (documents.go).
	"docStatusLabel": docStatusLabel,
	"docStatusClass": docStatusClass,
}
