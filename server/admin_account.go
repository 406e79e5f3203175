package server

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// AccountShowStore is what `tillroll account show` needs of the store.
type AccountShowStore interface {
	Account(username string) (store.Account, error)
	IntakeLocal(username string) string
}

// AccountView is an account as `tillroll account show` prints it: no
// secret, and the local part of its intake address (the command adds the
// mail domain).
type AccountView struct {
	Username    string `json:"username"`
	Email       string `json:"email"`
	WebhookURL  string `json:"webhook_url,omitempty"`
	IntakeLocal string `json:"intake_local"`
}

// ShowAccount is the account's view.
func ShowAccount(st AccountShowStore, username string) (AccountView, error) {
	a, err := st.Account(username)
	if err != nil {
		return AccountView{}, err
	}
	return AccountView{Username: a.Username, Email: a.Email, WebhookURL: a.WebhookURL, IntakeLocal: st.IntakeLocal(a.Username)}, nil
}

// adminAccountShow adds GET /accounts/:username to the admin socket.
func adminAccountShow(e *echo.Echo, st any) {
	ss, ok := st.(AccountShowStore)
	if !ok {
		return
	}
	e.GET("/accounts/:username", func(c *echo.Context) error {
		v, err := ShowAccount(ss, c.Param("username"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	})
}
