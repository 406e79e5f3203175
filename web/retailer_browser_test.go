package web_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// TestBrowserRetailer: a retailer's staff member signs in, opens the
// Retailer page from the menu, filters the list by user and status, and
// hides a receipt.
func TestBrowserRetailer(t *testing.T) {
	a := staffApp(t)
	march := uploadAs(t, a, "alice", "alice-password", fixture.Sample())[0]
	april := uploadAs(t, a, "bob", "bob-password", aprilReceipt())[0]
	b := newBrowser(t, a.url)
	b.signIn("corner-staff", "corner-password")

	b.do("open the Retailer page",
		chromedp.Click(chromedp.CSS(`header nav a[href="/retailer"]`)),
		chromedp.WaitVisible(chromedp.CSS("#retailer-list")),
	)
	if got := b.text("h1"); got != "Receipts at Corner Grocer" {
		t.Fatalf("heading %q", got)
	}
	ids := func() []string {
		t.Helper()
		s := b.eval(`Array.from(document.querySelectorAll("#retailer-list tbody tr")).map(r => r.dataset.id).join(",")`)
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	if got := ids(); !slices.Equal(got, []string{april.UUID, march.UUID}) {
		t.Fatalf("list %v", got)
	}

	// Filter: bob's receipts, then also by status, under "More filters".
	b.do("filter by user",
		chromedp.SendKeys(chromedp.CSS("#f-user"), "bob"),
		chromedp.Click(chromedp.CSS("#retailer-filters .actions button")),
	)
	b.waitPage("user=bob")
	if got := ids(); !slices.Equal(got, []string{april.UUID}) {
		t.Fatalf("bob's: %v", got)
	}
	b.do("filter by status",
		chromedp.Click(chromedp.CSS("#retailer-filters details summary")),
		chromedp.WaitVisible(chromedp.CSS(`input[name=status][value=COMPLETED]`)),
		chromedp.Click(chromedp.CSS(`input[name=status][value=COMPLETED]`)),
		chromedp.Click(chromedp.CSS("#retailer-filters .actions button")),
	)
	b.waitPage("status=COMPLETED")
	if got := ids(); got != nil || !strings.Contains(b.text("#summary"), "0 receipt(s) match") {
		t.Fatalf("bob's completed: %v %q", got, b.text("#summary"))
	}
	b.do("filter by another status",
		chromedp.Click(chromedp.CSS(`input[name=status][value=COMPLETED]`)),
		chromedp.Click(chromedp.CSS(`input[name=status][value=SET_PRODUCTS]`)),
		chromedp.Click(chromedp.CSS("#retailer-filters .actions button")),
	)
	b.waitPage("status=SET_PRODUCTS")
	if got := ids(); !slices.Equal(got, []string{april.UUID}) {
		t.Fatalf("bob's needing products: %v", got)
	}

	// Hide it from the list: back to the same filtered list, with a note.
	b.do("hide",
		chromedp.Click(chromedp.CSS(`tr[data-id="`+april.UUID+`"] .hide-form button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	b.waitPage("hidden=1")
	if loc := b.location(); !strings.Contains(loc, "user=bob") || !strings.Contains(loc, "status=SET_PRODUCTS") {
		t.Fatalf("after hiding at %s: the filters are lost", loc)
	}
	if got := b.text(".flash"); got != "The receipt is hidden." {
		t.Fatalf("note %q", got)
	}
	if r := a.waitReceipt(april.UUID, func(r store.Receipt) bool { return true }); r.Status != receipts.Hidden {
		t.Fatalf("after hiding: %s", r.Status)
	}

	// The receipt's page says so, read-only, and offers no second hiding.
	b.do("open the hidden receipt",
		chromedp.Navigate(a.url+"/retailer?status=HIDDEN"),
		chromedp.WaitVisible(chromedp.CSS("#retailer-list")),
		chromedp.Click(chromedp.CSS(`tr[data-id="`+april.UUID+`"] a`)),
		chromedp.WaitVisible(chromedp.CSS("#fields")),
	)
	if got := b.text("#receipt-status"); got != "Hidden" {
		t.Fatalf("status %q", got)
	}
	if n := b.eval(`String(document.querySelectorAll("#hide-form, #total-form, #retailer-form, #products-form").length)`); n != "0" {
		t.Fatalf("%s forms on the hidden receipt's staff page", n)
	}
	b.noScriptRan()
}

// TestBrowserExport: a user downloads the CSV export from its form; a bad
// range is told on the form.
func TestBrowserExport(t *testing.T) {
	a := staffApp(t)
	march := uploadAs(t, a, "alice", "alice-password", fixture.Sample())[0]
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")
	dir := t.TempDir()
	// The file is on disk before Chromium has written all of it: wait for
	// the download's "completed" event, not for the file.
	events := true
	completed := make(chan struct{}, 1)
	if err := chromedp.ListenBrowser(b.ctx, func(ev any) {
		if p, ok := ev.(*cdpbrowser.EventDownloadProgress); ok && p.State == cdpbrowser.DownloadProgressStateCompleted {
			select {
			case completed <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		t.Fatal(err)
	}

	b.do("a range the wrong way round",
		chromedp.Click(chromedp.CSS(`header nav a[href="/export"]`)),
		chromedp.WaitVisible(chromedp.CSS("#export-form")),
		chromedp.SetValue(chromedp.CSS("#from"), "2024-04-01"),
		chromedp.SetValue(chromedp.CSS("#to"), "2024-03-01"),
		chromedp.Click(chromedp.CSS("#export-form button")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := b.text("#page-error"); got != "The first day (2024-04-01) is after the last (2024-03-01)." {
		t.Fatalf("error %q", got)
	}
	b.do("download March",
		chromedp.SetValue(chromedp.CSS("#from"), "2024-03-01"),
		chromedp.SetValue(chromedp.CSS("#to"), "2024-03-31"),
		chromedp.Click(chromedp.CSS("#export-form button")),
	)
	file := filepath.Join(dir, "tillroll-receipts-2024-03-01-2024-03-31.csv")
	select {
	case <-completed:
	case <-time.After(30 * time.Second):
		entries, _ := os.ReadDir(dir)
		t.Fatalf("no %s downloaded (%v)", file, entries)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || !slices.Equal(rows[0], exportHeader) || rows[1][0] != march.UUID || rows[1][9] != "WHOLE MILK 2L" {
		t.Fatalf("downloaded %q", rows)
	}
	b.noScriptRan()
}
