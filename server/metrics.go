package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// Metrics is what GET /metrics serves (Prometheus's text format, made by
// client_golang in package main) and what the server records in it.
type Metrics interface {
	Handler() http.Handler
	// ObserveUpload records how long an upload took to be answered with
	// its key, by route.
	ObserveUpload(route string, d time.Duration)
}

// uploadRoutes are the routes timed as uploads: each answers once the file
// and its job are committed. A sync capture upload, which waits for OCR,
// is left out: its time is the reading's, counted by the OCR histograms.
var uploadRoutes = map[string]bool{
	"/api/v4":                              true,
	"/receipts-service/user/receipt/image": true,
	"/upload":                              true, // the web app's
}

// timeUploads records the latency of successful uploads.
func (s *Server) timeUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		err := next(c)
		r := c.Request()
		if r.Method != http.MethodPost || !uploadRoutes[c.Path()] || err != nil {
			return err
		}
		if c.Path() == "/api/v4" && r.URL.Query().Get("type") != "async" {
			return err
		}
		if status := responseStatus(c); status < 300 {
			s.cfg.Metrics.ObserveUpload(c.Path(), time.Since(start))
		}
		return err
	}
}

func responseStatus(c *echo.Context) int {
	if r, err := echo.UnwrapResponse(c.Response()); err == nil {
		return r.Status
	}
	return 0
}
