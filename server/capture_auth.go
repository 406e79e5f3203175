package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

const accountKey = "tillroll.account"

// captureAuth checks the capture API's four credential headers: CLIENT-ID,
// AUTHORIZATION ("apikey <username>:<api_key>"), PASSWORD and SECRET-KEY.
func (s *Server) captureAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Request().Header
		creds, ok := parseAuthorization(h.Get("Authorization"))
		creds.ClientID = h.Get("Client-Id")
		creds.Password = h.Get("Password")
		creds.SecretKey = h.Get("Secret-Key")
		if !ok || creds.ClientID == "" || creds.Password == "" || creds.SecretKey == "" {
			return errorf(http.StatusUnauthorized, "missing credentials: send CLIENT-ID, AUTHORIZATION (apikey <username>:<api_key>), PASSWORD and SECRET-KEY")
		}
		a, err := s.store.Authenticate(creds)
		if err != nil {
			return errorf(http.StatusUnauthorized, "wrong credentials")
		}
		c.Set(accountKey, a)
		return next(c)
	}
}

func parseAuthorization(v string) (store.Credentials, bool) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "apikey") {
		return store.Credentials{}, false
	}
	user, key, ok := strings.Cut(strings.TrimSpace(rest), ":")
	if !ok || user == "" || key == "" {
		return store.Credentials{}, false
	}
	return store.Credentials{Username: user, APIKey: key}, true
}

func account(c *echo.Context) store.Account {
	a, _ := c.Get(accountKey).(store.Account)
	return a
}
