package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"tillroll/store"
)

// The admin's mail pages: the SMTP relay settings with a test mail
// (/admin/mail) and the outbox of mail and webhooks (/admin/outbox).

// Relay is what the mail pages need of the mailer (mailer.Mailer).
type Relay interface {
	// Test sends a test mail now through the current settings.
	Test(ctx context.Context, to string) error
	// Kick wakes the mail sender to look at the outbox and settings.
	Kick()
}

// MailPages configures the admin's mail pages.
type MailPages struct {
	Relay Relay
	// Webhooks wakes the webhook sender when a webhook is retried.
	Webhooks Queue
	// Flags are the serve command's --smtp-* settings, in use until an
	// admin saves settings on the page. The password is never shown.
	Flags SMTPFlags
}

// SMTPFlags are the relay settings given as flags.
type SMTPFlags struct {
	Addr, From, User, Password string
}

// mailStore is what the mail pages need of the store (part of Store).
type mailStore interface {
	SMTPSettings() (store.SMTPSettings, bool, error)
	SaveSMTPSettings(in store.SMTPSettings, keepPassword bool) error
	ClearSMTPSettings() error
	OutboxOverview(limit int) (store.OutboxOverview, error)
	RetryNow(id uint64) (store.Message, error)
}

const (
	// outboxShown caps each list of the outbox page.
	outboxShown = 100
	// testMailTimeout bounds a test mail, so a relay that does not answer
	// gives the admin an answer anyway.
	testMailTimeout = 45 * time.Second
)

// registerMail adds the mail pages to the signed-in group, for admins only.
func (w *Web) registerMail(u *echo.Group) {
	if w.cfg.Mail == nil {
		return
	}
	admin := w.requireRole(store.RoleAdmin)
	small := middleware.BodyLimit(64 << 10)
	u.GET("/admin/mail", w.mailSettings, admin)
	u.POST("/admin/mail", w.saveMailSettings, admin, small, sameOrigin, w.csrf)
	u.POST("/admin/mail/reset", w.resetMailSettings, admin, small, sameOrigin, w.csrf)
	u.POST("/admin/mail/test", w.testMail, admin, small, sameOrigin, w.csrf)
	u.GET("/admin/outbox", w.outbox, admin)
	u.POST("/admin/outbox/:id/retry", w.retryMessage, admin, small, sameOrigin, w.csrf)
}

type mailData struct {
	Addr, From, User string
	PasswordSet      bool
	// Saved: the settings come from the page (Updated, UpdatedBy), not
	// from the flags.
	Saved     bool
	Updated   time.Time
	UpdatedBy string
	TestTo    string
}

// mailForm is the settings in effect, as the form shows them.
func (w *Web) mailForm() (mailData, error) {
	s, ok, err := w.cfg.Store.SMTPSettings()
	if err != nil {
		return mailData{}, err
	}
	if !ok {
		f := w.cfg.Mail.Flags
		return mailData{Addr: f.Addr, From: f.From, User: f.User, PasswordSet: f.Password != ""}, nil
	}
	return mailData{
		Addr: s.Addr, From: s.From, User: s.User, PasswordSet: s.Password != "",
		Saved: true, Updated: s.Updated, UpdatedBy: s.UpdatedBy,
	}, nil
}

func (w *Web) showMail(c *echo.Context, code int, d mailData, flash, msg string) error {
	u, ticket, _ := w.currentSession(c)
	return w.render(c, code, "mail.html", page{
		Title: "Mail relay", User: u, CSRF: csrfToken(ticket), Nav: "admin", Flash: flash, Error: msg, D: d,
	})
}

// mailSettings is GET /admin/mail.
func (w *Web) mailSettings(c *echo.Context) error {
	d, err := w.mailForm()
	if err != nil {
		return err
	}
	flash := ""
	switch {
	case c.QueryParam("saved") == "1":
		flash = "Saved: mail goes out with these settings from now on."
	case c.QueryParam("saved") == "reset":
		flash = "The saved settings are forgotten: the server's --smtp-* flags apply again."
	case validAddress(c.QueryParam("tested")):
		flash = "The relay accepted the test mail to " + c.QueryParam("tested") + ". If it does not arrive, look in the spam folder and the relay's log."
	}
	return w.showMail(c, http.StatusOK, d, flash, "")
}

// saveMailSettings is POST /admin/mail. An empty password field keeps the
// password in effect (the saved one, or the flags' on the first save);
// "clear_password" removes it.
func (w *Web) saveMailSettings(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	in := store.SMTPSettings{
		Addr:      strings.TrimSpace(c.FormValue("addr")),
		From:      strings.TrimSpace(c.FormValue("from")),
		User:      strings.TrimSpace(c.FormValue("user")),
		Password:  c.FormValue("password"),
		UpdatedBy: u.Name,
	}
	keep := false
	switch {
	case c.FormValue("clear_password") != "":
		in.Password = ""
	case in.Password != "":
	default:
		_, saved, err := w.cfg.Store.SMTPSettings()
		if err != nil {
			return err
		}
		if saved {
			keep = true
		} else {
			in.Password = w.cfg.Mail.Flags.Password
		}
	}
	err := w.cfg.Store.SaveSMTPSettings(in, keep)
	if errors.Is(err, store.ErrInvalid) {
		d, ferr := w.mailForm()
		if ferr != nil {
			return ferr
		}
		// Show what was typed (never the password), to correct it.
		d.Addr, d.From, d.User = in.Addr, in.From, in.User
		return w.showMail(c, http.StatusBadRequest, d, "", message(err))
	}
	if err != nil {
		return fmt.Errorf("save SMTP settings: %w", err)
	}
	w.cfg.Mail.Relay.Kick()
	return c.Redirect(http.StatusSeeOther, "/admin/mail?saved=1")
}

