package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/internal/fixture"
	"tillroll/internal/testrun"
	"tillroll/mailer"
	"tillroll/pipeline"
	"tillroll/server"
	"tillroll/store"
)

// photonKeys are the keys of the data object in Photon's documented
// receipt and invoice results (the photon-receipt and photon-invoice
// READMEs' sample responses): every one is in every answer.
var photonKeys = []string{
	"Balance_Due", "Total", "Subtotal", "Shipping", "Tax", "Tip", "Cashback", "Discount", "Document_Type",
	"Invoice_Number", "Check_Number", "PO_Number", "Date", "Created", "Order_Date", "Due_Date", "Ship_Date",
	"Delivery_Date", "Service_Start_Date", "Service_End_Date", "Category", "Currency_Code", "Payment_Terms",
	"Account_Number", "Bill_To_Name", "Bill_To_Recipient", "Bill_To_Address", "Bill_To_Address_Line",
	"Bill_To_City", "Bill_To_State", "Bill_To_Zipcode", "Bill_To_Vat_Number", "Bill_To_Email", "Card_Number",
	"Payment_Display_Name", "Payment_Type", "Phone_Number", "Vat_Number", "Vendor_Name", "Vendor_Raw_Name",
	"Vendor_Recipient", "Vendor_Email", "Vendor_Address", "Vendor_Address_Line", "Vendor_City", "Vendor_State",
	"Vendor_Zipcode", "Vendor_Country", "Vendor_Type", "Vendor_Phone", "Vendor_Fax", "Vendor_Website",
	"Vendor_ABN_Number", "Vendor_Bank_Name", "Vendor_Bank_Number", "Vendor_Bank_Swift", "Vendor_IBAN",
	"Vendor_Account_Number", "Remit_To_Name", "Remit_To_Address", "All_Email_Addresses", "Ship_To_Name",
	"Ship_To_Address", "Carrier", "Tracking_Number", "Pages", "Is_Duplicate", "Notes", "Tax_Lines", "Line_Items",
	"Raw_Text", "Reference_Number", "Fraud_Score", "Risk_Score", "Anomaly_Score", "photon_key", "doc_path",
}

// photonItemKeys are the keys of a line item in those samples.
var photonItemKeys = []string{"Line", "SKU", "Date", "Order", "Reference", "Description", "QTY", "Unit", "Tax", "Tax_Rate", "Type", "Price", "Discount", "Amount"}

// The SDK's invoice_ready.json: every key its data shows is one Tillroll
// answers with.
var sdkReadyKeys = []string{"Vendor_Name", "Vendor_Email", "Vendor_Address", "Document_Type", "Invoice_Number", "PO_Number",
	"Date", "Due_Date", "Payment_Terms", "Bill_To_Name", "Subtotal", "Tax", "Total", "Balance_Due", "Currency_Code", "Pages",
	"Is_Duplicate", "Notes", "Tax_Lines", "Line_Items", "photon_key"}

func TestPhotonKeyCount(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range photonKeys {
		if seen[k] {
			t.Fatalf("%s twice", k)
		}
		seen[k] = true
	}
	for _, k := range sdkReadyKeys {
		if !seen[k] {
			t.Errorf("the SDK fixture's %s is not among Photon's documented keys", k)
		}
	}
	if len(photonKeys) != 77 {
		t.Errorf("%d keys, Photon documents 77", len(photonKeys))
	}
}

