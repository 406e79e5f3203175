package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tillroll/internal/smtptest"
	"tillroll/mailer"
	"tillroll/pipeline"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

const mailTestPassword = "correct-horse-battery-staple"

// mailApp is the server with the web app, a real store and the mailer and
// webhook sender wired as serve wires them (flags as defaults, saved
// settings winning). The OCR workers are not needed and not started.
type mailApp struct {
	*app
	mail  *mailer.Mailer
	hooks *mailer.Webhooks
}

func newMailApp(t *testing.T, flags mailer.SMTPConfig) *mailApp {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := &mailApp{app: &app{t: t, st: st}}
	// A poll of a minute, as in production: only a kick makes the
	// senders look sooner.
	opt := mailer.Options{Poll: time.Minute}
	a.mail = mailer.NewMailerFunc(st, mailer.SavedOr(st, flags), opt)
	a.hooks = mailer.NewWebhooks(st, st, opt)
	an := analyzer.New(st, nil, 0)
	pool := pipeline.NewPool(st, pipeline.Options{Workers: 1})
	logins := server.NewLogins(st, time.Hour, nil)
	w := web.New(web.Config{
		DataDir: "data", Version: "test", Store: st, Logins: logins, Analyzer: an, Queue: pool,
		Mail: &web.MailPages{Relay: a.mail, Webhooks: a.hooks, Flags: web.SMTPFlags{
			Addr: flags.Addr, From: flags.From, User: flags.User, Password: flags.Password,
		}},
	})
	srv := server.New(st, pool, server.Config{Web: w.Register, Receipts: &server.ReceiptsConfig{Store: st, Analyzer: an, Logins: logins}})
	ts := httptest.NewServer(srv.Handler())
	a.url = ts.URL
	t.Cleanup(func() {
		ts.Close()
		for i := len(a.stop) - 1; i >= 0; i-- {
			a.stop[i]()
		}
		_ = st.Close()
	})
	if err := st.PutRetailers([]store.Retailer{{ID: "hilltop", Name: "Hilltop Market"}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.NewUser{
		{Name: "alice", Password: "alice-password"},
		{Name: "shopstaff", Password: "staff-password", Role: store.RoleStaff, RetailerID: "hilltop"},
		{Name: "root", Password: "root-password", Role: store.RoleAdmin},
	} {
		if _, err := st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// run starts the mail and webhook senders.
func (a *mailApp) run() {
	a.goRun(a.mail.Run)
	a.goRun(a.hooks.Run)
}

func (a *mailApp) signedIn(user, password string) *client {
	c := newClient(a.t, a.url)
	c.signIn(user, password)
	return c
}

func TestMailPagesAdminOnly(t *testing.T) {
	a := newMailApp(t, mailer.SMTPConfig{From: "tillroll@localhost"})
	a.run()
	if err := a.st.Enqueue(store.Message{Kind: store.KindMail, Account: "shop", To: "shop@example.com"}); err != nil {
		t.Fatal(err)
	}
	paths := []string{"/admin/mail", "/admin/outbox"}
	posts := map[string]url.Values{
		"/admin/mail":           {"addr": {"relay.example.com:25"}, "from": {"x@example.com"}},
		"/admin/mail/reset":     {},
		"/admin/mail/test":      {"to": {"x@example.com"}},
		"/admin/outbox/1/retry": {},
	}

	// Signed out: sent to sign in; a POST is refused.
	anon := newClient(t, a.url)
	for _, p := range paths {
		if resp, _ := anon.do(http.MethodGet, p, "", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("signed out GET %s: %d %s", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for p, form := range posts {
		if resp, _ := anon.post(p, form); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("signed out POST %s: %d", p, resp.StatusCode)
		}
	}

	// A user and a retailer's staff get 403, with a valid token too.
	for _, who := range [][2]string{{"alice", "alice-password"}, {"shopstaff", "staff-password"}} {
		c := a.signedIn(who[0], who[1])
		tok := c.token("/receipts")
		for _, p := range paths {
			if resp, _ := c.do(http.MethodGet, p, "", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", who[0], p, resp.StatusCode)
			}
		}
		for p, form := range posts {
			form = mailCopyForm(form)
			form.Set("csrf", tok)
			if resp, _ := c.post(p, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who[0], p, resp.StatusCode)
			}
		}
	}
	if _, saved, _ := a.st.SMTPSettings(); saved {
		t.Fatal("a non-admin saved SMTP settings")
	}
	if w, _ := a.st.OutboxMessages(false); len(w) != 1 || w[0].Attempts != 0 {
		t.Fatalf("the outbox changed: %+v", w)
	}

	// The admin sees both pages, with the layout's security headers.
	root := a.signedIn("root", "root-password")
	for _, p := range paths {
		resp, body := root.do(http.MethodGet, p, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") || !csrfRE.MatchString(body) {
			t.Errorf("admin GET %s: %d, CSP %q", p, resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
		}
	}
}

func mailCopyForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestMailSettingsForm(t *testing.T) {
	// The flags name a relay with a password: the page shows it as set,
	// never the password itself.
	flags := mailer.SMTPConfig{Addr: "relay.flags.example:587", From: "flags@example.com", User: "flaguser", Password: mailTestPassword}
	a := newMailApp(t, flags)
	a.run()
	root := a.signedIn("root", "root-password")
	tok := root.token("/admin/mail")

	_, body := root.do(http.MethodGet, "/admin/mail", "", nil)
	for _, want := range []string{`value="relay.flags.example:587"`, `value="flags@example.com"`, "A password is set", "--smtp-*"} {
		if !strings.Contains(body, want) {
			t.Errorf("form from the flags lacks %q", want)
		}
	}
	if strings.Contains(body, mailTestPassword) {
		t.Fatal("the page shows the flags' password")
	}

	good := url.Values{"addr": {"relay.example.com:587"}, "from": {"Tillroll <tillroll@example.com>"}, "user": {"receipts"}}
	with := func(k, v string) url.Values {
		f := mailCopyForm(good)
		f.Set("csrf", tok)
		f.Set(k, v)
		return f
	}

	// CSRF and origin.
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
	}{
		{"no token", good, nil},
		{"wrong token", with("csrf", strings.Repeat("0", 64)), nil},
		{"other site", with("user", "receipts"), []string{"Origin", "https://evil.example"}},
	} {
		if resp, _ := root.post("/admin/mail", tc.form, tc.header...); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
		}
	}

	// Bad input: 400 with the reason, what was typed kept, nothing saved.
	for _, tc := range []struct {
		name, field, value, want string
	}{
		{"no port", "addr", "relay.example.com", "is not host:port"},
		{"port not a number", "addr", "relay.example.com:smtp", "is not host:port"},
		{"port too big", "addr", "relay.example.com:99999", "is not host:port"},
		{"URL, not host:port", "addr", "smtp://relay.example.com:25", "is not host:port"},
		{"no sender", "from", "", "enter the sender address"},
		{"sender not an address", "from", "tillroll at example", "is not a mail address"},
		{"markup in sender", "from", `<script>alert(1)</script>`, "is not a mail address"},
		{"no user for the password", "user", "", "user name is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := root.post("/admin/mail", with(tc.field, tc.value))
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(strings.ToLower(body), strings.ToLower(tc.want)) {
				t.Fatalf("%d, want 400 saying %q:\n%s", resp.StatusCode, tc.want, body)
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Fatal("the typed value is not escaped")
			}
			if _, saved, _ := a.st.SMTPSettings(); saved {
				t.Fatal("bad settings were saved")
			}
		})
	}

	// The first save keeps the password in effect (the flags') when the
	// field is left empty.
	resp, body := root.post("/admin/mail", with("password", ""))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/mail?saved=1" {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	s, saved, err := a.st.SMTPSettings()
	if err != nil || !saved || s.Addr != "relay.example.com:587" || s.From != "Tillroll <tillroll@example.com>" || s.User != "receipts" || s.Password != mailTestPassword || s.UpdatedBy != "root" {
		t.Fatalf("saved %+v (saved=%v, err %v)", s, saved, err)
	}
	_, body = root.do(http.MethodGet, "/admin/mail?saved=1", "", nil)
	if !strings.Contains(body, "Saved") || !strings.Contains(body, "by root") || !strings.Contains(body, "A password is set") || strings.Contains(body, mailTestPassword) {
		t.Fatalf("page after saving:\n%s", body)
	}

	// Replace the password, then keep it, then remove it.
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"replace", with("password", "new-"+mailTestPassword), "new-" + mailTestPassword},
		{"keep", with("password", ""), "new-" + mailTestPassword},
		{"remove", with("clear_password", "1"), ""},
	} {
		if resp, body := root.post("/admin/mail", tc.form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		if s, _, _ := a.st.SMTPSettings(); s.Password != tc.want {
			t.Fatalf("%s: password %q, want %q", tc.name, s.Password, tc.want)
		}
	}
	_, body = root.do(http.MethodGet, "/admin/mail", "", nil)
	if !strings.Contains(body, "No password is set") {
		t.Fatal("after removing the password the page does not say so")
	}

	// Forget the saved settings: the flags apply again.
	if resp, _ := root.post("/admin/mail/reset", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if _, saved, _ := a.st.SMTPSettings(); saved {
		t.Fatal("the settings are still saved after the reset")
	}
	if _, body := root.do(http.MethodGet, "/admin/mail?saved=reset", "", nil); !strings.Contains(body, `value="relay.flags.example:587"`) {
		t.Fatal("after the reset the form does not show the flags")
	}
}

func TestMailTestMail(t *testing.T) {
	a := newMailApp(t, mailer.SMTPConfig{From: "tillroll@localhost"}) // no relay flag
	a.run()
	root := a.signedIn("root", "root-password")
	tok := root.token("/admin/mail")
	test := func(to string) (*http.Response, string) {
		t.Helper()
		return root.post("/admin/mail/test", url.Values{"csrf": {tok}, "to": {to}})
	}
	save := func(s store.SMTPSettings) {
		t.Helper()
		if err := a.st.SaveSMTPSettings(s, false); err != nil {
			t.Fatal(err)
		}
	}

	if resp, body := test("admin@example.com"); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "No SMTP relay is set") {
		t.Fatalf("with no relay: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := root.post("/admin/mail/test", url.Values{"to": {"admin@example.com"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("without a token: %d", resp.StatusCode)
	}

	relay := smtptest.Start(t)
	relay.RequireAuth("receipts", mailTestPassword)
	save(store.SMTPSettings{Addr: relay.Addr, From: "Tillroll <tillroll@example.com>", User: "receipts", Password: mailTestPassword})
	for _, to := range []string{"", "not an address", "Admin <admin@example.com>", "a@example.com, b@example.com", `<script>@x`} {
		resp, body := test(to)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="page-error"`) {
			t.Errorf("to %q: %d, want 400 with the reason", to, resp.StatusCode)
		}
		if strings.Contains(body, "<script>@x") {
			t.Errorf("to %q is not escaped", to)
		}
	}
	if n := len(relay.Messages()); n != 0 {
		t.Fatalf("bad addresses sent %d mails", n)
	}

	resp, body := test("admin@example.com")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/mail?tested=admin%40example.com" {
		t.Fatalf("test mail: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	got := relay.Messages()
	if len(got) != 1 || got[0].To[0] != "admin@example.com" || got[0].User != "receipts" || !bytes.Contains(got[0].Data, []byte(mailer.TestSubject)) {
		t.Fatalf("relay got %+v", got)
	}
	if _, body := root.do(http.MethodGet, resp.Header.Get("Location"), "", nil); !strings.Contains(body, "accepted the test mail to admin@example.com") {
		t.Fatal("no word of the test mail on the page")
	}

	// Failures show the relay's answer, never the password.
	closed := smtptest.ClosedAddr(t)
	for _, tc := range []struct {
		name string
		s    store.SMTPSettings
		want []string
	}{
		{"nothing listens", store.SMTPSettings{Addr: closed, From: "tillroll@example.com", User: "receipts", Password: mailTestPassword}, []string{"The test mail was not sent", closed, "refused"}},
		{"login refused", store.SMTPSettings{Addr: relay.Addr, From: "tillroll@example.com", User: "receipts", Password: "wrong-" + mailTestPassword}, []string{"The test mail was not sent", "AUTH", "535", "credentials invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			save(tc.s)
			resp, body := test("admin@example.com")
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("%d, want 502", resp.StatusCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, mailTestPassword) {
				t.Error("the page shows the password")
			}
			if !strings.Contains(body, `value="admin@example.com"`) {
				t.Error("the address typed is lost")
			}
		})
	}
	if n := len(relay.Messages()); n != 1 {
		t.Fatalf("relay has %d messages, want only the first test mail", n)
	}
}

func TestOutboxPageAndRetry(t *testing.T) {
	a := newMailApp(t, mailer.SMTPConfig{From: "tillroll@localhost"})
	relay := smtptest.Start(t)
	hookURL := "http://" + smtptest.ClosedAddr(t) + "/hook"
	// Seeded before the senders run: a mail and a webhook that failed
	// and wait an hour, a mail never tried, one already sent.
	if err := a.st.Enqueue(
		store.Message{Kind: store.KindMail, Account: "shop", To: "failed@example.com"},
		store.Message{Kind: store.KindWebhook, Account: "shop", URL: hookURL, Payload: []byte(`{}`)},
		store.Message{Kind: store.KindMail, Account: "shop", To: "fresh@example.com"},
		store.Message{Kind: store.KindMail, Account: "shop", To: "sent@example.com"},
	); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	for id, msg := range map[uint64]string{1: "SMTP relay 127.0.0.1:25: 451 <b>try again</b> later", 2: "webhook: connection refused"} {
		if err := a.st.MarkRetry(id, later, msg); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.st.MarkSent(4); err != nil {
		t.Fatal(err)
	}
	a.run() // no relay set: the mail waits, untried

	root := a.signedIn("root", "root-password")
	tok := root.token("/admin/outbox")
	resp, body := root.do(http.MethodGet, "/admin/outbox", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("outbox: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"Waiting <span class=\"count\">(3)", "Recently sent <span class=\"count\">(1)",
		`<tr id="msg-1" class="failed">`, `<tr id="msg-2" class="failed">`, `<tr id="msg-3">`, `<tr id="sent-4">`,
		"failed@example.com", hookURL, "fresh@example.com", "sent@example.com",
		"451 &lt;b&gt;try again&lt;/b&gt; later", `action="/admin/outbox/1/retry"`, `id="no-relay"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("outbox page lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>try again") {
		t.Error("a last error is not escaped")
	}

	// Bad and stale ids.
	for _, tc := range []struct {
		id   string
		want int
	}{{"abc", http.StatusBadRequest}, {"0", http.StatusBadRequest}, {"99", http.StatusNotFound}, {"4", http.StatusNotFound}} {
		if resp, _ := root.post("/admin/outbox/"+tc.id+"/retry", url.Values{"csrf": {tok}}); resp.StatusCode != tc.want {
			t.Errorf("retry %s: %d, want %d", tc.id, resp.StatusCode, tc.want)
		}
	}
	if resp, _ := root.post("/admin/outbox/1/retry", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("retry without a token: %d", resp.StatusCode)
	}

	retry := func(id string) {
		t.Helper()
		resp, body := root.post("/admin/outbox/"+id+"/retry", url.Values{"csrf": {tok}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/outbox?retried="+id {
			t.Fatalf("retry %s: %d %s", id, resp.StatusCode, body)
		}
	}
	message := func(id uint64) store.Message {
		t.Helper()
		w, err := a.st.OutboxMessages(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range w {
			if m.ID == id {
				return m
			}
		}
		t.Fatalf("message %d is not waiting", id)
		return store.Message{}
	}

	// With no relay, retrying the mail makes it due now and leaves the
	// rest: attempts and last error stay.
	retry("1")
	if m := message(1); m.NextAttempt.After(time.Now()) || m.Attempts != 1 || !strings.Contains(m.LastError, "451") {
		t.Fatalf("after retry now: %+v", m)
	}
	if _, body := root.do(http.MethodGet, "/admin/outbox?retried=1", "", nil); !strings.Contains(body, "Message 1 is being tried again now") || !strings.Contains(body, "due now") {
		t.Fatal("the outbox page does not show the retry")
	}

	// Retrying the webhook wakes its sender, which tries it at once
	// (and fails again: nothing listens there).
	retry("2")
	mailWaitUntil(t, "the webhook's second attempt", func() bool { return message(2).Attempts == 2 })

	// A relay is set behind the mailer's back (no kick); the retry button
	// wakes it and the mail goes out now, not at the next poll.
	if err := a.st.SaveSMTPSettings(store.SMTPSettings{Addr: relay.Addr, From: "tillroll@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	retry("1")
	got, ok := relay.Wait(2, 20*time.Second) // the retried mail, and the one never tried (due all along)
	if !ok {
		t.Fatalf("the relay got %d mails after retry now, want 2", len(got))
	}
	mailWaitUntil(t, "both mails recorded as sent", func() bool {
		s, _ := a.st.OutboxMessages(true)
		return len(s) == 3
	})
	_, body = root.do(http.MethodGet, "/admin/outbox", "", nil)
	if !strings.Contains(body, `<tr id="sent-1">`) || !strings.Contains(body, "Waiting <span class=\"count\">(1)") || strings.Contains(body, `id="no-relay"`) {
		t.Fatalf("outbox after sending:\n%s", body)
	}
}

// mailWaitUntil polls cond for up to 20 s (it bounds a broken test; a working
// one is done in milliseconds).
func mailWaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// An admin sets the relay in the browser, sends a test mail that arrives,
// and retries a failed mail from the outbox page.
func TestBrowserMail(t *testing.T) {
	a := newMailApp(t, mailer.SMTPConfig{From: "tillroll@localhost"})
	relay := smtptest.Start(t)
	relay.RequireAuth("receipts", mailTestPassword)
	if err := a.st.Enqueue(store.Message{Kind: store.KindMail, Account: "shop", To: "shop@example.com", Subject: "Receipt", Body: "done"}); err != nil {
		t.Fatal(err)
	}
	if err := a.st.MarkRetry(1, time.Now().Add(time.Hour), "SMTP relay 127.0.0.1:25: 451 try again later"); err != nil {
		t.Fatal(err)
	}
	a.run()
	b := newBrowser(t, a.url)
	b.signIn("root", "root-password")

	b.do("open the mail page", chromedp.Navigate(a.url+"/admin/mail"), chromedp.WaitVisible(chromedp.CSS("#mail-form")))
	if got := b.text("#mail-source"); !strings.Contains(got, "No SMTP relay is set") {
		t.Fatalf("before saving the page says %q", got)
	}
	b.do("save the relay settings",
		chromedp.SetValue(chromedp.CSS("#smtp-addr"), relay.Addr),
		chromedp.SetValue(chromedp.CSS("#smtp-from"), "Tillroll <tillroll@example.com>"),
		chromedp.SendKeys(chromedp.CSS("#smtp-user"), "receipts"),
		chromedp.SendKeys(chromedp.CSS("#smtp-password"), mailTestPassword),
		chromedp.Click(chromedp.CSS("#mail-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := b.text("#smtp-password-state"); got != "A password is set." {
		t.Fatalf("password state %q", got)
	}
	if v := b.eval(`document.getElementById("smtp-password").value`); v != "" {
		t.Fatalf("the password field is filled in: %q", v)
	}
	if got := b.text("#mail-source"); !strings.Contains(got, "Saved on this page by root") {
		t.Fatalf("after saving the page says %q", got)
	}

	b.do("send a test mail",
		chromedp.SendKeys(chromedp.CSS("#test-to"), "admin@example.com"),
		chromedp.Click(chromedp.CSS("#test-form button[type=submit]")),
	)
	b.waitPage("tested=")
	if got := b.text(".flash"); !strings.Contains(got, "accepted the test mail to admin@example.com") {
		t.Fatalf("after the test mail the page says %q", got)
	}
	got, ok := relay.Wait(1, 20*time.Second)
	if !ok || got[0].To[0] != "admin@example.com" || got[0].User != "receipts" || !bytes.Contains(got[0].Data, []byte(mailer.TestSubject)) {
		t.Fatalf("the test mail did not arrive: %+v", got)
	}

	b.do("open the outbox", chromedp.Navigate(a.url+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox-waiting")))
	if got := b.text("#msg-1"); !strings.Contains(got, "failed") || !strings.Contains(got, "451 try again later") || !strings.Contains(got, "shop@example.com") {
		t.Fatalf("the failed mail shows as %q", got)
	}
	b.do("retry it now",
		chromedp.Click(chromedp.CSS("#msg-1 button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if _, ok := relay.Wait(2, 20*time.Second); !ok {
		t.Fatal("the retried mail did not arrive")
	}
	mailWaitUntil(t, "the mail recorded as sent", func() bool {
		s, _ := a.st.OutboxMessages(true)
		return len(s) == 1
	})
	b.do("see it sent", chromedp.Navigate(a.url+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#sent-1")))
	if got := b.text("#waiting-empty"); got != "Nothing waits." {
		t.Fatalf("waiting list: %q", got)
	}
	b.noScriptRan()
}