// resetMailSettings is POST /admin/mail/reset: back to the flags.
func (w *Web) resetMailSettings(c *echo.Context) error {
	if err := w.cfg.Store.ClearSMTPSettings(); err != nil {
		return err
	}
	w.cfg.Mail.Relay.Kick()
	return c.Redirect(http.StatusSeeOther, "/admin/mail?saved=reset")
}

// testMail is POST /admin/mail/test: one mail to the address typed, now,
// through the settings in effect. The relay's answer is shown as it is
// (the mailer keeps the password out of it).
func (w *Web) testMail(c *echo.Context) error {
	to := strings.TrimSpace(c.FormValue("to"))
	d, err := w.mailForm()
	if err != nil {
		return err
	}
	d.TestTo = to
	if to == "" {
		return w.showMail(c, http.StatusBadRequest, d, "", "Enter the address to send the test mail to.")
	}
	if !validAddress(to) {
		return w.showMail(c, http.StatusBadRequest, d, "", fmt.Sprintf("%q is not a mail address, as in you@example.com.", to))
	}
	if d.Addr == "" {
		return w.showMail(c, http.StatusConflict, d, "", "No SMTP relay is set: enter the relay's address above and save, then send the test mail.")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), testMailTimeout)
	defer cancel()
	if err := w.cfg.Mail.Relay.Test(ctx, to); err != nil {
		w.cfg.Logger.Warn("test mail failed", "to", to, "err", err)
		return w.showMail(c, http.StatusBadGateway, d, "", "The test mail was not sent: "+err.Error())
	}
	return c.Redirect(http.StatusSeeOther, "/admin/mail?tested="+url.QueryEscape(to))
}

type outboxRow struct {
	store.Message
	Recipient string
	Failed    bool
	Due       bool
}

type outboxData struct {
	Waiting, Sent           []outboxRow
	WaitingCount, SentCount int
	RelaySet                bool
}

func outboxRows(msgs []store.Message, now time.Time) []outboxRow {
	rows := make([]outboxRow, 0, len(msgs))
	for _, m := range msgs {
		r := outboxRow{Message: m, Recipient: m.To, Failed: m.Attempts > 0 && m.LastError != "", Due: !m.NextAttempt.After(now)}
		if m.Kind == store.KindWebhook {
			r.Recipient = m.URL
		}
		rows = append(rows, r)
	}
	return rows
}

// outbox is GET /admin/outbox: what waits (failed attempts marked) and
// what went out lately.
func (w *Web) outbox(c *echo.Context) error {
	o, err := w.cfg.Store.OutboxOverview(outboxShown)
	if err != nil {
		return err
	}
	form, err := w.mailForm()
	if err != nil {
		return err
	}
	now := time.Now()
	d := outboxData{
		Waiting: outboxRows(o.Waiting, now), Sent: outboxRows(o.Sent, now),
		WaitingCount: o.WaitingCount, SentCount: o.SentCount, RelaySet: form.Addr != "",
	}
	flash := ""
	if id := c.QueryParam("retried"); id != "" {
		if _, err := strconv.ParseUint(id, 10, 64); err == nil {
			flash = "Message " + id + " is being tried again now."
		}
	}
	u, ticket, _ := w.currentSession(c)
	return w.render(c, http.StatusOK, "mail_outbox.html", page{
		Title: "Outbox", User: u, CSRF: csrfToken(ticket), Nav: "admin", Flash: flash, D: d,
	})
}

// retryMessage is POST /admin/outbox/:id/retry: the message is due now and
// its sender is woken.
func (w *Web) retryMessage(c *echo.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return pageErrorf(http.StatusBadRequest, fmt.Sprintf("There is no message number %q.", c.Param("id")))
	}
	m, err := w.cfg.Store.RetryNow(id)
	if errors.Is(err, store.ErrNotFound) {
		return pageErrorf(http.StatusNotFound, fmt.Sprintf("Message %d is not waiting: it may have been sent meanwhile.", id))
	}
	if err != nil {
		return err
	}
	switch {
	case m.Kind == store.KindMail:
		w.cfg.Mail.Relay.Kick()
	case m.Kind == store.KindWebhook && w.cfg.Mail.Webhooks != nil:
		w.cfg.Mail.Webhooks.Kick()
	}
	return c.Redirect(http.StatusSeeOther, "/admin/outbox?retried="+strconv.FormatUint(id, 10))
}

// validAddress reports whether s is one plain mail address.
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 320
}
