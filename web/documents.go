package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/capture"
	"tillroll/ocr"
	"tillroll/store"
)

// The documents pages show the signed-in user's capture account (the
// account with the user's name, see account.go): what programs sent
// through the capture API, the mail server or a watch folder, what was read
// of each, and what a client corrected through the API (PUT
// /api/v4/update and the line-item calls) beside what OCR read.

const docsPageSize = 20

// docRow is one document in the list.
type docRow struct {
	ID         uint64
	Title      string // the vendor, else the file name
	Status     string
	Total      string
	Date       string // printed on it
	DocType    string
	Subaccount string
	Created    time.Time
	Corrected  bool
	Taught     bool
}

type docsData struct {
	HasAccount bool
	Rows       []docRow
	Total      int
	Page       int // 1-based
	Pages      int
	PrevURL    string
	NextURL    string
}

// registerDocuments adds the documents pages to the signed-in group.
func (w *Web) registerDocuments(g *echo.Group) {
	g.GET("/documents", w.documentsList)
	g.GET("/documents/:id", w.documentDetail)
	g.GET("/documents/:id/original", w.documentOriginal)
}

// documentsList is GET /documents?page=: the account's documents, newest
// first.
func (w *Web) documentsList(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	d := docsData{}
	d.Page, _ = strconv.Atoi(c.QueryParam("page"))
	if d.Page < 1 || d.Page > 100000 {
		d.Page = 1
	}
	_, err := w.cfg.Store.Account(u.Name)
	switch {
	case err == nil:
		d.HasAccount = true
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if d.HasAccount {
		docs, total, err := w.cfg.Store.AccountDocuments(u.Name, d.Page-1, docsPageSize)
		if err != nil {
			return err
		}
		d.Total = total
		d.Pages = (total + docsPageSize - 1) / docsPageSize
		if d.Page > d.Pages && d.Pages > 0 { // past the end: the last page
			d.Page = d.Pages
			if docs, _, err = w.cfg.Store.AccountDocuments(u.Name, d.Page-1, docsPageSize); err != nil {
				return err
			}
		}
		for _, doc := range docs {
			d.Rows = append(d.Rows, rowOf(doc))
		}
		if d.Page > 1 {
			d.PrevURL = "/documents?page=" + strconv.Itoa(d.Page-1)
		}
		if d.Page < d.Pages {
			d.NextURL = "/documents?page=" + strconv.Itoa(d.Page+1)
		}
	}
	return w.render(c, http.StatusOK, "documents.html", page{
		Title: "Documents", User: u, CSRF: csrfToken(ticket), Nav: "documents", D: d,
	})
}

func rowOf(doc store.Document) docRow {
	r := doc.Data()
	row := docRow{ID: doc.ID, Title: r.Vendor_Name, Status: doc.Status, Date: r.Date, Subaccount: doc.Subaccount,
		Created: doc.Created, Corrected: doc.Corrected != nil, Taught: doc.Taught != nil}
	if doc.Status == capture.StatusCompleted {
		row.DocType = r.Document_Type
		if r.Total != 0 {
			row.Total = fmt.Sprintf("%.2f", r.Total)
		}
	} else if doc.DocType != "" {
		row.DocType = capture.DocumentType(doc.DocType)
	}
	if row.Title == "" {
		row.Title = doc.FileName
	}
	return row
}

// docField is one value of a document as the page shows it.
type docField struct {
	Key   string
	Label string
	Value string
	Conf  int // OCR's 0-100; -1 when none
	// Corrected: a client corrected it; Read is what was read before.
	Corrected bool
	Read      string
	// Taught: it came from the correction of an earlier document (From,
	// linked by FromURL when that document is still there).
	Taught  bool
	From    string
	FromURL string
}

// docItem is one line item, and what became of it.
type docItem struct {
	capture.LineItem
	Change string            // "", "corrected" or "added"
	Was    *capture.LineItem // as read, for a corrected one
	// Taught is what it took from the correction of an earlier document
	// (linked by FromURL when that document is still there).
	Taught  *store.TaughtItem
	FromURL string
}

type docDetail struct {
	Doc         store.Document
	Title       string
	Finished    bool
	Fields      []docField
	Items       []docItem
	Deleted     []capture.LineItem // read, then deleted by a correction
	TaxLines    []capture.TaxLine
	Text        string
	Image       bool // the original shows in the page
	Original    string
	CorrectedAt time.Time
	DocPath     string
	Pages       int
	Skipped     []capture.SkippedPage // pages given up, and why
	Duplicate   bool
}

// document loads the signed-in user's document; another account's is
// "not found", as one that does not exist.
func (w *Web) document(c *echo.Context) (store.Document, error) {
	u, _, _ := w.currentSession(c)
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return store.Document{}, pageErrorf(http.StatusNotFound, "There is no such document.")
	}
	d, err := w.cfg.Store.Document(id)
	if err != nil || d.Account != u.Name || d.Account == store.ReceiptsAccount {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Document{}, err
		}
		return store.Document{}, pageErrorf(http.StatusNotFound, "There is no such document.")
	}
	return d, nil
}

