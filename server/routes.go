package server

import (
	"log/slog"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// routes lists every route, grouped by who may call it.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.Logger = s.cfg.Logger
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		// The error handler writes the answer first, so the log has the
		// status the client got (not 500 for every error it does not know).
		HandleError: true,
		LogMethod:   true, LogURIPath: true, LogStatus: true, LogLatency: true, LogRequestID: true,
		LogValuesFunc: func(c *echo.Context, v middleware.RequestLoggerValues) error {
			// The path, never the query: it may carry a photon key or a webhook URL.
			s.cfg.Logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency),
				slog.String("request_id", v.RequestID))
			return nil
		},
	}))
	if s.cfg.Metrics != nil {
		e.Use(s.timeUploads)
	}
	// Bodies other than uploads are small.
	small := middleware.BodyLimit(1 << 20)
	// An upload is the file plus its multipart framing.
	upload := middleware.BodyLimit(s.cfg.MaxUpload + 1<<20)

	// An API client on an unknown path gets JSON, never the web app's pages.
	e.Use(apiNotFound)

	// Anyone.
	e.GET("/healthz", s.healthz)
	e.GET("/health", s.health)
	e.GET("/openapi.yaml", s.openAPI)
	e.GET("/openapi.json", s.openAPIJSON)
	e.GET("/docs", s.apiDocs)
	if s.cfg.Register {
		e.POST("/api/v4/register", s.register, small)
	}
	if s.cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.cfg.Metrics.Handler()))
	}

	// Capture API accounts (the four credential headers).
	capture := e.Group("", s.captureAuth)
	capture.POST("/api/v4", s.captureUpload, upload)
	capture.POST("/api/pro", s.capturePro, upload)
	capture.POST("/classify", s.classify, upload)
	capture.POST("/docsplitter", s.docSplitter, upload)
	for _, p := range []string{"/api/v4/json", "/api/v1/json", "/api/v2/scanapis/json"} {
		capture.GET(p, s.captureFetch)
	}
	capture.POST("/webhook", s.captureWebhookStatus, small)
	capture.PUT("/api/v4/account/webhook", s.captureSetWebhook, small)
	capture.GET("/download-file", s.downloadFile)
	capture.DELETE("/delete-file", s.deleteFile)
	capture.GET("/balance", s.balance)
	capture.PUT("/api/v4/update", s.captureUpdate, small)
	capture.POST("/api/v4/update/line-items", s.captureAddLineItem, small)
	capture.POST("/api/v4/line-items", s.captureAddLineItem, small)
	capture.PUT("/api/v4/update/line-items/:id", s.captureUpdateLineItem, small)
	capture.DELETE("/api/v4/update/line-items/:id", s.captureDeleteLineItem, small)

	// The identity and receipts services (receipts_routes.go lists them).
	s.receiptRoutes(e)

	// The web app (its own routes and sessions).
	if s.cfg.Web != nil {
		s.cfg.Web(e)
	}
	return e
}
