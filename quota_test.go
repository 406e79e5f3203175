package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tillroll/store"
)

// post sends one multipart file to path and returns the status and the
// JSON answer.
func post(t *testing.T, url, path, field string, h http.Header, content []byte) (int, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile(field, "r.png")
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, url+path, &body)
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("%s: %d, no JSON: %v", path, resp.StatusCode, err)
	}
	return resp.StatusCode, got
}

func cli(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), args, os.Getenv, &out, io.Discard); err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return out.String()
}

// TestQuotaOverHTTP: with --quota, a capture account and a receipts user
// store originals up to the quota; the upload past it is refused with 413
// and a message in each API's error shape, and nothing is kept of it. An
// admin lifts or sets an account's own quota with `tillroll account
// quota` while the server runs; `--min-free` above the disk's free space
// refuses every upload with 507.
func TestQuotaOverHTTP(t *testing.T) {
	// A PNG by its first bytes (all the upload checks), damaged after:
	// the workers fail it at once.
	img := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("receipt "), 500)...)
	size := int64(len(img))
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1", "--quota", fmt.Sprint(2*size+size/2))
	c := createAccount(t, data, "shop")
	h := http.Header{}
	req, _ := http.NewRequest("", "/", nil)
	setCredentials(req, c)
	h = req.Header

	refused := func(code int, got map[string]any, want int) {
		t.Helper()
		msg, _ := got["message"].(string)
		if code != want || got["status"] != "error" || !strings.Contains(msg, "quota") && !strings.Contains(msg, "disk") {
			t.Errorf("got %d %v, want %d with a quota or disk message", code, got, want)
		}
	}
	for i := range 2 {
		if code, got := post(t, inst.url, "/api/v4?type=async", "pdf", h, img); code != http.StatusOK {
			t.Fatalf("upload %d within the quota: %d %v", i, code, got)
		}
	}
	code, got := post(t, inst.url, "/api/v4?type=async", "pdf", h, img)
	refused(code, got, http.StatusRequestEntityTooLarge)
	if msg := got["message"].(string); !strings.Contains(msg, "MB") || strings.Contains(msg, data) {
		t.Errorf("message %q: want the figures, and no server path", msg)
	}

	var u store.Storage
	if err := json.Unmarshal([]byte(cli(t, "account", "quota", "shop", "--data", data)), &u); err != nil || u.Used != 2*size || u.Quota != 2*size+size/2 {
		t.Fatalf("usage %+v (%v), want %d of %d", u, err, 2*size, 2*size+size/2)
	}
	cli(t, "account", "quota", "shop", "none", "--data", data)
	if code, got := post(t, inst.url, "/api/v4?type=async", "pdf", h, img); code != http.StatusOK {
		t.Fatalf("upload with no quota: %d %v", code, got)
	}
	cli(t, "account", "quota", "shop", fmt.Sprint(3*size+size/2), "--data", data)
	code, got = post(t, inst.url, "/api/v4?type=async", "pdf", h, img)
	refused(code, got, http.StatusRequestEntityTooLarge)

	// The receipts service: a user's images count against the default.
	cli(t, "user", "create", "carol", "--password", "pass-word-1", "--data", data)
	var login struct{ Ticket string }
	resp, err := http.Post(inst.url+"/identity-service/login", "application/json", strings.NewReader(`{"username":"carol","password":"pass-word-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&login); err != nil || login.Ticket == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	rh := http.Header{"Authenticateit_identity_ticket": {login.Ticket}}
	for i := range 2 {
		if code, got := post(t, inst.url, "/receipts-service/user/receipt/image", "image", rh, img); code != http.StatusOK {
			t.Fatalf("image %d within the quota: %d %v", i, code, got)
		}
	}
	code, got = post(t, inst.url, "/receipts-service/user/receipt/image", "image", rh, img)
	refused(code, got, http.StatusRequestEntityTooLarge)
	files, err := os.ReadDir(filepath.Join(data, "files"))
	if err != nil || len(files) != 5 {
		t.Errorf("%d stored files (%v), want the 5 accepted", len(files), err)
	}
	if err := inst.stop(); err != nil {
		t.Fatal(err)
	}

	// A free-space floor above what the disk has: every upload is refused.
	inst = startServe(t, "--data", data, "--workers", "1", "--min-free", fmt.Sprint(int64(1)<<60))
	code, got = post(t, inst.url, "/api/v4?type=async", "pdf", h, img)
	refused(code, got, http.StatusInsufficientStorage)
	code, got = post(t, inst.url, "/receipts-service/user/receipt/image", "image", rh, img)
	refused(code, got, http.StatusInsufficientStorage)
}
