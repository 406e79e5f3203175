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
	// Watches are the watch folders, "DIR for ACCOUNT".
	Watches []string
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
}

var intakeSaved = map[string]string{
	"added":   "The mailbox is added: Tillroll polls it now.",
	"removed": "The mailbox is removed. What it took in stays.",
}

func (w *Web) intakePage(c *echo.Context) error {
	return w.showIntake(c, http.StatusOK, store.IMAPMailbox{Port: 993, Security: "tls", After: "seen"}, intakeSaved[c.QueryParam("saved")], "")
}

func (w *Web) showIntake(c *echo.Context, code int, form store.IMAPMailbox, flash, errMsg string) error {
	d := intakeData{P: w.cfg.Intake, Form: form}
	if w.cfg.Intake.Statuses != nil {
		d.Mailboxes = w.cfg.Intake.Statuses()
	}
	return w.adminRender(c, code, "admin_intake.html", "Intake", flash, errMsg, d)
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
			return w.showIntake(c, http.StatusBadRequest, m, "", "The interval is a number of minutes, 1 to 1440.")
		}
		m.Interval = time.Duration(mins) * time.Minute
	}
	_, err := w.cfg.Intake.Mailboxes.AddIMAPMailbox(m)
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		m.Password = "" // never echoed back
		return w.showIntake(c, http.StatusBadRequest, m, "", message(err))
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
