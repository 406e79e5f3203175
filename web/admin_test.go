package web_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tillroll/store"
)

// adminApp is the app with an admin, root, and a staff user of hilltop.
func adminApp(t *testing.T) (*app, *client) {
	t.Helper()
	a := newApp(t)
	for _, u := range []store.NewUser{
		{Name: "root", Password: "root-password", Role: store.RoleAdmin},
		{Name: "till", Password: "till-password", Role: store.RoleStaff, RetailerID: "hilltop"},
	} {
		if _, err := a.st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, a.url)
	c.signIn("root", "root-password")
	return a, c
}

// upload posts a multipart form with the fields and a file "file".
func (c *client) upload(path string, fields url.Values, fileName string, content []byte) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	return c.do(http.MethodPost, path, mw.FormDataContentType(), &buf)
}

var pageErrorRE = regexp.MustCompile(`(?s)id="page-error">(.*?)</p>`)

// pageError is the page's error message, unescaped.
func pageError(body string) string {
	m := pageErrorRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(m[1])
}

// adminRoutes are every admin page and form.
var adminRoutes = []struct{ method, path string }{
	{http.MethodGet, "/admin"},
	{http.MethodGet, "/admin/users"},
	{http.MethodPost, "/admin/users"},
	{http.MethodGet, "/admin/users/alice"},
	{http.MethodPost, "/admin/users/alice/password"},
	{http.MethodPost, "/admin/users/bob/delete"},
	{http.MethodGet, "/admin/retailers"},
	{http.MethodGet, "/admin/retailers/new"},
	{http.MethodPost, "/admin/retailers"},
	{http.MethodPost, "/admin/retailers/import"},
	{http.MethodGet, "/admin/retailers/hilltop/edit"},
	{http.MethodPost, "/admin/retailers/hilltop/edit"},
	{http.MethodGet, "/admin/products"},
	{http.MethodPost, "/admin/products/import"},
	{http.MethodGet, "/admin/storage"},
	{http.MethodPost, "/admin/storage/shop"},
	{http.MethodGet, "/admin/backup"},
	{http.MethodPost, "/admin/backup"},
}

