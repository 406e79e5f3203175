package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/ocr/extract"
	"tillroll/store"
)

// classify is POST /classify, multipart field "file" (or "pdf"), or
// ?url=: the document is stored and read like any upload, and the answer
// says what it is. It waits for the reading, as a sync upload does.
func (s *Server) classify(c *echo.Context) error {
	d, done, err := s.readNow(c)
	if err != nil || done == nil {
		return err
	}
	dt := extract.DocTypeOf(done.Data().Raw_Text, done.Data().Document_Type)
	return c.JSON(http.StatusOK, map[string]any{
		"doctype": dt, "Document_Type": capture.DocumentType(dt), "Pages": done.Data().Pages,
		"photon_key": d.Key, "doc_path": d.DocPath(), "message": "success", "status": "success",
	})
}

// splitDocument is one document found in a file by /docsplitter.
type splitDocument struct {
	Pages        []int  `json:"pages"`
	DocType      string `json:"doctype"`
	DocumentType string `json:"Document_Type"`
}

// docSplitter is POST /docsplitter: a file holding several documents, its
// pages grouped into the documents (extract.SplitPages), each with its
// type.
func (s *Server) docSplitter(c *echo.Context) error {
	d, done, err := s.readNow(c)
	if err != nil || done == nil {
		return err
	}
	data := done.Data()
	pages := strings.Split(strings.TrimSuffix(data.Raw_Text, "\n"), "\n\n")
	if len(pages) != data.Pages {
		// A page without any text: the pages cannot be told apart by it.
		pages = []string{data.Raw_Text}
	}
	docs := []splitDocument{}
	for _, group := range extract.SplitPages(pages) {
		var text []string
		for _, p := range group {
			text = append(text, pages[p-1])
		}
		dt := extract.DocTypeOf(strings.Join(text, "\n"), "")
		if len(pages) == 1 && data.Pages > 1 {
			group = nil
			for p := 1; p <= data.Pages; p++ {
				group = append(group, p)
			}
		}
		docs = append(docs, splitDocument{Pages: group, DocType: dt, DocumentType: capture.DocumentType(dt)})
	}
	return c.JSON(http.StatusOK, map[string]any{
		"documents": docs, "Pages": data.Pages, "photon_key": d.Key, "doc_path": d.DocPath(), "message": "success", "status": "success",
	})
}

// readNow receives an upload and waits for it to be read. A document that
// is still being read after the sync timeout answers 202 with its key (and
// done is nil); one that could not be read answers as retrieve does.
func (s *Server) readNow(c *echo.Context) (store.Document, *store.Document, error) {
	d, err := s.receive(c, account(c))
	if err != nil {
		return store.Document{}, nil, err
	}
	s.queue.Kick()
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.SyncTimeout)
	defer cancel()
	done, err := s.queue.Wait(ctx, d.ID)
	if errors.Is(err, context.DeadlineExceeded) {
		return d, nil, c.JSON(http.StatusAccepted, keyResponse{PhotonKey: d.Key, DocPath: d.DocPath(), Message: "still processing: fetch the result later with this photon_key", Status: "success"})
	}
	if err != nil {
		return d, nil, fmt.Errorf("wait for %s: %w", d.Key, err)
	}
	if done.Status == capture.StatusFailed {
		return d, nil, errorf(http.StatusBadRequest, "the document could not be read: "+done.Reason)
	}
	return d, &done, nil
}
