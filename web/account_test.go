package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
	"tillroll/store"
)

var credentialsRE = regexp.MustCompile(`<pre id="credentials"[^>]*>([^<]*)</pre>`)

// parseHeaders reads the four headers as the account page shows them
// ("NAME: value" lines) into credentials.
func parseHeaders(t *testing.T, text string) store.Credentials {
	t.Helper()
	h := map[string]string{}
	for line := range strings.Lines(strings.TrimSpace(text)) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			t.Fatalf("header line %q", line)
		}
		h[name] = value
	}
	if len(h) != 4 {
		t.Fatalf("want the four headers, got %q", text)
	}
	var c store.Credentials
	userKey, ok := strings.CutPrefix(h["AUTHORIZATION"], "apikey ")
	if !ok {
		t.Fatalf("AUTHORIZATION %q", h["AUTHORIZATION"])
	}
	c.Username, c.APIKey, _ = strings.Cut(userKey, ":")
	c.ClientID, c.Password, c.SecretKey = h["CLIENT-ID"], h["PASSWORD"], h["SECRET-KEY"]
	return c
}

// shownCredentials are the credentials in a page, if it shows any.
func shownCredentials(t *testing.T, body string) (store.Credentials, bool) {
	t.Helper()
	m := credentialsRE.FindStringSubmatch(body)
	if m == nil {
		return store.Credentials{}, false
	}
	return parseHeaders(t, html.UnescapeString(m[1])), true
}

// noSecrets fails if any of the credentials' secrets is in s.
func noSecrets(t *testing.T, where, s string, creds ...store.Credentials) {
	t.Helper()
	for _, c := range creds {
		for _, secret := range []string{c.APIKey, c.Password, c.SecretKey} {
			if secret != "" && strings.Contains(s, secret) {
				t.Fatalf("%s holds a secret of %s's credentials", where, c.Username)
			}
		}
	}
}

// captureUpload sends the sample receipt to the capture API with the four
// headers, as a client does, and returns the status and the answer.
func captureUpload(t *testing.T, base string, c store.Credentials) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("pdf", "receipt.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(fixture.PNG(fixture.Sample(), fixture.Options{})); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+"/api/v4?type=async", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("CLIENT-ID", c.ClientID)
	req.Header.Set("AUTHORIZATION", "apikey "+c.Username+":"+c.APIKey)
	req.Header.Set("PASSWORD", c.Password)
	req.Header.Set("SECRET-KEY", c.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("capture answer %q: %v", raw, err)
	}
	return resp.StatusCode, out
}

