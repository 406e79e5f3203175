package server_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tillroll/capture"
	"tillroll/internal/fixture"
	"tillroll/internal/testrun"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/server"
	"tillroll/store"
)

// env is a real server on a real listener with a real store and, once
// started, real OCR workers.
type env struct {
	t     *testing.T
	st    *store.Store
	pool  *pipeline.Pool
	url   string
	alice store.Credentials
	bob   store.Credentials
	// client validates every exchange against docs/openapi.yaml.
	client *http.Client

	stopPool func()
}

func newEnv(t *testing.T, maxUpload int64) *env {
	t.Helper()
	return newEnvWith(t, server.Config{MaxUpload: maxUpload, SyncTimeout: 2 * time.Minute}, pipeline.Options{})
}

// newEnvWith is newEnv with the server's configuration and the pool's
// notifications as given.
func newEnvWith(t *testing.T, cfg server.Config, popt pipeline.Options) *env {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, client: checkedClient(t)}
	e.alice = e.account("alice")
	e.bob = e.account("bob")
	popt.Workers = 1
	popt.NewReader = func() (pipeline.Reader, error) {
		return ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
	}
	popt.Poll = 50 * time.Millisecond
	e.pool = pipeline.NewPool(st, popt)
	srv := server.New(st, e.pool, cfg)
	ts := httptest.NewServer(srv.Handler())
	e.url = ts.URL
	t.Cleanup(func() {
		ts.Close()
		if e.stopPool != nil {
			e.stopPool()
		}
		_ = st.Close()
	})
	return e
}

