package server

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// TicketHeader carries the identity-service ticket, as the reference names it.
const TicketHeader = "authenticateit_identity_ticket"

const userKey = "tillroll.user"

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresAt string `json:"expires_at"`
}

// login is POST /identity-service/login. Failed attempts are limited per
// user name and per client address; while either is over its limit the
// answer is 429 without the password being checked.
func (a *receiptsAPI) login(c *echo.Context) error {
	var req loginRequest
	if err := c.Bind(&req); err != nil || req.Username == "" || req.Password == "" {
		return errorf(http.StatusBadRequest, "the body must be JSON like {\"username\": \"...\", \"password\": \"...\"}")
	}
	ticket, expires, err := a.logins.Login(req.Username, req.Password, clientIP(c))
	switch {
	case errors.Is(err, ErrTooManyLogins):
		return errorf(http.StatusTooManyRequests, "too many failed logins: try again later")
	case errors.Is(err, store.ErrUnauthorized):
		return errorf(http.StatusUnauthorized, "wrong user name or password")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, loginResponse{Ticket: ticket, ExpiresAt: expires.UTC().Format(time.RFC3339)})
}

// logout is POST /identity-service/logout: the ticket in the header ends.
func (a *receiptsAPI) logout(c *echo.Context) error {
	if err := a.st.Logout(c.Request().Header.Get(TicketHeader)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"result": "ok"})
}

// ticketAuth admits a request with a live ticket, of any role.
func (a *receiptsAPI) ticketAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		t := c.Request().Header.Get(TicketHeader)
		if t == "" {
			return errorf(http.StatusUnauthorized, "missing "+TicketHeader+" header: log in at /identity-service/login")
		}
		u, err := a.st.UserByTicket(t)
		if err != nil {
			return errorf(http.StatusUnauthorized, "the ticket is unknown or expired: log in again")
		}
		c.Set(userKey, u)
		return next(c)
	}
}

// staffOnly admits the staff of the retailer in the path, and admins.
func staffOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		u := currentUser(c)
		if u.Role == store.RoleAdmin || (u.Role == store.RoleStaff && u.RetailerID == c.Param("retailer_id")) {
			return next(c)
		}
		return errorf(http.StatusForbidden, "only this retailer's staff may do this")
	}
}

// adminOnly admits admins.
func adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if currentUser(c).Role != store.RoleAdmin {
			return errorf(http.StatusForbidden, "only an admin may do this")
		}
		return next(c)
	}
}

func currentUser(c *echo.Context) store.User {
	u, _ := c.Get(userKey).(store.User)
	return u
}

func clientIP(c *echo.Context) string {
	host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		return c.Request().RemoteAddr
	}
	return host
}

// loginLimits counts failed logins per key in a sliding window. It is kept
// in memory: a restart forgives, which costs an attacker a restart.
type loginLimits struct {
	now    func() time.Time
	window time.Duration
	max    map[string]int // by key kind ("user", "ip")

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newLoginLimits(now func() time.Time) *loginLimits {
	return &loginLimits{
		now: now, window: 15 * time.Minute,
		max:      map[string]int{"user": 5, "ip": 20},
		failures: map[string][]time.Time{},
	}
}

func (l *loginLimits) recent(key string) []time.Time {
	cut := l.now().Add(-l.window)
	list := l.failures[key]
	i := 0
	for i < len(list) && !list[i].After(cut) {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = list
	}
	return list
}

func (l *loginLimits) allowed(keys ...string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		kind, _, _ := strings.Cut(k, ":")
		if len(l.recent(k)) >= l.max[kind] {
			return false
		}
	}
	return true
}

func (l *loginLimits) failed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		l.failures[k] = append(l.recent(k), l.now())
	}
	if len(l.failures) > 100000 { // bounded memory under a spray of names
		for k := range l.failures {
			l.recent(k)
		}
	}
}

func (l *loginLimits) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
