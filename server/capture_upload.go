package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/ocr"
	"tillroll/store"
)

// uploadField is the multipart field that holds the document, as the
// capture API names it (it takes images too, not only PDFs).
const uploadField = "pdf"

type keyResponse struct {
	PhotonKey string `json:"photon_key"`
	DocPath   string `json:"doc_path"`
	Message   string `json:"message"`
	Status    string `json:"status"`
}

type dataResponse struct {
	Data    capture.Result `json:"data"`
	Message string         `json:"message,omitempty"`
	Status  string         `json:"status,omitempty"`
}

// capturePro is POST /api/pro, Photon's submit: always asynchronous.
func (s *Server) capturePro(c *echo.Context) error {
	d, err := s.receive(c, account(c))
	if err != nil {
		return err
	}
	s.queue.Kick()
	return c.JSON(http.StatusOK, keyResponse{PhotonKey: d.Key, DocPath: d.DocPath(), Message: "success", Status: "success"})
}

// captureUpload is POST /api/v4: ?type=async answers with the photon key as
// soon as the file and its job are committed; no type (or type=sync) waits
// for the result.
func (s *Server) captureUpload(c *echo.Context) error {
	mode := strings.ToLower(c.QueryParam("type"))
	if mode != "" && mode != "sync" && mode != "async" {
		return errorf(http.StatusBadRequest, "type must be sync or async")
	}
	a := account(c)
	d, err := s.receive(c, a)
	if err != nil {
		return err
	}
	s.queue.Kick()
	if mode == "async" {
		return c.JSON(http.StatusOK, keyResponse{PhotonKey: d.Key, DocPath: d.DocPath(), Message: "success", Status: "success"})
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.SyncTimeout)
	defer cancel()
	done, err := s.queue.Wait(ctx, d.ID)
	if errors.Is(err, context.DeadlineExceeded) {
		return c.JSON(http.StatusAccepted, keyResponse{PhotonKey: d.Key, DocPath: d.DocPath(), Message: "still processing: fetch the result later with this photon_key", Status: "success"})
	}
	if err != nil {
		return fmt.Errorf("wait for %s: %w", d.Key, err)
	}
	return c.JSON(http.StatusOK, dataResponse{Data: view(done.Data(), c), Message: "success", Status: "success"})
}

// receive streams the multipart body: the document goes straight to a file
// in the data directory (never to a temporary file elsewhere, never whole
// into memory), then its record and job are committed together. Instead
// of a file, the parameter url names one to fetch (capture_url.go). The
// submit parameters (capture_params.go) come in the query or as form
// fields.
func (s *Server) receive(c *echo.Context, a store.Account) (store.Document, error) {
	params := queryParams(c)
	mr, err := c.Request().MultipartReader()
	if err != nil && params["url"] == "" {
		return store.Document{}, errorf(http.StatusBadRequest, "send the document as multipart/form-data in the field \"pdf\", or its address in the parameter url")
	}
	var (
		file     store.StoredFile
		kind     ocr.Kind
		fileName string
		saved    bool
	)
	cleanup := func() {
		if saved {
			if err := s.store.RemoveFile(file.Path); err != nil {
				s.cfg.Logger.Warn("remove unused upload", "err", err)
			}
		}
	}
	for mr != nil {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			cleanup()
			return store.Document{}, uploadReadError(err)
		}
		switch name := part.FormName(); {
		case (name == uploadField || name == "file") && !saved: // "file" as /classify and /docsplitter name it
			fileName = part.FileName()
			file, kind, err = s.save(part)
			if err != nil {
				return store.Document{}, asPhoton(err)
			}
			saved = true
		case isSubmitField(name):
			v, err := io.ReadAll(io.LimitReader(part, 4096))
			if err != nil {
				cleanup()
				return store.Document{}, uploadReadError(err)
			}
			params[name] = strings.TrimSpace(string(v))
		default:
			// Other fields are ignored, but read so the next part can start.
			if _, err := io.Copy(io.Discard, part); err != nil {
				cleanup()
				return store.Document{}, uploadReadError(err)
			}
		}
	}
	if saved && params["url"] != "" {
		cleanup()
		return store.Document{}, errorf(http.StatusBadRequest, "send either a file in the field \"pdf\" or a url, not both")
	}
	sub, err := params.submission()
	if err != nil {
		cleanup()
		return store.Document{}, err
	}
	if sub.Lang == "" {
		sub.Lang = a.Lang // the account's choice, when the upload makes none
	}
	if !saved && params["url"] != "" {
		file, kind, fileName, err = s.fetchURL(c.Request().Context(), params["url"])
		if err != nil {
			return store.Document{}, err
		}
		saved, sub.SourceURL = true, params["url"]
	}
	if !saved {
		return store.Document{}, errorf(http.StatusBadRequest, "no file: send the document in the multipart field \"pdf\"")
	}
	if sub.PageStart > 0 || sub.PageEnd > 0 {
		if err := s.checkPageRange(file, sub); err != nil {
			cleanup()
			return store.Document{}, err
		}
	}
	webhookURL := params["webhook_url"]
	if webhookURL != "" {
		if err := store.ValidateWebhookURL(webhookURL); err != nil {
			cleanup()
			return store.Document{}, errorf(http.StatusBadRequest, "webhook_url must be an absolute http or https URL")
		}
	}
	d, err := s.store.CreateDocument(store.NewDocument{
		Account: a.Username, FileName: fileName, File: file, Kind: string(kind), WebhookURL: webhookURL,
		Submission: sub,
	})
	if err != nil {
		cleanup()
		return store.Document{}, fmt.Errorf("record upload: %w", err)
	}
	return d, nil
}

