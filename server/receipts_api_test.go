package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantErr checks the error shape: {"message", "status": "error"}, no data.
func wantErr(t *testing.T, r jresp, code int) {
	t.Helper()
	if r.code != code || r.body["status"] != "error" || r.body["message"] == "" || len(r.body) != 2 {
		t.Fatalf("want %d {message, status: error}, got %d %s", code, r.code, r.raw)
	}
}

func TestIdentityLoginLogout(t *testing.T) {
	e := newReceiptsEnv(t)
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"wrong password", `{"username":"alice","password":"nope-nope"}`, http.StatusUnauthorized},
		{"unknown user", `{"username":"nobody","password":"whatever1"}`, http.StatusUnauthorized},
		{"no password", `{"username":"alice"}`, http.StatusBadRequest},
		{"not JSON", `username=alice`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, e.call(http.MethodPost, "/identity-service/login", "", tc.body), tc.code)
		})
	}
	ok := e.call(http.MethodPost, "/identity-service/login", "", `{"username":"alice","password":"alice-password"}`)
	exp, err := time.Parse(time.RFC3339, ok.str("expires_at"))
	if ok.code != http.StatusOK || len(ok.body) != 2 || len(ok.str("ticket")) != 64 || err != nil || !exp.Equal(e.clk.Now().Add(ticketTTL)) {
		t.Fatalf("login: %d %s (%v)", ok.code, ok.raw, err)
	}
	ticket := ok.str("ticket")
	if r := e.call(http.MethodGet, "/receipts-service/user/groups", ticket, ""); r.code != http.StatusOK {
		t.Fatalf("with the ticket: %d %s", r.code, r.raw)
	}
	if r := e.call(http.MethodPost, "/identity-service/logout", ticket, ""); r.code != http.StatusOK || r.str("result") != "ok" {
		t.Fatalf("logout: %d %s", r.code, r.raw)
	}
	wantErr(t, e.call(http.MethodGet, "/receipts-service/user/groups", ticket, ""), http.StatusUnauthorized)
}

func TestIdentityRateLimit(t *testing.T) {
	e := newReceiptsEnv(t)
	bad := `{"username":"bob","password":"wrong-password"}`
	for range 5 {
		wantErr(t, e.call(http.MethodPost, "/identity-service/login", "", bad), http.StatusUnauthorized)
	}
	// Locked for bob, even with the right password.
	wantErr(t, e.call(http.MethodPost, "/identity-service/login", "", `{"username":"bob","password":"bob-password"}`), http.StatusTooManyRequests)
	// Other names from the same address still get in (the address limit is higher).
	if r := e.call(http.MethodPost, "/identity-service/login", "", `{"username":"alice","password":"alice-password"}`); r.code != http.StatusOK {
		t.Fatalf("alice: %d %s", r.code, r.raw)
	}
	// Spraying names from one address hits the address limit.
	for i := range 15 {
		e.call(http.MethodPost, "/identity-service/login", "", `{"username":"x`+string(rune('a'+i))+`","password":"wrong-password"}`)
	}
	wantErr(t, e.call(http.MethodPost, "/identity-service/login", "", `{"username":"alice","password":"alice-password"}`), http.StatusTooManyRequests)
	// The window passes on the injected clock.
	e.clk.Add(16 * time.Minute)
	if r := e.call(http.MethodPost, "/identity-service/login", "", `{"username":"bob","password":"bob-password"}`); r.code != http.StatusOK {
		t.Fatalf("after the window: %d %s", r.code, r.raw)
	}
}

