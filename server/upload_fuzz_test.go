package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr/hostile"
	"tillroll/server"
	"tillroll/store"
)

// noQueue stands in for the OCR pool: async uploads only queue.
type noQueue struct{}

func (noQueue) Kick() {}
func (noQueue) Wait(context.Context, uint64) (store.Document, error) {
	return store.Document{}, context.Canceled
}

const fuzzBoundary = "tillrollfuzzboundary"

// fuzzMultipart is a form with one part per (field, file name, content).
func fuzzMultipart(parts ...[3]string) []byte {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.SetBoundary(fuzzBoundary)
	for _, p := range parts {
		fw, _ := w.CreateFormFile(p[0], p[1])
		_, _ = fw.Write([]byte(p[2]))
	}
	_ = w.Close()
	return buf.Bytes()
}

// FuzzUpload sends arbitrary multipart bodies to POST /api/v4?type=async
// through the real handler: every answer is a JSON success or a 4xx in the
// error shape, never a 5xx or a panic.
func FuzzUpload(f *testing.F) {
	st, err := store.Open(f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	creds, err := st.CreateAccount("fuzz", "fuzz@example.com")
	if err != nil {
		f.Fatal(err)
	}
	h := server.New(st, noQueue{}, server.Config{MaxUpload: 64 << 10}).Handler()
	png := string(fixture.PNG(fixture.Sample(), fixture.Options{Width: 120}))

	f.Add(fuzzMultipart([3]string{"pdf", "r.png", png}))
	f.Add(fuzzMultipart([3]string{"pdf", "r.pdf", "%PDF-1.4\n%%EOF"}))
	f.Add(fuzzMultipart([3]string{"pdf", "../../r.jpg", "\xff\xd8\xff\xe0"}, [3]string{"webhook_url", "", "https://example.com/h"}))
	f.Add(fuzzMultipart([3]string{"image", "r.png", png}))
	f.Add(fuzzMultipart([3]string{"pdf", "r.txt", "TOTAL 1.00"}))
	f.Add(fuzzMultipart([3]string{"pdf", "", ""}))
	f.Add(fuzzMultipart([3]string{"webhook_url", "", "javascript:alert(1)"}, [3]string{"pdf", "<script>.gif", "GIF89a\x01\x00\x01\x00"}))
	f.Add([]byte("--" + fuzzBoundary + "\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"a\x00b\"\r\n\r\nGIF89a\r\n--" + fuzzBoundary + "--\r\n"))
	f.Add([]byte("--" + fuzzBoundary + "\r\n\r\n"))
	f.Add([]byte{})
	// The crafted files that once took a reader down, as uploads.
	for _, h := range hostile.All(hostile.Options{Bomb: 1 << 20}) {
		f.Add(fuzzMultipart([3]string{"pdf", h.Name, string(h.Data)}))
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v4?type=async", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+fuzzBoundary)
		req.Header.Set("CLIENT-ID", creds.ClientID)
		req.Header.Set("AUTHORIZATION", "apikey "+creds.Username+":"+creds.APIKey)
		req.Header.Set("PASSWORD", creds.Password)
		req.Header.Set("SECRET-KEY", creds.SecretKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		var got map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatalf("%d: answer is not JSON: %q", rec.Code, rec.Body.String())
		}
		switch rec.Code {
		case http.StatusOK:
			if got["status"] != "success" || got["photon_key"] == "" {
				t.Fatalf("200 without a key: %s", rec.Body.String())
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			if got["status"] != "error" || got["message"] == "" {
				t.Fatalf("%d not in the error shape: %s", rec.Code, rec.Body.String())
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
}
