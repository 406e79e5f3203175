package web

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// First run: on a box with no user, the first visitor makes the first
// admin at /setup, with the one-time code that `tillroll serve` printed in
// its log at start (Config.SetupCode). Only someone who can read the box's
// log can claim it; once any user exists, by this page or by `tillroll
// user create`, /setup is closed for good.

const (
	// setupCookie holds the setup form's CSRF token, before any session.
	setupCookie = "tillroll_setup"
	// maxSetupFailures wrong codes close /setup until the next start,
	// which prints a new code.
	maxSetupFailures = 10
	setupAlphabet    = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
)

// NewSetupCode is a one-time code of 15 letters and digits (about 74
// bits), written in groups of five.
func NewSetupCode() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, v := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(setupAlphabet[int(v)%len(setupAlphabet)])
	}
	return sb.String(), nil
}

// setupState is what /setup remembers between requests.
type setupState struct {
	mu       sync.Mutex
	failures int
	closed   bool // a user exists: never open again
}

type setupData struct {
	Username string
}

// setupOpen tells whether the box still waits for its first admin.
func (w *Web) setupOpen() (bool, error) {
	if w.cfg.SetupCode == "" || w.cfg.Store == nil {
		return false, nil
	}
	w.setup.mu.Lock()
	defer w.setup.mu.Unlock()
	if w.setup.closed {
		return false, nil
	}
	has, err := w.cfg.Store.HasUsers()
	if err != nil {
		return false, err
	}
	w.setup.closed = has
	return !has, nil
}

func (w *Web) setupForm(c *echo.Context) error {
	open, err := w.setupOpen()
	if err != nil {
		return err
	}
	if !open {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	return w.showSetup(c, http.StatusOK, "", setupData{})
}

func (w *Web) showSetup(c *echo.Context, code int, msg string, d setupData) error {
	token, err := formToken(c, setupCookie, "/setup")
	if err != nil {
		return err
	}
	return w.render(c, code, "setup.html", page{Title: "Set up Tillroll", CSRF: token, Error: msg, D: d})
}

// setupSubmit is POST /setup: the code, then the first admin, signed in.
func (w *Web) setupSubmit(c *echo.Context) error {
	d := setupData{Username: strings.TrimSpace(c.FormValue("username"))}
	ck, err := c.Cookie(setupCookie)
	if err != nil || !tokenEqual(c.FormValue(csrfField), ck.Value) {
		return w.showSetup(c, http.StatusForbidden, "The form had expired: please try again.", d)
	}
	open, err := w.setupOpen()
	if err != nil {
		return err
	}
	if !open {
		return c.Redirect(http.StatusSeeOther, "/signin")
	}
	if !w.checkSetupCode(c.FormValue("code")) {
		w.cfg.Logger.Warn("wrong setup code", "addr", clientIP(c))
		return w.showSetup(c, http.StatusForbidden, "Wrong setup code, or too many wrong ones: the code is in the log of tillroll serve (journalctl -u tillroll); a restart prints a new one.", d)
	}
	password := c.FormValue("password")
	if password != c.FormValue("password2") {
		return w.showSetup(c, http.StatusBadRequest, "The two passwords differ.", d)
	}
	u, err := w.cfg.Store.CreateFirstAdmin(d.Username, password)
	switch {
	case errors.Is(err, store.ErrInvalid):
		return w.showSetup(c, http.StatusBadRequest, capitalize(err.Error()), d)
	case errors.Is(err, store.ErrExists): // someone was quicker
		return c.Redirect(http.StatusSeeOther, "/signin")
	case err != nil:
		return err
	}
	w.setup.mu.Lock()
	w.setup.closed = true
	w.setup.mu.Unlock()
	w.cfg.Logger.Info("first admin created on /setup", "user", u.Name, "addr", clientIP(c))
	ticket, expires, err := w.cfg.Logins.Login(u.Name, password, clientIP(c))
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: ticket, Path: "/", HttpOnly: true,
		Secure: c.IsTLS(), SameSite: http.SameSiteLaxMode, Expires: expires,
	})
	c.SetCookie(&http.Cookie{Name: setupCookie, Path: "/setup", MaxAge: -1, HttpOnly: true, Secure: c.IsTLS(), SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, "/admin")
}

// checkSetupCode compares in constant time, ignoring case, spaces and
// dashes; after maxSetupFailures wrong codes none is right.
func (w *Web) checkSetupCode(got string) bool {
	norm := func(s string) []byte {
		return []byte(strings.Map(func(r rune) rune {
			if r == '-' || r == ' ' {
				return -1
			}
			return r
		}, strings.ToLower(strings.TrimSpace(s))))
	}
	ok := subtle.ConstantTimeCompare(norm(got), norm(w.cfg.SetupCode)) == 1
	w.setup.mu.Lock()
	defer w.setup.mu.Unlock()
	if w.setup.failures >= maxSetupFailures {
		return false
	}
	if !ok {
		w.setup.failures++
	}
	return ok
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
