package web_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// milkGTIN is the catalogue's product for the sample's WHOLE MILK 2L.
const milkGTIN = "9311995843710"

// staffApp is the app with the staff's world: the retailer Corner Grocer
// (recognised from the sample's printed name), a product, a staff member
// of each retailer and an admin.
func staffApp(t *testing.T) *app {
	t.Helper()
	a := newApp(t)
	if err := a.st.PutRetailers([]store.Retailer{{ID: "corner", Name: "Corner Grocer", Words: []string{"corner grocer"}}}); err != nil {
		t.Fatal(err)
	}
	if err := a.st.PutProducts([]store.Product{{GTIN: milkGTIN, Name: "Milk 2 litres", Names: []string{"WHOLE MILK 2L"}}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.NewUser{
		{Name: "corner-staff", Password: "corner-password", Role: store.RoleStaff, RetailerID: "corner"},
		{Name: "hill-staff", Password: "hill-password", Role: store.RoleStaff, RetailerID: "hilltop"},
		{Name: "root", Password: "root-password", Role: store.RoleAdmin},
	} {
		if _, err := a.st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// uploadAs signs in as user and sends the receipts through the upload
// form in one POST, then waits until OCR and the analysis are done with
// each. It returns the receipts in the order given.
func uploadAs(t *testing.T, a *app, user, password string, rs ...*fixture.Receipt) []store.Receipt {
	t.Helper()
	c := newClient(t, a.url)
	c.signIn(user, password)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", c.token("/upload"))
	for i, r := range rs {
		fw, err := mw.CreateFormFile("files", fmt.Sprintf("receipt-%d.png", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(fixture.PNG(r, fixture.Options{})); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := c.do(http.MethodPost, "/upload", mw.FormDataContentType(), &buf)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/upload?done=") {
		t.Fatalf("upload as %s: %d %s\n%s", user, resp.StatusCode, loc, body)
	}
	v, _ := url.ParseQuery(strings.TrimPrefix(loc, "/upload?"))
	var out []store.Receipt
	for _, id := range strings.Split(v.Get("done"), ",") {
		out = append(out, a.waitReceipt(id, func(r store.Receipt) bool {
			switch r.Status {
			case receipts.Initial, receipts.OCR, receipts.SetRetailersPending, receipts.SetProductsPending:
				return false
			}
			return true
		}))
	}
	if len(out) != len(rs) {
		t.Fatalf("upload as %s: %d receipts for %d files", user, len(out), len(rs))
	}
	return out
}

// Receipts the staff tests upload: the sample (CORNER GROCER LTD,
// 15/03/2024, 12.10, with WHOLE MILK 2L) and variations of it.
func aprilReceipt() *fixture.Receipt {
	r := fixture.Sample()
	r.Date = time.Date(2024, time.April, 20, 10, 15, 0, 0, time.UTC)
	r.Items[1].Qty = 3 // 14.47
	return r
}

func mayReceipt() *fixture.Receipt {
	r := fixture.Sample()
	r.Date = time.Date(2024, time.May, 2, 17, 40, 0, 0, time.UTC)
	r.Items = r.Items[3:] // GALA APPLES only: 1.94
	return r
}

func hilltopReceipt() *fixture.Receipt {
	r := fixture.Sample()
	r.Merchant = "HILLTOP MARKET"
	r.Items = r.Items[1:3]
	return r
}

var rowRE = regexp.MustCompile(`<tr data-id="([^"]+)">`)

// rows are the receipt ids of the staff list, in the page's order.
func rows(body string) []string {
	var out []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestRetailerPages(t *testing.T) {
	a := staffApp(t)
	// Alice's three, then Bob's (with a receipt number: its code is 4711).
	alices := uploadAs(t, a, "alice", "alice-password", fixture.Sample(), mayReceipt(), hilltopReceipt())
	april := aprilReceipt()
	april.Footer = "RECEIPT NO: 4711"
	bobs := uploadAs(t, a, "bob", "bob-password", april)
	march, may, hillR, apr := alices[0], alices[1], alices[2], bobs[0]
	for _, c := range []struct {
		r        store.Receipt
		retailer string
		total    string
		code     string
	}{{march, "corner", "12.10", ""}, {may, "corner", "1.94", ""}, {hillR, "hilltop", "8.59", ""}, {apr, "corner", "15.12", "4711"}} {
		if c.r.RetailerID != c.retailer || c.r.Analysis.Total != c.total || c.r.Analysis.ReceiptCode != c.code || c.r.Status != receipts.SetProducts {
			t.Fatalf("receipt read as %s %s %q %s, want %s %s %q SET_PRODUCTS", c.r.RetailerID, c.r.Analysis.Total, c.r.Analysis.ReceiptCode, c.r.Status, c.retailer, c.total, c.code)
		}
	}

	alice := newClient(t, a.url)
	alice.signIn("alice", "alice-password")
	staff := newClient(t, a.url)
	staff.signIn("corner-staff", "corner-password")
	hill := newClient(t, a.url)
	hill.signIn("hill-staff", "hill-password")
	root := newClient(t, a.url)
	root.signIn("root", "root-password")

	get := func(c *client, path string, want int) string {
		t.Helper()
		resp, body := c.do(http.MethodGet, path, "", nil)
		if resp.StatusCode != want {
			t.Fatalf("GET %s: %d, want %d\n%s", path, resp.StatusCode, want, body)
		}
		return body
	}

	t.Run("roles", func(t *testing.T) {
		anon := newClient(t, a.url)
		if resp, _ := anon.do(http.MethodGet, "/retailer", "", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin?next=%2Fretailer" {
			t.Fatalf("signed out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A plain user: no nav entry, and 403 on every staff page.
		if body := get(alice, "/receipts", 200); strings.Contains(body, `href="/retailer"`) || !strings.Contains(body, `href="/export"`) {
			t.Fatal("a user's nav: want Export and no Retailer")
		}
		get(alice, "/retailer", http.StatusForbidden)
		get(alice, "/retailer/receipts/"+march.UUID, http.StatusForbidden)
		get(alice, "/retailer?retailer=corner", http.StatusForbidden)

		// Staff see their own retailer's receipts, never another's.
		body := get(staff, "/retailer", 200)
		if !strings.Contains(body, `href="/retailer" aria-current="page"`) || !strings.Contains(body, "Receipts at Corner Grocer") {
			t.Fatal("staff's page lacks the current nav entry or the retailer's name")
		}
		if got, want := rows(body), []string{apr.UUID, may.UUID, march.UUID}; !slices.Equal(got, want) {
			t.Fatalf("corner's staff see %v, want %v", got, want)
		}
		if strings.Contains(body, `id="f-retailer"`) {
			t.Fatal("staff are offered other retailers")
		}
		if got := rows(get(hill, "/retailer", 200)); !slices.Equal(got, []string{hillR.UUID}) {
			t.Fatalf("hilltop's staff see %v", got)
		}
		get(hill, "/retailer?retailer=corner", http.StatusForbidden)
		get(hill, "/retailer/receipts/"+march.UUID, http.StatusNotFound)
		get(hill, "/retailer/receipts/no-such-id", http.StatusNotFound)

		// Admins choose: the first retailer by id, or any other.
		body = get(root, "/retailer", 200)
		if got := rows(body); !slices.Equal(got, []string{apr.UUID, may.UUID, march.UUID}) || !strings.Contains(body, `<option value="hilltop">Hilltop Market</option>`) {
			t.Fatalf("admin's first retailer: %v", got)
		}
		if got := rows(get(root, "/retailer?retailer=hilltop", 200)); !slices.Equal(got, []string{hillR.UUID}) {
			t.Fatalf("admin, hilltop: %v", got)
		}
		get(root, "/retailer?retailer=nope", http.StatusNotFound)
		if body := get(root, "/retailer?retailer=evil", 200); strings.Contains(body, "<script>alert") || !strings.Contains(body, "Receipts at Evil &lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Fatal("a retailer's name with markup is not shown as text")
		}
		get(root, "/retailer/receipts/"+hillR.UUID, 200)
	})

	t.Run("filters and sort", func(t *testing.T) {
		today := time.Now().Format("2006-01-02")
		tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
		yesterday := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
		for _, tc := range []struct {
			query string
			want  []store.Receipt
		}{
			{"", []store.Receipt{apr, may, march}},
			{"user=bob", []store.Receipt{apr}},
			{"user=alice", []store.Receipt{may, march}},
			{"code=4711", []store.Receipt{apr}},
			{"code=4712", nil},
			{"gtin=" + milkGTIN, []store.Receipt{apr, march}},
			{"status=SET_PRODUCTS", []store.Receipt{apr, may, march}},
			{"status=COMPLETED", nil},
			{"status=COMPLETED&status=set_products", []store.Receipt{apr, may, march}},
			{"issued_from=2024-04-01", []store.Receipt{apr, may}},
			{"issued_to=2024-04-20", []store.Receipt{apr, march}}, // the whole last day
			{"issued_from=2024-04-21&issued_to=2024-05-02", []store.Receipt{may}},
			{"uploaded_from=" + today, []store.Receipt{apr, may, march}},
			{"uploaded_to=" + today, []store.Receipt{apr, may, march}},
			{"uploaded_from=" + tomorrow, nil},
			{"uploaded_to=" + yesterday, nil},
			{"total_from=2&total_to=13", []store.Receipt{march}},
			{"total_from=12,10&total_to=12.10", []store.Receipt{march}},
			{"total_from=15", []store.Receipt{apr}},
			{"sort=total&order=asc", []store.Receipt{may, march, apr}},
			{"sort=total", []store.Receipt{apr, march, may}},
			{"sort=issued_at&order=asc", []store.Receipt{march, apr, may}},
			{"sort=user_id&order=asc", []store.Receipt{march, may, apr}},
			{"sort=user_id&order=desc", []store.Receipt{apr, may, march}},
			{"sort=receipt_code&order=asc", []store.Receipt{march, may, apr}},
			{"sort=ts&order=asc", []store.Receipt{march, may, apr}},
			{"user=alice&sort=total&order=asc&size=1&page=2", []store.Receipt{march}},
			{"user=alice&gtin=" + milkGTIN + "&issued_to=2024-03-31&total_from=12.10", []store.Receipt{march}},
		} {
			var want []string
			for _, r := range tc.want {
				want = append(want, r.UUID)
			}
			body := get(staff, "/retailer?"+tc.query, 200)
			if got := rows(body); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", tc.query, got, want)
			}
		}
		// The form shows what was asked.
		body := get(staff, "/retailer?user=bob&status=SET_PRODUCTS&sort=total&order=asc", 200)
		for _, want := range []string{`id="f-user" name="user" value="bob"`, `value="SET_PRODUCTS" checked`, `<option value="total" selected>`, `<option value="asc" selected>`, `<details class="more" open>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %s", want)
			}
		}
	})

	t.Run("paging", func(t *testing.T) {
		for _, tc := range []struct {
			page       string
			want       store.Receipt
			prev, next string
		}{
			{"", apr, "", `/retailer?page=2&amp;size=1`},
			{"2", may, `/retailer?size=1`, `/retailer?page=3&amp;size=1`},
			{"3", march, `/retailer?page=2&amp;size=1`, ""},
		} {
			body := get(staff, "/retailer?size=1&user=&page="+tc.page, 200)
			if got := rows(body); !slices.Equal(got, []string{tc.want.UUID}) || !strings.Contains(body, "3 receipt(s)") {
				t.Errorf("page %q: %v", tc.page, got)
			}
			for rel, want := range map[string]string{"prev": tc.prev, "next": tc.next} {
				m := regexp.MustCompile(`<a href="([^"]*)" rel="` + rel + `">`).FindStringSubmatch(body)
				switch {
				case want == "" && m != nil:
					t.Errorf("page %q: a %s link %s", tc.page, rel, m[1])
				case want != "" && (m == nil || m[1] != want):
					t.Errorf("page %q: %s link %v, want %s", tc.page, rel, m, want)
				}
			}
		}
		// Filters stay in the links; past the end the page says so.
		body := get(staff, "/retailer?user=alice&size=1", 200)
		if !strings.Contains(body, `href="/retailer?page=2&amp;size=1&amp;user=alice" rel="next"`) {
			t.Error("the next link lost the filter")
		}
		body = get(staff, "/retailer?size=1&page=9", 200)
		if rows(body) != nil || !strings.Contains(body, "No receipts on this page.") || !strings.Contains(body, `href="/retailer?page=3&amp;size=1" rel="prev"`) {
			t.Error("past the last page: want no rows and a link to the last page")
		}
	})

	t.Run("bad input", func(t *testing.T) {
		for _, tc := range []struct{ query, want string }{
			{"issued_from=2024-13-01", "Date on the receipt from must be a date like 2024-03-01."},
			{"issued_to=15/03/2024", "Date on the receipt to must be a date like 2024-03-31."},
			{"uploaded_from=2024-05-02&uploaded_to=2024-05-01", "Uploaded: the first day is after the last."},
			{"total_from=abc", "Total from must be an amount like 12.50."},
			{"total_from=5&total_to=1", "Total: the lowest amount is above the highest."},
			{"status=NOPE", "There is no status &#34;NOPE&#34;."},
			{"sort=colour", "Sort by upload time, date on the receipt, receipt code, status, total or user."},
			{"order=up", "The order must be ascending or descending."},
			{"size=1000", "Show 1 to 100 receipts a page."},
			{"page=0", "The page must be a number from 1."},
			{"page=x", "The page must be a number from 1."},
			{"gtin=123", "The GTIN must be a barcode number"},
			{"gtin=" + milkGTIN + "00", "The GTIN must be a barcode number"},
			{"uploaded_from=2024-03-011", "Uploaded from must be a date like 2024-03-01."},
		} {
			body := get(staff, "/retailer?"+tc.query, http.StatusBadRequest)
			if !strings.Contains(body, `<p class="error" role="alert" id="page-error">`+tc.want) {
				t.Errorf("%s: no error %q on the page", tc.query, tc.want)
			}
			if rows(body) != nil || strings.Contains(body, `id="summary"`) {
				t.Errorf("%s: a list shown with an error", tc.query)
			}
		}
		// Two problems at once are both told; what was typed stays.
		body := get(staff, "/retailer?issued_from=2024-13-01&total_to=abc", http.StatusBadRequest)
		if !strings.Contains(body, "Date on the receipt from must be") || !strings.Contains(body, "Total to must be") || !strings.Contains(body, `value="2024-13-01"`) {
			t.Error("two problems: want both told and the typed values kept")
		}
	})

	t.Run("receipt view", func(t *testing.T) {
		body := get(staff, "/retailer/receipts/"+march.UUID, 200)
		for _, want := range []string{"Receipt at Corner Grocer", "CORNER GROCER LTD", "<dd><span class=\"value\">alice</span>", "Milk 2 litres", "12.10", `id="hide-form"`, `src="/receipts-service/image/`} {
			if !strings.Contains(body, want) {
				t.Errorf("the staff view lacks %s", want)
			}
		}
		// Read-only: none of the owner's corrections.
		for _, form := range []string{"total-form", "retailer-form", "products-form", `action="/receipts/`} {
			if strings.Contains(body, form) {
				t.Errorf("the staff view offers %s", form)
			}
		}
		if body := get(root, "/retailer/receipts/"+march.UUID, 200); !strings.Contains(body, `href="/retailer?retailer=corner"`) {
			t.Error("the admin's view does not lead back to the retailer's list")
		}
	})

	t.Run("hide", func(t *testing.T) {
		status := func(r store.Receipt) receipts.Status {
			t.Helper()
			cur, err := a.st.ReceiptByUUID(r.UUID)
			if err != nil {
				t.Fatal(err)
			}
			return cur.Status
		}
		tok := staff.token("/retailer")
		hide := func(c *client, r store.Receipt, form url.Values, header ...string) (*http.Response, string) {
			t.Helper()
			return c.post("/retailer/receipts/"+r.UUID+"/hide", form, header...)
		}
		for _, tc := range []struct {
			name string
			c    *client
			form url.Values
			hdr  []string
			want int
		}{
			{"no token", staff, url.Values{}, nil, http.StatusForbidden},
			{"wrong token", staff, url.Values{"csrf": {strings.Repeat("0", 64)}}, nil, http.StatusForbidden},
			{"another user's token", staff, url.Values{"csrf": {alice.token("/receipts")}}, nil, http.StatusForbidden},
			{"other site", staff, url.Values{"csrf": {tok}}, []string{"Origin", "https://evil.example"}, http.StatusForbidden},
			{"a user", alice, url.Values{"csrf": {alice.token("/receipts")}}, nil, http.StatusForbidden},
			{"another retailer's staff", hill, url.Values{"csrf": {hill.token("/retailer")}}, nil, http.StatusNotFound},
		} {
			if resp, _ := hide(tc.c, march, tc.form, tc.hdr...); resp.StatusCode != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
			if st := status(march); st != receipts.SetProducts {
				t.Fatalf("%s: the receipt is now %s", tc.name, st)
			}
		}

		// From the filtered list: back to it, with a note.
		resp, body := hide(staff, march, url.Values{"csrf": {tok}, "back": {"/retailer?user=alice&size=1"}}, "Origin", a.url)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/retailer?hidden=1&size=1&user=alice" {
			t.Fatalf("hide: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if st := status(march); st != receipts.Hidden {
			t.Fatalf("after hiding: %s", st)
		}
		body = get(staff, "/retailer?hidden=1&user=alice", 200)
		if !strings.Contains(body, `<p class="flash" role="status">The receipt is hidden.</p>`) || strings.Contains(body, march.UUID+"/hide") || !strings.Contains(body, may.UUID+"/hide") {
			t.Error("after hiding: want the note, and no hide button for the hidden receipt only")
		}
		if got := rows(get(staff, "/retailer?status=HIDDEN", 200)); !slices.Equal(got, []string{march.UUID}) {
			t.Errorf("hidden filter: %v", got)
		}
		if resp, body := hide(staff, march, url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "hidden already") {
			t.Errorf("hide twice: %d", resp.StatusCode)
		}
		// Back never leads off the staff pages.
		for _, tc := range []struct {
			back string
			r    store.Receipt
		}{{"https://evil.example/retailer", may}, {"//evil.example/retailer", apr}, {"/retailer/../signout", hillR}} {
			resp, _ := hide(root, tc.r, url.Values{"csrf": {root.token("/retailer")}, "back": {tc.back}})
			if want := "/retailer/receipts/" + tc.r.UUID + "?hidden=1"; resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
				t.Errorf("back %q: %d %s, want %s", tc.back, resp.StatusCode, resp.Header.Get("Location"), want)
			}
			if st := status(tc.r); st != receipts.Hidden {
				t.Errorf("an admin hid %s: it is %s", tc.r.RetailerID, st)
			}
		}
	})
}