func TestAdminRoles(t *testing.T) {
	a, root := adminApp(t)
	if _, err := a.st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	alice := newClient(t, a.url)
	alice.signIn("alice", "alice-password")
	till := newClient(t, a.url)
	till.signIn("till", "till-password")
	nobody := newClient(t, a.url)

	// Every form below would change something if it were let through.
	forms := map[string]url.Values{
		"/admin/users":                  {"name": {"mallory"}, "password": {"mallory-pw"}, "password2": {"mallory-pw"}, "role": {"admin"}},
		"/admin/users/alice/password":   {"password": {"taken-over"}, "password2": {"taken-over"}},
		"/admin/retailers":              {"id": {"mallory"}},
		"/admin/retailers/hilltop/edit": {"name": {"Mallory Mart"}},
		"/admin/storage/shop":           {"quota": {"none"}},
	}
	for _, who := range []struct {
		name string
		c    *client
	}{{"user", alice}, {"staff", till}} {
		tok := who.c.token("/receipts")
		for _, r := range adminRoutes {
			var resp *http.Response
			var body string
			if r.method == http.MethodGet {
				resp, body = who.c.do(r.method, r.path, "", nil)
			} else {
				form := forms[r.path]
				if form == nil {
					form = url.Values{}
				}
				form.Set("csrf", tok)
				resp, body = who.c.post(r.path, form)
			}
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(pageError(body), "not for your account") {
				t.Errorf("%s: %s %s: %d %q", who.name, r.method, r.path, resp.StatusCode, pageError(body))
			}
		}
		// No Admin entry in their menu.
		if _, body := who.c.do(http.MethodGet, "/receipts", "", nil); strings.Contains(body, `href="/admin"`) {
			t.Errorf("%s sees the Admin menu entry", who.name)
		}
	}
	for _, r := range adminRoutes {
		resp, _ := nobody.do(r.method, r.path, "", nil)
		want := http.StatusSeeOther // to the sign-in page
		if r.method == http.MethodPost {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want || (want == http.StatusSeeOther && !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=")) {
			t.Errorf("signed out: %s %s: %d %s", r.method, r.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// Nothing changed.
	if _, err := a.st.User("mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("user mallory: %v", err)
	}
	if _, err := a.st.Retailer("mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retailer mallory: %v", err)
	}
	if r, _ := a.st.Retailer("hilltop"); r.Name != "Hilltop Market" {
		t.Errorf("hilltop renamed %q", r.Name)
	}
	if _, _, err := a.st.Login("alice", "alice-password", time.Minute); err != nil {
		t.Errorf("alice's password changed: %v", err)
	}
	if u, err := a.st.StorageUsage("shop"); err != nil || u.Setting != store.QuotaDefault {
		t.Errorf("shop's quota setting %d (%v), want the default", u.Setting, err)
	}

	// The admin sees every page, with the strict policy and the Admin entry current.
	for _, r := range adminRoutes {
		if r.method != http.MethodGet {
			continue
		}
		resp, body := root.do(r.method, r.path, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<a href="/admin" aria-current="page">Admin</a>`) ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("admin: GET %s: %d", r.path, resp.StatusCode)
		}
	}
	_, body := root.do(http.MethodGet, "/admin", "", nil)
	for _, link := range []string{"/admin/users", "/admin/retailers", "/admin/products", "/admin/mail", "/admin/outbox", "/admin/storage", "/admin/backup"} {
		if !strings.Contains(body, `href="`+link+`"`) {
			t.Errorf("the landing page has no link to %s", link)
		}
	}
	// How documents are read, as the server was started.
	if !strings.Contains(body, `<p id="reader">`+testReader+`</p>`) {
		t.Errorf("the landing page does not say how documents are read")
	}
}

func TestAdminCSRF(t *testing.T) {
	a, root := adminApp(t)
	if _, err := a.st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	tok := root.token("/admin/users")
	create := url.Values{"name": {"carol"}, "password": {"carol-password"}, "password2": {"carol-password"}, "role": {"user"}}
	for _, tc := range []struct {
		name   string
		csrf   string
		header []string
	}{
		{"no token", "", nil},
		{"wrong token", strings.Repeat("0", 64), nil},
		{"other site", tok, []string{"Origin", "https://evil.example"}},
	} {
		for _, path := range []string{"/admin/users", "/admin/users/alice/password", "/admin/users/bob/delete", "/admin/retailers", "/admin/retailers/hilltop/edit", "/admin/storage/shop", "/admin/backup"} {
			form := url.Values{"password": {"taken-over"}, "password2": {"taken-over"}, "id": {"mallory"}, "name": {"Mallory Mart"}, "quota": {"none"}}
			if path == "/admin/users" {
				form = url.Values{}
				for k, v := range create {
					form[k] = v
				}
			}
			if tc.csrf != "" {
				form.Set("csrf", tc.csrf)
			}
			resp, body := root.post(path, form, tc.header...)
			if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Disposition") != "" {
				t.Errorf("%s: POST %s: %d %q", tc.name, path, resp.StatusCode, pageError(body))
			}
		}
		if len(tc.header) > 0 {
			continue // the multipart helper sends no Origin; the forms above covered the check
		}
		fields := url.Values{}
		if tc.csrf != "" {
			fields.Set("csrf", tc.csrf)
		}
		resp, _ := root.upload("/admin/products/import", fields, "p.csv", []byte("gtin,name\n9311995843710,Milk\n"))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: product import: %d", tc.name, resp.StatusCode)
		}
		resp, _ = root.upload("/admin/retailers/import", fields, "r.csv", []byte("id\nmallory\n"))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: retailer import: %d", tc.name, resp.StatusCode)
		}
	}
	if _, err := a.st.User("carol"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("carol was created: %v", err)
	}
	if _, err := a.st.User("bob"); err != nil {
		t.Errorf("bob was deleted: %v", err)
	}
	if _, _, err := a.st.Login("alice", "alice-password", time.Minute); err != nil {
		t.Errorf("alice's password changed: %v", err)
	}
	if u, err := a.st.StorageUsage("shop"); err != nil || u.Setting != store.QuotaDefault {
		t.Errorf("shop's quota setting %d (%v), want the default", u.Setting, err)
	}
	if _, err := a.st.Retailer("mallory"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retailer mallory: %v", err)
	}
	if r, _ := a.st.Retailer("hilltop"); r.Name != "Hilltop Market" {
		t.Errorf("hilltop renamed %q", r.Name)
	}
	if _, n, _ := a.st.ProductsPage(0, 0); n != 0 {
		t.Errorf("%d products imported", n)
	}
}

func TestAdminUsers(t *testing.T) {
	a, root := adminApp(t)
	tok := root.token("/admin/users")
	userNames := func() []string {
		us, err := a.st.Users()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return out
	}
	before := userNames()
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {tok}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name string
		form url.Values
		code int
		msg  string
	}{
		{"duplicate", form("name", "alice", "password", "another-pw", "password2", "another-pw", "role", "user"), http.StatusConflict, "There is already a user called alice."},
		{"short password", form("name", "carol", "password", "short", "password2", "short", "role", "user"), http.StatusBadRequest, "Password must be 8 to 1024 bytes."},
		{"passwords differ", form("name", "carol", "password", "carol-password", "password2", "carol-passwort", "role", "user"), http.StatusBadRequest, "The two passwords differ"},
		{"bad name", form("name", "Carol Smith", "password", "carol-password", "password2", "carol-password", "role", "user"), http.StatusBadRequest, "User name must be 1-64 of a-z 0-9"},
		{"bad role", form("name", "carol", "password", "carol-password", "password2", "carol-password", "role", "root"), http.StatusBadRequest, "Role must be user, staff or admin."},
		{"staff without retailer", form("name", "carol", "password", "carol-password", "password2", "carol-password", "role", "staff"), http.StatusBadRequest, "Choose the retailer this staff user works for."},
		{"staff of no retailer", form("name", "carol", "password", "carol-password", "password2", "carol-password", "role", "staff", "retailer_id", "nowhere"), http.StatusBadRequest, `Retailer "nowhere" does not exist.`},
		{"user with a retailer", form("name", "carol", "password", "carol-password", "password2", "carol-password", "role", "user", "retailer_id", "hilltop"), http.StatusBadRequest, "Only staff belong to a retailer."},
	} {
		resp, body := root.post("/admin/users", tc.form)
		if resp.StatusCode != tc.code || !strings.Contains(pageError(body), tc.msg) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, resp.StatusCode, pageError(body), tc.code, tc.msg)
		}
		// The form keeps what was typed, but never the password.
		if resp.StatusCode == tc.code && tc.name != "duplicate" && (!strings.Contains(body, `value="`+attr(tc.form.Get("name"))+`"`) || strings.Contains(body, tc.form.Get("password"))) {
			t.Errorf("%s: the form after the error lost the name or shows the password", tc.name)
		}
	}
	if got := userNames(); !slices.Equal(got, before) {
		t.Fatalf("after bad input the users are %v, want %v", got, before)
	}

	// A staff user of hilltop, then in the list.
	resp, body := root.post("/admin/users", form("name", "sam", "password", "sam-password", "password2", "sam-password", "role", "staff", "retailer_id", "hilltop"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users?done=created" {
		t.Fatalf("create sam: %d %q", resp.StatusCode, pageError(body))
	}
	if u, err := a.st.User("sam"); err != nil || u.Role != store.RoleStaff || u.RetailerID != "hilltop" {
		t.Fatalf("sam: %+v %v", u, err)
	}
	_, body = root.do(http.MethodGet, "/admin/users?done=created", "", nil)
	if !strings.Contains(body, `<a href="/admin/users/sam">sam</a>`) || !strings.Contains(body, "Hilltop Market") || !strings.Contains(body, "The user is created") {
		t.Fatalf("the list lacks sam:\n%s", body)
	}
	sam := newClient(t, a.url)
	sam.signIn("sam", "sam-password")

	// A new password: sam's session ends, the new password works.
	for _, tc := range []struct {
		form url.Values
		msg  string
	}{
		{form("password", "short", "password2", "short"), "Password must be 8 to 1024 bytes."},
		{form("password", "sam-new-password", "password2", "sam-new-passwort"), "The two passwords differ"},
	} {
		if resp, body := root.post("/admin/users/sam/password", tc.form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageError(body), tc.msg) {
			t.Errorf("bad password: %d %q", resp.StatusCode, pageError(body))
		}
	}
	if resp, _ := sam.do(http.MethodGet, "/receipts", "", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("a refused password change ended sam's session: %d", resp.StatusCode)
	}
	resp, body = root.post("/admin/users/sam/password", form("password", "sam-new-password", "password2", "sam-new-password"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users/sam?done=password" {
		t.Fatalf("set sam's password: %d %q", resp.StatusCode, pageError(body))
	}
	if resp, _ := sam.do(http.MethodGet, "/receipts", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sam's old session after the new password: %d", resp.StatusCode)
	}
	if _, _, err := a.st.Login("sam", "sam-new-password", time.Minute); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if resp, _ := root.post("/admin/users/nobody/password", form("password", "long-enough", "password2", "long-enough")); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("password of nobody: %d", resp.StatusCode)
	}

	// Deleting: not yourself, not a user with receipts; sam can go.
	resp, body = root.post("/admin/users/root/delete", form())
	if resp.StatusCode != http.StatusConflict || !strings.Contains(pageError(body), "You cannot delete your own user.") {
		t.Fatalf("delete yourself: %d %q", resp.StatusCode, pageError(body))
	}
	f, err := a.st.SaveFile(strings.NewReader("not really a photo"), 1<<20, "png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := a.st.SaveReceiptImage("alice", f, "png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateReceipt(store.NewReceipt{User: "alice", Links: []string{"x"}, Images: []string{img.Token}}); err != nil {
		t.Fatal(err)
	}
	resp, body = root.post("/admin/users/alice/delete", form())
	if resp.StatusCode != http.StatusConflict || pageError(body) != "Not deleted: alice has receipts." {
		t.Fatalf("delete alice: %d %q", resp.StatusCode, pageError(body))
	}
	resp, _ = root.post("/admin/users/sam/delete", form())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users?done=deleted" {
		t.Fatalf("delete sam: %d", resp.StatusCode)
	}
	if resp, _ := root.post("/admin/users/sam/delete", form()); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("delete sam again: %d", resp.StatusCode)
	}
	if got := userNames(); !slices.Equal(got, before) {
		t.Fatalf("users %v, want %v", got, before)
	}
	if resp, _ := root.do(http.MethodGet, "/admin/users/sam", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("sam's page: %d", resp.StatusCode)
	}
	// The only admin's page offers no delete.
	if _, body := root.do(http.MethodGet, "/admin/users/root", "", nil); strings.Contains(body, "delete-form") {
		t.Fatal("root's own page offers to delete root")
	}

	// An admin who changes their own password signs in again.
	resp, _ = root.post("/admin/users/root/password", form("password", "root-new-password", "password2", "root-new-password"))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("own password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := root.do(http.MethodGet, "/admin", "", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the old session after the own password: %d", resp.StatusCode)
	}
}

// attr is s as html/template writes it in an attribute.
func attr(s string) string {
	return strings.NewReplacer("&", "&amp;", `"`, "&#34;", "'", "&#39;", "<", "&lt;", ">", "&gt;", "+", "&#43;").Replace(s)
}

func TestAdminRetailers(t *testing.T) {
	a, root := adminApp(t)
	tok := root.token("/admin/retailers")
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {tok}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	before, _ := a.st.Retailers()
	for _, tc := range []struct {
		name string
		form url.Values
		code int
		msg  string
	}{
		{"no id", form("name", "Corner"), http.StatusBadRequest, "Give the retailer an id."},
		{"bad id", form("id", "Corner Shop"), http.StatusBadRequest, "Retailer id must be 1-64 of a-z 0-9 . _ -."},
		{"bad time zone", form("id", "corner", "time_zone", "Mars/Olympus"), http.StatusBadRequest, `Time zone "Mars/Olympus"`},
		{"id in use", form("id", "hilltop", "name", "Another Hilltop"), http.StatusConflict, "There is already a retailer hilltop"},
	} {
		resp, body := root.post("/admin/retailers", tc.form)
		if resp.StatusCode != tc.code || !strings.Contains(pageError(body), tc.msg) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, resp.StatusCode, pageError(body), tc.code, tc.msg)
		}
	}
	if after, _ := a.st.Retailers(); len(after) != len(before) || after[1].Name != "Hilltop Market" {
		t.Fatalf("after bad input: %+v", after)
	}

	resp, body := root.post("/admin/retailers", form("id", "corner", "name", "Corner Grocer", "time_zone", "Europe/London",
		"store_ids", "12\r\n\r\n 14 \r\n", "words", "corner grocer ltd\ncorner grocer"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add corner: %d %q", resp.StatusCode, pageError(body))
	}
	r, err := a.st.Retailer("corner")
	if err != nil || r.Name != "Corner Grocer" || r.TimeZone != "Europe/London" || !slices.Equal(r.StoreIDs, []string{"12", "14"}) || !slices.Equal(r.Words, []string{"corner grocer ltd", "corner grocer"}) {
		t.Fatalf("corner: %+v %v", r, err)
	}

	// Editing keeps what users taught it; the id cannot change. (A new
	// retailer takes Learned as given; a replaced one keeps its own.)
	if err := a.st.PutRetailers([]store.Retailer{{ID: "learner", Name: "Learner", StoreIDs: []string{"12", "14"}, Learned: []string{"LEARNER GRCR"}}}); err != nil {
		t.Fatal(err)
	}
	_, body = root.do(http.MethodGet, "/admin/retailers/learner/edit", "", nil)
	if !strings.Contains(body, "LEARNER GRCR") || !strings.Contains(body, ">12\n14</textarea>") {
		t.Fatalf("the edit page:\n%s", body)
	}
	resp, body = root.post("/admin/retailers/learner/edit", form("id", "hilltop", "name", "Learner Ltd", "time_zone", "Mars/Olympus"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageError(body), "Mars/Olympus") || !strings.Contains(body, `value="Learner Ltd"`) {
		t.Fatalf("bad edit: %d %q", resp.StatusCode, pageError(body))
	}
	resp, _ = root.post("/admin/retailers/learner/edit", form("id", "hilltop", "name", "Learner Ltd", "time_zone", "", "words", "learner grocer"))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", resp.StatusCode)
	}
	r, _ = a.st.Retailer("learner")
	if r.Name != "Learner Ltd" || r.TimeZone != "" || r.StoreIDs != nil || !slices.Equal(r.Words, []string{"learner grocer"}) || !slices.Equal(r.Learned, []string{"LEARNER GRCR"}) {
		t.Fatalf("after the edit %+v", r)
	}
	if h, _ := a.st.Retailer("hilltop"); h.Name != "Hilltop Market" {
		t.Fatalf("the edit reached hilltop: %+v", h)
	}
	if resp, _ := root.do(http.MethodGet, "/admin/retailers/nowhere/edit", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("edit nowhere: %d", resp.StatusCode)
	}

	// Import: all rows or none.
	before, _ = a.st.Retailers()
	for _, tc := range []struct{ name, csv, msg string }{
		{"bad row", "id,name,time_zone\nnorth,North Mart,Europe/Paris\nSouth Mart,,\n", "Nothing was imported. Line 3: retailer id must be 1-64"},
		{"bad zone", "id,time_zone\nnorth,Europe/Paris\nsouth,Mars/Olympus\n", "Nothing was imported. Line 3: time zone \"Mars/Olympus\""},
		{"no id column", "name\nNorth Mart\n", `Nothing was imported. No "id" column.`},
		{"header only", "id,name\n", "the file has a header but no retailers"},
	} {
		resp, body := root.upload("/admin/retailers/import", url.Values{"csrf": {tok}}, "r.csv", []byte(tc.csv))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageError(body), tc.msg) {
			t.Errorf("%s: %d %q, want %q", tc.name, resp.StatusCode, pageError(body), tc.msg)
		}
	}
	if after, _ := a.st.Retailers(); len(after) != len(before) {
		t.Fatalf("a bad file imported %d retailers", len(after)-len(before))
	}
	resp, body = root.upload("/admin/retailers/import", url.Values{"csrf": {tok}}, "r.csv", []byte("id,name,time_zone,store_ids,words\nnorth,North Mart,Europe/Paris,1|2,north mart\nsouth,,,,\n"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/retailers?done=imported&n=2" {
		t.Fatalf("import: %d %q", resp.StatusCode, pageError(body))
	}
	_, body = root.do(http.MethodGet, "/admin/retailers?done=imported&n=2", "", nil)
	if !strings.Contains(body, "Imported 2 retailer(s).") || !strings.Contains(body, "North Mart") || !strings.Contains(body, "Europe/Paris") {
		t.Fatalf("after the import:\n%s", body)
	}
	// The names are text on the page.
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the evil retailer's name is not escaped")
	}
}

func productsCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("gtin,name,brand,partner,names\n")
	for i := range n {
		b.WriteString(gtin13(fmt.Sprintf("200000%06d", i)) + fmt.Sprintf(",Product %d,Brand,no,PRODUCT %d\n", i, i))
	}
	return []byte(b.String())
}

// gtin13 adds the check digit to 12 digits.
func gtin13(s string) string {
	sum := 0
	for i, c := range s {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return s + fmt.Sprint((10-sum%10)%10)
}

func TestAdminProducts(t *testing.T) {
	a, root := adminApp(t)
	tok := root.token("/admin/products")
	_, body := root.do(http.MethodGet, "/admin/products", "", nil)
	for _, col := range []string{"<code>gtin</code>", "<code>name</code>", "<code>brand</code>", "<code>partner</code>", "<code>names</code>"} {
		if !strings.Contains(body, col) {
			t.Errorf("the import form does not name the column %s", col)
		}
	}
	if !strings.Contains(body, "The catalogue is empty.") {
		t.Error("an empty catalogue does not say so")
	}
	fields := url.Values{"csrf": {tok}}
	good := string(productsCSV(3))
	for _, tc := range []struct {
		name, file string
		csv        []byte
		msg        string
	}{
		{"bad gtin", "p.csv", []byte(good + "1234,Bread,,,\n"), "Nothing was imported. Line 5: gtin \"1234\" is not a valid GTIN"},
		{"no name", "p.csv", []byte(good + gtin13("200000999999") + ",,,,\n"), "Nothing was imported. Line 5: product " + gtin13("200000999999") + " has no name."},
		{"bad partner", "p.csv", []byte("gtin,name,partner\n" + gtin13("200000999999") + ",Bread,perhaps\n"), `Nothing was imported. Line 2: partner "perhaps": want true or false.`},
		{"no gtin column", "p.csv", []byte("ean,name\n1,Bread\n"), `Nothing was imported. No "gtin" column.`},
		{"bare quote", "p.csv", []byte(good + "12\"34,Bread\n"), "Nothing was imported. Parse error on line 5"},
		{"header only", "p.csv", []byte("gtin,name\n"), "the file has a header but no products"},
		{"empty", "p.csv", []byte("\n"), "The file is empty."},
		{"latin-1", "p.csv", []byte("gtin,name\n" + gtin13("200000999999") + ",Cr\xe8me\n"), "The file is not UTF-8 text"},
		{"no file", "", nil, "Choose a CSV file to import."},
	} {
		resp, body := root.upload("/admin/products/import", fields, tc.file, tc.csv)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageError(body), tc.msg) {
			t.Errorf("%s: %d %q, want %q", tc.name, resp.StatusCode, pageError(body), tc.msg)
		}
	}
	if _, n, _ := a.st.ProductsPage(0, 0); n != 0 {
		t.Fatalf("bad files imported %d products", n)
	}

	// 120 products: three pages of 50.
	resp, body := root.upload("/admin/products/import", fields, "p.csv", productsCSV(120))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/products?done=imported&n=120" {
		t.Fatalf("import: %d %q", resp.StatusCode, pageError(body))
	}
	p, err := a.st.Product(gtin13("200000000007"))
	if err != nil || p.Name != "Product 7" || p.Brand != "Brand" || !slices.Equal(p.Names, []string{"PRODUCT 7"}) {
		t.Fatalf("product 7: %+v %v", p, err)
	}
	rows := regexp.MustCompile(`<th scope="row">Product \d+</th>`)
	for _, tc := range []struct {
		path, summary string
		rows          int
		first         string
	}{
		{"/admin/products?done=imported&n=120", "120 product(s); 1–50 shown.", 50, "Product 0<"},
		{"/admin/products?page=3", "120 product(s); 101–120 shown.", 20, "Product 100<"},
		{"/admin/products?page=9", "120 product(s); 101–120 shown.", 20, "Product 100<"}, // past the end: the last page
		{"/admin/products?page=x", "120 product(s); 1–50 shown.", 50, "Product 0<"},
	} {
		resp, body := root.do(http.MethodGet, tc.path, "", nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, tc.summary) || len(rows.FindAllString(body, -1)) != tc.rows || !strings.Contains(body, tc.first) {
			t.Errorf("%s: %d, %d rows, summary? %v", tc.path, resp.StatusCode, len(rows.FindAllString(body, -1)), strings.Contains(body, tc.summary))
		}
	}
	_, body = root.do(http.MethodGet, "/admin/products?page=2", "", nil)
	if !strings.Contains(body, `href="/admin/products?page=1" rel="prev"`) || !strings.Contains(body, `href="/admin/products?page=3" rel="next"`) {
		t.Errorf("page 2's pager:\n%s", body)
	}

	// A bad file after a good one changes nothing of it.
	if resp, _ := root.upload("/admin/products/import", fields, "p.csv", []byte("gtin,name\n"+gtin13("200000000007")+",Renamed\n1234,Bread\n")); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad second file: %d", resp.StatusCode)
	}
	if p, _ := a.st.Product(gtin13("200000000007")); p.Name != "Product 7" {
		t.Fatalf("a bad file renamed product 7 to %q", p.Name)
	}

	// The landing page counts them.
	_, body = root.do(http.MethodGet, "/admin", "", nil)
	if !strings.Contains(flat(body), "<dt>Products</dt><dd>120</dd>") || !strings.Contains(flat(body), "<dt>Retailers</dt><dd>2</dd>") || !strings.Contains(flat(body), "<dt>Users</dt><dd>4</dd>") {
		t.Errorf("landing page figures:\n%s", body)
	}
}

