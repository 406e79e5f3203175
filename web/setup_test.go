package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

// TestFirstRun: a box with no user sends its first visitor to /setup,
// where only the code serve printed makes the first admin, signed in at
// once; then /setup is closed, for that visitor and every other.
func TestFirstRun(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	code, err := web.NewSetupCode()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}$`).MatchString(code) {
		t.Fatalf("setup code %q", code)
	}
	logins := server.NewLogins(st, time.Hour, nil)
	w := web.New(web.Config{Store: st, Logins: logins, SetupCode: code})
	srv := server.New(st, nil, server.Config{Web: w.Register, Receipts: &server.ReceiptsConfig{Store: st, Logins: logins}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	c := newClient(t, ts.URL)
	if resp, _ := c.do(http.MethodGet, "/", "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/setup" {
		t.Fatalf("GET / on a box with no user: %d %q, want a redirect to /setup", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := func(code, password2 string) url.Values {
		return url.Values{"csrf": {c.token("/setup")}, "code": {code}, "username": {"owner"}, "password": {"owner-password"}, "password2": {password2}}
	}
	noUser := func(when string) {
		if has, err := st.HasUsers(); err != nil || has {
			t.Fatalf("%s: a user was made (%v)", when, err)
		}
	}

	// Wrong code, no form token, passwords that differ: nobody is made.
	if resp, body := c.post("/setup", form("aaaaa-bbbbb-ccccc", "owner-password")); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Wrong setup code") {
		t.Fatalf("wrong code: %d\n%s", resp.StatusCode, body)
	}
	noUser("wrong code")
	f := form(code, "owner-password")
	f.Del("csrf")
	if resp, _ := c.post("/setup", f); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no form token: %d", resp.StatusCode)
	}
	if resp, _ := c.post("/setup", form(code, "other-password")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("passwords that differ: %d", resp.StatusCode)
	}
	noUser("bad forms")

	// The code as printed, in capitals with spaces: the admin, signed in.
	resp, body := c.post("/setup", form(" "+strings.ToUpper(strings.ReplaceAll(code, "-", " "))+" ", "owner-password"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		t.Fatalf("right code: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	u, err := st.User("owner")
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("first user %+v %v, want an admin", u, err)
	}
	if resp, body := c.do(http.MethodGet, "/admin", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "owner") {
		t.Fatalf("/admin after setup: %d", resp.StatusCode)
	}

	// One identity: the admin's own capture credentials, made on the
	// account page, call the capture API as the same "owner", and the
	// admin's list shows one row for both.
	resp, body = c.post("/account/credentials", url.Values{"csrf": {c.token("/account")}, "email": {"owner@example.com"}})
	creds, ok := shownCredentials(t, body)
	if resp.StatusCode != http.StatusCreated || !ok || creds.Username != "owner" {
		t.Fatalf("the first admin's API credentials: %d\n%s", resp.StatusCode, body)
	}
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/balance", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("CLIENT-ID", creds.ClientID)
	req.Header.Set("AUTHORIZATION", "apikey "+creds.Username+":"+creds.APIKey)
	req.Header.Set("PASSWORD", creds.Password)
	req.Header.Set("SECRET-KEY", creds.SecretKey)
	bal, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = bal.Body.Close()
	if bal.StatusCode != http.StatusOK {
		t.Fatalf("the capture API with the first admin's credentials: %d", bal.StatusCode)
	}
	if id, err := st.Identity("owner"); err != nil || id.User == nil || id.User.Role != store.RoleAdmin || !id.HasCredentials() {
		t.Fatalf("owner's identity %+v %v: want one with the admin's sign-in and the credentials", id, err)
	}
	if resp, body := c.do(http.MethodGet, "/admin/users", "", nil); resp.StatusCode != http.StatusOK ||
		strings.Count(body, `href="/admin/users/owner"`) != 1 || !strings.Contains(body, "credentials since") {
		t.Fatalf("/admin/users: %d, want owner once with credentials\n%s", resp.StatusCode, body)
	}

	// Closed: the form and the code no longer work, for anyone.
	other := newClient(t, ts.URL)
	if resp, _ := other.do(http.MethodGet, "/setup", "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Fatalf("GET /setup after setup: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := other.do(http.MethodGet, "/", "", nil); resp.Header.Get("Location") == "/setup" {
		t.Fatal("GET / still sends to /setup")
	}
	users, err := st.Users()
	if err != nil || len(users) != 1 {
		t.Fatalf("users %v %v", users, err)
	}
}

// TestFirstRunGuessing: after ten wrong codes even the right one fails
// until a restart prints a new code.
func TestFirstRunGuessing(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	logins := server.NewLogins(st, time.Hour, nil)
	w := web.New(web.Config{Store: st, Logins: logins, SetupCode: "right-right-right"})
	srv := server.New(st, nil, server.Config{Web: w.Register, Receipts: &server.ReceiptsConfig{Store: st, Logins: logins}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := newClient(t, ts.URL)
	try := func(code string) int {
		tok := c.token("/setup")
		resp, _ := c.post("/setup", url.Values{"csrf": {tok}, "code": {code}, "username": {"owner"}, "password": {"owner-password"}, "password2": {"owner-password"}})
		return resp.StatusCode
	}
	for i := range 10 {
		if got := try("wrong-guess-" + string(rune('a'+i))); got != http.StatusForbidden {
			t.Fatalf("guess %d: %d", i, got)
		}
	}
	if got := try("right-right-right"); got != http.StatusForbidden {
		t.Fatalf("the right code after ten wrong ones: %d, want 403", got)
	}
	if has, _ := st.HasUsers(); has {
		t.Fatal("a user was made")
	}
}
