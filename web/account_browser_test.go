package web_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tillroll/store"
)

// TestBrowserAccount: create capture-API credentials and see them once;
// a reload and a later visit do not show them; regenerate them; set a
// webhook URL.
func TestBrowserAccount(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")

	b.do("open the account page",
		chromedp.Click(chromedp.CSS(`header nav a[href="/account"]`)),
		chromedp.WaitVisible(chromedp.CSS("#create-form")),
	)
	if got := b.text("#no-credentials"); !strings.Contains(got, "no credentials") {
		t.Fatalf("without credentials the page says %q", got)
	}
	b.do("create credentials",
		chromedp.SendKeys(chromedp.CSS("#create-email"), "alice@example.com"),
		chromedp.Click(chromedp.CSS("#create-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#credentials")),
	)
	if got := b.text("#new-credentials .note"); !strings.Contains(got, "shown only this once") {
		t.Fatalf("the note says %q", got)
	}
	first := parseHeaders(t, b.text("#credentials"))
	if acct, err := a.st.Authenticate(first); err != nil || acct.Email != "alice@example.com" {
		t.Fatalf("the credentials shown: %+v %v", acct, err)
	}
	// The copy button copies or, where the browser will not, selects.
	b.do("copy", chromedp.Click(chromedp.CSS("#copy-credentials")))
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.getElementById("copy-status").textContent !== ""`)); err != nil {
		t.Fatalf("copy: %v", err)
	}

	// A reload sends the form again: nothing is made, nothing shown.
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#page-error")))
	if got := b.text("#page-error"); !strings.Contains(got, "You already have API credentials") {
		t.Fatalf("after a reload the page says %q", got)
	}
	noSecrets(t, "the page after a reload", b.eval(`document.documentElement.outerHTML`), first)
	// Coming back later: the account, without its secrets.
	b.do("open the account page again", chromedp.Navigate(a.url+"/account"), chromedp.WaitVisible(chromedp.CSS("#account-details")))
	noSecrets(t, "the account page", b.eval(`document.documentElement.outerHTML`), first)
	if n := b.eval(`String(document.querySelectorAll("#credentials").length)`); n != "0" {
		t.Fatal("the account page shows credentials again")
	}
	if got := b.text("#client-id"); got != first.ClientID {
		t.Fatalf("client id shown %q, want %q", got, first.ClientID)
	}
	if _, err := a.st.Authenticate(first); err != nil {
		t.Fatalf("the reload changed the credentials: %v", err)
	}

	// Regenerate, once confirmed: new ones, shown once; the old ones stop.
	b.do("regenerate",
		chromedp.Click(chromedp.CSS("#confirm")),
		chromedp.Click(chromedp.CSS("#regenerate-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#credentials")),
	)
	second := parseHeaders(t, b.text("#credentials"))
	if second.ClientID == first.ClientID || second.APIKey == first.APIKey {
		t.Fatal("regenerating showed the old credentials")
	}
	if _, err := a.st.Authenticate(first); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("the old credentials after regenerating: %v", err)
	}
	if _, err := a.st.Authenticate(second); err != nil {
		t.Fatalf("the new credentials: %v", err)
	}
	if got := b.text("#client-id"); got != second.ClientID {
		t.Fatalf("client id shown %q after regenerating", got)
	}
	// A reload does not regenerate them again behind the user's back.
	b.do("reload after regenerating", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#page-error")))
	if got := b.text("#page-error"); !strings.Contains(got, "already regenerated") {
		t.Fatalf("after a reload the page says %q", got)
	}
	noSecrets(t, "the page after a reload", b.eval(`document.documentElement.outerHTML`), first, second)
	if _, err := a.st.Authenticate(second); err != nil {
		t.Fatalf("the reload regenerated the credentials: %v", err)
	}

	// The webhook URL: a bad one is refused with the reason, a good one saved.
	b.do("bad webhook",
		chromedp.Navigate(a.url+"/account"),
		chromedp.WaitVisible(chromedp.CSS("#webhook_url")),
		chromedp.SendKeys(chromedp.CSS("#webhook_url"), "ftp://hooks.example.com/tillroll"),
		chromedp.Click(chromedp.CSS("#webhook-save")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := b.text("#page-error"); !strings.Contains(got, "absolute http or https URL") {
		t.Fatalf("a bad webhook URL says %q", got)
	}
	hook := "https://hooks.example.com/tillroll"
	b.do("set the webhook",
		chromedp.SetValue(chromedp.CSS("#webhook_url"), hook),
		chromedp.Click(chromedp.CSS("#webhook-save")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	b.waitPage("saved=webhook")
	if got := b.text(".flash"); got != "The webhook URL is saved." {
		t.Fatalf("after saving the webhook: %q", got)
	}
	if got := b.eval(`document.getElementById("webhook_url").value`); got != hook {
		t.Fatalf("the field shows %q", got)
	}
	if acct, err := a.st.Account("alice"); err != nil || acct.WebhookURL != hook {
		t.Fatalf("stored webhook %q (%v)", acct.WebhookURL, err)
	}
	noSecrets(t, "the log", a.logs.String(), first, second)
	b.noScriptRan()
}