func TestAdminBackup(t *testing.T) {
	a, root := adminApp(t)
	_, body := root.do(http.MethodGet, "/admin/backup", "", nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `action="/admin/backup"`) {
		t.Fatalf("the backup page has no form:\n%s", body)
	}
	// A GET downloads nothing: only the form's POST does.
	if resp, _ := root.do(http.MethodGet, "/admin/backup", "", nil); resp.Header.Get("Content-Disposition") != "" {
		t.Fatal("GET /admin/backup is a download")
	}
	if err := a.st.PutProducts([]store.Product{{GTIN: gtin13("200000000007"), Name: "Backed-up milk"}}); err != nil {
		t.Fatal(err)
	}

	resp, err := root.c.PostForm(a.url+"/admin/backup", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cd := resp.Header.Get("Content-Disposition")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/gzip" ||
		!regexp.MustCompile(`^attachment; filename="tillroll-backup-\d{4}-\d{2}-\d{2}-\d{4}\.tar\.gz"$`).MatchString(cd) ||
		!strings.Contains(cd, time.Now().Format("2006-01-02")) {
		t.Fatalf("backup: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), cd)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		names = append(names, h.Name)
		if h.Name == store.DBFile {
			head := make([]byte, 32)
			if _, err := io.ReadFull(tr, head); err != nil {
				t.Fatal(err)
			}
			// bbolt's meta page: its magic number at offset 16 (little-endian 0xED0CDAED).
			if !bytes.Equal(head[16:20], []byte{0xed, 0xda, 0x0c, 0xed}) {
				t.Fatalf("%s is no bbolt file: % x", store.DBFile, head)
			}
		}
	}
	if !slices.Contains(names, store.DBFile) || !slices.Contains(names, "secret.key") {
		t.Fatalf("backup holds %v", names)
	}
	// It restores to a store with what the box had.
	dir := filepath.Join(t.TempDir(), "restored")
	if err := store.Restore(bytes.NewReader(data), dir); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if p, err := st.Product(gtin13("200000000007")); err != nil || p.Name != "Backed-up milk" {
		t.Fatalf("restored product: %+v %v", p, err)
	}
	if u, err := st.User("root"); err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("restored root: %+v %v", u, err)
	}

	// A backup that fails is never a download that looks whole: here the
	// originals' directory cannot be read.
	files := filepath.Join(a.st.Dir(), "files")
	if err := os.RemoveAll(files); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, err = root.c.PostForm(a.url+"/admin/backup", url.Values{"csrf": {m[1]}})
	if err != nil {
		return // cut off before the headers: the browser shows a failed download
	}
	defer resp.Body.Close()
	_, rerr := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusInternalServerError:
		if resp.Header.Get("Content-Disposition") != "" {
			t.Fatal("the error page is an attachment")
		}
	case resp.StatusCode == http.StatusOK && rerr != nil:
		// Cut off part way: the browser shows a failed download.
	default:
		t.Fatalf("failed backup: %d, read error %v", resp.StatusCode, rerr)
	}
}