// asPhoton is an upload error as Photon answers it: a file of a type it
// does not read is a 400 there (which its SDK raises as an invalid
// request), not a 415.
func asPhoton(err error) error {
	var ae *apiError
	if errors.As(err, &ae) && ae.code == http.StatusUnsupportedMediaType {
		return errorf(http.StatusBadRequest, ae.msg)
	}
	return err
}

// checkPageRange holds page_start and page_end to the stored file's pages.
func (s *Server) checkPageRange(file store.StoredFile, sub store.Submission) error {
	p, err := s.store.FilePath(file.Path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("read upload: %w", err)
	}
	n, err := ocr.PageCount(data)
	if err != nil {
		return errorf(http.StatusBadRequest, "page_start or page_end given, but the file's pages cannot be counted: it is damaged")
	}
	return checkPages(sub, n)
}

// save checks the type by the file's first bytes, then streams it to disk.
func (s *Server) save(part io.Reader) (store.StoredFile, ocr.Kind, error) {
	file, kind, err := s.store.SaveUpload(part, s.cfg.MaxUpload)
	switch {
	case errors.Is(err, ocr.ErrEmpty):
		return store.StoredFile{}, "", errorf(http.StatusBadRequest, "the file is empty")
	case errors.Is(err, ocr.ErrUnsupported):
		return store.StoredFile{}, "", errorf(http.StatusUnsupportedMediaType, "unsupported file type: send a PDF, a JPEG, PNG, TIFF, WebP, GIF, BMP, HEIC or AVIF image, or an e-invoice XML")
	case errors.Is(err, store.ErrFileTooLarge):
		return store.StoredFile{}, "", errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d MB", s.cfg.MaxUpload>>20))
	case err != nil:
		return store.StoredFile{}, "", uploadReadError(err)
	}
	return file, kind, nil
}

// uploadReadError maps a failure to read the request body: over the body
// limit is 413, a broken body 400.
func uploadReadError(err error) error {
	if echo.StatusCode(err) == http.StatusRequestEntityTooLarge || errors.Is(err, store.ErrFileTooLarge) {
		return errorf(http.StatusRequestEntityTooLarge, "the upload is too large")
	}
	var me *http.MaxBytesError
	if errors.As(err, &me) {
		return errorf(http.StatusRequestEntityTooLarge, "the upload is too large")
	}
	var pe textproto.ProtocolError // a part header Go cannot read (a NUL in a file name, say)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &pe) || strings.Contains(err.Error(), "multipart") {
		return errorf(http.StatusBadRequest, "the multipart body is malformed or incomplete")
	}
	return fmt.Errorf("read upload: %w", err)
}