// photonDo sends a multipart submit with the file (if any) and form
// fields, to path with query.
func (e *env) submit(c store.Credentials, path string, query url.Values, name string, content []byte, form map[string]string) response {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range form {
		if err := w.WriteField(k, v); err != nil {
			e.t.Fatal(err)
		}
	}
	if content != nil {
		fw, err := w.CreateFormFile("pdf", name)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	q := ""
	if len(query) > 0 {
		q = "?" + query.Encode()
	}
	return e.do(http.MethodPost, path+q, headers(c), &buf, w.FormDataContentType())
}

// photonEnv is a server with a webhook sender and an allow-listed host.
type photonEnv struct {
	*env
	hooks  chan *http.Request
	bodies chan []byte
	files  *httptest.Server // a document host on the allow-list
	log    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newPhotonEnv(t *testing.T, web func(*echo.Echo)) *photonEnv {
	t.Helper()
	pe := &photonEnv{hooks: make(chan *http.Request, 8), bodies: make(chan []byte, 8), log: &syncBuffer{}}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		pe.hooks <- r
		pe.bodies <- b
	}))
	t.Cleanup(receiver.Close)
	pdf := textPDF(3, "ACME SUPPLIES LTD", "INVOICE NO INV-7", "TOTAL 10.00")
	pe.files = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/doc.pdf":
			_, _ = w.Write(pdf)
		case "/away":
			http.Redirect(w, r, "http://elsewhere.invalid/doc.pdf", http.StatusFound)
		case "/big":
			_, _ = w.Write(append([]byte("%PDF-1.4\n"), make([]byte, 300<<10)...))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(pe.files.Close)
	var hooks *mailer.Webhooks
	cfg := server.Config{
		MaxUpload: 256 << 10, SyncTimeout: 2 * time.Minute, FetchHosts: []string{"127.0.0.1"},
		Logger: slog.New(slog.NewJSONHandler(pe.log, nil)), Web: web,
	}
	pe.env = newEnvWith(t, cfg, pipeline.Options{
		Notify:   mailer.Notifications,
		Finished: func(store.Document) { hooks.Kick() },
	})
	hooks = mailer.NewWebhooks(pe.st, pe.st, mailer.Options{})
	testrun.Go(t, hooks.Run)
	if err := pe.st.SetWebhook("alice", receiver.URL+"/hook"); err != nil {
		t.Fatal(err)
	}
	return pe
}