// TestAdminIdentities: an identity with only capture credentials (from
// `tillroll account create`) is in the admin's one list; the admin can
// revoke its credentials and give it a web sign-in, after which it makes
// new credentials on its own account page.
func TestAdminIdentities(t *testing.T) {
	a, root := adminApp(t)
	tok := root.token("/admin/users")
	old, err := a.st.CreateAccount("scanner", "scanner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := root.do(http.MethodGet, "/admin/users", "", nil)
	row := regexp.MustCompile(`(?s)<a href="/admin/users/scanner">scanner</a>.*?</tr>`).FindString(body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(row, "no web sign-in") || !strings.Contains(row, "credentials since") {
		t.Fatalf("the list's row of scanner: %d %q", resp.StatusCode, row)
	}
	if resp, body := root.post("/admin/users", url.Values{"csrf": {tok}, "name": {"scanner"}, "password": {"scanner-password"}, "password2": {"scanner-password"}, "role": {"admin"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("a new user on scanner's name: %d %q", resp.StatusCode, pageError(body))
	}
	_, body = root.do(http.MethodGet, "/admin/users/scanner", "", nil)
	if !strings.Contains(body, old.ClientID) || !strings.Contains(body, `id="revoke-form"`) || strings.Contains(body, `id="delete-form"`) {
		t.Fatalf("scanner's page:\n%s", body)
	}
	if resp, _ := root.post("/admin/users/scanner/revoke", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke scanner's credentials: %d", resp.StatusCode)
	}
	if _, err := a.st.Authenticate(old); !errors.Is(err, store.ErrUnauthorized) {
		t.Fatalf("scanner's revoked credentials: %v", err)
	}
	if resp, _ := root.post("/admin/users/scanner/revoke", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("revoke again: %d", resp.StatusCode)
	}
	resp, _ = root.post("/admin/users/scanner/password", url.Values{"csrf": {tok}, "password": {"scanner-password"}, "password2": {"scanner-password"}, "signin": {"new"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users/scanner?done=signin" {
		t.Fatalf("give scanner a web sign-in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if u, err := a.st.User("scanner"); err != nil || u.Role != store.RoleUser {
		t.Fatalf("scanner's sign-in: %+v %v", u, err)
	}
	scanner := newClient(t, a.url)
	scanner.signIn("scanner", "scanner-password")
	resp, body = scanner.post("/account/credentials", url.Values{"csrf": {scanner.token("/account")}, "email": {"scanner@example.com"}})
	fresh, ok := shownCredentials(t, body)
	if resp.StatusCode != http.StatusCreated || !ok || fresh.Username != "scanner" {
		t.Fatalf("scanner's new credentials: %d\n%s", resp.StatusCode, body)
	}
	if _, err := a.st.Authenticate(fresh); err != nil {
		t.Fatalf("scanner's new credentials: %v", err)
	}
}
