package web_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tillroll/store"
)

// TestAdminStorage: /admin/storage shows what each account stores and its
// quota; the admin sets an account's quota there, and the next upload is
// held to it; a value that is no size is refused with a message.
func TestAdminStorage(t *testing.T) {
	a, root := adminApp(t)
	if _, err := a.st.CreateAccount("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.CreateAccount("office", "office@example.com"); err != nil {
		t.Fatal(err)
	}
	store1 := func(account string, n int) error {
		t.Helper()
		f, err := a.st.SaveFile(bytes.NewReader(bytes.Repeat([]byte("x"), n)), 1<<20, ".txt")
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.st.CreateDocument(store.NewDocument{Account: account, FileName: "f.txt", File: f, Kind: "txt"})
		return err
	}
	if err := store1("shop", 1536); err != nil {
		t.Fatal(err)
	}
	// A web user's receipt image counts too, under the default.
	img, err := a.st.SaveFile(bytes.NewReader(bytes.Repeat([]byte("y"), 300)), 1<<20, ".jpg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.st.SaveReceiptImage("alice", img, "jpg"); err != nil {
		t.Fatal(err)
	}

	row := func(body, owner string) string {
		t.Helper()
		i := strings.Index(body, `<tr id="storage-`+owner+`">`)
		if i < 0 {
			t.Fatalf("no row for %s on the storage page", owner)
		}
		j := strings.Index(body[i:], "</tr>")
		return body[i : i+j]
	}
	resp, body := root.do(http.MethodGet, "/admin/storage", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/storage: %d", resp.StatusCode)
	}
	if r := row(body, "shop"); !strings.Contains(r, "1.5 KB") || !strings.Contains(r, `class="quota">none`) || !strings.Contains(r, `action="/admin/storage/shop"`) {
		t.Errorf("shop's row: %s", r)
	}
	if r := row(body, "office"); !strings.Contains(r, "0 bytes") {
		t.Errorf("office's row: %s", r)
	}
	if r := row(body, "alice"); !strings.Contains(r, "300 bytes") || strings.Contains(r, "<form") {
		t.Errorf("alice's row (a web user, no form): %s", r)
	}

	tok := root.token("/admin/storage")
	set := func(owner, quota string) (*http.Response, string) {
		return root.post("/admin/storage/"+owner, url.Values{"csrf": {tok}, "quota": {quota}})
	}
	resp, _ = set("shop", "2 KB")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/storage?done=shop" {
		t.Fatalf("set shop's quota: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if u, err := a.st.StorageUsage("shop"); err != nil || u.Quota != 2048 || u.Setting != 2048 || u.Used != 1536 {
		t.Errorf("shop's storage %+v (%v), want 1536 of a 2048-byte quota of its own", u, err)
	}
	_, body = root.do(http.MethodGet, "/admin/storage?done=shop", "", nil)
	if r := row(body, "shop"); !strings.Contains(r, "2 KB") || !strings.Contains(r, "(75%)") || !strings.Contains(r, `value="2 KB"`) {
		t.Errorf("shop's row after setting 2 KB: %s", r)
	}
	if !strings.Contains(body, "The quota of shop is set.") {
		t.Errorf("no flash after setting the quota")
	}
	// The quota holds for the next upload.
	if err := store1("shop", 1024); !errors.Is(err, store.ErrQuota) {
		t.Errorf("an upload past the quota set on the page: %v, want ErrQuota", err)
	}
	if err := store1("office", 1024); err != nil {
		t.Errorf("another account's upload: %v", err)
	}

	for _, tc := range []struct {
		quota, want string
	}{{"lots", "a quota is a size"}, {"-5 MB", "a quota is a size"}, {"0", "a quota is a size"}} {
		resp, body := set("shop", tc.quota)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(pageError(body), tc.want) {
			t.Errorf("quota %q: %d %q", tc.quota, resp.StatusCode, pageError(body))
		}
	}
	if resp, _ := set("nobody", "1 GB"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("quota of no account: %d, want 404", resp.StatusCode)
	}
	for quota, want := range map[string]int64{"none": store.QuotaNone, "default": store.QuotaDefault, "1.5 gb": 3 << 29, "4096": 4096} {
		if resp, _ := set("office", quota); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("quota %q: %d", quota, resp.StatusCode)
		}
		if u, _ := a.st.StorageUsage("office"); u.Setting != want {
			t.Errorf("quota %q: setting %d, want %d", quota, u.Setting, want)
		}
	}
}
