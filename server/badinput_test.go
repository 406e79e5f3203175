package server_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"unicode/utf8"

	"tillroll/capture"
	"tillroll/internal/fixture"
)

// TestBadInputAtUpload sends what a careless or hostile client might, over
// real HTTP at the default 25 MB limit: each gets a clear 4xx in the API's
// JSON error shape, nothing is recorded, and the server stays up.
func TestBadInputAtUpload(t *testing.T) {
	e := newEnv(t, 25<<20)
	h := headers(e.alice)
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})
	json := func(body string) func() response {
		return func() response {
			return e.do(http.MethodPost, "/webhook", h, strings.NewReader(body), "application/json")
		}
	}
	webhookJSON := func(body string) func() response {
		return func() response {
			return e.do(http.MethodPut, "/api/v4/account/webhook", h, strings.NewReader(body), "application/json")
		}
	}
	tests := []struct {
		name string
		do   func() response
		code int
	}{
		{"empty file", func() response { return e.upload(e.alice, "?type=async", "r.jpg", nil) }, http.StatusBadRequest},
		{"text renamed .jpg", func() response {
			return e.upload(e.alice, "?type=async", "r.jpg", []byte("TOTAL 12.00\nnot an image\n"))
		}, http.StatusBadRequest}, // Photon's answer for a file type it does not read
		{"html renamed .png", func() response {
			return e.upload(e.alice, "?type=async", "r.png", []byte("<html><script>alert(1)</script></html>"))
		}, http.StatusBadRequest},
		{"one byte over 25 MB", func() response {
			big := append(append([]byte{}, png...), make([]byte, 25<<20+1-len(png))...)
			return e.upload(e.alice, "?type=async", "r.png", big)
		}, http.StatusRequestEntityTooLarge},
		{"multipart cut short", func() response {
			body, ct := multipartBody(t, "pdf", "r.png", png)
			raw, _ := io.ReadAll(body)
			return e.do(http.MethodPost, "/api/v4?type=async", h, bytes.NewReader(raw[:len(raw)/2]), ct)
		}, http.StatusBadRequest},
		{"multipart without boundary", func() response {
			return e.do(http.MethodPost, "/api/v4?type=async", h, bytes.NewReader(png), "multipart/form-data")
		}, http.StatusBadRequest},
		{"webhook_url not UTF-8", func() response {
			return e.upload(e.alice, "?type=async&webhook_url=https://ex%FF%FEample.com/", "r.png", png)
		}, http.StatusBadRequest},
		{"webhook_url with script", func() response {
			return e.upload(e.alice, "?type=async&webhook_url=javascript:alert(1)", "r.png", png)
		}, http.StatusBadRequest},
		{"photon_key not UTF-8", func() response {
			return e.fetch(e.alice, "/api/v4/json", "data/alice/%FF%FE.json")
		}, http.StatusNotFound},
		{"photon_key with script", func() response {
			return e.fetch(e.alice, "/api/v4/json", "%3Cscript%3Ealert(1)%3C/script%3E")
		}, http.StatusNotFound},
		{"POST /webhook photon_key not UTF-8", json("{\"photon_key\":\"\xff\xfe\"}"), http.StatusNotFound},
		{"POST /webhook huge body", json(`{"photon_key":"` + strings.Repeat("a", 2<<20) + `"}`), http.StatusRequestEntityTooLarge},
		{"POST /webhook deeply nested", json(`{"photon_key":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`), http.StatusBadRequest},
		{"POST /webhook nested objects", json(strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000)), http.StatusBadRequest},
		{"POST /webhook not JSON", json("\xff\xfe<script>"), http.StatusBadRequest},
		{"PUT webhook huge body", webhookJSON(`{"webhook_url":"https://example.com/` + strings.Repeat("a", 2<<20) + `"}`), http.StatusRequestEntityTooLarge},
		{"PUT webhook deeply nested", webhookJSON(`{"webhook_url":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`), http.StatusBadRequest},
		{"PUT webhook long URL", webhookJSON(`{"webhook_url":"https://example.com/` + strings.Repeat("a", 4000) + `"}`), http.StatusBadRequest},
		{"PUT webhook not UTF-8", webhookJSON("{\"webhook_url\":\"https://ex\xffample.com/\"}"), http.StatusBadRequest},
		{"PUT webhook script URL", webhookJSON(`{"webhook_url":"javascript:alert(1)"}`), http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.do()
			wantError(t, got, tc.code)
			if strings.Contains(got.raw, "<") {
				t.Errorf("answer carries markup unescaped: %s", got.raw)
			}
		})
	}
	if depth, err := e.st.QueueDepth(); err != nil || depth != 0 {
		t.Fatalf("queue depth %d (%v) after refused uploads", depth, err)
	}
	assertUp(t, e)
}

