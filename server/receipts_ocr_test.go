package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
)

// uploadImage posts an image as the app does and returns its link.
func (e *renv) uploadImage(user string, content []byte) string {
	e.t.Helper()
	body, ct := multipartBody(e.t, "image", "receipt.png", content)
	r := e.send(http.MethodPost, "/receipts-service/user/receipt/image", e.tickets[user], body, ct)
	if r.code != http.StatusOK || len(r.body) != 1 || r.str("link") == "" {
		e.t.Fatalf("upload image: %d %s", r.code, r.raw)
	}
	return r.str("link")
}

// waitStatus polls the receipt, as the app would, until it leaves the
// statuses in which the service is still working on it.
func (e *renv) waitStatus(user, id string) jresp {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		r := e.call(http.MethodGet, "/receipts-service/user/receipt/"+id, e.tickets[user], "")
		if r.code != http.StatusOK {
			e.t.Fatalf("get %s: %d %s", id, r.code, r.raw)
		}
		switch r.str("status") {
		case "INITIAL", "OCR", "SET_RETAILERS_PENDING", "SET_PRODUCTS_PENDING":
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return r
	}
	e.t.Fatalf("receipt %s not analyzed in time", id)
	return jresp{}
}

func num(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return ""
}

// TestReceiptsPipeline runs receipts through real Tesseract and every
// status transition over HTTP: OCR -> SET_RETAILERS -> SET_RETAILERS_PENDING
// -> SET_PRODUCTS -> SET_PRODUCTS_PENDING -> COMPLETED; then the learned
// retailer and product names complete the next receipt with no help, the
// same receipt again is a duplicate that earns nothing, the daily cap
// holds, staff hide a receipt, and unreadable and non-receipt images end
// FAILED and UNRECOGNIZED.
func TestReceiptsPipeline(t *testing.T) {
	e := newReceiptsEnv(t)
	milk, loaf, apples := gtin("931199584371"), gtin("500000000001"), gtin("500000000002")
	e.run(t, []scenario{
		// The retailer's name does not appear on the receipt: it must be taught.
		{"rename corner", "PUT", "/receipts-service/admin/retailers/corner", "admin", `{"name":"The Corner Shop Co","logo":"https://cdn.example.com/corner.png","time_zone":"Australia/Melbourne"}`, 200, nil, nil},
		{"milk", "PUT", "/receipts-service/admin/products/" + milk, "admin", `{"name":"Whole milk 2 litres","brand":"Dairy Co","partner":true,"names":["WHOLE MILK 2L"]}`, 200, nil, nil},
		{"loaf and apples", "POST", "/receipts-service/admin/products/import", "admin", "gtin,name,partner\n" + loaf + ",Sourdough,false\n" + apples + ",Apples Gala 1kg,false\n", 200, nil, nil},
		{"coins", "PUT", "/receipts-service/admin/coins", "admin", `{"partner_brand_product_coins":41220000000000000000,"non_partner_brand_product_coins":410000000000000000,"daily_limit_coins":"100000000000000000000"}`, 200, nil, nil},
	})
	img := fixture.PNG(fixture.Sample(), fixture.Options{})
	link := e.uploadImage("alice", img)
	u, err := url.Parse(link)
	if err != nil || u.Host != strings.TrimPrefix(e.url, "http://") || !strings.HasPrefix(u.Path, "/receipts-service/image/") {
		t.Fatalf("link %q", link)
	}
	got, err := e.client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != http.StatusOK || string(served) != string(img) {
		t.Fatalf("image link: %d, %d bytes", got.StatusCode, len(served))
	}
	// Bob cannot put alice's image on his receipt.
	body := `{"accuracy":"1","longitude":"2","latitude":"3","receipt":["` + link + `"],"store_id":"s","location_name":"n"}`
	wantErr(t, e.call("POST", "/receipts-service/user/receipt", e.tickets["bob"], body), http.StatusBadRequest)
	// A made-up link on this host is refused.
	wantErr(t, e.call("POST", "/receipts-service/user/receipt", e.tickets["alice"], strings.Replace(body, "/receipts-service/image/", "/receipts-service/imag/", 1)), http.StatusBadRequest)

	first := e.addReceipt("alice", link)
	e.run(t, []scenario{{"queued for OCR", "GET", "/receipts-service/user/receipt/" + first, "alice", "", 200, map[string]any{"status": "OCR", "ocr_done": "0"}, nil}})
	e.startWorkers()

	// OCR -> SET_RETAILERS.
	r := e.waitStatus("alice", first)
	if r.str("status") != "SET_RETAILERS" {
		t.Fatalf("after OCR: %s", r.raw)
	}
	e.run(t, []scenario{
		{"needs a retailer", "GET", "/receipts-service/user/actions", "alice", "", 200, map[string]any{"set_retailers": "1", "set_products": "0", "total": "1"}, nil},
		{"group: need attention", "GET", "/receipts-service/user/groups", "alice", "", 200, map[string]any{"result.0.count": "1", "result.1.type": "other", "result.1.count": "0", "total": "1"}, nil},
		{"products too early", "PUT", "/receipts-service/user/receipt/" + first + "/products", "alice", `{"products":[{"line":1,"skip":true}]}`, 409, nil, nil},
		{"unknown retailer", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "alice", `{"retailer_id":"nope"}`, 400, nil, nil},
		{"bob cannot", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "bob", `{"retailer_id":"corner"}`, 404, nil, nil},
		{"set retailer", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "alice", `{"retailer_id":"corner"}`, 200, map[string]any{"status": "SET_RETAILERS_PENDING"}, nil},
		{"set retailer twice", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "alice", `{"retailer_id":"corner"}`, 409, nil, nil},
	})
	// SET_RETAILERS_PENDING -> SET_PRODUCTS (only the milk is known).
	r = e.waitStatus("alice", first)
	if r.str("status") != "SET_PRODUCTS" || r.str("retailer_id") != "corner" || r.str("retailer_name") != "The Corner Shop Co" {
		t.Fatalf("after the retailer: %s", r.raw)
	}
	items := r.body["items"].([]any)
	if len(items) < 3 {
		t.Fatalf("items: %s", r.raw)
	}
	var maps []map[string]any
	matchedMilk := false
	for _, it := range items {
		m := it.(map[string]any)
		if m["gtin"] != nil {
			matchedMilk = matchedMilk || m["gtin"] == milk
			continue
		}
		switch name := strings.ToUpper(m["name"].(string)); {
		case strings.Contains(name, "SOURDOUGH"):
			maps = append(maps, map[string]any{"line": m["line"], "gtin": loaf})
		case strings.Contains(name, "APPLES"):
			maps = append(maps, map[string]any{"name": m["name"], "gtin": apples})
		default:
			maps = append(maps, map[string]any{"line": m["line"], "skip": true})
		}
	}
	if !matchedMilk || num(r.body["recognized_items"]) != "1" {
		t.Fatalf("milk not matched by its printed name: %s", r.raw)
	}
	mapBody, _ := json.Marshal(map[string]any{"products": maps})
	e.run(t, []scenario{
		{"needs products", "GET", "/receipts-service/user/actions", "alice", "", 200, map[string]any{"set_retailers": "0", "set_products": "1", "total": "1"}, nil},
		{"staff see it", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{}`, 200, map[string]any{"total": "1", "receipts.0.id": first, "receipts.0.status": "SET_PRODUCTS", "receipts.0.user": "alice", "receipts.0.total": "12.10"}, nil},
		{"unknown product", "PUT", "/receipts-service/user/receipt/" + first + "/products", "alice", `{"products":[{"line":2,"gtin":"` + gtin("999999999999") + `"}]}`, 400, nil, nil},
		{"unknown line", "PUT", "/receipts-service/user/receipt/" + first + "/products", "alice", `{"products":[{"line":99,"skip":true}]}`, 400, nil, nil},
		{"set products", "PUT", "/receipts-service/user/receipt/" + first + "/products", "alice", string(mapBody), 200, map[string]any{"status": "SET_PRODUCTS_PENDING"}, nil},
	})
	// SET_PRODUCTS_PENDING -> COMPLETED, with coins.
	r = e.waitStatus("alice", first)
	if r.str("status") != "COMPLETED" || num(r.body["partner_brand_product_coins"]) != "41220000000000000000" ||
		num(r.body["partner_brand_product_coins_earned"]) != "41220000000000000000" || num(r.body["pending_coins"]) != "0" ||
		num(r.body["non_partner_brand_product_coins"]) == "0" || num(r.body["non_partner_brand_product_coins_earned"]) != num(r.body["non_partner_brand_product_coins"]) {
		t.Fatalf("completed: %s", r.raw)
	}
	if !strings.Contains(r.raw, `"partner_brand_product_coins":41220000000000000000,`) {
		t.Fatalf("coins are not an exact JSON number: %s", r.raw)
	}
	earned1 := bigSum(num(r.body["partner_brand_product_coins_earned"]), num(r.body["non_partner_brand_product_coins_earned"]))

	// The analyzed receipt, as staff see it.
	a := e.call("POST", "/receipts-service/retailer/corner/"+first, e.tickets["corner-staff"], "")
	e.checkFields(t, a, map[string]any{
		"analyzed.analyzed_receipt.data.total":     "12.10",
		"analyzed.analyzed_receipt.data.store":     "corner",
		"analyzed.analyzed_receipt.data.links.0":   link,
		"analyzed.analyzed_receipt.receipt_date":   "15/03/2024",
		"analyzed.analyzed_receipt.receipt_time":   "14:32:00",
		"analyzed.analyzed_receipt.receipt_ts":     "2024-03-15T14:32:00Z",
		"analyzed.analyzed_receipt.receipt_ts_utc": "2024-03-15T03:32:00Z", // Melbourne, daylight time (+11)
		"analyzed.analyzed_receipt.postcode":       "LS1 4AB",
		"analyzed.analyzed_receipt.status":         "completed",
		"analyzed.analyzed_receipt.receipt_id":     first,
		"analyzed.analyzed_receipt.user_id":        "alice",
		"analyzed.analyzed_receipt.retailer":       "corner",
		"analyzed.analyzed_receipt.merch_id":       nil,
		"analyzed.receipt.status":                  "6",
		"analyzed.receipt.ocr_done":                true,
		"analyzed.receipt.ocr_status":              "success",
		"analyzed.receipt.retailer_name":           "The Corner Shop Co",
		"analyzed.receipt.total":                   "12.1",
		"analyzed.limits.limit_coins":              "100000000000000000000",
		"analyzed.limits.sum_coins":                earned1,
		"analyzed.partner_brand_product_coins":     "41220000000000000000",
		"analyzed.pending_coins":                   "0",
	})
	prices := field(a.body, "analyzed.analyzed_receipt.data.prices").([]any)
	if len(prices) != len(items) || field(a.body, "analyzed.analyzed_receipt.ocr_hash") == "" || num(field(a.body, "analyzed.analyzed_receipt.words_count")) == "0" {
		t.Fatalf("analyzed: %s", a.raw)
	}
	from, _ := field(a.body, "analyzed.limits.from_ts").(string)
	if !strings.HasSuffix(from, ":00:00Z") || field(a.body, "ocr") == nil {
		t.Fatalf("limits: %s", a.raw)
	}

	// Learning and duplicates: the same image again is recognised without
	// help, completes, and earns nothing.
	second := e.addReceipt("alice", e.uploadImage("alice", img))
	r = e.waitStatus("alice", second)
	if r.str("status") != "COMPLETED" || r.body["duplicate"] != true || num(r.body["partner_brand_product_coins_earned"]) != "0" || num(r.body["pending_coins"]) != "0" {
		t.Fatalf("the same receipt again: %s", r.raw)
	}

	// Bob's receipt differs (three apples): learned names complete it; the
	// daily cap (42 coins) holds the non-partner coins to 0.78.
	e.run(t, []scenario{{"cap", "PUT", "/receipts-service/admin/coins", "admin", `{"partner_brand_product_coins":41220000000000000000,"non_partner_brand_product_coins":410000000000000000,"daily_limit_coins":42000000000000000000}`, 200, nil, nil}})
	other := fixture.Sample()
	other.Items[3].Qty = 3
	bobs := e.addReceipt("bob", e.uploadImage("bob", fixture.PNG(other, fixture.Options{})))
	r = e.waitStatus("bob", bobs)
	if r.str("status") != "COMPLETED" || r.body["duplicate"] != nil || num(r.body["partner_brand_product_coins_earned"]) != "41220000000000000000" ||
		num(r.body["non_partner_brand_product_coins_earned"]) != "780000000000000000" {
		t.Fatalf("bob's receipt under the cap: %s", r.raw)
	}

	// Search, groups and the staff list over the three.
	e.run(t, []scenario{
		{"search an item", "POST", "/receipts-service/user/search", "alice", `{"search_query":"sourd"}`, 200, map[string]any{"total": "2"}, nil},
		{"search the retailer", "POST", "/receipts-service/user/search", "alice", `{"search_query":"corner","retailer":"corner","status":["COMPLETED"]}`, 200, map[string]any{"total": "2", "receipts.0.id": second, "receipts.1.id": first}, nil},
		{"search nothing", "POST", "/receipts-service/user/search", "alice", `{"search_query":"caviar"}`, 200, map[string]any{"total": "0"}, nil},
		{"groups", "GET", "/receipts-service/user/groups", "alice", "", 200, map[string]any{"result.0.count": "0", "result.1.retailer_id": "corner", "result.1.type": "retailer", "result.1.image": "https://cdn.example.com/corner.png", "result.1.count": "2", "result.2.count": "0", "total": "2"}, nil},
		{"staff: all", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{}`, 200, map[string]any{"total": "3", "receipts.0.id": bobs}, nil},
		{"staff: by user", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"user_id":"bob"}`, 200, map[string]any{"total": "1", "receipts.0.user": "bob"}, nil},
		{"staff: by gtin", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"gtin":"` + milk + `","status":["COMPLETED"]}`, 200, map[string]any{"total": "3"}, nil},
		{"staff: by total", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"total_from":12.1,"total_to":12.1}`, 200, map[string]any{"total": "2"}, nil},
		{"staff: sort by user", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"sort_by":{"field":"user_id","order":"ASC"},"page_size":1,"page":2}`, 200, map[string]any{"total": "3", "receipts.0.user": "bob"}, nil},
		{"staff: printed date", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"receipt_ts_from":"2024-03-15T00:00:00Z","receipt_ts_to":"2024-03-15T23:59:59Z"}`, 200, map[string]any{"total": "3", "receipts.0.issued_at": "2024-03-15T14:32:00Z"}, nil},
		{"staff: upload window", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"receipt_uploaded_ts_to":"2000-01-01T00:00:00Z"}`, 200, map[string]any{"total": "0"}, nil},
		{"other staff", "POST", "/receipts-service/retailer/corner/" + bobs + "/hide", "other-staff", "", 403, nil, nil},
		{"hide", "POST", "/receipts-service/retailer/corner/" + bobs + "/hide", "corner-staff", "", 200, map[string]any{"status": "HIDDEN"}, nil},
		{"hide again", "POST", "/receipts-service/retailer/corner/" + bobs + "/hide", "corner-staff", "", 409, nil, nil},
		{"hidden listed", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"status":["HIDDEN"]}`, 200, map[string]any{"total": "1", "receipts.0.id": bobs}, nil},
	})

	// Unreadable and not-a-receipt images.
	bomb := e.addReceipt("alice", e.uploadImage("alice", pngBomb(t, 40000, 40000)))
	if r := e.waitStatus("alice", bomb); r.str("status") != "FAILED" {
		t.Fatalf("bomb: %s", r.raw)
	}
	blank := &fixture.Receipt{Merchant: "HELLO THERE", Address: "JUST A NOTE", Date: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC), Footer: "SEE YOU"}
	note := e.addReceipt("alice", e.uploadImage("alice", fixture.PNG(blank, fixture.Options{})))
	if r := e.waitStatus("alice", note); r.str("status") != "UNRECOGNIZED" {
		t.Fatalf("a note: %s", r.raw)
	}
	e.run(t, []scenario{
		{"search failed", "POST", "/receipts-service/user/search", "alice", `{"status":["FAILED","UNRECOGNIZED"]}`, 200, map[string]any{"total": "2", "receipts.0.id": note, "receipts.0.ocr_done": "1"}, nil},
	})
}

func (e *renv) checkFields(t *testing.T, r jresp, want map[string]any) {
	t.Helper()
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.raw)
	}
	for path, w := range want {
		got := field(map[string]any(r.body), path)
		if n, ok := got.(json.Number); ok {
			got = n.String()
		}
		if got != w {
			t.Errorf("%s = %#v, want %#v", path, got, w)
		}
	}
	if t.Failed() {
		t.Logf("%s", r.raw)
	}
}
