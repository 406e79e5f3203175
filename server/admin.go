package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"tillroll/store"
)

// AdminSocket is the name of the admin socket in the data directory.
const AdminSocket = "admin.sock"

// AdminStore is what the admin socket needs of the store.
type AdminStore interface {
	CreateAccount(username, email string) (store.Credentials, error)
	SetWebhook(username, rawURL string) error
	SetQuota(account string, quota int64) error
	StorageUsage(owner string) (store.Storage, error)
	Backup(w io.Writer) error
}

// AccountRequest is the body of POST /accounts on the admin socket.
type AccountRequest struct {
	Username   string `json:"username"`
	Email      string `json:"email"`
	WebhookURL string `json:"webhook_url,omitempty"`
}

// WebhookRequest is the body of PUT /accounts/:username/webhook.
type WebhookRequest struct {
	WebhookURL string `json:"webhook_url"`
}

// QuotaRequest is the body of PUT /accounts/:username/quota: bytes, or
// store.QuotaDefault or store.QuotaNone.
type QuotaRequest struct {
	Quota int64 `json:"quota"`
}

// ServeAdmin answers the command line's account requests on a Unix socket
// in the data directory while the server holds the database. Whoever can
// open the socket can already read the data directory, so it takes no
// credentials.
func ServeAdmin(ctx context.Context, ln net.Listener, st AdminStore) error {
	e := echo.New()
	e.Use(middleware.Recover(), middleware.BodyLimit(64<<10))
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, store.ErrInvalid):
			code = http.StatusBadRequest
		case errors.Is(err, store.ErrExists):
			code = http.StatusConflict
		case errors.Is(err, store.ErrNotFound):
			code = http.StatusNotFound
		case echo.StatusCode(err) != 0:
			code = echo.StatusCode(err)
		}
		_ = c.JSON(code, errorBody{Message: err.Error(), Status: "error"})
	}
	e.POST("/accounts", func(c *echo.Context) error {
		var req AccountRequest
		if err := c.Bind(&req); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		creds, err := st.CreateAccount(req.Username, req.Email)
		if err != nil {
			return err
		}
		if req.WebhookURL != "" {
			if err := st.SetWebhook(req.Username, req.WebhookURL); err != nil {
				return err
			}
		}
		return c.JSON(http.StatusCreated, creds)
	})
	e.PUT("/accounts/:username/webhook", func(c *echo.Context) error {
		var req WebhookRequest
		if err := c.Bind(&req); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		if err := st.SetWebhook(c.Param("username"), req.WebhookURL); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	e.PUT("/accounts/:username/quota", func(c *echo.Context) error {
		var req QuotaRequest
		if err := c.Bind(&req); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		if err := st.SetQuota(c.Param("username"), req.Quota); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	e.GET("/accounts/:username/usage", func(c *echo.Context) error {
		u, err := st.StorageUsage(c.Param("username"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, u)
	})
	adminReceiptRoutes(e, st)
	adminAccountShow(e, st)
	adminAccountLang(e, st)
	// GET /backup streams a hot backup (see store.Backup). The client reads
	// it through to the end: a backup cut short by an error is refused there.
	e.GET("/backup", func(c *echo.Context) error {
		// A large data directory takes longer than the usual write timeout.
		if err := http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{}); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/gzip")
		c.Response().WriteHeader(http.StatusOK)
		return st.Backup(c.Response())
	})
	hs := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("admin socket: %w", err)
	}
	return nil
}
