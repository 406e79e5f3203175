// Package web is Tillroll's web app: server-rendered pages and the embedded
// static files of package assets.
package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/assets"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.ParseFS(templateFiles, "templates/*.html"))

// Config is what the pages show.
type Config struct {
	DataDir string
	Version string
	// QueueDepth counts documents waiting to be read; nil shows none.
	QueueDepth func() (int, error)
}

// Web serves the pages.
type Web struct{ cfg Config }

// New makes the web app.
func New(cfg Config) *Web { return &Web{cfg: cfg} }

// Register adds the web app's routes.
func (w *Web) Register(e *echo.Echo) {
	e.GET("/", w.home, securityHeaders)
	e.StaticFS("/assets", assets.Static())
}

func (w *Web) home(c *echo.Context) error {
	depth := 0
	if w.cfg.QueueDepth != nil {
		n, err := w.cfg.QueueDepth()
		if err != nil {
			return err
		}
		depth = n
	}
	data := map[string]any{
		"Version": w.cfg.Version,
		"DataDir": w.cfg.DataDir,
		"Queue":   depth,
		"BaseURL": c.Scheme() + "://" + c.Request().Host,
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(http.StatusOK)
	return templates.ExecuteTemplate(c.Response(), "home.html", data)
}

// securityHeaders sets a strict Content-Security-Policy: the pages load
// nothing from outside the box.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}
