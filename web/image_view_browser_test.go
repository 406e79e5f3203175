package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tillroll/store"
)

// TestBrowserHEIC: an iPhone photo (HEIC, stored sideways with its
// rotation in the file) uploaded in Chromium, which cannot show HEIC, is
// read upright and shown upright as a JPEG rendition; the link around it
// downloads the original as it came.
func TestBrowserHEIC(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")
	heic, err := filepath.Abs("../ocr/testdata/receipt-rotated.heic")
	if err != nil {
		t.Fatal(err)
	}
	links := b.upload(heic)
	uuid := strings.TrimPrefix(links[0], "/receipts/")
	a.waitReceipt(uuid, func(r store.Receipt) bool { return r.Analysis.OCRDone })

	b.do("open the receipt", chromedp.Navigate(a.url+links[0]), chromedp.WaitVisible(chromedp.CSS("#fields")))
	if fields := b.text("#fields"); !strings.Contains(fields, "CORNER GROCER LTD") || !strings.Contains(fields, "12.10") {
		t.Fatalf("the HEIC photo was not read upright:\n%s", fields)
	}
	ctx := b.ctx
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector(".images img"); return i.complete && i.naturalWidth > 0 })()`)); err != nil {
		t.Fatalf("the HEIC photo did not load in Chromium: %v", err)
	}
	src := b.eval(`document.querySelector(".images img").getAttribute("src")`)
	size := b.eval(`(() => { const i = document.querySelector(".images img"); return i.naturalWidth + "x" + i.naturalHeight })()`)
	href := b.eval(`document.querySelector(".images img").closest("a").getAttribute("href")`)
	if !strings.HasPrefix(src, "/images/") || size != "800x1123" || !strings.HasSuffix(href, ".heic") {
		t.Fatalf("shown from %q at %s (want an upright 800x1123 rendition), linked to %q (want the .heic original)", src, size, href)
	}
	b.noScriptRan()

	// Over HTTP: the rendition is a JPEG; the original is the HEIC's bytes.
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")
	resp, body := c.do(http.MethodGet, src, "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(body, "\xFF\xD8\xFF") {
		t.Fatalf("GET %s: %d %q", src, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, body = c.do(http.MethodGet, href, "", nil)
	if resp.StatusCode != http.StatusOK || body[4:12] != "ftypheic" {
		t.Fatalf("GET %s: %d, not the HEIC original", href, resp.StatusCode)
	}
	if resp, _ := c.do(http.MethodGet, "/images/0123456789abcdef0123456789abcdef.heic", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the rendition of no image: %d", resp.StatusCode)
	}

	// The same photo sent through the capture API: its document page
	// shows it (?view=1) as the JPEG; the original downloads as it came.
	creds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(heic)
	if err != nil {
		t.Fatal(err)
	}
	doc := a.submit(creds, "", raw)
	orig := fmt.Sprintf("/documents/%d/original", doc.ID)
	resp, body = c.do(http.MethodGet, orig+"?view=1", "", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(body, "\xFF\xD8\xFF") {
		t.Fatalf("GET %s?view=1: %d %q", orig, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, body = c.do(http.MethodGet, orig, "", nil)
	if resp.StatusCode != http.StatusOK || body != string(raw) {
		t.Fatalf("GET %s: %d, not the original's bytes", orig, resp.StatusCode)
	}
}