// TestBadInputFailsWithReason uploads files of an accepted type whose
// content cannot be read: each upload gets its key, and each document ends
// failed with a reason a person can read.
func TestBadInputFailsWithReason(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{})
	tests := []struct {
		name   string
		file   []byte
		reason string
	}{
		{"truncated jpeg", jpg[:len(jpg)/3], "damaged or truncated"},
		{"jpeg header only", jpg[:40], "damaged or truncated"},
		{"png bomb 40000x40000", pngBomb(t, 40000, 40000), "too large"},
		{"pdf of 1000 pages", textPDF(1000, "TOTAL 1.00"), "too large"},
		{"pdf image bomb", fixture.PDF(fixture.PDFPage{JPEG: fixture.Deflate(64<<20, 0), W: 100, H: 100, ImageFilter: "FlateDecode"}), "too large"},
		{"corrupt pdf", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"), "damaged or truncated"},
		{"pdf cut in half", func() []byte { p := textPDF(3, "TOTAL 1.00"); return p[:len(p)/2] }(), "damaged or truncated"},
	}
	keys := make([]string, len(tests))
	for i, tc := range tests {
		up := e.upload(e.alice, "?type=async", "bad.jpg", tc.file)
		if up.code != http.StatusOK {
			t.Fatalf("%s: upload %d %s", tc.name, up.code, up.raw)
		}
		keys[i] = up.body["photon_key"].(string)
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := e.waitDone(e.alice, keys[i])
			reason, _ := data["Reason"].(string)
			if data["Status"] != capture.StatusFailed || !strings.Contains(reason, tc.reason) {
				t.Fatalf("status %v, reason %q; want failed, %q", data["Status"], reason, tc.reason)
			}
		})
	}
	assertUp(t, e)
}

// TestBadNamesAndMarkup: file names with ../, NUL, backslashes, non-UTF-8
// bytes or HTML become plain photon keys, and everything that comes back
// is JSON with markup escaped, never HTML.
func TestBadNamesAndMarkup(t *testing.T) {
	e := newEnv(t, 25<<20)
	e.startWorkers()
	png := fixture.PNG(fixture.Sample(), fixture.Options{Width: 300})
	for _, name := range []string{
		"../../../etc/passwd",
		"..\\..\\windows\\system32\\x.jpg",
		"a\x00b.jpg",
		"\xff\xfe\xfd.jpg",
		"/abs/path/r.jpg",
		"<script>alert(1)</script>.png",
		"<img src=x onerror=alert(1)>.png",
		"..",
		strings.Repeat("x", 5000) + ".png",
	} {
		t.Run(fmt.Sprintf("%q", name[:min(len(name), 40)]), func(t *testing.T) {
			got := e.rawUpload(name, png)
			if got.code == http.StatusBadRequest { // a header Go's reader refuses
				wantError(t, got, http.StatusBadRequest)
				return
			}
			key, _ := got.body["photon_key"].(string)
			rest, ok := strings.CutPrefix(key, "data/alice/")
			if got.code != http.StatusOK || !ok || strings.ContainsAny(rest, "/\\\x00<>") || strings.Contains(rest, "..") ||
				!utf8.ValidString(key) || len(key) > 200 {
				t.Fatalf("upload %d, key %q", got.code, key)
			}
		})
	}

	// Markup in the document's own text comes back JSON-escaped.
	script := `<script>alert(1)</script>`
	up := e.upload(e.alice, "?type=async", script+".pdf", textPDF(1, script, `<img src=x onerror=alert(1)> SHOP`, "TOTAL 12.00"))
	if up.code != http.StatusOK {
		t.Fatalf("upload: %d %s", up.code, up.raw)
	}
	key := up.body["photon_key"].(string)
	data := e.waitDone(e.alice, key)
	if !strings.Contains(data["Raw_Text"].(string), script) {
		t.Fatalf("Raw_Text %q lacks the markup it was given", data["Raw_Text"])
	}
	for _, path := range []string{"/api/v4/json", "/api/v1/json"} {
		resp := e.rawDo(http.MethodGet, path+"?photon_key="+key, nil, "")
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.ContainsAny(body, "<>") || !bytes.Contains(body, []byte(`\u003cscript\u003e`)) {
			t.Errorf("%s: markup not escaped: %s", path, body)
		}
	}
	resp := e.rawDo(http.MethodPost, "/webhook?photon_key="+key, nil, "")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || bytes.ContainsAny(body, "<>") {
		t.Errorf("POST /webhook: %q %s", ct, body)
	}
	assertUp(t, e)
}

// rawUpload sends the file with its name written into the part header
// byte for byte, as a hostile client could (mime/multipart would escape it).
func (e *env) rawUpload(name string, content []byte) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="pdf"; filename="`+name+`"`)
	hdr.Set("Content-Type", "application/octet-stream")
	fw, err := w.CreatePart(hdr)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, "/api/v4?type=async", headers(e.alice), &buf, w.FormDataContentType())
}

func (e *env) rawDo(method, path string, body io.Reader, contentType string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = headers(e.alice)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// assertUp checks the server still answers and still reads a good receipt.
func assertUp(t *testing.T, e *env) {
	t.Helper()
	r := e.do(http.MethodGet, "/healthz", nil, nil, "")
	if r.code != http.StatusOK || r.body["status"] != "ok" {
		t.Fatalf("healthz after bad input: %d %s", r.code, r.raw)
	}
	up := e.upload(e.alice, "?type=async", "good.png", fixture.PNG(fixture.Sample(), fixture.Options{}))
	if up.code != http.StatusOK {
		t.Fatalf("good upload after bad input: %d %s", up.code, up.raw)
	}
}

// textPDF is a PDF of n pages that all show the same lines.
func textPDF(n int, lines ...string) []byte {
	pages := make([]fixture.PDFPage, n)
	for i := range pages {
		pages[i] = fixture.PDFPage{Lines: lines}
	}
	return fixture.PDF(pages...)
}
