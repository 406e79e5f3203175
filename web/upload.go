package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/ocr"
	"tillroll/store"
)

const (
	// filesField is the upload form's file field (several files).
	filesField = "files"
	// maxFilesPerUpload bounds one POST; the page's script sends one file a request.
	maxFilesPerUpload = 10
	// webStoreID and webLocation stand for the receipts service's app
	// fields, which a browser upload has none of.
	webStoreID  = "web"
	webLocation = "Web upload"
)

type uploadRow struct {
	Name    string
	Receipt *receiptJSON
	Error   string
}

type uploadData struct {
	Rows    []uploadRow
	Waiting bool // some receipt is still being read: the page refreshes itself
	Max     string
}

// uploadForm is GET /upload[?done=uuid,uuid]: the form, and the receipts
// just uploaded with their status.
func (w *Web) uploadForm(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	d := uploadData{Max: fmt.Sprintf("%d MB", w.cfg.MaxUpload>>20)}
	for i, id := range strings.Split(c.QueryParam("done"), ",") {
		if id == "" || i >= maxFilesPerUpload {
			continue
		}
		r, err := w.cfg.Store.ReceiptByUUID(id)
		if err != nil || r.User != u.Name {
			continue
		}
		j := statusJSON(r)
		d.Rows = append(d.Rows, uploadRow{Name: fmt.Sprintf("Receipt %d", len(d.Rows)+1), Receipt: &j})
		d.Waiting = d.Waiting || !j.Processed
	}
	return w.render(c, http.StatusOK, "upload.html", page{Title: "Upload receipts", User: u, CSRF: csrfToken(ticket), Nav: "upload", D: d})
}

// upload is POST /upload, multipart: the field "csrf" first, then one or
// more files in "files". Each file becomes one receipt, as the receipts
// service's image upload and add do: the type is read from the first bytes,
// the file is saved and fsynced, then the receipt and its OCR job are
// committed together. The page's script asks for JSON (Accept:
// application/json); a plain form is redirected to the upload page.
func (w *Web) upload(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	wantJSON := strings.Contains(c.Request().Header.Get("Accept"), "application/json")
	fail := func(code int, msg string) error {
		if wantJSON {
			return c.JSON(code, map[string]string{"message": msg})
		}
		return pageErrorf(code, msg)
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return fail(http.StatusBadRequest, "Send the files as a form upload.")
	}
	tokenOK := tokenEqual(c.Request().Header.Get(csrfHeader), csrfToken(ticket))
	var rows []uploadRow
	failed := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fail(readErrorCode(err), "The upload was cut short or is too large: try again.")
		}
		switch part.FormName() {
		case csrfField:
			v, err := io.ReadAll(io.LimitReader(part, 256))
			if err != nil {
				return fail(readErrorCode(err), "The upload was cut short: try again.")
			}
			tokenOK = tokenOK || tokenEqual(string(v), csrfToken(ticket))
		case filesField:
			if !tokenOK {
				return fail(http.StatusForbidden, "This form has expired: reload the page and try again.")
			}
			if part.FileName() == "" { // the form sent with no file chosen
				if _, err := io.Copy(io.Discard, part); err != nil {
					return fail(readErrorCode(err), "The upload was cut short: try again.")
				}
				continue
			}
			if len(rows) == maxFilesPerUpload {
				return fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("At most %d files at a time.", maxFilesPerUpload))
			}
			row := uploadRow{Name: part.FileName()}
			r, code, msg, err := w.receive(c, u.Name, part)
			switch {
			case err != nil:
				return err
			case msg != "":
				if wantJSON {
					return fail(code, msg)
				}
				row.Error, failed = msg, true
			default:
				j := statusJSON(r)
				j.Name = row.Name
				row.Receipt = &j
			}
			rows = append(rows, row)
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return fail(readErrorCode(err), "The upload was cut short: try again.")
			}
		}
	}
	if !tokenOK {
		return fail(http.StatusForbidden, "This form has expired: reload the page and try again.")
	}
	if len(rows) == 0 {
		return fail(http.StatusBadRequest, "Choose at least one photo or PDF of a receipt.")
	}
	w.cfg.Queue.Kick()
	if wantJSON {
		out := []receiptJSON{}
		for _, r := range rows {
			out = append(out, *r.Receipt)
		}
		return c.JSON(http.StatusOK, map[string]any{"receipts": out})
	}
	if failed {
		d := uploadData{Rows: rows, Max: fmt.Sprintf("%d MB", w.cfg.MaxUpload>>20)}
		for _, r := range rows {
			d.Waiting = d.Waiting || (r.Receipt != nil && !r.Receipt.Processed)
		}
		return w.render(c, http.StatusBadRequest, "upload.html", page{
			Title: "Upload receipts", User: u, CSRF: csrfToken(ticket), Nav: "upload", Error: "Some files were not accepted.", D: d,
		})
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.Receipt.ID)
	}
	return c.Redirect(http.StatusSeeOther, "/upload?done="+url.QueryEscape(strings.Join(ids, ",")))
}

