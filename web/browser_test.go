package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// chromiumPath is Debian's chromium; `make test` installs it.
const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium tab. Dialogs (alert, confirm) are
// recorded and dismissed; uncaught script errors are recorded too.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
}

// newBrowser starts Chromium for one test. Without it the test skips,
// unless TILLROLL_REQUIRE_BROWSER is set (as `make test` does), when it
// fails.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("TILLROLL_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing and TILLROLL_REQUIRE_BROWSER is set: apt-get install chromium (make test does)", chromiumPath)
		}
		t.Skipf("browser tests need Chromium at %s (apt-get install chromium); set TILLROLL_REQUIRE_BROWSER=1 to fail instead of skipping", chromiumPath)
	}
	// This machine's network is closed: nothing may reach out.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil { // starts the browser and the tab
		t.Fatalf("start chromium: %v", err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			b.mu.Lock()
			b.exceptions = append(b.exceptions, msg)
			b.mu.Unlock()
		}
	}()
	// Registered last, so it runs first: the tab is still open.
	t.Cleanup(func() {
		if t.Failed() {
			b.failureShot()
		}
	})
	return b
}

// shotDir is where screenshots go: $TILLROLL_SCREENSHOTS (relative to the
// repository root), else a new temporary directory that outlives the test.
func shotDir(t *testing.T) string {
	if d := os.Getenv("TILLROLL_SCREENSHOTS"); d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join("..", d)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "tillroll-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// failureShot saves what the tab shows and logs where.
func (b *browser) failureShot() {
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Logf("failure screenshot: %v", err)
		return
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name(), "_") + "-failure.png"
	p := filepath.Join(shotDir(b.t), name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Logf("failure screenshot: %v", err)
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	b.t.Logf("failure screenshot of %s: %s", loc, p)
}

// do runs steps; on error the test fails (with a screenshot).
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text is the visible text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// waitPage waits until the tab shows a loaded page whose URL has part
// (asking again while a navigation replaces the page).
func (b *browser) waitPage(part string) {
	b.t.Helper()
	js := fmt.Sprintf(`location.href.includes(%q) && document.readyState === "complete"`, part)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("no page with %q (at %s)", part, b.location())
}

// flat is s with each run of white space one space.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func (b *browser) eval(expr string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// noScriptRan fails the test if any dialog opened or any script failed.
func (b *browser) noScriptRan() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Fatalf("dialogs opened: %q", b.dialogs)
	}
	if len(b.exceptions) > 0 {
		b.t.Fatalf("script errors: %q", b.exceptions)
	}
}

func (b *browser) signIn(user, password string) {
	b.t.Helper()
	b.do("sign in",
		chromedp.Navigate(b.base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#summary")),
	)
}

// upload sends files through the upload page's script and waits until
// every one is processed; it returns the receipts' page paths.
func (b *browser) upload(files ...string) []string {
	b.t.Helper()
	b.do("upload",
		chromedp.Navigate(b.base+"/upload"),
		chromedp.WaitVisible(chromedp.CSS("#files")),
		chromedp.SetUploadFiles(chromedp.CSS("#files"), files),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")),
	)
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Minute)
	defer cancel()
	want := fmt.Sprint(len(files))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#uploads li.processed").length == `+want)); err != nil {
		b.t.Fatalf("wait until processed: %v (uploads: %s)", err, b.text("#uploads"))
	}
	var links []string
	for i := range files {
		href := b.eval(fmt.Sprintf(`document.querySelectorAll("#uploads li.processed a.open")[%d].getAttribute("href")`, i))
		links = append(links, href)
	}
	return links
}

