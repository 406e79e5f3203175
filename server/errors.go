package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// apiError is an error with the status and message the client sees.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, msg string) error { return &apiError{code: code, msg: msg} }

// errorBody is the capture API's error shape.
type errorBody struct {
	Message string `json:"message"`
	Status  string `json:"status"`
}

// quotaMessage says how far over its storage quota an upload would take
// the account.
func quotaMessage(err error) string {
	var qe *store.QuotaError
	if !errors.As(err, &qe) {
		return "the account's storage quota is used up"
	}
	return fmt.Sprintf("the account's storage quota is used up: its files take %s of its %s, and this one needs %s more",
		megabytes(qe.Used), megabytes(qe.Quota), megabytes(qe.Size))
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// handleError writes every error as {"message", "status": "error"}. A 5xx
// is logged with its cause, which the client never sees.
func (s *Server) handleError(c *echo.Context, err error) {
	if r, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && r.Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var ae *apiError
	var he *echo.HTTPError
	switch sc := echo.StatusCode(err); {
	case errors.As(err, &ae):
		code, msg = ae.code, ae.msg
	case errors.Is(err, store.ErrUnauthorized):
		code, msg = http.StatusUnauthorized, "wrong or missing credentials"
	case errors.Is(err, store.ErrNotFound):
		code, msg = http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrFileTooLarge):
		code, msg = http.StatusRequestEntityTooLarge, "the upload is too large"
	case errors.Is(err, store.ErrQuota):
		code, msg = http.StatusRequestEntityTooLarge, quotaMessage(err)
	case errors.Is(err, store.ErrDiskFull):
		code, msg = http.StatusInsufficientStorage, "the server's disk is almost full: uploads are refused until an administrator frees space"
	case errors.As(err, &he) && he.Message != "":
		code, msg = he.Code, he.Message
	case sc == http.StatusRequestEntityTooLarge:
		code, msg = sc, "the upload is too large"
	case sc != 0:
		code, msg = sc, http.StatusText(sc)
	}
	if code >= 500 {
		s.cfg.Logger.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
	}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(code)
	} else {
		err = c.JSON(code, errorBody{Message: msg, Status: "error"})
	}
	if err != nil {
		s.cfg.Logger.Warn("write error response", "err", err)
	}
}
