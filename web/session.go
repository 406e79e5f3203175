package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/server"
	"tillroll/store"
)

const (
	// sessionCookie holds the receipts-service ticket.
	sessionCookie = "tillroll_session"
	// signinCookie holds the sign-in form's CSRF token, before any session.
	signinCookie = "tillroll_signin"
	csrfField    = "csrf"
	csrfHeader   = "X-CSRF-Token"
	userKey      = "web.user"
	ticketKey    = "web.ticket"
)

// csrfToken is the session's CSRF token: an HMAC of a fixed label under
// the ticket. Only who holds the ticket (an HttpOnly cookie) can make it,
// and it ends with the session.
func csrfToken(ticket string) string {
	m := hmac.New(sha256.New, []byte(ticket))
	m.Write([]byte("tillroll web csrf v1"))
	return hex.EncodeToString(m.Sum(nil))
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// currentSession is the signed-in user, from the session cookie.
func (w *Web) currentSession(c *echo.Context) (store.User, string, bool) {
	if u, ok := c.Get(userKey).(store.User); ok {
		t, _ := c.Get(ticketKey).(string)
		return u, t, true
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return store.User{}, "", false
	}
	u, err := w.cfg.Store.UserByTicket(ck.Value)
	if err != nil {
		return store.User{}, "", false
	}
	c.Set(userKey, u)
	c.Set(ticketKey, ck.Value)
	return u, ck.Value, true
}

// session admits signed-in users; others are sent to the sign-in page and
// come back where they were going.
func (w *Web) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if _, _, ok := w.currentSession(c); ok {
			return next(c)
		}
		if c.Request().Method != http.MethodGet {
			return pageErrorf(http.StatusUnauthorized, "Your session has ended: sign in again.")
		}
		return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape(c.Request().URL.RequestURI()))
	}
}

// requireRole admits only signed-in users with one of the roles; others
// get 403. It runs after session, so the user is known.
func (w *Web) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			u, _, _ := w.currentSession(c)
			for _, r := range roles {
				if u.Role == r {
					return next(c)
				}
			}
			return pageErrorf(http.StatusForbidden, "This page is not for your account.")
		}
	}
}

// csrf checks the session's token on a form POST (field "csrf", or the
// X-CSRF-Token header from the app's script).
func (w *Web) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		_, ticket, _ := w.currentSession(c)
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = c.FormValue(csrfField)
		}
		if !tokenEqual(got, csrfToken(ticket)) {
			return pageErrorf(http.StatusForbidden, "This form has expired: go back, reload the page and try again.")
		}
		return next(c)
	}
}

// sameOrigin refuses a POST whose Origin header names another site. Older
// browsers send none; the CSRF token covers them.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if o := c.Request().Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || !strings.EqualFold(u.Host, c.Request().Host) {
				return pageErrorf(http.StatusForbidden, "This form was sent from another site.")
			}
		}
		return next(c)
	}
}

// formToken is the CSRF token of a form shown before anyone is signed in:
// the one in the form's cookie, or a new one set in it for an hour.
func formToken(c *echo.Context, cookie, path string) (string, error) {
	if ck, err := c.Cookie(cookie); err == nil && len(ck.Value) == 64 {
		return ck.Value, nil
	}
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	c.SetCookie(&http.Cookie{
		Name: cookie, Value: token, Path: path, HttpOnly: true,
		Secure: c.IsTLS(), SameSite: http.SameSiteStrictMode, MaxAge: 3600,
	})
	return token, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

type signinData struct {
	Next     string
	Username string
}

// signinForm is GET /signin. Before a session exists, the form's CSRF token
// is a random value also kept in a cookie (double submit).
func (w *Web) signinForm(c *echo.Context) error {
	if _, _, ok := w.currentSession(c); ok {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return w.showSignin(c, http.StatusOK, "", signinData{Next: safeNext(c.QueryParam("next"))})
}

func (w *Web) showSignin(c *echo.Context, code int, msg string, d signinData) error {
	token, err := formToken(c, signinCookie, "/signin")
	if err != nil {
		return err
	}
	if d.Next == "/receipts" {
		d.Next = ""
	}
	return w.render(c, code, "signin.html", page{Title: "Sign in", CSRF: token, Error: msg, D: d})
}

// signin is POST /signin: the same users, password check, failure limits
// and tickets as POST /identity-service/login.
func (w *Web) signin(c *echo.Context) error {
	d := signinData{Next: safeNext(c.FormValue("next")), Username: strings.TrimSpace(c.FormValue("username"))}
	ck, err := c.Cookie(signinCookie)
	if err != nil || !tokenEqual(c.FormValue(csrfField), ck.Value) {
		return w.showSignin(c, http.StatusForbidden, "The sign-in form had expired: please try again.", d)
	}
	password := c.FormValue("password")
	if d.Username == "" || password == "" {
		return w.showSignin(c, http.StatusBadRequest, "Enter your user name and password.", d)
	}
	ticket, expires, err := w.cfg.Logins.Login(d.Username, password, clientIP(c))
	switch {
	case errors.Is(err, store.ErrUnauthorized):
		return w.showSignin(c, http.StatusUnauthorized, "Wrong user name or password.", d)
	case errors.Is(err, server.ErrTooManyLogins):
		return w.showSignin(c, http.StatusTooManyRequests, "Too many failed sign-ins: wait a few minutes and try again.", d)
	case err != nil:
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: sessionCookie, Value: ticket, Path: "/", HttpOnly: true,
		Secure: c.IsTLS(), SameSite: http.SameSiteLaxMode, Expires: expires,
	})
	c.SetCookie(&http.Cookie{Name: signinCookie, Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: c.IsTLS(), SameSite: http.SameSiteStrictMode})
	return c.Redirect(http.StatusSeeOther, d.Next)
}

// signout is POST /signout: the ticket ends, the cookie goes.
func (w *Web) signout(c *echo.Context) error {
	_, ticket, _ := w.currentSession(c)
	if err := w.cfg.Store.Logout(ticket); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.IsTLS(), SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/signin?signedout=1")
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/receipts"
	}
	return next
}

func clientIP(c *echo.Context) string {
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}
