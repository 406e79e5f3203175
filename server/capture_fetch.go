package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/store"
)

// processingMessage is Photon's answer, with HTTP 200 and no data, while
// a document is on its way. Photon's clients poll until it stops.
const processingMessage = "The document you submitted is being processed."

// captureFetch is GET /api/v4/json?photon_key=KEY (and its aliases), as
// Photon answers it: while the document waits or is being read, 200 with
// the processing message and no data; once read, 200 with the data; when
// it could not be read, 400 (which Photon's SDK raises as an invalid
// request) with the reason and the data, whose Status is "failed".
func (s *Server) captureFetch(c *echo.Context) error {
	d, err := s.documentFor(c, c.QueryParam("photon_key"))
	if err != nil {
		return err
	}
	c.Response().Header().Set(StatusHeader, d.Status)
	switch d.Status {
	case capture.StatusPending, capture.StatusProcessing:
		return c.JSON(http.StatusOK, map[string]string{"message": processingMessage, "status": "success"})
	case capture.StatusFailed:
		return c.JSON(http.StatusBadRequest, failedResponse{
			Message: "the document could not be read: " + d.Reason, Status: "error", Data: view(d.Data(), c),
		})
	}
	return c.JSON(http.StatusOK, dataResponse{Data: view(d.Data(), c), Message: "success", Status: "success"})
}

// StatusHeader carries Tillroll's own status of the document (pending,
// processing, completed, failed) on every answer of GET /api/v4/json, so
// the not-ready answer's body stays exactly Photon's.
const StatusHeader = "X-Tillroll-Status"

// failedResponse is the answer for a document that could not be read.
type failedResponse struct {
	Message string         `json:"message"`
	Status  string         `json:"status"`
	Data    capture.Result `json:"data"`
}

// captureWebhookStatus is POST /webhook: the capture API's webhook status
// call. While the document is on its way it says so; once done it gives the
// data.
func (s *Server) captureWebhookStatus(c *echo.Context) error {
	key, err := photonKeyFromBody(c)
	if err != nil {
		return err
	}
	d, err := s.documentFor(c, key)
	if err != nil {
		return err
	}
	if d.Status == capture.StatusPending || d.Status == capture.StatusProcessing {
		return c.JSON(http.StatusOK, map[string]string{"message": processingMessage, "status": "success"})
	}
	return c.JSON(http.StatusOK, dataResponse{Data: view(d.Data(), c)})
}

// photonKeyFromBody reads photon_key from a JSON body, a form, or the query.
func photonKeyFromBody(c *echo.Context) (string, error) {
	if key := c.QueryParam("photon_key"); key != "" {
		return key, nil
	}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		var body struct {
			PhotonKey string `json:"photon_key"`
		}
		if err := c.Bind(&body); err != nil {
			return "", errorf(http.StatusBadRequest, "the body must be JSON like {\"photon_key\": \"...\"}")
		}
		return body.PhotonKey, nil
	}
	return c.FormValue("photon_key"), nil
}

// documentFor finds the calling account's document by photon key. Another
// account's key is answered exactly as a key that does not exist.
func (s *Server) documentFor(c *echo.Context, key string) (store.Document, error) {
	if key == "" {
		return store.Document{}, errorf(http.StatusBadRequest, "photon_key is required")
	}
	d, err := s.store.DocumentByKey(account(c).Username, key)
	if errors.Is(err, store.ErrNotFound) {
		return store.Document{}, errorf(http.StatusNotFound, "no document with that photon_key")
	}
	return d, err
}

// captureSetWebhook is PUT /api/v4/account/webhook {"webhook_url": "..."}:
// the URL every finished document of the account is posted to ("" clears it).
func (s *Server) captureSetWebhook(c *echo.Context) error {
	var body struct {
		WebhookURL string `json:"webhook_url"`
	}
	if err := c.Bind(&body); err != nil {
		return errorf(http.StatusBadRequest, "the body must be JSON like {\"webhook_url\": \"https://...\"}")
	}
	err := s.store.SetWebhook(account(c).Username, strings.TrimSpace(body.WebhookURL))
	if errors.Is(err, store.ErrInvalid) {
		return errorf(http.StatusBadRequest, "webhook_url must be an absolute http or https URL")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "success", "status": "success"})
}

// view is the data as the client asked for it: with the per-field
// confidence only when ?confidence=1.
func view(r capture.Result, c *echo.Context) capture.Result {
	if v := c.QueryParam("confidence"); v == "1" || strings.EqualFold(v, "true") {
		return r
	}
	return r.WithoutConfidence()
}

// healthz answers 200 while the store answers.
func (s *Server) healthz(c *echo.Context) error {
	depth, err := s.store.QueueDepth()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"status": "ok", "queue_depth": depth,
		"second_reader":  map[string]any{"on": s.cfg.SecondReader, "status": s.cfg.SecondReaderStatus},
		"worker_sandbox": map[string]any{"on": s.cfg.WorkerSandbox, "status": s.cfg.WorkerSandboxStatus},
	})
}
