package server

import (
	"errors"
	"strings"
	"time"

	"tillroll/store"
)

// ErrTooManyLogins is Logins.Login's answer while a user name or a client
// address is over its limit of failed logins; the password is not checked.
var ErrTooManyLogins = errors.New("too many failed logins")

// LoginStore is what Logins needs of the store.
type LoginStore interface {
	Login(name, password string, ttl time.Duration) (string, time.Time, error)
}

// Logins checks user names and passwords for POST /identity-service/login
// and the web app's sign-in form, with one set of failure limits: 5 per
// user name and 20 per client address in 15 minutes.
type Logins struct {
	st     LoginStore
	ttl    time.Duration
	limits *loginLimits
}

// NewLogins makes the login checker; tickets live ttl (default 24 hours).
func NewLogins(st LoginStore, ttl time.Duration, now func() time.Time) *Logins {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	return &Logins{st: st, ttl: ttl, limits: newLoginLimits(now)}
}

// Login issues a ticket for a right name and password, from the client
// address addr. A wrong one is store.ErrUnauthorized; too many wrong ones
// lately are ErrTooManyLogins.
func (l *Logins) Login(name, password, addr string) (string, time.Time, error) {
	keys := []string{"user:" + strings.ToLower(name), "ip:" + addr}
	if !l.limits.allowed(keys...) {
		return "", time.Time{}, ErrTooManyLogins
	}
	ticket, expires, err := l.st.Login(name, password, l.ttl)
	if err != nil {
		if errors.Is(err, store.ErrUnauthorized) {
			l.limits.failed(keys...)
		}
		return "", time.Time{}, err
	}
	l.limits.reset(keys[0])
	return ticket, expires, nil
}
