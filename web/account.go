package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/ocr"
	"tillroll/store"
)

// The account page is the capture-API half of the signed-in user's
// identity (store.Identity): a web user and their capture account are one
// record with one name, so the credentials made here are the user's own,
// and the documents sent with them belong to the same identity. An
// identity made with `tillroll account create` gets its web sign-in from an
// admin (a password on its admin page) and then sees the same page.
//
// Credentials exist in clear only in the answer to the POST that made them:
// the store keeps hashes (and the secret key sealed, to sign webhooks), no
// GET shows them again, nothing logs them, and every page is sent with
// Cache-Control: no-store.

// accountData is what account.html shows.
type accountData struct {
	Has     bool // the user has working capture credentials
	Revoked bool // the user had credentials and revoked them
	Account store.Account
	Issued  time.Time // when the current credentials were made
	// Creds are new credentials, set only in the answer to the POST that
	// made them; Headers are the same as a client sends them.
	Creds   *store.Credentials
	Headers string
	BaseURL string
	Email   string // the email fields' value
	Webhook string // the webhook field's value
	Lang    string // the OCR languages field's value
	Invalid string // the field an error is about: email, webhook, lang, confirm
	Intake  string // the address scanners mail documents to ("" when the mail server is off)
	// ReceiptsIntake is the user's own address, whose mail becomes the
	// user's receipts ("" when the mail server is off).
	ReceiptsIntake string
}

// registerAccount adds the account page's routes to the signed-in group.
func (w *Web) registerAccount(g *echo.Group, small echo.MiddlewareFunc) {
	g.GET("/account", w.accountPage)
	g.POST("/account/credentials", w.createCredentials, small, sameOrigin, w.csrf)
	g.POST("/account/regenerate", w.regenerateCredentials, small, sameOrigin, w.csrf)
	g.POST("/account/revoke", w.revokeCredentials, small, sameOrigin, w.csrf)
	g.POST("/account/webhook", w.setWebhook, small, sameOrigin, w.csrf)
	g.POST("/account/email", w.setEmail, small, sameOrigin, w.csrf)
	g.POST("/account/lang", w.setLang, small, sameOrigin, w.csrf)
}

// accountView is one answer of the account page: its status, note or
// error, and what the forms hold.
type accountView struct {
	code    int
	flash   string
	err     string
	invalid string
	creds   *store.Credentials
	email   *string // the submitted value, kept after an error
	webhook *string
	lang    *string
}

var accountSaved = map[string]string{
	"email":           "The email address is saved.",
	"webhook":         "The webhook URL is saved.",
	"webhook-removed": "The webhook URL is removed: notifications go by email only.",
	"revoked":         "Your API credentials are revoked: they no longer work. Your documents stay.",
	"lang":            "The OCR languages are saved: your next documents are read in them.",
	"lang-removed":    "The OCR languages are the server's again.",
}

// accountPage is GET /account. It never shows a secret.
func (w *Web) accountPage(c *echo.Context) error {
	return w.showAccount(c, accountView{code: http.StatusOK, flash: accountSaved[c.QueryParam("saved")]})
}

func (w *Web) showAccount(c *echo.Context, v accountView) error {
	u, ticket, _ := w.currentSession(c)
	d := accountData{Creds: v.creds, Invalid: v.invalid, BaseURL: c.Scheme() + "://" + c.Request().Host}
	if w.cfg.UserIntakeAddress != nil {
		d.ReceiptsIntake = w.cfg.UserIntakeAddress(u.Name)
	}
	a, err := w.cfg.Store.Account(u.Name)
	switch {
	case err == nil && a.ClientID == "": // revoked: new ones can be made
		d.Revoked, d.Account, d.Email = true, a, a.Email
	case err == nil:
		d.Has, d.Account, d.Email, d.Webhook, d.Lang = true, a, a.Email, a.WebhookURL, a.Lang
		d.Issued = a.Issued
		if w.cfg.IntakeAddress != nil {
			d.Intake = w.cfg.IntakeAddress(a.Username)
		}
		if d.Issued.IsZero() {
			d.Issued = a.Created
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if v.email != nil {
		d.Email = *v.email
	}
	if v.webhook != nil {
		d.Webhook = *v.webhook
	}
	if v.lang != nil {
		d.Lang = *v.lang
	}
	if v.creds != nil {
		d.Headers = captureHeaders(*v.creds)
	}
	return w.render(c, v.code, "account.html", page{
		Title: "Account", User: u, CSRF: csrfToken(ticket), Nav: "account", Flash: v.flash, Error: v.err, D: d,
	})
}

// captureHeaders are the four headers exactly as a capture-API client
// sends them (server/capture_auth.go reads them).
func captureHeaders(cr store.Credentials) string {
	return "CLIENT-ID: " + cr.ClientID + "\n" +
		"AUTHORIZATION: apikey " + cr.Username + ":" + cr.APIKey + "\n" +
		"PASSWORD: " + cr.Password + "\n" +
		"SECRET-KEY: " + cr.SecretKey
}

const (
	msgNoAccount   = "You have no API credentials yet: create them first."
	msgBadEmail    = "The email address must be a plain address, like office@example.com."
	msgHaveAccount = "You already have API credentials. They were shown once, when they were made; if they are lost, regenerate them."
)

// createCredentials is POST /account/credentials: capture credentials on
// the user's own identity (again after revoking), shown in this answer only.
func (w *Web) createCredentials(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	email := strings.TrimSpace(c.FormValue("email"))
	creds, err := w.cfg.Store.AddCredentials(u.Name, email)
	switch {
	case err == nil:
		return w.showAccount(c, accountView{code: http.StatusCreated, creds: &creds,
			flash: "Your API credentials are made."})
	case errors.Is(err, store.ErrExists):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgHaveAccount})
	case errors.Is(err, store.ErrInvalid):
		return w.showAccount(c, accountView{code: http.StatusBadRequest, err: msgBadEmail, invalid: "email", email: &email})
	}
	return err
}

