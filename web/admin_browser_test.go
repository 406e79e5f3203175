package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tillroll/store"
)

func TestBrowserAdmin(t *testing.T) {
	a := newApp(t)
	if _, err := a.st.CreateUser(store.NewUser{Name: "root", Password: "root-password", Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a.url)
	b.signIn("root", "root-password")

	// The Admin entry leads to the landing page with its figures.
	b.do("open admin",
		chromedp.Click(chromedp.CSS(`header nav a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.CSS("#admin-links")),
	)
	if got := flat(b.text("#figures")); !strings.Contains(got, "Users 3") || !strings.Contains(got, "Retailers 2") {
		t.Fatalf("figures %q", got)
	}

	// A staff user for Hilltop Market.
	b.do("create a staff user",
		chromedp.Click(chromedp.CSS(`#admin-links a[href="/admin/users"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-user")),
		chromedp.SendKeys(chromedp.CSS("#name"), "sam"),
		chromedp.SendKeys(chromedp.CSS("#password"), "sam-password"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "sam-password"),
		chromedp.SetValue(chromedp.CSS("#role"), "staff"),
		chromedp.SetValue(chromedp.CSS("#retailer_id"), "hilltop"),
		chromedp.Click(chromedp.CSS("#new-user button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	row := flat(b.eval(`[...document.querySelectorAll("#users tbody tr")].map(r => r.textContent).find(t => t.includes("sam")) || ""`))
	if !strings.Contains(row, "sam staff Hilltop Market") {
		t.Fatalf("users list row for sam: %q", row)
	}
	if u, err := a.st.User("sam"); err != nil || u.Role != store.RoleStaff || u.RetailerID != "hilltop" {
		t.Fatalf("sam: %+v %v", u, err)
	}

	// A products CSV, then the products in the list.
	csv := filepath.Join(t.TempDir(), "products.csv")
	content := "gtin,name,brand,partner,names\n" +
		"9311995843710,Full cream milk 2L,Dairy Co,yes,WHOLE MILK 2L\n" +
		"96385074,Sourdough loaf,,no,SOURDOUGH|SOURDOUGH LOAF\n"
	if err := os.WriteFile(csv, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("import products",
		chromedp.Navigate(a.url+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#admin-links")),
		chromedp.Click(chromedp.CSS(`#admin-links a[href="/admin/products"]`)),
		chromedp.WaitVisible(chromedp.CSS("#import-form")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}),
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#products")),
	)
	if got := b.text(".flash"); got != "Imported 2 product(s)." {
		t.Fatalf("flash %q", got)
	}
	list := flat(b.text("#products"))
	for _, want := range []string{"9311995843710 Full cream milk 2L Dairy Co yes WHOLE MILK 2L", "96385074 Sourdough loaf no SOURDOUGH; SOURDOUGH LOAF"} {
		if !strings.Contains(list, want) {
			t.Fatalf("products list %q lacks %q", list, want)
		}
	}
	if got := b.text("#products-summary"); got != "2 product(s)." {
		t.Fatalf("summary %q", got)
	}

	// A bad file: the line is named, nothing changes.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("gtin,name\n12345678,Bread\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("import a bad file",
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}),
		chromedp.Click(chromedp.CSS("#import-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#page-error")),
	)
	if got := b.text("#page-error"); !strings.Contains(got, "Nothing was imported. Line 2: gtin \"12345678\"") {
		t.Fatalf("bad file says %q", got)
	}
	if got := b.text("#products-summary"); got != "2 product(s)." {
		t.Fatalf("after the bad file: %q", got)
	}
	b.noScriptRan()

	// Sam signs in, and has no Admin entry.
	b.do("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	b.signIn("sam", "sam-password")
	if n := b.eval(`String(document.querySelectorAll('header nav a[href="/admin"]').length)`); n != "0" {
		t.Fatal("staff see the Admin entry")
	}
	b.do("sam opens admin", chromedp.Navigate(a.url+"/admin"), chromedp.WaitVisible(chromedp.CSS("#page-error")))
	b.noScriptRan()
}