func (e *env) account(name string) store.Credentials {
	c, err := e.st.CreateAccount(name, name+"@example.com")
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// startWorkers runs the OCR pool until the test ends.
func (e *env) startWorkers() { e.stopPool = testrun.Go(e.t, e.pool.Run) }

func headers(c store.Credentials) http.Header {
	h := http.Header{}
	h.Set("CLIENT-ID", c.ClientID)
	h.Set("AUTHORIZATION", "apikey "+c.Username+":"+c.APIKey)
	h.Set("PASSWORD", c.Password)
	h.Set("SECRET-KEY", c.SecretKey)
	return h
}

// multipartBody is a form with the file in field, as requests' files= sends it.
func multipartBody(t *testing.T, field, name string, content []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

type response struct {
	code int
	body map[string]any
	raw  string
}

func (e *env) do(method, path string, h http.Header, body io.Reader, contentType string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if h != nil {
		req.Header = h.Clone()
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{code: resp.StatusCode, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
	}
	return r
}

func (e *env) upload(c store.Credentials, query, name string, content []byte) response {
	body, ct := multipartBody(e.t, "pdf", name, content)
	return e.do(http.MethodPost, "/api/v4"+query, headers(c), body, ct)
}

func (e *env) fetch(c store.Credentials, path, key string) response {
	return e.do(http.MethodGet, path+"?photon_key="+key, headers(c), nil, "")
}

// processingBody is Photon's not-ready answer, exactly as the Python SDK's
// fixture invoice_processing.json (a real capture) shows it.
const processingBody = `{"message":"The document you submitted is being processed.","status":"success"}`

// waitDone polls the fetch call, as a client would, until the document is
// finished: while it is not, the answer is Photon's processing message; a
// completed one answers 200 with its data, a failed one 400 with its data.
func (e *env) waitDone(c store.Credentials, key string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		r := e.fetch(c, "/api/v4/json", key)
		if r.code == http.StatusOK && strings.TrimSpace(r.raw) == processingBody {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		data, ok := r.body["data"].(map[string]any)
		switch {
		case !ok:
			e.t.Fatalf("fetch %s: %d %s", key, r.code, r.raw)
		case r.code == http.StatusOK && data["Status"] == capture.StatusCompleted && r.body["status"] == "success":
		case r.code == http.StatusBadRequest && data["Status"] == capture.StatusFailed && r.body["status"] == "error":
		default:
			e.t.Fatalf("fetch %s: %d %s", key, r.code, r.raw)
		}
		return data
	}
	e.t.Fatalf("document %s not processed in time", key)
	return nil
}

func wantError(t *testing.T, r response, code int) {
	t.Helper()
	if r.code != code || r.body["status"] != "error" || r.body["message"] == "" || len(r.body) != 2 {
		t.Fatalf("want %d {message, status: error}, got %d %s", code, r.code, r.raw)
	}
}

func TestCaptureAuthorization(t *testing.T) {
	e := newEnv(t, 1<<20)
	good := headers(e.alice)
	variants := map[string]http.Header{
		"no headers": {},
		"wrong api key": func() http.Header {
			h := good.Clone()
			h.Set("AUTHORIZATION", "apikey alice:"+strings.Repeat("0", 64))
			return h
		}(),
		"wrong password":     with(good, "PASSWORD", "guess"),
		"wrong secret key":   with(good, "SECRET-KEY", e.bob.SecretKey),
		"wrong client id":    with(good, "CLIENT-ID", e.bob.ClientID),
		"bob's key as alice": with(good, "AUTHORIZATION", "apikey alice:"+e.bob.APIKey),
		"not apikey scheme":  with(good, "AUTHORIZATION", "Bearer "+e.alice.APIKey),
		"no username":        with(good, "AUTHORIZATION", "apikey :"+e.alice.APIKey),
		"missing password":   without(good, "PASSWORD"),
	}
	routes := []struct{ method, path string }{
		{http.MethodPost, "/api/v4?type=async"},
		{http.MethodPost, "/api/v4"},
		{http.MethodGet, "/api/v4/json?photon_key=data/alice/x.json"},
		{http.MethodGet, "/api/v1/json?photon_key=data/alice/x.json"},
		{http.MethodGet, "/api/v2/scanapis/json?photon_key=data/alice/x.json"},
		{http.MethodPost, "/webhook?photon_key=data/alice/x.json"},
		{http.MethodPut, "/api/v4/account/webhook"},
	}
	for _, rt := range routes {
		for name, h := range variants {
			t.Run(rt.method+" "+rt.path+" "+name, func(t *testing.T) {
				body, ct := multipartBody(t, "pdf", "r.png", fixture.PNG(fixture.Sample(), fixture.Options{}))
				wantError(t, e.do(rt.method, rt.path, h, body, ct), http.StatusUnauthorized)
			})
		}
	}
}

func with(h http.Header, k, v string) http.Header {
	h = h.Clone()
	h.Set(k, v)
	return h
}

func without(h http.Header, k string) http.Header {
	h = h.Clone()
	h.Del(k)
	return h
}

func TestCaptureUploadRefusesBadInput(t *testing.T) {
	e := newEnv(t, 64<<10)
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})
	if len(png) > 64<<10 {
		t.Fatalf("fixture too big for this test: %d bytes", len(png))
	}
	h := headers(e.alice)
	tests := []struct {
		name string
		do   func() response
		code int
	}{
		{"not multipart", func() response {
			return e.do(http.MethodPost, "/api/v4?type=async", h, strings.NewReader(`{"pdf":"x"}`), "application/json")
		}, http.StatusBadRequest},
		{"no file", func() response {
			body, ct := multipartBody(t, "image", "r.png", png)
			return e.do(http.MethodPost, "/api/v4?type=async", h, body, ct)
		}, http.StatusBadRequest},
		{"empty file", func() response { return e.upload(e.alice, "?type=async", "r.png", nil) }, http.StatusBadRequest},
		{"text renamed .jpg", func() response {
			return e.upload(e.alice, "?type=async", "r.jpg", []byte("TOTAL 12.00\nthis is not an image\n"))
		}, http.StatusBadRequest}, // Photon's answer for a file type it does not read
		{"over the limit", func() response {
			big := append(append([]byte{}, png...), make([]byte, 70<<10)...)
			return e.upload(e.alice, "?type=async", "r.png", big)
		}, http.StatusRequestEntityTooLarge},
		{"far over the limit", func() response {
			big := append(append([]byte{}, png...), make([]byte, 4<<20)...)
			return e.upload(e.alice, "?type=async", "r.png", big)
		}, http.StatusRequestEntityTooLarge},
		{"unknown type", func() response { return e.upload(e.alice, "?type=later", "r.png", png) }, http.StatusBadRequest},
		{"bad webhook_url", func() response {
			return e.upload(e.alice, "?type=async&webhook_url=file:///etc/passwd", "r.png", png)
		}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.do(), tc.code) })
	}
	// Nothing refused was recorded.
	if depth, err := e.st.QueueDepth(); err != nil || depth != 0 {
		t.Fatalf("queue depth %d (%v) after refused uploads", depth, err)
	}
}