// documentDetail is GET /documents/:id.
func (w *Web) documentDetail(c *echo.Context) error {
	u, ticket, _ := w.currentSession(c)
	doc, err := w.document(c)
	if err != nil {
		return err
	}
	shown := doc.Data()
	v := docDetail{Doc: doc, Title: shown.Vendor_Name, DocPath: doc.DocPath(), Pages: shown.Pages, Skipped: shown.Skipped_Pages,
		Duplicate: shown.Is_Duplicate == 1, CorrectedAt: doc.CorrectedAt,
		Finished: doc.Status == capture.StatusCompleted || doc.Status == capture.StatusFailed,
		Original: "/documents/" + strconv.FormatUint(doc.ID, 10) + "/original"}
	if v.Title == "" {
		v.Title = doc.FileName
	}
	switch ocr.Kind(doc.Kind) {
	case ocr.KindJPEG, ocr.KindPNG, ocr.KindGIF, ocr.KindWebP, ocr.KindBMP:
		v.Image = true
	}
	if doc.Status == capture.StatusCompleted && doc.Result != nil {
		read := doc.Result.Complete()
		if v.Fields, err = w.docFields(doc, shown, read); err != nil {
			return err
		}
		v.Items, v.Deleted = docItems(shown.Line_Items, read.Line_Items, doc.Corrected != nil)
		for i := range v.Items {
			if t := doc.Taught.Item(v.Items[i].Line); t != nil && v.Items[i].Change == "" {
				if v.Items[i].FromURL, err = w.documentURL(doc.Account, t.From); err != nil {
					return err
				}
				v.Items[i].Taught = t
			}
		}
		v.TaxLines, v.Text = shown.Tax_Lines, read.Raw_Text
	}
	return w.render(c, http.StatusOK, "document.html", page{
		Title: v.Title, User: u, CSRF: csrfToken(ticket), Nav: "documents", D: v,
	})
}

// hiddenKeys are keys of the data object the fields list leaves out: what
// the page shows elsewhere (items, tax lines, text, pages) or what says
// where the document came from.
var hiddenKeys = map[string]bool{
	"Status": true, "Reason": true, "Created": true, "Confidence": true, "photon_key": true, "doc_path": true,
	"Pages": true, "Is_Duplicate": true, "Raw_Text": true, "Line_Items": true, "Tax_Lines": true, "E_Invoice": true,
	"Skipped_Pages": true,
}