// TestReceiptsAuthorization: every endpoint refuses a missing, unknown or
// expired ticket with 401, the wrong role with 403, and someone else's
// receipt with 404, never with data.
func TestReceiptsAuthorization(t *testing.T) {
	e := newReceiptsEnv(t)
	expired := e.tickets["alice"]
	e.clk.Add(ticketTTL - time.Hour)
	for _, u := range []string{"alice", "bob", "corner-staff", "other-staff", "admin"} {
		e.tickets[u] = e.login(u, map[string]string{"alice": "alice-password", "bob": "bob-password", "admin": "admin-password"}[u]+map[bool]string{true: "staff-password"}[strings.HasSuffix(u, "-staff")])
	}
	e.clk.Add(2 * time.Hour) // the first ticket is now 25 hours old
	aliceReceipt := e.addReceipt("alice", "https://cdn.example.com/r1.jpg")

	routes := []struct {
		method, path, body string
		who                string // the role it needs: user, staff (of corner), admin
	}{
		{http.MethodGet, "/receipts-service/user/receipt", "", "user"},
		{http.MethodPost, "/receipts-service/user/receipt", `{}`, "user"},
		{http.MethodGet, "/receipts-service/user/receipt/" + aliceReceipt, "", "user"},
		{http.MethodDelete, "/receipts-service/user/receipt/" + aliceReceipt, "", "user"},
		{http.MethodPut, "/receipts-service/user/receipt/" + aliceReceipt + "/retailer", `{"retailer_id":"corner"}`, "user"},
		{http.MethodPut, "/receipts-service/user/receipt/" + aliceReceipt + "/products", `{"products":[{"line":1,"skip":true}]}`, "user"},
		{http.MethodPost, "/receipts-service/user/receipt/image", "", "user"},
		{http.MethodGet, "/receipts-service/user/groups", "", "user"},
		{http.MethodGet, "/receipts-service/user/actions?action=need_attention", "", "user"},
		{http.MethodPost, "/receipts-service/user/search", `{}`, "user"},
		{http.MethodGet, "/receipts-service/retailers", "", "user"},
		{http.MethodPost, "/receipts-service/retailer/corner/list", `{}`, "staff"},
		{http.MethodPost, "/receipts-service/retailer/corner/" + aliceReceipt, "", "staff"},
		{http.MethodPost, "/receipts-service/retailer/corner/" + aliceReceipt + "/hide", "", "staff"},
		{http.MethodGet, "/receipts-service/admin/retailers", "", "admin"},
		{http.MethodPut, "/receipts-service/admin/retailers/x", `{"name":"X"}`, "admin"},
		{http.MethodPost, "/receipts-service/admin/retailers/import", "id\nx\n", "admin"},
		{http.MethodGet, "/receipts-service/admin/products", "", "admin"},
		{http.MethodPut, "/receipts-service/admin/products/9311995843710", `{"name":"P"}`, "admin"},
		{http.MethodPost, "/receipts-service/admin/products/import", "gtin,name\n", "admin"},
		{http.MethodGet, "/receipts-service/admin/coins", "", "admin"},
		{http.MethodPut, "/receipts-service/admin/coins", `{}`, "admin"},
	}
	for _, rt := range routes {
		name := rt.method + " " + rt.path
		t.Run(name, func(t *testing.T) {
			wantErr(t, e.call(rt.method, rt.path, "", rt.body), http.StatusUnauthorized)
			wantErr(t, e.call(rt.method, rt.path, strings.Repeat("ab", 32), rt.body), http.StatusUnauthorized)
			wantErr(t, e.call(rt.method, rt.path, expired, rt.body), http.StatusUnauthorized)
			switch rt.who {
			case "staff":
				wantErr(t, e.call(rt.method, rt.path, e.tickets["alice"], rt.body), http.StatusForbidden)
				wantErr(t, e.call(rt.method, rt.path, e.tickets["other-staff"], rt.body), http.StatusForbidden)
			case "admin":
				wantErr(t, e.call(rt.method, rt.path, e.tickets["alice"], rt.body), http.StatusForbidden)
				wantErr(t, e.call(rt.method, rt.path, e.tickets["corner-staff"], rt.body), http.StatusForbidden)
			}
		})
	}
	// Another user's receipt is not found, whatever they try.
	for _, rt := range routes[2:6] {
		t.Run("bob "+rt.method+" "+rt.path, func(t *testing.T) {
			wantErr(t, e.call(rt.method, rt.path, e.tickets["bob"], rt.body), http.StatusNotFound)
		})
	}
	// Staff of another retailer, on their own retailer's path, do not find it.
	wantErr(t, e.call(http.MethodPost, "/receipts-service/retailer/other/"+aliceReceipt, e.tickets["other-staff"], ""), http.StatusNotFound)
	wantErr(t, e.call(http.MethodPost, "/receipts-service/retailer/other/"+aliceReceipt+"/hide", e.tickets["other-staff"], ""), http.StatusNotFound)
	// Nothing of alice's was changed or removed.
	if r := e.call(http.MethodGet, "/receipts-service/user/receipt/"+aliceReceipt, e.tickets["alice"], ""); r.code != http.StatusOK || r.str("status") != "INITIAL" {
		t.Fatalf("alice's receipt after the attempts: %d %s", r.code, r.raw)
	}
}