func TestAccountRoles(t *testing.T) {
	a := newApp(t)
	for _, u := range []store.NewUser{
		{Name: "carol", Password: "carol-password", Role: store.RoleStaff, RetailerID: "hilltop"},
		{Name: "dave", Password: "dave-password", Role: store.RoleAdmin},
	} {
		if _, err := a.st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	aliceCreds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}

	// Signed out: GET goes to the sign-in page and back, POST is refused.
	anon := newClient(t, a.url)
	if resp, _ := anon.do(http.MethodGet, "/account", "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Faccount" {
		t.Fatalf("signed out GET /account: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, p := range []string{"/account/credentials", "/account/regenerate", "/account/webhook", "/account/email"} {
		if resp, _ := anon.post(p, url.Values{"email": {"x@example.com"}, "confirm": {"yes"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("signed out POST %s: %d, want 401", p, resp.StatusCode)
		}
	}

	// Every role has the page, for its own account only.
	for _, u := range []struct{ name, password string }{{"bob", "bob-password"}, {"carol", "carol-password"}, {"dave", "dave-password"}} {
		c := newClient(t, a.url)
		c.signIn(u.name, u.password)
		resp, body := c.do(http.MethodGet, "/account", "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Create API credentials") ||
			!strings.Contains(body, `href="/account" aria-current="page"`) {
			t.Fatalf("%s opens /account: %d\n%s", u.name, resp.StatusCode, body)
		}
		if strings.Contains(body, aliceCreds.ClientID) {
			t.Fatalf("%s sees alice's client id", u.name)
		}
		// Forms on an account one does not have change nothing, anyone's.
		tok := c.token("/account")
		for _, p := range []string{"/account/regenerate", "/account/webhook", "/account/email"} {
			resp, body := c.post(p, url.Values{"csrf": {tok}, "confirm": {"yes"}, "client_id": {aliceCreds.ClientID},
				"email": {"x@example.com"}, "webhook_url": {"https://example.com/h"}})
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "You have no API credentials yet") {
				t.Fatalf("%s POST %s without an account: %d\n%s", u.name, p, resp.StatusCode, body)
			}
		}
	}
	acct, err := a.st.Account("alice")
	if err != nil || acct.Email != "alice@example.com" || acct.WebhookURL != "" {
		t.Fatalf("alice's account changed: %+v %v", acct, err)
	}
	if _, err := a.st.Authenticate(aliceCreds); err != nil {
		t.Fatalf("alice's credentials: %v", err)
	}
	for _, name := range []string{"bob", "carol", "dave"} {
		if _, err := a.st.Account(name); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s has an account: %v", name, err)
		}
	}
}

func TestAccountCSRF(t *testing.T) {
	a := newApp(t)
	aliceCreds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	alice := newClient(t, a.url)
	alice.signIn("alice", "alice-password")
	aliceTok := alice.token("/account")
	bob := newClient(t, a.url)
	bob.signIn("bob", "bob-password")
	bobTok := bob.token("/account")

	for _, tc := range []struct {
		name   string
		c      *client
		path   string
		form   url.Values
		header []string
	}{
		{"create, no token", bob, "/account/credentials", url.Values{"email": {"bob@example.com"}}, nil},
		{"create, wrong token", bob, "/account/credentials", url.Values{"email": {"bob@example.com"}, "csrf": {aliceTok}}, nil},
		{"create, other site", bob, "/account/credentials", url.Values{"email": {"bob@example.com"}, "csrf": {bobTok}}, []string{"Origin", "https://evil.example"}},
		{"regenerate, no token", alice, "/account/regenerate", url.Values{"confirm": {"yes"}, "client_id": {aliceCreds.ClientID}}, nil},
		{"regenerate, other site", alice, "/account/regenerate", url.Values{"confirm": {"yes"}, "client_id": {aliceCreds.ClientID}, "csrf": {aliceTok}}, []string{"Origin", "http://evil.example"}},
		{"webhook, no token", alice, "/account/webhook", url.Values{"webhook_url": {"https://evil.example/h"}}, nil},
		{"webhook, wrong token", alice, "/account/webhook", url.Values{"webhook_url": {"https://evil.example/h"}, "csrf": {bobTok}}, nil},
		{"email, no token", alice, "/account/email", url.Values{"email": {"evil@example.com"}}, nil},
		{"email, other site", alice, "/account/email", url.Values{"email": {"evil@example.com"}, "csrf": {aliceTok}}, []string{"Origin", "https://evil.example"}},
	} {
		resp, body := tc.c.post(tc.path, tc.form, tc.header...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
		}
		if _, shown := shownCredentials(t, body); shown {
			t.Errorf("%s: the refusal shows credentials", tc.name)
		}
	}
	if _, err := a.st.Account("bob"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused form made bob's account: %v", err)
	}
	acct, err := a.st.Authenticate(aliceCreds)
	if err != nil || acct.Email != "alice@example.com" || acct.WebhookURL != "" {
		t.Fatalf("refused forms changed alice's account: %+v %v", acct, err)
	}
	// The header token (the app's scripts send it) passes.
	if resp, body := alice.post("/account/email", url.Values{"email": {"office@example.com"}}, "X-CSRF-Token", aliceTok, "Origin", a.url); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("email with the header token: %d\n%s", resp.StatusCode, body)
	}
}

func TestAccountCredentials(t *testing.T) {
	a := newApp(t)
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")
	tok := c.token("/account")

	resp, body := c.do(http.MethodGet, "/account", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="create-form"`) || strings.Contains(body, `id="regenerate-form"`) {
		t.Fatalf("GET /account without an account: %d\n%s", resp.StatusCode, body)
	}

	// A bad address: a clear error, the value kept, no account.
	for _, bad := range []string{"", "not an address", "Alice <alice@example.com>", "alice@example.com, bob@example.com"} {
		resp, body := c.post("/account/credentials", url.Values{"csrf": {tok}, "email": {bad}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The email address must be a plain address") ||
			!strings.Contains(body, `value="`+html.EscapeString(bad)+`"`) {
			t.Fatalf("create with email %q: %d\n%s", bad, resp.StatusCode, body)
		}
	}
	if _, err := a.st.Account("alice"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused address made an account: %v", err)
	}

	// Created: shown once, as the four headers, never cached.
	resp, body = c.post("/account/credentials", url.Values{"csrf": {tok}, "email": {" alice@example.com "}})
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(body, "shown only this once") {
		t.Fatalf("create: %d %q\n%s", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Fatalf("the credentials page's Content-Security-Policy %q", csp)
	}
	first, ok := shownCredentials(t, body)
	if !ok || first.Username != "alice" {
		t.Fatalf("create shows no credentials of alice:\n%s", body)
	}
	acct, err := a.st.Authenticate(first)
	if err != nil || acct.Email != "alice@example.com" {
		t.Fatalf("the shown credentials: %+v %v", acct, err)
	}

	// After that, no GET shows them again; the page shows the account.
	resp, body = c.do(http.MethodGet, "/account", "", nil)
	noSecrets(t, "GET /account", body, first)
	if _, shown := shownCredentials(t, body); shown || resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, first.ClientID) || !strings.Contains(body, `id="regenerate-form"`) || strings.Contains(body, `id="create-form"`) {
		t.Fatalf("GET /account with an account: %d\n%s", resp.StatusCode, body)
	}
	// Sending the form again (a reload) makes nothing and shows nothing.
	resp, body = c.post("/account/credentials", url.Values{"csrf": {tok}, "email": {"alice@example.com"}})
	noSecrets(t, "create again", body, first)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "You already have API credentials") {
		t.Fatalf("create again: %d\n%s", resp.StatusCode, body)
	}

	// Regenerate needs the confirmation and the current client id.
	for _, tc := range []struct {
		name string
		form url.Values
		code int
		msg  string
	}{
		{"unconfirmed", url.Values{"client_id": {first.ClientID}}, http.StatusBadRequest, "Tick the box to confirm"},
		{"confirmed with no", url.Values{"client_id": {first.ClientID}, "confirm": {"no"}}, http.StatusBadRequest, "Tick the box to confirm"},
		{"stale client id", url.Values{"client_id": {"0123"}, "confirm": {"yes"}}, http.StatusConflict, "already regenerated"},
		{"no client id", url.Values{"confirm": {"yes"}}, http.StatusConflict, "already regenerated"},
	} {
		tc.form.Set("csrf", tok)
		resp, body := c.post("/account/regenerate", tc.form)
		if _, shown := shownCredentials(t, body); shown || resp.StatusCode != tc.code || !strings.Contains(body, tc.msg) {
			t.Fatalf("regenerate %s: %d\n%s", tc.name, resp.StatusCode, body)
		}
	}
	if _, err := a.st.Authenticate(first); err != nil {
		t.Fatalf("refused regenerations changed the credentials: %v", err)
	}

	regen := url.Values{"csrf": {tok}, "client_id": {first.ClientID}, "confirm": {"yes"}}
	resp, body = c.post("/account/regenerate", regen)
	second, ok := shownCredentials(t, body)
	if resp.StatusCode != http.StatusOK || !ok || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("regenerate: %d\n%s", resp.StatusCode, body)
	}
	noSecrets(t, "the regenerated page", body, first)
	if second.ClientID == first.ClientID || second.APIKey == first.APIKey || second.Password == first.Password || second.SecretKey == first.SecretKey {
		t.Fatal("regenerating kept a credential")
	}
	if _, err := a.st.Authenticate(first); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("the old credentials after regenerating: %v", err)
	}
	if _, err := a.st.Authenticate(second); err != nil {
		t.Fatalf("the new credentials: %v", err)
	}
	if key, err := a.st.SigningKey("alice"); err != nil || string(key) != second.SecretKey {
		t.Fatalf("webhooks are not signed with the new secret key (%v)", err)
	}
	// The same form again (a reload) does not replace what was just shown.
	resp, body = c.post("/account/regenerate", regen)
	noSecrets(t, "regenerate again", body, first, second)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("regenerate again: %d", resp.StatusCode)
	}
	if _, err := a.st.Authenticate(second); err != nil {
		t.Fatalf("regenerate again changed the credentials: %v", err)
	}

	// Over HTTP, the capture API takes the new headers and refuses the old.
	code, out := captureUpload(t, a.url, second)
	if code != http.StatusOK || !strings.HasPrefix(out["photon_key"].(string), "data/alice/") {
		t.Fatalf("capture upload with the new credentials: %d %v", code, out)
	}
	if code, out := captureUpload(t, a.url, first); code != http.StatusUnauthorized {
		t.Fatalf("capture upload with the old credentials: %d %v", code, out)
	}

	// Revoke needs the confirmation and the current client id, then ends
	// the credentials with none new; new ones can be made after.
	if resp, body := c.post("/account/revoke", url.Values{"csrf": {tok}, "client_id": {second.ClientID}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Tick the box") {
		t.Fatalf("revoke unconfirmed: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := c.post("/account/revoke", url.Values{"csrf": {tok}, "client_id": {first.ClientID}, "confirm": {"yes"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("revoke with a stale client id: %d", resp.StatusCode)
	}
	if _, err := a.st.Authenticate(second); err != nil {
		t.Fatalf("refused revocations ended the credentials: %v", err)
	}
	if resp, _ := c.post("/account/revoke", url.Values{"csrf": {tok}, "client_id": {second.ClientID}, "confirm": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code, out := captureUpload(t, a.url, second); code != http.StatusUnauthorized {
		t.Fatalf("capture upload with revoked credentials: %d %v", code, out)
	}
	resp, body = c.do(http.MethodGet, "/account?saved=revoked", "", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="revoked-credentials"`) || !strings.Contains(body, `id="create-form"`) || strings.Contains(body, second.ClientID) {
		t.Fatalf("GET /account after revoking: %d\n%s", resp.StatusCode, body)
	}
	resp, body = c.post("/account/credentials", url.Values{"csrf": {tok}, "email": {"alice@example.com"}})
	third, ok := shownCredentials(t, body)
	if resp.StatusCode != http.StatusCreated || !ok {
		t.Fatalf("new credentials after revoking: %d\n%s", resp.StatusCode, body)
	}
	if code, out := captureUpload(t, a.url, third); code != http.StatusOK {
		t.Fatalf("capture upload with the credentials made after revoking: %d %v", code, out)
	}

	// Nothing the server logged holds a secret.
	noSecrets(t, "the log", a.logs.String(), first, second, third)
}

func TestAccountWebhookAndEmail(t *testing.T) {
	a := newApp(t)
	creds, err := a.st.AddCredentials("alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")
	tok := c.token("/account")
	unchanged := func(what, email, webhook string) {
		t.Helper()
		acct, err := a.st.Authenticate(creds)
		if err != nil || acct.Email != email || acct.WebhookURL != webhook {
			t.Fatalf("%s: account %q %q (%v), want %q %q", what, acct.Email, acct.WebhookURL, err, email, webhook)
		}
	}

	for _, bad := range []string{"ftp://example.com/h", "not a url", "/relative", "https://", "http://exa mple.com/", "javascript:alert(1)", "https://example.com/" + strings.Repeat("a", 2048)} {
		resp, body := c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {bad}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Webhook URL must be an absolute http or https URL.") ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("webhook %q: %d\n%s", bad, resp.StatusCode, body)
		}
		unchanged("bad webhook "+bad, "alice@example.com", "")
	}

	// Set: back to the page with a note; markup in it stays text.
	hook := `https://hooks.example.com/t?x="><script>alert(1)</script>`
	resp, body := c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {" " + hook + " "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=webhook" {
		t.Fatalf("set webhook: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	unchanged("set webhook", "alice@example.com", hook)
	_, body = c.do(http.MethodGet, "/account?saved=webhook", "", nil)
	if !strings.Contains(body, "The webhook URL is saved.") || strings.Contains(body, "<script>alert(1)") ||
		!strings.Contains(body, `value="`+html.EscapeString(hook)+`"`) || !strings.Contains(body, `id="webhook-remove"`) {
		t.Fatalf("the page after setting the webhook:\n%s", body)
	}
	// A bad one keeps the good one.
	if resp, _ := c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {"mailto:a@example.com"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad webhook over a good one: %d", resp.StatusCode)
	}
	unchanged("bad webhook over a good one", "alice@example.com", hook)
	// The remove button clears it, whatever the field holds; so does an empty field.
	resp, _ = c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {hook}, "clear": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=webhook-removed" {
		t.Fatalf("remove webhook: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	unchanged("remove webhook", "alice@example.com", "")
	if resp, _ := c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {"http://10.0.0.5:8000/hook"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("set a LAN webhook: %d", resp.StatusCode)
	}
	if resp, _ := c.post("/account/webhook", url.Values{"csrf": {tok}, "webhook_url": {"  "}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("empty webhook: %d", resp.StatusCode)
	}
	unchanged("empty webhook", "alice@example.com", "")

	// Email: the same check as when the account was made.
	for _, bad := range []string{"", "office", "Office <office@example.com>", "office@example.com\r\nBcc: x@example.com"} {
		resp, body := c.post("/account/email", url.Values{"csrf": {tok}, "email": {bad}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "The email address must be a plain address") {
			t.Fatalf("email %q: %d\n%s", bad, resp.StatusCode, body)
		}
		unchanged("bad email", "alice@example.com", "")
	}
	resp, _ = c.post("/account/email", url.Values{"csrf": {tok}, "email": {"office@example.org"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=email" {
		t.Fatalf("set email: %d", resp.StatusCode)
	}
	unchanged("set email", "office@example.org", "")
	if _, body := c.do(http.MethodGet, "/account?saved=email", "", nil); !strings.Contains(body, "The email address is saved.") || !strings.Contains(body, `value="office@example.org"`) {
		t.Fatalf("the page after setting the email:\n%s", body)
	}
	noSecrets(t, "the log", a.logs.String(), creds)
}

// TestAccountLang sets the account's OCR languages on the account page:
// one not installed is refused with the field marked, an installed one is
// kept and shown, and the remove button gives the server's back.
func TestAccountLang(t *testing.T) {
	if _, err := ocr.CheckLanguages("deu"); err != nil {
		t.Skip(err)
	}
	a := newApp(t)
	if _, err := a.st.AddCredentials("alice", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, a.url)
	c.signIn("alice", "alice-password")
	tok := c.token("/account")
	lang := func(want string) {
		t.Helper()
		acct, err := a.st.Account("alice")
		if err != nil || acct.Lang != want {
			t.Fatalf("account lang %q (%v), want %q", acct.Lang, err, want)
		}
	}
	resp, body := c.post("/account/lang", url.Values{"csrf": {tok}, "lang": {"xx_none"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not installed (installed: ") ||
		!strings.Contains(body, `id="lang" name="lang"`) || !strings.Contains(body, `value="xx_none" aria-describedby="lang-help" aria-invalid="true"`) {
		t.Fatalf("lang xx_none: %d\n%s", resp.StatusCode, body)
	}
	lang("")
	resp, _ = c.post("/account/lang", url.Values{"csrf": {tok}, "lang": {" deu+eng "}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=lang" {
		t.Fatalf("set lang: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	lang("deu+eng")
	if _, body := c.do(http.MethodGet, "/account?saved=lang", "", nil); !strings.Contains(body, "The OCR languages are saved") ||
		!strings.Contains(body, `value="deu&#43;eng"`) || !strings.Contains(body, `id="lang-remove"`) {
		t.Fatalf("the page after setting the languages:\n%s", body)
	}
	resp, _ = c.post("/account/lang", url.Values{"csrf": {tok}, "lang": {"deu"}, "clear": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?saved=lang-removed" {
		t.Fatalf("remove lang: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	lang("")
}