func TestCaptureAsyncThenFetch(t *testing.T) {
	e := newEnv(t, 25<<20)
	r := fixture.Sample()
	img := fixture.PNG(r, fixture.Options{})

	// Before any worker runs: a key at once, and the document pending.
	up := e.upload(e.alice, "?type=async", "receipt.png", img)
	if up.code != http.StatusOK || len(up.body) != 4 || up.body["message"] != "success" || up.body["status"] != "success" || up.body["doc_path"] != "data/alice/receipt.png" {
		t.Fatalf("upload: %d %s", up.code, up.raw)
	}
	key := up.body["photon_key"].(string)
	if key != "data/alice/receipt.json" {
		t.Fatalf("photon_key %q", key)
	}
	again := e.upload(e.alice, "?type=async", "receipt.png", img)
	key2 := again.body["photon_key"].(string)
	if key2 == key || !strings.HasPrefix(key2, "data/alice/receipt") {
		t.Fatalf("second upload of the same name: key %q", key2)
	}
	for _, path := range []string{"/api/v4/json", "/api/v1/json", "/api/v2/scanapis/json"} {
		got := e.fetch(e.alice, path, key)
		if got.code != http.StatusOK || strings.TrimSpace(got.raw) != processingBody {
			t.Fatalf("%s before OCR: %d %s", path, got.code, got.raw)
		}
	}
	hook := e.do(http.MethodPost, "/webhook", headers(e.alice), strings.NewReader(`{"photon_key":"`+key+`"}`), "application/json")
	if hook.code != http.StatusOK || hook.body["message"] != "The document you submitted is being processed." || hook.body["status"] != "success" {
		t.Fatalf("webhook status while pending: %d %s", hook.code, hook.raw)
	}
	// Another account never sees it.
	wantError(t, e.fetch(e.bob, "/api/v4/json", key), http.StatusNotFound)
	wantError(t, e.do(http.MethodPost, "/webhook?photon_key="+key, headers(e.bob), nil, ""), http.StatusNotFound)
	wantError(t, e.fetch(e.alice, "/api/v4/json", "data/alice/nothing.json"), http.StatusNotFound)
	wantError(t, e.do(http.MethodGet, "/api/v4/json", headers(e.alice), nil, ""), http.StatusBadRequest)

	e.startWorkers()
	data := e.waitDone(e.alice, key)
	if data["Status"] != capture.StatusCompleted {
		t.Fatalf("status %v: %v", data["Status"], data["Reason"])
	}
	if total := data["Total"].(float64); math.Abs(total-r.Total()) > 0.001 {
		t.Errorf("Total %v, want %v", total, r.Total())
	}
	if !strings.Contains(strings.ToUpper(data["Raw_Text"].(string)), "TOTAL") || data["Pages"] != 1.0 || data["Is_Duplicate"] != 0.0 {
		t.Errorf("data: %v", data)
	}
	if _, ok := data["Confidence"]; ok {
		t.Errorf("Confidence given without ?confidence=1")
	}
	for _, field := range []string{"Document_Type", "Vendor_Name", "Vendor_Address", "Vendor_Phone", "Date", "Time", "Subtotal", "Tax", "Tip", "Discount", "Currency_Code", "Invoice_Number", "Line_Items", "Created"} {
		if _, ok := data[field]; !ok {
			t.Errorf("data lacks %s", field)
		}
	}
	// Nothing else: what the store keeps beside the result (where each
	// field was read) is not the API's.
	apiFields := map[string]bool{"Status": true, "Time": true}
	for _, k := range photonKeys {
		apiFields[k] = true
	}
	for k := range data {
		if !apiFields[k] {
			t.Errorf("data has %s, which the capture API does not", k)
		}
	}
	withConf := e.fetch(e.alice, "/api/v4/json", key+"&confidence=1")
	conf, ok := withConf.body["data"].(map[string]any)["Confidence"].(map[string]any)
	if !ok || conf["Total"] == nil {
		t.Errorf("?confidence=1: %s", withConf.raw)
	}
	dup := e.waitDone(e.alice, key2)
	if dup["Is_Duplicate"] != 1.0 {
		t.Errorf("same bytes again: Is_Duplicate %v", dup["Is_Duplicate"])
	}
	hook = e.do(http.MethodPost, "/webhook", headers(e.alice), strings.NewReader("photon_key="+key), "application/x-www-form-urlencoded")
	if hook.code != http.StatusOK || hook.body["data"].(map[string]any)["Total"] != data["Total"] {
		t.Fatalf("webhook status when done: %d %s", hook.code, hook.raw)
	}
}