type scenario struct {
	name, method, path, user, body string
	code                           int
	want                           map[string]any // dotted path -> value (json.Number as string)
	absent                         []string
}

func (e *renv) run(t *testing.T, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			r := e.call(sc.method, sc.path, e.tickets[sc.user], sc.body)
			if r.code != sc.code {
				t.Fatalf("%s %s: %d %s", sc.method, sc.path, r.code, r.raw)
			}
			if sc.code >= 400 {
				wantErr(t, r, sc.code)
			}
			for path, want := range sc.want {
				got := field(map[string]any(r.body), path)
				if n, ok := got.(json.Number); ok {
					got = n.String()
				}
				if got != want {
					t.Errorf("%s = %#v, want %#v\n%s", path, got, want, r.raw)
				}
			}
			for _, path := range sc.absent {
				if v := field(map[string]any(r.body), path); v != nil {
					t.Errorf("%s present: %v", path, v)
				}
			}
		})
	}
}

func TestReceiptsScenarios(t *testing.T) {
	e := newReceiptsEnv(t)
	const remote = "https://cdn.example.com/2019/1/28/a.jpg"
	add := func(field string) string {
		m := map[string]any{"accuracy": "1", "longitude": "2", "latitude": "3", "receipt": []string{remote}, "store_id": "s", "location_name": "n"}
		delete(m, field)
		b, _ := json.Marshal(m)
		return string(b)
	}
	var first string
	e.run(t, []scenario{
		{"list empty", "GET", "/receipts-service/user/receipt", "alice", "", 200, map[string]any{"next": nil}, nil},
		{"add: accuracy missing", "POST", "/receipts-service/user/receipt", "alice", add("accuracy"), 400, map[string]any{"message": "accuracy is required"}, nil},
		{"add: longitude missing", "POST", "/receipts-service/user/receipt", "alice", add("longitude"), 400, map[string]any{"message": "longitude is required"}, nil},
		{"add: latitude missing", "POST", "/receipts-service/user/receipt", "alice", add("latitude"), 400, map[string]any{"message": "latitude is required"}, nil},
		{"add: receipt missing", "POST", "/receipts-service/user/receipt", "alice", add("receipt"), 400, map[string]any{"message": "receipt is required: an array of image links"}, nil},
		{"add: store_id missing", "POST", "/receipts-service/user/receipt", "alice", add("store_id"), 400, map[string]any{"message": "store_id is required"}, nil},
		{"add: location_name missing", "POST", "/receipts-service/user/receipt", "alice", add("location_name"), 400, map[string]any{"message": "location_name is required"}, nil},
		{"add: host not allowed", "POST", "/receipts-service/user/receipt", "alice", strings.Replace(add(""), "cdn.example.com", "evil.example.net", 1), 400, nil, nil},
		{"add: file URL", "POST", "/receipts-service/user/receipt", "alice", strings.Replace(add(""), "https://cdn.example.com", "file://", 1), 400, nil, nil},
		{"add: not JSON", "POST", "/receipts-service/user/receipt", "alice", `{"accuracy":`, 400, nil, nil},
		{"add: allowed host", "POST", "/receipts-service/user/receipt", "alice", add(""), 200, nil, nil},
	})
	list := e.call("GET", "/receipts-service/user/receipt", e.tickets["alice"], "")
	first, _ = field(map[string]any(list.body), "receipts.0.receipt_id").(string)
	e.run(t, []scenario{
		{"list one", "GET", "/receipts-service/user/receipt", "alice", "", 200, map[string]any{
			"receipts.0.receipt_id": first, "receipts.0.accuracy": "1", "receipts.0.longitude": "2", "receipts.0.latitude": "3",
			"receipts.0.store_id": "s", "receipts.0.location_name": "n", "receipts.0.receipt.0": remote, "receipts.0.client_ip": "127.0.0.1", "next": nil,
		}, nil},
		{"bob sees none", "GET", "/receipts-service/user/receipt", "bob", "", 200, nil, []string{"receipts.0"}},
		{"bad chunk", "GET", "/receipts-service/user/receipt?chunk_id=zzz", "alice", "", 400, nil, nil},
		{"get", "GET", "/receipts-service/user/receipt/" + first, "alice", "", 200, map[string]any{"id": first, "status": "INITIAL", "ocr_done": "0", "pending_coins": "0"}, nil},
		{"groups", "GET", "/receipts-service/user/groups", "alice", "", 200, map[string]any{
			"result.0.type": "need_attention", "result.0.name": "!Need attention", "result.0.count": "0", "result.0.image": nil,
			"result.1.type": "other", "result.1.name": "Other", "result.1.count": "1", "total": "1",
		}, nil},
		{"actions", "GET", "/receipts-service/user/actions?action=need_attention", "alice", "", 200, map[string]any{"set_retailers": "0", "set_products": "0", "total": "0"}, nil},
		{"actions: unknown", "GET", "/receipts-service/user/actions?action=other", "alice", "", 400, nil, nil},
		{"search all", "POST", "/receipts-service/user/search", "alice", `{}`, 200, map[string]any{"total": "1", "receipts.0.id": first, "receipts.0.status": "INITIAL", "receipts.0.images.0": remote, "receipts.0.country": ""}, nil},
		{"search by status", "POST", "/receipts-service/user/search", "alice", `{"status":["INITIAL"],"retailer":"*"}`, 200, map[string]any{"total": "1"}, nil},
		{"search other status", "POST", "/receipts-service/user/search", "alice", `{"status":["COMPLETED"]}`, 200, map[string]any{"total": "0"}, nil},
		{"search bad status", "POST", "/receipts-service/user/search", "alice", `{"status":["DONE"]}`, 400, nil, nil},
		{"search bad page_size", "POST", "/receipts-service/user/search", "alice", `{"page_size":0}`, 400, nil, nil},
		{"set retailer while INITIAL", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "alice", `{"retailer_id":"corner"}`, 409, nil, nil},
		{"set products while INITIAL", "PUT", "/receipts-service/user/receipt/" + first + "/products", "alice", `{"products":[{"line":1,"skip":true}]}`, 409, nil, nil},
		{"set retailer: none given", "PUT", "/receipts-service/user/receipt/" + first + "/retailer", "alice", `{}`, 400, nil, nil},
		{"retailers", "GET", "/receipts-service/retailers", "alice", "", 200, map[string]any{"retailers.0.id": "corner", "retailers.0.logo": "https://cdn.example.com/corner.png", "retailers.1.id": "other", "retailers.1.logo": nil}, nil},
		{"staff list: nothing of theirs yet", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{}`, 200, map[string]any{"total": "0"}, nil},
		{"staff get: not their retailer's", "POST", "/receipts-service/retailer/corner/" + first, "corner-staff", ``, 404, nil, nil},
		{"staff list: bad sort", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"sort_by":{"field":"colour"}}`, 400, nil, nil},
		{"staff list: bad time", "POST", "/receipts-service/retailer/corner/list", "corner-staff", `{"receipt_ts_from":"yesterday"}`, 400, nil, nil},
		{"admin: put retailer", "PUT", "/receipts-service/admin/retailers/coles", "admin", `{"name":"Coles","time_zone":"Australia/Sydney","words":["coles supermarkets"]}`, 200, nil, nil},
		{"admin: bad zone", "PUT", "/receipts-service/admin/retailers/coles", "admin", `{"time_zone":"Mars/Base"}`, 400, nil, nil},
		{"admin: bad id", "PUT", "/receipts-service/admin/retailers/Bad%20Id", "admin", `{}`, 400, nil, nil},
		{"admin: import retailers", "POST", "/receipts-service/admin/retailers/import", "admin", "id,name,logo,time_zone,store_ids,words\nwoolworths,Woolworths,,Australia/Sydney,1|2,woolworths|woolies\n", 200, map[string]any{"imported": "1"}, nil},
		{"admin: import retailers, no id column", "POST", "/receipts-service/admin/retailers/import", "admin", "name\nX\n", 400, nil, nil},
		{"admin: list retailers", "GET", "/receipts-service/admin/retailers", "admin", "", 200, map[string]any{"retailers.0.id": "coles", "retailers.3.id": "woolworths", "retailers.3.store_ids.1": "2"}, nil},
		{"admin: put product", "PUT", "/receipts-service/admin/products/9311995843710", "admin", `{"name":"A4 Copy Paper","brand":"Reflex","partner":true,"names":["A4 COPY PAPER 500 SHEETS"]}`, 200, nil, nil},
		{"admin: bad gtin", "PUT", "/receipts-service/admin/products/9311995843711", "admin", `{"name":"x"}`, 400, nil, nil},
		{"admin: import products", "POST", "/receipts-service/admin/products/import", "admin", "gtin,name,brand,partner,names\n96385074,Pens,Bic,no,PENS 10PK\n", 200, map[string]any{"imported": "1"}, nil},
		{"admin: import products, bad partner", "POST", "/receipts-service/admin/products/import", "admin", "gtin,name,partner\n96385074,Pens,maybe\n", 400, nil, nil},
		{"admin: list products", "GET", "/receipts-service/admin/products", "admin", "", 200, map[string]any{"products.0.gtin": "9311995843710", "products.0.partner": true, "products.1.gtin": "96385074"}, nil},
		{"admin: set coins", "PUT", "/receipts-service/admin/coins", "admin", `{"partner_brand_product_coins":41220000000000000000,"non_partner_brand_product_coins":"410000000000000000","daily_limit_coins":100000000000000000000}`, 200,
			map[string]any{"partner_brand_product_coins": "41220000000000000000", "daily_limit_coins": "100000000000000000000"}, nil},
		{"admin: bad coins", "PUT", "/receipts-service/admin/coins", "admin", `{"partner_brand_product_coins":-1}`, 400, nil, nil},
		{"admin: get coins", "GET", "/receipts-service/admin/coins", "admin", "", 200, map[string]any{"non_partner_brand_product_coins": "410000000000000000"}, nil},
		{"delete: bob", "DELETE", "/receipts-service/user/receipt/" + first, "bob", "", 404, nil, nil},
		{"delete", "DELETE", "/receipts-service/user/receipt/" + first, "alice", "", 200, map[string]any{"result": "ok"}, nil},
		{"delete again", "DELETE", "/receipts-service/user/receipt/" + first, "alice", "", 404, nil, nil},
		{"groups after delete", "GET", "/receipts-service/user/groups", "alice", "", 200, map[string]any{"total": "0", "result.1.count": "0"}, nil},
	})
}

