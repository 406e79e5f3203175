package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// TestBrowserScreenshots takes the README's pictures of the receipts page
// and of a receipt's page: `make screenshots` runs it with
// TILLROLL_SCREENSHOTS=docs, which writes docs/receipts.png and
// docs/receipt.png.
func TestBrowserScreenshots(t *testing.T) {
	if os.Getenv("TILLROLL_SCREENSHOTS") == "" {
		t.Skip("set TILLROLL_SCREENSHOTS to a directory (make screenshots uses docs) to take the README's screenshots")
	}
	a := newApp(t)
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")

	other := fixture.Sample()
	other.Merchant = "HILLTOP MARKET"
	other.Date = time.Date(2024, time.March, 16, 9, 5, 0, 0, time.UTC)
	other.Items = other.Items[1:3]
	links := b.upload(sampleFile(t, "hilltop.png", other), sampleFile(t, "corner.png", nil))
	// The second is the sample (CORNER GROCER LTD): give it its retailer.
	sample := links[1]
	if r, err := a.st.ReceiptByUUID(sample[len("/receipts/"):]); err != nil || r.Analysis.Vendor != "CORNER GROCER LTD" {
		sample = links[0]
	}
	if err := a.st.PutRetailers([]store.Retailer{{ID: "corner", Name: "Corner Grocer"}}); err != nil {
		t.Fatal(err)
	}
	b.do("set the retailer",
		chromedp.Navigate(a.url+sample),
		chromedp.WaitVisible(chromedp.CSS("#retailer_id")),
		chromedp.SetValue(chromedp.CSS("#retailer_id"), "corner"),
		chromedp.Click(chromedp.CSS("#retailer-form button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	a.waitReceipt(sample[len("/receipts/"):], func(r store.Receipt) bool { return r.Status != receipts.SetRetailersPending })

	dir := shotDir(t)
	shoot := func(path, name string) {
		b.do("open "+path, chromedp.Navigate(a.url+path), chromedp.WaitVisible(chromedp.CSS("#main")))
		b.waitPage(path)
		buf, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", p, len(buf))
	}
	shoot("/receipts", "receipts.png")
	shoot(sample, "receipt.png")
	b.noScriptRan()
}
