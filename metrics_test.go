package main

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tillroll/internal/fixture"
)

// TestMetrics reads GET /metrics after one document completed and one
// failed, with no SMTP relay (so both mails wait in the outbox).
func TestMetrics(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1")
	c := createAccount(t, data, "shop")
	jpg := fixture.JPEG(fixture.Sample(), fixture.Options{})
	good := uploadAsync(t, inst.url, c, "good.jpg", jpg)
	bad := uploadAsync(t, inst.url, c, "bad.jpg", jpg[:len(jpg)/3])
	waitCompleted(t, inst.url, c, good)
	deadline := time.Now().Add(time.Minute)
	for fetch(t, inst.url, c, bad)["Status"] != "failed" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	// The counters are updated just after the outcome is committed.
	var m map[string]float64
	for time.Now().Before(deadline) {
		m = scrape(t, inst.url)
		if m[`tillroll_ocr_seconds_count`] == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := map[string]float64{
		`tillroll_queue_depth`:                        0,
		`tillroll_ocr_jobs_total{result="completed"}`: 1,
		`tillroll_ocr_jobs_total{result="failed"}`:    1,
		`tillroll_ocr_seconds_count`:                  2,
		`tillroll_outbox_depth{kind="mail"}`:          2,
		`tillroll_outbox_depth{kind="webhook"}`:       0,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if s := m["tillroll_ocr_seconds_total"]; s <= 0 || s > 120 {
		t.Errorf("tillroll_ocr_seconds_total = %v", s)
	}
}

// scrape reads /metrics and checks the text format: every sample has its
// HELP and TYPE, names and labels are well formed, values are numbers.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sample := regexp.MustCompile(`^([a-z_]+)(\{[a-z_]+="[a-z]+"\})? (\S+)$`)
	typed := map[string]bool{}
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(rest, " ")
			if typ != "counter" && typ != "gauge" {
				t.Errorf("type %q", line)
			}
			typed[name] = true
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := sample.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("malformed line %q in:\n%s", line, body)
		}
		if !typed[m[1]] {
			t.Errorf("%s has no TYPE before it", m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value in %q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}
