package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/ocr"
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
	Lang        string `json:"lang,omitempty"`
	IntakeLocal string `json:"intake_local"`
}

// ShowAccount is the account's view.
func ShowAccount(st AccountShowStore, username string) (AccountView, error) {
	a, err := st.Account(username)
	if err != nil {
		return AccountView{}, err
	}
	return AccountView{Username: a.Username, Email: a.Email, WebhookURL: a.WebhookURL, Lang: a.Lang, IntakeLocal: st.IntakeLocal(a.Username)}, nil
}

// AccountLangStore is what `tillroll account lang` needs of the store.
type AccountLangStore interface {
	SetLanguage(username, setting string) error
}

// LangRequest is the body of PUT /accounts/:username/lang: an OCR
// language setting (ocr.CheckLanguages), or "" for the server's.
type LangRequest struct {
	Lang string `json:"lang"`
}

// adminAccountLang adds PUT /accounts/:username/lang to the admin socket.
func adminAccountLang(e *echo.Echo, st any) {
	ls, ok := st.(AccountLangStore)
	if !ok {
		return
	}
	e.PUT("/accounts/:username/lang", func(c *echo.Context) error {
		var req LangRequest
		if err := c.Bind(&req); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		setting := req.Lang
		if setting != "" {
			var err error
			if setting, err = ocr.CheckLanguages(setting); err != nil {
				return fmt.Errorf("%w: %w", store.ErrInvalid, err)
			}
		}
		if err := ls.SetLanguage(c.Param("username"), setting); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
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
