package web

import (
	"io"
	"net/http"
	"sort"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/store"
)

// adminStore is what the admin pages need of the store beyond what every
// page needs.
type adminStore interface {
	Users() ([]store.User, error)
	Identities() ([]store.Identity, error)
	User(name string) (store.User, error)
	CreateUser(in store.NewUser) (store.User, error)
	SetPassword(name, password string) error
	DeleteUser(name string) error
	Retailer(id string) (store.Retailer, error)
	PutRetailers(rs []store.Retailer) error
	ProductsPage(offset, limit int) ([]store.Product, int, error)
	PutProducts(ps []store.Product) error
	CountDocuments() (map[string]int, error)
	Storages() ([]store.Storage, error)
	DefaultQuota() int64
	SetQuota(account string, quota int64) error
	Backup(w io.Writer) error
}

// adminRender renders an admin page, under the Admin nav entry.
func (w *Web) adminRender(c *echo.Context, code int, name, title, flash, errMsg string, d any) error {
	u, ticket, _ := w.currentSession(c)
	return w.render(c, code, name, page{Title: title, User: u, CSRF: csrfToken(ticket), Nav: "admin", Flash: flash, Error: errMsg, D: d})
}

// adminLink is one of the landing page's links.
type adminLink struct {
	URL, Name, About string
}

// adminLinks are every admin page; the mail settings and the outbox have
// their own files.
var adminLinks = []adminLink{
	{"/admin/users", "Users", "Who may sign in: create users, reset a password, delete a user."},
	{"/admin/retailers", "Retailers", "The shops whose receipts Tillroll recognises; import them from a CSV file."},
	{"/admin/products", "Products", "The product catalogue; import it from a CSV file."},
	{"/admin/mail", "Mail", "The SMTP relay Tillroll sends mail through, and a test mail."},
	{"/admin/outbox", "Outbox", "Mail and webhooks waiting, sent or failed; retry them."},
	{"/admin/intake", "Intake", "The mail server for scanners, watch folders, and the IMAP mailboxes Tillroll reads."},
	{"/admin/storage", "Storage", "What each account's originals take on disk, and its quota; set the quota."},
	{"/admin/backup", "Backup", "Download a copy of everything on the box."},
}

type figure struct {
	Label string
	N     int
}

type adminHomeData struct {
	Links     []adminLink
	Figures   []figure
	Documents []figure // by status
	Queue     int
	HasQueue  bool
	Stats     *QueueFigures
	Reader    string
}

// documentStatusLabels are the capture statuses as the landing page
// names them, in their order.
var documentStatusLabels = []struct{ status, label string }{
	{capture.StatusPending, "Waiting to be read"},
	{capture.StatusProcessing, "Being read"},
	{capture.StatusCompleted, "Read"},
	{capture.StatusFailed, "Could not be read"},
}

// adminHome is GET /admin: links to every admin page and a few figures.
func (w *Web) adminHome(c *echo.Context) error {
	d := adminHomeData{Links: adminLinks}
	users, err := w.cfg.Store.Users()
	if err != nil {
		return err
	}
	roles := map[string]int{}
	for _, u := range users {
		roles[u.Role]++
	}
	retailers, err := w.cfg.Store.Retailers()
	if err != nil {
		return err
	}
	_, products, err := w.cfg.Store.ProductsPage(0, 0)
	if err != nil {
		return err
	}
	d.Figures = []figure{
		{"Users", len(users)}, {"Staff", roles[store.RoleStaff]}, {"Admins", roles[store.RoleAdmin]},
		{"Retailers", len(retailers)}, {"Products", products},
	}
	docs, err := w.cfg.Store.CountDocuments()
	if err != nil {
		return err
	}
	for _, s := range documentStatusLabels {
		d.Documents = append(d.Documents, figure{s.label, docs[s.status]})
		delete(docs, s.status)
	}
	var other []string
	for s := range docs {
		other = append(other, s)
	}
	sort.Strings(other)
	for _, s := range other {
		d.Documents = append(d.Documents, figure{s, docs[s]})
	}
	if w.cfg.QueueDepth != nil {
		if d.Queue, err = w.cfg.QueueDepth(); err != nil {
			return err
		}
		d.HasQueue = true
	}
	if w.cfg.QueueStats != nil {
		st, err := w.cfg.QueueStats()
		if err != nil {
			return err
		}
		d.Stats = &st
	}
	d.Reader = w.cfg.Reader
	return w.adminRender(c, http.StatusOK, "admin.html", "Admin", "", "", d)
}
