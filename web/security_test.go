package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// client is a cookie-keeping HTTP client that does not follow redirects.
type client struct {
	t   *testing.T
	c   *http.Client
	url string
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, url: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (c *client) do(method, path, ctype string, body io.Reader, header ...string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) token(path string) string {
	c.t.Helper()
	_, body := c.do(http.MethodGet, path, "", nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s:\n%s", path, body)
	}
	return m[1]
}

func (c *client) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.t.Helper()
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), header...)
}

func (c *client) signIn(user, password string) {
	c.t.Helper()
	tok := c.token("/signin")
	resp, body := c.post("/signin", url.Values{"csrf": {tok}, "username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/receipts" {
		c.t.Fatalf("sign in: %d %s", resp.StatusCode, body)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "tillroll_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
		c.t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain HTTP", session)
	}
}

func TestPagesSecurity(t *testing.T) {
	a := newApp(t)
	c := newClient(t, a.url)

	// Every page has a strict policy: no inline script or style, nothing from elsewhere.
	for _, p := range []string{"/", "/signin", "/receipts", "/nope"} {
		resp, _ := c.do(http.MethodGet, p, "", nil)
		csp := resp.Header.Get("Content-Security-Policy")
		if p == "/nope" {
			continue // echo's own 404
		}
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
			strings.Contains(csp, "unsafe") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", p, csp)
		}
	}

	// Sign-in: the form's token must match its cookie.
	if resp, _ := c.post("/signin", url.Values{"username": {"alice"}, "password": {"alice-password"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-in without a token: %d", resp.StatusCode)
	}
	c.signIn("alice", "alice-password")

	page := c.token("/receipts")
	if page != c.token("/upload") {
		t.Fatal("one token per session")
	}

	// A plain form upload (no script): token first, then the files.
	form := func(token string, tokenFirst bool) (string, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		addToken := func() {
			if token != "" {
				_ = mw.WriteField("csrf", token)
			}
		}
		if tokenFirst {
			addToken()
		}
		fw, _ := mw.CreateFormFile("files", "receipt.png")
		_, _ = fw.Write(fixture.PNG(fixture.Sample(), fixture.Options{}))
		fw, _ = mw.CreateFormFile("files", "notes.txt")
		_, _ = fw.Write([]byte("just some text"))
		if !tokenFirst {
			addToken()
		}
		_ = mw.Close()
		return mw.FormDataContentType(), buf.String()
	}
	ct, body := form(page, false)
	if resp, _ := c.do(http.MethodPost, "/upload", ct, strings.NewReader(body)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload with the token after the files: %d", resp.StatusCode)
	}
	ct, body = form("", true)
	if resp, _ := c.do(http.MethodPost, "/upload", ct, strings.NewReader(body)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upload without a token: %d", resp.StatusCode)
	}
	ct, body = form(page, true)
	resp, out := c.do(http.MethodPost, "/upload", ct, strings.NewReader(body))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(out, "Not a photo or PDF") || !strings.Contains(out, "/receipts/") {
		t.Fatalf("upload of a PNG and a text file: %d\n%s", resp.StatusCode, out)
	}
	list, _, err := a.st.SearchReceipts("alice", searchAll())
	if err != nil || len(list) != 1 {
		t.Fatalf("after the upload alice has %d receipts (%v)", len(list), err)
	}
	id := list[0].UUID

	// Every form POST checks the session's token and the origin.
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		want   int
	}{
		{"no token", url.Values{"total": {"1.00"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"total": {"1.00"}, "csrf": {strings.Repeat("0", 64)}}, nil, http.StatusForbidden},
		{"other site", url.Values{"total": {"1.00"}, "csrf": {page}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"header token", url.Values{"total": {"1.00"}}, []string{"X-CSRF-Token", page, "Origin", a.url}, http.StatusSeeOther},
	} {
		// The receipt may still be in OCR: any answer but 403 passed the check.
		resp, _ := c.post("/receipts/"+id+"/total", tc.form, tc.header...)
		if got := resp.StatusCode; (tc.want == http.StatusForbidden) != (got == http.StatusForbidden) {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}

	// Another user gets "not found" for it, as for one that does not exist.
	bob := newClient(t, a.url)
	bob.signIn("bob", "bob-password")
	if resp, _ := bob.do(http.MethodGet, "/receipts/"+id, "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bob opens alice's receipt: %d", resp.StatusCode)
	}
	if resp, _ := bob.post("/receipts/"+id+"/total", url.Values{"total": {"1.00"}, "csrf": {bob.token("/receipts")}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bob corrects alice's receipt: %d", resp.StatusCode)
	}

	// Sign-out ends the ticket, not only the cookie.
	resp, _ = c.post("/signout", url.Values{"csrf": {page}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := c.do(http.MethodGet, "/receipts", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out /receipts: %d", resp.StatusCode)
	}
}
