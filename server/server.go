// Package server is Tillroll's HTTP side: echo routes, handlers and
// middleware for the capture API (and, later, the receipts service), plus
// the http.Server that runs them. It maps the store's and the pipeline's
// errors to status codes; nothing below it knows about HTTP.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/ocr"
	"tillroll/store"
)

// Store is what the handlers need of the store.
type Store interface {
	Authenticate(c store.Credentials) (store.Account, error)
	SaveUpload(r io.Reader, max int64) (store.StoredFile, ocr.Kind, error)
	RemoveFile(rel string) error
	CreateDocument(in store.NewDocument) (store.Document, error)
	DocumentByKey(account, key string) (store.Document, error)
	SetWebhook(username, rawURL string) error
	QueueDepth() (int, error)
	// Photon's other calls (photon.go).
	FilePath(rel string) (string, error)
	DocumentByDocPath(account, docPath string) (store.Document, error)
	DeleteDocument(account string, id uint64) error
	Balance(account string, year int, month time.Month) (store.Balance, error)
	CreateAccount(username, email string) (store.Credentials, error)
	CorrectDocument(account, key string, correct func(r *capture.Result, read capture.Result) error) (store.Document, error)
}

// Queue is what the handlers need of the OCR pool.
type Queue interface {
	Kick()
	Wait(ctx context.Context, id uint64) (store.Document, error)
}

// Config is the server's configuration.
type Config struct {
	// MaxUpload is the largest accepted file, in bytes.
	MaxUpload int64
	// SyncTimeout bounds how long POST /api/v4 (sync) waits for a result.
	SyncTimeout time.Duration
	Logger      *slog.Logger
	// Metrics serves GET /metrics and times uploads; nil serves no /metrics.
	Metrics Metrics
	// Web registers the web app's routes (package web); nil for none.
	Web func(e *echo.Echo)
	// Receipts turns on the identity and receipts services; nil for none.
	Receipts *ReceiptsConfig
	// FetchHosts are the hosts a submit's url may name; none fetches no URL.
	FetchHosts []string
	// Register opens POST /api/v4/register: anyone who can reach the box
	// can make a capture account (a sandbox-style box). Off by default.
	Register bool
	// Now is the clock (the month of GET /balance); time.Now when nil.
	Now func() time.Time
	// SecondReader says whether the second recognizer reads with
	// Tesseract, and its state in words, for GET /healthz.
	SecondReader       bool
	SecondReaderStatus string
	// WorkerSandbox says whether the OCR worker processes can write only
	// their scratch space, and why not, for GET /healthz.
	WorkerSandbox       bool
	WorkerSandboxStatus string
}

// Server holds the HTTP handlers.
type Server struct {
	store Store
	queue Queue
	cfg   Config
	echo  *echo.Echo
}

// New builds the server and its routes.
func New(st Store, q Queue, cfg Config) *Server {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 25 << 20
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, queue: q, cfg: cfg}
	s.echo = s.routes()
	return s
}

// Handler is the server as an http.Handler (for httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve answers on ln until ctx ends, then shuts down gracefully, letting
// requests in flight finish for up to 30 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute, // a 25 MB upload on a slow shop line
		WriteTimeout:      s.cfg.SyncTimeout + time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}
