package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"tillroll/store"
)

// The admin's intake page (/admin/intake): what takes documents in with no
// PC in between (package intake): the mail server for scanners, the watch
// folders, and the IMAP mailboxes, which an admin adds and removes here.

// IntakePages configures the intake page; nil serves none.
type IntakePages struct {
	// Mailboxes saves and removes IMAP mailboxes (the store).
	Mailboxes IntakeMailboxes
	// Statuses lists every mailbox with its last poll (intake.IMAPManager).
	Statuses func() []IntakeStatus
	// Kick makes the pollers pick up a change now.
	Kick func()
	// SMTP is the address the mail server listens on ("" when off);
	// Domain the intake addresses' domain; Allow the networks that may
	// send without logging in.
	SMTP, Domain string
	Allow        []string
	// Replies says whether senders get a reply when their documents are
	// processed ("" when not: --smtp-reply is off).
	Replies string
	// Watches lists, adds and removes the watch folders (nil: none, and
	// none can be added).
	Watches IntakeWatches
}

// IntakeWatches is what the page needs of the watch folders
// (intake.WatchManager): the --watch ones are listed, with ID 0, and
// cannot be removed here.
type IntakeWatches interface {
	List() ([]WatchFolder, error)
	// Add checks the folder and saves it; store.ErrInvalid, ErrNotFound
	// and ErrExists say why it is refused.
	Add(f store.WatchFolder) error
	Remove(id uint64) error
}

// WatchFolder is one watch folder as the page shows it.
type WatchFolder struct {
	ID       uint64 // 0 for a --watch folder
	Dir      string
	Account  string
	Delete   bool
	Settle   time.Duration
	Interval time.Duration
	Problem  string // why it is not watched now
}

// IntakeMailboxes is what the page needs of the store.
type IntakeMailboxes interface {
	AddIMAPMailbox(m store.IMAPMailbox) (store.IMAPMailbox, error)
	DeleteIMAPMailbox(id uint64) error
}

// IntakeStatus is one mailbox as the page shows it.
type IntakeStatus struct {
	ID          uint64 // 0 for a mailbox of the --imap-config file
	Account     string
	Name        string // user@host:port/folder
	After       string
	LastSuccess time.Time
	LastError   string
	Taken       int
}

type intakeData struct {
	P         *IntakePages
	Mailboxes []IntakeStatus
	Form      store.IMAPMailbox
	Watches   []WatchFolder
	Watch     watchForm
}

// watchForm is what the add-a-watch-folder form holds.
type watchForm struct {
	Dir, Account, Settle, Interval string
	Delete                         bool
}

func (w *Web) registerIntake(u *echo.Group) {
	if w.cfg.Intake == nil {
		return
	}
	admin := w.requireRole(store.RoleAdmin)
	small := middleware.BodyLimit(64 << 10)
	u.GET("/admin/intake", w.intakePage, admin)
	u.POST("/admin/intake/imap", w.addMailbox, admin, small, sameOrigin, w.csrf)
	u.POST("/admin/intake/imap/:id/delete", w.deleteMailbox, admin, small, sameOrigin, w.csrf)
	if w.cfg.Intake.Watches != nil {
		u.POST("/admin/intake/watch", w.addWatch, admin, small, sameOrigin, w.csrf)
		u.POST("/admin/intake/watch/:id/delete", w.deleteWatch, admin, small, sameOrigin, w.csrf)
	}
}

var intakeSaved = map[string]string{
	"added":         "The mailbox is added: Tillroll polls it now.",
	"removed":       "The mailbox is removed. What it took in stays.",
	"watch-added":   "The watch folder is added: Tillroll watches it now.",
	"watch-removed": "The watch folder is no longer watched. Its files, and what it took in, stay.",
}

func (w *Web) intakePage(c *echo.Context) error {
	return w.showIntake(c, http.StatusOK, intakeData{Form: store.IMAPMailbox{Port: 993, Security: "tls", After: "seen"}}, intakeSaved[c.QueryParam("saved")], "")
}

func (w *Web) showIntake(c *echo.Context, code int, d intakeData, flash, errMsg string) error {
	d.P = w.cfg.Intake
	if d.Form == (store.IMAPMailbox{}) {
		d.Form = store.IMAPMailbox{Port: 993, Security: "tls", After: "seen"}
	}
	if w.cfg.Intake.Statuses != nil {
		d.Mailboxes = w.cfg.Intake.Statuses()
	}
	if w.cfg.Intake.Watches != nil {
		var err error
		if d.Watches, err = w.cfg.Intake.Watches.List(); err != nil {
			return fmt.Errorf("list watch folders: %w", err)
		}
	}
	return w.adminRender(c, code, "admin_intake.html", "Intake", flash, errMsg, d)
}