// TestPhotonSubmit runs Photon's submit call with each of its parameters
// over a real listener, then reads what became of each document.
func TestPhotonSubmit(t *testing.T) {
	pe := newPhotonEnv(t, nil)
	e := pe.env
	pdf3 := textPDF(3, "ACME SUPPLIES LTD", "INVOICE NO INV-7", "TOTAL 10.00")
	img := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})

	bad := []struct {
		name  string
		path  string
		query url.Values
		file  []byte
		form  map[string]string
		want  string
	}{
		{"unknown doctype", "/api/pro", url.Values{"doctype": {"banana"}}, pdf3, nil, `unknown doctype "banana"`},
		{"page_end past the end", "/api/pro", url.Values{"page_end": {"4"}}, pdf3, nil, "page_end 4 is past the end: the document has 3 pages"},
		{"page_start past an image", "/api/v4", url.Values{"type": {"async"}, "page_start": {"2"}}, img, nil, "page_start 2 is past the end: the document has 1 page"},
		{"page_end before page_start", "/api/pro", url.Values{"page_start": {"3"}, "page_end": {"2"}}, pdf3, nil, "page_end must not be before page_start"},
		{"page zero", "/api/pro", url.Values{"page_start": {"0"}}, pdf3, nil, "page_start must be a page number from 1"},
		{"bad subaccount", "/api/pro", url.Values{"subaccount": {"north shop"}}, pdf3, nil, "subaccount must be 1-50"},
		{"lang not installed", "/api/pro", url.Values{"lang": {"xx_none"}}, pdf3, nil, `lang: "xx_none" is not installed (installed: `},
		{"lang as a path", "/api/v4", url.Values{"type": {"async"}}, img, map[string]string{"lang": "../eng"}, `lang: "../eng"`},
		{"url host not allowed", "/api/pro", url.Values{"url": {"http://10.0.0.1/doc.pdf"}}, nil, nil, `"10.0.0.1" is not one`},
		{"url redirects away", "/api/pro", url.Values{"url": {pe.files.URL + "/away"}}, nil, nil, "redirects to a host this box may not fetch from"},
		{"url not found", "/api/pro", url.Values{"url": {pe.files.URL + "/none.pdf"}}, nil, nil, "answered 404"},
		{"url too large", "/api/pro", url.Values{"url": {pe.files.URL + "/big"}}, nil, nil, "larger than"},
		{"url not http", "/api/pro", url.Values{"url": {"file:///etc/passwd"}}, nil, nil, "url must be an absolute http or https URL"},
		{"file and url", "/api/pro", url.Values{"url": {pe.files.URL + "/doc.pdf"}}, pdf3, nil, "not both"},
		{"doctype in the form", "/api/pro", nil, pdf3, map[string]string{"doctype": "banana"}, `unknown doctype "banana"`},
		{"no file", "/api/pro", nil, nil, map[string]string{"doctype": "invoice"}, "no file"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got := e.submit(e.alice, tc.path, tc.query, "doc.pdf", tc.file, tc.form)
			code := http.StatusBadRequest
			if tc.name == "url too large" {
				code = http.StatusRequestEntityTooLarge
			}
			wantError(t, got, code)
			if msg := got.body["message"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to say %q", msg, tc.want)
			}
		})
	}
	// Nothing was stored by any of them.
	if b, err := e.st.Balance("alice", time.Now().Year(), time.Now().Month()); err != nil || b.Usage.Documents != 0 {
		t.Fatalf("refused submits left documents: %+v %v", b, err)
	}

	// The good ones.
	inv := e.submit(e.alice, "/api/pro", url.Values{"doctype": {"invoice"}, "page_start": {"2"}, "page_end": {"3"},
		"auth_token": {"Bearer s3cret"}, "ID": {"ref-42"}, "subaccount": {"north-shop"}}, "march invoice.pdf", pdf3, nil)
	if inv.code != http.StatusOK || inv.body["photon_key"] != "data/alice/march_invoice.json" || inv.body["doc_path"] != "data/alice/march_invoice.pdf" ||
		inv.body["message"] != "success" || inv.body["status"] != "success" || len(inv.body) != 4 {
		t.Fatalf("submit: %d %s", inv.code, inv.raw)
	}
	// Parameters as form fields work as well as in the query.
	rec := e.submit(e.alice, "/api/v4", url.Values{"type": {"async"}}, "r.pdf", textPDF(1, "CORNER SHOP", "TOTAL 4.20"),
		map[string]string{"doctype": "receipt-expense", "subaccount": "north-shop"})
	chk := e.submit(e.alice, "/api/pro", url.Values{"doctype": {"check"}}, "c.pdf", textPDF(1, "PAY TO THE ORDER OF BOB", "100.00"), nil)
	fetched := e.submit(e.alice, "/api/pro", url.Values{"url": {pe.files.URL + "/doc.pdf"}, "doctype": {"invoice"}}, "", nil, nil)
	for _, r := range []response{rec, chk, fetched} {
		if r.code != http.StatusOK {
			t.Fatalf("submit: %d %s", r.code, r.raw)
		}
	}
	e.startWorkers()

	data := e.waitDone(e.alice, inv.body["photon_key"].(string))
	for _, k := range photonKeys {
		if _, ok := data[k]; !ok {
			t.Errorf("data lacks Photon's %s", k)
		}
	}
	if data["Document_Type"] != "Invoice" || data["Pages"] != 2.0 || data["photon_key"] != inv.body["photon_key"] || data["doc_path"] != inv.body["doc_path"] {
		t.Errorf("invoice: type %v, pages %v, key %v, doc_path %v", data["Document_Type"], data["Pages"], data["photon_key"], data["doc_path"])
	}
	if tl, ok := data["Tax_Lines"].([]any); !ok || tl == nil {
		t.Errorf("Tax_Lines %v, want a list", data["Tax_Lines"])
	}
	if n := strings.Count(data["Raw_Text"].(string), "TOTAL 10.00"); n != 2 {
		t.Errorf("pages 2-3 read: TOTAL printed %d times in Raw_Text, want 2", n)
	}

	// The webhook: auth_token as its Authorization header, ID in its body.
	select {
	case r := <-pe.hooks:
		body := <-pe.bodies
		if got := r.Header.Get("Authorization"); got != "Bearer s3cret" {
			t.Errorf("webhook Authorization %q", got)
		}
		var hook map[string]any
		if err := json.Unmarshal(body, &hook); err != nil || hook["ID"] != "ref-42" || hook["photon_key"] != inv.body["photon_key"] {
			t.Errorf("webhook body %s (%v)", body, err)
		}
	case <-time.After(time.Minute):
		t.Fatal("no webhook")
	}

	if d := e.waitDone(e.alice, rec.body["photon_key"].(string)); d["Document_Type"] != "Receipt" {
		t.Errorf("receipt-expense: Document_Type %v", d["Document_Type"])
	}
	if d := e.waitDone(e.alice, chk.body["photon_key"].(string)); d["Document_Type"] != "Check" {
		t.Errorf("check: Document_Type %v", d["Document_Type"])
	}
	if d := e.waitDone(e.alice, fetched.body["photon_key"].(string)); d["Document_Type"] != "Invoice" || d["Pages"] != 3.0 || fetched.body["photon_key"] != "data/alice/doc.json" {
		t.Errorf("fetched from url: %v, %v pages, key %v", d["Document_Type"], d["Pages"], fetched.body["photon_key"])
	}

	// The balance, per sub-account.
	bal := e.do(http.MethodGet, "/balance?subaccount=True", headers(e.alice), nil, "")
	usage := field(bal.body, "data.usage")
	subs := field(bal.body, "data.subaccounts")
	if bal.code != http.StatusOK || field(usage, "documents") != 4.0 || field(usage, "pages") != 7.0 ||
		field(field(subs, "north-shop"), "documents") != 2.0 || field(field(subs, ""), "documents") != 2.0 {
		t.Errorf("balance: %d %s", bal.code, bal.raw)
	}
	if bob := e.do(http.MethodGet, "/balance", headers(e.bob), nil, ""); field(bob.body, "data.usage.documents") != 0.0 || field(bob.body, "data.subaccounts") != nil {
		t.Errorf("bob's balance: %s", bob.raw)
	}
	wantError(t, e.do(http.MethodGet, "/balance?month=13", headers(e.alice), nil, ""), http.StatusBadRequest)
	// The access log has the status each client got.
	if !strings.Contains(pe.log.String(), `"path":"/balance","status":400`) || strings.Contains(pe.log.String(), `"status":500`) {
		t.Errorf("access log: %s", pe.log.String())
	}
}