func TestReceiptsListPages(t *testing.T) {
	e := newReceiptsEnv(t)
	var ids []string
	for range 45 {
		ids = append(ids, e.addReceipt("alice", "https://cdn.example.com/x.jpg"))
		e.clk.Add(time.Second)
	}
	var got []string
	chunk := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		path := "/receipts-service/user/receipt"
		if chunk != "" {
			path += "?chunk_id=" + chunk
		}
		r := e.call("GET", path, e.tickets["alice"], "")
		for _, it := range r.body["receipts"].([]any) {
			got = append(got, it.(map[string]any)["receipt_id"].(string))
		}
		next, _ := r.body["next"].(string)
		if next == "" {
			break
		}
		if !strings.HasPrefix(next, "urn:tillroll:receipts_chunk:") {
			t.Fatalf("next %q", next)
		}
		chunk = next
	}
	if len(got) != 45 {
		t.Fatalf("%d receipts over the pages", len(got))
	}
	for i := range got {
		if got[i] != ids[44-i] {
			t.Fatalf("page order: at %d %s, want %s", i, got[i], ids[44-i])
		}
	}
	// Search pages too.
	r := e.call("POST", "/receipts-service/user/search", e.tickets["alice"], `{"page":4,"page_size":10}`)
	if r.str("total") != "" || field(map[string]any(r.body), "total").(json.Number).String() != "45" || len(r.body["receipts"].([]any)) != 5 {
		t.Fatalf("search page 4: %s", r.raw)
	}
}