// addWatch is POST /admin/intake/watch: a folder for Tillroll to take
// documents from, watched at once (intake.CheckWatchDir guards it).
func (w *Web) addWatch(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	form := watchForm{
		Dir: strings.TrimSpace(c.FormValue("dir")), Account: strings.TrimSpace(c.FormValue("account")),
		Settle: strings.TrimSpace(c.FormValue("settle")), Interval: strings.TrimSpace(c.FormValue("interval")),
		Delete: c.FormValue("delete") == "yes",
	}
	refuse := func(msg string) error {
		return w.showIntake(c, http.StatusBadRequest, intakeData{Watch: form}, "", msg)
	}
	f := store.WatchFolder{Dir: form.Dir, Account: form.Account, Delete: form.Delete, AddedBy: u.Name}
	for _, x := range []struct {
		v    string
		to   *time.Duration
		what string
	}{{form.Settle, &f.Settle, "settle time"}, {form.Interval, &f.Interval, "scan interval"}} {
		if x.v == "" {
			continue
		}
		secs, err := strconv.Atoi(x.v)
		if err != nil || secs < 1 || secs > 86400 {
			return refuse("The " + x.what + " is a number of seconds, 1 to 86400.")
		}
		*x.to = time.Duration(secs) * time.Second
	}
	err := w.cfg.Intake.Watches.Add(f)
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) {
		return refuse(message(err))
	}
	if err != nil {
		return fmt.Errorf("add watch folder: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/intake?saved=watch-added")
}

// deleteWatch is POST /admin/intake/watch/:id/delete.
func (w *Web) deleteWatch(c *echo.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return pageErrorf(http.StatusNotFound, "There is no such watch folder.")
	}
	if err := w.cfg.Intake.Watches.Remove(id); errors.Is(err, store.ErrNotFound) {
		return pageErrorf(http.StatusNotFound, "There is no such watch folder.")
	} else if err != nil {
		return fmt.Errorf("remove watch folder: %w", err)
	}
	return c.Redirect(http.StatusSeeOther, "/admin/intake?saved=watch-removed")
}

// addMailbox is POST /admin/intake/imap. The password is never shown
// again: it is sealed in the store.
func (w *Web) addMailbox(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	port, _ := strconv.Atoi(strings.TrimSpace(c.FormValue("port")))
	m := store.IMAPMailbox{
		Account: strings.TrimSpace(c.FormValue("account")), Host: strings.TrimSpace(c.FormValue("host")), Port: port,
		Security: c.FormValue("security"), User: strings.TrimSpace(c.FormValue("user")), Password: c.FormValue("password"),
		Folder: strings.TrimSpace(c.FormValue("folder")), After: c.FormValue("after"), AddedBy: u.Name,
	}
	if m.After == "move" {
		m.After = "move:" + strings.TrimSpace(c.FormValue("move_to"))
	}
	if v := strings.TrimSpace(c.FormValue("interval")); v != "" {
		mins, err := strconv.Atoi(v)
		if err != nil || mins < 1 || mins > 24*60 {
			m.Password = ""
			return w.showIntake(c, http.StatusBadRequest, intakeData{Form: m}, "", "The interval is a number of minutes, 1 to 1440.")
		}
		m.Interval = time.Duration(mins) * time.Minute
	}
	_, err := w.cfg.Intake.Mailboxes.AddIMAPMailbox(m)
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		m.Password = "" // never echoed back
		return w.showIntake(c, http.StatusBadRequest, intakeData{Form: m}, "", message(err))
	}
	if err != nil {
		return fmt.Errorf("add IMAP mailbox: %w", err)
	}
	if w.cfg.Intake.Kick != nil {
		w.cfg.Intake.Kick()
	}
	return c.Redirect(http.StatusSeeOther, "/admin/intake?saved=added")
}

func (w *Web) deleteMailbox(c *echo.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return pageErrorf(http.StatusNotFound, "There is no such mailbox.")
	}
	if err := w.cfg.Intake.Mailboxes.DeleteIMAPMailbox(id); errors.Is(err, store.ErrNotFound) {
		return pageErrorf(http.StatusNotFound, "There is no such mailbox.")
	} else if err != nil {
		return fmt.Errorf("remove IMAP mailbox: %w", err)
	}
	if w.cfg.Intake.Kick != nil {
		w.cfg.Intake.Kick()
	}
	return c.Redirect(http.StatusSeeOther, "/admin/intake?saved=removed")
}
