package web_test

import (
	"bytes"
	"image"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

// readerApp is the web app over a real store whose OCR jobs the test
// reads itself, with a real engine: so it can store a result as Tillroll
// did before it kept where the fields were read.
type readerApp struct {
	t   *testing.T
	st  *store.Store
	eng *ocr.Engine
	url string
}

func newReaderApp(t *testing.T) *readerApp {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	// The pool is never run: the test does its work.
	pool := pipeline.NewPool(st, pipeline.Options{Workers: 1, NewReader: func() (pipeline.Reader, error) { return nil, nil }})
	an := analyzer.New(st, nil, time.Hour)
	logins := server.NewLogins(st, time.Hour, nil)
	w := web.New(web.Config{Store: st, Logins: logins, Analyzer: an, Queue: pool})
	srv := server.New(st, pool, server.Config{Web: w.Register, Receipts: &server.ReceiptsConfig{Store: st, Analyzer: an, Logins: logins}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); _ = eng.Close(); _ = st.Close() })
	if _, err := st.CreateUser(store.NewUser{Name: "alice", Password: "alice-password"}); err != nil {
		t.Fatal(err)
	}
	return &readerApp{t: t, st: st, eng: eng, url: ts.URL}
}

// receipt makes alice's receipt of one file, reads it and analyzes it.
// keepBoxes false stores the result without its boxes, as an old record.
func (a *readerApp) receipt(content []byte, keepBoxes bool) string {
	a.t.Helper()
	f, kind, err := a.st.SaveUpload(bytes.NewReader(content), 25<<20)
	if err != nil {
		a.t.Fatal(err)
	}
	img, err := a.st.SaveReceiptImage("alice", f, string(kind))
	if err != nil {
		a.t.Fatal(err)
	}
	link := a.url + "/receipts-service/image/" + img.Token + "." + kind.Ext()
	r, err := a.st.CreateReceipt(store.NewReceipt{User: "alice", Links: []string{link}, Images: []string{img.Token}})
	if err != nil {
		a.t.Fatal(err)
	}
	d, _, ok, err := a.st.ClaimOCRJob()
	if err != nil || !ok {
		a.t.Fatalf("claim: %v %v", ok, err)
	}
	path, err := a.st.FilePath(d.Path)
	if err != nil {
		a.t.Fatal(err)
	}
	res, hash, err := pipeline.Process(a.t.Context(), a.eng, path, d.Created)
	if err != nil {
		a.t.Fatal(err)
	}
	if !keepBoxes {
		res.Boxes = nil
	}
	if _, err := a.st.CompleteOCRJob(d.ID, res, hash, nil); err != nil {
		a.t.Fatal(err)
	}
	if _, err := a.st.AnalyzeReceipt(r.ID); err != nil {
		a.t.Fatal(err)
	}
	return r.UUID
}

var (
	viewBoxRE = regexp.MustCompile(`<svg class="boxes" viewBox="0 0 (\d+) (\d+)"`)
	boxRE     = regexp.MustCompile(`<a id="(box-[a-z0-9_-]+)" class="box" href="#([a-z0-9_-]+)" data-box="box-[a-z0-9_-]+"><title>([^<]*)</title><rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"></rect></a>`)
)

type pageBox struct {
	row, title string
	rect       image.Rectangle
}

// pageBoxes are the boxes drawn on a detail page, by element id.
func pageBoxes(t *testing.T, body string) map[string]pageBox {
	t.Helper()
	out := map[string]pageBox{}
	for _, m := range boxRE.FindAllStringSubmatch(body, -1) {
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(m[4+i])
		}
		out[m[1]] = pageBox{row: m[2], title: m[3], rect: image.Rect(n[0], n[1], n[0]+n[2], n[1]+n[3])}
	}
	return out
}

func TestReceiptDetailBoxes(t *testing.T) {
	a := newReaderApp(t)
	r := fixture.Sample()
	withBoxes := a.receipt(fixture.PNG(r, fixture.Options{}), true)
	old := a.receipt(fixture.JPEG(r, fixture.Options{Width: 700}), false)
	pdf := a.receipt(fixture.PDF(fixture.PDFPage{Lines: r.Lines()}), true)
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")

	// The image's overlay: a viewBox in the image's pixels and a box for
	// the total, named, where the fixture printed it, linked both ways
	// with its row.
	resp, body := c.do(http.MethodGet, "/receipts/"+withBoxes, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("detail page: %d", resp.StatusCode)
	}
	size := fixture.Image(r, fixture.Options{}).Bounds().Size()
	if m := viewBoxRE.FindStringSubmatch(body); m == nil || m[1] != strconv.Itoa(size.X) || m[2] != strconv.Itoa(size.Y) {
		t.Fatalf("no overlay of %v on the page (%q):\n%s", size, m, body)
	}
	// Under the strict policy: no inline style or script draws them.
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") || regexp.MustCompile(`<script>|<script [^>]*>[^<]`).MatchString(body) {
		t.Error("the page has inline style or script")
	}
	boxes := pageBoxes(t, body)
	total, ok := boxes["box-total"]
	if !ok || total.title != "Total" || total.row != "field-total" {
		t.Fatalf("total's box %+v (found %v); boxes %+v", total, ok, boxes)
	}
	texts := fixture.Texts(r, fixture.Options{})
	var drawn image.Rectangle
	for i, tx := range texts {
		if tx.Text == "TOTAL" && i+1 < len(texts) {
			drawn = texts[i+1].Box
		}
	}
	if !total.rect.In(drawn.Inset(-4)) || total.rect.Dx() < drawn.Dx()/2 {
		t.Errorf("total's box %v, the fixture printed it at %v", total.rect, drawn)
	}
	for _, want := range []string{
		`<div class="row" id="field-total" data-box="box-total">`,
		`<a class="where" href="#box-total">on the image<span class="sr-only">: where Total was read</span></a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The other fields the page shows, and the items.
	for id, title := range map[string]string{"box-vendor_name": "Printed name", "box-date": "Date", "box-time": "Time", "box-tax": "Tax", "box-item-1": "Item 1: WHOLE MILK 2L"} {
		if b, ok := boxes[id]; !ok || b.title != title || !b.rect.In(image.Rectangle{Max: size}) {
			t.Errorf("%s: %+v (found %v), want %q inside the image", id, b, ok, title)
		}
	}
	if !strings.Contains(body, `<tr id="item-1" data-box="box-item-1">`) {
		t.Error("item 1's row does not name its box")
	}

	// A record kept without boxes, and a PDF read from its text: the
	// fields, and no overlay.
	for name, uuid := range map[string]string{"old record": old, "pdf": pdf} {
		resp, body := c.do(http.MethodGet, "/receipts/"+uuid, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "CORNER GROCER LTD") || !strings.Contains(body, "12.10") {
			t.Fatalf("%s: %d\n%s", name, resp.StatusCode, body)
		}
		if strings.Contains(body, "<svg") || strings.Contains(body, "data-box") || strings.Contains(body, `class="where"`) {
			t.Errorf("%s: an overlay or box links without boxes:\n%s", name, body)
		}
	}
}
