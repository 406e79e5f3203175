package server

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/docs"
	"tillroll/ocr"
	"tillroll/store"
)

// The rest of Photon's surface: the original file, its deletion, the
// balance, the health check, registration, and JSON 404s for API clients.

// openAPI is GET /openapi.yaml: the capture API described in OpenAPI 3.
func (s *Server) openAPI(c *echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", docs.OpenAPI)
}

// health is GET /health: JSON, no credentials needed.
func (s *Server) health(c *echo.Context) error {
	depth, err := s.store.QueueDepth()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"message": "healthy", "status": "success", "queue_depth": depth})
}

// docByPath finds the calling account's document by doc_path; another
// account's is answered as one that does not exist.
func (s *Server) docByPath(c *echo.Context) (store.Document, error) {
	p := c.QueryParam("doc_path")
	if p == "" {
		return store.Document{}, errorf(http.StatusBadRequest, "doc_path is required")
	}
	d, err := s.store.DocumentByDocPath(account(c).Username, p)
	if errors.Is(err, store.ErrNotFound) {
		return store.Document{}, errorf(http.StatusNotFound, "no document with that doc_path")
	}
	return d, err
}

// downloadFile is GET /download-file?doc_path=: the original bytes.
func (s *Server) downloadFile(c *echo.Context) error {
	d, err := s.docByPath(c)
	if err != nil {
		return err
	}
	p, err := s.store.FilePath(d.Path)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("open original of %s: %w", d.Key, err)
	}
	defer f.Close()
	name := d.DocPath()[strings.LastIndexByte(d.DocPath(), '/')+1:]
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(echo.HeaderContentLength, strconv.FormatInt(d.Size, 10))
	return c.Stream(http.StatusOK, ocr.Kind(d.Kind).MIME(), f)
}

// deleteFile is DELETE /delete-file?doc_path=: the document and its
// original are removed; its photon key and doc_path are unknown after.
func (s *Server) deleteFile(c *echo.Context) error {
	d, err := s.docByPath(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDocument(d.Account, d.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errorf(http.StatusNotFound, "no document with that doc_path")
		}
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "success", "status": "success"})
}

// balance is GET /balance[?year=&month=&subaccount=True]: the documents
// and pages the account used in a month (this month by default), in all
// and, with subaccount, per sub-account.
func (s *Server) balance(c *echo.Context) error {
	now := s.cfg.Now().UTC()
	year, month := now.Year(), int(now.Month())
	var err error
	if v := c.QueryParam("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 2000 || year > 9999 {
			return errorf(http.StatusBadRequest, "year must be a year like 2026")
		}
	}
	if v := c.QueryParam("month"); v != "" {
		if month, err = strconv.Atoi(v); err != nil || month < 1 || month > 12 {
			return errorf(http.StatusBadRequest, "month must be 1-12")
		}
	}
	b, err := s.store.Balance(account(c).Username, year, time.Month(month))
	if err != nil {
		return err
	}
	if v := c.QueryParam("subaccount"); !strings.EqualFold(v, "true") && v != "1" {
		b.Subaccounts = nil
	}
	return c.JSON(http.StatusOK, map[string]any{"data": b, "message": "success", "status": "success"})
}

// register is POST /api/v4/register {"username": "you@example.com",
// "email": ...}: a new capture account, its credentials shown once. Only
// served when an admin opened it (--open-registration).
func (s *Server) register(c *echo.Context) error {
	var body struct {
		Username string `json:"username"`
		Email    string `json:"email"`
	}
	if err := c.Bind(&body); err != nil {
		return errorf(http.StatusBadRequest, `the body must be JSON like {"username": "you@example.com"}`)
	}
	email := strings.TrimSpace(body.Email)
	if email == "" && strings.Contains(body.Username, "@") {
		email = body.Username
	}
	creds, err := s.store.CreateAccount(strings.TrimSpace(body.Username), email)
	switch {
	case errors.Is(err, store.ErrExists):
		return errorf(http.StatusBadRequest, "that username is taken")
	case errors.Is(err, store.ErrInvalid):
		return errorf(http.StatusBadRequest, strings.TrimPrefix(err.Error(), store.ErrInvalid.Error()+": "))
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": creds, "message": "success", "status": "success"})
}

// apiNotFound answers an API client's request for a path no route serves
// with a JSON 404 in the capture API's error shape, before the web app's
// routes can send it to the sign-in page. An API client is one that sends
// capture credentials, or asks for JSON and not HTML.
func apiNotFound(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if c.RouteInfo().Method != echo.RouteNotFound || !apiClient(c.Request()) {
			return next(c)
		}
		return errorf(http.StatusNotFound, "no such API call: "+c.Request().Method+" "+clip(c.Request().URL.Path))
	}
}

func apiClient(r *http.Request) bool {
	h := r.Header
	if h.Get("Client-Id") != "" || h.Get("Secret-Key") != "" || strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("Authorization"))), "apikey") {
		return true
	}
	accept := strings.ToLower(h.Get("Accept"))
	return strings.Contains(accept, "json") && !strings.Contains(accept, "html")
}