// receive saves one file and makes its receipt. A file the user must fix
// gives a status and a message; err is for the server's own failures.
func (w *Web) receive(c *echo.Context, user string, part io.Reader) (store.Receipt, int, string, error) {
	file, kind, err := w.cfg.Store.SaveUpload(part, w.cfg.MaxUpload)
	switch {
	case errors.Is(err, ocr.ErrEmpty):
		return store.Receipt{}, http.StatusBadRequest, "The file is empty.", nil
	case errors.Is(err, ocr.ErrUnsupported):
		// Drain it, so the next file can be read.
		if _, err := io.Copy(io.Discard, part); err != nil {
			return store.Receipt{}, readErrorCode(err), "The upload was cut short: try again.", nil
		}
		return store.Receipt{}, http.StatusUnsupportedMediaType, "Not a photo or PDF: send a JPEG, PNG, TIFF, WebP, GIF, BMP, HEIC, AVIF, PDF or e-invoice XML.", nil
	case errors.Is(err, store.ErrFileTooLarge):
		return store.Receipt{}, http.StatusRequestEntityTooLarge, fmt.Sprintf("The file is larger than %d MB.", w.cfg.MaxUpload>>20), nil
	case errors.Is(err, store.ErrDiskFull):
		return store.Receipt{}, http.StatusInsufficientStorage, "The server's disk is almost full: ask an administrator.", nil
	case err != nil:
		w.cfg.Logger.Warn("save upload", "err", err)
		return store.Receipt{}, readErrorCode(err), "The upload was cut short: try again.", nil
	}
	img, err := w.cfg.Store.SaveReceiptImage(user, file, string(kind))
	if errors.Is(err, store.ErrQuota) {
		w.removeFile(file.Path)
		return store.Receipt{}, http.StatusRequestEntityTooLarge, "Your storage quota is used up: ask an administrator for more.", nil
	}
	if err != nil {
		w.removeFile(file.Path)
		return store.Receipt{}, 0, "", fmt.Errorf("record image: %w", err)
	}
	link := c.Scheme() + "://" + c.Request().Host + imagePath + img.Token + "." + kind.Ext()
	r, err := w.cfg.Store.CreateReceipt(store.NewReceipt{
		User: user, Accuracy: "0", Latitude: "0", Longitude: "0", StoreID: webStoreID, LocationName: webLocation,
		ClientIP: clientIP(c), Links: []string{link}, Images: []string{img.Token},
	})
	if err != nil {
		w.removeFile(file.Path)
		return store.Receipt{}, 0, "", fmt.Errorf("record receipt: %w", err)
	}
	return r, 0, "", nil
}

func (w *Web) removeFile(rel string) {
	if err := w.cfg.Store.RemoveFile(rel); err != nil {
		w.cfg.Logger.Warn("remove unused upload", "err", err)
	}
}

// readErrorCode is 413 for a body over its limit, else 400.
func readErrorCode(err error) int {
	var me *http.MaxBytesError
	if errors.As(err, &me) || errors.Is(err, store.ErrFileTooLarge) || echo.StatusCode(err) == http.StatusRequestEntityTooLarge {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}
