package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/store"
)

// call sends one capture-API request with the account's four headers and
// returns the answer's JSON object.
func (a *app) call(c store.Credentials, method, path, contentType string, body io.Reader) map[string]any {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("CLIENT-ID", c.ClientID)
	req.Header.Set("AUTHORIZATION", "apikey "+c.Username+":"+c.APIKey)
	req.Header.Set("PASSWORD", c.Password)
	req.Header.Set("SECRET-KEY", c.SecretKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &m) != nil {
		a.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return m
}

// submit sends a file as Photon's clients do (POST /api/pro, field pdf)
// and waits until it is read.
func (a *app) submit(c store.Credentials, query string, file []byte) store.Document {
	a.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("pdf", "receipt.png")
	_, _ = fw.Write(file)
	_ = mw.Close()
	key, _ := a.call(c, http.MethodPost, "/api/pro?"+query, mw.FormDataContentType(), &buf)["photon_key"].(string)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		d, err := a.st.DocumentByKey(c.Username, key)
		if err != nil {
			a.t.Fatal(err)
		}
		if d.Status == capture.StatusCompleted {
			return d
		}
		if d.Status == capture.StatusFailed {
			a.t.Fatalf("document %s failed: %s", key, d.Reason)
		}
	}
	a.t.Fatalf("document %s not read in time", key)
	return store.Document{}
}