// sampleFile writes the shared test receipt (CORNER GROCER LTD, TOTAL
// 12.10) as a PNG named name.
func sampleFile(t *testing.T, name string, r *fixture.Receipt) string {
	t.Helper()
	if r == nil {
		r = fixture.Sample()
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, fixture.PNG(r, fixture.Options{}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBrowserSignIn(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a.url)

	// A page that needs a session sends to the sign-in page and back.
	b.do("open receipts signed out", chromedp.Navigate(a.url+"/receipts"), chromedp.WaitVisible(chromedp.CSS("#signin")))
	if loc := b.location(); !strings.Contains(loc, "/signin?next=%2Freceipts") {
		t.Fatalf("signed out, /receipts went to %s", loc)
	}
	b.do("wrong password",
		chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not-her-password"),
		chromedp.Click(chromedp.CSS("#signin button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := b.text("#page-error"); !strings.Contains(got, "Wrong user name or password") {
		t.Fatalf("wrong password says %q", got)
	}
	b.signIn("alice", "alice-password")
	if loc := b.location(); !strings.HasSuffix(loc, "/receipts") {
		t.Fatalf("after sign-in at %s", loc)
	}
	if got := b.text(".signout .who"); got != "alice" {
		t.Fatalf("signed in as %q", got)
	}
	// The session cookie is out of the page's reach.
	if c := b.eval(`document.cookie`); strings.Contains(c, "tillroll_session") {
		t.Fatalf("session cookie readable by script: %q", c)
	}
	b.do("sign out",
		chromedp.Click(chromedp.CSS(".signout button")),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Navigate(a.url+"/receipts"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
	)
	b.noScriptRan()
}

func TestBrowserReceipt(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")

	// Upload and wait, in the page, until OCR and the analysis are done.
	links := b.upload(sampleFile(t, "receipt.png", nil))
	uuid := strings.TrimPrefix(links[0], "/receipts/")
	if r := a.waitReceipt(uuid, func(r store.Receipt) bool { return true }); r.Status != receipts.SetRetailers {
		t.Fatalf("after OCR the receipt is %s, want SET_RETAILERS (no retailer has its name)", r.Status)
	}

	// The detail page shows the image and what was read, with confidence.
	b.do("open the receipt", chromedp.Navigate(a.url+links[0]), chromedp.WaitVisible(chromedp.CSS("#fields")))
	fields := b.text("#fields")
	for _, want := range []string{"CORNER GROCER LTD", "12.10", "% sure"} {
		if !strings.Contains(fields, want) {
			t.Fatalf("fields lack %q:\n%s", want, fields)
		}
	}
	if ok := b.eval(`String(document.querySelector(".images img").naturalWidth > 0)`); ok != "true" {
		t.Fatal("the receipt image did not load")
	}
	if got := b.text("#receipt-status"); got != "Needs a retailer" {
		t.Fatalf("status shows %q", got)
	}

	// Correct the total.
	b.do("correct the total",
		chromedp.SetValue(chromedp.CSS("#total"), "12.50"),
		chromedp.Click(chromedp.CSS("#total-form button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	fields = b.text("#fields")
	if !strings.Contains(fields, "12.50") || !strings.Contains(fields, "corrected by you") {
		t.Fatalf("after correcting the total:\n%s", fields)
	}
	// A total that is no amount is refused, with the reason on the page.
	b.do("bad total",
		chromedp.SetValue(chromedp.CSS("#total"), "12.5.0"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("total").removeAttribute("pattern")`),
		chromedp.Click(chromedp.CSS("#total-form button")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := b.text("#page-error"); !strings.Contains(got, "amount") {
		t.Fatalf("bad total says %q", got)
	}

	// Set the retailer: the status moves as PUT .../retailer moves it and
	// the retailer learns the printed name.
	b.do("set the retailer",
		chromedp.Navigate(a.url+links[0]),
		chromedp.WaitVisible(chromedp.CSS("#retailer_id")),
		chromedp.SetValue(chromedp.CSS("#retailer_id"), "hilltop"),
		chromedp.Click(chromedp.CSS("#retailer-form button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := b.text("#receipt-title"); got != "Hilltop Market" {
		t.Fatalf("title after setting the retailer: %q", got)
	}
	ret, err := a.st.Retailer("hilltop")
	if err != nil || !slices.Contains(ret.Learned, "CORNER GROCER LTD") {
		t.Fatalf("the retailer did not learn the printed name: %+v %v", ret, err)
	}
	r := a.waitReceipt(uuid, func(r store.Receipt) bool { return r.Status != receipts.SetRetailersPending })
	if r.Status != receipts.SetProducts || r.RetailerID != "hilltop" || r.Analysis.Total != "12.50" {
		t.Fatalf("after the re-analysis: %s %s %s", r.Status, r.RetailerID, r.Analysis.Total)
	}
	// The page follows the status until the analysis is done.
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("receipt-status").textContent == "Needs products"`)); err != nil {
		t.Fatalf("status on the page: %v (%q)", err, b.text("#receipt-status"))
	}

	// Search finds it by the printed name and by the retailer; the group shows it.
	b.do("search",
		chromedp.Navigate(a.url+"/receipts"),
		chromedp.SetValue(chromedp.CSS("#q"), "grocer"),
		chromedp.Click(chromedp.CSS(".filters button")),
	)
	b.waitPage("q=grocer")
	if got := b.text("#summary"); !strings.Contains(got, "1 receipt(s) match") {
		t.Fatalf("search summary %q", got)
	}
	if got := b.text("#receipt-list"); !strings.Contains(got, "Hilltop Market") || !strings.Contains(got, "12.50") {
		t.Fatalf("search list %q", got)
	}
	b.do("search for nothing",
		chromedp.SetValue(chromedp.CSS("#q"), "bananas"),
		chromedp.Click(chromedp.CSS(".filters button")),
		chromedp.WaitVisible(chromedp.CSS(".empty")),
	)
	b.do("filter by status",
		chromedp.Navigate(a.url+"/receipts?status=attention"),
		chromedp.WaitVisible(chromedp.CSS("#receipt-list")),
	)
	if got := flat(b.text(".groups")); !strings.Contains(got, "Need attention 1") {
		t.Fatalf("groups %q", got)
	}

	// Another user sees nothing of it.
	b.do("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.signIn("bob", "bob-password")
	b.do("bob opens alice's receipt", chromedp.Navigate(a.url+links[0]), chromedp.WaitVisible(chromedp.CSS("#page-error")))
	b.noScriptRan()
}

func TestBrowserXSS(t *testing.T) {
	a := newApp(t)
	// The evil retailer is recognised on the sample receipt, so its name
	// shows in the groups, the list and the detail page.
	ret, err := a.st.Retailer("evil")
	if err != nil {
		t.Fatal(err)
	}
	ret.Words = []string{"corner grocer"}
	if err := a.st.PutRetailers([]store.Retailer{ret}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")

	// A file name with markup shows as text while it uploads.
	evilFile := `<img src=x onerror=alert(4)>.png`
	links := b.upload(sampleFile(t, evilFile, nil))
	if got := b.text("#uploads .name"); got != evilFile {
		t.Fatalf("file name shows as %q", got)
	}

	b.do("open the receipt", chromedp.Navigate(a.url+links[0]), chromedp.WaitVisible(chromedp.CSS("#fields")))
	if got := b.text("#receipt-title"); got != evilName {
		t.Fatalf("title %q, want the name as text", got)
	}
	b.do("list", chromedp.Navigate(a.url+"/receipts?q="+url.QueryEscape(`<script>alert(3)</script>`)), chromedp.WaitVisible(chromedp.CSS("#summary")))
	if got := b.text("#summary .query"); got != `<script>alert(3)</script>` {
		t.Fatalf("the query shows as %q", got)
	}
	b.do("groups", chromedp.Navigate(a.url+"/receipts"), chromedp.WaitVisible(chromedp.CSS("#receipt-list")))
	if got := b.text("#retailer"); !strings.Contains(got, evilName) {
		t.Fatalf("retailer filter %q lacks the name as text", got)
	}
	if got := b.text("#receipt-list"); !strings.Contains(got, evilName) {
		t.Fatalf("list %q lacks the name as text", got)
	}
	// No markup from the data became elements.
	if n := b.eval(`String(document.querySelectorAll("img[src=x], script:not([src])").length)`); n != "0" {
		t.Fatalf("%s injected elements", n)
	}
	b.noScriptRan()
}
