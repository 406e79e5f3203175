package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFirstRun: the first run as a shop owner meets it. `tillroll
// serve` on an empty data directory prints the one-time setup code; in a
// real headless Chromium, the box's front page sends to /setup, a wrong
// code is refused, the code from the log makes the first admin, who lands
// on the admin page signed in; after that /setup is closed.
func TestBrowserFirstRun(t *testing.T) {
	const chromium = "/usr/bin/chromium" // Debian's; `make test` installs it
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("TILLROLL_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is missing and TILLROLL_REQUIRE_BROWSER is set", chromium)
		}
		t.Skipf("needs Chromium at %s", chromium)
	}
	data := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--workers", "1"}, func(string) string { return "" }, pw, io.Discard)
		_ = pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	// The log line a shop owner reads (journalctl -u tillroll).
	lineRE := regexp.MustCompile(`open (http://\S+)/ in a browser and make the first admin with the setup code ([a-z2-9-]+)`)
	var base, code string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := lineRE.FindStringSubmatch(sc.Text()); m != nil {
			base, code = m[1], m[2]
		}
		if strings.HasPrefix(sc.Text(), "Make an account") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if code == "" {
		t.Fatal("serve printed no setup code")
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true))
	b, cancelTab := chromedp.NewContext(alloc)
	b, cancelTime := context.WithTimeout(b, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(b, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	fill := func(code string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.WaitVisible(chromedp.CSS("#setup")),
			chromedp.SetValue(chromedp.CSS("#code"), code),
			chromedp.SetValue(chromedp.CSS("#username"), "owner"),
			chromedp.SetValue(chromedp.CSS("#password"), "owner-password"),
			chromedp.SetValue(chromedp.CSS("#password2"), "owner-password"),
			chromedp.Click(chromedp.CSS("#setup button[type=submit]")),
		}
	}

	step("open the box", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#setup")))
	if !strings.HasSuffix(location(), "/setup") {
		t.Fatalf("the front page of a box with no user went to %s, want /setup", location())
	}
	step("a wrong code", append(fill("aaaaa-bbbbb-ccccc"), chromedp.WaitVisible(chromedp.CSS("#page-error")))...)
	if got := text("#page-error"); !strings.Contains(got, "Wrong setup code") {
		t.Fatalf("a wrong code says %q", got)
	}
	// The code as the log printed it makes the admin, signed in at once.
	step("the code from the log", append(fill(code), chromedp.WaitVisible(chromedp.CSS(`header nav a[href="/admin"]`)))...)
	if !strings.HasSuffix(location(), "/admin") || text(".who") != "owner" {
		t.Fatalf("after setup: at %s as %q, want /admin as owner", location(), text(".who"))
	}
	// The session works on the other pages, and /setup is closed.
	step("the account page", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#create-form")))
	step("setup again", chromedp.Navigate(base+"/setup"), chromedp.WaitReady(chromedp.CSS("body")))
	if strings.HasSuffix(location(), "/setup") {
		t.Fatalf("/setup is still open after the first admin")
	}
}
