package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
)

// TestPhotonCorrectionTeaches: a vendor and category corrected through
// PUT /api/v4/update come out, read by Tesseract, on the account's next
// receipt from the same shop (another day, other items), and not on
// another account's copy of it.
func TestPhotonCorrectionTeaches(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	submit := func(who string, r *fixture.Receipt) (string, map[string]any) {
		t.Helper()
		c := e.alice
		if who == "bob" {
			c = e.bob
		}
		body, ct := multipartBody(t, "pdf", "receipt.png", fixture.PNG(r, fixture.Options{}))
		sub := e.do(http.MethodPost, "/api/pro", headers(c), body, ct)
		key, _ := sub.body["photon_key"].(string)
		if sub.code != http.StatusOK || key == "" {
			t.Fatalf("submit: %d %s", sub.code, sub.raw)
		}
		return key, e.waitDone(c, key)
	}
	key, first := submit("alice", fixture.Sample())
	read, _ := first["Vendor_Name"].(string)
	if !strings.Contains(read, "GROCER") {
		t.Fatalf("Tesseract read the vendor as %q", read)
	}
	const vendor, category = "Corner Grocer of Leeds", "Convenience store"
	if first["Category"] == category {
		t.Fatalf("the category was already %q", category)
	}
	up := e.do(http.MethodPut, "/api/v4/update?photon_key="+url.QueryEscape(key), headers(e.alice),
		strings.NewReader(`{"Vendor_Name": "`+vendor+`", "Category": "`+category+`"}`), "application/json")
	if up.code != http.StatusOK {
		t.Fatalf("update: %d %s", up.code, up.raw)
	}

	next := fixture.Sample()
	next.Date = next.Date.Add(26 * time.Hour)
	next.Items = []fixture.Item{{Name: "ORANGE JUICE 1L", Qty: 1, Price: 1.95}, {Name: "OAT BISCUITS", Qty: 2, Price: 1.10}}
	nkey, again := submit("alice", next)
	if again["Vendor_Name"] != vendor || again["Category"] != category {
		t.Errorf("the next receipt: vendor %q, category %q; want %q, %q", again["Vendor_Name"], again["Category"], vendor, category)
	}
	d, err := e.st.DocumentByKey("alice", nkey)
	if err != nil {
		t.Fatal(err)
	}
	if d.Taught == nil || d.Taught.From != key || d.Taught.Read["Vendor_Name"] != read || d.Corrected != nil {
		t.Errorf("what was taught is not recorded beside what was read: %+v", d.Taught)
	}
	if total, _ := again["Total"].(float64); total != next.Total() {
		t.Errorf("the next receipt's total %v, want its own %v", again["Total"], next.Total())
	}

	_, other := submit("bob", next)
	if other["Vendor_Name"] == vendor || other["Category"] == category {
		t.Errorf("another account learnt from alice's correction: %q, %q", other["Vendor_Name"], other["Category"])
	}
}