// docFields are the document's values in the data object's order: those
// it shows, and every one corrected or taught even when now empty.
func (w *Web) docFields(doc store.Document, shown, read capture.Result) ([]docField, error) {
	keys, now, err := orderedKeys(shown)
	if err != nil {
		return nil, err
	}
	_, was, err := orderedKeys(read)
	if err != nil {
		return nil, err
	}
	var fromURL string
	if doc.Taught != nil && doc.Taught.From != "" {
		if fromURL, err = w.documentURL(doc.Account, doc.Taught.From); err != nil {
			return nil, err
		}
	}
	var out []docField
	for _, k := range keys {
		if hiddenKeys[k] {
			continue
		}
		f := docField{Key: k, Label: fieldLabel(k), Value: shownValue(k, now[k]), Conf: -1}
		if c, ok := doc.Result.Confidence[k]; ok {
			f.Conf = c
		}
		if doc.Corrected != nil && !bytes.Equal(now[k], was[k]) {
			f.Corrected, f.Read, f.Conf = true, shownValue(k, was[k]), -1
		} else if doc.Taught != nil {
			if r, ok := doc.Taught.Read[k]; ok {
				f.Taught, f.Read, f.From, f.FromURL = true, r, doc.Taught.From, fromURL
			}
		}
		if f.Value == "" && !f.Corrected && !f.Taught {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// documentURL is the page of the account's document with that photon
// key, "" when it is gone.
func (w *Web) documentURL(account, key string) (string, error) {
	src, err := w.cfg.Store.DocumentByKey(account, key)
	switch {
	case err == nil:
		return "/documents/" + strconv.FormatUint(src.ID, 10), nil
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	}
	return "", err
}

// orderedKeys are the data object's keys in the order the API writes them,
// with their values.
func orderedKeys(r capture.Result) ([]string, map[string]json.RawMessage, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, nil, fmt.Errorf("encode result: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, fmt.Errorf("decode result: %w", err)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("decode result: %w", err)
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("decode result: %w", err)
		}
		keys, vals[k] = append(keys, k), v
	}
	return keys, vals, nil
}

// shownValue is a value of the data object as the page shows it: "" for
// an empty string or a zero; amounts with two decimals.
func shownValue(key string, v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var f float64
	if json.Unmarshal(v, &f) == nil {
		switch {
		case f == 0:
			return ""
		case strings.HasSuffix(key, "_Score"):
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return fmt.Sprintf("%.2f", f)
	}
	return string(v)
}

// docItems are the shown line items, each marked as added or corrected
// against what was read (matched by Line), and the read ones a correction
// deleted.
func docItems(shown, read []capture.LineItem, corrected bool) ([]docItem, []capture.LineItem) {
	byLine := map[int]capture.LineItem{}
	for _, it := range read {
		byLine[it.Line] = it
	}
	var out []docItem
	kept := map[int]bool{}
	for _, it := range shown {
		row := docItem{LineItem: it}
		if was, ok := byLine[it.Line]; !ok && corrected {
			row.Change = "added"
		} else if ok && was != it {
			row.Change, row.Was = "corrected", &was
		}
		kept[it.Line] = true
		out = append(out, row)
	}
	var deleted []capture.LineItem
	for _, it := range read {
		if !kept[it.Line] {
			deleted = append(deleted, it)
		}
	}
	return out, deleted
}

// documentOriginal is GET /documents/:id/original: the original bytes as
// they came, as a download (?view=1: shown in the page, for an image; a
// JPEG rendition of one a browser cannot show).
func (w *Web) documentOriginal(c *echo.Context) error {
	doc, err := w.document(c)
	if err != nil {
		return err
	}
	kind := ocr.Kind(doc.Kind)
	if c.QueryParam("view") == "1" && strings.HasPrefix(kind.MIME(), "image/") && !kind.Displayable() {
		return w.serveRendition(c, doc.SHA256, doc.Path, kind) // a HEIC photo, shown as a JPEG
	}
	p, err := w.cfg.Store.FilePath(doc.Path)
	if err != nil {
		return fmt.Errorf("original of document %d: %w", doc.ID, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("open original of document %d: %w", doc.ID, err)
	}
	defer f.Close()
	disposition := "attachment"
	if c.QueryParam("view") == "1" && strings.HasPrefix(kind.MIME(), "image/") {
		disposition = "inline"
	}
	name := doc.DocPath()[strings.LastIndexByte(doc.DocPath(), '/')+1:]
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	h.Set(echo.HeaderContentLength, strconv.FormatInt(doc.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	return c.Stream(http.StatusOK, kind.MIME(), f)
}

// docStatusLabel is a document's status as a person reads it.
func docStatusLabel(s string) string {
	switch s {
	case capture.StatusPending:
		return "Waiting"
	case capture.StatusProcessing:
		return "Being read"
	case capture.StatusCompleted:
		return "Read"
	case capture.StatusFailed:
		return "Could not be read"
	}
	return s
}

func docStatusClass(s string) string {
	switch s {
	case capture.StatusCompleted:
		return "done"
	case capture.StatusFailed:
		return "failed"
	}
	return "waiting"
}
