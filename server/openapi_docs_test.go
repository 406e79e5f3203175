package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"tillroll/pipeline"
	"tillroll/server"
)

// TestOpenAPIJSONAndDocs: /openapi.json is the YAML document as JSON, and
// /docs shows every call and schema of it with nothing from outside.
func TestOpenAPIJSONAndDocs(t *testing.T) {
	e := newEnvWith(t, server.Config{}, pipeline.Options{})
	get := func(path string) (*http.Response, string) {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/openapi.json")
	var doc struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("/openapi.json: %d %v %.80s", resp.StatusCode, err, body)
	}
	if len(doc.Paths) < 10 || doc.Paths["/api/v4"]["post"] == nil || len(doc.Components.Schemas) == 0 {
		t.Fatalf("/openapi.json: %d paths, %d schemas", len(doc.Paths), len(doc.Components.Schemas))
	}
	// Response codes are JSON object keys (YAML had them as numbers or strings).
	post, _ := doc.Paths["/api/v4"]["post"].(map[string]any)
	if _, ok := post["responses"].(map[string]any)["200"]; !ok {
		t.Errorf("POST /api/v4 has no 200 answer in JSON")
	}

	resp, page := get("/docs")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("/docs: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Security-Policy"))
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			if !strings.Contains(page, "<code>"+strings.ToUpper(m)+" "+p+"</code>") {
				t.Errorf("/docs lacks %s %s", strings.ToUpper(m), p)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("/docs lacks the schema %s", name)
		}
	}
	if ext := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(page); ext != "" || strings.Contains(page, "<script") {
		t.Errorf("/docs loads something from outside or runs a script: %q", ext)
	}
}