// TestBrowserDocuments: documents sent through the capture API and read
// by Tesseract, one corrected through the API (a field, a line item
// changed, one deleted, one added) and one that learnt from it, as the
// documents list and pages show them; the original downloads as it was
// sent; another user sees none of it.
func TestBrowserDocuments(t *testing.T) {
	a := newApp(t)
	creds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	png := fixture.PNG(fixture.Sample(), fixture.Options{})
	first := a.submit(creds, "subaccount=shop-2", png)
	read := first.Result
	if len(read.Line_Items) < 2 {
		t.Fatalf("Tesseract read %d line items", len(read.Line_Items))
	}
	q := "?photon_key=" + url.QueryEscape(first.Key)
	const vendor = "Corner Grocer of Leeds"
	last := read.Line_Items[len(read.Line_Items)-1]
	for _, st := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/v4/update", `{"Vendor_Name": "` + vendor + `", "Category": "Convenience store"}`},
		{http.MethodPut, "/api/v4/update/line-items/1", `{"Description": "WHOLE MILK 2 LITRES"}`},
		{http.MethodDelete, "/api/v4/update/line-items/" + strconv.Itoa(last.Line), ``},
		{http.MethodPost, "/api/v4/update/line-items", `{"Description": "CARRIER BAG", "QTY": 1, "Price": 0.10, "Amount": 0.10}`},
	} {
		a.call(creds, st.method, st.path+q, "application/json", strings.NewReader(st.body))
	}
	next := fixture.Sample()
	next.Items = next.Items[:2]
	second := a.submit(creds, "", fixture.PNG(next, fixture.Options{}))
	if second.Taught == nil {
		t.Fatalf("the second receipt learnt nothing: %q", second.Result.Vendor_Name)
	}

	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")
	b.do("open the documents",
		chromedp.Click(chromedp.CSS(`header nav a[href="/documents"]`)),
		chromedp.WaitVisible(chromedp.CSS("#document-list")),
	)
	if got := b.text("#summary"); got != "2 document(s)." {
		t.Fatalf("summary %q", got)
	}
	rows := func(i int) string {
		return flat(b.eval(fmt.Sprintf(`document.querySelectorAll("#document-list tbody tr")[%d].innerText`, i)))
	}
	newest, oldest := rows(0), rows(1)
	for _, want := range []string{vendor, "learnt", "Read", fmt.Sprintf("%.2f", next.Total()), "Receipt"} {
		if !strings.Contains(newest, want) {
			t.Errorf("the newest row %q lacks %q", newest, want)
		}
	}
	for _, want := range []string{vendor, "corrected", "Read", "shop-2", read.Date} {
		if !strings.Contains(oldest, want) {
			t.Errorf("the oldest row %q lacks %q", oldest, want)
		}
	}

	// The corrected document: each correction marked, with what was read.
	b.do("open the corrected one",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#document-list a[href="/documents/%d"]`, first.ID))),
		chromedp.WaitVisible(chromedp.CSS("#fields")),
	)
	vrow := flat(b.text(`#fields .row[data-key="Vendor_Name"]`))
	if !strings.Contains(vrow, vendor) || !strings.Contains(vrow, "corrected") || !strings.Contains(vrow, "read: "+read.Vendor_Name) {
		t.Errorf("the vendor row says %q", vrow)
	}
	if cls := b.eval(`document.querySelector('#fields .row[data-key="Total"]').className`); strings.Contains(cls, "corrected") {
		t.Errorf("the total is marked corrected (%q)", cls)
	}
	if got := b.text(`#fields .row[data-key="Total"] .value`); got != fmt.Sprintf("%.2f", read.Total) {
		t.Errorf("total shows %q, read %.2f", got, read.Total)
	}
	item1 := flat(b.text(`#line-items tr[data-line="1"]`))
	if !strings.Contains(item1, "WHOLE MILK 2 LITRES") || !strings.Contains(item1, "read: "+read.Line_Items[0].Description) || !strings.Contains(item1, "corrected") {
		t.Errorf("line 1 says %q", item1)
	}
	if got := flat(b.text(fmt.Sprintf(`#line-items tr.deleted[data-line="%d"]`, last.Line))); !strings.Contains(got, last.Description) {
		t.Errorf("the deleted line says %q", got)
	}
	if got := flat(b.text(`#line-items tr.added`)); !strings.Contains(got, "CARRIER BAG") || !strings.Contains(got, "0.10") {
		t.Errorf("the added line says %q", got)
	}
	if got := b.text("#subaccount"); got != "shop-2" {
		t.Errorf("sub-account %q", got)
	}
	if ok := b.eval(`String(document.querySelector(".images img").naturalWidth > 0)`); ok != "true" {
		t.Error("the original does not show")
	}
	// The download is the file as it was sent.
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(document.getElementById("original").href).then(async r =>
		r.status + " " + r.headers.get("Content-Disposition").split(";")[0] + " " + (await r.arrayBuffer()).byteLength)`, chromedp.EvalAwaitPromise))
	if want := fmt.Sprintf("200 attachment %d", len(png)); err != nil || got != want {
		t.Errorf("download: %q %v, want %q", got, err, want)
	}

	// The one that learnt: which correction taught it, and what was read.
	b.do("open the one that learnt",
		chromedp.Navigate(fmt.Sprintf("%s/documents/%d", a.url, second.ID)),
		chromedp.WaitVisible(chromedp.CSS("#fields")),
	)
	trow := flat(b.text(`#fields .row[data-key="Vendor_Name"]`))
	if !strings.Contains(trow, vendor) || !strings.Contains(trow, "learnt") || !strings.Contains(trow, "read: "+second.Taught.Read["Vendor_Name"]) {
		t.Errorf("the taught vendor row says %q", trow)
	}
	if href := b.eval(`document.querySelector('#fields .row[data-key="Vendor_Name"] a').getAttribute("href")`); href != fmt.Sprintf("/documents/%d", first.ID) {
		t.Errorf("taught from %q", href)
	}
	// Its first item is printed as the one corrected on the first receipt.
	titem := flat(b.text(`#line-items tr.taught[data-line="1"]`))
	if !strings.Contains(titem, "WHOLE MILK 2 LITRES") || !strings.Contains(titem, "read: "+read.Line_Items[0].Description) || !strings.Contains(titem, "learnt") {
		t.Errorf("the taught line item says %q", titem)
	}
	if href := b.eval(`document.querySelector('#line-items tr.taught a').getAttribute("href")`); href != fmt.Sprintf("/documents/%d", first.ID) {
		t.Errorf("the item was taught from %q", href)
	}
	b.noScriptRan()

	// Bob has no capture account, and none of alice's documents.
	b.do("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.signIn("bob", "bob-password")
	b.do("bob's documents", chromedp.Navigate(a.url+"/documents"), chromedp.WaitVisible(chromedp.CSS("#no-account")))
	b.do("bob opens alice's document", chromedp.Navigate(fmt.Sprintf("%s/documents/%d", a.url, first.ID)), chromedp.WaitVisible(chromedp.CSS("#page-error")))
	status, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch("/documents/%d/original").then(r => r.status)`, first.ID), chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusNotFound {
		t.Errorf("bob downloads alice's original: %d %v", status, err)
	}
}

// A document that could not be read shows why, with no fields; the list
// and its paging stay whole.
func TestDocumentsFailedAndPaging(t *testing.T) {
	a := newApp(t)
	creds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("pdf", "broken.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"))
	_ = mw.Close()
	key, _ := a.call(creds, http.MethodPost, "/api/pro", mw.FormDataContentType(), &buf)["photon_key"].(string)
	var d store.Document
	for deadline := time.Now().Add(time.Minute); d.Status != capture.StatusFailed; time.Sleep(50 * time.Millisecond) {
		if d, err = a.st.DocumentByKey("alice", key); err != nil || time.Now().After(deadline) {
			t.Fatalf("document %s: %s %v", key, d.Status, err)
		}
	}
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")
	resp, body := c.do(http.MethodGet, fmt.Sprintf("/documents/%d", d.ID), "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Could not be read") || !strings.Contains(body, d.Reason) || strings.Contains(body, `id="fields"`) {
		t.Fatalf("the failed document's page: %d\n%s", resp.StatusCode, body)
	}
	for _, p := range []string{"/documents", "/documents?page=7", "/documents?page=x"} {
		resp, body := c.do(http.MethodGet, p, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "1 document(s).") || !strings.Contains(body, "broken") {
			t.Fatalf("%s: %d\n%s", p, resp.StatusCode, body)
		}
	}
	for _, p := range []string{"/documents/999", "/documents/x", "/documents/999/original"} {
		if resp, _ := c.do(http.MethodGet, p, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, resp.StatusCode)
		}
	}
}