// regenerateCredentials is POST /account/regenerate: four new credentials,
// shown in this answer only; the old ones stop working at once. The form
// names the client id it replaces, so sending it twice (a reload) does not
// replace the credentials the first answer showed.
func (w *Web) regenerateCredentials(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	a, err := w.cfg.Store.Account(u.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case err != nil:
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return w.showAccount(c, accountView{code: http.StatusBadRequest, invalid: "confirm",
			err: "Tick the box to confirm: the current credentials stop working at once."})
	}
	if !tokenEqual(c.FormValue("client_id"), a.ClientID) {
		return w.showAccount(c, accountView{code: http.StatusConflict,
			err: "These credentials were already regenerated (was the form sent twice?): the new ones were shown once. If you do not have them, regenerate again."})
	}
	creds, err := w.cfg.Store.RegenerateCredentials(u.Name)
	switch { // also revoked in between, by the user in another tab or an admin
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case err != nil:
		return err
	}
	return w.showAccount(c, accountView{code: http.StatusOK, creds: &creds,
		flash: "New API credentials are made: the old ones no longer work."})
}

// revokeCredentials is POST /account/revoke: the credentials stop working
// at once and none replace them; the identity, its documents, email and
// webhook stay, and new credentials can be made later. Like regenerate, the
// form names the client id it revokes.
func (w *Web) revokeCredentials(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	a, err := w.cfg.Store.Account(u.Name)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && a.ClientID == ""):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case err != nil:
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return w.showAccount(c, accountView{code: http.StatusBadRequest, invalid: "revoke-confirm",
			err: "Tick the box to confirm: the credentials stop working at once."})
	}
	if !tokenEqual(c.FormValue("client_id"), a.ClientID) {
		return w.showAccount(c, accountView{code: http.StatusConflict,
			err: "These credentials were already replaced: the page was out of date. Look at it again before revoking."})
	}
	err = w.cfg.Store.RevokeCredentials(u.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case err != nil:
		return err
	}
	w.cfg.Logger.Info("capture credentials revoked", "user", u.Name, "by", u.Name)
	return c.Redirect(http.StatusSeeOther, "/account?saved=revoked")
}

// setWebhook is POST /account/webhook: set the webhook URL (checked as the
// capture API's PUT /api/v4/account/webhook checks it), or remove it with
// the "clear" button or an empty field.
func (w *Web) setWebhook(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	raw := strings.TrimSpace(c.FormValue("webhook_url"))
	if c.FormValue("clear") != "" {
		raw = ""
	}
	err := w.cfg.Store.SetWebhook(u.Name, raw)
	switch {
	case err == nil:
		saved := "webhook"
		if raw == "" {
			saved = "webhook-removed"
		}
		return c.Redirect(http.StatusSeeOther, "/account?saved="+saved)
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case errors.Is(err, store.ErrInvalid):
		return w.showAccount(c, accountView{code: http.StatusBadRequest, err: message(err), invalid: "webhook", webhook: &raw})
	}
	return err
}

// setEmail is POST /account/email: the address notifications go to,
// checked as when the account was made.
func (w *Web) setEmail(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	email := strings.TrimSpace(c.FormValue("email"))
	err := w.cfg.Store.SetEmail(u.Name, email)
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/account?saved=email")
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	case errors.Is(err, store.ErrInvalid):
		return w.showAccount(c, accountView{code: http.StatusBadRequest, err: msgBadEmail, invalid: "email", email: &email})
	}
	return err
}

// setLang is POST /account/lang: the OCR languages the account's documents
// are read in when an upload names none (checked as the capture API's lang
// is: installed Tesseract languages, or auto), or the server's again with
// the "clear" button or an empty field.
func (w *Web) setLang(c *echo.Context) error {
	u, _, _ := w.currentSession(c)
	raw := strings.TrimSpace(c.FormValue("lang"))
	if c.FormValue("clear") != "" {
		raw = ""
	}
	setting := ""
	if raw != "" {
		var err error
		if setting, err = ocr.CheckLanguages(raw); err != nil {
			msg := "OCR languages: " + strings.TrimPrefix(err.Error(), ocr.ErrLanguage.Error()+": ") + "."
			return w.showAccount(c, accountView{code: http.StatusBadRequest, err: msg, invalid: "lang", lang: &raw})
		}
	}
	err := w.cfg.Store.SetLanguage(u.Name, setting)
	switch {
	case err == nil:
		saved := "lang"
		if setting == "" {
			saved = "lang-removed"
		}
		return c.Redirect(http.StatusSeeOther, "/account?saved="+saved)
	case errors.Is(err, store.ErrNotFound):
		return w.showAccount(c, accountView{code: http.StatusConflict, err: msgNoAccount})
	}
	return err
}