func TestCaptureSync(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	r := fixture.Sample()
	for _, query := range []string{"", "?type=sync"} {
		t.Run("query "+query, func(t *testing.T) {
			got := e.upload(e.alice, query, "sync.jpg", fixture.JPEG(r, fixture.Options{}))
			data, ok := got.body["data"].(map[string]any)
			if got.code != http.StatusOK || !ok || got.body["status"] != "success" {
				t.Fatalf("sync upload: %d %s", got.code, got.raw)
			}
			if data["Status"] != capture.StatusCompleted || math.Abs(data["Total"].(float64)-r.Total()) > 0.001 {
				t.Fatalf("sync data: %v", data)
			}
		})
	}
}

func TestCaptureFailedDocumentHasReason(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	// A PNG header that promises a huge image: accepted at upload (the type
	// is right), refused by the reader before decoding.
	got := e.upload(e.alice, "", "bomb.png", pngBomb(t, 40000, 40000))
	data, _ := got.body["data"].(map[string]any)
	if got.code != http.StatusOK || data["Status"] != capture.StatusFailed || data["Reason"] == "" {
		t.Fatalf("bomb: %d %s", got.code, got.raw)
	}
}

// pngBomb is a valid PNG of w x h gray pixels, all zero, compressed to a
// few kilobytes: a decompression bomb.
func pngBomb(t *testing.T, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, w+1) // filter byte + pixels
	for range 64 {           // enough rows to look real; the header says h
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		_ = binary.Write(&out, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

func TestSetWebhook(t *testing.T) {
	e := newEnv(t, 1<<20)
	for _, tc := range []struct {
		body string
		code int
	}{
		{`{"webhook_url":"https://example.com/hook"}`, http.StatusOK},
		{`{"webhook_url":"ftp://example.com"}`, http.StatusBadRequest},
		{`{"webhook_url":`, http.StatusBadRequest},
		{`{"webhook_url":""}`, http.StatusOK},
	} {
		got := e.do(http.MethodPut, "/api/v4/account/webhook", headers(e.alice), strings.NewReader(tc.body), "application/json")
		if got.code != tc.code {
			t.Errorf("%s: %d %s", tc.body, got.code, got.raw)
		}
	}
	e.do(http.MethodPut, "/api/v4/account/webhook", headers(e.alice), strings.NewReader(`{"webhook_url":"https://example.com/h"}`), "application/json")
	a, err := e.st.Account("alice")
	if err != nil || a.WebhookURL != "https://example.com/h" {
		t.Fatalf("stored webhook %q %v", a.WebhookURL, err)
	}
}
