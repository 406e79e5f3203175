package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tillroll/internal/fixture"
)

// TestDatedKeysFlag: with --dated-keys a submit answers Photon's dated
// photon key, which retrieves the result, and its doc_path the original.
func TestDatedKeysFlag(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1", "--dated-keys")
	c := createAccount(t, data, "shop")
	img := fixture.JPEG(fixture.Sample(), fixture.Options{})
	key := uploadAsync(t, inst.url, c, "receipt.jpg", img)
	if !regexp.MustCompile(`^data/shop/\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d-\d{6}_receipt\.json$`).MatchString(key) {
		t.Fatalf("photon_key %q is not in the dated form", key)
	}
	if d := waitCompleted(t, inst.url, c, url.QueryEscape(key)); d["photon_key"] != key {
		t.Errorf("data's photon_key %v, want %s", d["photon_key"], key)
	}
	req, _ := http.NewRequest(http.MethodGet, inst.url+"/download-file?doc_path="+url.QueryEscape(strings.TrimSuffix(key, ".json")+".jpg"), nil)
	setCredentials(req, c)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, img) {
		t.Errorf("download: %d, %d bytes, want the %d sent", resp.StatusCode, len(got), len(img))
	}
	if err := inst.stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
}