// TestPhotonFiles: /download-file gives the original to its owner only,
// /delete-file removes it and its key.
func TestPhotonFiles(t *testing.T) {
	e := newEnv(t, 1<<20)
	pdf := textPDF(1, "TOTAL 1.00")
	up := e.submit(e.alice, "/api/pro", nil, "a.pdf", pdf, nil)
	docPath, _ := up.body["doc_path"].(string)
	if up.code != http.StatusOK || docPath != "data/alice/a.pdf" {
		t.Fatalf("submit %d %s", up.code, up.raw)
	}
	get := func(c store.Credentials, p string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/download-file?doc_path="+url.QueryEscape(p), nil)
		req.Header = headers(c)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, b := get(e.alice, docPath)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, pdf) || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename=a.pdf`) {
		t.Fatalf("download: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header)
	}
	for _, tc := range []struct {
		name string
		c    store.Credentials
		path string
	}{{"another account's", e.bob, docPath}, {"with the key's extension", e.alice, "data/alice/a.json"}, {"none such", e.alice, "data/alice/b.pdf"}} {
		resp, b := get(tc.c, tc.path)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), `"status":"error"`) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
	wantError(t, e.do(http.MethodDelete, "/delete-file?doc_path="+docPath, headers(e.bob), nil, ""), http.StatusNotFound)
	wantError(t, e.do(http.MethodGet, "/download-file", headers(e.alice), nil, ""), http.StatusBadRequest)
	del := e.do(http.MethodDelete, "/delete-file?doc_path="+docPath, headers(e.alice), nil, "")
	if del.code != http.StatusOK || del.body["status"] != "success" {
		t.Fatalf("delete: %d %s", del.code, del.raw)
	}
	wantError(t, e.fetch(e.alice, "/api/v4/json", up.body["photon_key"].(string)), http.StatusNotFound)
	wantError(t, e.do(http.MethodDelete, "/delete-file?doc_path="+docPath, headers(e.alice), nil, ""), http.StatusNotFound)
	if resp, _ := get(e.alice, docPath); resp.StatusCode != http.StatusNotFound {
		t.Errorf("download after delete: %d", resp.StatusCode)
	}
}

// TestPhotonSurface: /health, registration (off unless opened), and JSON
// 404s for API clients where the web app would send a browser to sign in.
func TestPhotonSurface(t *testing.T) {
	// A web app whose pages all want a session, as package web's do.
	web := func(e *echo.Echo) {
		g := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c *echo.Context) error { return c.Redirect(http.StatusSeeOther, "/signin") }
		})
		g.GET("/receipts", func(c *echo.Context) error { return c.HTML(http.StatusOK, "<p>receipts</p>") })
	}
	pe := newPhotonEnv(t, web)
	e := pe.env
	h := e.do(http.MethodGet, "/health", nil, nil, "")
	if h.code != http.StatusOK || h.body["status"] != "success" {
		t.Errorf("/health: %d %s", h.code, h.raw)
	}
	noRedirect := checkedClient(t)
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tc := range []struct {
		name   string
		method string
		path   string
		h      http.Header
		json   bool
	}{
		{"credentials, unknown path", http.MethodGet, "/api/v4/nothing", headers(e.alice), true},
		{"credentials, web path", http.MethodPost, "/classify-nothing", headers(e.alice), true},
		{"wrong credentials", http.MethodGet, "/nothing", with(headers(e.alice), "PASSWORD", "x"), true},
		{"asks for JSON", http.MethodGet, "/nothing", http.Header{"Accept": {"application/json"}}, true},
		{"registration is off", http.MethodPost, "/api/v4/register", http.Header{"Accept": {"application/json"}}, true},
		{"a browser", http.MethodGet, "/nothing", http.Header{"Accept": {"text/html,application/xhtml+xml,application/json;q=0.9"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.url+tc.path, nil)
			req.Header = tc.h
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if !tc.json {
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("browser: %d %s, want the web app's redirect", resp.StatusCode, b)
				}
				return
			}
			var body map[string]any
			if resp.StatusCode != http.StatusNotFound || json.Unmarshal(b, &body) != nil || body["status"] != "error" || len(body) != 2 {
				t.Errorf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
			}
		})
	}
	if !strings.Contains(pe.log.String(), `"path":"/api/v4/nothing","status":404`) {
		t.Errorf("access log: %s", pe.log.String())
	}
}

func TestPhotonRegister(t *testing.T) {
	e := newEnvWith(t, server.Config{Register: true}, pipeline.Options{})
	r := e.do(http.MethodPost, "/api/v4/register", nil, strings.NewReader(`{"username":"Shop@Example.com"}`), "application/json")
	creds, _ := r.body["data"].(map[string]any)
	if r.code != http.StatusOK || creds["username"] != "shop@example.com" || creds["api_key"] == "" {
		t.Fatalf("register: %d %s", r.code, r.raw)
	}
	c := store.Credentials{Username: "shop@example.com", ClientID: creds["client_id"].(string), APIKey: creds["api_key"].(string),
		Password: creds["password"].(string), SecretKey: creds["secret_key"].(string)}
	up := e.submit(c, "/api/pro", nil, "x.pdf", textPDF(1, "TOTAL 1.00"), nil)
	if up.code != http.StatusOK || up.body["photon_key"] != "data/shop@example.com/x.json" {
		t.Fatalf("submit as the new account: %d %s", up.code, up.raw)
	}
	wantError(t, e.do(http.MethodPost, "/api/v4/register", nil, strings.NewReader(`{"username":"shop@example.com"}`), "application/json"), http.StatusBadRequest)
	wantError(t, e.do(http.MethodPost, "/api/v4/register", nil, strings.NewReader(`{"username":"../x"}`), "application/json"), http.StatusBadRequest)
}

// TestPhotonClientFlow is a client written as Photon's examples are:
// multipart to /api/pro, then GET /api/v4/json until the processing
// message stops, against a real server with real Tesseract.
func TestPhotonClientFlow(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	r := fixture.Sample()
	h := headers(e.alice)
	body, ct := multipartBody(t, "pdf", "receipt.jpg", fixture.JPEG(r, fixture.Options{}))
	sub := e.do(http.MethodPost, "/api/pro?doctype=receipt", h, body, ct)
	key, _ := sub.body["photon_key"].(string)
	if sub.code != http.StatusOK || key == "" {
		t.Fatalf("submit: %d %s", sub.code, sub.raw)
	}
	var data map[string]any
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got := e.do(http.MethodGet, "/api/v4/json?photon_key="+url.QueryEscape(key), h, nil, "")
		if got.code != http.StatusOK {
			t.Fatalf("retrieve: %d %s", got.code, got.raw)
		}
		if msg, _ := got.body["message"].(string); strings.Contains(strings.ToLower(msg), "being processed") {
			if _, ok := got.body["data"]; ok {
				t.Fatalf("processing answer with data: %s", got.raw)
			}
			continue
		}
		data, _ = got.body["data"].(map[string]any)
		break
	}
	if data == nil {
		t.Fatal("no result in time")
	}
	if total, _ := data["Total"].(float64); math.Abs(total-r.Total()) > 0.001 {
		t.Errorf("Total %v, want %v", data["Total"], r.Total())
	}
	if data["Document_Type"] != "Receipt" || data["Status"] != "completed" {
		t.Errorf("Document_Type %v, Status %v", data["Document_Type"], data["Status"])
	}
	items, _ := data["Line_Items"].([]any)
	if len(items) == 0 {
		t.Fatal("no line items")
	}
	for _, k := range photonItemKeys {
		if _, ok := items[0].(map[string]any)[k]; !ok {
			t.Errorf("line item lacks %s", k)
		}
	}
}

// TestOpenAPIListsEveryCall: docs/openapi.yaml, served at /openapi.yaml,
// names every capture-API route the server has.
func TestOpenAPIListsEveryCall(t *testing.T) {
	e := newEnvWith(t, server.Config{Register: true}, pipeline.Options{})
	resp, err := http.Get(e.url + "/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(doc, []byte("openapi: 3.")) {
		t.Fatalf("/openapi.yaml: %d %.40s", resp.StatusCode, doc)
	}
	srv := server.New(e.st, e.pool, server.Config{Register: true})
	for _, r := range srv.Handler().(*echo.Echo).Router().Routes() {
		p := r.Path
		if r.Method == echo.RouteNotFound || strings.HasPrefix(p, "/receipts-service") || strings.HasPrefix(p, "/identity-service") || p == "/metrics" {
			continue
		}
		for _, part := range strings.Split(p, "/") {
			if strings.HasPrefix(part, ":") {
				p = strings.Replace(p, part, "{"+part[1:]+"}", 1)
			}
		}
		if !bytes.Contains(doc, []byte("\n  "+p+":\n")) {
			t.Errorf("openapi.yaml lacks %s %s", r.Method, p)
		}
	}
}

// TestPhotonCorrections corrects a read document's fields and line items
// through the API: each correction shows in what retrieve answers, what
// OCR read is kept, and a bad one changes nothing.
func TestPhotonCorrections(t *testing.T) {
	e := newEnv(t, 1<<20)
	up := e.submit(e.alice, "/api/pro", url.Values{"doctype": {"receipt"}}, "r.pdf",
		textPDF(1, "CORNER SHOP", "MILK 1.45", "BREAD 2.80", "TOTAL 4.25"), nil)
	key := up.body["photon_key"].(string)
	q := "?photon_key=" + url.QueryEscape(key)
	h := headers(e.alice)
	// Not read yet: nothing to correct.
	wantError(t, e.do(http.MethodPut, "/api/v4/update"+q, h, strings.NewReader(`{"Total": 5}`), "application/json"), http.StatusBadRequest)
	e.startWorkers()
	read := e.waitDone(e.alice, key)
	items := read["Line_Items"].([]any)
	if len(items) != 2 {
		t.Fatalf("read %d line items: %v", len(items), read["Line_Items"])
	}
	send := func(method, path, body string) response {
		return e.do(method, path+q, h, strings.NewReader(body), "application/json")
	}
	bad := []struct {
		name, method, path, body string
		code                     int
	}{
		{"unknown field", http.MethodPut, "/api/v4/update", `{"Totl": 5}`, 400},
		{"wrong type", http.MethodPut, "/api/v4/update", `{"Total": "five"}`, 400},
		{"fixed field", http.MethodPut, "/api/v4/update", `{"photon_key": "x"}`, 400},
		{"not an object", http.MethodPut, "/api/v4/update", `[1]`, 400},
		{"no such line item", http.MethodPut, "/api/v4/update/line-items/9", `{"Amount": 1}`, 404},
		{"line item id not a number", http.MethodDelete, "/api/v4/update/line-items/x", ``, 400},
		{"delete no such line item", http.MethodDelete, "/api/v4/update/line-items/9", ``, 404},
		{"line item's Line", http.MethodPost, "/api/v4/line-items", `{"Line": 7}`, 400},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { wantError(t, send(tc.method, tc.path, tc.body), tc.code) })
	}
	wantError(t, e.do(http.MethodPut, "/api/v4/update"+q, headers(e.bob), strings.NewReader(`{"Total": 5}`), "application/json"), http.StatusNotFound)
	if now := e.waitDone(e.alice, key); now["Total"] != read["Total"] || len(now["Line_Items"].([]any)) != 2 {
		t.Fatalf("a refused correction changed the document: %v", now)
	}

	steps := []struct{ method, path, body string }{
		{http.MethodPut, "/api/v4/update", `{"Total": "4.35", "Vendor_Name": "Corner Shop Ltd", "Category": "Grocery"}`},
		{http.MethodPost, "/api/v4/update/line-items", `{"Description": "EGGS", "QTY": 1, "Price": 0.10, "Amount": 0.10}`},
		{http.MethodPost, "/api/v4/line-items", `{"Description": "BAG", "Amount": "0.05"}`},
		{http.MethodPut, "/api/v4/update/line-items/1", `{"Description": "WHOLE MILK"}`},
		{http.MethodDelete, "/api/v4/update/line-items/4", ``},
	}
	for _, st := range steps {
		if r := send(st.method, st.path, st.body); r.code != http.StatusOK || r.body["status"] != "success" {
			t.Fatalf("%s %s: %d %s", st.method, st.path, r.code, r.raw)
		}
	}
	got := e.waitDone(e.alice, key)
	lines := got["Line_Items"].([]any)
	if got["Total"] != 4.35 || got["Vendor_Name"] != "Corner Shop Ltd" || got["Category"] != "Grocery" || len(lines) != 3 ||
		field(lines, "0.Description") != "WHOLE MILK" || field(lines, "2.Description") != "EGGS" || field(lines, "2.Line") != 3.0 {
		t.Errorf("corrected: %v %v %v %v", got["Total"], got["Vendor_Name"], got["Category"], lines)
	}
	d, err := e.st.DocumentByKey("alice", key)
	if err != nil {
		t.Fatal(err)
	}
	if d.Result.Total != read["Total"] || len(d.Result.Line_Items) != 2 || d.Corrected == nil {
		t.Errorf("what OCR read is not kept beside the correction: %+v", d.Result)
	}
}

// TestPhotonClassifySplit: /classify and /docsplitter, with the file in
// the field "file" as Photon's MCP server sends it.
func TestPhotonClassifySplit(t *testing.T) {
	e := newEnv(t, 1<<20)
	e.startWorkers()
	upload := func(path string, pdf []byte) response {
		body, ct := multipartBody(t, "file", "doc.pdf", pdf)
		return e.do(http.MethodPost, path, headers(e.alice), body, ct)
	}
	chk := upload("/classify", textPDF(1, "FIRST NATIONAL BANK", "PAY TO THE ORDER OF JOHN SMITH", "$100.00"))
	if chk.code != http.StatusOK || chk.body["doctype"] != "check" || chk.body["Document_Type"] != "Check" || chk.body["photon_key"] == nil {
		t.Errorf("classify a check: %d %s", chk.code, chk.raw)
	}
	inv := upload("/classify", textPDF(1, "ACME SUPPLIES LTD", "INVOICE", "Invoice Number: INV-1", "Invoice Date: 01/02/2024", "Total 10.00"))
	if inv.code != http.StatusOK || inv.body["doctype"] != "invoice" {
		t.Errorf("classify an invoice: %d %s", inv.code, inv.raw)
	}
	pdf := fixture.PDF(
		fixture.PDFPage{Lines: []string{"ACME SUPPLIES LTD", "INVOICE No A-1", "Widget 5.00", "Page 1 of 2"}},
		fixture.PDFPage{Lines: []string{"ACME SUPPLIES LTD", "Total 5.00", "Page 2 of 2"}},
		fixture.PDFPage{Lines: []string{"OTHER TRADING CO", "INVOICE No B-7", "Total 1.00", "Page 1 of 1"}},
	)
	split := upload("/docsplitter", pdf)
	docs, _ := split.body["documents"].([]any)
	if split.code != http.StatusOK || len(docs) != 2 || fmt.Sprint(field(docs, "0.pages")) != "[1 2]" || fmt.Sprint(field(docs, "1.pages")) != "[3]" ||
		field(docs, "0.doctype") != "invoice" {
		t.Errorf("docsplitter: %d %s", split.code, split.raw)
	}
	wantError(t, upload("/docsplitter", []byte("not a document")), http.StatusBadRequest)
}
