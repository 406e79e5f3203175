package server

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// noMetrics stands in for the metrics, so that /metrics is routed.
type noMetrics struct{}

func (noMetrics) Handler() http.Handler               { return http.NotFoundHandler() }
func (noMetrics) ObserveUpload(string, time.Duration) {}

// TestOpenAPIHasEveryRoute: every route the server serves, with every
// option on, is an operation of docs/openapi.yaml, and the document has
// none it does not serve. The web app's pages are not API and not in it.
func TestOpenAPIHasEveryRoute(t *testing.T) {
	doc, err := openAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for m := range ops {
			if m != "parameters" && m != "summary" && m != "description" {
				documented[m+" "+p] = true
			}
		}
	}
	s := New(nil, nil, Config{Register: true, Metrics: noMetrics{}, Receipts: &ReceiptsConfig{}})
	param := regexp.MustCompile(`:([a-z_]+)`)
	served := map[string]bool{}
	for _, r := range s.echo.Router().Routes() {
		if r.Method == "echo_route_not_found" || r.Method == "RouteNotFound" {
			continue
		}
		key := strings.ToLower(r.Method) + " " + param.ReplaceAllString(r.Path, "{$1}")
		served[key] = true
		if !documented[key] {
			t.Errorf("%s is served but not in docs/openapi.yaml", key)
		}
	}
	var extra []string
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		t.Errorf("docs/openapi.yaml has operations the server does not serve: %v", extra)
	}
}
